"""Web and e-mail addresses in prompts, said the way a caller writes them down: "www.example.com/help"
-> "w w w dot example dot com slash help", "support@example.com" -> "support at example dot com",
Spanish "ayuda@ejemplo.mx" -> "ayuda arroba ejemplo punto mx". They were left to the engine, which may
read "example.com" as one word or spell the whole address.

A web address is one with a scheme (`https://`, dropped; then any host, "localhost" or an IPv4
address too), with `www.`, a host ending in a common top-level domain (so "Node.js", "config.yaml" and
"e.g." are none), or "localhost" or an IPv4 address with a port; a dot after it ends the sentence.
It is said whole: the host, its port ("port" and the number, as a port alone is said: English passes
`port` from technical.paired, "eighty eighty"), then each step of the path; the numbers in the host
and the path are said here, apart from the letters they touch ("/api/v1" "slash api slash v one",
"k8s.io" "k eight s dot io"). English says addresses before its technical notation
(technical.replace_technical), so no step of that pass reads a path's "v1" as a version or a port
as a count. A query or fragment is never said.
Markdown books say a link's host only (text/md_speech.py, which leaves such a host to this pass): a
caller needs the whole address, a reader of an article the site.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import number

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
_EMAIL = lazy_compile(rf"(?<![\w.@+-])([A-Za-z0-9._%+-]{{1,64}})@({_HOST})")
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_ANY_HOST = rf"localhost|{_IPV4}|{_LABEL}(?:\.{_LABEL})*"
_WEB = lazy_compile(rf"(?<![\w.@/-])(?:(?:https?|ftp|wss?)://({_ANY_HOST})|((?:www\.)?{_HOST}|(?:localhost|{_IPV4})(?=:\d)))"
                    r"(?::(\d{1,5})(?![\w:]|\.\d))?((?:/[\w%~+=&.-]*)*)([?#][^\s]*)?")
_PORT = {"en": "port", "es": "puerto", "de": "Port", "fr": "port"}
_DIGITS = lazy_compile(r"\d+")
_TLD_HINT = lazy_compile(rf"\.{_TLD}\b")  # a literal first: the search skips ahead to each "."


_WEB_HOST = lazy_compile(rf"(?:www\.)?{_HOST}")


def is_web_host(host: str) -> bool:
    """Whether replace_web says `host` ("example.org", "www.gov.uk"; not "docs.rs", "localhost")."""
    return _WEB_HOST.fullmatch(host) is not None


_PORT_HINT = lazy_compile(rf"(?:localhost|{_IPV4}):\d")


def may_hold_address(text: str) -> bool:
    """A cheap test that replace_web may change `text`."""
    return ("@" in text or "//" in text or "www." in text or _TLD_HINT.search(text) is not None
            or ":" in text and _PORT_HINT.search(text) is not None)


def replace_web(text: str, lang: Lang, port: Callable[[str], str] | None = None) -> str:
    """E-mail and web addresses in words (see the module docstring); `port` says a port's number
    (by default its digits, left to the number passes)."""
    at, dot, slash, dash, underscore = _WORDS.get(lang.code, _WORDS["en"])
    port_word = _PORT.get(lang.code, _PORT["en"])

    def name(part: str) -> str:
        part = part.replace("-", f" {dash} ").replace("_", f" {underscore} ")
        return f" {dot} ".join("w w w" if label.lower() == "www" else label for label in part.split(".") if label)

    def spelled(part: str) -> str:  # an address's numbers said here: "k8s" is no "8 s" (seconds) later
        return " ".join(_DIGITS.sub(lambda d: f" {number(d.group(0), None, lang)} ", name(part)).split())

    def email(m: re.Match[str]) -> str:
        return f"{name(m.group(1))} {at} {name(m.group(2))}"

    def web(m: re.Match[str]) -> str:
        host, digits = m.group(1) or m.group(2), m.group(3)
        if digits and int(digits) > 65535:
            return m.group(0)  # no port: left as written
        # A query or fragment is never said (no caller types "?id=1"); a dot after the address ends the sentence.
        path, written = m.group(4), m.group(4) + (m.group(5) or "")
        kept = written.rstrip(".,;:!?")
        tail, path = written[len(kept):], path[:len(kept)].rstrip("/")  # "example.com/": no "slash"
        said = spelled(host)
        if digits:
            said += f" {port_word} {port(digits) if port else digits}"
        for step in path.split("/")[1:]:
            said += f" {slash}" + (f" {spelled(step)}" if step else "")
        return said + tail

    if "@" in text:
        text = _EMAIL.sub(email, text)
    return _WEB.sub(web, text)
