"""English shorthand for counts and words, as people say it (English only; other languages unchanged).

- A count written with k, K, M, B or bn: "10k users" "ten thousand users", "2.5M rows" "two point five
  million rows", "1.2bn requests" (they were "ten k users", "two point five M rows"). Only where it is
  a count: before a plural noun (a word ending in "s", or "people", "of", "more", "per", "a", "each"...)
  or ending a clause ("Stars: 10k."). One thing named by its size keeps its letters: after "a" or "an"
  ("a 10k race", "a 3B model"), or before a singular noun ("10k resistor", "5K run"). A label's number
  with a letter names a unit, seat or line ("Apartment 4B is", "Seat 14K", "line 2B", "#3M"), and so does
  one that ends a clause after "in" or "at" ("she is in 4B."). A lowercase "m" is
  meters (spoken.replace_units), "4K" and "8K" are display resolutions, "401k" a plan (forms.py), and after a currency sign the
  amount is money.py's ("$10k", "$5-10k", "USD 3B"): all left as they were.
- Numeronyms, a first letter, the count of letters left out, a last letter: "i18n" "I eighteen N", "l10n"
  "L ten N", "a11y" "A eleven Y"; an "s" after the count makes it plural, as "k8s" is said "K eights".
  Counts from 3 only, so "p2p", "b2b", "H2O" read as before, and never in a host ("k8s.io").
- Model names ending in "s" are names, not plural counts: a capital letter, a number of two digits
  (or one after a product line: "Moto G7s") and "s", "Galaxy A10s" "A ten S", "S20s" "S twenty
  S" (they were "A tens", "S twenties"); a number of one or two digits and "s" after a product line,
  "iPhone 15s" "iPhone fifteen S" (it was "fifteen seconds"), as phone makers name their variants. Longer
  numbers are plurals ("A320s" "A three twenties": models.py). A lowercase letter first stays a numeronym
  ("k8s"), and so does "K8s"; decades and seconds keep their rules ("the 1990s", "in your 20s", "wait 15s").
"""

from __future__ import annotations

import re

from .forms import PLAN_SHORT
from .langdata import Lang
from .lazy_re import lazy_compile
from .notation import say
from .numwords import cardinal, plural

_MULTIPLIERS = {"k": "thousand", "K": "thousand", "M": "million", "B": "billion", "bn": "billion"}
_COUNT_WORDS = r"people|staff|data|of|more|less|fewer|per|a|an|each|in|across|over|and|or|to|times|total"
# A count: a plural word next (one ending in "s", not "ss"), a word of counting, or the clause's end.
# Words ending in "s" that are no plural noun: "Apartment 4B is ready".
_NOT_PLURAL = r"is|was|has|does|this|its|his|us|as|yes|thus|plus|minus|bus|gas|says|goes"
_COUNT_NEXT = (rf"(?=\s+(?!(?:{_NOT_PLURAL})\b)(?:[A-Za-z]*[A-Za-rt-z]s|{_COUNT_WORDS})\b"
               r"|(?P<end>\s*(?:[.,;:!?)\]\u2014]|\Z)))")  # an em dash ends a clause too
_NUMBER = r"\d{1,3}(?:\.\d{1,2})?"
# One count or a range of two, each with its letter ("10k-20k users").
_MULTIPLIED = lazy_compile(rf"(?<![\w.,$€£¥₹-])(?<!\b[Aa] )(?<!\b[Aa]n )({_NUMBER})(k|K|M|B|bn)"
                           rf"(?:\s?[-–]\s?(?P<last>{_NUMBER})(?P<suffix>k|K|M|B|bn))?(?!\w|\.\d){_COUNT_NEXT}")
_RESOLUTIONS = frozenset({"4K", "8K"})
_LABEL_BEFORE = lazy_compile(r"(?:\b(?i:apartment|apt|suite|ste|unit|seat|gate|room|rm|row|flat|floor|level|section|"
                             r"terminal|bay|dock|platform|box|building|bldg|lot|aisle|pier|stand|hall|block|zone|ward|"
                             r"bed|cabin|deck|line|part|step|item|question|chapter|page|figure|table|appendix|channel|"
                             r"option|plan|tier|form|schedule|model|type|size|no)\.?|#)\s*$")
_CODE_BEFORE = lazy_compile(r"\b([A-Z]{3})\s?$")  # "USD 3B": an amount, money.py's
_PLACE_BEFORE = lazy_compile(r"\b(?i:in|at|into|near)\s$")
_NUMERONYM = lazy_compile(r"(?<![\w./@-])([A-Za-z])([3-9]|[12]\d)([a-z])(?![\w-]|\.\w)")
# Product lines whose models are named by a number, or a letter and a number ("iPhone 15s", "Moto G7s").
_PRODUCT_LINE = r"(?:iPhone|iPad|iPod|Galaxy|Pixel|Moto|Nexus|Xperia|Lumia|Redmi|Nokia|OnePlus|Surface)"
# A number of one or two digits: "A320s", "RTX 3090s" are plurals (models.py).
_MODEL = lazy_compile(rf"(?:(?P<line>\b{_PRODUCT_LINE} )(?P<series>[A-Z]?)|(?<![\w./@-])(?P<letter>[A-Z])(?=\d\d))"
                      r"(?P<n>\d{1,2})s(?![\w'-]|\.\w)")
HINT = lazy_compile(rf"\d(?:[kKMB]|bn)(?!\w)|[A-Za-z]\d{{1,2}}[a-z]\b|\d\ds\b|{_PRODUCT_LINE} [A-Z]?\ds\b")


def _multiplied(m: re.Match[str], lang: Lang) -> str:
    written, suffix = m.group(1), m.group(2)
    before = m.string[max(0, m.start() - 16):m.start()]
    if written + suffix in _RESOLUTIONS or PLAN_SHORT.fullmatch(written + suffix) or _LABEL_BEFORE.search(before):
        return m.group(0)
    code = _CODE_BEFORE.search(before)
    if code and code.group(1) in lang.currencies:
        return m.group(0)
    if m.group("end") is not None and suffix in "KMB" and "." not in written and _PLACE_BEFORE.search(before):
        return m.group(0)  # "she is in 4B.": a place
    words = f"{say(written, lang)} {_MULTIPLIERS[suffix]}"
    if m.group("last"):
        words += f" to {say(m.group('last'), lang)} {_MULTIPLIERS[m.group('suffix')]}"
    return words


def _numeronym(m: re.Match[str], lang: Lang) -> str:
    first, count, last = m.groups()
    words = cardinal(int(count), lang)
    if last == "s":  # "k8s": "K eights"
        return f"{first.upper()} {plural(words)}"
    return f"{first.upper()} {words} {last.upper()}"


def _model(m: re.Match[str], lang: Lang) -> str:
    letter = m.group("series") or m.group("letter")  # "Galaxy A10s", "A10s"; "iPhone 15s" has none
    said = f"{cardinal(int(m.group('n')), lang)} S"
    return (m.group("line") or "") + (f"{letter} {said}" if letter else said)


def replace_shorthand(text: str, lang: Lang) -> str:
    """`text` with the shorthand of the module docstring said (English only)."""
    if lang.code != "en" or not HINT.search(text):
        return text
    if "s" in text:
        text = _MODEL.sub(lambda m: _model(m, lang), text)
    text = _MULTIPLIED.sub(lambda m: _multiplied(m, lang), text)
    return _NUMERONYM.sub(lambda m: _numeronym(m, lang), text)
