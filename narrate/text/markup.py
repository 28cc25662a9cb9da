"""Portable prompt markup: a small SSML subset, parsed once and compiled per provider. Pure.

Accepted in prompt text. A text is markup when it holds one of the four elements, an SSML element
narrate does not read (`<prosody>`..., refused with its place) or a `<!`/`<?` declaration (refused
below); other angle brackets ("Welcome to <Shop>") stay plain text as before, and text without `<`
costs one `in` test. A `<speak>` root around the whole text (as SSML is pasted) is the text inside:

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..errors import MarkupError
from .lazy_re import lazy_compile
from .markup_parse import (
    ALPHABETS,
    INTERPRET_AS,
    MAX_BREAK_MS,
    SSML_NAMESPACE,
    STRENGTH_MS,
    Break,
    Node,
    Phoneme,
    SayAs,
    Sub,
    is_markup,
    parse,
)
from .normalize import normalize

__all__ = ["ALPHABETS", "INTERPRET_AS", "MAX_BREAK_MS", "SSML_NAMESPACE", "STRENGTH_MS", "Break", "Node", "Phoneme",
           "Piece", "SayAs", "Sub", "Target", "PLAIN", "check", "compile_pieces", "escape_attr", "escape_text",
           "is_markup", "lower", "lower_say_as", "parse", "split_breaks", "target_of", "to_ssml"]

_SPACE_PUNCT = lazy_compile(r"\s+([,.;:!?])")


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


def check(text: str, language: str | None = None) -> str | None:
    """None if `text` is plain or valid markup, else the reason (for manifest validation). With the
    prompt's `language`, a say-as date must read as a date in it (no provider reads say-as date
    natively: narrate's reading is what is said)."""
    if not is_markup(text):
        return None
    try:
        nodes = parse(text)
    except MarkupError as exc:
        return exc.message
    if not _has_words([n for n in nodes if not isinstance(n, Break)]):  # else the build fails after paying the rest
        return "nothing to speak: the text holds only breaks"
    if language is not None and language.split("-")[0].casefold() in _DATE_CUES:
        for node in nodes:
            if isinstance(node, SayAs) and node.interpret_as == "date" and not _reads_as_date(node, language):
                return (f"say-as date {node.text!r} is not a date narrate can read in {language} "
                        f"(write it as 2025-03-01, or the order the language writes dates in)")
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
    if kind == "date":
        return _lower_date(text, language, before)
    if kind == "digits":
        return " ".join(_digit_words("".join(c for c in text if c.isdigit()) or text, language))
    if kind == "characters":
        return " ".join(_digit_word(c, language) if c.isdigit() else c.upper() for c in text if c.isalnum())
    if kind == "telephone":
        # Digit groups said digit by digit; letters (1-800-FLOWERS) kept as written, as a caller dials them.
        groups = re.findall(r"\d+|[^\W\d_]+", text)
        lead = _plus_word(language) + " " if text.startswith("+") else ""
        return lead + ", ".join(" ".join(_digit_words(g, language)) if g[0].isdigit() else g
                                for g in groups) if groups else text
    if kind == "ordinal" and re.fullmatch(r"\d{1,9}", text):
        return _ordinal(int(text), language) or normalize(text, language)
    return normalize(text, language)


# Words that tell the normaliser a number is a date, per language: (before a day, before a year).
# Running text has them ("on 3/4", "in 1999"); a say-as date may stand alone, and alone "3/4" is
# a fraction and "1999" a count. German reads a dotted date alone already ("erster März"); where it
# cannot ("03.04.", no year), "der" makes it one and stays: "der dritte April".
_DATE_CUES = {"en": ("on", "in"), "es": ("el", "en"), "fr": ("le", "en"), "de": ("der", "im Jahr")}
_KEEPS_CUE = {"de"}
_UNREAD = lazy_compile(r"[\d/]|\w\.\w")  # what a reading that is no date leaves: "twelve/five", "null drei.null"
_NUMERIC_DATE = lazy_compile(r"\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?\.?")


def _lower_date(text: str, language: str, before: str) -> str:
    """A say-as date in words: read with the word before it (which may decline it: "am ersten März"),
    else with the language's own cue word, so "3/4" is a day and "1999" a year."""
    plain = normalize(text, language)
    word = re.search(r"([^\W\d_]+)\s*$", before)
    if word:  # said with the word before it, as in running text, then without it
        said = normalize(f"{word.group(1)} {text}", language)
        if said.startswith(word.group(1) + " ") and said[len(word.group(1)) + 1:] != plain:
            return said[len(word.group(1)) + 1:]
    primary = language.split("-")[0].casefold()
    cues = _DATE_CUES.get(primary)
    if cues is None:
        return plain
    keep = primary in _KEEPS_CUE
    if re.fullmatch(r"\d{4}", text):
        cue, keep = cues[1], False
    elif _NUMERIC_DATE.fullmatch(text) and not (keep and not _UNREAD.search(plain)):
        cue = cues[0]
    else:
        return plain
    said = normalize(f"{cue} {text}", language)
    if not said.startswith(cue + " ") or _UNREAD.search(said):
        return plain
    return said if keep else said[len(cue) + 1:]


def _reads_as_date(node: SayAs, language: str) -> bool:
    """Whether a say-as date is said as one in `language`: no number or slash left, and a date
    written in numbers alone ("2024-13-45", "12/25" in Spanish) said with a month's name."""
    said = lower_say_as(node, language).casefold()
    if _UNREAD.search(said):
        return False
    from .langdata import resolve

    lang = resolve(language)
    if lang is None or not _NUMERIC_DATE.fullmatch(normalize(node.text)):
        return True
    return any(month.casefold() in said for month in lang.months)


def _plus_word(language: str) -> str:
    """The word for a leading "+" of a telephone number ("plus", "más"); "+" where the language has none."""
    from .langdata import resolve

    lang = resolve(language)
    return lang.plus if lang is not None else "+"


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
    `respell` (the lexicon) rewrites the author's words only (text runs, sub aliases, phoneme texts),
    never the words a say-as is lowered to: a rule for "one" must not change how `<say-as>1</say-as>` is said."""
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_keep_edges(node, respell) if respell else node)
        elif isinstance(node, SayAs):
            out.append(f" {lower_say_as(node, language, out[-1] if out else '')} ")
        elif isinstance(node, Sub):  # the alias is the author's words too
            out.append(f" {respell(node.alias) if respell else node.alias} ")
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
            # The alias gets the lexicon as the text runs do, whether the provider reads <sub> or not.
            if target.sub:
                out.append(f'<sub alias="{escape_attr(normalize(say(node.alias)))}">{escape_text(normalize(node.text))}</sub>')
            else:
                out.append(" " + escape_text(normalize(say(node.alias))) + " ")
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
