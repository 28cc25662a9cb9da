"""Module-level regular expressions of the text front-end, compiled when first used.

The front-end's modules hold ~250 patterns; compiling them all at import took ~70 ms of every build
that normalises a text, and a one-edit rebuild normalises only the edited prompt (the others come
from the memo, narrate.plan.memo), whose text reaches ~50 of them: work proportional to the change.
`lazy_compile` returns a stand-in that compiles its pattern on the first attribute asked for, then
keeps the compiled pattern's methods and attributes as its own, so later calls cost what a
compiled pattern's do. A pattern that is not valid fails at first use instead of at import: every
module-level pattern is compiled by tests/test_lazy_re.py.
"""

from __future__ import annotations

import re
from typing import Any, cast

# What a compiled pattern offers; copied onto the stand-in when it compiles.
_ATTRIBUTES = ("findall", "finditer", "flags", "fullmatch", "groupindex", "groups", "match", "pattern",
               "scanner", "search", "split", "sub", "subn")


class LazyPattern:
    """A `re.Pattern` compiled on first use (see the module docstring)."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def compiled(self) -> re.Pattern[str]:
        return re.compile(*self._source)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name not in _ATTRIBUTES:  # copy, pickle and typos: no compile
            raise AttributeError(name)
        compiled = self.compiled()
        for attr in _ATTRIBUTES:  # then found in the instance dict, never here again
            self.__dict__[attr] = getattr(compiled, attr)
        return self.__dict__[name]

    def __repr__(self) -> str:
        return f"lazy_compile({self._source[0]!r}, {self._source[1]!r})"


def lazy_compile(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return cast("re.Pattern[str]", LazyPattern(pattern, int(flags)))
