"""Canonical spoken text: the exact string that is hashed into a segment key.

Two levels. `normalize(text)` only canonicalises (NFC, plain quotes and dashes, no control
characters, single spaces): what every caller relied on before numbers were read. With a
language, `normalize(text, "en-US")` also says numbers, amounts, dates, times, telephone
numbers, ordinals, units, decades, ranges and Roman numerals as a person of that language would
(English, Spanish, German and French; other languages are only canonicalised), and never emits
the markup characters < > { }. The rules are in spoken.py (passes), years.py (years), money.py (amounts), phones.py
(telephone numbers), when.py (dates and times), zones.py (time zones after a time), hours.py (opening
hours), spans.py (decades and ranges), indian.py (lakh and crore, rupees), masked.py (masked card numbers),
forms.py (tax forms, 401(k)), models.py (model numbers and their plurals: "A320s"), shortcuts.py (keyboard
shortcuts), paths.py (file names and paths), roman.py and langdata.py (per-language tables),
technical.py (developers' notation in English documentation: status codes, ports, flags, versions,
timestamps); number words come from num2words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .langdata import Lang, resolve
from .lazy_re import lazy_compile

# Bump when any rule changes what a text is normalised to: the version is part of every segment
# key (plan.KeyMaker), so a rule change re-synthesizes exactly the segments it could affect,
# deliberately (see "Upgrading the text front-end" in the README).
NORMALIZER_VERSION = "spoken-8"

_SPACE = lazy_compile(r"\s+")
# A terminal escape sequence pasted from a shell (ECMA-48: CSI "ESC [ ... final byte" such as the
# colour code ESC[31m, its one-byte C1 form U+009B, and OSC "ESC ] ... BEL or ESC \\"): dropped whole,
# as a terminal shows it (dropping only the ESC left "[31m" to be spoken).
_TERMINAL_ESCAPE = lazy_compile(r"(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)")
# An HTML/SSML tag that reached the normaliser (a closing or self-closing tag, one with attributes,
# or a common inline tag) is dropped whole; any other < > { } is dropped alone, so "<Shop>" says "Shop".
_TAGS = (r"</[A-Za-z][^<>]*>|<[A-Za-z][^<>]*(?:=|/)[^<>]*>|"
         r"<(?:b|i|u|s|em|strong|span|br|p|div|sup|sub|small|code|a|mark|kbd|q)>")
MARKUP_TAG = lazy_compile(_TAGS, re.IGNORECASE)
MARKUP = lazy_compile(_TAGS + r"|[<>{}]", re.IGNORECASE)
_PUNCT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": " \u2014 ", "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " "})


def canonical(text: str) -> str:
    """NFC, plain quotes and dashes, no control characters, single spaces. Deterministic, conservative:
    numbers and abbreviations are left alone."""
    if text.isascii() and text.isprintable():  # the common case, ten times faster
        # Printable ASCII holds no whitespace but the space: only runs of spaces need joining.
        return _SPACE.sub(" ", text).strip() if "  " in text else text.strip(" ")
    for _ in range(8):  # bounded: dropping one sequence can join another ("ESC ESC[0m[31m")
        if "\x1b" not in text and "\x9b" not in text:
            break
        text, dropped = _TERMINAL_ESCAPE.subn("", text)  # invisible on a terminal: it separates no words
        if not dropped:
            break
    text = unicodedata.normalize("NFC", text).translate(_PUNCT)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)
    return _SPACE.sub(" ", text).strip()


def canonical_pattern(pattern: str) -> str:
    """A regular expression as canonical text would need it: NFC, plain quotes and dashes (white
    space left alone: it may be meaningful in a pattern)."""
    return unicodedata.normalize("NFC", pattern).translate(_PUNCT)


@lru_cache(maxsize=64)
def _lang(language: str) -> Lang | None:
    return resolve(language)


def normalize(text: str, language: str | None = None) -> str:
    """The text to hash and speak.

    text: any string. language: a BCP-47 tag ("en-US", "es-419", "de-DE", "fr-CA"); None (the
    default) only canonicalises. Pure and idempotent: normalize(normalize(x, l), l) ==
    normalize(x, l). Raises nothing for any input.
    """
    text = canonical(text)
    if language is None:
        return text
    lang = _lang(language)
    if lang is None:
        return canonical(MARKUP.sub(" ", text))
    from .spoken import speak  # the rules import num2words: only when a language asks for them

    return canonical(speak(text, lang))
