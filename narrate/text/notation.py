"""Written numbers in a language's own notation (grouping and decimal separators), shared by the passes."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import number

_SENTENCE_GOES_ON = lazy_compile(r"\s*(?:$|[A-ZÀ-Þ])")


def ends_sentence(text: str, end: int) -> bool:
    """Whether a dot just before `end` (an abbreviation's, a date's: "a.m.", "28 Feb.", "am 24.12.")
    was also the sentence's full stop: the text ends there or goes on with a capital."""
    return _SENTENCE_GOES_ON.match(text, end) is not None


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """Compiled once: the passes build their patterns per language, then reuse them for every text."""
    return re.compile(pattern)


@lru_cache(maxsize=64)
def _number_pattern_for(group: str, decimal: str) -> str:
    g, dec = re.escape(group), re.escape(decimal)
    return rf"\d{{1,3}}(?:{g}\d{{3}}(?!\d))+(?:{dec}\d+)?|\d+(?:{dec}\d+)?"


def number_pattern(lang: Lang) -> str:
    """A written number in the language's own notation (grouping and decimal separators)."""
    return _number_pattern_for(lang.group, lang.decimal)


def split_number(written: str, lang: Lang) -> tuple[str, str | None]:
    """("1,234.5", en) -> ("1234", "5")."""
    integer, _, fraction = written.partition(lang.decimal)
    return integer.replace(lang.group, ""), fraction or None


def say(written: str, lang: Lang, **agree: bool) -> str:
    """A written number in words ("1,234.5" -> "one thousand two hundred thirty-four point five")."""
    integer, fraction = split_number(written, lang)
    return number(integer, fraction, lang, **agree)


def is_one(written: str, lang: Lang) -> bool:
    integer, fraction = split_number(written, lang)
    return integer == "1" and not fraction
