"""Joining a book from its encoded pieces: the silences between chapters on the codecs' frame grid
(narrate.package.grid.BookLayout), encoded once and kept in the piece store, and the frame-copy
joins of the chapter MP3s, the whole-book MP3 and the M4B, with their chapter marks and playlist.
A mixin of assemble._Assembly, whose state (the layout, the store, the chapters) it uses."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import NarrateError
from ..fsutil import sha256_file
from ..plan.books import BookJob
from .book import BookTags, ChapterMark, join_book_mp3, join_chapter_mp3, join_m4b, m3u
from .book_units import ChapterSlot, piece_key
from .grid import AAC_PRIMING, BookLayout, Layout
from .mp4 import AacTrack
from .pieces import PieceStore, encode_silence


class BookJoins:
    """The joining half of assemble._Assembly."""

    job: BookJob
    layout: BookLayout
    grid: Layout
    store: PieceStore
    chapters: list[ChapterSlot]
    tags: BookTags
    profile: Any
    audio: tuple[Any, ...]
    rate: int
    head: int
    digests: dict[str, str]

    # -- the layout (narrate.package.grid.BookLayout)

    def _end(self, ch: ChapterSlot) -> int:
        assert ch.raw is not None
        return self.layout.end(ch.raw, ch.first, ch.last, ch.after)

    def _part(self, ch: ChapterSlot) -> int:
        assert ch.raw is not None
        return self.layout.part(ch.raw, ch.first, ch.last, ch.after)

    def _file_tail(self, ch: ChapterSlot) -> int:
        assert ch.raw is not None
        return self.layout.file_tail(ch.raw)

    def _chapter_frames(self, ch: ChapterSlot) -> int:
        assert ch.raw is not None
        return self.layout.chapter_file(ch.raw)

    def _silence(self, length: int, last: bool) -> str:
        return piece_key(*self.audio, "silence", self.rate, *self.profile.mp3_args(), length, last)

    def _silences(self, pool: ThreadPoolExecutor, wanted: bool) -> dict[str, Future[None]]:
        """Encode the silence pieces the joins need and the store lacks (key -> its encode)."""
        need: dict[str, tuple[int, bool]] = {}
        if wanted:
            if self.head:
                need[self._silence(self.head, False)] = (self.head, False)
            for ch in self.chapters:
                need[self._silence(self._file_tail(ch), True)] = (self._file_tail(ch), True)
                end = self._end(ch)
                if end:
                    need[self._silence(end, ch.last)] = (end, ch.last)
        return {key: pool.submit(self._encode_silence, key, length, last)
                for key, (length, last) in need.items() if self.store.get(key, "mp3") is None}

    def _encode_silence(self, key: str, length: int, last: bool) -> None:
        tmp = self.store.temp(key, "mp3")
        try:
            encode_silence(tmp, self.grid, length, last, self.profile.mp3_args())
            self.store.put_mp3(tmp, key)
            self.store.encoded.append(f"silence {length}")
        finally:
            tmp.unlink(missing_ok=True)

    # -- joins

    def _join_chapter(self, ch: ChapterSlot, out: Path) -> None:
        pieces = [self.store.mp3_piece(self._silence(self.head, False))] if self.head else []
        pieces += [self.store.mp3_piece(ch.speech_key), self.store.mp3_piece(self._silence(self._file_tail(ch), True))]
        self.digests[f"chapter-{ch.index:03d}"] = join_chapter_mp3(pieces, out, self.tags, ch.plan.title, ch.index,
                                                                   len(self.chapters))

    def _join_mp3(self, out: Path, marks: list[ChapterMark]) -> None:
        pieces = [self.store.mp3_piece(self._silence(self.head, False))] if self.head else []
        for ch in self.chapters:
            pieces.append(self.store.mp3_piece(ch.speech_key))
            end = self._end(ch)
            if end:
                pieces.append(self.store.mp3_piece(self._silence(end, ch.last)))
        self.digests["mp3"] = join_book_mp3(pieces, out, self.tags, marks)

    def _join_m4b(self, out: Path, marks: list[ChapterMark], samples: int) -> None:
        parts = [self.store.aac_part(ch.aac_key) for ch in self.chapters]
        asc, channels = parts[0][1][1], parts[0][1][2]
        if any(units[1:] != (asc, channels) for _, units in parts):
            raise NarrateError("the book's AAC parts were encoded with different settings; build again")
        sizes = np.concatenate([units[0] for _, units in parts])
        track = AacTrack(self.rate, channels, asc, sizes, samples, AAC_PRIMING)
        join_m4b([path for path, _ in parts], track, out, self.tags, marks)
        self.digests["m4b"] = sha256_file(out)  # mutagen rewrote its head: read back, on this worker thread

    def _marks(self, samples: list[int]) -> list[ChapterMark]:
        marks, at = [], 0
        for ch, n in zip(self.chapters, samples, strict=True):
            marks.append(ChapterMark(ch.plan.title, round(at * 1000 / self.rate), round((at + n) * 1000 / self.rate)))
            at += n
        return marks

    def _playlist(self) -> str:
        return m3u([(Path(self.job.outputs[f"chapter-{ch.index:03d}"]).name, self._chapter_frames(ch) / self.rate,
                     ch.plan.title) for ch in self.chapters])
