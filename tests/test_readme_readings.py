"""The README's table of technical and contact-centre readings says what narrate says: each row's
written text, normalised in its language, is exactly its spoken column, and every module of such
readings has a row (a reading added without one, or changed without its row, fails here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from narrate.text import normalize

ROOT = Path(__file__).resolve().parent.parent
HEADER = "| language | written | spoken | rule |"
# The passes whose readings the table shows, one row per rule at least.
MODULES = ("technical.py", "web.py", "shorthand.py", "models.py", "shortcuts.py",
           "shell.py", "paths.py", "zones.py", "masked.py", "forms.py", "indian.py",
           "clock_ranges.py")
_ROW = re.compile(r"\| (?P<language>[a-z]{2}-[A-Z]{2}) \| `(?P<written>[^`]+)` \| (?P<spoken>[^|]+) \| "
                  r"(?P<rule>[^|]+\(`text/(?P<module>\w+\.py)`\)) \|")


def _rows() -> list[tuple[int, re.Match[str]]]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # after the header's rule
    rows = []
    for number, line in enumerate(lines[start:], start + 1):
        if not line.startswith("|"):
            break
        m = _ROW.fullmatch(line)
        assert m, f"README.md:{number}: not a row of the readings table: {line}"
        rows.append((number, m))
    return rows


ROWS = _rows()


@pytest.mark.parametrize(("number", "row"), ROWS, ids=[f"README.md:{n}" for n, _ in ROWS])
def test_each_row_is_what_narrate_says(number, row):
    said = normalize(row["written"], row["language"])
    assert said == row["spoken"], f"README.md:{number}: {row['written']!r} is said {said!r}"
    assert (ROOT / "narrate" / "text" / row["module"]).is_file(), f"README.md:{number}: no text/{row['module']}"


def test_every_module_of_readings_has_a_row():
    shown = {row["module"] for _, row in ROWS}
    assert [m for m in MODULES if m not in shown] == []
