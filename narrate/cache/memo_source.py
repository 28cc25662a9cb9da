"""A memo file's entries looked up one at a time (narrate.plan.memo, narrate.cache.memo_file.MemoFile).

Parsing a 10,000-prompt memo whole cost more than a one-edit plan reads from it: carried prompts
(narrate.plan.carry) read nothing, the edited one a single entry. Imports nothing heavy: the no-op
fast path imports narrate.cache.state.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# Entries looked up one by one in a memo file's text (MemoSource) before it is parsed whole: each is a
# search of the text, so a plan that asks for more (a cold or mostly new plan) parses it once instead.
LOOKUPS_BEFORE_PARSING = 8


def _entry(line: str) -> list[Any] | None:
    """One entry line `[context, written, value]` parsed, or None if it is not that shape."""
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return row if type(row) is list and len(row) == 3 and type(row[0]) is str and type(row[1]) is str else None


class MemoSource:
    """The entry lines of a memo file (`narrate.cache.memo_file.MemoFile.source`), looked up one entry at a
    time: a one-edit plan reads the entries of the prompts it plans (carried prompts read none), not
    the whole file. The value of an entry is that of its last good line, as when the file is parsed
    whole (`rows`): a line narrate writes is `json.dumps([context, written, value])` with no newline
    in it, so an entry's line begins with its context and written text encoded so, after a newline."""

    def __init__(self, body: str, parse: Callable[[str], list[Any]]) -> None:
        self.text = "\n" + body
        self._parse = parse  # the body -> its lines' JSON values, bad lines left out
        self._rows: dict[str, dict[str, Any]] | None = None
        self._lookups = 0

    def __bool__(self) -> bool:
        """Whether the file holds an entry (the first line is a good one, or any line is)."""
        stop = self.text.find("\n", 1)
        first = self.text[1:stop if stop >= 0 else len(self.text)]
        return _entry(first) is not None or bool(self.rows())

    def get(self, context: str, written: str) -> Any:
        """The stored value of (context, written), or None."""
        if self._rows is None and self._lookups < LOOKUPS_BEFORE_PARSING:
            self._lookups += 1
            prefix = "\n" + json.dumps([context, written], ensure_ascii=False, separators=(",", ":"))[:-1] + ","
            text, end = self.text, len(self.text)
            while (at := text.rfind(prefix, 0, end)) >= 0:
                stop = text.find("\n", at + 1)
                row = _entry(text[at + 1:stop if stop >= 0 else len(text)])
                if row is not None and row[0] == context and row[1] == written:
                    return row[2]
                end = at
            return None
        return self.rows().get(context, {}).get(written)

    def rows(self) -> dict[str, dict[str, Any]]:
        """{context: {written: value}} of every good line, parsed once."""
        if self._rows is None:
            self._rows = {}
            for row in self._parse(self.text[1:]):
                if type(row) is list and len(row) == 3 and type(row[0]) is str and type(row[1]) is str:
                    self._rows.setdefault(row[0], {})[row[1]] = row[2]
        return self._rows
