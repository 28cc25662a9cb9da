"""Dates and times in words, per language.

Dates: ISO 8601 `2024-05-01`; numeric `05/01/2024` (month first in US English, day first
elsewhere, CLDR short date patterns), `01.05.2024`; written `May 1, 2024`, `Jan. 3`, `1 May 2024`,
`1. Mai 2024`, `1 de mayo de 2024`, `1er mai 2024`. Times: `14:30`, `8:05 PM`, `8 AM`, German
`14.30 Uhr`, French `14h30` / `8 h`. English says 24-hour times on the 12-hour clock ("two thirty
PM"); German and French say 12-hour times on the 24-hour clock ("zwanzig Uhr", "vingt heures").
"""

from __future__ import annotations

import re

from .langdata import GERMAN_SENTENCE_OPENERS, Lang
from .lazy_re import lazy_compile
from .notation import compiled, ends_sentence
from .numwords import cardinal, ordinal, year
from .ordinals import german_ending
from .zones import ZONE_GROUP, zone_words


def say_date(y: int | None, m: int, d: int, lang: Lang, before: str = "") -> str:
    """A calendar date in words. `before` is the text preceding it (German declension)."""
    month = lang.months[m - 1]
    yr = f" {year(y, lang)}" if y is not None else ""
    if lang.code == "en":
        if lang.date_order == "mdy":
            return f"{month} {ordinal(d, lang)}" + (f", {year(y, lang)}" if y is not None else "")
        return f"the {ordinal(d, lang)} of {month}{yr}"
    if lang.code == "es":
        day = "primero" if d == 1 and not lang.tag.upper().endswith("-ES") else cardinal(d, lang)
        return f"{day} de {month}" + (f" de {year(y, lang)}" if y is not None else "")
    if lang.code == "de":
        return f"{ordinal(d, lang, ending=german_ending(before))} {month}{yr}"
    return f"{'premier' if d == 1 else cardinal(d, lang)} {month}{yr}"


def _valid(m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= 31


_ISO = lazy_compile(r"(?<![\w.-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
_NUMERIC = lazy_compile(r"(?<![\w./-])(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?![\w/-])")


def month_names(lang: Lang) -> str:
    """Every month's name and short form in `lang`, as one regex alternation (longest first)."""
    # English writes a month short capitalised ("Dec."); Spanish and French in lower case ("dic.", "déc.").
    short = [k.capitalize() for k in lang.month_abbrev] + ([] if lang.code == "en" else list(lang.month_abbrev))
    names = sorted([*lang.months, *short], key=len, reverse=True)
    return "|".join(re.escape(n) for n in names)


def _month_number(name: str, lang: Lang) -> int:
    low = name.lower()
    for i, month in enumerate(lang.months, 1):
        if month.lower() == low:
            return i
    return lang.month_abbrev[low]


_WRITTEN: dict[str, re.Pattern[str]] = {}


def _written_pattern(lang: Lang) -> re.Pattern[str]:
    """Dates written with month names, in the language's orders (compiled once per language)."""
    if lang.tag in _WRITTEN:
        return _WRITTEN[lang.tag]
    months = month_names(lang)
    if lang.code == "en":
        pattern = (rf"\b(?P<month>{months})(?:\.)?\s(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)"
                   rf"(?:,?\s(?P<year>\d{{4}})\b)?|\b(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s(?P<of>of\s)?"
                   rf"(?P<month2>{months})\b\.?(?:,?\s(?P<year2>\d{{4}})\b)?")
    elif lang.code == "es":
        pattern = (rf"\b(?P<day>\d{{1,2}})(?:\.?º)?\sde\s(?P<month>{months})\b\.?"
                   rf"(?:\s(?:de|del)\s(?P<year>\d{{4}})\b)?")
    elif lang.code == "de":
        pattern = rf"\b(?P<day>\d{{1,2}})\.\s?(?P<month>{months})\b\.?(?:\s(?P<year>\d{{4}})\b)?"
    else:
        pattern = rf"\b(?P<day>\d{{1,2}})(?:er|re)?\s(?P<month>{months})\b\.?(?:\s(?P<year>\d{{4}})\b)?"
    _WRITTEN[lang.tag] = re.compile(pattern)
    return _WRITTEN[lang.tag]


def replace_dates(text: str, lang: Lang) -> str:
    def iso(m: re.Match[str]) -> str:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return say_date(y, mo, d, lang, m.string[max(0, m.start() - 40):m.start()]) if _valid(mo, d) else m.group(0)

    def numeric(m: re.Match[str]) -> str:
        a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
        mo, d = (a, b) if lang.date_order == "mdy" and m.group(2) == "/" else (b, a)
        if not _valid(mo, d) and _valid(d, mo) and m.group(2) == "/":
            mo, d = d, mo  # the other order is the only one it can be: "03/15/2025" in es-MX, "15/03/2025" in en-US
        return say_date(y, mo, d, lang, m.string[max(0, m.start() - 40):m.start()]) if _valid(mo, d) else m.group(0)

    text = _ISO.sub(iso, text)
    text = _NUMERIC.sub(numeric, text)
    text = _replace_month_years(text, lang)
    pattern = _written_pattern(lang)

    def written(m: re.Match[str]) -> str:
        g = m.groupdict()
        day, month, yr = g.get("day") or g.get("day2"), g.get("month") or g.get("month2"), g.get("year") or g.get(
            "year2")
        assert day is not None and month is not None  # the pattern always captures a day and a month
        mo, d = _month_number(month, lang), int(day)
        if not _valid(mo, d):
            return m.group(0)
        if g.get("of"):  # "on the 3rd of March": said in its own order (was "on the March third")
            said = f"{ordinal(d, lang)} of {lang.months[mo - 1]}" + (f" {year(int(yr), lang)}" if yr else "")
            if not re.search(r"(?i:\bthe)\s$", m.string[max(0, m.start() - 4):m.start()]):
                said = f"the {said}"
        else:
            said = say_date(int(yr) if yr else None, mo, d, lang, m.string[max(0, m.start() - 40):m.start()])
        # "due on 28 February. Press 1": the month's optional dot ("28 Feb.") was the sentence's full stop.
        if m.group(0).endswith(".") and ends_sentence(m.string, m.end()):
            said += "."
        return said

    text = _replace_month_days(pattern.sub(written, text), lang)
    return _replace_written_month_years(text, lang) if lang.code == "en" else text


def _replace_written_month_years(text: str, lang: Lang) -> str:
    """English "January 2024", "Jan. 2024", "Sept 2023": the month and its year ("January twenty twenty-four";
    they were "January two thousand twenty-four", "Jan. two thousand twenty-four"). A day before the year
    is the written date's ("January 5, 2024"), already said."""
    pattern = compiled(rf"\b(?P<month>{month_names(lang)})(?P<dot>\.)?\s(?P<year>1[1-9]\d\d|20\d\d)"
                       r"(?![\w%]|[.,:]\d)")

    def month_year(m: re.Match[str]) -> str:
        return f"{lang.months[_month_number(m.group('month'), lang) - 1]} {year(int(m.group('year')), lang)}"

    return pattern.sub(month_year, text)


# A month and a year: "08/2027" anywhere, and a card's "08/27" after a word of expiry (where a day and
# a month never follow): "expires 08/27" was "zero eight/twenty-seven", "valid thru 12/28" was
# "December twenty-eighth"; now "August twenty twenty-seven", "December twenty twenty-eight".
_MONTH_YEAR = lazy_compile(r"(?<![\w./,-])(0?[1-9]|1[0-2])/(\d{4}|\d{2})(?![\w/]|[.,]\d)")
_EXPIRY_CUES = {
    "en": r"expir\w*|exp\.|valid\s(?:thru|through|until|till|to)|good\s(?:thru|through)",
    "es": r"venc\w*|caduc\w*|expira\w*|válid[ao]\shasta",
    "de": r"gültig\sbis|ablauf\w*|verfall\w*|läuft",
    "fr": r"expir\w*|valable\sjusqu|fin\sde\svalidité",
}


def _replace_month_years(text: str, lang: Lang) -> str:
    cues = _EXPIRY_CUES.get(lang.code)
    if cues is None or "/" not in text:
        return text
    cue = compiled(rf"(?i)(?<!\w)(?:{cues})(?:[^.!?]{{0,40}})$")

    def month_year(m: re.Match[str]) -> str:
        month, written_year = int(m.group(1)), m.group(2)
        if len(written_year) == 4:
            if not 1900 <= int(written_year) <= 2099:
                return m.group(0)
        elif not cue.search(text, max(0, m.start() - 60), m.start()):
            return m.group(0)
        yr = year(int(written_year) if len(written_year) == 4 else 2000 + int(written_year), lang)
        name = lang.months[month - 1]
        return f"{name} de {yr}" if lang.code == "es" else f"{name} {yr}"

    return _MONTH_YEAR.sub(month_year, text)


# A day and a month without a year ("on 12/24", "am 24.12.", "le 25/12") is a date only after a word
# that announces one (a weekday's name too: "Thursday 11/26"), in a list after such a date ("on 12/24
# and 12/25"), or before a time ("3/4 at 2 PM"): elsewhere "3/4" is a fraction and "1/2" a label's
# number (text/slashes.py).
_DATE_CUES = {
    "en": r"on|by|until|till|through|thru|from|due|closed|before|after|since|starting|ending|"
          r"monday|tuesday|wednesday|thursday|friday|saturday|sunday",
    "es": r"el|hasta|desde|del|al|vence|vencimiento|lunes|martes|miércoles|jueves|viernes|sábado|domingo",
    "de": r"am|bis|ab|vom|zum|seit|bis zum|der|den|dem|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag",
    "fr": r"le|du|au|jusqu'au|dès le|avant le|après le|depuis le|lundi|mardi|mercredi|jeudi|vendredi|samedi|"
          r"dimanche",
}
_DATE_LINKS = r"\s*(?:,|&|-|–|and|or|to|through|y|o|a|und|oder|bis|et|ou|au)\s*"
_AT_TIME = {"en": r"\s(?:at|@)\s\d", "es": r"\s(?:a las|a la)\s\d", "de": r"\s(?:um)\s\d", "fr": r"\s(?:à)\s\d"}
_MONTH_DAY = {
    "slash": lazy_compile(r"(?<![\w./,-])(\d{1,2})/(\d{1,2})(?![\w/]|[.,]\d)"),
    "dot": lazy_compile(r"(?<![\w./,-])(\d{1,2})\.(\d{1,2})\.(?!\d)"),  # German "24.12."
}


def _german_date_ends(text: str, end: int) -> bool:
    """Whether the dot of a German "31.03." also ends the sentence: at the end, or before a word that
    opens one; a noun is capitalised too and continues it ("bis zum 31.03. Zeit" was "... März. Zeit")."""
    if not ends_sentence(text, end):
        return False
    rest = text[end:].split(None, 1)
    return not rest or rest[0].strip(",;:") in GERMAN_SENTENCE_OPENERS


def _replace_month_days(text: str, lang: Lang) -> str:
    cues = _DATE_CUES.get(lang.code)
    if cues is None or ("/" not in text and lang.code != "de"):
        return text
    cue = re.compile(rf"(?<!\w)(?i:{cues}),?\s$")
    at_time = re.compile(_AT_TIME[lang.code])
    link = re.compile(rf"^{_DATE_LINKS}$")
    out, done, last, first_before = [], 0, -1, ""
    for kind in ("slash", "dot") if lang.code == "de" else ("slash",):
        for m in _MONTH_DAY[kind].finditer(text):
            a, b = int(m.group(1)), int(m.group(2))
            mo, d = (a, b) if lang.date_order == "mdy" else (b, a)
            if not _valid(mo, d) and _valid(d, mo) and kind == "slash":
                mo, d = d, mo  # its only reading: "25/12" in es-US
            if m.start() < done or not _valid(mo, d):
                continue
            before = text[max(0, m.start() - 30):m.start()]
            linked = last >= 0 and link.match(text[last:m.start()]) is not None
            if not (linked or cue.search(before) or at_time.match(text, m.end())):
                continue
            first_before = first_before if linked else before  # "am 24.12. und 31.12.": both dative
            said = say_date(None, mo, d, lang, first_before)
            out += [text[done:m.start()], said + ("." if kind == "dot" and _german_date_ends(text, m.end()) else "")]
            done = last = m.end()
    return "".join(out) + text[done:] if out else text



# "a.m" without its last dot is still a time ("10 a.m and"); a time zone may follow ("9 a.m. ET": zones.py).
_AMPM = r"(?P<ampm>[AaPp]\.\s?[Mm](?:\.|(?!\w))|[AaPp][Mm](?![\w]))"
_ZONE = ZONE_GROUP
_CLOCK = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2}):(?P<m>\d{2})(?![\d:]|[.,]\d)(?:\s?" + _AMPM + r")?"
                      r"(?P<uhr>\s?Uhr\b)?" + _ZONE)
_HOUR_AMPM = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2})\s?" + _AMPM + _ZONE)
_GERMAN_DOT = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2})\.(?P<m>\d{2})\s?(?P<uhr>Uhr)\b")
_GERMAN_HOUR = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2})\s?(?P<uhr>Uhr)\b")
_FRENCH = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2})\s?h\s?(?P<m>\d{2})?(?![\w])")
# A dotted time with am or pm, as the UK writes it: "8.30am", "9.05 p.m." (never a decimal before am/pm).
_DOT_AMPM = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2})\.(?P<m>\d{2})\s?" + _AMPM + _ZONE)
# German "von 7.30 bis 16.30 Uhr": the first time has no "Uhr" of its own.
_GERMAN_DOT_FIRST = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2})\.(?P<m>\d{2})"
                                 r"(?=\s?(?:bis|und|-)\s?\d{1,2}(?:[.:]\d{2})?\s?Uhr\b)")
# Two dotted times joined without "Uhr" ("von 8.00 bis 17.00", "8.30-12.00"), and one after "um": German
# writes the clock so ("acht.null null" was said). Not before an amount's or a unit's word, where Swiss
# German writes decimals ("zwischen 8.30 und 12.00 Franken").
_NOT_AN_AMOUNT = r"(?![\w.,]\d|\w|\s?(?:[%€$]|(?:CHF|Fr\.|Franken|Rappen|Euro|EUR|Prozent|Grad|kg|km|m|g|l|GB|MB)(?!\w)))"
_GERMAN_DOT_PAIR = lazy_compile(r"(?<![\w.:,])(?P<h>[01]?\d|2[0-3])\.(?P<m>[0-5]\d)(?P<link>\s?(?:bis|und|-)\s?)"
                                rf"(?P<h2>[01]?\d|2[0-4])\.(?P<m2>[0-5]\d){_NOT_AN_AMOUNT}")
_GERMAN_DOT_AT = lazy_compile(rf"(?:(?<=\b[uU]m )|(?<=Uhr bis ))(?P<h>[01]?\d|2[0-4])\.(?P<m>[0-5]\d){_NOT_AN_AMOUNT}")
# Spanish hours: "9.30 h", "9:00 horas", "9.30 hrs" (Latin America), "de 8 a 20 hrs", and the first time
# of a range whose end has that mark, "de 9:00 a 18:00 horas": the mark says the time is on the 24-hour
# clock, so no "en punto" ("de nueve a dieciocho horas", not "nueve en punto a dieciocho en punto horas").
_ES_MARK = r"(?:h|hrs?|hs)\b|horas\b"
_ES_MARKED = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?(?P<mark>\s?(?:h|hrs?|hs)\b|\shoras\b)")
_ES_FIRST = lazy_compile(r"(?<![\w.:,])(?P<h>\d{1,2})[:.](?P<m>\d{2})"
                         rf"(?=\s?(?:-|a|y|hasta)\s(?:las\s)?\d{{1,2}}(?:[:.]\d{{2}})?\s?(?:{_ES_MARK}))")


_QUARTERS = {15: "cuarto", 30: "media"}


def say_time(h: int, mi: int, ampm: str | None, lang: Lang) -> str:
    """A clock time in words; `ampm` is "a" or "p" when the text gave one."""
    if lang.code == "en":
        if h == 24:  # "open until 24:00": the end of the day (was "twelve PM", noon)
            return "midnight"
        if ampm is None and (h > 12 or h == 0):
            ampm = "p" if h >= 12 else "a"
        if mi == 0 and h % 12 == 0 and ampm:  # "12 PM" is heard as either noon or midnight (AP style)
            return "noon" if ampm == "p" else "midnight"
        hour = (h % 12 or 12) if ampm else h
        if mi == 0:
            words = cardinal(hour, lang) + ("" if ampm else " o'clock")
        elif mi < 10:
            words = f"{cardinal(hour, lang)} oh {cardinal(mi, lang)}"
        else:
            words = f"{cardinal(hour, lang)} {cardinal(mi, lang)}"
        return f"{words} {'AM' if ampm == 'a' else 'PM'}" if ampm else words
    if lang.code == "es":
        hour = (h % 12 or 12) if ampm else h
        if h == 24:  # "las veinticuatro horas", the end of the day
            return "veinticuatro horas"
        words = cardinal(hour, lang, feminine=True) + (" en punto" if mi == 0 and not ampm else "")
        if mi:
            # On the 12-hour clock Spanish says the half and the quarter ("las diez y media"); a 24-hour
            # afternoon time keeps its minutes ("las catorce y treinta").
            words += f" y {_QUARTERS.get(mi) if hour <= 12 and mi in _QUARTERS else cardinal(mi, lang)}"
        if ampm == "a":
            words += " de la mañana"
        elif ampm == "p":
            words += " de la tarde" if hour == 12 or hour < 8 else " de la noche"
        return words
    if ampm:  # German and French say the 24-hour clock
        h = h % 12 + (12 if ampm == "p" else 0)
    if lang.code == "de":
        return f"{cardinal(h, lang, noun=True)} Uhr" + (f" {cardinal(mi, lang)}" if mi else "")
    hours = "heure" if h <= 1 else "heures"
    return f"{cardinal(h, lang, feminine=True)} {hours}" + (f" {cardinal(mi, lang)}" if mi else "")


def replace_times(text: str, lang: Lang) -> str:
    def clock(m: re.Match[str]) -> str:
        h, mi = int(m.group("h")), int(m.groupdict().get("m") or 0)
        ampm = (m.groupdict().get("ampm") or "")[:1].lower() or None
        if h > 24 or mi > 59 or (h == 24 and mi):  # 24:00 ends a day; 24:01 is none
            return m.group(0)
        if ampm and not 1 <= h <= 12:
            if not m.groupdict().get("m"):
                return m.group(0)  # "14 PM": no clock
            # "14:30 PM", "00:15 AM": the 24-hour clock says which half of the day (was "fourteen:thirty PM")
            ampm = None
        said = say_time(h, mi, ampm, lang)
        if m.groupdict().get("uhr") and lang.code != "de":
            said += m.group("uhr")
        if m.groupdict().get("zonepart"):
            return said + zone_words(m, lang)
        # "at 8 a.m." ends a sentence with the abbreviation's dot: keep one.
        if m.group(0).endswith(".") and ends_sentence(m.string, m.end()):
            said += "."
        return said

    if lang.code == "es":
        text = _spanish_marked(text, lang)
    elif lang.code == "en" and "h" in text:
        text = _MILITARY.sub(lambda m: _military(m, lang), text)
    text = _CLOCK.sub(clock, text)
    text = _HOUR_AMPM.sub(clock, text)
    text = _DOT_AMPM.sub(clock, text)
    if lang.code == "de":
        text = _GERMAN_DOT_FIRST.sub(clock, text)
        text = _GERMAN_DOT.sub(clock, text)
        text = _GERMAN_HOUR.sub(clock, text)
        if "." in text:
            text = _GERMAN_DOT_PAIR.sub(lambda m: f"{say_time(int(m.group('h')), int(m.group('m')), None, lang)}"
                                        f" {m.group('link').strip().replace('-', 'bis')} "
                                        f"{say_time(int(m.group('h2')), int(m.group('m2')), None, lang)}", text)
            text = _GERMAN_DOT_AT.sub(clock, text)
    elif lang.code == "fr":
        text = _FRENCH.sub(clock, text)
    return text


# The 24-hour clock written in four digits before "hours" ("0800 hrs", "0800-1700 hours"), said as the
# military and emergency services say it: "zero eight hundred to seventeen hundred hours" (was "zero
# eight zero zero-one thousand seven hundred hours").
_HHMM = r"([01]\d|2[0-3])([0-5]\d)"
_MILITARY = lazy_compile(rf"(?<![\w.,:-]){_HHMM}(?:\s?(?:-|–|to)\s?{_HHMM})?(?=\s?(?:hrs|hours)\b)")


_AT_HOUR = lazy_compile(r"\b(?i:at|from|until|till|by|before|after|since|between|open|opens|closes)\s$")


def _military(m: re.Match[str], lang: Lang) -> str:
    # "1000 hours" alone may be a duration: a time only with a leading zero, as a range, or after "at".
    if not (m.group(1).startswith("0") or m.group(3) or _AT_HOUR.search(m.string, max(0, m.start() - 12), m.start())):
        return m.group(0)

    def said(h: str, mi: str) -> str:
        hour = ("zero " if h.startswith("0") else "") + cardinal(int(h), lang)
        return f"{hour} {'hundred' if mi == '00' else ('oh ' if mi[0] == '0' else '') + cardinal(int(mi), lang)}"

    first = said(m.group(1), m.group(2))
    return f"{first} to {said(m.group(3), m.group(4))}" if m.group(3) else first


def _spanish_marked(text: str, lang: Lang) -> str:
    """Spanish times with an hours mark (see _ES_MARKED): "9:00 h" -> "nueve horas", "9.30 h" -> "nueve y
    treinta" (the abbreviation is not said after minutes), "15:30 horas" -> "quince y treinta horas"."""

    def hours(h: int) -> str:
        return f"{cardinal(h, lang, feminine=True)} {'hora' if h == 1 else 'horas'}"

    def first(m: re.Match[str]) -> str:
        h, mi = int(m.group("h")), int(m.group("m"))
        if h > 24 or mi > 59:
            return m.group(0)
        return cardinal(h, lang, feminine=True) + (f" y {cardinal(mi, lang)}" if mi else "")

    def marked(m: re.Match[str]) -> str:
        h, mi, mark = int(m.group("h")), int(m.group("m") or 0), m.group("mark").strip()
        if m.group("m") is None:  # "de 8 a 20 hrs", "48 hrs": a number of hours; "24 h" is left to the units
            return hours(h) if mark != "h" and mark != "horas" else m.group(0)
        if h > 24 or mi > 59:
            return m.group(0)
        if not mi:
            return hours(h)
        return f"{first(m)} horas" if mark == "horas" else first(m)

    return _ES_MARKED.sub(marked, _ES_FIRST.sub(first, text))
