"""Every environment variable the settings read is documented in the README."""

from __future__ import annotations

import re

from tests.support.paths import ROOT


def test_every_setting_is_in_the_readme():
    read = set(re.findall(r'_env\("([A-Z0-9_]+)"', (ROOT / "store" / "settings.py").read_text()))
    readme = (ROOT / "README.md").read_text()
    assert read and not {name for name in read if f"`{name}`" not in readme}
