"""Masked numbers, as a card or an account is shown to its owner: "****1234", "XXX-XX-1234",
"xxxx-xxxx-xxxx-9876", "•••• 1234". Only the visible digits are said, one by one, after the
language's "ending in": "Card ****1234" -> "Card ending in one two three four" (was "star star star
star one two three four"); after a word that already says so ("ending in ****1234") the digits alone."""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import digit_words

# Runs of one mask character, a space or hyphen between runs: no run can be split two ways, so a long
# run that is no mask ("XXXX...X") fails fast (an optional separator between runs was exponential); runs
# are bounded, as masks are ("xxxx-xxxx-xxxx-1234"), so a long text of them costs linear time.
_RUN = r"(?:\*{1,16}+|•{1,16}+|X{1,16}+|x{1,16}+)"
_MASKED = lazy_compile(rf"(?<![\w*•#])(?P<mask>{_RUN}(?:[ -]{_RUN}){{0,4}}+)[ -]?(?P<digits>\d{{2,6}})(?![\w-]|[.,]\d)")
HINT = lazy_compile(r"\*\*|••|XX|xx")
_ENDING = {"en": "ending in", "es": "terminada en", "de": "endend auf", "fr": "se terminant par"}
# A word before the mask that already says the digits end the number: "ending in", "terminada en".
_SAID_BEFORE = lazy_compile(r"(?i:\b(?:ending(?: in)?|ends in|ending with|last (?:four|4)(?: digits)?|"
                            r"terminad[ao] en|termina en|endend auf|endet auf|terminant par|termine par))[ :]*$")


def replace_masked(text: str, lang: Lang) -> str:
    def repl(m: re.Match[str]) -> str:
        if sum(c in "*•Xx" for c in m.group("mask")) < 3:
            return m.group(0)
        digits = digit_words(m.group("digits"), lang)
        if _SAID_BEFORE.search(m.string, max(0, m.start() - 30), m.start()):
            return digits
        return f"{_ENDING.get(lang.code, _ENDING['en'])} {digits}"

    return _MASKED.sub(repl, text)
