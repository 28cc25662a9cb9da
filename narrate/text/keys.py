"""The telephone keypad's symbols said as callers know them: "Press # to repeat" is "Press pound to
repeat" in the US and "Press hash" in the UK, "Dial *67" is "Dial star six seven", "order #123"
is "order number 123". A TTS engine left to itself says "number sign", "asterisk" or nothing.

Rules, in order (a symbol touching a letter is left alone: "C#", "Price*", "#hashtag"):

- a keypad sequence, a token of digits with a `*` before or a `*`/`#` after ("*67", "*123#",
  "#31#", "**21*"), is said symbol by symbol and digit by digit;
- `#` before a number or a code that starts with capitals is the word for "number" ("#12345",
  "#A12345"; "No. 5" is left to the engine), as is one closing a label before a number ("Rx# 123");
- `*` between two numbers is multiplication ("5 * 3");
- a `#` standing alone before "is" or a colon is the word for "number" ("Your account # is");
- `*` or `**` around words is emphasis, as plain text borrows it from Markdown ("*every* caller", "a
  **human being**", "the *1st* time"): the marks go (were left to the engine, which may say "asterisk");
- a `#` or `*` standing alone is the key ("Press #", "the * key"), but one opening the text (a
  footnote's "* Terms apply", a heading's "# Intro" that reached the text) is left as written.

Key names: the ITU-T E.161 keypad's `*` and `#` as each language's telephone networks announce
them (North American "pound", British "hash"; Spain "almohadilla", Latin America "numeral").
"""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import digit_words

# (star, pound, "number", "times") by language; "pound" by region where it differs.
_WORDS = {
    "en": ("star", "pound", "number", "times"),
    "es": ("asterisco", "numeral", "número", "por"),
    "de": ("Stern", "Raute", "Nummer", "mal"),
    "fr": ("étoile", "dièse", "numéro", "fois"),
}
_POUND_BY_REGION = {
    ("en", region): "hash" for region in ("GB", "IE", "AU", "NZ", "IN", "ZA", "SG", "HK")
} | {("es", "ES"): "almohadilla"}

_SEQUENCE = lazy_compile(r"(?<![\w*#])(?:\*[\d*#]*\d[\d*#]*|#[\d*#]*\d[\d#]*[*#]+[\d*#]*)(?![\w*#])")
_NUMBER_SIGN = lazy_compile(r"(?<![\w&#])#(?=\d|[A-Z]{1,3}-?\d)")  # "#12345", "#A12345", "#AB-123"
_NUMBER_WORD_BEFORE = lazy_compile(r"(?i:number|no\.|nr\.|n\.?º|n°|número|nummer|numéro)(?:\s(?i:is|es|ist|lautet|est))?:?\s$")
_LABEL_SIGN = lazy_compile(r"(?<=[A-Za-z]{2})#(?=:? ?\d)")  # "Rx# 1234567", "Acct#: 123": the label's number
_VERB_NEXT = lazy_compile(r"\s?(?::|\s(?i:is|es|ist|lautet|est)\b)")  # "account # is 123": a noun, the number
_TIMES = lazy_compile(r"(?<=\d) \* (?=\d)")
# Words between the marks, maybe starting with a digit ("*1st* caller"), but at least one letter: "*5*" and
# "*67*" are keypad sequences. Marks left around a number would stay until the number is in words, and
# go only on a second reading (normalising would not be idempotent).
_EMPHASIS = lazy_compile(r"(?<![\w*])(\*\*?)(?=[^\W_])(?=[^*\n]{0,200}?[^\W\d_])([^*\n]{0,200}?[^\W_])\1(?![\w*])")
_LONE = lazy_compile(r"(?<!\S)[#*](?=$|[\s.,;:!?)\]])")


def _words(lang: Lang) -> tuple[str, str, str, str]:
    star, pound, number, times = _WORDS[lang.code]
    return star, _POUND_BY_REGION.get((lang.code, lang.region), pound), number, times


def replace_keys(text: str, lang: Lang) -> str:
    """`text` with its keypad symbols in words (see the module docstring). Pure; `lang.code` is one
    of en, es, de, fr."""
    star, pound, number, times = _words(lang)
    said = {"*": star, "#": pound}

    def sequence(m: re.Match[str]) -> str:
        return " ".join(said[c] if c in said else digit_words(c, lang) for c in m.group(0))

    if "*" in text:
        text = _EMPHASIS.sub(r"\2", text)
    text = _SEQUENCE.sub(sequence, text)
    # "order #123" is "order number 123"; "order number is #123" says "number" once.
    text = _NUMBER_SIGN.sub(lambda m: "" if _NUMBER_WORD_BEFORE.search(m.string, 0, m.start()) else f"{number} ", text)
    text = _LABEL_SIGN.sub(f" {number}", text)
    text = _TIMES.sub(f" {times} ", text)
    return _LONE.sub(lambda m: m.group(0) if m.start() == 0 else number if m.group(0) == "#" and _VERB_NEXT.match(
        m.string, m.end()) else said[m.group(0)], text)
