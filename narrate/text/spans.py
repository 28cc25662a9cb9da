"""Decades and numeric ranges in words: "the 1990s" -> "the nineteen nineties", "5-10 minutes" ->
"five to ten minutes", German "in den 90ern" -> "in den Neunzigern", "von 9-17 Uhr" -> "von 9 bis 17 Uhr".

Both passes run before the passes that read units and times (spoken._PASSES): a decade's "s" is not
seconds, and a range's second number must not be taken alone ("9-17 Uhr" was "neun-siebzehn Uhr").
"""

from __future__ import annotations

import re
from functools import cache

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import cardinal, year

# ---------------------------------------------------------------- decades
#
# The rule. A decade is a multiple of ten written as one: two digits 00-90 ("90s") or four digits
# 1000-2090 ("1990s", "1800s", "2000s"). English writes it with an "s", which is also the symbol of
# seconds ("5s", "30s" timeouts), so:
#   - four digits + "s" is always a decade (nobody writes 1990 seconds as "1990s");
#   - two digits + "s" is a decade only with an apostrophe ("'90s") or after a word that introduces
#     one (the, early, mid, late, a possessive: "in her 30s"), or right after another decade ("the
#     '80s and 90s"); otherwise it stays seconds ("a 30s timeout", "wait 30s").
# Any other number + "s" is left to the unit pass (seconds). Spanish and French borrow the English
# spelling ("los 90s", "les années 90's") under the same rule and say the plain cardinal ("los
# noventa"); German writes "90er", "90ern", "1990er Jahre", never a unit, so any decade + "er" is one.

_DECADE_CUES = {
    "en": {"the", "early", "mid", "late", "her", "his", "their", "its", "my", "your", "our", "whose"},
    "es": {"los", "años", "principios", "mediados", "finales", "sus"},
    "fr": {"les", "années", "des", "ses", "leurs"},
}
_DECADE_JOINS = lazy_compile(r"\s*(?:,|and|or|to|through|y|o|a|et|ou|à)?\s*")
_EN_DECADES = lazy_compile(r"(?<![\w.,'])(?<!\d-)(?P<apos>')?(?P<n>\d\d|1\d\d0|20\d0)s(?![\w'])")
_DE_DECADES = lazy_compile(r"(?<![\w.,'-])(?P<n>\d\d|1\d\d0|20\d0)er(?P<end>n|s)?\b(?P<jahre>[ -]Jahren?\b)?")


def _plural(words: str) -> str:
    """"nineteen ninety" -> "nineteen nineties", "eighteen hundred" -> "eighteen hundreds"."""
    return re.sub(r"y$", "ies", words) if words.endswith("y") else words + "s"


def _decade_words(n: str, lang: Lang) -> str:
    value = int(n)
    if lang.code == "en":
        if len(n) == 4:  # "1000s of people": thousands
            return "thousands" if value == 1000 else _plural(year(value, lang))
        return "two thousands" if value == 0 else _plural(cardinal(value, lang))
    return cardinal(value if len(n) == 4 or value else 2000, lang)


def replace_decades(text: str, lang: Lang) -> str:
    """English "1990s", "'90s", "the 90s"; Spanish and French "los 90s"; German "90er", "1990ern"."""
    if lang.code == "de":
        return _DE_DECADES.sub(lambda m: _german_decade(m, lang), text)
    cues = _DECADE_CUES.get(lang.code, set())
    last_end = -1  # where the last decade read ended: "the '80s and 90s" makes the second one too

    def repl(m: re.Match[str]) -> str:
        nonlocal last_end
        n = m.group("n")
        if len(n) == 2 and int(n) % 10 or len(n) == 4 and not 1000 <= int(n) <= 2090:
            return m.group(0)
        before = m.string[max(0, m.start() - 30):m.start()]
        word = re.search(r"([^\W\d_]+)[\s-]*$", before)
        cued = (len(n) == 4 or m.group("apos") or (word is not None and word.group(1).lower() in cues)
                or (last_end >= 0 and _DECADE_JOINS.fullmatch(m.string[last_end:m.start()]) is not None))
        if not cued:
            return m.group(0)  # "a 30s timeout": seconds, said by the unit pass
        last_end = m.end()
        return _decade_words(n, lang)

    return _EN_DECADES.sub(repl, text)


def _german_decade(m: re.Match[str], lang: Lang) -> str:
    n = m.group("n")
    if int(n) % 10 or len(n) == 4 and not 1000 <= int(n) <= 2090:
        return m.group(0)
    value = int(n)
    stem = "Null" if value == 0 and len(n) == 2 else (year(value, lang) if len(n) == 4 else cardinal(value, lang))
    stem += "er"  # "neunzig" -> "neunziger", "neunzehnhundertneunzig" -> "neunzehnhundertneunziger"
    if m.group("jahre"):  # "die 90er Jahre": the adjective, lower case, then the noun
        return f"{stem.lower()}{m.group('jahre')}"
    return stem[0].upper() + stem[1:] + (m.group("end") or "")


# ---------------------------------------------------------------- ranges
#
# "5-10", "9-17", "1990-1995", "2,5-3,5" (the hyphen or en dash, which canonical() made a hyphen):
# the language's "to" between the numbers, which the later passes read with their units ("5-10 km"
# -> "5 to 10 km" -> "five to ten kilometers"). Only when the second number is larger, both are
# written as quantities (no leading zero; up to three digits or grouped, or both four-digit years),
# nothing is glued before it nor after it but a unit (not "A4-10", "5-10-15", "-5-10", "Model 3-10A", a
# time "9:00-17:00"; "9-17h" and "5-10km" are ranges), no word nearby makes it a score ("won 2-3", "a
# 1-2 loss"), and no label noun right before makes it a number ("Listing 1-2", LABEL_WORDS). Dates
# and telephone numbers were read before this pass. Anything else keeps its hyphen, read as before
# ("three-one").

_TO = {"en": "to", "es": "a", "fr": "à", "de": "bis"}
_BETWEEN = {"en": ("between", "and"), "es": ("entre", "y"), "fr": ("entre", "et"), "de": ("zwischen", "und")}
SCORE_WORDS = {  # lower case
    "en": {"score", "scored", "scores", "won", "win", "wins", "lost", "lose", "loses", "loss", "beat", "beats",
           "drew", "draw", "tied", "tie", "lead", "leads", "led", "victory", "defeat", "final", "game", "match",
           "set", "sets", "record", "trailing", "trailed", "vote", "votes", "voted"},
    "es": {"ganó", "gana", "ganaron", "perdió", "pierde", "perdieron", "victoria", "derrota", "empate", "empató",
           "marcador", "resultado", "partido", "final", "venció", "votación", "votos"},
    "fr": {"gagné", "gagne", "perdu", "perd", "victoire", "défaite", "nul", "score", "match", "battu", "bat",
           "finale", "mené", "mène", "vote", "voix"},
    "de": {"gewann", "gewinnt", "gewonnen", "verlor", "verliert", "verloren", "sieg", "niederlage", "endstand",
           "unentschieden", "spiel", "partie", "ergebnis", "siegte", "schlug", "führt", "führte", "stand",
           "abstimmung", "stimmen"},
}


# A numbered label, one noun before the number: "Listing 1-2", "Figure 4-5", "Table 3-1" number an
# item by chapter, and are read as written ("Listing one-two"), never as a range. Singular nouns only:
# "Figures 4-5" and "pages 5-10" are ranges. Lower case.
LABEL_WORDS = {
    "en": {"listing", "figure", "fig", "table", "example", "exercise", "equation", "eq", "section", "chapter",
           "appendix", "lemma", "theorem", "algorithm", "problem", "plate", "box", "panel", "snippet"},
    "es": {"listado", "figura", "fig", "tabla", "ejemplo", "ejercicio", "ecuación", "sección", "capítulo",
           "apéndice", "anexo"},
    "fr": {"listing", "figure", "fig", "tableau", "exemple", "exercice", "équation", "section", "chapitre",
           "annexe"},
    "de": {"listing", "abbildung", "abb", "tabelle", "tab", "beispiel", "übung", "gleichung", "abschnitt",
           "kapitel", "anhang"},
}


@cache
def _range_pattern(group: str, decimal: str) -> re.Pattern[str]:
    g, dec = re.escape(group), re.escape(decimal)
    side = rf"\d{{1,3}}(?:{g}\d{{3}}(?!\d))+(?:{dec}\d+)?|\d+(?:{dec}\d+)?"
    return re.compile(rf"(?<![\w.,:/+-])(?P<a>{side})-(?P<b>{side})(?![\d_:/-]|[.,]\d)")


# A fiscal, academic, school or calendar year written against its number: "FY2024-25", "AY2024/25",
# "FY24-25" are "FY 2024-25" (a season: "FY twenty twenty-four to twenty-five", as "2024-25" is said and
# as "FY 2024-25" was; they were "FY two thousand twenty-four-twenty-five", "FY twenty-four-twenty-five").
PERIOD_PREFIX = lazy_compile(r"(?<![\w.-])([FASC]Y)(?=(?:\d\d){1,2}(?:[-/](?:\d\d){1,2})?(?![\w/-]|[.,]\d))")


def split_period_prefix(text: str, lang: Lang) -> str:
    """"FY2024-25" -> "FY 2024-25", read then as a year or a season (English only)."""
    return PERIOD_PREFIX.sub(r"\1 ", text) if lang.code == "en" else text


def _quantity(written: str, lang: Lang) -> float | None:
    """The value of a range's side, or None when it is written as no quantity is (a leading zero,
    five or more ungrouped digits)."""
    integer, _, fraction = written.partition(lang.decimal)
    digits = integer.replace(lang.group, "")
    if (len(digits) > 1 and digits.startswith("0")) or (integer == digits and len(digits) > 4):
        return None
    return float(f"{digits}.{fraction or 0}")


def _is_year(written: str) -> bool:
    return len(written) == 4 and written.isdigit() and 1000 <= int(written) <= 2099


def range_word(before: str, lang: Lang) -> str | None:
    """The word said between a range's two numbers, given the text before the range: the language's
    "to", or its "and" right after its "between" ("between 5-10" -> "between 5 and 10"); None for a
    language without ranges."""
    to = _TO.get(lang.code)
    if to is None:
        return None
    between, and_ = _BETWEEN[lang.code]
    words = re.findall(r"[^\W\d_]+", before[-40:])
    return and_ if words and words[-1].lower() == between else to


def replace_ranges(text: str, lang: Lang) -> str:
    if lang.code not in _TO:
        return text
    scores = SCORE_WORDS.get(lang.code, set())

    def repl(m: re.Match[str]) -> str:
        a, b = m.group("a"), m.group("b")
        if _is_year(a) and len(b) == 2 and b.isdigit() and int(b) == (int(a) + 1) % 100:
            # A season or a fiscal year: "2024-25" is "twenty twenty-four to twenty-five".
            word = range_word(m.string[max(0, m.start() - 40):m.start()], lang)
            second = cardinal(int(b), lang) if int(b) else year(int(a) + 1, lang)  # "1999-00": "... to two thousand"
            return f"{year(int(a), lang)} {word} {second}"
        low, high = _quantity(a, lang), _quantity(b, lang)
        years = _is_year(a) and _is_year(b)
        four = [side for side in (a, b) if side.isdigit() and len(side) == 4]
        if low is None or high is None or not low < high or (four and not years):
            return m.group(0)  # "1234-5678" is a code; "3-1" a score or a name's number
        s = m.string
        glued = re.match(r"[^\W\d_]+", s[m.end():])
        if glued and glued.group(0) not in lang.units and glued.group(0) != "h":
            return m.group(0)  # "3-10A": a model's or a part's number
        before = re.findall(r"[^\W\d_]+", s[max(0, m.start() - 40):m.start()])[-3:]
        after = re.findall(r"[^\W\d_]+", s[m.end():m.end() + 20])[:1]
        if scores & {w.lower() for w in (*before, *after)}:
            return m.group(0)
        if before and before[-1].lower() in LABEL_WORDS.get(lang.code, ()) and s[m.start() - 1:m.start()] in " .\u00a0":
            return m.group(0)  # "Listing 1-2": a label's number
        word = range_word(s[max(0, m.start() - 40):m.start()], lang)
        if years and lang.code in ("en", "de"):
            return f"{year(int(a), lang)} {word} {year(int(b), lang)}"  # read as the years pass would
        return f"{a} {word} {b}"

    return _range_pattern(lang.group, lang.decimal).sub(repl, text)
