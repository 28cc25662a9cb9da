"""Numbers with two dots or more that are neither dates nor grouped thousands: version numbers
("2.0.1": "two point zero point one", was "two point zero.one") and IPv4 addresses
("192.168.1.1": "one hundred ninety-two dot one hundred sixty-eight dot one dot one"). A number
with one dot after "version" or a product that is versioned ("Python 3.11", "Rust 1.85") is a
version too, read the same way ("three point eleven", not the decimal "three point one one").

Runs after dates ("1.5.2024" in German) and before plain numbers; a run whose parts after the
first are all three digits is a grouped number where the language groups with a dot ("1.234.567"
in German and Spanish) and is left to the number pass.
"""

from __future__ import annotations

import re
from functools import cache

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import cardinal, digit_words

# (version separator, address separator) as said in each language.
_WORDS = {"en": ("point", "dot"), "es": ("punto", "punto"), "de": ("Punkt", "Punkt"), "fr": ("point", "point")}
_DOTTED = lazy_compile(r"(?<![\w.,])\d+(?:\.\d+){2,}(?![\w]|\.\d)")


# Words after which "N.NN" is a version, as written (case matters: "Go 1.22", not "go 1.25 miles").
VERSION_CUES = {
    "en": ("version", "Version", "release", "Release"), "es": ("versión", "Versión"),
    "de": ("Version", "Release"), "fr": ("version", "Version"),
}
PRODUCTS = ("Python", "Rust", "Node", "Node.js", "Ruby", "PHP", "Perl", "Java", "Kotlin", "Swift", "Go", "GCC", "Clang",
            "LLVM", "iOS", "macOS", "Android", "Ubuntu", "Debian", "Cargo", "npm", "pip", "rustc", "Django", "Rails")


@cache
def _version_pattern(code: str) -> re.Pattern[str]:
    cues = "|".join(re.escape(c) for c in (*VERSION_CUES.get(code, ()), *PRODUCTS))
    return re.compile(rf"(?<![\w.])((?:{cues}) )(\d+\.\d+)(?![\w]|[.,]\d)")


def replace_versions(text: str, lang: Lang) -> str:
    """`Python 3.11` -> "Python three point eleven": one dot after a version cue (VERSION_CUES, PRODUCTS)."""
    if lang.code not in _WORDS:
        return text
    return _version_pattern(lang.code).sub(lambda m: m.group(1) + say_dotted(m.group(2), lang), text)


def _address(parts: list[str]) -> bool:
    return len(parts) == 4 and all(len(p) <= 3 and int(p) <= 255 for p in parts)


def say_dotted(written: str, lang: Lang) -> str:
    """A version number or an address, part by part: "2.0.1" -> "two point zero point one"; a part
    with a leading zero ("2.05.1") digit by digit."""
    parts = written.split(".")
    version_word, address_word = _WORDS[lang.code]
    word = address_word if _address(parts) else version_word
    return f" {word} ".join(cardinal(int(p), lang) if p == str(int(p)) else digit_words(p, lang) for p in parts)


def replace_dotted(text: str, lang: Lang) -> str:
    """`text` with each version number and IPv4 address in words (module docstring)."""

    def repl(m: re.Match[str]) -> str:
        parts = m.group(0).split(".")
        if lang.group == "." and len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]):
            return m.group(0)  # 1.234.567: thousands
        return say_dotted(m.group(0), lang)

    return _DOTTED.sub(repl, text)
