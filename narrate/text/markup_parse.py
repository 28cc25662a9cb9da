"""Prompt markup parsing: the SSML subset's elements as nodes (narrate.text.markup compiles them). Pure.

Parsed as XML with expat, strictly: the elements hold text only, DOCTYPEs, entity declarations,
comments, CDATA and processing instructions are refused before expat sees them (and expat is told
to expand nothing), so no entity can expand and no external resource is read.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass

from ..errors import MarkupError
from .lazy_re import lazy_compile

# Silence is bounded like everything else (a prompt is rendered in memory): breaks in a row add up
# to at most MAX_BREAK_MS in one place, and one text holds at most MAX_TOTAL_BREAK_MS of them (4,000
# ten-second breaks, 76 KB of markup, asked for 11 hours of silence and ran out of memory).
MAX_TOTAL_BREAK_MS = 60_000
MAX_BREAK_MS = 10_000  # W3C SSML 1.1 leaves the maximum to the processor; Azure caps a break at 5 s, Google at 10 s
# Strength -> milliseconds: Azure's documented values (speech-synthesis-markup-structure.md, "break"):
# x-weak 250, weak 500, medium 750, strong 1000, x-strong 1250; W3C says a bare <break/> is "medium".
STRENGTH_MS = {"none": 0, "x-weak": 250, "weak": 500, "medium": 750, "strong": 1000, "x-strong": 1250}
INTERPRET_AS = ("digits", "characters", "telephone", "date", "time", "currency", "cardinal", "ordinal")
ALPHABETS = ("ipa", "x-sampa")
_ATTRS = {"break": {"time", "strength"}, "say-as": {"interpret-as"}, "sub": {"alias"},
          "phoneme": {"alphabet", "ph"}}
_TIME = lazy_compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*")
_BARE_AMP = lazy_compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
# One of the subset's tags, or a declaration: then the whole text is parsed (strictly). SSML's own
# elements (lower case, as SSML spells them) count too, so a pasted `<speak>` document or a
# `<prosody>` is parsed (and refused, naming what is read) instead of being spoken as words.
_SIGN = lazy_compile(r"<\s*/?\s*(?:(?i:break|say-as|sub|phoneme)|speak|prosody|emphasis|voice|lang)(?![\w-])|<[!?]")
SSML_NAMESPACE = "http://www.w3.org/2001/10/synthesis"
_SPEAK_ATTRS = {"version", "xmlns", "xml:lang"}
_WRAP = "<m>"  # the fragment is parsed inside this element; columns on line 1 are shifted back by its length


@dataclass(frozen=True)
class Break:
    ms: int


@dataclass(frozen=True)
class SayAs:
    interpret_as: str
    text: str


@dataclass(frozen=True)
class Sub:
    alias: str
    text: str


@dataclass(frozen=True)
class Phoneme:
    alphabet: str
    ph: str
    text: str


Node = str | Break | SayAs | Sub | Phoneme  # a str is a run of text


def is_markup(text: str) -> bool:
    """Whether `text` is prompt markup (holds a subset tag or a declaration)."""
    return "<" in text and _SIGN.search(text) is not None


def parse(text: str) -> tuple[Node, ...]:
    """The text's nodes, adjacent text merged. Text that is not markup is one run, returned as is.

    Raises MarkupError("line L, column C: reason") for malformed markup, unknown elements or
    attributes, nesting, and bad values; L and C count in the text itself, from 1.
    """
    if not is_markup(text):
        return (text,) if text else ()
    for bad, what in (("<!DOCTYPE", "a DOCTYPE"), ("<!ENTITY", "an entity declaration"), ("<!--", "a comment"),
                      ("<![CDATA[", "a CDATA section"), ("<?", "a processing instruction")):
        at = text.upper().find(bad.upper())
        if at >= 0:
            line, col = _where(text, at)
            raise MarkupError(f"line {line}, column {col}: {what} is not allowed in prompt markup")
    return _Parser(text).run()


def _where(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _Parser:
    def __init__(self, text: str) -> None:
        self.source = _BARE_AMP.sub("&amp;", text)
        self.nodes: list[Node] = []
        self.open: tuple[str, dict[str, str]] | None = None  # the one element being read, if any
        self.inner: list[str] = []
        self.depth = 0
        self.gap_ms = 0  # breaks since the last words
        self.total_ms = 0  # breaks in the whole text
        self.speak = ""  # "open" / "closed": an optional <speak> root around the whole text
        self.p = xml.parsers.expat.ParserCreate("utf-8")
        self.p.StartElementHandler = self.start
        self.p.EndElementHandler = self.end
        self.p.CharacterDataHandler = self.chars
        # Refused above already; these make sure nothing expands even if a spelling slips through.
        self.p.StartDoctypeDeclHandler = lambda *a: self.fail("a DOCTYPE is not allowed in prompt markup")
        self.p.EntityDeclHandler = lambda *a: self.fail("an entity declaration is not allowed in prompt markup")
        self.p.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def fail(self, reason: str) -> None:
        line, col = self.p.CurrentLineNumber, self.p.CurrentColumnNumber + 1
        raise MarkupError(f"line {line}, column {col - len(_WRAP) if line == 1 else col}: {reason}")

    def run(self) -> tuple[Node, ...]:
        try:
            self.p.Parse(f"{_WRAP}{self.source}</m>", True)
        except xml.parsers.expat.ExpatError as exc:
            line, col = exc.lineno, exc.offset + 1
            reason = xml.parsers.expat.ErrorString(exc.code)
            if reason in ("mismatched tag", "no element found"):
                reason = "an element is not closed (or closed in the wrong order)"
            elif reason == "undefined entity":
                reason = "unknown entity: use &lt; &gt; &amp; &quot; &apos; or &#NN;"
            else:
                reason += "; write < as &lt; in text"
            if line == 1:
                col = max(1, col - len(_WRAP))
            raise MarkupError(f"line {line}, column {col}: {reason}") from None
        merged: list[Node] = []
        for node in self.nodes:
            if isinstance(node, str) and merged and isinstance(merged[-1], str):
                merged[-1] += node
            elif node != "":
                merged.append(node)
        return tuple(merged)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            return  # the wrapper
        if self.speak == "closed":
            self.fail("nothing may follow </speak>")
        if name == "speak":
            self.start_speak(attrs)
            return
        if name not in _ATTRS:
            self.fail(f"unknown element <{name}> (allowed: break, say-as, sub, phoneme, and <speak> around the whole text)")
        if self.open is not None:
            self.fail(f"<{name}> inside <{self.open[0]}>: these elements hold text only")
        unknown = sorted(set(attrs) - _ATTRS[name])
        if unknown:
            self.fail(f"<{name}> has no attribute {unknown[0]!r} (allowed: {', '.join(sorted(_ATTRS[name]))})")
        if name == "break":
            self.nodes.append(Break(self.add_pause(self.break_ms(attrs))))
        else:
            self.gap_ms = 0  # an element holds words: the breaks after it are another gap
        self.open = (name, attrs)
        self.inner = []

    def start_speak(self, attrs: dict[str, str]) -> None:
        """`<speak>` as SSML documents have it: accepted only as the root of the whole text."""
        if self.depth != 2 or self.speak or any(not isinstance(n, str) or n.strip() for n in self.nodes):
            self.fail("<speak> may only wrap the whole text")
        unknown = sorted(set(attrs) - _SPEAK_ATTRS)
        if unknown:
            self.fail(f"<speak> has no attribute {unknown[0]!r} (allowed: {', '.join(sorted(_SPEAK_ATTRS))})")
        if attrs.get("xmlns", SSML_NAMESPACE) != SSML_NAMESPACE:
            self.fail(f"<speak> xmlns must be {SSML_NAMESPACE}, not {attrs['xmlns']!r}")
        self.speak = "open"

    def add_pause(self, ms: int) -> int:
        self.gap_ms += ms
        self.total_ms += ms
        if self.gap_ms > MAX_BREAK_MS:
            self.fail(f"breaks in a row add up to {self.gap_ms} ms; at most {MAX_BREAK_MS // 1000} s in one place")
        if self.total_ms > MAX_TOTAL_BREAK_MS:
            self.fail(f"the breaks add up to {self.total_ms} ms; at most {MAX_TOTAL_BREAK_MS // 1000} s in one text")
        return ms

    def chars(self, data: str) -> None:
        if self.speak == "closed" and data.strip():
            self.fail("nothing may follow </speak>")
        if data.strip():
            self.gap_ms = 0
        if self.open is None:
            self.nodes.append(data)
        else:
            self.inner.append(data)

    def end(self, name: str) -> None:
        self.depth -= 1
        if self.depth == 0:
            return
        if name == "speak":
            self.speak = "closed"
            return
        assert self.open is not None
        attrs, text = self.open[1], "".join(self.inner)
        self.open = None
        if name == "break":
            if text.strip():
                self.fail("<break> must be empty: write <break time=\"500ms\"/>")
            return
        if not text.strip():
            self.fail(f"<{name}> has no text")
        if name == "say-as":
            kind = attrs.get("interpret-as", "")
            if kind not in INTERPRET_AS:
                self.fail(f"say-as interpret-as must be one of {', '.join(INTERPRET_AS)}, not {kind!r}")
            self.nodes.append(SayAs(kind, text))
        elif name == "sub":
            alias = attrs.get("alias", "")
            if not alias.strip():
                self.fail("sub needs alias=\"...\" with the words to say")
            self.nodes.append(Sub(alias, text))
        else:
            alphabet, ph = attrs.get("alphabet", ""), attrs.get("ph", "")
            if alphabet not in ALPHABETS:
                self.fail(f"phoneme alphabet must be one of {', '.join(ALPHABETS)}, not {alphabet!r}")
            if not ph.strip():
                self.fail("phoneme needs ph=\"...\" with the pronunciation")
            self.nodes.append(Phoneme(alphabet, ph, text))

    def break_ms(self, attrs: dict[str, str]) -> int:
        if "time" in attrs:  # W3C: time wins over strength
            m = _TIME.fullmatch(attrs["time"])
            if m is None:
                self.fail(f"break time must look like 500ms or 1.5s, not {attrs['time']!r}")
            assert m is not None
            ms = round(float(m.group(1)) * (1000 if m.group(2) == "s" else 1))
            if ms > MAX_BREAK_MS:
                self.fail(f"break time {attrs['time']} is over the {MAX_BREAK_MS // 1000} s maximum")
            return ms
        strength = attrs.get("strength", "medium")
        if strength not in STRENGTH_MS:
            self.fail(f"break strength must be one of {', '.join(STRENGTH_MS)}, not {strength!r}")
        return STRENGTH_MS[strength]
