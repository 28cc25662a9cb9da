"""The telephone keypad's symbols said as callers know them: "Press # to repeat" is "Press pound to
repeat" in the US and "Press hash" in the UK, "Dial *67" is "Dial star six seven", "order #123"
is "order number 123". A TTS engine left to itself says "number sign", "asterisk" or nothing.

Rules, in order (a symbol touching a letter is left alone: "C#", "Price*", "#hashtag"):

- a keypad sequence, a token of digits with a `*` before or a `*`/`#` after ("*67", "*123#",
  "#31#", "**21*"), is said symbol by symbol and digit by digit;
- `#` before a number is the word for "number" ("#12345", "No. 5" is left to the engine);
- `*` between two numbers is multiplication ("5 * 3");
- a `#` or `*` standing alone is the key ("Press #", "the * key"), but one opening the text (a
  footnote's "* Terms apply", a heading's "# Intro" that reached the text) is left as written.

Key names: the ITU-T E.161 keypad's `*` and `#` as each language's telephone networks announce
them (North American "pound", British "hash"; Spain "almohadilla", Latin America "numeral").
"""

from __future__ import annotations

import re

from .langdata import Lang
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

_SEQUENCE = re.compile(r"(?<![\w*#])(?:\*[\d*#]*\d[\d*#]*|#[\d*#]*\d[\d#]*[*#]+[\d*#]*)(?![\w*#])")
_NUMBER_SIGN = re.compile(r"(?<![\w&#])#(?=\d)")
_TIMES = re.compile(r"(?<=\d) \* (?=\d)")
_LONE = re.compile(r"(?<!\S)[#*](?=$|[\s.,;:!?)\]])")


def _words(lang: Lang) -> tuple[str, str, str, str]:
    star, pound, number, times = _WORDS[lang.code]
    region = next((p.upper() for p in re.split(r"[-_]", lang.tag)[1:] if len(p) == 2), "")
    return star, _POUND_BY_REGION.get((lang.code, region), pound), number, times


def replace_keys(text: str, lang: Lang) -> str:
    """`text` with its keypad symbols in words (see the module docstring). Pure; `lang.code` is one
    of en, es, de, fr."""
    star, pound, number, times = _words(lang)
    said = {"*": star, "#": pound}

    def sequence(m: re.Match[str]) -> str:
        return " ".join(said[c] if c in said else digit_words(c, lang) for c in m.group(0))

    text = _SEQUENCE.sub(sequence, text)
    text = _NUMBER_SIGN.sub(f"{number} ", text)
    text = _TIMES.sub(f" {times} ", text)
    return _LONE.sub(lambda m: m.group(0) if m.start() == 0 else said[m.group(0)], text)
