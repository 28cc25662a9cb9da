"""Time zones written after a time ("9 a.m. ET", "5 PM PST", "14:00 GMT+1", "9 a.m. (ET)"), said by name as
a caller hears them: "Eastern Time", "Pacific Standard Time", "G M T plus one". English only; a zone never
stands alone here (when.py reads one only right after a time), so "ET" or "PST" in prose stays as written.
After a bare number a zone is named only where the number is an hour: after "at", "from", "until", "by"...
("from 8 ET"), or ending a range of hours ("9 to 5 EST"); "noon" and "midnight" are times too. A count or a
label keeps its letters: "Room 5 PST", "Gate 12 CST" (they were "Room five Pacific Standard Time")."""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import cardinal

_AREAS = {"E": "Eastern", "C": "Central", "M": "Mountain", "P": "Pacific", "AK": "Alaska", "H": "Hawaii",
          "A": "Atlantic", "N": "Newfoundland", "AE": "Australian Eastern", "AC": "Australian Central",
          "AW": "Australian Western", "NZ": "New Zealand"}
_KINDS = {"T": "Time", "ST": "Standard Time", "DT": "Daylight Time"}
# Zones said by name: the North American and Australian areas with their kinds, then Europe's. "AT" (a
# word) and "AST"/"AT" of Atlantic with a bare T are left out: "at 5 PM at home".
ZONES: dict[str, str] = {
    **{f"{area}{kind}": f"{name} {said}" for area, name in _AREAS.items() for kind, said in _KINDS.items()
       if f"{area}{kind}" not in ("AT", "AWDT")},
    "BST": "British Summer Time", "CET": "Central European Time", "CEST": "Central European Summer Time",
    "WET": "Western European Time", "EET": "Eastern European Time", "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time", "ACST": "Australian Central Standard Time",
    "AWST": "Australian Western Standard Time", "NZST": "New Zealand Standard Time",
    "NZDT": "New Zealand Daylight Time", "AET": "Australian Eastern Time",
}
# Zones said letter by letter, as they are: "G M T", "U T C".
_SPELLED = ("GMT", "UTC")
# "IST" is India's in India, Ireland's in Ireland; elsewhere it is left as written.
_IST = {"IN": "India Standard Time", "IE": "Irish Standard Time"}
ZONE_PATTERN = "|".join(sorted([*ZONES, *_SPELLED, "IST"], key=len, reverse=True))
OFFSET_PATTERN = r"[+-]\d{1,2}(?::?[0-5]\d)?"
# An optional zone after a time, perhaps in brackets "(ET)" (groups zonepart, zopen, zone, offset), for
# the time patterns of when.py and clock_ranges.py; `zone_words` says it.
_ZONE = rf"\s(?P<zopen>\()?(?P<zone>{ZONE_PATTERN})(?P<offset>{OFFSET_PATTERN})?(?(zopen)\))(?![\w+-])"
ZONE_GROUP = rf"(?P<zonepart>{_ZONE})?"


def say_zone(zone: str, offset: str, lang: Lang) -> str | None:
    """A zone and its offset ("GMT", "+5:30") in words, or None where the language or region has no name."""
    if lang.code != "en":
        return None
    names = {**ZONES, "IST": _IST.get(lang.region, "")}
    said = " ".join(zone) if zone in _SPELLED else names[zone]
    if not said:
        return None
    if offset:  # "+1" "plus one", "+5:30" "plus five thirty"
        sign, digits = lang.plus if offset[0] == "+" else lang.minus, offset[1:].replace(":", "")
        hours, minutes = (digits, 0) if len(digits) <= 2 else (digits[:-2], int(digits[-2:]))
        said += f" {sign} {cardinal(int(hours), lang)}" + (f" {cardinal(minutes, lang)}" if minutes else "")
    return said


def zone_words(m: re.Match[str], lang: Lang) -> str:
    """The zone a match of ZONE_GROUP holds, by name and spaced (" Eastern Time", " (Eastern Time)"), or
    as written where it has none; "" where the match has no zone."""
    if not m.group("zonepart"):
        return ""
    said = say_zone(m.group("zone"), m.group("offset") or "", lang)
    if not said:
        return m.group("zonepart")
    return f" ({said})" if m.group("zopen") else f" {said}"


# A bare hour is a time after a word that says so or ending a range of hours (the hours pass made "M-F
# 9-5 EST" "9 to 5 EST"); a count or a label before a zone is none ("Room 5 PST").
_HOUR = r"(?:[01]?\d|2[0-4])"
_CUE = r"[Aa]t|[Ff]rom|[Uu]ntil|[Tt]ill?|[Bb]y|[Bb]efore|[Aa]fter|[Ss]ince|[Oo]pens?|[Cc]loses?"
_BARE_TIME = (rf"(?:\b(?:{_CUE})\s|(?<![\w.:,]){_HOUR}\s(?:to|through|until|till|and)\s){_HOUR}(?!\w)"
              r"|\b(?:noon|midnight|o'clock)")
_ZONE_AFTER_TIME = lazy_compile(rf"(?P<time>{_BARE_TIME}){ZONE_GROUP.removesuffix('?')}")
HINT = lazy_compile(r"(?:\d|noon|midnight|o'clock)\s\(?[A-Z]{2}")


def replace_zones(text: str, lang: Lang) -> str:
    """Zones after a bare hour, "noon" or "midnight", by name (times with AM, PM or minutes have theirs
    read by when.py and clock_ranges.py)."""
    if lang.code != "en":
        return text
    return _ZONE_AFTER_TIME.sub(lambda m: m.group("time") + zone_words(m, lang), text)
