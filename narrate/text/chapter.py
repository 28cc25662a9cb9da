"""A speakable document -> the units a chapter is assembled from: sentence-sized texts and the
pause after each. Sentence-sized on purpose: editing one sentence changes one segment key.

Blocks holding prompt markup (Block.markup) are compiled per provider with narrate.text.markup,
as prompts are: a `<break>` ends the unit before it and adds its time to that unit's pause (a
break before a block's first words adds to the previous unit's pause, one after its last words
to the block's own pause); say-as, sub and phoneme are sent as SSML to a provider that reads them
(SpeechUnit.ssml) and lowered to words for the others. The compiled text is what gets hashed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .lexicon import Lexicon
from .markdown import SpeakableDoc
from .markup import PLAIN, Break, Node, Phoneme, SayAs, Sub, Target, lower, parse, split_breaks, to_ssml
from .normalize import normalize
from .sentences import segment_paragraph, split_sentences

PAUSE_AFTER_HEADING_MS = 800
PAUSE_AFTER_PARAGRAPH_MS = 500
PAUSE_BETWEEN_SENTENCES_MS = 150
_SLOT = "\ufdd0"  # a Unicode noncharacter: stands for an element while a markup block is cut into sentences


@dataclass(frozen=True)
class SpeechUnit:
    text: str
    pause_after_ms: int
    ssml: bool = False  # text is an SSML body (markup compiled for a provider that reads it)
    break_ms: int = 0  # the part of pause_after_ms that markup breaks asked for


def chapter_units(doc: SpeakableDoc, max_chars: int, language: str, lexicon: Lexicon | None,
                  spoken: bool = False, target: Target = PLAIN, *, heading_ms: int = PAUSE_AFTER_HEADING_MS,
                  paragraph_ms: int = PAUSE_AFTER_PARAGRAPH_MS, sentence_ms: int = PAUSE_BETWEEN_SENTENCES_MS,
                  keep: tuple[str, ...] = ()) -> list[SpeechUnit]:
    """The chapter's segments in order. `spoken`: numbers and symbols said in `language` (per
    sentence, after the lexicon), as for a provider with normalisation on (frontend.py). `target`:
    what the provider reads of prompt markup (markup.target_of); PLAIN lowers everything. The
    pauses (ms) after headings, paragraphs and between sentences are the book's or chapter's.
    `keep`: alphabets of phonetic forms the provider takes out of band (those terms are not respelled)."""
    units: list[SpeechUnit] = []
    for block in doc.blocks:
        end_pause = heading_ms if block.kind == "heading" else paragraph_ms
        if block.markup:
            _markup_units(units, block.text, end_pause, sentence_ms,
                          _Compiler(max_chars, language, lexicon, spoken, target, keep))
            continue
        text = normalize(lexicon.apply(block.text, language, keep)) if lexicon else block.text
        if block.kind == "notice":
            pieces = [normalize(text, language) if spoken else text]
        else:
            pieces = segment_paragraph(text, max_chars, language, spoken=spoken)
        for i, piece in enumerate(pieces):
            units.append(SpeechUnit(piece, end_pause if i == len(pieces) - 1 else sentence_ms))
    return units


def _markup_units(units: list[SpeechUnit], source: str, end_pause: int, sentence_ms: int,
                  compiler: _Compiler) -> None:
    nodes = parse(source)
    wordy = [i for i, n in enumerate(nodes) if not isinstance(n, str | Break) or (isinstance(n, str) and n.strip())]
    lead = sum(n.ms for n in nodes[:wordy[0] if wordy else len(nodes)] if isinstance(n, Break))
    trail = sum(n.ms for n in nodes[wordy[-1] + 1:] if isinstance(n, Break)) if wordy else 0
    if lead and units:
        last = units[-1]
        units[-1] = replace(last, pause_after_ms=last.pause_after_ms + lead, break_ms=last.break_ms + lead)
    if not wordy:
        return
    pieces = split_breaks(nodes)
    for i, (piece, pause) in enumerate(pieces):
        texts = compiler.sentences(piece)
        final = i == len(pieces) - 1
        for j, (text, ssml) in enumerate(texts):
            if j < len(texts) - 1:
                units.append(SpeechUnit(text, sentence_ms, ssml))
            else:
                extra = trail if final else pause
                base = end_pause if final else sentence_ms
                units.append(SpeechUnit(text, base + extra, ssml, extra))


@dataclass(frozen=True)
class _Compiler:
    max_chars: int
    language: str
    lexicon: Lexicon | None
    spoken: bool
    target: Target
    keep: tuple[str, ...] = ()

    def respell(self, text: str) -> str:
        """A text run with the lexicon applied (canonical)."""
        return normalize(self.lexicon.apply(normalize(text), self.language, self.keep)) if self.lexicon else normalize(text)

    def say(self, text: str) -> str:
        """A text run as the plain path treats it: lexicon, then numbers said (`spoken`)."""
        text = self.respell(text)
        return normalize(text, self.language) if self.spoken else text

    def native(self, node: Node) -> bool:
        t = self.target
        return t.ssml and ((isinstance(node, SayAs) and node.interpret_as in t.say_as)
                           or (isinstance(node, Sub) and t.sub) or (isinstance(node, Phoneme) and t.phoneme))

    def plain(self, nodes: list[Node]) -> list[tuple[str, bool]]:
        """Everything lowered to words, then exactly the path of a block without markup."""
        text = normalize(lower(nodes, self.language, self.respell))  # element words are never respelled
        return [(s, False) for s in segment_paragraph(text, self.max_chars, self.language, spoken=self.spoken)]

    def sentences(self, nodes: list[Node]) -> list[tuple[str, bool]]:
        """Break-free nodes -> (text, is SSML) per sentence. A sentence holding an element the
        provider reads natively is an SSML body (never cut: one over max_chars is lowered)."""
        if not any(self.native(n) for n in nodes):
            return self.plain(nodes)
        elements = iter([n for n in nodes if not isinstance(n, str)])
        flat = "".join(n.replace(_SLOT, "") if isinstance(n, str) else _SLOT for n in nodes)
        out: list[tuple[str, bool]] = []
        for sentence in split_sentences(normalize(flat), self.language):
            parts = sentence.split(_SLOT)
            rebuilt: list[Node] = [parts[0]] if parts[0] else []
            for part in parts[1:]:
                element = next(elements, None)
                if element is not None:
                    rebuilt.append(element)
                if part:
                    rebuilt.append(part)
            if any(self.native(n) for n in rebuilt):
                body = to_ssml(rebuilt, self.language, self.target, self.say)
                if len(body) <= self.max_chars:
                    out.append((body, True))
                    continue
            out.extend(self.plain(rebuilt))
        return out


