"""Warnings about a library's texts that are allowed but probably wrong, and what a policy did.

Pure: a resolved library in, located warnings out (never errors: a translator may have a reason).

- Numbers and placeholders: the languages of one prompt should say the same numbers ("press 5" in
  English, "oprima 6" in Spanish is a bug a listener cannot see). Numbers are compared as values
  after mapping every Unicode decimal digit to ASCII (Arabic-Indic "٥" is 5) and joining
  thousands groups ("1,000", "1.000", "1 000" are 1000); markup (`<break 300ms>`) is not text.
  Numbers spelled in words are not compared.
- Untranslated: a text identical (ignoring case and spacing) to another language's, when the two
  differ in their primary language (en-US and en-GB may well agree) and the text is long enough
  to be a sentence (MIN_UNTRANSLATED_WORDS words and MIN_UNTRANSLATED_LETTERS letters: "Taxi",
  "OK" or a brand name legitimately stay as they are).
- Length: a language LENGTH_RATIO times as long as every other one, when the others are at least
  LENGTH_MIN_CHARS long. IBM's "Designing for translation" expansion table (globalization
  guidelines) allows 180-200 % for 11-20 characters, 160-180 % for 21-30, 130 % beyond 70; twice
  the length past 20 characters is more than translation explains (an extra sentence, a wrong
  paste). East Asian wide characters count as WIDE_WEIGHT each: a Chinese or Japanese text takes
  about a third of the characters of its English (a rule of thumb of localisation practice).
- Fallbacks: each prompt spoken with another language's text under `missing_translation: fallback`.
- Windows: a prompt name that cannot be a path on Windows (a reserved device name such as CON or
  COM1 as a segment, with or without an extension; one of `<>:"|?*`; a folder segment ending in a
  dot or a space; Microsoft's "Naming Files, Paths, and Namespaces"). Linux writes it, but a Windows
  checkout, archive extraction or IVR server (several contact centre platforms run on Windows)
  cannot hold the file.

A prompt whose languages differ on purpose (a language menu: "For English, press 1" / "Para
español, oprima 2") says `compare_languages: false` and gets none of the first three.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..errors import Problem, shown
from .resolved import Library, PromptText

MIN_UNTRANSLATED_WORDS = 3
MIN_UNTRANSLATED_LETTERS = 10
LENGTH_RATIO = 2.0
LENGTH_MIN_CHARS = 20
WIDE_WEIGHT = 3
_NOT_ON_WINDOWS = re.compile(r'(?i)(?:^|/)(?P<device>con|prn|aux|nul|com[1-9\u00b9\u00b2\u00b3]|lpt[1-9\u00b9\u00b2\u00b3])'
                             r'(?:\.[^/]*)?(?:/|$)|(?P<char>[<>:"|?*])|(?P<end>[. ])/')

_MARKUP = re.compile(r"<[^<>]*>")
# {name}, {{name}}, {0}, %s, %d, %(name)s, ${name}, $name: the usual template placeholders.
_PLACEHOLDER = re.compile(r"\{\{[^{}\s]+\}\}|\{[^{}\s]+\}|%\([A-Za-z_]\w*\)[sdif]|%[sdif]|\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*")
# A number: thousands groups joined by one , . space, no-break space or apostrophe, else a digit run.
_NUMBER = re.compile(r"\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+(?!\d)|\d+")
_WORD = re.compile(r"[^\W\d_]+")


_DIGIT = re.compile(r"\d")
_SIGIL = re.compile(r"[{%$]")


_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # a decimal digit of another script: ٥ ५ ５


def _ascii_digits(text: str) -> str:
    return _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


def _unmarked(text: str) -> str:
    return _MARKUP.sub(" ", text) if "<" in text else text


def _placeholder_list(text: str) -> tuple[str, ...]:
    return tuple(sorted(_PLACEHOLDER.findall(_unmarked(text)))) if _SIGIL.search(text) else ()


def _number_list(text: str) -> tuple[int, ...]:
    if not _DIGIT.search(text):
        return ()
    plain = _unmarked(text)
    if _SIGIL.search(plain):
        plain = _PLACEHOLDER.sub(" ", plain)
    return tuple(sorted(int(re.sub(r"\D", "", m)) for m in _NUMBER.findall(_ascii_digits(plain))))


# A time on the 12-hour clock ("5 PM", "5:30 p.m."): its hour may be written 17 in a language that uses
# the 24-hour clock ("17 h"), so such a text's numbers are compared both ways.
_TWELVE_HOUR = re.compile(r"\b(1[0-2]|0?[1-9])(?=(?::[0-5]\d)?\s?([AaPp])\.?[Mm]\.?(?!\w))")


def _number_readings(text: str) -> set[tuple[int, ...]]:
    """The text's numbers as written and, if it has 12-hour times, with their hours on the 24-hour clock."""
    readings = {_number_list(text)}
    if _TWELVE_HOUR.search(text):
        def hour24(m: re.Match[str]) -> str:
            hour = int(m.group(1)) % 12
            return str(hour + 12 if m.group(2) in "Pp" else hour)
        readings.add(_number_list(_TWELVE_HOUR.sub(hour24, text)))
    return readings


def placeholders(text: str) -> Counter[str]:
    """The template placeholders of a text, counted: "{n} of {m}" -> {"{n}": 1, "{m}": 1}."""
    return Counter(_placeholder_list(text))


def numbers(text: str) -> Counter[int]:
    """The numbers a text writes in digits, as values: "Press ٥ or 1,000" -> {5: 1, 1000: 1}."""
    return Counter(_number_list(text))


def weighted_length(text: str) -> int:
    """Characters of the words said (markup left out), wide East Asian characters counted WIDE_WEIGHT times."""
    plain = " ".join(_unmarked(text).split())
    if plain.isascii():
        return len(plain)
    # U+1100 is the first wide character (Hangul Jamo): below it nothing is wide.
    wide = sum(1 for ch in plain if ch >= "\u1100" and unicodedata.east_asian_width(ch) in "WF")
    return len(plain) + (WIDE_WEIGHT - 1) * wide


def _folded(text: str) -> str:
    return " ".join(_unmarked(text).casefold().split())


def _sentence(folded: str) -> bool:
    words = _WORD.findall(folded)
    return len(words) >= MIN_UNTRANSLATED_WORDS and sum(map(len, words)) >= MIN_UNTRANSLATED_LETTERS


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].casefold()


def _groups(values: dict[str, tuple[Any, ...]]) -> str:
    """"5 in en-US; 6 in es-ES, fr-FR": languages grouped by equal values, in manifest order."""
    by_value: dict[str, list[str]] = {}
    for code, value in values.items():
        by_value.setdefault(", ".join(map(str, value)) or "none", []).append(code)
    return "; ".join(f"{shown} in {', '.join(codes)}" for shown, codes in by_value.items())


def prompt_warnings(texts: dict[str, str]) -> list[tuple[str | None, str]]:
    """(language or None for the whole prompt, message) for one prompt's texts by language."""
    out: list[tuple[str | None, str]] = []
    if len(texts) < 2:
        return out
    counted = {code: _number_list(t) for code, t in texts.items()}
    if len(set(counted.values())) > 1 and not set.intersection(*(_number_readings(t) for t in texts.values())):
        out.append((None, f"the languages disagree on numbers: {_groups(counted)}"))
    marks = {code: _placeholder_list(t) for code, t in texts.items()}
    if len(set(marks.values())) > 1:
        out.append((None, f"the languages disagree on placeholders: {_groups(marks)}"))
    seen: dict[str, str] = {}
    for code, text in texts.items():
        folded = _folded(text)
        other = seen.setdefault(folded, code)
        if other != code and _primary(other) != _primary(code) and _sentence(folded):
            out.append((code, f"same text as {other}: untranslated?"))
    lengths = {code: weighted_length(t) for code, t in texts.items()}
    for code, n in lengths.items():
        longest_other = max(v for c, v in lengths.items() if c != code)
        if longest_other >= LENGTH_MIN_CHARS and n >= LENGTH_RATIO * longest_other:
            out.append((code, f"{n / longest_other:.1f} times as long as any other language "
                              f"({n} characters, {longest_other} at most in the others): an extra sentence or a wrong text?"))
    return out


def library_warnings(lib: Library, file: str, language_line: Callable[[str], int | None] = lambda code: None
                     ) -> list[Problem]:
    """Consistency warnings for every prompt of `lib` written in two languages or more (fallback
    copies left out), then one per fallback; each located at the prompt's line in `file`. Language
    folders Windows cannot hold are warned at `language_line(code)`."""
    written: dict[str, dict[str, PromptText]] = {}
    for p in lib.prompts:
        if p.fallback_from is None:
            written.setdefault(p.name, {})[p.language] = p
    problems: list[Problem] = []
    for name, by_lang in written.items():
        if len(by_lang) < 2:  # one text: nothing to compare (prompt_warnings says nothing), no call made
            continue
        first = next(iter(by_lang.values()))
        if not first.compare_languages:
            continue
        for code, message in prompt_warnings({code: p.text for code, p in by_lang.items()}):
            where = f"libraries.{lib.name}.prompts.{name}" + (f".{code}" if code else "")
            problems.append(Problem(file, (by_lang[code] if code else first).line, where, message))
    for code, lang in lib.languages.items():  # every prompt's file lies in its language's folder
        if reason := windows_problem(lang.path + "/"):
            problems.append(Problem(file, language_line(code), f"libraries.{lib.name}.languages.{code}.path",
                                    f"{shown(repr(lang.path))} is not a folder name on Windows ({reason}): a Windows "
                                    "checkout or IVR server cannot hold its files"))
    # One search over every name joined by "/" finds a problem any name has (a "/" bounds a segment as a
    # name's ends do; no name holds a newline, which `$` would match before): then name by name.
    joined = "/".join(written)
    for name, by_lang in written.items() if "\n" in joined or _NOT_ON_WINDOWS.search(joined) else ():
        reason = windows_problem(name)
        if reason:
            problems.append(Problem(file, next(iter(by_lang.values())).line, f"libraries.{lib.name}.prompts.{name}",
                                    f"not a file name on Windows ({reason}): a Windows checkout or IVR server cannot "
                                    "hold its files"))
    for p in fallbacks(lib):
        problems.append(Problem(file, p.line, f"libraries.{lib.name}.prompts.{p.name}.{p.language}",
                                f"no {p.language} text: says the {p.fallback_from} text with the {p.language} voice "
                                "(missing_translation: fallback)"))
    return problems


def fallbacks(lib: Library) -> list[PromptText]:
    """The prompts of `lib` that borrow another language's text, in manifest order."""
    return [p for p in lib.prompts if p.fallback_from is not None]


def windows_problem(name: str) -> str | None:
    """Why the prompt name `name` (segments joined by /) cannot be a path on Windows, or None."""
    m = _NOT_ON_WINDOWS.search(name)
    if m is None:
        return None
    if m.group("device"):
        return f"{m.group('device').upper()} is a reserved device name"
    if m.group("char"):
        return f"{m.group('char')!r} is not allowed"
    return "a folder name may not end in a dot or a space"
