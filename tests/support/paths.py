"""Where the tests' files live: the checkout, its test data and the screenshots the browser tests leave."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
ARTIFACTS = ROOT / "tests" / "artifacts"
