"""A memo of the text front-end's output per prompt, so an unchanged prompt skips normalisation.

Planning a prompt runs its written text through markup compilation, the lexicon, normalisation
and the splitter (`prompts._front_end`): about 0.2 ms a prompt that holds a number, 2 s for a
10,000-prompt library, which a one-edit rebuild would pay again for 9,999 unchanged prompts.
The memo maps (context, written text) -> that output, where the context is a digest of everything
else the output depends on:

- the memo format (`MEMO_VERSION`) and the environment stamp the caller gives (narrate's own code
  and the versions of the text libraries: `narrate.cache.stamps.front_end_stamp`),
- the normaliser and splitter versions as they go into segment keys (`text.frontend.key_material`),
- the lexicon's content, the language, and the provider's settings that change the output:
  whether narrate normalises for it, its markup target (SSML capabilities) and its character limit.

A value is the list of pieces `[text, ssml, pause_ms]` (plus `chunks` when the splitter cut the
text). Values are checked for shape when used; one that is not the shape narrate writes is a
miss, recomputed. The memo never changes a result: with it or without it a plan is the same
(tests/test_incremental_plan.py). This module is pure; the file is read and written by
`narrate.cache.memo_file.MemoFile`.
"""

from __future__ import annotations

import hashlib
import json
from itertools import repeat
from typing import Any

from ..cache.memo_source import MemoSource
from ..text import Lexicon
from ..text.frontend import key_material
from ..text.markup import Piece, Target

MEMO_VERSION = 1

# One piece of front-end output: (its request text, SSML or not, pause after it in ms, its chunks).
Front = list[tuple[Piece, list[str]]]


def lexicon_digest(lexicon: Lexicon | None) -> str:
    """sha256 hex of a lexicon's rules in order (term, replacement, case, language, phonetic forms)
    and pattern rules (regex source and flags, replacement, language); "" for none."""
    if lexicon is None:
        return ""
    rules = [[r.term, r.replacement, r.case_sensitive, r.language, r.ipa, r.xsampa] for r in lexicon.rules]
    patterns = [[p.regex.pattern, int(p.regex.flags), p.say, p.language] for p in lexicon.patterns]
    data = json.dumps([rules, patterns], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def context_digest(stamp: str, lexicon: str, language: str, normalized: bool, target: Target,
                   max_chars: int, pronunciation: tuple[tuple[str, ...], bool] | None = None) -> str:
    """The memo context: a sha256 hex over everything besides the written text that decides the output.
    `pronunciation`: the provider's phonetic alphabets and whether it takes them out of band
    (narrate.text.lexicon_compile), when there is a lexicon."""
    material = [MEMO_VERSION, stamp, key_material(normalized), lexicon, language,
                [target.ssml, sorted(target.say_as), target.sub, target.phoneme], max_chars]
    if pronunciation is not None:
        material.append([list(pronunciation[0]), pronunciation[1]])
    return hashlib.sha256(json.dumps(material, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def encode_front(front: Front) -> list[list[Any]]:
    """Front-end output -> the memo's JSON value: `[text, ssml, pause_ms]`, `chunks` appended only
    when they differ from `[text]`."""
    out: list[list[Any]] = []
    for piece, chunks in front:
        row: list[Any] = [piece.text, piece.ssml, piece.pause_ms]
        if chunks != [piece.text]:
            row.append(chunks)
        out.append(row)
    return out


def decode_front(value: Any) -> Front | None:
    """The memo's JSON value -> front-end output, or None if it is not the shape `encode_front` writes."""
    if not isinstance(value, list) or not value:
        return None
    if len(value) == 1:  # the common case, one plain piece: [[text, false, 0]]
        row = value[0]
        if type(row) is list and len(row) == 3 and type(row[0]) is str and row[0] and row[1] is False \
                and type(row[2]) is int and row[2] == 0:
            return [(Piece(row[0], False, 0), [row[0]])]
    front: Front = []
    for row in value:
        if not isinstance(row, list) or len(row) not in (3, 4):
            return None
        text, ssml, pause = row[0], row[1], row[2]
        if not isinstance(text, str) or not isinstance(ssml, bool) or type(pause) is not int or pause < 0:
            return None
        chunks = row[3] if len(row) == 4 else [text]
        if not isinstance(chunks, list) or not chunks or not all(type(c) is str and c for c in chunks):
            return None
        front.append((Piece(text, ssml, pause), chunks))
    return front


class FrontMemo:
    """(context, written text) -> front-end output, as found on disk and as computed in this plan.

    `stored`: {context: {written: value}} as read (values unchecked). `stamp`: the environment
    stamp, part of every context. After planning, `used` holds every entry this plan read or
    computed ({context: {written: value}}), `added` the computed ones in order, and `rejected`
    counts stored values that were not the right shape.
    """

    def __init__(self, stamp: str, stored: dict[str, dict[str, Any]] | None = None,
                 source: MemoSource | None = None) -> None:
        self.stamp = stamp
        self.stored = stored or {}
        self.source = source  # the memo file's entries, looked up one at a time (instead of `stored`)
        self.used: dict[str, dict[str, Any]] = {}
        self.added: list[tuple[str, str, list[list[Any]]]] = []
        self.rejected = 0
        # With a source: every entry this plan read, made or kept, in order ((context, written) -> None);
        # a kept entry's value is looked up only if the file is rewritten (`all_used`).
        self._seen: dict[tuple[str, str], None] = {}

    @property
    def has_entries(self) -> bool:
        return bool(self.stored) or bool(self.source)

    def get(self, context: str, written: str) -> Front | None:
        source = self.source
        value = source.get(context, written) if source is not None else self.stored.get(context, {}).get(written)
        if value is None:
            return None
        front = decode_front(value)
        if front is None:
            self.rejected += 1
            return None
        self.used.setdefault(context, {})[written] = value
        self._seen[(context, written)] = None
        return front

    def keep(self, context: str, written: str) -> None:
        """Count a stored entry as used without reading it (its prompt was not planned: plan.carry)."""
        if self.source is not None:
            self._seen[(context, written)] = None  # its value is read only if the file is rewritten
            return
        value = self.stored.get(context, {}).get(written)
        if value is not None:
            self.used.setdefault(context, {})[written] = value

    def keep_all(self, context: str, written: list[str]) -> None:
        """`keep(context, w)` for each of `written`, in order: a one-edit plan keeps nearly every entry."""
        if self.source is not None:
            self._seen.update(dict.fromkeys(zip(repeat(context), written)))
            return
        for w in written:
            self.keep(context, w)

    def all_used(self) -> dict[str, dict[str, Any]]:
        """`used` with the kept entries' values, in the order the plan met them (a kept entry the file
        does not hold is left out): what a rewritten memo file holds."""
        if self.source is None:
            return self.used
        stored = self.source.rows()
        out: dict[str, dict[str, Any]] = {}
        for context, written in self._seen:
            value = self.used.get(context, {}).get(written)
            if value is None:
                value = stored.get(context, {}).get(written)
            if value is not None:
                out.setdefault(context, {})[written] = value
        return out

    def put(self, context: str, written: str, front: Front) -> None:
        value = encode_front(front)
        self.used.setdefault(context, {})[written] = value
        self._seen[(context, written)] = None
        self.added.append((context, written, value))

    @property
    def stored_count(self) -> int:
        return sum(len(rows) for rows in self.stored.values())

    @property
    def used_count(self) -> int:
        """Entries used; with a source, kept ones are counted unread (the file should hold them)."""
        if self.source is not None:
            return len(self._seen)
        return sum(len(rows) for rows in self.used.values())
