"""Web and e-mail addresses in prompts, said the way a caller writes them down: "www.example.com/help"
-> "w w w dot example dot com slash help", "support@example.com" -> "support at example dot com",
Spanish "ayuda@ejemplo.mx" -> "ayuda arroba ejemplo punto mx". They were left to the engine, which may
read "example.com" as one word or spell the whole address.

A web address is one with a scheme (`https://`, dropped), with `www.`, or a host ending in a common
top-level domain (so "Node.js", "config.yaml" and "e.g." are none); a dot after it ends the sentence.
Markdown books say a link's host only (text/md_speech.py, which leaves such a host to this pass): a
caller needs the whole address, a reader of an article the site.
"""

from __future__ import annotations

import re

from .langdata import Lang

# language -> (at, dot, slash, dash, underscore)
_WORDS = {
    "en": ("at", "dot", "slash", "dash", "underscore"),
    "es": ("arroba", "punto", "barra", "guion", "guion bajo"),
    "de": ("ät", "Punkt", "Schrägstrich", "Bindestrich", "Unterstrich"),  # "ät": how Germans say @
    "fr": ("arobase", "point", "slash", "tiret", "tiret bas"),
}
# No "mil" or "int": a number said in words may end in one ("a.m.1212" -> "a.m.mil doscientos doce").
_TLD = (r"(?i:com|org|net|gov|edu|info|biz|io|co|app|dev|ai|me|tv|us|uk|ca|au|nz|ie|de|at|ch|fr|be|lu|"
        r"es|mx|ar|cl|pe|br|pt|it|nl|eu|gob|gouv|online|store|shop|bank|health)")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"(?:{_LABEL}\.)+{_TLD}(?![\w-])"
_EMAIL = re.compile(rf"(?<![\w.@+-])([A-Za-z0-9._%+-]{{1,64}})@({_HOST})")
_WEB = re.compile(rf"(?<![\w.@/-])(?:https?://)?((?:www\.)?{_HOST})((?:/[\w%~+=&.-]*)*)([?#][^\s]*)?")
_TLD_HINT = re.compile(rf"\.{_TLD}\b")  # a literal first: the search skips ahead to each "."


_WEB_HOST = re.compile(rf"(?:www\.)?{_HOST}")


def is_web_host(host: str) -> bool:
    """Whether replace_web says `host` ("example.org", "www.gov.uk"; not "docs.rs", "localhost")."""
    return _WEB_HOST.fullmatch(host) is not None


def may_hold_address(text: str) -> bool:
    """A cheap test that replace_web may change `text`."""
    return "@" in text or "//" in text or "www." in text or _TLD_HINT.search(text) is not None


def replace_web(text: str, lang: Lang) -> str:
    """E-mail and web addresses in words (see the module docstring)."""
    at, dot, slash, dash, underscore = _WORDS.get(lang.code, _WORDS["en"])

    def name(part: str) -> str:
        part = part.replace("-", f" {dash} ").replace("_", f" {underscore} ")
        return f" {dot} ".join("w w w" if label.lower() == "www" else label for label in part.split(".") if label)

    def email(m: re.Match[str]) -> str:
        return f"{name(m.group(1))} {at} {name(m.group(2))}"

    def web(m: re.Match[str]) -> str:
        # A query or fragment is never said (no caller types "?id=1"); a dot after the address ends the sentence.
        path, written = m.group(2), m.group(2) + (m.group(3) or "")
        kept = written.rstrip(".,;:!?")
        tail, path = written[len(kept):], path[:len(kept)].rstrip("/")  # "example.com/": no "slash"
        said = name(m.group(1))
        for step in path.split("/")[1:]:
            said += f" {slash}" + (f" {name(step)}" if step else "")
        return said + tail

    if "@" in text:
        text = _EMAIL.sub(email, text)
    return _WEB.sub(web, text)
