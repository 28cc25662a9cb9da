"""Numbers written with a slash: fixed idioms and simple fractions.

Idioms (langdata.SLASH_IDIOMS) are said as people say them: "open 24/7" -> "open twenty-four seven",
French "24h/24, 7j/7" -> "vingt-quatre heures sur vingt-quatre, sept jours sur sept".

Fractions. A proper fraction whose denominator is 2 to 9 (langdata.FRACTIONS) is said as one: "1/2" ->
"one half", "3/4 cup" -> "three quarters cup", "5/8" -> "five eighths"; a whole number before it makes a
mixed number ("1 1/2 cups" -> "one and a half cups"); a unit or a percent sign after it is said with it
("3/4 mi" -> "three quarters of a mile", "1/2 h" -> "half an hour", "1 1/2 kg" -> "one and a half
kilograms", Spanish "2 1/2 h" -> "dos horas y media"). It is no fraction, and is read as before
("three/fifteen"), when:
  - it is part of a longer run of slashes, a path, a decimal or a word ("1/2/2025" is a date, which
    when.py read first; "a/1/2", "x1/2", "0.5/2");
  - the numerator is not smaller than the denominator, or the denominator is above 9: "7/4" (the Fourth
    of July), "3/15" (March 15), "8/10" (a rating, "eight out of ten");
  - the word before it makes it a date or a label's number: "on 3/4", "page 1/2", "Chapter 1/3"
    (langdata.NOT_FRACTION_AFTER and the language's numbered words).
Numeric dates without a year ("on 3/4") are not read as dates: when.py reads a numeric date only with
its year, "3/15/2025" -> "March fifteenth, twenty twenty-five" in US English. German says half a unit
by the unit's gender ("ein halber Meter", "ein halbes Kilogramm"), which the unit table does not hold
but for feminine units: "1/2 km" in German is read as before.
"""

from __future__ import annotations

import re

from .langdata import FRACTION_UNITS, FRACTIONS, NOT_FRACTION_AFTER, SLASH_IDIOMS, Lang
from .lazy_re import lazy_compile
from .notation import compiled, say
from .numwords import cardinal


def replace_slash_idioms(text: str, lang: Lang) -> str:
    """"24/7" -> "twenty-four seven" (langdata.SLASH_IDIOMS)."""
    idioms = SLASH_IDIOMS.get(lang.code)
    if not idioms:
        return text
    alternation = "|".join(re.escape(k) for k in sorted(idioms, key=len, reverse=True))
    return compiled(rf"(?<![\w/.,:-])(?:{alternation})(?![\w/]|[.,]\d)").sub(lambda m: idioms[m.group(0)], text)


def _units(lang: Lang) -> dict[str, tuple[str, str, bool]]:
    return {**lang.units, **FRACTION_UNITS.get(lang.code, {})}


def _is_date_or_label(before: str, lang: Lang) -> bool:
    words = before.split()
    if not words:
        return False
    word = words[-1].strip(",:;(").lower()
    return word in NOT_FRACTION_AFTER.get(lang.code, ()) or word in {w.lower() for w in lang.numbered}


def say_fraction(n: int, d: int, lang: Lang) -> str:
    """A proper fraction alone: "one half", "three quarters", Spanish "dos tercios", German "ein Viertel"."""
    singular, plural = FRACTIONS[lang.code][d]
    return f"{cardinal(n, lang, noun=True)} {singular if n == 1 else plural}"


def say_mixed(whole: int, n: int, d: int, lang: Lang) -> str:
    """A whole number and a fraction: "one and a half", "dos y tres cuartos", "zweieinhalb"."""
    singular = FRACTIONS[lang.code][d][0]
    if lang.code == "de" and d == 2:
        return f"{cardinal(whole, lang, noun=True)}einhalb"  # "eineinhalb", "zweieinhalb"
    if n == 1 and (lang.code == "en" or d == 2 and lang.code in ("es", "fr")):
        part = f"a {singular}" if lang.code == "en" else singular  # "one and a half", "uno y medio", "un et demi"
    else:
        part = say_fraction(n, d, lang)
    return f"{cardinal(whole, lang)} {lang.ampersand} {part}"


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" or noun.startswith("hour") else "a"


def say_fraction_of(whole: int | None, n: int, d: int, unit: str, lang: Lang) -> str | None:
    """A fraction with its unit: "three quarters of a mile", "one and a half kilograms", "media hora",
    "dos horas y media", "une demi-heure", "trois quarts d'heure", "eineinhalb Stunden"; None when the
    language says it by a gender the unit table does not hold (German "ein halber Meter")."""
    singular, plural, feminine = _units(lang)[unit]
    half = d == 2
    if whole is not None:
        if lang.code in ("en", "de"):
            return f"{say_mixed(whole, n, d, lang)} {plural}"
        count = f"{cardinal(whole, lang, noun=True, feminine=feminine)} {plural if whole > 1 else singular}"
        if half:
            part = ("media" if feminine else "medio") if lang.code == "es" else ("demie" if feminine else "demi")
        else:
            part = say_fraction(n, d, lang)
        return f"{count} {lang.ampersand} {part}"  # "dos horas y media", "un kilomètre et demi"
    if lang.code == "en":
        if half:
            return f"half {_article(singular)} {singular}"
        return f"{say_fraction(n, d, lang)} of {_article(singular)} {singular}"
    if lang.code == "es":
        return f"{'media' if feminine else 'medio'} {singular}" if half else f"{say_fraction(n, d, lang)} de {singular}"
    if lang.code == "fr":
        if half:
            return f"{'une' if feminine else 'un'} demi-{singular}"
        elided = "d'" if singular[0] in "aeiouhéèê" else "de "
        return f"{say_fraction(n, d, lang)} {elided}{singular}"
    if half:
        return f"eine halbe {singular}" if feminine else None
    return f"{say_fraction(n, d, lang)} {singular if n == 1 else plural}"


def replace_fractions(text: str, lang: Lang) -> str:
    """Proper fractions with a small denominator, alone or after a whole number (see above)."""
    if lang.code not in FRACTIONS:
        return text

    def repl(m: re.Match[str]) -> str:
        n, d = int(m.group("n")), int(m.group("d"))
        whole = int(m.group("whole")) if m.group("whole") else None
        if not 1 <= n < d or _is_date_or_label(m.string[max(0, m.start() - 30):m.start()], lang):
            return m.group(0)
        said = say_fraction(n, d, lang) if whole is None else say_mixed(whole, n, d, lang)
        unit = m.group("unit")
        if unit == "in" and re.match(r"\s+[a-z]", m.string[m.end():]):
            return said + m.string[m.end("d"):m.end()]  # "Put 1/2 in the bowl": the preposition
        if unit:
            with_unit = say_fraction_of(whole, n, d, unit, lang)
            return m.group(0) if with_unit is None else with_unit
        return f"{said} {lang.percent}" if m.group("percent") else said

    units = "|".join(re.escape(u) for u in sorted(_units(lang), key=len, reverse=True))
    pattern = (rf"(?<![\w/.,:-])(?:(?P<whole>[1-9]\d{{0,2}}) )?(?P<n>\d)/(?P<d>[2-9])(?![\w/]|[.,]\d)"
               rf"(?:(?P<percent>\s?%)|\s?(?P<unit>{units})(?![\w/°]))?")
    return compiled(pattern).sub(repl, text)


# Fractions written as one character (U+00BC-U+00BE, U+2150-U+215E), rewritten with a slash so the rules
# above read them: "½ cup" -> "1/2 cup" -> "one half cup", "1½" -> "1 1/2" -> "one and a half".
VULGAR_FRACTIONS = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅖": "2/5", "⅗": "3/5",
                    "⅘": "4/5", "⅙": "1/6", "⅚": "5/6", "⅐": "1/7", "⅛": "1/8", "⅜": "3/8", "⅝": "5/8", "⅞": "7/8",
                    "⅑": "1/9"}
_VULGAR = lazy_compile(f"(\\d)?([{''.join(VULGAR_FRACTIONS)}])")


def slash_fractions(text: str) -> str:
    """ "1½" -> "1 1/2", "¾" -> "3/4" (see VULGAR_FRACTIONS)."""
    return _VULGAR.sub(lambda m: (f"{m.group(1)} " if m.group(1) else "") + VULGAR_FRACTIONS[m.group(2)], text)


# A score on a common scale, "out of" it: "4.5/5" "four point five out of five", "87/100", "rated 8/10", "4/5
# stars" (they were "four point five/five", "eighty-seven/one hundred", "eight/ten", "four fifths stars"). A
# decimal score, or one out of 100, is always one; a whole one out of 5, 10 or 20 only by a word of rating
# (before or after it), since "3/10" may be a date.
_OUT_OF = {"en": "out of", "es": "de", "de": "von", "fr": "sur"}
_RATING_WORDS = {
    "en": r"rated|rating|ratings|rate|score|scored|scores|stars?|reviews?|gave|gives|got|gets|grade|points",
    "es": r"calificación|puntuación|puntaje|nota|estrellas?|valoración",
    "de": r"Bewertung|bewertet|Note|Punkte|Sterne|Sternen",
    "fr": r"note|noté|notée|étoiles?|évaluation|score",
}


def replace_scores(text: str, lang: Lang) -> str:
    out_of = _OUT_OF.get(lang.code)
    if out_of is None:
        return text
    dec = re.escape(lang.decimal)
    cue = compiled(rf"(?i:\b(?:{_RATING_WORDS[lang.code]}))\W{{0,3}}$")
    cue_after = compiled(rf"\s(?i:(?:{_RATING_WORDS[lang.code]}))\b")

    def repl(m: re.Match[str]) -> str:
        score, scale = m.group("n"), int(m.group("d"))
        whole = lang.decimal not in score
        if (whole and int(score) > scale) or (not whole and float(score.replace(lang.decimal, ".")) > scale):
            return m.group(0)
        if whole and scale != 100 and not (cue.search(m.string, max(0, m.start() - 20), m.start())
                                           or cue_after.match(m.string, m.end())):
            return m.group(0)
        return f"{say(score, lang)} {out_of} {cardinal(scale, lang)}"

    return compiled(rf"(?<![\w/.,:-])(?P<n>\d{{1,3}}(?:{dec}\d{{1,2}})?)/(?P<d>5|10|20|100)(?![\w/]|[.,]\d)").sub(
        repl, text)


# English: two shares of a whole, "the 80/20 rule", "a 60/40 portfolio", "a 25/75 split", said "eighty-twenty",
# "sixty-forty", "twenty-five seventy-five" as "50/50" is "fifty-fifty" (were "eighty/twenty"). Two numbers of
# ten or more that make a hundred: no date, no score, no fraction has them.
_SHARES = lazy_compile(r"(?<![\w/.,:-])([1-9]\d)/([1-9]\d)(?![\w/%]|[.,]\d)")


def _shares(m: re.Match[str], lang: Lang) -> str:
    first, second = int(m.group(1)), int(m.group(2))
    if first + second != 100:
        return m.group(0)
    words = cardinal(first, lang), cardinal(second, lang)
    return ("-" if not any("-" in w for w in words) else " ").join(words)


def replace_slashes(text: str, lang: Lang) -> str:
    """Idioms first ("24/7" is none of the fractions), then shares of a whole, seasons, scores, then fractions."""
    text = replace_slash_idioms(text, lang)
    if lang.code == "en":
        text = _SHARES.sub(lambda m: _shares(m, lang), text)
    text = replace_scores(text, lang)
    if _SEASON.search(text):  # "2024/25": a season or a school year, as "2024-25" (spans.replace_ranges)
        text = _SEASON.sub(lambda m: f"{m.group(1)}-{m.group(2)}" if int(m.group(2)) == (int(m.group(1)) + 1) % 100
                           else m.group(0), text)
    return replace_fractions(text, lang)


_SEASON = lazy_compile(r"(?<![\w/.,])((?:19|20)\d\d)/(\d\d)(?![\w/]|[.,]\d)")
