"""Roman numerals read as a person would, and only where they are numerals.

Three contexts make a run of I V X L C D M a numeral: a word that numbers things ("Part III",
"Kapitel IV", "Capítulo II": a cardinal); a personal name before it ("Louis XIV": regnal, each
language's way: English "Louis the fourteenth", German "Ludwig der Vierzehnte", Spanish "Felipe
segundo" up to ten and "Luis catorce" above, French "Louis quatorze", "François premier"); and any
other capitalised word before a numeral of two letters or more ("Final Fantasy VII", "Rocky IV":
a title's number, a cardinal). A name is personal when it is one of langdata.REGNAL_NAMES or
follows one of them or a title (langdata.REGNAL_TITLES: "King", "Papst", "Rey"...).
Anything else stays a word: the pronoun "I" after a name, one-letter "V"/"X" after a word that is
no name ("Model X", "Generation X"), "MIX", "CD", "DC", "CIVIL". Numbers after a name stop at 39
(no monarch or pope has needed more; it keeps "Washington DC" a place and "Music CD" a disc).
"""

from __future__ import annotations

import re

from .langdata import REGNAL_NAMES, REGNAL_TITLES, Lang
from .lazy_re import lazy_compile
from .numwords import cardinal, ordinal

_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_NUMERAL = r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_CONTEXT = lazy_compile(r"(?P<prev>(?<![\w.])[^\W\d_][\w]*\.?) +(?P<num>" + _NUMERAL +
                        r"|Ier|Ire|Ière)(?P<dot>\.(?![\w]))?(?![\w'’])")
MAX_REGNAL = 39
NOT_REGNAL = frozenset({"Malcolm"})  # "Malcolm X" is a name, not a tenth
_WORD_BEFORE = lazy_compile(r"([^\W\d_][\w]*\.?)[ ]+\Z")


def roman_value(numeral: str) -> int:
    """The value of a well-formed numeral ("XIV" -> 14); 0 for the empty string."""
    total = 0
    for i, ch in enumerate(numeral):
        v = _VALUES[ch]
        total += -v if i + 1 < len(numeral) and _VALUES[numeral[i + 1]] > v else v
    return total


def _personal(prev: str, before: str) -> bool:
    """Whether `prev` (the word before a numeral) names a person: a regnal name, or a word after one
    or after a title ("John Paul II", "King Tut II")."""
    return prev in REGNAL_NAMES or before in REGNAL_NAMES or before in REGNAL_TITLES


def _regnal(prev: str, num: str, value: int, lang: Lang, before: str = "") -> str | None:
    """The name and its number as said, or None when this is no numeral after a name. A capitalised
    word that is not a personal name gets a cardinal, for numerals of two letters or more."""
    if (prev in NOT_REGNAL or not prev[0].isupper() or prev.isupper() or prev.endswith(".")
            or num == "I" or value > MAX_REGNAL or (len(num) == 1 and num not in "VX")):
        return None
    if not _personal(prev, before):
        return f"{prev} {cardinal(value, lang)}" if len(num) > 1 else None
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
        before_m = _WORD_BEFORE.search(m.string, max(0, m.start() - 60), m.start())
        before = before_m.group(1) if before_m else ""
        said = _regnal(prev, num, value, lang, before)
        if said is None:
            return m.group(0)
        # German writes the regnal number with a dot ("Ludwig XIV."): the dot is the numeral's.
        return said if lang.code == "de" and _personal(prev, before) else said + dot

    return _CONTEXT.sub(repl, text)
