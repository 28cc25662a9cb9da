"""Currency amounts in words: "$1,234.56", "€5", "5 €", "USD 20", "US$5", "$2.5M" -> "two point five million dollars"."""

from __future__ import annotations

import re

from .langdata import SYMBOLS, Lang
from .notation import compiled, number_pattern, say, split_number
from .numwords import cardinal

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


def replace_money(text: str, lang: Lang) -> str:
    scales = "|".join(_SCALES.get(lang.code, ()))
    abbreviations = _SCALE_ABBREVIATIONS.get(lang.code, {})
    short = "|".join(sorted(abbreviations, key=len, reverse=True))
    spaced = "|".join(a for a in abbreviations if len(a) > 1)  # "$5 bn" as the press writes it; never a lone "$5 b"
    scale = rf"(?:\s(?P<scale>{scales})\b|(?P<abbr>{short})\b|\s(?P<spaced>{spaced})\b)?" if scales else ""
    symbols = re.escape("".join(SYMBOLS))

    def money(m: re.Match[str]) -> str:
        g = m.groupdict()
        code = SYMBOLS.get(g.get("sym") or "", g.get("code") or "")
        if g.get("pre") and g.get("sym") == "$":
            code = _DOLLAR_PREFIXES[g["pre"]]
        said_scale = g.get("scale") or abbreviations.get(g.get("abbr") or g.get("spaced") or "", "")
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
