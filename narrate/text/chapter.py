"""A speakable document -> the units a chapter is assembled from: sentence-sized texts and the
pause after each. Sentence-sized on purpose: editing one sentence changes one segment key."""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import Lexicon
from .markdown import SpeakableDoc
from .normalize import normalize
from .sentences import segment_paragraph

PAUSE_AFTER_HEADING_MS = 800
PAUSE_AFTER_PARAGRAPH_MS = 500
PAUSE_BETWEEN_SENTENCES_MS = 150


@dataclass(frozen=True)
class SpeechUnit:
    text: str
    pause_after_ms: int


def chapter_units(doc: SpeakableDoc, max_chars: int, language: str, lexicon: Lexicon | None,
                  spoken: bool = False, keep: tuple[str, ...] = ()) -> list[SpeechUnit]:
    """The chapter's segments in order. `spoken`: numbers and symbols said in `language` (per
    sentence, after the lexicon), as for a provider with normalisation on (frontend.py). `keep`:
    alphabets of phonetic forms the provider takes out of band (those terms are not respelled)."""
    units: list[SpeechUnit] = []
    for block in doc.blocks:
        text = normalize(lexicon.apply(block.text, language, keep)) if lexicon else block.text
        if block.kind == "heading":
            pieces = segment_paragraph(text, max_chars, language, spoken=spoken)
            end_pause = PAUSE_AFTER_HEADING_MS
        elif block.kind == "notice":
            pieces, end_pause = [normalize(text, language) if spoken else text], PAUSE_AFTER_PARAGRAPH_MS
        else:
            pieces = segment_paragraph(text, max_chars, language, spoken=spoken)
            end_pause = PAUSE_AFTER_PARAGRAPH_MS
        for i, piece in enumerate(pieces):
            units.append(SpeechUnit(piece, end_pause if i == len(pieces) - 1 else PAUSE_BETWEEN_SENTENCES_MS))
    return units
