"""A memo of each book chapter's reading, so that an unchanged chapter skips the text front-end.

Planning a chapter parses its Markdown and runs every sentence through the lexicon, normalisation
and the splitter: ~0.2 s a chapter, 8 s for a 10-hour book of 40 chapters, which a one-sentence
edit would pay again for 39 unchanged ones. The memo maps (context, digest of the chapter's text)
-> what `plan.books._add_chapter` takes from the front-end: the document's title and file name,
each unit's (text, SSML or not, pause after), and for books with transcripts or feeds the written
units and front matter. The context is a digest of everything else the reading depends on (as for
prompts, narrate.plan.memo): the environment stamp (narrate's code, the text libraries), the
normaliser and splitter versions, the lexicon's content, language, markdown options, the
provider's markup target and limits, the voice and pauses.

Segment keys are not stored: they are made again from the memoised text, as they would be without
the memo, so a plan is the same with it or without it. Each value carries a sha256 of itself; one
that is not the shape narrate writes, or whose sum is wrong, is a miss (never trusted). The file is
read and written by `narrate.cache.memo_file.MemoFile`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..text.frontend import key_material
from ..text.markup import Target

CHAPTER_MEMO_VERSION = 1


@dataclass(frozen=True, slots=True)
class Reading:
    """One chapter's front-end output. `written` and `front` only for books that keep them."""

    title: str | None
    named: str | None
    units: list[tuple[str, bool, int]]  # (request text, SSML or not, pause after in ms)
    written: list[tuple[str | None, int]] | None = None  # (written text or None, heading level)
    front: dict[str, Any] | None = None


def chapter_context(stamp: str, *, lexicon: str, language: str, normalized: bool, target: Target, max_chars: int,
                    band: tuple[str, ...], markdown: str, voice: str, provider: str, title: str | None,
                    pauses: tuple[int, int, int], written: bool) -> str:
    """The memo context: a sha256 hex over everything besides the chapter's text that decides its reading."""
    material = [CHAPTER_MEMO_VERSION, stamp, key_material(normalized), lexicon, language,
                [target.ssml, sorted(target.say_as), target.sub, target.phoneme], max_chars, list(band), markdown,
                voice, provider, title, list(pauses), written]
    return hashlib.sha256(json.dumps(material, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _sum(body: Any) -> str:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]


def encode_reading(reading: Reading) -> list[Any] | None:
    """The memo's JSON value: [sum, body]; None when the body does not survive the memo file as it is
    (front matter holding a YAML date, text no UTF-8 file can hold): such a chapter is read each time."""
    body = [reading.title, reading.named, [list(u) for u in reading.units],
            None if reading.written is None else [list(w) for w in reading.written], reading.front]
    try:
        if json.loads(json.dumps(body, ensure_ascii=False).encode("utf-8")) != body:
            return None
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        return None
    return [_sum(body), body]


def _opt_str(value: Any) -> bool:
    return value is None or type(value) is str


def decode_reading(value: Any) -> Reading | None:
    """The memo's JSON value -> a Reading, or None if it is not the shape `encode_reading` writes or
    its sum does not match its body."""
    if type(value) is not list or len(value) != 2 or type(value[0]) is not str or type(value[1]) is not list:
        return None
    body = value[1]
    if len(body) != 5 or _sum(body) != value[0]:
        return None
    title, named, units, written, front = body
    if not (_opt_str(title) and _opt_str(named)) or type(units) is not list:
        return None
    out: list[tuple[str, bool, int]] = []
    for u in units:
        if type(u) is not list or len(u) != 3 or type(u[0]) is not str or not u[0] or type(u[1]) is not bool \
                or type(u[2]) is not int or u[2] < 0:
            return None
        out.append((u[0], u[1], u[2]))
    kept: list[tuple[str | None, int]] | None = None
    if written is not None:
        if type(written) is not list or (front is not None and type(front) is not dict):
            return None
        kept = []
        for w in written:
            if type(w) is not list or len(w) != 2 or not _opt_str(w[0]) or type(w[1]) is not int:
                return None
            kept.append((w[0], w[1]))
    elif front is not None:
        return None
    return Reading(title, named, out, kept, front)


class ChapterMemo:
    """(context, chapter text digest) -> Reading, as found on disk and as computed in this plan.
    `stored`: {context: {digest: value}} as read (unchecked). After planning, `used` holds every entry
    this plan read or made, `added` the made ones, and `rejected` counts stored values refused."""

    def __init__(self, stamp: str, stored: dict[str, dict[str, Any]] | None = None) -> None:
        self.stamp = stamp
        self.stored = stored or {}
        self.used: dict[str, dict[str, Any]] = {}
        self.added: list[tuple[str, str, Any]] = []
        self.rejected = 0

    def get(self, context: str, digest: str) -> Reading | None:
        value = self.stored.get(context, {}).get(digest)
        if value is None:
            return None
        reading = decode_reading(value)
        if reading is None:
            self.rejected += 1
            return None
        self.used.setdefault(context, {})[digest] = value
        return reading

    def has(self, context: str, digest: str) -> bool:
        """A value is stored for this chapter (unchecked: `get` may still refuse it)."""
        return digest in self.stored.get(context, {})

    def put(self, context: str, digest: str, reading: Reading) -> None:
        value = encode_reading(reading)
        if value is not None:
            self.used.setdefault(context, {})[digest] = value
            self.added.append((context, digest, value))
