"""Numbers in American addresses and places, read as Americans say them (English only): a house
number before a street ("1600 Pennsylvania Avenue": "sixteen hundred", was "one thousand six
hundred"; "350 Fifth Ave.": "three fifty"), a room, suite, gate or flight number ("Room 1204":
"twelve oh four", "Suite 1200": "twelve hundred"), and a ZIP code after a state's two-letter code
("Washington, DC 20500": "two zero five zero zero").

Pairs: a four-digit number is said as a year is ("twelve oh four", "sixteen hundred"); a three-digit
one as its first digit and then its last two ("three fifty", "one oh one"). Runs before the plain
number pass; a number with separators or decimals is left to it.
"""

from __future__ import annotations

import re

from .langdata import Lang
from .numwords import cardinal, digit_words, year

_STREET = (r"(?:Street|St\.?|Avenue|Ave\.?|Boulevard|Blvd\.?|Road|Rd\.?|Drive|Dr\.?|Lane|Ln\.?|Way|Court|Ct\.?|"
           r"Place|Pl\.?|Parkway|Pkwy\.?|Highway|Hwy\.?|Circle|Cir\.?|Terrace|Square|Plaza)(?!\w)")
_HOUSE = re.compile(rf"(?<![\w.,$#-])([1-9]\d{{2,3}})(?= (?:[NSEW]\.? |[A-Z][\w.'-]* ){{1,3}}{_STREET}| [A-Z]\w* {_STREET})")
_PLACE = re.compile(r"\b((?i:room|suite|gate|flight|apartment|unit)|Ste\.|Apt\.) ([1-9]\d{2,3})(?![\w.,]\d|\w)")
_ZIP = re.compile(r"(?<=\b[A-Z]{2} )(\d{5})(?:-(\d{4}))?(?![\w-])")


def say_pairs(written: str, lang: Lang) -> str:
    """ "1204" -> "twelve oh four", "1600" -> "sixteen hundred", "350" -> "three fifty", "101" -> "one oh one"."""
    n = int(written)
    if len(written) == 4:
        return year(n, lang)
    head, tail = n // 100, n % 100
    rest = "hundred" if tail == 0 else (f"oh {cardinal(tail, lang)}" if tail < 10 else cardinal(tail, lang))
    return f"{cardinal(head, lang)} {rest}"


def replace_addresses(text: str, lang: Lang) -> str:
    """House, room and ZIP numbers in words (English; see the module docstring)."""
    if lang.code != "en":
        return text
    text = _ZIP.sub(lambda m: ", ".join(digit_words(g, lang) for g in m.groups() if g), text)
    text = _PLACE.sub(lambda m: f"{m.group(1)} {say_pairs(m.group(2), lang)}", text)
    return _HOUSE.sub(lambda m: say_pairs(m.group(1), lang), text)
