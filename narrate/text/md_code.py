"""Inline code as a listener needs to hear it (`x`, `cargo build` and `std::io` are read as written).

Two kinds of code span lose their meaning when read as prose, so they are said here, in English
like the front-end's other words ("Code example omitted.", "less than"):
- a span of symbols only: a listener hears nothing for `[]` or `>`, and "and" for `&`; it is named
  ("square brackets", "greater-than sign", "ampersand"): known operators whole, others sign by sign;
- in code, `&` is never the word "and" (`&mut s`, `&String`): "ampersand"; a type's angle brackets
  (`Vec<T>`, `Result<T, E>`, `HashMap<K, V>`) are read "Vec of T", as programmers say them, where
  their `<` and `>` would have been dropped as markup.
"""

from __future__ import annotations

import re

from .lazy_re import lazy_compile

# Whole spans people name as one thing.
OPERATORS = {
    "[]": "square brackets",
    "{}": "curly braces",
    "()": "parentheses",
    "<>": "angle brackets",
    "::": "double colon",
    "//": "double slash",
    "/*": "slash asterisk",
    "*/": "asterisk slash",
    "&&": "double ampersand",
    "||": "double vertical bar",
    "==": "double equals",
    "===": "triple equals",
    "!=": "not equals",
    "<=": "less than or equal to",
    ">=": "greater than or equal to",
    "->": "arrow",
    "=>": "fat arrow",
    "+=": "plus equals",
    "-=": "minus equals",
    "*=": "times equals",
    "/=": "divide equals",
    "..": "double dot",
    "...": "three dots",
    "..=": "dot dot equals",
    "--": "double hyphen",
    "++": "double plus",
    "<<": "double less-than",
    ">>": "double greater-than",
    "#!": "hash bang",
    "?.": "question mark dot",
}
SIGNS = {
    "!": "exclamation mark",
    '"': "double quote",
    "#": "hash",
    "$": "dollar sign",
    "%": "percent sign",
    "&": "ampersand",
    "'": "single quote",
    "(": "opening parenthesis",
    ")": "closing parenthesis",
    "*": "asterisk",
    "+": "plus sign",
    ",": "comma",
    "-": "hyphen",
    ".": "dot",
    "/": "slash",
    ":": "colon",
    ";": "semicolon",
    "<": "less-than sign",
    "=": "equals sign",
    ">": "greater-than sign",
    "?": "question mark",
    "@": "at sign",
    "[": "opening square bracket",
    "\\": "backslash",
    "]": "closing square bracket",
    "^": "caret",
    "_": "underscore",
    "`": "backtick",
    "{": "opening curly brace",
    "|": "vertical bar",
    "}": "closing curly brace",
    "~": "tilde",
}
_SYMBOLS_ONLY = lazy_compile(r"[!-/:-@\[-`{-~]{1,12}")
# Said names of symbols (the values above), whose article is fixed by agree_article.
_NAMED_SYMBOL = lazy_compile("|".join(re.escape(n) for n in sorted({*OPERATORS.values(), *SIGNS.values()},
                                                                 key=len, reverse=True)) + r"\b")
_GENERIC = lazy_compile(r"(?<=\w)<([\w&'*\[\]\s,:]{1,80})>")  # Vec<T>, Result<T, E>, Option<&'a str>
_AMPERSAND = lazy_compile(r"(?<!&)&(?!&)\s*")
_ANGLE = lazy_compile(r"<(?=\S)(?!=\s)|(?<=\S)>")  # a `<` or `>` between spaces is a comparison, said later


def named_before(before: str, code: str) -> bool:
    """Whether the words just before a span of symbols already name it: "the double colon `::` operator"
    says "double colon" once (it was "double colon double colon"), "a semicolon `;`", "the dollar `$`"."""
    text = code.strip()
    if not _SYMBOLS_ONLY.fullmatch(text):
        return False
    name = (OPERATORS.get(text) or " ".join(SIGNS[c] for c in text)).replace("-", " ")
    tail = re.sub(r"[\s-]+", " ", before[-60:]).rstrip().lower()
    short = re.sub(r" (?:sign|mark)$", "", name)
    return any(tail == n or tail.endswith(" " + n) for n in {name, short})


_ARTICLE = lazy_compile(r"(?<![^\s(\"'])([Aa])(n?) $")


def agree_article(before: str, said: str) -> str:
    """ "a" or "an" before a span of symbols as its name is said: "using a `!`" is "using an exclamation
    mark" (was "a exclamation mark"), "an `#`" "a hash"."""
    m = _ARTICLE.search(before)
    if m is None or not said or not _NAMED_SYMBOL.match(said):
        return before
    article = m.group(1) + ("n" if said[0].lower() in "aeiou" else "")
    return before[:m.start()] + article + " "


def code_words(code: str) -> str:
    """An inline code span's text as it is read (see the module docstring); other spans unchanged
    but for `<` and `>`, which are never spoken as markup."""
    text = code.strip()
    if _SYMBOLS_ONLY.fullmatch(text):
        return OPERATORS.get(text) or " ".join(SIGNS[c] for c in text)
    if "<" in code:
        for _ in range(4):  # nested generics, innermost first: HashMap<String, Vec<u8>>
            code, n = _GENERIC.subn(lambda m: f" of {m.group(1)} ", code)
            if not n:
                break
    if "&" in code:
        code = _AMPERSAND.sub(lambda m: (" " if m.start() and code[m.start() - 1].isalnum() else "") + "ampersand ", code)
    return _ANGLE.sub(" ", code) if "<" in code or ">" in code else code
