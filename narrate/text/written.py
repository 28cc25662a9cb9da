"""The written text of each unit a chapter is assembled from, for transcripts (DESIGN.md invariant 12).

`chapter_units` splits the *spoken* text (after the lexicon and, for the embedded engine, number
normalisation). Captions must show what the author wrote, so each block's written text
(Block.written: the Markdown reader's text before it was made speakable, so `x < y`, `C++` in code,
a URL stay as written; markup such as emphasis marks, link syntax and HTML tags removed) is split
without the lexicon or normalisation, and the two splits are paired one to one. A block of prompt
markup is split as `chapter_units` splits it, at its breaks and then into sentences, from its
written form: each element's own text (`<sub>`'s "WWW", never its alias; `<phoneme>`'s word, never
its IPA), never a tag, so no SSML reaches a caption. Where a respelling
moved a sentence boundary (the counts differ), the block's written text goes to its first unit and
the others continue that cue: a caption never shows a respelling, and never a wrong sentence.
"""

from __future__ import annotations

from .chapter import chapter_units
from .lexicon import Lexicon
from .markdown import Block, SpeakableDoc
from .markup import Break, split_breaks
from .markup_parse import parse
from .sentences import segment_paragraph
from .written_unit import WrittenUnit

__all__ = ["WrittenUnit", "written_units"]


def written_units(doc: SpeakableDoc, max_chars: int, language: str, lexicon: Lexicon | None,
                  spoken: bool = False) -> list[WrittenUnit]:
    """One WrittenUnit per unit of `chapter_units(doc, ...)` (same arguments), in the same order."""
    out: list[WrittenUnit] = []
    for block in doc.blocks:
        n = len(chapter_units(SpeakableDoc(None, [block]), max_chars, language, lexicon, spoken=spoken))
        if n == 0:
            continue
        level = block.level if block.kind == "heading" else 0
        written = [(block.written or block.text).strip()] if block.kind == "notice" else \
            _sentences(block, max_chars, language)
        if len(written) != n:
            written = [" ".join(written)]
        out.append(WrittenUnit(written[0], level))
        out += [WrittenUnit(text) for text in written[1:]]
        out += [WrittenUnit(None)] * (n - len(written))
    return out


def _sentences(block: Block, max_chars: int, language: str) -> list[str]:
    """The block's written sentences; for markup, piece by piece between its breaks (as spoken)."""
    text = block.written or block.text
    if not block.markup:
        return segment_paragraph(text, max_chars, language)
    return [s for piece, _ in split_breaks(parse(text))
            for s in segment_paragraph("".join(n if isinstance(n, str) else "" if isinstance(n, Break) else n.text
                                               for n in piece), max_chars, language)]
