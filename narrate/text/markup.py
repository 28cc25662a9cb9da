"""Portable prompt markup: a small SSML subset, parsed once and compiled per provider. Pure.

Accepted in prompt text. A text is markup when it holds one of the four elements (or a `<!`/`<?`
declaration, refused below); other angle brackets ("Welcome to <Shop>") stay plain text as before,
and text without `<` costs one `in` test:

    <break time="500ms"/>  <break time="1.5s"/>  <break strength="strong"/>   (0 to 10 s)
    <say-as interpret-as="digits|characters|telephone|date|time|currency|cardinal|ordinal">...</say-as>
    <sub alias="World Wide Web">WWW</sub>
    <phoneme alphabet="ipa|x-sampa" ph="...">tomato</phoneme>

The elements hold text only (no nesting). `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and numeric
references are text; a bare `&` is taken as `&amp;`. DOCTYPE, entity declarations, comments,
CDATA and processing instructions are refused (no entity expansion can happen).

Compiling (`compile_pieces`): breaks always cut the prompt into pieces whose silence narrate inserts
at render time, so the same words share a segment whatever pause follows them, and a pause is exact
in samples whatever the engine. Each piece is then either SSML (a `<speak>` body, for providers with
`accepts_ssml`; elements the provider does not read natively are lowered inside it) or plain text
with everything lowered: say-as through the normaliser, sub to its alias, phoneme to its text.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..errors import MarkupError
from .normalize import normalize

MAX_BREAK_MS = 10_000  # W3C SSML 1.1 leaves the maximum to the processor; Azure caps a break at 5 s, Google at 10 s
# Strength -> milliseconds: Azure's documented values (speech-synthesis-markup-structure.md, "break"):
# x-weak 250, weak 500, medium 750, strong 1000, x-strong 1250; W3C says a bare <break/> is "medium".
STRENGTH_MS = {"none": 0, "x-weak": 250, "weak": 500, "medium": 750, "strong": 1000, "x-strong": 1250}
INTERPRET_AS = ("digits", "characters", "telephone", "date", "time", "currency", "cardinal", "ordinal")
ALPHABETS = ("ipa", "x-sampa")
_ATTRS = {"break": {"time", "strength"}, "say-as": {"interpret-as"}, "sub": {"alias"},
          "phoneme": {"alphabet", "ph"}}
_TIME = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*")
_BARE_AMP = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
# One of the subset's tags, or a declaration: then the whole text is parsed (strictly).
_SIGN = re.compile(r"<\s*/?\s*(?:break|say-as|sub|phoneme)(?![\w-])|<[!?]", re.IGNORECASE)
_SPACE_PUNCT = re.compile(r"\s+([,.;:!?])")
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


@dataclass(frozen=True)
class Piece:
    """One segment's request text and the silence narrate puts after it (ms)."""

    text: str
    ssml: bool  # text is an SSML `<speak>` body (escaped), not plain text
    pause_ms: int = 0


@dataclass(frozen=True)
class Target:
    """What a provider reads natively: `ssml` False lowers everything to plain text."""

    ssml: bool = False
    say_as: frozenset[str] = frozenset()
    sub: bool = False
    phoneme: bool = False


PLAIN = Target()


def target_of(provider: object) -> Target:
    """The provider's capability flags (`accepts_ssml`, `ssml_say_as`, `ssml_sub`, `ssml_phoneme`) as a Target."""
    if not getattr(provider, "accepts_ssml", False):
        return PLAIN
    return Target(True, frozenset(getattr(provider, "ssml_say_as", ())), bool(getattr(provider, "ssml_sub", False)),
                  bool(getattr(provider, "ssml_phoneme", False)))


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
        if name not in _ATTRS:
            self.fail(f"unknown element <{name}> (allowed: break, say-as, sub, phoneme)")
        if self.open is not None:
            self.fail(f"<{name}> inside <{self.open[0]}>: these elements hold text only")
        unknown = sorted(set(attrs) - _ATTRS[name])
        if unknown:
            self.fail(f"<{name}> has no attribute {unknown[0]!r} (allowed: {', '.join(sorted(_ATTRS[name]))})")
        if name == "break":
            self.nodes.append(Break(self.break_ms(attrs)))
        self.open = (name, attrs)
        self.inner = []

    def chars(self, data: str) -> None:
        if self.open is None:
            self.nodes.append(data)
        else:
            self.inner.append(data)

    def end(self, name: str) -> None:
        self.depth -= 1
        if self.depth == 0:
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


def check(text: str) -> str | None:
    """None if `text` is plain or valid markup, else the reason (for manifest validation)."""
    if not is_markup(text):
        return None
    try:
        nodes = parse(text)
    except MarkupError as exc:
        return exc.message
    if not _has_words([n for n in nodes if not isinstance(n, Break)]):  # else the build fails after paying the rest
        return "nothing to speak: the text holds only breaks"
    return None


# ---- lowering: an element -> the words a person would say -------------------------------------


@lru_cache(maxsize=256)
def _digit_word(digit: str, language: str) -> str:
    return normalize(digit, language)


def _digit_words(digits: str, language: str) -> list[str]:
    return [_digit_word(d, language) for d in digits]


def lower_say_as(node: SayAs, language: str, before: str = "") -> str:
    """say-as as plain words in `language`: digits and characters one by one; telephone as digit
    groups separated by commas; the rest by the normaliser's rules (ordinal of a bare number via
    num2words). Languages the normaliser does not read keep their digits. `before`: the text before
    the element, whose last word may decline a date ("am ersten März", German)."""
    text = normalize(node.text)
    kind = node.interpret_as
    word = re.search(r"([^\W\d_]+)\s*$", before) if kind == "date" else None
    if word:  # said with the word before it, as in running text, then without it
        said = normalize(f"{word.group(1)} {text}", language)
        if said.startswith(word.group(1) + " "):
            return said[len(word.group(1)) + 1:]
    if kind == "digits":
        return " ".join(_digit_words("".join(c for c in text if c.isdigit()) or text, language))
    if kind == "characters":
        return " ".join(_digit_word(c, language) if c.isdigit() else c.upper() for c in text if c.isalnum())
    if kind == "telephone":
        groups = re.findall(r"\d+", text)
        lead = normalize("+", language).strip() + " " if text.startswith("+") else ""
        return lead + ", ".join(" ".join(_digit_words(g, language)) for g in groups) if groups else text
    if kind == "ordinal" and re.fullmatch(r"\d{1,9}", text):
        return _ordinal(int(text), language) or normalize(text, language)
    return normalize(text, language)


def _ordinal(n: int, language: str) -> str | None:
    from num2words import num2words  # loaded only when an ordinal is asked for

    from .langdata import resolve

    lang = resolve(language)
    if lang is None:
        return None
    try:
        return str(num2words(n, lang=lang.n2w, to="ordinal"))
    except (NotImplementedError, OverflowError, ValueError):
        return None


def lower(nodes: Iterable[Node], language: str, respell: Callable[[str], str] | None = None) -> str:
    """Plain text of break-free nodes, every element lowered (breaks, if any, become a space).
    `respell` (the lexicon) rewrites the author's text runs and phoneme texts only, never the words
    an element is lowered to: a rule for "one" must not change how `<say-as>1</say-as>` is said."""
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_keep_edges(node, respell) if respell else node)
        elif isinstance(node, SayAs):
            out.append(f" {lower_say_as(node, language, out[-1] if out else '')} ")
        elif isinstance(node, Sub):
            out.append(f" {node.alias} ")
        elif isinstance(node, Phoneme):
            out.append(respell(node.text) if respell else node.text)
        else:
            out.append(" ")
    return _SPACE_PUNCT.sub(r"\1", "".join(out))


# ---- SSML ---------------------------------------------------------------------------------------


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(value: str) -> str:
    """A value for a double-quoted attribute: & < > " escaped, so no value can close the tag."""
    return escape_text(value).replace('"', "&quot;")


def to_ssml(nodes: Iterable[Node], language: str, target: Target, say: Callable[[str], str] = lambda t: t) -> str:
    """The SSML body (inside `<speak>`) for `target`. `say` transforms text runs (lexicon,
    normalisation) before escaping; elements the target does not read natively are lowered."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(escape_text(_keep_edges(node, say)))
        elif isinstance(node, Break):
            out.append(f'<break time="{node.ms}ms"/>')
        elif isinstance(node, SayAs):
            if node.interpret_as in target.say_as:
                out.append(f'<say-as interpret-as="{node.interpret_as}">{escape_text(normalize(node.text))}</say-as>')
            else:
                out.append(" " + escape_text(lower_say_as(node, language)) + " ")
        elif isinstance(node, Sub):
            if target.sub:
                out.append(f'<sub alias="{escape_attr(normalize(node.alias))}">{escape_text(normalize(node.text))}</sub>')
            else:
                out.append(" " + escape_text(normalize(node.alias)) + " ")
        elif target.phoneme:
            out.append(f'<phoneme alphabet="{node.alphabet}" ph="{escape_attr(normalize(node.ph))}">'
                       f"{escape_text(normalize(node.text))}</phoneme>")
        else:
            out.append(escape_text(_keep_edges(node.text, say)))
    return normalize("".join(out))


def _keep_edges(text: str, say: Callable[[str], str]) -> str:
    """`say(text)` with one space kept where `text` began or ended with whitespace (say strips it)."""
    body = say(text)
    if not body:
        return " " if text[:1].isspace() or text[-1:].isspace() else ""
    return (" " if text[:1].isspace() else "") + body + (" " if text[-1:].isspace() else "")


def split_breaks(nodes: Iterable[Node]) -> list[tuple[list[Node], int]]:
    """Nodes cut at breaks: (nodes of a piece, pause after it in ms). Consecutive breaks add up;
    breaks before the first words or after the last are dropped (lead and trail silence are the
    render settings' business); pieces with no words are merged away."""
    pieces: list[tuple[list[Node], int]] = []
    current: list[Node] = []
    pause = 0
    for node in nodes:
        if isinstance(node, Break):
            pause += node.ms
            continue
        if pause and _has_words(current):
            pieces.append((current, pause))
            current = []
        elif pause and pieces:
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + pause)
        pause = 0
        current.append(node)
    if _has_words(current) or not pieces:
        pieces.append((current, 0))
    return pieces


def _has_words(nodes: list[Node]) -> bool:
    return any(not isinstance(n, str) or n.strip() for n in nodes)


def compile_pieces(text: str, language: str, target: Target, speak: Callable[[str], str] = lambda t: t,
                   respell: Callable[[str], str] = lambda t: t) -> list[Piece]:
    """Prompt text -> the pieces to synthesize. `respell(text) -> text` is the lexicon and
    `speak(text) -> text` the normalisation: text runs get both; for plain targets `speak` sees the
    whole lowered piece, whose element words were never respelled.

    Plain text (not markup) gives [Piece(say(text), False)]: exactly what a prompt gave before markup.
    An SSML piece with no element left in it is sent as plain text, so spellings that compile the
    same share a key. Raises MarkupError for invalid markup.
    """
    def say(t: str) -> str:
        return speak(respell(t))

    if not is_markup(text):
        return [Piece(say(text), False)]
    out: list[Piece] = []
    for nodes, pause in split_breaks(parse(text)):
        native = target.ssml and any(
            (isinstance(n, SayAs) and n.interpret_as in target.say_as) or (isinstance(n, Sub) and target.sub)
            or (isinstance(n, Phoneme) and target.phoneme) for n in nodes)
        if native:
            out.append(Piece(to_ssml(nodes, language, target, say), True, pause))
        else:
            out.append(Piece(normalize(speak(lower(nodes, language, respell))), False, pause))
    return out
