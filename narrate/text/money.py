"""Currency amounts in words: "$1,234.56", "€5", "5 €", "USD 20", "US$5", "$2.5M" -> "two point five million dollars"."""

from __future__ import annotations

import re

from .langdata import SYMBOLS, Lang
from .notation import compiled, number_pattern, say, split_number
from .numwords import cardinal
from .spans import range_word

# The middle alternative takes more decimals than a currency has ("$3.459" a gallon): read as a decimal.
_AMOUNT = (r"\d{1,3}(?:[.,\u00a0 ]\d{3}(?!\d))+(?:[.,]\d{1,2})?(?!\d)|\d+[.,]\d{3,}(?!\d)"
           r"|\d+(?:[.,]\d{1,2})?(?!\d)")
_CODES = "USD|EUR|GBP|CAD|AUD|JPY|MXN|CHF"
# Dollars written with their country before the sign: "US$5", "A$20", "C$15", "MX$300".
_DOLLAR_PREFIXES = {"US": "USD", "A": "AUD", "AU": "AUD", "C": "CAD", "CA": "CAD", "MX": "MXN"}
_PREFIX = "|".join(sorted(_DOLLAR_PREFIXES, key=len, reverse=True))
_NOT_A_WORD = r"(?![^\W\d_])"  # "$5abc" is a token, not an amount followed by "abc"
_SCALES = {"en": ("thousand", "million", "billion", "trillion")}
# Written right after an amount ("$20k", "$1.5M", "$2bn"): the abbreviations of the scales above.
_SCALE_ABBREVIATIONS = {"en": {"k": "thousand", "K": "thousand", "M": "million", "m": "million", "mn": "million",
                               "B": "billion", "b": "billion", "bn": "billion", "T": "trillion", "tn": "trillion"}}


def _amount(written: str) -> tuple[int, int]:
    """("1.234,56") -> (1234, 56): a last separator followed by one or two digits is decimal,
    every other separator groups thousands, whichever the language ("$5,50" and "€5,50" alike)."""
    m = re.search(r"[.,](\d{1,2})$", written)
    minor = int(m.group(1).ljust(2, "0")) if m else 0
    major = re.sub(r"\D", "", written[:m.start()] if m else written)
    return int(major), minor


def say_money(code: str, major: int, minor: int, lang: Lang, scale: str = "") -> str:
    """An amount in a currency: "one hundred twenty-three dollars and forty-five cents"."""
    cur = lang.currencies.get(code)
    if cur is None:
        return f"{cardinal(major, lang)} {code}"
    if scale:  # "$2 million": "two million dollars"
        return f"{cardinal(major, lang)} {scale} {cur.major[1]}"
    parts = []
    if major or not minor:
        parts.append(f"{cardinal(major, lang, noun=True, feminine=cur.feminine)} {cur.major[major != 1]}")
    if minor:
        parts.append(f"{cardinal(minor, lang, noun=True, feminine=cur.minor_feminine)} {cur.minor[minor != 1]}")
    return f" {lang.currency_join} ".join(parts)


def _scale_pattern(lang: Lang) -> str:
    """An optional scale after an amount: "$2 million", "$20k", "$5 bn" (groups scale, abbr, spaced)."""
    scales = "|".join(_SCALES.get(lang.code, ()))
    abbreviations = _SCALE_ABBREVIATIONS.get(lang.code, {})
    short = "|".join(sorted(abbreviations, key=len, reverse=True))
    spaced = "|".join(a for a in abbreviations if len(a) > 1)  # "$5 bn" as the press writes it; never a lone "$5 b"
    return rf"(?:\s(?P<scale>{scales})\b|(?P<abbr>{short})\b|\s(?P<spaced>{spaced})\b)?" if scales else ""


def _said_scale(m: re.Match[str], lang: Lang) -> str:
    g = m.groupdict()
    return g.get("scale") or _SCALE_ABBREVIATIONS.get(lang.code, {}).get(g.get("abbr") or g.get("spaced") or "", "")


def _code(m: re.Match[str]) -> str:
    g = m.groupdict()
    if g.get("pre") and g.get("sym") == "$":
        return _DOLLAR_PREFIXES[g["pre"]]
    return SYMBOLS.get(g.get("sym") or "", g.get("code") or "")


def replace_money(text: str, lang: Lang) -> str:
    scale = _scale_pattern(lang)
    symbols = re.escape("".join(SYMBOLS))

    def money(m: re.Match[str]) -> str:
        g = m.groupdict()
        code, said_scale = _code(m), _said_scale(m, lang)
        cur = lang.currencies.get(code)
        amt = g["amt"]
        native = re.fullmatch(number_pattern(lang), amt) is not None
        fraction = split_number(amt, lang)[1] if native else None
        if said_scale and cur is not None and not re.fullmatch(r"\d+", amt):
            # "$1.5 million", "$1.5M": "one point five million dollars" (the decimal in the language's notation)
            if not native:
                return m.group(0)
            said = f"{say(amt, lang)} {said_scale} {cur.major[1]}"
        elif native and fraction is not None and len(fraction) > 2:
            # More decimals than cents ("$3.459" a gallon): a decimal, in the language's notation.
            if cur is None:
                return m.group(0)
            said = f"{say(amt, lang)} {cur.major[1]}"
        elif re.search(r"[.,]\d{3,}$", amt) and not re.fullmatch(r"\d{1,3}(?:[.,\u00a0 ]\d{3})+", amt):
            return m.group(0)  # "12,3456": neither thousands nor this language's decimals: as written
        else:
            said = say_money(code, *_amount(amt), lang, said_scale)
        return f"{lang.minus} {said}" if g.get("neg") or g.get("neg_after") else said

    sign = r"(?P<neg>(?<![\w.,$€£¥-])-)?"
    text = compiled(rf"{sign}(?<![\w$€£¥])(?:(?P<pre>{_PREFIX})(?=\$))?(?P<sym>[{symbols}])\s?(?P<neg_after>-)?(?P<amt>{_AMOUNT})"
               rf"{scale}{_NOT_A_WORD}").sub(money, text)
    text = compiled(rf"(?<![\w.,])(?P<neg>-)?(?P<amt>{_AMOUNT})\s?(?P<sym>[{symbols}])(?![\w$€£¥])").sub(money, text)
    text = compiled(rf"{sign}\b(?P<code>{_CODES})\s?(?P<amt>{_AMOUNT}){scale}{_NOT_A_WORD}").sub(money, text)
    return compiled(rf"(?<![\w.,])(?P<neg>-)?(?P<amt>{_AMOUNT})\s?(?P<code>{_CODES})\b").sub(money, text)


# ---------------------------------------------------------------- ranges of amounts
#
# "$5-10", "€5–10", "$5 - $10", "5 € - 10 €", "USD 5-10", "$5-10k": the currency is said once, after
# the range, as a person says it: "five to ten dollars", "cinq à dix euros", "five to ten thousand
# dollars". The currency may be written on one side or both (the same one), the dash spaced or not;
# the second amount must be larger (anything else is no range and is read as before). Amounts with
# cents are said whole on each side ("one dollar and fifty cents to two dollars and fifty cents").
# This pass runs before the plain ranges (spans.replace_ranges), which would take "5-10" alone.

_SYM = "$€£¥"
_DASH = r"\s?-\s?"
_END = r"(?![-/]\d)"  # "$5-10-15", "$5-10/month"... a list or a rate is no range


def _cents(written: str) -> tuple[int, int] | None:
    """("1,234.50") -> (1234, 50); None for more decimals than cents ("3.459"), said as a decimal elsewhere."""
    if re.search(r"[.,]\d{3,}$", written) and not re.fullmatch(r"\d{1,3}(?:[.,\u00a0 ]\d{3})+", written):
        return None
    return _amount(written)


def say_money_range(code: str, a: str, b: str, word: str, lang: Lang, scale: str = "") -> str | None:
    """Two amounts in one currency as a range: "five to ten dollars"; None when they make none."""
    cur, low, high = lang.currencies.get(code), _cents(a), _cents(b)
    if cur is None or low is None or high is None or not low < high:
        return None
    if any((split_number(side, lang)[1] or "")[2:] for side in (a, b) if re.fullmatch(number_pattern(lang), side)):
        return None  # "$3.459-3.999" a gallon: decimals, read as before
    if scale:  # "$1.5-2 million": "one point five to two million dollars"
        if not all(re.fullmatch(number_pattern(lang), side) for side in (a, b)):
            return None
        return f"{say(a, lang)} {word} {say(b, lang)} {scale} {cur.major[1]}"
    if low[1] or high[1]:
        return f"{say_money(code, *low, lang)} {word} {say_money(code, *high, lang)}"
    # Only the second number stands before the noun: Spanish "uno a veintiún euros", "una a dos libras".
    first = cardinal(low[0], lang, noun=lang.code != "es", feminine=cur.feminine)
    second = cardinal(high[0], lang, noun=True, feminine=cur.feminine)
    return f"{first} {word} {second} {cur.major[high[0] != 1]}"


def replace_money_ranges(text: str, lang: Lang) -> str:
    """Ranges of amounts, the currency said once after them (see above)."""
    scale = _scale_pattern(lang)
    symbols = re.escape(_SYM)

    def repl(m: re.Match[str]) -> str:
        g = m.groupdict()
        if g.get("sym1") not in (None, g.get("sym")) or g.get("code1") not in (None, g.get("code")):
            return m.group(0)  # "5 € - 10 $": two currencies
        word = range_word(m.string[max(0, m.start() - 40):m.start()], lang)
        said = word and say_money_range(_code(m), g["a"], g["b"], word, lang, _said_scale(m, lang))
        return said or m.group(0)

    before = rf"(?<![\w.,{_SYM}-])"
    text = compiled(rf"{before}(?:(?P<pre>{_PREFIX})(?=\$))?(?P<sym>[{symbols}])\s?(?P<a>{_AMOUNT}){_DASH}"
                    rf"(?:(?:(?P=pre))?(?P=sym)\s?)?(?P<b>{_AMOUNT}){scale}{_NOT_A_WORD}{_END}").sub(repl, text)
    text = compiled(rf"{before}(?P<a>{_AMOUNT})\s?(?:(?P<sym1>[{symbols}])\s?)?-\s?(?P<b>{_AMOUNT})\s?"
                    rf"(?P<sym>[{symbols}])(?![\w{_SYM}])").sub(repl, text)
    text = compiled(rf"{before}\b(?P<code>{_CODES})\s?(?P<a>{_AMOUNT}){_DASH}(?:(?P=code)\s?)?(?P<b>{_AMOUNT})"
                    rf"{scale}{_NOT_A_WORD}{_END}").sub(repl, text)
    return compiled(rf"{before}(?P<a>{_AMOUNT})\s?(?:(?P<code1>{_CODES})\s?)?-\s?(?P<b>{_AMOUNT})\s?"
                    rf"(?P<code>{_CODES})\b").sub(repl, text)
