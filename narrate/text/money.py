"""Currency amounts in words: "$1,234.56", "€5", "5 €", "USD 20", "US$5", "$2.5M" -> "two point five million dollars";
an amount with cents or a round million before a currency's name ("45,20 euros", "1.000.000 euros"); German
whole amounts ("85,- €"); British pence ("99p"). "$" is the peso where the region says so (langdata.DOLLAR_SIGN);
Spanish and French say "de" after a round million ("un millón de euros", "un million d'euros"), French counts
below two in the singular ("zéro euro")."""

from __future__ import annotations

import re

from .agreement import german_case
from .langdata import DOLLAR_SIGN, SYMBOLS, Lang
from .lazy_re import lazy_compile
from .notation import compiled, ends_sentence, number_pattern, say, split_number
from .numwords import cardinal
from .spans import range_word

# The middle alternative takes more decimals than a currency has ("$3.459" a gallon): read as a decimal.
_AMOUNT = (r"\d{1,3}(?:[.,\u00a0 ']\d{3}(?!\d))+(?:[.,]\d{1,2})?(?!\d)|\d+[.,]\d{3,}(?!\d)"
           r"|\d+(?:[.,]\d{1,2})?(?!\d)")
_CODES = "USD|EUR|GBP|CAD|AUD|JPY|MXN|CHF|INR"
# Dollars written with their country before the sign: "US$5", "A$20", "C$15", "MX$300".
_DOLLAR_PREFIXES = {"US": "USD", "A": "AUD", "AU": "AUD", "C": "CAD", "CA": "CAD", "MX": "MXN"}
_PREFIX = "|".join(sorted(_DOLLAR_PREFIXES, key=len, reverse=True))
_NOT_A_WORD = r"(?![^\W\d_])"  # "$5abc" is a token, not an amount followed by "abc"
# India counts in lakh (100,000) and crore (10,000,000): "Rs. 2.5 lakh" is "two point five lakh rupees".
_SCALES = {"en": ("thousand", "million", "billion", "trillion", "lakh", "crore"),
           "es": ("mil millones", "millón", "millones", "billón", "billones"),
           "fr": ("million", "millions", "milliard", "milliards"),
           "de": ("Millionen", "Million", "Milliarden", "Milliarde")}
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


def _plural(n: int, lang: Lang) -> bool:
    """Whether a count takes the plural: French counts below two are singular ("zéro euro")."""
    return n >= 2 if lang.code == "fr" else n != 1


# Spanish and French put "de" between a round million and its noun: "un millón de euros", "un million d'euros".
_MILLIONS = lazy_compile(r"\b(?:millón|millones|billón|billones|million|millions|milliard|milliards)$")


def _of(words: str, noun: str, lang: Lang) -> str:
    if lang.code in ("es", "fr") and _MILLIONS.search(words):
        return f"{words} d'{noun}" if lang.code == "fr" and noun[:1] in "aeiouéèh" else f"{words} de {noun}"
    return f"{words} {noun}"


def say_money(code: str, major: int, minor: int, lang: Lang, scale: str = "") -> str:
    """An amount in a currency: "one hundred twenty-three dollars and forty-five cents"."""
    cur = lang.currencies.get(code)
    if cur is None:
        return f"{cardinal(major, lang)} {code}"
    if scale:  # "$2 million": "two million dollars"; "1 millón €": "un millón de euros"
        # German's scales are feminine nouns: "eine Million Euro"
        return _of(f"{cardinal(major, lang, noun=True, feminine=lang.code == 'de')} {scale}", cur.major[1], lang)
    parts = []
    if major or not minor:
        parts.append(_of(cardinal(major, lang, noun=True, feminine=cur.feminine), cur.major[_plural(major, lang)], lang))
    if minor:
        parts.append(f"{cardinal(minor, lang, noun=True, feminine=cur.minor_feminine)} {cur.minor[_plural(minor, lang)]}")
    return f" {lang.currency_join} ".join(parts)


def _scale_pattern(lang: Lang) -> str:
    """An optional scale after an amount: "$2 million", "$20k", "$5 bn" (groups scale, abbr, spaced)."""
    scales = "|".join(_SCALES.get(lang.code, ()))
    abbreviations = _SCALE_ABBREVIATIONS.get(lang.code, {})
    short = "|".join(sorted(abbreviations, key=len, reverse=True)) or "(?!)"  # (?!): none (Spanish, French)
    spaced = "|".join(a for a in abbreviations if len(a) > 1) or "(?!)"  # "$5 bn" as the press writes it; never "$5 b"
    return rf"(?:\s(?P<scale>{scales})\b|(?P<abbr>{short})\b|\s(?P<spaced>{spaced})\b)?" if scales else ""


def _said_scale(m: re.Match[str], lang: Lang) -> str:
    g = m.groupdict()
    return g.get("scale") or _SCALE_ABBREVIATIONS.get(lang.code, {}).get(g.get("abbr") or g.get("spaced") or "", "")


def _code(m: re.Match[str], lang: Lang) -> str:
    g = m.groupdict()
    if g.get("pre") and g.get("sym") == "$":
        return _DOLLAR_PREFIXES[g["pre"]]
    if g.get("sym") == "$":  # pesos in Mexico, Colombia, Chile... (langdata.DOLLAR_SIGN)
        return DOLLAR_SIGN.get(lang.code, {}).get(lang.region, "USD")
    return SYMBOLS.get(g.get("sym") or "", g.get("code") or "")


# "$45.20 pesos", "$576.04 MXN", "$350.00 M.N.", "$5 CAD": a code or a currency word after a "$" amount names
# its currency, said once. Mexico writes MN or M.N. (moneda nacional) for pesos.
_TAIL = r"(?P<tail>\s(?:[A-Z]{3}|MN)\b|\sM\.N\.|\s(?:pesos|dólares|dollars)\b)?"
_TAILS = {"MN": "MXN", "M.N.": "MXN", "dólares": "USD", "dollars": "USD"}
_DOLLARS = frozenset({"USD", "CAD", "AUD", "MXN", "COP", "CLP", "ARS", "UYU"})
# German whole amounts: "85,- €", "1.250,- €", "EUR 85,--".
_WHOLE = r"(?P<whole>,-{1,2}|(?<=\d)\.-{1,2}(?!\d))?"  # and Swiss whole francs: "15.-", "1'250.–"


def _peso(lang: Lang) -> str:
    return DOLLAR_SIGN.get(lang.code, {}).get(lang.region, "MXN")


def _tail_code(tail: str, lang: Lang) -> str | None:
    if tail == "pesos":
        return _peso(lang)
    if tail in ("MN", "M.N.") and lang.code != "es":
        return None  # English "MN" is Minnesota
    return _TAILS.get(tail) or (tail if tail in lang.currencies else None)


_NAMES: dict[str, tuple[dict[str, str], re.Pattern[str]]] = {}


def _names(lang: Lang) -> tuple[dict[str, str], re.Pattern[str]]:
    """A currency's names (both numbers, capitalised too) -> its code, and the pattern of an amount written
    before one: "45,20 euros", "45,20 Euro", "45.20 dollars", "1.000.000 euros". Pounds, libras, livres and
    Pfund are weights as often: left out."""
    if lang.tag in _NAMES:
        return _NAMES[lang.tag]
    names: dict[str, str] = {}
    for code, cur in lang.currencies.items():
        if code != "GBP":
            for name in cur.major:
                names.setdefault(name, code)
                names.setdefault(name[0].upper() + name[1:], code)
    for name in ("peso", "pesos", "Peso", "Pesos"):
        if name in names:
            names[name] = _peso(lang)
    g, dec = re.escape(lang.group), re.escape(lang.decimal)
    amount = rf"\d{{1,3}}(?:{g}\d{{3}})+(?:{dec}\d{{2}})?(?!\d)|\d+{dec}\d{{2}}(?!\d)|\d+(?=,-)"
    words = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    _NAMES[lang.tag] = names, re.compile(rf"(?<![\w.,])(?P<neg>-)?(?P<amt>{amount}){_WHOLE}\s(?P<word>{words})\b")
    return _NAMES[lang.tag]


def money_hint(text: str, lang: Lang) -> bool:
    """Whether `text` may hold an amount (a cheap test before replace_money)."""
    return (_MONEY_HINT.search(text) is not None or _names(lang)[1].search(text) is not None
            or (lang.code == "en" and lang.region == "GB" and _PENCE_HINT.search(text) is not None))


_MONEY_HINT = lazy_compile(r"[$€£¥₹¢]|USD|EUR|GBP|CAD|AUD|JPY|MXN|CHF|INR")
_CENTS = lazy_compile(r"(?<![\w.,])(\d{1,3})\s?¢")
_PENCE_HINT = lazy_compile(r"\dp\b")
# British pence: "99p", "7p per minute", "53.35p" (up to two digits: "720p" is a video's resolution).
_PENCE = lazy_compile(r"(?<![\w.,£$€¥-])(?P<amt>\d{1,2}(?:\.\d{1,2})?)p\b")


# An English whole amount between "a"/"an" (or a possessive, "the", "this") and a noun describes the noun, in
# the singular: "A $10 fee" is "a ten dollar fee" (was "a ten dollars fee"), "an $18 charge", "the $5 bill", "a
# $3.5 billion deal" "a three point five billion dollar deal"; "a $9.99 charge" keeps its cents whole ("a nine
# dollars and ninety-nine cents charge": "a nine ninety-nine charge" drops the currency). A pronoun next is no
# noun ("the $5 you owe").
_ARTICLE_BEFORE = lazy_compile(r"(?:^|\s)(?:[Aa]n?|[Tt]he|[Tt]his|[Tt]hat|[Hh]is|[Hh]er|[Ii]ts|[Tt]heir|[Mm]y|[Yy]our|"
                               r"[Oo]ur)\s$")
_NOUN_AFTER = lazy_compile(r"\s(?!(?:per|an?|each|or|and|to|for|in|on|at|of|off|more|less|from|with|is|was|will|the|"
                           r"plus|minimum|maximum|max|min|you|we|they|she|that|which|who|had|has|have|are|were|would|"
                           r"could|can|left|back|total|now|then|today|again|each|ago)\b)[a-z]{3,}\b")


def _adjective(m: re.Match[str], lang: Lang, cur: object, amt: str, scaled: bool, tail: str) -> bool:
    if lang.code != "en" or cur is None or tail:
        return False
    if not scaled and not re.fullmatch(r"\d{1,3}(?:,\d{3})*", amt):
        return False
    return (_ARTICLE_BEFORE.search(m.string[max(0, m.start() - 6):m.start()]) is not None
            and _NOUN_AFTER.match(m.string, m.end()) is not None)


def replace_money(text: str, lang: Lang) -> str:
    scale = _scale_pattern(lang)
    symbols = re.escape("".join(SYMBOLS))

    def money(m: re.Match[str]) -> str:
        g = m.groupdict()
        code, said_scale = _code(m, lang), _said_scale(m, lang)
        tail = g.get("tail") or ""
        tail_code = _tail_code(tail.strip(), lang) if tail else None
        if tail_code is not None and (tail_code == code or (g.get("sym") == "$" and not g.get("pre")
                                                            and {code, tail_code} <= _DOLLARS)):
            code = tail_code
            # "$350.00 M.N." ending a sentence keeps its full stop
            tail = "." if tail.endswith(".") and ends_sentence(m.string, m.end()) else ""
        cur = lang.currencies.get(code)
        amt = g["amt"]
        native = re.fullmatch(number_pattern(lang), amt) is not None
        fraction = split_number(amt, lang)[1] if native else None
        adjective = _adjective(m, lang, cur, amt, bool(said_scale), tail)
        if said_scale and cur is not None and not re.fullmatch(r"\d+", amt):
            # "$1.5 million", "$1.5M": "one point five million dollars" (the decimal in the language's notation)
            if not native:
                return m.group(0)
            said = (f"{say(amt, lang)} {said_scale} {cur.major[0]}" if adjective  # "a $3.5 billion deal"
                    else _of(f"{say(amt, lang)} {said_scale}", cur.major[1], lang))
        elif native and fraction is not None and len(fraction) > 2 and not (
                lang.code != "en" and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", amt)):  # de-CH "1.000 €": thousands
            # More decimals than cents ("$3.459" a gallon): a decimal, in the language's notation.
            if cur is None:
                return m.group(0)
            said = f"{say(amt, lang)} {cur.major[1]}"
        elif re.search(r"[.,]\d{3,}$", amt) and not re.fullmatch(r"\d{1,3}(?:[.,\u00a0 ']\d{3})+", amt):
            return m.group(0)  # "12,3456": neither thousands nor this language's decimals: as written
        elif adjective and re.fullmatch(r"\d{1,3}(?:,\d{3})*", amt):
            assert cur is not None  # _adjective asks for one
            scale_word = f" {said_scale}" if said_scale else ""  # "a $2 million house"
            said = f"{cardinal(_amount(amt)[0], lang, noun=True)}{scale_word} {cur.major[0]}"  # "a ten dollar fee"
        else:
            said = say_money(code, *_amount(amt), lang, said_scale)
        if lang.code == "de" and not (g.get("neg") or g.get("neg_after")):  # "von 1 €": "von einem Euro"
            said = german_case(said, m.string[:m.start()], "")
        said = f"{lang.minus} {said}" if g.get("neg") or g.get("neg_after") else said
        return said + tail

    def worded(m: re.Match[str]) -> str:
        # Only an amount a plain number would misread: cents ("45,20 euros" was "cuarenta y cinco coma dos
        # cero euros"), a German whole amount, a round million ("un millón de euros").
        major, minor = _amount(m.group("amt"))
        if not (minor or m.group("whole") or lang.decimal in m.group("amt") or (major and not major % 1_000_000)):
            return m.group(0)
        said = say_money(names[m.group("word")], major, minor, lang)
        return f"{lang.minus} {said}" if m.group("neg") else said

    sign = r"(?P<neg>(?<![\w.,$€£¥-])-)?"
    text = compiled(rf"{sign}(?<![\w$€£¥])(?:(?P<pre>{_PREFIX})(?=\$))?(?P<sym>[{symbols}])\s?(?P<neg_after>-)?(?P<amt>{_AMOUNT})"
               rf"{_WHOLE}{scale}{_NOT_A_WORD}{_TAIL}").sub(money, text)
    text = compiled(rf"(?<![\w.,])(?P<neg>-)?(?P<amt>{_AMOUNT}){_WHOLE}{scale}\s?(?P<sym>[{symbols}])(?![\w$€£¥])").sub(
        money, text)  # "2,5 Millionen €" (written "2,5 Mio. €"): a scale before the sign
    text = compiled(rf"{sign}\b(?P<code>{_CODES})\s?(?P<amt>{_AMOUNT}){_WHOLE}{scale}{_NOT_A_WORD}").sub(money, text)
    text = compiled(rf"(?<![\w.,])(?P<neg>-)?(?P<amt>{_AMOUNT}){_WHOLE}\s?(?P<code>{_CODES})\b").sub(money, text)
    if lang.code in ("es", "fr"):  # "1 millón €", "1,5 millions €"
        text = compiled(rf"(?<![\w.,])(?P<neg>-)?(?P<amt>{number_pattern(lang)})\s(?P<scale>{'|'.join(_SCALES[lang.code])})"
                        rf"\s?(?P<sym>[{symbols}])(?![\w$€£¥])").sub(money, text)
    names, pattern = _names(lang)
    text = pattern.sub(worded, text)
    if "¢" in text:  # "99¢": "ninety-nine cents", the dollar's minor unit in the language
        minor = lang.currencies["USD"].minor
        text = _CENTS.sub(lambda m: f"{cardinal(int(m.group(1)), lang, noun=True)} {minor[_plural(int(m.group(1)), lang)]}",
                          text)
    if lang.code == "en" and lang.region == "GB":
        text = _PENCE.sub(lambda m: f"{say(m.group('amt'), lang)} {'penny' if m.group('amt') == '1' else 'pence'}", text)
    return text


# ---------------------------------------------------------------- ranges of amounts
#
# "$5-10", "€5–10", "$5 - $10", "5 € - 10 €", "USD 5-10", "$5-10k": the currency is said once, after
# the range, as a person says it: "five to ten dollars", "cinq à dix euros", "five to ten thousand
# dollars". The currency may be written on one side or both (the same one), the dash spaced or not;
# the second amount must be larger (anything else is no range and is read as before). Amounts with
# cents are said whole on each side ("one dollar and fifty cents to two dollars and fifty cents").
# This pass runs before the plain ranges (spans.replace_ranges), which would take "5-10" alone.

_SYM = "$€£¥₹"
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
        said = word and say_money_range(_code(m, lang), g["a"], g["b"], word, lang, _said_scale(m, lang))
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


# Switzerland writes francs "Fr." (and "SFr."): before or after an amount with its rappen or a whole
# mark ("Fr. 15.50", "Fr. 1'250.-", "2.50 Fr."), never before a range or a time, nor after a word that
# announces a day, where "Fr." is Friday ("Mo.-Fr. 8.00-17.00", "Fr. 9.30 Uhr", "am Fr. 12.05."). Made
# "CHF" before the weekday pass reads it as "Freitag".
SWISS_REGIONS = frozenset({"CH", "LI"})
_SWISS_AMOUNT = r"\d{1,3}(?:'\d{3})*\.(?:\d\d|-{1,2})|\d+\.(?:\d\d|-{1,2})"
_SWISS_FRANCS = lazy_compile(rf"(?<![\w.-])S?Fr\.\s?(?=(?:{_SWISS_AMOUNT})(?![\d:-])(?!\s?(?:Uhr|h)\b))"
                             rf"|(?:(?<=\d\d)|(?<=\d\.-))\s?S?Fr\.(?!\w)")
_DAY_WORD_BEFORE = lazy_compile(r"(?i:\b(?:am|bis|ab|vom|jeden|und|le|du|au|et|jusqu'au))\s$|[,-]\s?$")


def replace_swiss_francs(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        s = m.string
        if s[m.end():m.end() + 1].isdigit():  # before the amount
            return m.group(0) if _DAY_WORD_BEFORE.search(s, max(0, m.start() - 10), m.start()) else "CHF "
        rest = s[m.end():].lstrip()
        return " CHF." if not rest or rest[:1].isupper() else " CHF"  # its dot also ended the sentence

    return _SWISS_FRANCS.sub(repl, text)
