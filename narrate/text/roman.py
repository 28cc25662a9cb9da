"""Roman numerals read as a person would, and only where they are numerals.

Two contexts make a run of I V X L C D M a numeral: a word that numbers things ("Part III",
"Kapitel IV", "Capítulo II": a cardinal) and a capitalised name before it ("Louis XIV": regnal,
each language's way: English "Louis the fourteenth", German "Ludwig der Vierzehnte", Spanish
"Felipe segundo" up to ten and "Luis catorce" above, French "Louis quatorze", "François premier").
Anything else stays a word: the pronoun "I" after a name, "MIX", "CD", "DC", "CIVIL". Regnal
numbers stop at 39 (no monarch or pope has needed more; it keeps "Washington DC" a place).
"""

from __future__ import annotations

import re

from .langdata import Lang
from .numwords import cardinal, ordinal

_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_NUMERAL = r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_CONTEXT = re.compile(r"(?P<prev>(?<![\w.])[^\W\d_][\w]*\.?) +(?P<num>" + _NUMERAL +
                      r"|Ier|Ire|Ière)(?P<dot>\.(?![\w]))?(?![\w'’])")
MAX_REGNAL = 39
NOT_REGNAL = frozenset({"Malcolm"})  # "Malcolm X" is a name, not a tenth


def roman_value(numeral: str) -> int:
    """The value of a well-formed numeral ("XIV" -> 14); 0 for the empty string."""
    total = 0
    for i, ch in enumerate(numeral):
        v = _VALUES[ch]
        total += -v if i + 1 < len(numeral) and _VALUES[numeral[i + 1]] > v else v
    return total


def _regnal(prev: str, num: str, value: int, lang: Lang) -> str | None:
    if (prev in NOT_REGNAL or not prev[0].isupper() or prev.isupper() or prev.endswith(".")
            or num == "I" or value > MAX_REGNAL or (len(num) == 1 and num not in "VX")):
        return None
    if lang.code == "en":
        return f"{prev} the {ordinal(value, lang)}"
    if lang.code == "de":
        return f"{prev} der {ordinal(value, lang, ending='e').capitalize()}"
    if lang.code == "es":
        return f"{prev} {ordinal(value, lang) if value <= 10 else cardinal(value, lang)}"
    return f"{prev} {'premier' if value == 1 else cardinal(value, lang)}"


def replace_roman(text: str, lang: Lang) -> str:
    """Roman numerals after numbering words and names, in words (see the module docstring)."""

    def repl(m: re.Match[str]) -> str:
        prev, num, dot = m.group("prev"), m.group("num"), m.group("dot") or ""
        if num in ("Ier", "Ire", "Ière"):  # French first of the name: "François Ier"
            return f"{prev} {'première' if num != 'Ier' else 'premier'}{dot}" if lang.code == "fr" else m.group(0)
        if not num:
            return m.group(0)
        value = roman_value(num)
        if prev in lang.numbered:
            return f"{prev} {cardinal(value, lang)}{dot}"
        said = _regnal(prev, num, value, lang)
        if said is None:
            return m.group(0)
        # German writes the regnal number with a dot ("Ludwig XIV."): the dot is the numeral's.
        return said if lang.code == "de" else said + dot

    return _CONTEXT.sub(repl, text)
