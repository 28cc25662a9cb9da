"""Opening hours: a range of times or of weekdays written with a dash is said with the language's
"to", and an abbreviated weekday in such a range is said whole. "9am-5pm, Mon-Fri" was read "nine
AM-five PM, Mon-Fri"; now "9am to 5pm, Monday to Friday", which the time pass then reads "nine AM to
five PM". German "Mo-Fr 9:00-12:00" is "Montag bis Freitag neun Uhr bis zwölf Uhr", Spanish
"lun-vie 9:00-14:00" "lunes a viernes ...", French "lun-ven 9h-17h" "lundi à vendredi 9h à 17h".

A time here is what the time pass reads (`8:00`, `5:30 pm`, `9am`, `17 Uhr`, French `9h`, `9h30`);
both ends must be times, so "3-5 pm" is left to the number ranges. A weekday abbreviation is
expanded only inside a range of two weekdays: a lone "Sun", "Mar" or "Do" may be a word; single
letters only as "M-F" and Spanish "L-V", "L-S". Two bare hours ("9-5", "8 - 18") are a range of
times only after a word of opening hours or a weekday, or before a time zone or "Uhr" ("M-F 9-5",
"9-5 EST", "von 8 - 18 Uhr"): "nine to five".
"""

from __future__ import annotations

import re
from functools import cache

from .langdata import Lang
from .lazy_re import lazy_compile
from .notation import compiled, ends_sentence
from .spans import SCORE_WORDS, range_word

# Weekday names by language, Monday first, and their written abbreviations (lowercase, no dot).
_DAYS = {
    "en": ("Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
           ("mon", "tue tues", "wed", "thu thur thurs", "fri", "sat", "sun")),
    "es": ("lunes martes miércoles jueves viernes sábado domingo",
           ("lun lu", "mar ma", "mié mie mi x", "jue ju", "vie vi", "sáb sab sa", "dom do")),
    "de": ("Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
           ("mo", "di", "mi", "do", "fr", "sa", "so")),
    "fr": ("lundi mardi mercredi jeudi vendredi samedi dimanche",
           ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")),
}
_AMPM = r"(?:\s?(?:[AaPp]\.\s?[Mm]\.|[AaPp][Mm](?![\w])))"
_TIME = {
    "en": rf"\d{{1,2}}(?:[:.]\d{{2}})?{_AMPM}|\d{{1,2}}:\d{{2}}",
    "es": rf"\d{{1,2}}(?:[:.]\d{{2}})?{_AMPM}|\d{{1,2}}:\d{{2}}(?:\s?h\b)?|\d{{1,2}}\.\d{{2}}\s?(?:h|hrs?|hs)\b",
    "de": r"\d{1,2}[:.]\d{2}(?:\s?Uhr\b)?|\d{1,2}\s?Uhr\b",
    "fr": r"\d{1,2}\s?h(?:\s?\d{2})?(?![\w])|\d{1,2}:\d{2}",
}
_DASH = r"\s?[-–—]\s?"
# Weekday ranges written with single letters, upper case only: "M-F", Spanish "L-V", "L-S".
_LETTERS = {"en": {"M": "Monday", "F": "Friday"}, "es": {"L": "lunes", "V": "viernes", "S": "sábado"}}
# A bare hour range ("9-5", "8 - 18") is a range of times after a word of opening hours or a weekday,
# or before a time zone or the language's word for o'clock: "M-F 9-5", "9-5 EST", "von 8 - 18 Uhr".
_HOURS_WORDS = {
    "en": "hours open opening answered available staffed weekdays daily",
    "es": "horario horarios abierto abiertos abrimos atendemos atención",
    "de": "öffnungszeiten servicezeiten sprechzeiten geöffnet erreichbar werktags täglich",
    "fr": "horaires ouvert ouverts ouverte joignable",
}
_HOURS_AFTER = {
    "en": r"(?:[ECMP][SD]?T|AKST|HST|GMT|BST|UTC|weekdays|daily|[AaPp]\.?[Mm]\.?)(?!\w)",  # "12-1 PM"
    "es": r"(?:h|hrs?|hs|horas)\b",
    "de": r"Uhr\b",
    "fr": r"(?:h|heures)\b",
}
_HOUR_RANGE = lazy_compile(r"(?<![\w.:,/+-])(\d{1,2})\s?[-–]\s?(\d{1,2})(?![\w:/-]|[.,]\d)")


def _clock(time: str) -> str:
    """German "14.30" opening "14.30-18 Uhr" is a time as "14:30" is (the time pass reads a dotted
    time only before "Uhr")."""
    return re.sub(r"^(\d{1,2})\.(\d{2})$", r"\1:\2", time)


@cache
def _weekdays(code: str) -> tuple[dict[str, str], re.Pattern[str]]:
    """Every written form of a weekday (name or abbreviation, lowercase) -> its name, and the pattern
    of a range of two of them."""
    names, abbreviations = _DAYS[code]
    forms: dict[str, str] = {}
    for name, short in zip(names.split(), abbreviations, strict=True):
        forms[name.lower()] = name
        forms.update(dict.fromkeys(short.split(), name))
    day = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    return forms, re.compile(rf"(?i:(?<![\w-])({day})\.?{_DASH}({day})\.?(?![\w-]))")


def replace_hours(text: str, lang: Lang) -> str:
    """`text` with its ranges of times and of weekdays said as ranges (see the module docstring)."""
    if lang.code not in _DAYS:
        return text
    if any(c.isdigit() for c in text):
        time = _TIME[lang.code]
        times = compiled(rf"(?<![\w.:,])({time}){_DASH}({time})(?![\w:])")
        text = times.sub(lambda m: f"{_clock(m.group(1))} {range_word(m.string[:m.start()], lang)} {m.group(2)}", text)
    forms, days = _weekdays(lang.code)

    def day_range(m: re.Match[str]) -> str:
        first, last = forms[m.group(1).lower()], forms[m.group(2).lower()]
        if first == last:
            return m.group(0)
        # "Mon-Fri." ending a sentence keeps its full stop; "Sat.-Sun. 10am" has none.
        stop = "." if m.group(0).endswith(".") and ends_sentence(m.string, m.end()) else ""
        if m.group(1)[0].isupper():  # "Lun-Ven" opening a sentence: "Lundi à vendredi"
            first = first[0].upper() + first[1:]
        return f"{first} {range_word(m.string[:m.start()], lang)} {last}{stop}"

    text = days.sub(day_range, text)
    letters = _LETTERS.get(lang.code)
    if letters is not None:
        text = re.sub(r"(?<![\w-])([A-Z])-([A-Z])(?![\w-])", lambda m: _letter_range(m, letters, lang), text)
    if lang.code == "es" and " a " in text:  # "de L a V": a range in words
        text = re.sub(r"(?<=\bde )([LS]) a ([VSD])\b", lambda m: _letter_range(m, _LETTERS["es"], lang), text)
    if any(c.isdigit() for c in text):
        text = _HOUR_RANGE.sub(lambda m: _hour_range(m, lang, forms), text)
    return text


def _letter_range(m: re.Match[str], letters: dict[str, str], lang: Lang) -> str:
    first, last = letters.get(m.group(1)), letters.get(m.group(2))
    if first is None or last is None or first == last:
        return m.group(0)
    return f"{first} {range_word(m.string[:m.start()], lang)} {last}"


def _hour_range(m: re.Match[str], lang: Lang, weekdays: dict[str, str]) -> str:
    """"9-5" after "open", "Friday"... or before "EST", "Uhr": "9 to 5" (see _HOURS_WORDS)."""
    a, b = int(m.group(1)), int(m.group(2))
    if a == b or a > 23 or b > 24:  # "open 24-7" is no range
        return m.group(0)
    before = m.string[max(0, m.start() - 40):m.start()]
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", before)[-3:]}
    next_word = re.findall(r"[^\W\d_]+", m.string[m.end():m.end() + 20])[:1]
    if (words | {w.lower() for w in next_word}) & SCORE_WORDS.get(lang.code, set()):
        return m.group(0)  # "won 3-1 on Sunday", "Saturday's 1-0 defeat"
    after = compiled(rf"\s?{_HOURS_AFTER[lang.code]}").match(m.string, m.end()) is not None
    if not (after or words & set(_HOURS_WORDS[lang.code].split()) or words & set(weekdays)):
        return m.group(0)
    return f"{a} {range_word(before, lang)} {b}"


# A weekday's abbreviation outside a range is said whole where it can only be a weekday: before a time,
# a date or "closed" ("Sat 9am-1pm", "sáb de 9 a 14 h", "Thu 11/26", "Tues., Jan. 7", "Sun closed"),
# after a time ("9am-1pm Sat") or listed with another weekday ("Sat and Sun", "Sa, So", "lun et mer",
# "de lun. a vie."). Alone it may be a word ("Sun", "mar", "So"), and one-letter forms stay as written.
_LIST_LINK = (r"(?:\s?,\s?|\s?/\s?|\s?&\s?|"
              r"\s(?:and|or|to|through|thru|y|o|e|a|al|und|oder|u\.|bis|et|ou|à|au)\s)")  # "de lun. a vie."


@cache
def _lone_weekday_pattern(code: str) -> re.Pattern[str]:
    forms, _ = _weekdays(code)
    every = "|".join(sorted((re.escape(f) for f in forms if len(f) > 1), key=len, reverse=True))
    return re.compile(rf"(?i:(?<![\w-])({every})(\.)?(?![\w-]))")


@cache
def lone_weekday_hint(code: str) -> re.Pattern[str] | None:
    """A cheap test that `text` may hold an abbreviation replace_lone_weekdays would expand: one in the
    case the language writes it, before a separator, a word, a digit or the end, or after a time."""
    if code not in _DAYS:
        return None
    forms, _ = _weekdays(code)
    short = {f for f, name in forms.items() if len(f) > 1 and f != name.lower()}
    written = {f.capitalize() for f in short} | (set() if code in ("en", "de") else short)
    alternation = "|".join(sorted(written, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternation})\b\.?(?:\s?[,/&]|\s\w+\s|\s\d|$)"
                      rf"|[\dmM]\.? (?:{alternation})\b")


def replace_lone_weekdays(text: str, lang: Lang) -> str:
    """ "Closed Sat and Sun." -> "Closed Saturday and Sunday.", "Sat 9am" -> "Saturday 9am"."""
    if lang.code not in _DAYS:
        return text
    forms, _ = _weekdays(lang.code)
    found = [m for m in _lone_weekday_pattern(lang.code).finditer(text) if _cased(m.group(1), lang)]
    if not found or all(forms[m.group(1).lower()].lower() == m.group(1).lower() for m in found):
        return text
    months = "|".join([*lang.months, *(a.capitalize() for a in lang.month_abbrev)])
    after = compiled(rf"\s(?:{_TIME[lang.code]}|(?:from|de|von|ab|dès)\s\d|\d{{1,2}}[/.]\d{{1,2}}\b|"
                     rf"(?i:closed|cerrado|geschlossen|fermé)\b)|,?\s(?:\d{{1,2}}\.?\s)?(?:{months})\b")
    before = compiled(rf"(?:{_TIME[lang.code]})\s$")
    link = compiled(rf"{_LIST_LINK}$")
    out, done = [], 0
    for i, m in enumerate(found):
        written, name = m.group(1), forms[m.group(1).lower()]
        if written.lower() == name.lower():
            continue  # a full name: nothing to expand
        listed = (i > 0 and link.match(text[found[i - 1].end():m.start()]) is not None) or (
            i + 1 < len(found) and link.match(text[m.end():found[i + 1].start()]) is not None)
        if not (listed or after.match(text, m.end()) or before.search(text, max(0, m.start() - 20), m.start())):
            continue
        if written[0].isupper():
            name = name[0].upper() + name[1:]
        stop = "." if m.group(2) and ends_sentence(text, m.end()) else ""
        out += [text[done:m.start()], name + stop]
        done = m.end()
    return "".join(out) + text[done:] if out else text


def _cased(written: str, lang: Lang) -> bool:
    """English and German abbreviations are capitalised ("Sat", "Sa"): "sat" and "so" are words."""
    return lang.code not in ("en", "de") or (written[0].isupper() and not written[1:].isupper())
