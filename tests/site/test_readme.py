"""The README's configuration table names every environment variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(
    r"""(?:env_(?:str|bool|int|float|list|path)|os\.environ\.get|(?<![\w.])environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
)
SOURCES = [*(ROOT / "site" / "src").rglob("*.py"), ROOT / "noxfile.py"]


def test_every_environment_variable_is_documented():
    read = {name for source in SOURCES for name in READS.findall(source.read_text())}
    read -= {"DJANGO_SETTINGS_MODULE"}
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`(?:, `([A-Z][A-Z0-9_]+)`)?", readme, re.M))
    documented_names = {name for pair in documented for name in pair if name}
    assert read, "the pattern found no environment reads; is it still right?"
    assert sorted(read - documented_names) == []
