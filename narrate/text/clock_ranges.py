"""Two times of the 24-hour clock joined as a range, in English: "9:00-17:00", "8:30 to 16:30" (the hours
pass made the dash "to"), "between 7:00 and 19:00". Each is said with AM or PM, as an English speaker
says them: "nine AM to five PM" (the first was "nine o'clock", the second "five PM"). Only where one
side shows the 24-hour clock (13:00 or later, or 0:xx): "9:00 to 11:00" stays as when.py reads it. Runs
just before when.replace_times, which reads every other time."""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile
from .when import say_time
from .zones import ZONE_GROUP, zone_words

_CLOCK_PAIR = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2}):(?P<m>\d{2})(?P<join>\s?[-–]\s?|\s(?:to|until|till|and)\s)"
                           r"(?P<h2>\d{1,2}):(?P<m2>\d{2})(?![\d:]|[.,]\d|\s?[AaPp]\.?\s?[Mm]\b)" + ZONE_GROUP)
_BETWEEN = lazy_compile(r"\b(?i:between)\s$")
HINT = lazy_compile(r"\d:\d\d\s?(?:[-–]|to |until |till |and )\s?\d")


def _clock_pair(m: re.Match[str], lang: Lang) -> str:
    times = [(int(m.group("h")), int(m.group("m"))), (int(m.group("h2")), int(m.group("m2")))]
    if any(h > 24 or mi > 59 for h, mi in times) or not any(h > 12 or h == 0 for h, _ in times):
        return m.group(0)
    join = m.group("join").strip()
    if join == "and" and not _BETWEEN.search(m.string, max(0, m.start() - 8), m.start()):
        return m.group(0)  # "9:00 and 17:00" is a range only after "between"
    said = [say_time(h, mi, None if h == 24 else "a" if h < 12 else "p", lang) for h, mi in times]
    text = f"{said[0]} {'to' if join in '-–' else join} {said[1]}"
    return text + zone_words(m, lang)


def replace_clock_ranges(text: str, lang: Lang) -> str:
    return _CLOCK_PAIR.sub(lambda m: _clock_pair(m, lang), text) if lang.code == "en" else text
