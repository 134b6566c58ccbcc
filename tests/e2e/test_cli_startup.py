"""`nexa --help` starts fast: the command line imports the heavy parts (models, SQLAlchemy, the agent) only in the
command that runs. The speed itself is measured by bench/cold_start.py; this keeps the imports from creeping back."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from bots.cli import app
from store.imports.export import EXPORTABLE
from store.imports.mapping import RESOURCES
from store.services.reports import METRICS

HEAVY = (
    "sqlalchemy",
    "pydantic",
    "numpy",
    "torch",
    "sentence_transformers",
    "statsmodels",
    "sklearn",
    "spacy",
    "litestar",
    "mcp",
    "procrastinate",
    "assistant.agent",
    "tools",
    "store.models",
)


def test_the_command_line_imports_nothing_heavy_until_a_command_runs():
    probe = f"import sys, bots.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"imported by `import bots.cli`: {loaded}"


def test_help_texts_name_every_choice():
    for command, names in ((["import"], RESOURCES), (["export"], EXPORTABLE), (["report"], METRICS)):
        shown = CliRunner().invoke(app, [*command, "--help"], terminal_width=200).output
        assert all(name in shown for name in names), (command, shown)
