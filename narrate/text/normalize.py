"""Canonical spoken text: the exact string that is hashed into a segment key."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_PUNCT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": " - ", "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " "})


def normalize(text: str) -> str:
    """NFC, plain quotes and dashes, no control characters, single spaces. Deterministic, conservative:
    numbers and abbreviations are left to the engine."""
    if text.isascii() and text.isprintable():  # the common case, ten times faster
        return _SPACE.sub(" ", text).strip()
    text = unicodedata.normalize("NFC", text).translate(_PUNCT)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)
    return _SPACE.sub(" ", text).strip()
