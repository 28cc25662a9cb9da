"""Number words through num2words, with the few agreements it leaves to the caller.

num2words (https://github.com/savoirfairelinux/num2words) gives cardinals, ordinals and years in
every language narrate normalises. What it leaves out, and this module adds: North American
English drops the "and" after hundreds; a cardinal before a noun agrees with it (Spanish "un
dólar", "una libra", "doscientas libras"; French "une livre"; German "ein Euro"); German ordinals
decline ("am ersten Mai", "der erste Platz", "erster Mai"); Spanish ordinals take the feminine.
"""

from __future__ import annotations

import re
from functools import lru_cache

from num2words import num2words

from .langdata import Lang

MAX_DIGITS = 15  # longer digit strings are read digit by digit (an account number, not a quantity)


@lru_cache(maxsize=4096)
def _n2w(n: int, lang: str, to: str) -> str:
    if to == "cardinal" and 1000 <= n < 1_000_000 and lang[:2] in ("en", "es", "de", "fr"):
        return _thousands(n, lang)
    return str(num2words(n, lang=lang, to=to))  # num2words ships no type hints; it returns str


def _thousands(n: int, lang: str) -> str:
    """1,000 <= n < 1,000,000 from num2words' words for the two halves below 1,000.

    num2words spends about a millisecond on each larger number (10,000 numbered prompts took ten
    seconds); the halves are cached, so this costs microseconds. It also fixes what num2words
    0.5.14 gets wrong here: German "einhunderteinstausend", Spanish "veintiuno mil"."""
    high, low = divmod(n, 1000)
    rest = _n2w(low, lang, "cardinal") if low else ""
    if lang == "en":
        head = f"{_n2w(high, lang, 'cardinal')} thousand"
        return head if not low else f"{head} and {rest}" if low < 100 else f"{head} {rest}"
    if lang == "de":
        return ("ein" if high == 1 else re.sub(r"eins$", "ein", _n2w(high, lang, "cardinal"))) + "tausend" + rest
    if lang == "es":
        head = "mil" if high == 1 else re.sub(r"\buno$", "un", re.sub(r"veintiuno$", "veintiún",
                                                                        _n2w(high, lang, "cardinal"))) + " mil"
    else:  # French: "deux cent mille", "quatre-vingt mille" (no plural -s before mille)
        head = "mille" if high == 1 else re.sub(r"(cent|vingt)s$", r"\1", _n2w(high, lang, "cardinal")) + " mille"
    return f"{head} {rest}" if low else head


def cardinal(n: int, lang: Lang, *, noun: bool = False, feminine: bool = False) -> str:
    """`n` in words. `noun`: it stands before a noun (agreement); `feminine`: that noun's gender."""
    if n < 0:
        return f"{lang.minus} {cardinal(-n, lang, noun=noun, feminine=feminine)}"
    if n >= 100_000 and lang.region == "IN" and lang.code == "en":
        return _indian(n, lang)
    words = _n2w(n, lang.n2w, "cardinal")
    if lang.strip_and:
        words = words.replace(" and ", " ")
    if lang.code == "es" and (noun or feminine):
        if feminine:
            words = re.sub(r"uno\b", "una", words)
            words = re.sub(r"ientos\b", "ientas", words)
        else:
            words = re.sub(r"veintiuno$", "veintiún", words)
            words = re.sub(r"\buno$", "un", words)
    elif lang.code == "fr" and feminine:
        words = re.sub(r"\bun$", "une", words)
    elif lang.code == "de" and noun:
        words = re.sub(r"^eins$", "eine" if feminine else "ein", words)
    if lang.code == "fr":  # "deux cent trente": cents only ends a number (num2words' fr_BE/fr_CH add it inside)
        words = re.sub(r"\bcents (?!millions?\b|milliards?\b)", "cent ", words)
    return words.replace(",", "")  # num2words writes "one thousand, two hundred" in some versions


def plural(words: str) -> str:
    """English number words as a plural noun: "six" -> "sixes", "twenty" -> "twenties", "seven" -> "sevens"."""
    if words.endswith("x"):
        return words + "es"
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + "s"


def _indian(n: int, lang: Lang) -> str:
    """Indian English counts in crore (10,000,000) and lakh (100,000): 150000 is "one lakh fifty thousand",
    25000000 "two crore fifty lakh" (as ₹1,50,000 is grouped)."""
    crore, rest = divmod(n, 10_000_000)
    lakh, rest = divmod(rest, 100_000)
    parts = [f"{cardinal(crore, lang)} crore"] if crore else []
    parts += [f"{cardinal(lakh, lang)} lakh"] if lakh else []
    return " ".join(parts + ([cardinal(rest, lang)] if rest else []))


def ordinal(n: int, lang: Lang, *, feminine: bool = False, ending: str = "") -> str:
    """`n` as an ordinal. German `ending` is the declension added to the stem ("e" -> "erste",
    "en" -> "ersten", "er" -> "erster")."""
    words = _n2w(n, lang.n2w, "ordinal")
    if lang.strip_and:
        words = words.replace(" and ", " ")
    if lang.code == "es" and feminine:
        words = " ".join(re.sub(r"o$", "a", w) for w in words.split())
    elif lang.code == "fr" and n == 1 and feminine:
        words = "première"
    elif lang.code == "de":
        words = re.sub(r"e$", "", words) + (ending or "e")
    return words.replace(",", "")


def year(n: int, lang: Lang) -> str:
    """A year as people say it: English "twenty twenty-four", "nineteen ninety-nine"; German
    "neunzehnhundertneunundneunzig"; Spanish and French say years as cardinals."""
    if lang.code == "en":
        words = _n2w(n, lang.n2w, "year")
        return words.replace(" and ", " ") if lang.strip_and else words
    if lang.code == "de" and 1100 <= n < 2000:
        return f"{_n2w(n // 100, 'de', 'cardinal')}hundert{_n2w(n % 100, 'de', 'cardinal') if n % 100 else ''}"
    return cardinal(n, lang)


def digit_words(digits: str, lang: Lang) -> str:
    """Each digit by name: "0100" -> "zero one zero zero"."""
    return " ".join(_n2w(int(d), lang.n2w, "cardinal") for d in digits)


def number(integer: str, fraction: str | None, lang: Lang, *, noun: bool = False, feminine: bool = False) -> str:
    """A written number (digits only, separators already removed) in words: the integer part as a
    cardinal (or digit by digit when it has a leading zero or more than MAX_DIGITS digits), the
    fraction digit by digit after the language's decimal word ("three point one four")."""
    if len(integer) > MAX_DIGITS or (len(integer) > 1 and integer.startswith("0")):
        head = digit_words(integer, lang)
    else:
        head = cardinal(int(integer), lang, noun=noun and not fraction, feminine=feminine and not fraction)
    if fraction:
        return f"{head} {lang.point} {_fraction_words(fraction, lang)}"
    return head


def _fraction_words(fraction: str, lang: Lang) -> str:
    """Digits after the decimal separator. Spanish and French say one or two as a number, each leading
    zero by name ("4,25 %": "quatre virgule vingt-cinq", "0,05": "cero coma cero cinco"; "deux cinq" was
    said); three or more, as English and German say any, each digit ("9,975 %": "neuf virgule neuf sept
    cinq"; "three point one four", "drei Komma eins vier")."""
    if lang.code not in ("es", "fr") or len(fraction) > 2:
        return digit_words(fraction, lang)
    significant = fraction.lstrip("0")
    zeros = digit_words(fraction[:len(fraction) - len(significant)], lang)
    return " ".join(part for part in (zeros, cardinal(int(significant), lang) if significant else "") if part)
