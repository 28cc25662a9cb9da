"""Products and vehicles named by letters and a number, as people say them (English only).

A model's number names it, like a port's or a form's: it is said in pairs ("A320" "A three twenty", "RTX
3090" "RTX thirty ninety", "Boeing 747" "Boeing seven forty-seven", "Office 365" "Office three sixty-five";
they were "three hundred twenty", "three thousand ninety"), and an "s" after it is the plural of the model
("A320s" "A three twenties", "RTX 3090s" "RTX thirty nineties", "F-16s" "F-sixteens", "MP3s" "MP threes";
they were "A three hundred twenty S", "three thousand ninety seconds", "F-sixteen seconds", "MP three s").

A designator is one to four capitals joined to the number or hyphenated ("A320", "DC-10", "GTX1080"), or a
model line a space before it ("RTX 3090", "Boeing 747", "Xbox 360"). Not a designator: a currency code
("USD250" is money.py's), a number of one or two digits without "s" (read as before), one with a leading
zero. One capital and two digits and "s", or a number of one or two digits and "s" after a phone line, is
a name ("Galaxy A10s" "A ten S", "iPhone 5s"; shorthand.py), as phone makers name their variants. Runs
after identifiers (identifiers.py: "reference AB1234" is read character by character) and before units,
so that the "s" is never seconds. A memory part's rated speed after a hyphen is said after it ("DDR5-6000"
"DDR five six thousand").
"""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import plural
from .technical import paired

# Lines whose models are numbers: graphics cards, aircraft, consoles, processors, software.
_LINE = (r"RTX|GTX|GT|RX|Radeon|GeForce|Quadro|Titan|Boeing|Airbus|Embraer|Cessna|Bombardier|Xbox|PlayStation|"
         r"Pentium|Celeron|Xeon|Athlon|Ryzen|Snapdragon|Exynos|Kirin|Dimensity|ThinkPad|Windows|Office|Model")
_DESIGNATOR = lazy_compile(rf"(?:(?<![\w./@$#&-])(?P<letters>[A-Z]{{1,4}})(?P<hyphen>-?)|\b(?P<line>{_LINE}) )"
                           r"(?P<n>\d{1,4})(?P<s>s?)(?![\w'’-]|[.,:/]\d)"
                           r"(?P<more>(?:(?:,? (?:and|or) |, )[1-9]\d{2,3}s(?![\w'’-]))*)")
# The numbers listed after a model's plural are its line's plurals too: "Boeing 747s and 737s" "seven
# forty-sevens and seven thirty-sevens" (was "seven hundred thirty-seven seconds").
_LISTED = lazy_compile(r"(?P<sep>,? (?:and|or) |, )(?P<n>[1-9]\d{2,3})s")
# A memory part and its rated speed after a hyphen: "DDR5-6000" "DDR five six thousand", "DDR4-3200" "DDR
# four thirty-two hundred", "LPDDR5X-8533", "PC4-25600" (were "DDR five-six thousand", the hyphen read as a
# range's or a minus). Memory families only: "AB12-3456", "UA12-345" are codes and flights, read as before.
_RATED = lazy_compile(r"(?<![\w./@$#&-])(?P<letters>(?:LP|G)?DDR|PC)(?P<gen>\d)(?P<suffix>X?)-(?P<n>[1-9]\d{2,4})"
                      r"(?P<s>s?)(?![\w'’-]|[.,:/]\d)")
HINT = lazy_compile(rf"[A-Z]-?\d|\b(?:{_LINE}) \d")


def _designator(m: re.Match[str], lang: Lang) -> str:
    n, s, more = m.group("n"), m.group("s"), m.group("more") or ""
    letters = m.group("letters")
    if (not s and len(n) <= 2) or n[0] == "0" or (letters and letters in lang.currencies):
        return m.group(0)
    words = paired(n, lang)
    if s:
        words = plural(words)
        more = _LISTED.sub(lambda x: f"{x.group('sep')}{plural(paired(x.group('n'), lang))}", more)
    if letters:
        return f"{letters}{m.group('hyphen') or ' '}{words}{more}"
    return f"{m.group('line')} {words}{more}"


def replace_models(text: str, lang: Lang) -> str:
    """`text` with the models of the module docstring said (English only)."""
    if lang.code != "en" or not HINT.search(text):
        return text
    text = _RATED.sub(lambda m: _rated(m, lang), text)
    return _DESIGNATOR.sub(lambda m: _designator(m, lang), text)


def _rated(m: re.Match[str], lang: Lang) -> str:
    suffix = f" {m.group('suffix')}" if m.group("suffix") else ""
    speed = paired(m.group("n"), lang)
    return f"{m.group('letters')} {paired(m.group('gen'), lang)}{suffix} {plural(speed) if m.group('s') else speed}"
