"""Lexicon pattern rules: a regular expression with groups and a replacement (`\\1`, `\\g<name>`).

YAML shape (a list under `patterns:`, globally and per language)::

    patterns:
      - {pattern: 'Route (\\d+)', say: 'Highway \\1'}
    languages:
      de-DE:
        patterns:
          - {pattern: '(\\d+)\\s?km/h', say: '\\1 Kilometer pro Stunde', case_sensitive: true}

Patterns are compiled once (`compile_pattern`), checked when the manifest is validated, and applied
in order after the whole-word rules. Python's `re` has no time limit, so the cost is bounded up
front: a pattern is at most MAX_PATTERN_CHARS long, and a repetition inside a repetition
(`(a+)+`, `(a*b?)*`: the classic exponential backtracking shape) is refused. Texts are bounded by
the manifest's text limit. Not detected (the known residual risk): overlapping alternatives under
a repetition (`(a|aa)*c` backtracks exponentially too) and polynomial backtracking (`.*x.*y` on a
long text); keep patterns anchored on literal words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The parser behind `re` (private; typeshed omits it): it finds a repetition inside a repetition.
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

MAX_PATTERN_CHARS = 200  # long enough for any respelling rule seen in practice; short enough to review


@dataclass(frozen=True)
class PatternRule:
    """One compiled rule: `regex.sub(say, text)`; `language` None means every language."""

    regex: re.Pattern[str]
    say: str
    language: str | None = None


def _nested_repeat(parsed: Any, inside: bool = False) -> bool:
    """Whether a repetition (max > 1) contains another repetition in a parsed pattern."""
    for op, av in parsed:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av
            repeats = hi is sre_parse.MAXREPEAT or hi > 1
            if repeats and inside:
                return True
            if _nested_repeat(sub, inside or repeats):
                return True
        elif name == "SUBPATTERN":
            if _nested_repeat(av[-1], inside):
                return True
        elif name == "BRANCH":
            if any(_nested_repeat(b, inside) for b in av[1]):
                return True
        elif name in ("ASSERT", "ASSERT_NOT") and _nested_repeat(av[1], inside):
            return True
    return False


def compile_pattern(pattern: str, say: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """The compiled regex of a rule. Raises ValueError with a one-line reason for an empty, overlong,
    invalid or nested-repetition pattern, or a replacement naming a group the pattern lacks."""
    if not pattern:
        raise ValueError("empty pattern")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"pattern is {len(pattern)} characters; at most {MAX_PATTERN_CHARS}")
    try:
        regex = re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc.msg} at position {exc.pos}") from None
    if _nested_repeat(sre_parse.parse(pattern)):
        raise ValueError("a repetition inside a repetition (like (a+)+) can take exponential time; "
                         "rewrite it without the nesting")
    if regex.match(""):
        raise ValueError("pattern matches the empty text")
    try:
        regex.sub(say, "")  # parses the replacement template: unknown group references fail here
    except (re.error, IndexError) as exc:
        raise ValueError(f"replacement: {exc}") from None
    return regex
