"""Signs that qualify a number, said as words: docs and prompts write "~30s", "Python 3.11+",
"2x faster", "a 3x3 grid", "v1.0", "a 16:9 screen", which engines read as "tilde thirty s",
"three point one one", "two x faster", "three x three", "v one point zero", "sixteen nine".

- `~` or `≈` before a number: "about" (etwa, aproximadamente, environ);
- `+` right after a number, before no digit, or between spaces: "plus" ("18+", "3.11+", "100+
  users", "$99 + tax", "3 € + IVA", "5 + 3"; "5+3" and "+1 415" are left to the other passes); `=` between
  spaces: "equals" ("5 + 3 = 8");
- a number followed by `x` or `×` and no letter: "times" ("2x faster", "10× more"), but before a
  capitalised name it counts items and is said alone ("3x T-shirts": "three T-shirts");
- two whole numbers joined by `x` or `×`: "by" (dimensions: "3x3", "1920 × 1080"); never a
  hexadecimal "0x1F";
- `v` before a dotted number: "version", its parts read as dotted.say_dotted does ("v1.0",
  "v2.0.1": "version two point zero point one", in any language's decimal notation);
- two whole numbers joined by a colon, the second a single digit: a ratio, "to" ("3:1", "16:9";
  "3:15" is a time, read by the time pass);
- a slash before a unit of time or count: "per" ("$39.99/month", "0,14 €/Min.": pro, por, par);
- a caret before a number, after a word or a number: an exponent, "to the power of" ("2^10",
  "10^6", "mc^2"; Markdown's superscript `10^6^` reaches here as `10^6`).

Runs before the other number passes, so what follows each sign is read by them as before.
"""

from __future__ import annotations

import bisect
import re

from .dotted import say_dotted
from .langdata import Lang
from .lazy_re import lazy_compile
from .notation import compiled
from .numwords import cardinal

# about, plus, times, by, version, ratio "to", power, by language.
_WORDS = {
    "en": ("about", "plus", "times", "by", "version", "to", "to the power of"),
    "es": ("aproximadamente", "más", "veces", "por", "versión", "a", "elevado a"),
    "de": ("etwa", "plus", "mal", "mal", "Version", "zu", "hoch"),
    "fr": ("environ", "plus", "fois", "par", "version", "contre", "puissance"),
}
_NUMBER = r"\d+(?:[.,]\d+)*"
_ABOUT = lazy_compile(r"(?<![\w~≈])[~≈] ?(?=[$€£¥]?\d)")
_PLUS = lazy_compile(r"(?<=\d)\+(?![\w+])|(?<=[\w€$£¥%] )\+(?= \w)")  # "18+", "$99 + IVA", "5 + 3", "3 € + IVA"
_EQUALS = lazy_compile(r"(?<=\w )=(?= \w)")  # "5 + 3 = 8"
_EQUALS_WORDS = {"en": "equals", "es": "igual a", "de": "gleich", "fr": "égale"}
_BY = lazy_compile(r"(?<![\w.,])([1-9]\d*) ?[x×] ?([1-9]\d*)(?![\w.,]\d|\w)")
# A capital X is "times" only before a word in lower case ("Earn 5X points"): "Su DNI termina en 45X." is a letter.
_TIMES = lazy_compile(rf"(?<![\w.,])({_NUMBER}) ?(?:[x×](?![\w])|X(?=\s[a-z]))")
_VERSION = lazy_compile(r"(?<![\w.])[vV](\d+(?:\.\d+)+)(?![\w]|\.\d)")
_POWER = lazy_compile(r"(?<=[\w)])\^(\d{1,3})(?![\w.,]\d|\w)")
_RATIO = lazy_compile(r"(?<![\w.,:])(\d+):(\d)(?![\w:]|[.,]\d)")


# "$39.99/month", "€/Min.", "0,15 €/mes": a slash before a unit of time or count is "per".
_PER = {
    "en": ("per", {"month": "month", "mo": "month", "year": "year", "yr": "year", "day": "day", "week": "week",
                   "wk": "week", "hour": "hour", "hr": "hour", "h": "hour", "min": "minute", "minute": "minute",
                   "call": "call", "person": "person", "user": "user", "night": "night", "GB": "gigabyte"}),
    "es": ("por", {"mes": "mes", "año": "año", "día": "día", "semana": "semana", "hora": "hora", "h": "hora",
                   "min": "minuto", "minuto": "minuto", "persona": "persona", "noche": "noche", "llamada": "llamada"}),
    "de": ("pro", {"Monat": "Monat", "Jahr": "Jahr", "Tag": "Tag", "Woche": "Woche", "Stunde": "Stunde", "Std": "Stunde",
                   "h": "Stunde", "Min": "Minute", "min": "Minute", "Minute": "Minute", "Person": "Person",
                   "Nacht": "Nacht", "Anruf": "Anruf"}),
    "fr": ("par", {"mois": "mois", "an": "an", "jour": "jour", "semaine": "semaine", "heure": "heure", "h": "heure",
                   "min": "minute", "minute": "minute", "personne": "personne", "nuit": "nuit", "appel": "appel"}),
}


def _per_pattern(code: str) -> tuple[str, dict[str, str], re.Pattern[str]]:
    word, units = _PER[code]
    alternation = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    return word, units, compiled(rf"(?<=[\w%$€£¥)])/({alternation})(\.)?(?![\w/])")


def replace_per(text: str, lang: Lang) -> str:
    """ "$39.99/month" -> "$39.99 per month", "0,14 €/Min." -> "0,14 € pro Minute" (before the money pass)."""
    word, units, pattern = _per_pattern(lang.code)
    return pattern.sub(lambda m: f" {word} {units[m.group(1)]}" + ("." if m.group(2) and _ENDS.match(m.string, m.end())
                                                                     else ""), text)


# "3x T-shirts", "2x AA batteries": an order's count before what it counts (a capitalised name), said
# as the number alone; "2x faster", "3x per day", "10x More" keep "times".
_COUNTED = lazy_compile(r" (?!(?i:more|less|fewer|faster|better|bigger|higher|longer|m[áa]s|menos|mehr|weniger|plus|moins)\b)"
                        r"[A-Z][\w-]*")
_ENDS = lazy_compile(r"\s*(?:$|[A-ZÀ-Þ][a-zà-ÿ])")


def replace_signs(text: str, lang: Lang) -> str:
    """`text` with the signs of the module docstring in the language's words (en, es, de, fr)."""
    about, plus, times, by, version, ratio, power = _WORDS[lang.code]
    if "/" in text:
        text = replace_per(text, lang)
    text = _POWER.sub(rf" {power} \1", text)
    text = _ABOUT.sub(f"{about} ", text)
    text = _PLUS.sub(lambda m: plus if m.string[m.start() - 1] == " " else f" {plus}", text)
    text = _EQUALS.sub(_EQUALS_WORDS[lang.code], text) if "=" in text else text
    text = _BY.sub(rf"\1 {by} \2", text)
    text = _TIMES.sub(lambda m: m.group(1) if _COUNTED.match(m.string, m.end()) else f"{m.group(1)} {times}", text)
    text = _VERSION.sub(lambda m: f"{version} {say_dotted(m.group(1), lang)}", text)
    return _RATIO.sub(rf"\1 {ratio} \2", text)


_TRADEMARK = lazy_compile(r"\s?[™®℠]")
_COPYRIGHT = lazy_compile(r"\s*©\s*")
COPYRIGHT_MARKS = "™®℠©"


def replace_marks(text: str, lang: Lang) -> str:
    """Trademark signs are not read ("ACME™" is "ACME"; engines said "trademark"), the copyright
    sign is the word ("© 2024 ACME": "copyright 2024 ACME", its year then read as a year)."""
    text = _TRADEMARK.sub("", text)

    def copyright_word(m: re.Match[str]) -> str:
        before = m.string[:m.start()]
        if before.lower().endswith("copyright"):  # "Copyright © 2024": said once
            return " "
        return (" " if before else "") + ("Copyright " if lang.code == "de" else "copyright ")

    return _COPYRIGHT.sub(copyright_word, text).rstrip()



# Feet and inches written with the prime marks (or the apostrophe and quote that stand for them), English
# only: "5'10\"" "five feet ten inches", "6′2″" (they were "five'ten\"", the marks left to the engine).
# Both marks are needed: "5'" alone may close a quotation.
# Between a determiner and a noun a height is an adjective, said as one ("a 6'0\" player" "a six-foot player",
# "his 5'10\" frame" "his five-foot-ten frame"; were "a six feet player"); after a verb it stays a measure ("is
# 5'10\" tall"). A word that links or measures next ("and", "tall") is no noun.
_ATTRIBUTIVE_BEFORE = lazy_compile(r"\b(?i:a|an|the|this|that|his|her|its|their|my|your|our)\s$")
_ATTRIBUTIVE_AFTER = lazy_compile(r"\s(?!(?:and|or|to|by|in|on|at|of|for|with|from|tall|high|long|wide|deep|"
                                  r"away|above|below|under|over)\b)[A-Za-z]")
HEIGHT_HINT = lazy_compile(r"\d['′\"″]")
_HEIGHT = lazy_compile(r"(?<![\w.,'′])(\d{1,2})['′]\s?(\d{1,2})(?:[\"″]|'')(?![\w\"″'])")


def replace_heights(text: str, lang: Lang) -> str:
    if lang.code != "en":
        return text

    def repl(m: re.Match[str]) -> str:
        feet, inches = int(m.group(1)), int(m.group(2))
        if inches > 11:
            return m.group(0)
        if _ATTRIBUTIVE_BEFORE.search(m.string[max(0, m.start() - 9):m.start()]) and \
                _ATTRIBUTIVE_AFTER.match(m.string, m.end()):
            # before its noun a height is one adjective: "a six-foot player", "a five-foot-ten guard"
            return f"{cardinal(feet, lang)}-foot" + (f"-{cardinal(inches, lang)}" if inches else "")
        said = f"{cardinal(feet, lang)} {'foot' if feet == 1 else 'feet'}"
        return said + (f" {cardinal(inches, lang)} {'inch' if inches == 1 else 'inches'}" if inches else "")

    text = _HEIGHT.sub(repl, text)
    if not HEIGHT_HINT.search(text):
        return text
    open_at = {mark: _quotations(text, mark) for mark in "'\"" if mark in text}
    return _ONE_MEASURE.sub(lambda m: _one_measure(m, lang, open_at), text)


# Feet or inches alone: "a 6' ladder" "a six-foot ladder", "a 3\" pipe" "a three-inch pipe", "6' tall" "six feet
# tall", "an 8' x 10' rug" "an eight by ten foot rug" (were "a six' ladder", "three\" pipe"). The mark closes a
# quotation instead where one is open before it ("Say 'press 6' now", "Dial \"911\" now"): a quote that opens
# a word, not the apostrophe inside one ("It's 6' wide"). One mark only: "5'10\"" is _HEIGHT's.
_ONE_MEASURE = lazy_compile(r"(?<![\w.,'′\"″])(\d{1,3})(['′\"″])(?:\s?[x×]\s?(\d{1,3})\2)?(?![\w'′\"″]|\s?\d)")
_MEASURE_WORDS = {"'": ("foot", "feet"), "′": ("foot", "feet"), '"': ("inch", "inches"), "″": ("inch", "inches")}


def _one_measure(m: re.Match[str], lang: Lang, open_at: dict[str, list[int]]) -> str:
    number, mark, other = m.groups()
    opens = open_at.get(mark)
    if opens and bisect.bisect_right(opens, m.start()) % 2 == 1:
        return m.group(0)  # "Say 'press 6' now": the quotation's end
    one, many = _MEASURE_WORDS[mark]
    said = cardinal(int(number), lang) + (f" by {cardinal(int(other), lang)}" if other else "")
    if _ATTRIBUTIVE_BEFORE.search(m.string[max(0, m.start() - 9):m.start()]) and \
            _ATTRIBUTIVE_AFTER.match(m.string, m.end()):
        return f"{said} {one}" if other else f"{said}-{one}"  # before its noun: "a six-foot ladder"
    return f"{said} {one if number == '1' and not other else many}"


def _quotations(text: str, mark: str) -> list[int]:
    """Where quotations opened with `mark` open and close, in turn (an odd count of them before a position:
    one is open there). A mark opening a word opens one (not "'90s", a year's), a mark ending a word closes
    the open one, one inside a word ("It's") is neither. One pass over the text."""
    edges: list[int] = []
    for i in (i for i, c in enumerate(text) if c == mark):
        before = i > 0 and text[i - 1].isalnum()
        after = i + 1 < len(text) and text[i + 1].isalnum()
        opens = len(edges) % 2 == 0 and not before and after and not _SHORT_YEAR.match(text, i)
        if opens or (len(edges) % 2 == 1 and before and not after):
            edges.append(i)
    return edges


_SHORT_YEAR = lazy_compile(r"'\d\d(?:s\b|\b)")
