"""Time zones written after a time ("9 a.m. ET", "5 PM PST", "14:00 GMT+1"), said by name as a caller
hears them: "Eastern Time", "Pacific Standard Time", "G M T plus one". English only; a zone never
stands alone here (when.py reads one only right after a time), so "ET" or "PST" in prose stays as written."""

from __future__ import annotations

import re

from .langdata import Lang
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
# An optional zone after a time (groups zonepart, zone, offset), for the time patterns of when.py.
ZONE_GROUP = rf"(?P<zonepart>\s(?P<zone>{ZONE_PATTERN})(?P<offset>{OFFSET_PATTERN})?(?![\w+-]))?"


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


# A zone right after a bare hour: "M-F 9-5 EST" (the hours pass made it "9 to 5 EST"), "from 8 ET".
_BARE_ZONE = re.compile(rf"(?<=\d)\s(?P<zone>{ZONE_PATTERN})(?P<offset>{OFFSET_PATTERN})?(?![\w+-])")
HINT = re.compile(r"\d\s[A-Z]{2}")


def replace_zones(text: str, lang: Lang) -> str:
    """Zones after a bare hour, by name (times with AM, PM or minutes have theirs read by when.py)."""
    if lang.code != "en":
        return text
    return _BARE_ZONE.sub(lambda m: f" {say_zone(m.group('zone'), m.group('offset') or '', lang) or m.group(0).strip()}",
                          text)
