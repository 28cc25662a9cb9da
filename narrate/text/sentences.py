"""Sentence splitting and packing under a provider's character limit, never mid-word."""

from __future__ import annotations

import re

from .normalize import normalize

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "sra", "srta", "jr", "st", "vs", "etc", "inc", "ltd", "co",
    "no", "nos", "fig", "approx", "dept", "est", "e.g", "i.e", "u.s", "a.m", "p.m", "ave", "blvd", "rd",
    "mt", "ft", "lb", "oz", "vol", "ch", "sec", "gen", "gov", "sgt", "capt", "lt", "col", "ud", "uds", "av",
}
# A sentence ends at . ! ? (or …) followed by closing quotes/brackets, whitespace, then a capital,
# digit, quote or opening bracket.
_BOUNDARY = re.compile(r"([.!?…]+[\"'”’)\]]*)\s+(?=[\"'“‘(\[¿¡]?[A-ZÁÉÍÓÚÑÜÀ-ÖØ-Þ0-9])")


def split_sentences(text: str, language: str = "en") -> list[str]:
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end(1)
        before = text[start:end]
        word = re.search(r"(\S+)$", before[:-len(m.group(1))] + m.group(1))
        token = word.group(1).rstrip("\"'”’)]").lower() if word else ""
        stem = token.rstrip(".")
        # Not a boundary after an abbreviation, an initial ("J. R. R.") or a number like "No. 5".
        if m.group(1).startswith(".") and (stem in ABBREVIATIONS or re.fullmatch(r"[a-z]", stem)
                                           or re.fullmatch(r"(?:[a-z]\.)+[a-z]", stem)):
            continue
        sentences.append(text[start:end].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def _split_long(sentence: str, max_chars: int) -> list[str]:
    """Split one over-long sentence at clause punctuation, then at spaces; a single word longer
    than the limit is the only thing ever cut mid-word."""
    pieces = [sentence]
    for pattern in (r"(?<=[;:])\s+", r"(?<=,)\s+", r"\s+-\s+", r"\s+"):
        next_pieces = []
        for piece in pieces:
            next_pieces.extend(re.split(pattern, piece) if len(piece) > max_chars else [piece])
        pieces = next_pieces
    out: list[str] = []
    for piece in pieces:
        while len(piece) > max_chars:
            out.append(piece[:max_chars])
            piece = piece[max_chars:]
        out.append(piece)
    return pack_sentences(out, max_chars)


def pack_sentences(sentences: list[str], max_chars: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        if len(sentence) > max_chars:
            if current:
                chunks.append(current)
                current = ""
            chunks.extend(_split_long(sentence, max_chars))
            continue
        candidate = f"{current} {sentence}" if current else sentence
        if len(candidate) <= max_chars:
            current = candidate
        else:
            chunks.append(current)
            current = sentence
    if current:
        chunks.append(current)
    return chunks


def split_for_limit(text: str, max_chars: int, language: str = "en") -> list[str]:
    """The text as one chunk if it fits, else sentence-packed chunks of at most max_chars."""
    text = normalize(text)
    if len(text) <= max_chars:
        return [text]
    return pack_sentences(split_sentences(text, language), max_chars)


def segment_paragraph(text: str, max_chars: int, language: str = "en") -> list[str]:
    """One segment per sentence (so editing a sentence re-synthesizes only that sentence)."""
    out: list[str] = []
    for sentence in split_sentences(normalize(text), language):
        out.extend([sentence] if len(sentence) <= max_chars else _split_long(sentence, max_chars))
    return out
