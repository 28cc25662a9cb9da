"""A library's index.json: one row per output file, for deploy scripts and reviewers.

The text is a JSON object whose `prompts` list holds one row per line: readable and diff-friendly.
The rows are encoded by one call of json's C encoder (a third faster than a call per row at
10,000 prompts) and then put one per line.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..manifest import Library

Row = dict[str, Any]
_BETWEEN = "}, {"  # json.dumps's separator between two rows of a list of flat objects


def index_head(lib: Library) -> dict[str, Any]:
    """What index.json says about the library before its rows (taken from the manifest, never from an
    index.json found on disk)."""
    return {"library": lib.name, "layout": lib.layout, "formats": list(lib.formats),
            "languages": {code: lang.path for code, lang in lib.languages.items()}}


def row_key(row: Row) -> tuple[str, str, str]:
    """The order of rows: name, language, format."""
    return row["name"], row["language"], row["format"]


def index_text(head: dict[str, Any], rows: list[Row]) -> str:
    """The index.json text: `head`'s keys, then `"prompts"` with `rows` (flat objects: no value is an
    object) sorted by `row_key`, one per line."""
    rows = sorted(rows, key=row_key)
    body = json.dumps(rows, ensure_ascii=False)[1:-1]
    if body.count(_BETWEEN) == len(rows) - 1:  # every "}, {" is between rows: none is inside a text
        body = " " + body.replace(_BETWEEN, "},\n {")
    else:
        body = ",\n".join(" " + json.dumps(r, ensure_ascii=False) for r in rows)
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "prompts": [\n' + body + "\n]}\n"
