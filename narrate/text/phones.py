"""Telephone numbers as digit groups with a pause (comma) between groups, as a caller reads them out.

  - E.164, a `+` and a country code: `+1 415 555 0100`, `+1 (415) 555-0100`, `+44 7911 123456`, `+49
    (0)30 1234567` (the trunk `(0)` is not dialed from abroad and is not said);
  - North American `1-800-555-0199`, `(415) 555-0100`, `555-0100`;
  - after a calling word (langdata.DIALED: call, dial, llame, marque...) digits written together with
    the length and shape of a number of the region: "Call 8005550199" (en-US, en-CA), "Llame al
    600123456" (es-ES), "Llame al 5512345678" (es-MX);
  - French `01 23 45 67 89` in pairs;
  - a national number with its trunk prefix 0, then 1 to 4 groups of up to 8 digits: `0800 123 4567`,
    `07911 123456`, `0171 2345678`, `030 12345678`, `040 123456`, `0180 5 12 34 56`, German `089 / 12
    34 56-78` and `069 98765-0` (an extension after the hyphen);
  - an area code in parentheses: `(81) 8123 4567`, `(020) 7946 0958`; Mexican `55-1234-5678`;
  - groups of unequal lengths, three or more, `55 1234 5678`; Spanish (Spain) nine digits in threes
    starting with 6, 7, 8 or 9 (mobile and fixed numbers), `600 123 456`, `912 345 678`.
A number is a telephone number only with 8 to 15 digits (E.164's most); thousands written in groups
of three ("12 345 678 habitants", "1 234 567") and lists of numbers stay quantities.
"""

from __future__ import annotations

import re

from .langdata import DIALED, Lang
from .lazy_re import lazy_compile
from .notation import compiled
from .numwords import cardinal, digit_words

_E164 = lazy_compile(r"(?<![\w+])\+(?P<cc>\d{1,3})(?:\s?\(0\)\s?(?=\d)|\s?\((?P<area>[1-9]\d{0,4})\)\s?(?=\d)|(?=[ .-]))"
                     r"(?P<rest>[ .-]?\d{1,8}(?:[ .-]\d{1,8}){0,4})(?![\w-])")
_NANP = lazy_compile(r"(?<![\w+-])(?:(?P<one>1)[ .-])?(?:\((?P<area1>\d{3})\)\s?|(?P<area>\d{3})[ .-])"
                     r"(?P<exch>\d{3})[ .-](?P<line>\d{4})(?![\w-])")
_LOCAL7 = lazy_compile(r"(?<![\w+.-])(?P<exch>\d{3})-(?P<line>\d{4})(?![\w-]|\.\d)")
_FR_NATIONAL = lazy_compile(r"(?<![\w+])0\d(?:[ .]\d{2}){4}(?![\w])")
# A trunk prefix 0 (or an area code in parentheses), then groups; not one of a list ("0 10 20 30 40 50").
_NATIONAL = lazy_compile(r"(?<![\w+.,/()-])(?:\((?P<area>\d{2,5})\)\s?|(?P<trunk>0\d{0,4})(?:\s?/\s?|\s))"
                         r"(?P<rest>\d{1,8}(?:\s\d{1,8}){0,3})(?:-(?P<ext>\d{1,5}))?(?![\w-]|[.,]\d|\s\d)")
_HYPHENATED = lazy_compile(r"(?<![\w+.,/-])\d{2,4}-\d{3,4}-\d{4}(?![\w-]|[.,]\d)")
# National numbers in space-separated groups: "55 1234 5678" (see `grouped`).
_GROUPED = lazy_compile(r"(?<![\w+.,-])\d{2,5}(?: \d{2,5}){1,4}(?![\w-]|[.,]\d)")
_RUN = lazy_compile(r"(?<![\w+.,/-])\d{9,11}(?![\w-]|[.,]\d)")
_NANP_REGIONS = {"US", "CA", ""}
# After a calling word, "Call us toll-free at 8005550199", "Marque el 600123456".
_MORE_FILLERS = {"en": "toll-free|free|back|today|now"}
_DIAL = {"en": "dial|dialing|dialling", "es": "marque|marca|marcar|marquen"}
_MX_TWO_DIGIT_AREAS = ("55", "56", "33", "81")  # Mexico City, Guadalajara, Monterrey: 55 1234 5678
# What a quantity has after it that a telephone number has not: "600 123 456 €", "912 345 678 habitantes".
_QUANTITY_AFTER = lazy_compile(r"\s?(?:[€$£¥%]|(?:de\s)?(?:euros?|dólares|pesos|habitantes|personas)\b)")


def _group(digits: str, lang: Lang, *, area: bool = False) -> str:
    # Toll-free area codes are said "eight hundred" in North America, not "eight zero zero".
    if area and lang.code == "en" and digits.endswith("00") and digits[0] != "0":
        return f"{cardinal(int(digits[0]), lang)} hundred"
    return digit_words(digits, lang)


def _phone_length(digits: str) -> bool:
    return 8 <= len(digits) <= 15


def _said(groups: list[str], lang: Lang) -> str:
    return ", ".join(digit_words(g, lang) for g in groups if g)


# France's four-digit service numbers (3xxx) after a calling word, said in two pairs: "Appelez le 3939"
# is "trente-neuf trente-neuf" (was "trois mille neuf cent trente-neuf"), "le 3631" "trente-six trente et un".
_FR_SHORT = lazy_compile(r"\b((?i:appelez|composez|contactez|joignez|appeler|composer)(?: le| au| nous au))"
                         r" (3\d{3})(?![\w.,]\d|\w)")


def _french_pair(group: str, lang: Lang) -> str:
    """French says a number's pairs as numbers ("23": "vingt-trois"), a pair with a leading 0 or any
    other group digit by digit ("01": "zéro un")."""
    return cardinal(int(group), lang) if len(group) == 2 and group[0] != "0" else digit_words(group, lang)


def replace_phones(text: str, lang: Lang) -> str:
    """Telephone numbers as digit groups with a pause (comma) between groups (see the module docstring)."""

    def e164(m: re.Match[str]) -> str:
        groups = [g for g in [m.group("area")] if g] + re.split(r"[ .-]", m.group("rest").strip(" .-"))
        if len(groups) < 2 or (any(len(g) > 4 for g in groups) and not _phone_length(m.group("cc") + "".join(groups))):
            return m.group(0)
        if lang.code == "fr":  # "+33 1 23 45 67 89": "plus trente-trois, un, vingt-trois...", as the national pairs
            return ", ".join([f"{lang.plus} {cardinal(int(m.group('cc')), lang)}", *(_french_pair(g, lang) for g in groups)])
        return ", ".join([f"{lang.plus} {digit_words(m.group('cc'), lang)}", *(digit_words(g, lang) for g in groups)])

    def nanp(m: re.Match[str]) -> str:
        parts = [digit_words("1", lang)] if m.group("one") else []
        parts.append(_group(m.group("area1") or m.group("area"), lang, area=True))
        return ", ".join([*parts, digit_words(m.group("exch"), lang), digit_words(m.group("line"), lang)])

    def local(m: re.Match[str]) -> str:
        return f"{digit_words(m.group('exch'), lang)}, {digit_words(m.group('line'), lang)}"

    def french(m: re.Match[str]) -> str:
        return ", ".join(_french_pair(p, lang) for p in re.split(r"[ .]", m.group(0)))

    def national(m: re.Match[str]) -> str:
        head, rest = m.group("area") or m.group("trunk"), m.group("rest").split(" ")
        # After an area code in parentheses a hyphen joins the number's own groups: "(55) 5555-1234"
        # (was "(cincuenta y cinco) cinco mil..."); after a trunk prefix it sets off an extension.
        line = m.group("ext") or "" if m.group("area") else ""
        if not _phone_length(head + "".join(rest) + line) or (m.group("area") and min(map(len, rest)) < 3):
            return m.group(0)
        return _said([head, *rest, m.group("ext") or ""], lang)

    def hyphenated(m: re.Match[str]) -> str:
        groups = m.group(0).split("-")
        if len(set(map(len, groups))) == 1 and not groups[0].startswith("0"):
            return m.group(0)  # "2024-1187-0001": a reference, not a telephone number
        return _said(groups, lang)

    def grouped(m: re.Match[str]) -> str:
        # A telephone number, not a quantity: three or more groups of unequal lengths (MX "55 1234
        # 5678"), or Spain's nine digits in threes from 6 to 9. Thousands in groups of three
        # ("12 345 678") and runs of years stay numbers.
        groups = m.group(0).split(" ")
        lengths = list(map(len, groups))
        thousands = all(n == 3 for n in lengths[1:])
        spanish = (lang.code == "es" and lang.region in ("ES", "") and lengths == [3, 3, 3] and groups[0][0] in "6789"
                   and not _QUANTITY_AFTER.match(m.string, m.end()))
        phone = spanish or (len(groups) >= 3 and len(set(lengths)) > 1 and not thousands)
        if not (phone and _phone_length("".join(groups))):
            return m.group(0)
        return _said(groups, lang)

    text = _E164.sub(e164, text)
    if lang.code == "en":  # "1-888-NORTHWIND": the digits as dialed, the word as a word
        text = _VANITY.sub(lambda m: _vanity(m, lang), text)
    if lang.code == "fr":
        text = _FR_NATIONAL.sub(french, text)
        text = _FR_SHORT.sub(lambda m: f"{m.group(1)} {_french_pair(m.group(2)[:2], lang)} "
                             f"{_french_pair(m.group(2)[2:], lang)}", text)
    if lang.code == "en" and lang.region == "AU":
        text = _AU_SERVICE.sub(lambda m: _australian(m, lang), text)
    text = _NANP.sub(nanp, text)
    text = _LOCAL7.sub(local, text)
    text = _NATIONAL.sub(national, text)
    text = _HYPHENATED.sub(hyphenated, text)
    if lang.code in _DIAL and _RUN.search(text):
        text = _replace_called(text, lang)
    return _GROUPED.sub(grouped, text)


# A North American vanity number: "1-800-FLOWERS", "888-NORTHWIND", "1-888-GO-FEDEX", "1-877-KARS-4-KIDS":
# words of capitals (four letters or more in all) and single digits after a toll-free code.
_VANITY = lazy_compile(r"(?<![\w-])(?:(1)[.-])?(8\d\d)[.-]((?:[A-Z]{2,}|\d)(?:-(?:[A-Z]+|\d))*)(?![\w-])")


def _vanity(m: re.Match[str], lang: Lang) -> str:
    """The digits as dialed, each word as a word: "one, eight eight eight, Go Fedex"."""
    parts = m.group(3).split("-")
    if sum(len(p) for p in parts if p.isalpha()) < 4 or all(p.isdigit() for p in parts):
        return m.group(0)
    words = " ".join(digit_words(p, lang) if p.isdigit() else p.capitalize() for p in parts)
    return ", ".join([*(_group(g, lang, area=True) for g in m.group(1, 2) if g), words])


# Australia's local-rate and free-call numbers: "1300 123 456", "1800 123 456" (ten digits) and "13 22 11"
# (six), said "thirteen hundred, one two three, four five six" and "thirteen, twenty-two, eleven", as
# their owners advertise them (a plain "1300" stays a quantity: it has no groups after it).
_AU_SERVICE = lazy_compile(r"(?<![\w+.,-])(?:(?P<head>1[38]00) ?(?P<a>\d{3}) ?(?P<b>\d{3})|13 (?P<c>\d{2}) (?P<d>\d{2}))"
                           r"(?![\w-]|[.,]\d| \d)")


def _australian(m: re.Match[str], lang: Lang) -> str:
    if m.group("head"):
        head = f"{cardinal(int(m.group('head')[:2]), lang)} hundred"
        return ", ".join([head, digit_words(m.group("a"), lang), digit_words(m.group("b"), lang)])
    return ", ".join(cardinal(int(g), lang) for g in ("13", m.group("c"), m.group("d")))


def _called_groups(digits: str, lang: Lang) -> list[str] | None:
    """How a number written without separators is grouped when it is called: North American ten digits
    (after a 1) 3-3-4, Spain's nine digits from 6-9 3-3-3, Mexico's ten 2-4-4 or 3-3-4; None otherwise."""
    if lang.code == "en" and lang.region in _NANP_REGIONS:
        one, rest = (digits[:1], digits[1:]) if len(digits) == 11 and digits[0] == "1" else ("", digits)
        if len(rest) == 10 and rest[0] in "23456789":
            return [one, rest[:3], rest[3:6], rest[6:]]
    elif lang.code == "es" and lang.region in ("ES", "") and len(digits) == 9 and digits[0] in "6789":
        return [digits[:3], digits[3:6], digits[6:]]
    elif lang.code == "es" and lang.region == "MX" and len(digits) == 10:
        cut = 2 if digits[:2] in _MX_TWO_DIGIT_AREAS else 3
        return [digits[:cut], digits[cut:-4], digits[-4:]]
    return None


def _replace_called(text: str, lang: Lang) -> str:
    """Digits written together after a calling word are a telephone number when they have the length
    and shape of one: "Call 8005550199" -> "Call eight hundred, five five five, zero one nine nine",
    "Llame al 600123456" -> "Llame al seis cero cero, uno dos tres, cuatro cinco seis"."""
    data = DIALED[lang.code]
    fillers = f"{data['fillers']}|{_MORE_FILLERS.get(lang.code, '')}".strip("|")
    cue = compiled(rf"\b(?i:{data['calls']}|{_DIAL[lang.code]})\b(?:[ ](?i:{fillers})\b)*[,:]?[ ]$")

    def repl(m: re.Match[str]) -> str:
        groups = _called_groups(m.group(0), lang)
        if groups is None or cue.search(m.string[max(0, m.start() - 60):m.start()]) is None:
            return m.group(0)
        one, area, *rest = groups if lang.code == "en" else ["", *groups]
        parts = [digit_words(one, lang)] if one else []
        parts.append(_group(area, lang, area=True))
        return ", ".join([*parts, *(digit_words(g, lang) for g in rest)])

    return _RUN.sub(repl, text)
