"""Written numbers, amounts and symbols -> the words a person says, per language.

The passes run in a fixed order, most specific first, so a later pass never sees what an earlier one has
claimed: developers' notation in English (technical.py), keyboard shortcuts ("Ctrl+C": shortcuts.py), counts
and numeronyms written short ("10k", "i18n": shorthand.py), shell paths and variables (shell.py), file names
and paths (paths.py), masked numbers ("****1234", masked.py) and lakh grouping (indian.py), then a period's
letters split from its year ("FY2024-25": spans.py), tax forms and plans (forms.py), identifiers, model
numbers ("A320s": models.py), addresses, dates, feet and inches, numbers with a slash (idioms, scores,
fractions: slashes.py), telephone numbers (phones.py), dialed numbers (dialed.py), ranges of amounts, ranges,
24-hour ranges of times (clock_ranges.py), times, time zones after a bare hour or noon (zones.py), currency
amounts, percentages, ordinals, decades, quantities with units, Roman numerals, years (years.py), then every
remaining number. Every pass turns digits into words, so running the whole again changes nothing (idempotent).
Currency amounts are read in money.py; the notation helpers the passes share are in notation.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import web
from .abbreviations import replace_abbreviations
from .addresses import replace_addresses, replace_street_types
from .agreement import german_case, noun_after
from .clock_ranges import HINT as _CLOCK_RANGE_HINT
from .clock_ranges import replace_clock_ranges
from .dialed import replace_dialed
from .dotted import replace_dotted, replace_versions
from .forms import HINT as _FORMS_HINT
from .forms import replace_forms
from .hours import lone_weekday_hint, replace_hours, replace_lone_weekdays
from .identifiers import replace_identifiers
from .indian import HINT as _INDIAN_HINT
from .indian import replace_indian
from .keys import replace_keys
from .langdata import Lang
from .lazy_re import lazy_compile
from .masked import HINT as _MASKED_HINT
from .masked import replace_masked
from .models import HINT as _MODELS_HINT
from .models import replace_models
from .money import SWISS_REGIONS, money_hint, replace_money, replace_money_ranges, replace_swiss_francs
from .normalize import MARKUP, MARKUP_TAG
from .notation import compiled, is_one, number_pattern, say, split_number
from .numwords import cardinal, number
from .offers import has_offer, split_offers
from .ordinals import replace_ordinals
from .paths import HINT as _PATHS_HINT
from .paths import replace_paths
from .phones import replace_phones
from .roman import replace_roman
from .shell import HINT as _SHELL_HINT
from .shell import replace_shell
from .shortcuts import HINT as _SHORTCUTS_HINT
from .shortcuts import replace_shortcuts
from .shorthand import HINT as _SHORTHAND_HINT
from .shorthand import replace_shorthand
from .signs import COPYRIGHT_MARKS, HEIGHT_HINT, replace_heights, replace_marks, replace_signs
from .slashes import VULGAR_FRACTIONS, replace_slashes, slash_fractions
from .spans import PERIOD_PREFIX, replace_decades, replace_ranges, split_period_prefix
from .technical import replace_flags, replace_technical
from .when import month_names, replace_dates, replace_times
from .years import replace_years
from .zones import HINT as _ZONE_HINT
from .zones import replace_zones

# ---------------------------------------------------------------- percentages, ordinals, units

_SIGN = r"(?P<neg>(?<![\w.,-])-)?"


def _signed(m: re.Match[str], words: str, lang: Lang) -> str:
    return f"{lang.minus} {words}" if m.group("neg") else words


def _foreign_decimals(text: str, lang: Lang, follows: str) -> str:
    """A percentage or a quantity written with the other decimal separator, one or two digits after it,
    which no grouping has: "36.5%" in es-ES, "3,5 %" and "2,5 kg" in es-MX are decimals (they were
    "treinta y seis.cinco%", "tres,cinco %"): the separator becomes the language's."""
    other = "," if lang.decimal == "." else "."
    return compiled(rf"(?<![\w.,])(\d{{1,3}}){re.escape(other)}(\d{{1,2}})(?=\s?(?:{follows}))").sub(
        rf"\1{lang.decimal}\2", text)


def replace_percent(text: str, lang: Lang) -> str:
    text = _foreign_decimals(text, lang, "%")
    return compiled(rf"{_SIGN}(?<![\w.,])({number_pattern(lang)})\s?%").sub(
                  lambda m: _signed(m, f"{say(m.group(2), lang)} {lang.percent}", lang), text)


_UNIT_ALTERNATION: dict[str, str] = {}


# Unit symbols that are words too: a unit only where no word or number follows ("12 in.", "8 in,").
_WORD_UNITS = frozenset({"in"})
_A_WORD_NEXT = lazy_compile(r"\s+[^\W_]")  # a word or a number


# English: a measure between "a" (or a possessive) and a word that is no verb, pronoun or linking word is an
# adjective, its unit said in the singular: "a 5 km race" "a five kilometer race", "a 30 min call", "my 10 kg
# bag" (were "five kilometers race", "thirty minutes call"). "the" is left out: "the 10 km we ran".
_MEASURE_BEFORE = lazy_compile(r"\b(?:[Aa]n?|[Hh]is|[Hh]er|[Ii]ts|[Tt]heir|[Mm]y|[Yy]our|[Oo]ur)\s$")
_NOUNLESS = (r"and|or|to|of|in|on|at|by|for|with|from|than|per|each|more|less|away|apart|behind|ahead|ago|"
             r"long|tall|high|wide|deep|thick|old|later|earlier|before|after|left|remaining|total|"
             r"i|we|you|they|he|she|it|that|which|who|was|is|are|were|has|have|had|will|would|can|could")
_MEASURE_NOUN = lazy_compile(rf"\s(?!(?:{_NOUNLESS})\b)[a-z]")


def _attributive(m: re.Match[str]) -> bool:
    s = m.string
    return _MEASURE_BEFORE.search(s, max(0, m.start() - 7), m.start()) is not None and \
        _MEASURE_NOUN.match(s, m.end()) is not None


def replace_units(text: str, lang: Lang) -> str:
    """Quantities with a unit: "5 km" -> "five kilometers", "1 kg" -> "one kilogram"."""
    alternation = _UNIT_ALTERNATION.get(lang.tag) or _UNIT_ALTERNATION.setdefault(
        lang.tag, "|".join(re.escape(u) for u in sorted(lang.units, key=len, reverse=True)))

    def repl(m: re.Match[str]) -> str:
        written, unit = m.group(2), m.group(3)
        if unit in _WORD_UNITS and not m.group(0).endswith(".") and _A_WORD_NEXT.match(m.string, m.end()):
            return m.group(0)  # "caller 3 in the queue", "1 in 5 customers": the preposition
        singular, plural, feminine = lang.units[unit]
        integer, fraction = split_number(written, lang)
        one = integer in ("0", "1") if lang.code == "fr" else is_one(written, lang)
        if lang.code == "en" and not one and _attributive(m):
            one = True  # "a 5 km race": a measure before its noun is an adjective, its unit singular
        return _signed(m, f"{say(written, lang, noun=True, feminine=feminine)} {singular if one else plural}", lang)

    text = _foreign_decimals(text, lang, rf"(?:{alternation})(?![\w/°])")
    # A unit's abbreviation dot inside a sentence goes with it: "6 ft. tall" was "six feet. tall", a full stop.
    return compiled(rf"{_SIGN}(?<![\w.,])({number_pattern(lang)})\s?({alternation})(?![\w/°])(?:\.(?=\s+[a-z]))?").sub(
        repl, text)


# ---------------------------------------------------------------- plain numbers

def replace_numbers(text: str, lang: Lang) -> str:
    """Every remaining number: signs, grouping and decimals in the language's notation, then bare
    digit runs (also inside words: "MP3" -> "MP three", "H2O" -> "H two O")."""

    def repl(m: re.Match[str]) -> str:
        sign = f"{lang.minus} " if m.group(1) else ""
        noun, feminine = noun_after(m.string[m.end():], lang.code) or (False, False)
        words = say(m.group(2), lang, noun=noun, feminine=feminine)
        if noun and lang.code == "de" and not sign:
            words = german_case(words, m.string[:m.start()], m.string[m.end():m.end() + 60])
        return _pad(m, f"{sign}{words}")

    if lang.code == "de" and "-" in text:
        text = _GERMAN_COMPOUND.sub(lambda m: _german_compound(int(m.group(1)), lang), text)
    text = compiled(rf"(?:(?<![\w.,-])(-))?(?<![\d.,])({number_pattern(lang)})(?![\d])").sub(repl, text)
    if not _DIGIT.search(text):
        return text
    return _ANY_DIGITS.sub(lambda m: _pad(m, number(m.group(0), None, lang)), text)


# German writes a number joined to a word by a hyphen and says one word: "10-stellige" is "zehnstellige"
# (was "zehn-stellige"), "1-fach" "einfach", "21-jährige" "einundzwanzigjährige". A capitalised part is
# a noun that keeps its hyphen ("24-Stunden-Service").
_GERMAN_COMPOUND = lazy_compile(r"(?<![\w.,-])(\d{1,6})-(?=[a-zäöüß]{2})")


def _german_compound(n: int, lang: Lang) -> str:
    words = cardinal(n, lang)
    return words[:-1] if words.endswith("eins") else words


def _pad(m: re.Match[str], words: str) -> str:
    """Words for a match, spaced from a letter it touched ("MP3" -> "MP three")."""
    s = m.string
    before = " " if m.start() > 0 and s[m.start() - 1].isalnum() else ""
    after = " " if m.end() < len(s) and s[m.end()].isalnum() else ""
    return f"{before}{words}{after}"


# A comparison between spaces ("5 > 3", "x <= 10", "a != b") is said; a `<` or `>` touching a word or
# another symbol ("<b>", "<Shop>", "->", ">>") is dropped by MARKUP as before. "≤", "≥", "≠" are never
# markup: said wherever they are.
_COMPARISON = lazy_compile(r"(?<=\s)(?:<=|>=|!=|<|>)(?=\s)|\s*[≤≥≠]\s*")
_ASCII_COMPARISONS = {"<=": "≤", ">=": "≥", "!=": "≠"}


def replace_comparisons(text: str, lang: Lang) -> str:
    """Relational symbols in the language's words (langdata.COMPARISONS): "5 > 3" -> "5 greater than 3"."""
    def repl(m: re.Match[str]) -> str:
        symbol = m.group(0).strip()
        return f" {lang.comparisons[_ASCII_COMPARISONS.get(symbol, symbol)]} "

    return _COMPARISON.sub(repl, text)


# An em dash sets a phrase apart — like this — and is heard as a pause; engines read "-" as none, so
# it is said as a comma. Between numbers ("1990—1995") it is a hyphen, read as a range (spans.py);
# opening or ending a sentence it is nothing.
_EM_DASH_NUMBERS = lazy_compile(r"(?<=\d)\s*\u2014\s*(?=\d)")
_EM_DASH = lazy_compile(r"\s*\u2014[\s\u2014]*")
_EM_DASH_EDGE = lazy_compile(r"\A[\s,]+|[\s,]+\Z|,\s*(?=[,.;:!?)])|(?<=[(\[\"'])\s*,\s*")


def replace_em_dashes(text: str) -> str:
    text = _EM_DASH.sub(", ", _EM_DASH_NUMBERS.sub("-", text))
    return _EM_DASH_EDGE.sub("", text)


def speak(text: str, lang: Lang) -> str:
    """All passes, in order; an offer of another language with that language's (text/offers.py).
    Input is canonical text (see normalize.canonical)."""
    if has_offer(text):
        pieces = split_offers(text, lang)
        if len(pieces) > 1 or pieces[0][1] is not lang:
            return "".join(_speak(piece, rules) for piece, rules in pieces)
    return _speak(text, lang)


def _speak(text: str, lang: Lang) -> str:
    text = replace_technical(text, lang)  # first: before web hosts, the markup scrub and "#" (technical.py)
    if lang.code == "en" and _SHORTCUTS_HINT.search(text):  # "Ctrl+C": before "+" and the numbers
        text = replace_shortcuts(text, lang)
    if lang.code == "en" and _SHORTHAND_HINT.search(text):  # "10k users", "i18n": before hosts and numbers
        text = replace_shorthand(text, lang)
    if lang.code == "en" and _SHELL_HINT.search(text):  # "~/.bashrc", "$HOME": before "$" is money
        text = replace_shell(text, lang)
    if web.may_hold_address(text):
        text = web.replace_web(text, lang)
    if lang.code == "en" and _PATHS_HINT.search(text):  # "src/main.rs", "./configure": after the hosts
        text = replace_paths(text, lang)
    if _MASKED_HINT.search(text):  # "****1234": before "*" is a key and "XX" letters
        text = replace_masked(text, lang)
    if any(mark in text for mark in COPYRIGHT_MARKS):  # before "&": "&©" is "& copyright", whose "&" is said
        text = replace_marks(text, lang)
    if _SYMBOL_HINT.search(text):
        if _COMPARISON_HINT.search(text):  # tags first: the `>` closing `<b class="x" >` is no comparison
            text = replace_comparisons(MARKUP_TAG.sub(" ", text), lang)
        text = re.sub(r" {2,}", " ", MARKUP.sub(" ", text))
        text = re.sub(r"(?<=\s)&(?=\s)", lang.ampersand, text)
        if "&" in text:  # initials joined by "&" are said letter by letter: "AT&T" "A T and T", "Q&A"
            text = _say_initials_and(text, lang)
    if lang.code == "en" and " @ " in text:  # "@" in prose, after the addresses: "3 tickets @ $5 each"
        text = text.replace(" @ ", " at ")
    if lang.region in SWISS_REGIONS and "Fr." in text:  # "Fr. 15.50": francs, not Friday
        text = replace_swiss_francs(text)
    if _ABBREVIATION_HINT.search(text):
        text = replace_street_types(replace_abbreviations(text, lang), lang)
    if "#" in text or "*" in text:
        text = replace_keys(text, lang)
    if _RANGE_DASH.search(text) or _LETTER_RANGE_WORDS.search(text):
        text = replace_hours(text, lang)
    weekday_hint = lone_weekday_hint(lang.code)
    if weekday_hint is not None and weekday_hint.search(text):
        text = replace_lone_weekdays(text, lang)
    if not text.isascii() and _VULGAR_HINT.search(text):
        text = slash_fractions(text)
    if lang.code == "en" and ("'" in text or "’" in text):
        text = _SHORT_YEAR.sub(lambda m: f"oh {m.group(1)[1]}" if m.group(1)[0] == "0" else m.group(1), text)
    if "\u2014" in text:
        text = replace_em_dashes(text)
    if lang.code == "en" and _INDIAN_HINT.search(text):  # "₹1,50,000", "Rs. 500"
        text = replace_indian(text, lang)
    if _DIGIT.search(text):  # most prose has no digit: skip the passes that need one
        for step, hint in _PASSES:
            if hint(text, lang):  # a cheap test first: each full pass scans the text with a costly pattern
                text = step(text, lang)
    elif lang.code == "en" and _ZONE_HINT.search(text):  # "at noon ET": a time without a digit
        text = replace_zones(text, lang)
    if _ROMAN_HINT.search(text):
        text = replace_roman(text, lang)
    if lang.code == "en" and "-" in text:  # a flag the numbers' words made ("-1st" "-first"): as a second run would
        text = replace_flags(text)
    if lang.code == "en" and _PATHS_HINT.search(text):  # a file the numbers' words named ("1.rs" "one.rs")
        text = replace_paths(text, lang)
    if "&" in text:  # initials the words of a time made ("14:30&I" "two thirty PM&I"): as a second run would
        text = _say_initials_and(text, lang)
    if lang.code == "fr" and ("de un" in text or "que un" in text):
        text = _FRENCH_ELISION.sub(r"\1'\2", text)
    return text


# French elides "de" and "que" before the count "un", "une" that a number became: "le montant de 1 €" is
# "d'un euro" (was "de un euro"), "de 1 à 2 jours" "d'un à deux jours", "plus qu'une minute".
_FRENCH_ELISION = lazy_compile(r"\b([Dd]|[Qq]u)e (une?)\b")


_DIGIT = lazy_compile(r"[0-9]")
_ABBREVIATION_HINT = lazy_compile(r"\w\.| (?:St|Rd|Dr)(?:,|$)|[º°/]|\d\s?(?:hrs?|mins|secs|mn)\b|\b(?:Mme|Mlle|Pr|bd)\b|WW[I12]")
_VULGAR_HINT = lazy_compile(f"[{''.join(VULGAR_FRACTIONS)}]")
# A year written short: "Class of '24" -> "Class of 24" (twenty-four), "'05" -> "oh 5"; "'90s" is a decade.
_SHORT_YEAR = lazy_compile(r"(?<![\w'’])['’](\d{2})(?![\w'’])")
_LETTER_RANGE_WORDS = lazy_compile(r"\bde [LS] a [VSD]\b")  # Spanish "de L a V"
_RANGE_DASH = lazy_compile(r"\w\.?\s?[-–—]\s?\w")
# Bounded by anything but a letter: a digit touching them ("PM&A0") is split off by the number pass, and a
# `\b` bound made the initials said only on a second reading ("P M and A zero").
_INITIALS_AND = lazy_compile(r"(?<![^\W\d])([A-Z]{1,3})&([A-Z]{1,3})(?![^\W\d])")
_SYMBOL_HINT = lazy_compile(r"[<>{}&≤≥≠]|!=")
_COMPARISON_HINT = lazy_compile(r"\s[<>!]|[≤≥≠]")
_ANY_DIGITS = lazy_compile(r"[0-9]+")
_ORDINAL_HINT = {"en": lazy_compile(r"\d(?:st|nd|rd|th)"), "es": lazy_compile(r"[ºª]|\d\.?er\b|\d[oa]\s"),
                 "fr": lazy_compile(r"\d(?:e|er|re|è|n)"), "de": lazy_compile(r"\d\.\s")}


def _say_initials_and(text: str, lang: Lang) -> str:
    return _INITIALS_AND.sub(lambda m: f"{' '.join(m.group(1))} {lang.ampersand} {' '.join(m.group(2))}", text)


def _has(pattern: str) -> Callable[[str, Lang], bool]:
    compiled = re.compile(pattern)
    return lambda text, lang: compiled.search(text) is not None


def _date_hint(text: str, lang: Lang) -> bool:
    return _DATE_DIGITS.search(text) is not None or compiled(month_names(lang)).search(text) is not None



_DATE_DIGITS = lazy_compile(r"\d[-/.]\d")
_PASSES: tuple[tuple[Callable[[str, Lang], str], Callable[[str, Lang], bool]], ...] = (
    (split_period_prefix, lambda text, lang: PERIOD_PREFIX.search(text) is not None),
    (replace_forms, lambda text, lang: _FORMS_HINT.search(text) is not None),
    (replace_identifiers, _has(r"[\w-]{3}\d|\d[\w-]{3}")),
    (replace_models, lambda text, lang: lang.code == "en" and _MODELS_HINT.search(text) is not None),
    (replace_addresses, _has(r"\d{3}|(?:light|uelo|vol|lug) [A-Z\d]{2} ?\d|[A-Z]\d[A-Z\d]? \d[A-Z]{2}\b")),
    (replace_dates, _date_hint),
    (replace_heights, lambda text, lang: lang.code == "en" and HEIGHT_HINT.search(text) is not None),
    (replace_slashes, _has(r"\d/\d(?!\d*/\d{4})|\dx\d|\d\s?[hj]/\d")),
    (replace_signs, _has(r"[~≈][ $€£¥]*\d|\d\+|[\w€$£¥%] [+=] \w|\d ?[xX×]|[vV]\d|\d:\d(?!\d)|\^\d|[\w%$€£¥]/[^\W\d_]")),
    (replace_versions, _has(r"\w \d+\.\d\d")),
    (replace_phones, _has(r"\d{3}[ .)-]|\+\d|0\d[ .]\d\d|\d{9}|[eu] 3\d{3}|13 \d\d \d\d")),
    (replace_dialed, _has(r"\d{3}")),
    (replace_money_ranges, _has(r"[$€£¥₹]\s?[\d.,]+\s?-|-\s?[\d.,]+\s?(?:[$€£¥₹]|[A-Z]{3}\b)|[A-Z]{3}\s?[\d.,]+\s?-")),
    (replace_ranges, _has(r"\d-\d")),
    (replace_clock_ranges, lambda text, lang: lang.code == "en" and _CLOCK_RANGE_HINT.search(text) is not None),
    (replace_times, _has(r"\d:\d\d|\d\s?[AaPp]\.?\s?[Mm]|Uhr|\d\s?h|\d\.\d\d\s?(?:bis|und|-)|[uU]m \d{1,2}\.\d")),
    (replace_zones, lambda text, lang: lang.code == "en" and _ZONE_HINT.search(text) is not None),
    (replace_money, money_hint),
    (replace_percent, lambda text, lang: "%" in text),
    (replace_ordinals, lambda text, lang: _ORDINAL_HINT[lang.code].search(text) is not None),
    (replace_decades, _has(r"0(?:s|er)")),
    (replace_units, _has(r"\d\s?[^\W\d_°]|\d\s?°")),
    (replace_years, _has(r"\d{4}")),
    (replace_dotted, _has(r"\d\.\d+\.\d")),
    (replace_numbers, lambda text, lang: True),
)
_ROMAN_HINT = lazy_compile(r"\b(?:[IVXLCDM]{2,}|[IVX]|Ier|Ire|Ière)\b")
