"""Text as a person reads it aloud: URLs, e-mail addresses, emoji and icon shortcodes, and a final
scrub that guarantees no markup sequence reaches the spoken text, whatever the input.

Every string a Markdown document contributes to speech passes through `spoken()` last.
"""

from __future__ import annotations

import re
import unicodedata

from .langdata import COMPARISONS
from .lazy_re import lazy_compile
from .normalize import canonical
from .web import is_web_host

# Sequences that are markup in some dialect and never speech (issue 11): the scrub removes every one.
MARKUP_SEQUENCES = ("!!!", ":::", "{{", "}}", "{%", "%}", "[!", "](", "://", "<", "`")

_URL = lazy_compile(r"\b(?:[A-Za-z][A-Za-z0-9+.\-]{1,15}://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}]")
_MAILTO = lazy_compile(r"\bmailto:", re.I)
_EMAIL = lazy_compile(r"\b[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+\b")
_HOST = lazy_compile(r"\A(?:[A-Za-z][A-Za-z0-9+.\-]*://)?(?:[^@/?#\s]*@)?(?:www\.)?([^/?#:\s]+)(?::(\d{1,5})(?!\d))?")
_LOCAL = lazy_compile(r"localhost|\d{1,3}(?:\.\d{1,3}){3}")
# `:smile:`, `:+1:`, `:octicons-file-code-24:`: not inside words, times (10:30:45) or paths (std::io::Read).
_SHORTCODE = lazy_compile(r"(?<![\w:]):([a-z0-9_+\-]{1,60}):(?![\w:])")
_ICON_SETS = ("material-", "octicons-", "fontawesome-", "simple-", "twemoji-")
_TAG = lazy_compile(r"</?[A-Za-z][^<>\n]{0,300}>")
_LINK_SYNTAX = lazy_compile(r"!?\[([^\[\]\n]{0,500})\]\([^()\n]{0,2000}\)")
_TEMPLATE_REMNANT = lazy_compile(r"\{\{[^{}\n]{0,300}\}\}|\{%[^{}\n]{0,300}%\}")
_SPACE = lazy_compile(r"\s+")
_SPACE_BEFORE_PUNCT = lazy_compile(r" (?=[.,;:!?](?: |\Z))")  # left where a dropped emoji or tag was
# A `<` between spaces is a comparison: said here, as no `<` may pass the scrub (the words are English's:
# the scrub runs before the language is known). `>`, `>=`, `≤`, `≥`, `≠`, `!=` are no markup: they stay
# as written and are said in the book's language by the normaliser (spoken.replace_comparisons).
_LESS_THAN = lazy_compile(r"(?<=\s)<=?(?=\s)")
_LESS_THAN_WORDS = {"<": COMPARISONS["en"]["<"], "<=": COMPARISONS["en"]["≤"]}
# Pictographs, dingbats, symbols, flags, skin tones, keycaps and tag characters; joiners and selectors.
_EMOJI = lazy_compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u3030\u303D\u3297\u3299"
                      "\U000E0020-\U000E007F\uFE0E\uFE0F\u200D\u20E3]+")


def _host_words(host: str) -> str:
    return " dot ".join(p for p in host.strip(".").split(".") if p)


def say_url(url: str) -> str:
    """`https://www.example.org/docs?x=1` -> "example.org": the host, as people say it. A host with a
    common top-level domain is left for the normaliser to say in the book's language (text/web.py:
    "example dot org", "ejemplo punto org"); any other is said here: "docs dot rs". A local server
    keeps its port, which is what names it ("localhost:8080", said "localhost port eighty eighty" by
    text/web.py); a site's port and path are not said, as its path is not."""
    m = _HOST.match(url)
    if not m or not m.group(1):
        return ""
    host, port = m.group(1), m.group(2)
    if port and _LOCAL.fullmatch(host):
        return f"{host}:{port}"
    return host if is_web_host(host) else _host_words(host)


def say_email(address: str) -> str:
    """`help.desk@example.org` kept for the normaliser (as say_url); on another domain "help dot desk
    at example dot rs"."""
    local, _, domain = address.partition("@")
    return address if is_web_host(domain) else f"{_host_words(local)} at {_host_words(domain)}"


def _emoji_names(match: re.Match[str]) -> str:
    names = []
    for ch in match.group(0):
        if unicodedata.category(ch) == "So":
            names.append(unicodedata.name(ch, "").lower())
    return " " + " ".join(n for n in names if n) + " "


_SHORTCODE_NAMES = {"+1": "thumbs up", "-1": "thumbs down", "100": "hundred points"}


def _shortcode(match: re.Match[str], keep_names: bool) -> str:
    code = match.group(1)
    if not keep_names or code.startswith(_ICON_SETS):
        return " "
    return " " + _SHORTCODE_NAMES.get(code, code.replace("_", " ").replace("-", " ").replace("+", " ")).strip() + " "


# Inline marks of Markdown extensions that markdown-it leaves as text (pymdownx's ==mark==, ^^insert^^,
# ++ctrl+alt+del++, ~sub~ and ^sup^, Pandoc's ~sub~ and ^sup^, GFM's single-tilde strikethrough): the
# marks go, the text stays; a numeric superscript stays an exponent (`10^6^` -> `10^6`, said by the
# normaliser as "ten to the power of six").
_PAIRED_MARKS = lazy_compile(r"(==|\^\^|\+\+)(?=[^\s=^+])([^\n]{1,200}?)(?<=[^\s=^+])\1")
_SUB = lazy_compile(r"(?<!~)~([^\s~]{1,40})~(?!~)")
_SUP = lazy_compile(r"(?<!\^)\^([^\s^]{1,40})\^(?!\^)")


def _unmarked(text: str) -> str:
    if "==" in text or "^^" in text or "++" in text:
        text = _PAIRED_MARKS.sub(r"\2", text)
    if "~" in text:
        text = _SUB.sub(r"\1", text)
    if "^" in text:
        text = _SUP.sub(lambda m: "^" + m.group(1) if m.group(1).isdigit() else m.group(1), text)
    return text


def spoken(text: str, *, emoji: str = "drop") -> str:
    """One block's text made speakable: links still in Markdown syntax keep their text, URLs and
    e-mail addresses are said as hosts and addresses, emoji are dropped (or named: `emoji="name"`),
    extensions' inline marks are dropped (`_PAIRED_MARKS`), and every sequence in MARKUP_SEQUENCES is
    removed; runs of white space become one space."""
    if "](" in text:
        text = _LINK_SYNTAX.sub(r"\1", text)
    if "{" in text:
        text = _TEMPLATE_REMNANT.sub(" ", text)
    if "<" in text:
        text = _TAG.sub(" ", text)
        text = _LESS_THAN.sub(lambda m: _LESS_THAN_WORDS[m.group(0)], text)
    if "@" in text or "//" in text or "www." in text:
        text = _MAILTO.sub("", text)
        text = _URL.sub(lambda m: " " + say_url(m.group(0)) + " ", text)
        text = _EMAIL.sub(lambda m: say_email(m.group(0)), text)
    if ":" in text:
        keep = emoji == "name"
        text = _SHORTCODE.sub(lambda m: _shortcode(m, keep), text)
    text = _unmarked(text)
    if not text.isascii():
        text = _EMOJI.sub(_emoji_names if emoji == "name" else (lambda m: " "), text)
    # Scrubbed again after the spaces before punctuation go: ":: :" would otherwise join into ":::".
    return _SPACE.sub(" ", scrub(_SPACE_BEFORE_PUNCT.sub("", _SPACE.sub(" ", scrub(text)))))


# The markup sequences a caption never shows either; `<`, `` ` `` and `://` are text as written there
# (a comparison, a code span's content, a URL), escaped by the caption writer (package.transcripts).
_STRUCTURE = tuple(seq for seq in MARKUP_SEQUENCES if seq not in ("<", "`", "://"))


def shown(text: str) -> str:
    """One block's text as a caption shows it: as written, but for the markup `spoken` also removes
    (link syntax kept as its text, template remnants, emoji and icon shortcodes, extensions' inline
    marks, `_STRUCTURE`), canonical; comparisons, URLs, e-mail addresses, emoji and code stay as written."""
    if "](" in text:
        text = _LINK_SYNTAX.sub(r"\1", text)
    if "{" in text:
        text = _TEMPLATE_REMNANT.sub(" ", text)
    if ":" in text:
        text = _SHORTCODE.sub(" ", text)
    text = _unmarked(text)
    for _ in range(8):  # bounded as scrub(): a space between two halves joins no new sequence
        if not any(seq in text for seq in _STRUCTURE):
            break
        for seq in _STRUCTURE:
            text = text.replace(seq, " ")
    # Canonical as the spoken text is (NFC, plain quotes, no control or format character: an ESC
    # or a bidi override never reaches a caption).
    return canonical(_SPACE_BEFORE_PUNCT.sub("", _SPACE.sub(" ", text)))


def scrub(text: str) -> str:
    """Remove every MARKUP_SEQUENCES item. Replacing with a space cannot join two halves into a new
    sequence, so the loop ends after at most a few passes (bounded anyway)."""
    for _ in range(8):
        if not any(seq in text for seq in MARKUP_SEQUENCES):
            return text
        for seq in MARKUP_SEQUENCES:
            text = text.replace(seq, " ")
    return text  # pragma: no cover - unreachable: each pass removes every sequence it sees
