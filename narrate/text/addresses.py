"""Numbers in addresses and places, read as people say them. American English: a house number before a
street ("1600 Pennsylvania Avenue": "sixteen hundred", was "one thousand six hundred"; "350 Fifth Ave.":
"three fifty"), a room, suite, gate or flight number ("Room 1204": "twelve oh four", "Suite 1200":
"twelve hundred", "flight UA 1234": "flight U A twelve thirty-four"), and a ZIP code after a state's
two-letter code ("Washington, DC 20500": "two zero five zero zero"); and a street type written short
after a street's name is said whole ("12 Main Dr." was left to the engine, a title's reading: now
"twelve Main Drive"; "Elm St." "Elm Street"), while "St." and "Dr." before a name stay a title ("St.
Louis", "Dr. Smith"). German: a postcode after a street and house number, digit by digit ("Hauptstraße
5, 10115 Berlin"), and a street's "str." before its number said whole ("Hauptstr. 5": "Hauptstraße
fünf").

Pairs: a four-digit number is said as a year is ("twelve oh four", "sixteen hundred"); a three-digit one
as its first digit and then its last two ("three fifty", "one oh one"). Runs before the plain number
pass; a number with separators or decimals is left to it.
"""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import cardinal, digit_words, year

_STREET = (r"(?:Street|St\.?|Avenue|Ave\.?|Boulevard|Blvd\.?|Road|Rd\.?|Drive|Dr\.?|Lane|Ln\.?|Way|Court|Ct\.?|"
           r"Place|Pl\.?|Parkway|Pkwy\.?|Highway|Hwy\.?|Circle|Cir\.?|Terrace|Square|Plaza)(?!\w)")
_NAME_WORD = r"(?:[A-Z][\w.'-]*|\d{1,3}(?:st|nd|rd|th)) "  # "Lake ", "Shore ", "34th "
_HOUSE = lazy_compile(rf"(?<![\w.,$#-])([1-9]\d{{2,3}})(?= (?:[NSEW]\.? |{_NAME_WORD}){{1,3}}{_STREET})")
# Street types written short -> said whole. "St." and "Dr." are also titles: they are a street only
# after a house number and a name, or after a name when no capitalised word follows.
_STREET_TYPES = {"St": "Street", "Dr": "Drive", "Rd": "Road", "Ln": "Lane", "Ct": "Court", "Pl": "Place",
                 "Pkwy": "Parkway", "Hwy": "Highway", "Cir": "Circle", "Ter": "Terrace", "Sq": "Square"}
_TITLES = {"St", "Dr"}
# British style drops the dot ("10 Downing St, London"): then only before a comma or the end.
_SHORT_STREET = lazy_compile(r"(?<![\w.])(?P<name>[A-Z][\w'-]*|\d+(?:st|nd|rd|th)) (?P<abbr>"
                             + "|".join(_STREET_TYPES) + r")(?:(?P<dot>\.)(?P<next> [A-Z])?|(?=,|$))")
_HOUSE_BEFORE = lazy_compile(r"(?<![\w.,])\d{1,5} (?:[NSEW]\.? )?(?:[A-Z][\w'-]* ){0,2}$")
_COMPASS = {"N": "North", "S": "South", "E": "East", "W": "West"}
_HOUSE_COMPASS = lazy_compile(rf"(?<![\w.,$#-])(\d{{1,5}}) ([NSEW])\.? (?=(?:{_NAME_WORD}){{1,3}}{_STREET})")
# A German postcode after a street and house number is said digit by digit, as Germans give it:
# "Hauptstraße 5, 10115 Berlin" was "zehntausendeinhundertfünfzehn Berlin".
_GERMAN_STREET = lazy_compile(r"(?<=[a-zäöüß])str\.(?= \d)|(?<=\w )Str\.(?= \d)")  # "Hauptstr. 5", "Berliner Str. 5"
_GERMAN_POSTCODE = lazy_compile(r"((?i:stra(?:ße|sse)|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|markt|steig|pfad)"
                                r" \d{1,4}\s?[a-z]?, (?:D-)?)(\d{5})(?= [A-ZÄÖÜ])")
_PLACE = lazy_compile(r"\b((?i:room|suite|gate|flight|apartment|unit)|Ste\.|Apt\.|P\.?O\.? Box) ([1-9]\d{2,3})(?![\w.,]\d|\w)")
# A flight with its airline's IATA designator: "flight UA 1234" -> "flight U A twelve thirty-four".
_FLIGHT = lazy_compile(r"\b((?i:flight)) ([A-Z]{2}|[A-Z]\d|\d[A-Z]) ?([1-9]\d{0,3})(?![\w.,]\d|\w)")
# A UK postcode letter by letter, its district as a number, outward and inward codes apart: "SW1A 2AA"
# -> "S W one A, two A A" (was "SW one A two AA"), "E14 5AB" -> "E fourteen, five A B". Only the Royal
# Mail's postcode areas, so "MP3 4GB" is none.
_UK_AREAS = ("AB|AL|B|BA|BB|BD|BH|BL|BN|BR|BS|BT|CA|CB|CF|CH|CM|CO|CR|CT|CV|CW|DA|DD|DE|DG|DH|DL|DN|DT|DY|E|EC|"
             "EH|EN|EX|FK|FY|G|GL|GU|HA|HD|HG|HP|HR|HS|HU|HX|IG|IP|IV|KA|KT|KW|KY|L|LA|LD|LE|LL|LN|LS|LU|M|ME|MK|"
             "ML|N|NE|NG|NN|NP|NR|NW|OL|OX|PA|PE|PH|PL|PO|PR|RG|RH|RM|S|SA|SE|SG|SK|SL|SM|SN|SO|SP|SR|SS|ST|SW|SY|"
             "TA|TD|TF|TN|TQ|TR|TS|TW|UB|W|WA|WC|WD|WF|WN|WR|WS|WV|YO|ZE")
_UK_POSTCODE = lazy_compile(rf"\b((?:{_UK_AREAS})\d[A-Z\d]?) (\d[A-Z]{{2}})\b")
_ZIP = lazy_compile(r"(?<=\b[A-Z]{2} )(\d{5})(?:-(\d{4}))?(?![\w-])")


# A Spanish or French postcode, after a street's address or its label, said as people give it: Spanish
# digit by digit ("Calle Alcalá 45, 28014 Madrid": "dos ocho cero uno cuatro", was "veintiocho mil
# catorce"), French its department as a number and then its three digits ("75008 Paris": "soixante-quinze
# zéro zéro huit", was "soixante-quinze mille huit"). After a comma and before a capitalised place, with a
# street's word in the 80 characters before; or after "code postal", "CP", "C.P.".
_POSTCODE = lazy_compile(r"(?<![\w.,-])(\d{5})(?![\w.,-]\d|[\w-])")
_POSTCODE_LABEL = lazy_compile(r"(?:(?i:code postal|código postal)|\bC\.\s?P\.|\bCP)\s?:?\s$")
_POSTCODE_STREET = {
    "es": lazy_compile(r"(?i:\b(?:calle|avenida|plaza|paseo|camino|carretera|ronda|travesía|glorieta|colonia|"
                       r"bulevar|calzada|apartado)\b)"),
    "fr": lazy_compile(r"(?i:\b(?:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|square|"
                       r"BP|CS|lieu-dit)\b)"),
}
_PLACE_NEXT = lazy_compile(r" [A-ZÀ-Þ]")


# A flight with its airline's IATA designator in Spanish, French and German: the letters apart and the
# number digit by digit, as gate announcements give it ("vuelo IB3456": "I B tres cuatro cinco seis", was
# "IB tres mil cuatrocientos cincuenta y seis"; "Flug LH 1234"; "vol AF 1234").
_FLIGHT_WORD = {"es": "vuelo", "fr": "vol", "de": "flug"}
_FLIGHT_INTL = lazy_compile(r"\b((?i:vuelo|vol|flug)) ([A-Z]{2}|[A-Z]\d|\d[A-Z]) ?(\d{1,4})(?![\w.,]\d|\w)")


def _flights(text: str, lang: Lang) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1).lower() != _FLIGHT_WORD[lang.code]:
            return m.group(0)
        number = m.group(3)
        said = digit_words(number, lang) if len(number) >= 3 else cardinal(int(number), lang)
        return f"{m.group(1)} {' '.join(m.group(2))} {said}"

    return _FLIGHT_INTL.sub(repl, text)


def _postcodes(text: str, lang: Lang) -> str:
    street = _POSTCODE_STREET[lang.code]

    def repl(m: re.Match[str]) -> str:
        code, before = m.group(1), m.string[max(0, m.start() - 80):m.start()]
        if not _POSTCODE_LABEL.search(before) and not (
                before.endswith(", ") and _PLACE_NEXT.match(m.string, m.end()) and street.search(before)):
            return code
        if lang.code == "es":
            return digit_words(code, lang)
        department = digit_words(code[:2], lang) if code[0] == "0" else cardinal(int(code[:2]), lang)
        return f"{department} {digit_words(code[2:], lang)}"

    return _POSTCODE.sub(repl, text)


def say_pairs(written: str, lang: Lang) -> str:
    """ "1204" -> "twelve oh four", "1600" -> "sixteen hundred", "350" -> "three fifty", "101" -> "one oh one"."""
    n = int(written)
    if len(written) == 4:
        return year(n, lang)
    head, tail = n // 100, n % 100
    rest = "hundred" if tail == 0 else (f"oh {cardinal(tail, lang)}" if tail < 10 else cardinal(tail, lang))
    return f"{cardinal(head, lang)} {rest}"


def _spelled(code: str, lang: Lang) -> str:
    """Letters apart, a run of digits as its number: "SW1A" -> "S W one A", "E14" -> "E fourteen"."""
    return " ".join(cardinal(int(part), lang) if part.isdigit() else " ".join(part)
                    for part in re.findall(r"\d+|[A-Z]+", code))


def _flight_number(written: str, lang: Lang) -> str:
    return say_pairs(written, lang) if len(written) >= 3 else cardinal(int(written), lang)


def replace_addresses(text: str, lang: Lang) -> str:
    """House, room and ZIP numbers in words (English; see the module docstring)."""
    if lang.code in _FLIGHT_WORD and (" vuelo " in text or " vol " in text or "Flug " in text or "flug " in text):
        text = _flights(text, lang)
    if lang.code == "de":
        text = _GERMAN_STREET.sub(lambda m: "straße" if m.group(0)[0] == "s" else "Straße", text)
        return _GERMAN_POSTCODE.sub(lambda m: f"{m.group(1)}{digit_words(m.group(2), lang)}", text)
    if lang.code in _POSTCODE_STREET:
        return _postcodes(text, lang)
    if lang.code != "en":
        return text
    text = _UK_POSTCODE.sub(lambda m: f"{_spelled(m.group(1), lang)}, {_spelled(m.group(2), lang)}", text)
    text = _ZIP.sub(lambda m: ", ".join(digit_words(g, lang) for g in m.groups() if g), text)
    text = _FLIGHT.sub(lambda m: f"{m.group(1)} {' '.join(m.group(2))} {_flight_number(m.group(3), lang)}", text)
    text = _PLACE.sub(lambda m: f"{m.group(1)} {say_pairs(m.group(2), lang)}", text)
    text = _HOUSE_COMPASS.sub(lambda m: f"{m.group(1)} {_COMPASS[m.group(2)]} ", text)  # "400 N. Lake Shore Drive"
    return _HOUSE.sub(lambda m: say_pairs(m.group(1), lang), text)


def replace_street_types(text: str, lang: Lang) -> str:
    """ "12 Main Dr." -> "12 Main Drive", "Elm St., next" -> "Elm Street, next" (English; see above)."""
    return _SHORT_STREET.sub(_street_type, text) if lang.code == "en" else text


def _street_type(m: re.Match[str]) -> str:
    abbr, capital = m.group("abbr"), m.group("next")
    house = _HOUSE_BEFORE.search(m.string, max(0, m.start() - 40), m.start()) is not None
    if abbr in _TITLES and capital and not house:  # "Main St. Louis"? rare; "Call Dr. Smith": a title
        return m.group(0)
    # The dot stays where it also ended the sentence: before a capital ("Main Dr. Press 1") or at the end.
    dot = "." if m.group("dot") and (capital or m.end("dot") == len(m.string)) else ""
    return f"{m.group('name')} {_STREET_TYPES[abbr]}{dot}{capital or ''}"
