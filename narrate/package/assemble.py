"""Book assembly: cached sentence segments -> chapter MP3s, a whole-book MP3 and an M4B.

Each chapter's speech is streamed segment by segment into a WAV on disk (memory stays bounded
whatever the book's length) and encoded once to an MP3 piece and once to an AAC part, which are
kept in the cache folder (narrate.package.pieces) under a digest of everything that makes them.
The chapter files, the whole-book MP3 and the M4B are then joined from those encodes by frame copy,
gaplessly (narrate.package.grid lays the book on the codecs' frame grid), so an edit in one chapter
re-encodes that chapter alone. ffmpeg runs on worker threads, so encoding overlaps streaming.
Finished files are published atomically, and only if their bytes changed (narrate.package.book_record);
only outputs whose recipe (see `narrate.plan.books`) changed, or whose file was altered, are made again.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.pcm import Pcm
from ..audio.profiles import AAC_MARGIN_DB
from ..audio.stream import WavStreamWriter
from ..cache import SegmentCache
from ..fsutil import make_work_dir, remove_stale_temps
from ..plan.books import BOOK_RENDER_VERSION, BookJob, lock_sources
from .book import BookTags, ChapterMark, write_chapter_mp3
from .book_checks import book_layout, recorded_lengths, sample_refusal, short_sample
from .book_joins import BookJoins
from .book_record import forget_old_pieces, publish_outputs
from .book_units import ENCODE_WORKERS, ChapterSlot, Digester, piece_key, still_there, unit_pcm
from .extras import wants_spans, write_extras
from .grid import BookLayout, Layout, aac_lead
from .levels import chain, file_gain, speech_gain
from .pieces import PIECES_VERSION, PieceStore, encode_speech
from .speech import stream_units
from .transcripts import valid_spans


def build_book(job: BookJob, cache: SegmentCache, root: Path, progress: Callable[[int], None] = lambda n: None,
               *, previous: Mapping[str, Any] | None = None,
               sha256_of: Digester | None = None,
               refused: list[tuple[str, int | None, str]] | None = None,
               foreign: Collection[str] = (), kept_foreign: list[str] | None = None,
               warned: list[tuple[str, int | None, str]] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Assemble one book. Returns (its lock entry, the output paths whose bytes changed).

    `previous` is the book's lock entry from the last build. An output whose recipe matches it and
    whose file still holds the recorded bytes is kept without being made again, and a chapter whose
    encodes are in the cache is not streamed or encoded again; without `previous`, every output is
    joined again (and still only replaced if its bytes changed). `progress(n)` is called as
    sentences are streamed (or skipped), len(job.keys()) in all. `sha256_of(root, rel, recorded)`: a kept
    output's digest, None if it is not a regular file (the build's stat cache,
    `narrate.cache.state.BuildState.regular_sha256`, which hashes only files whose stat signature moved);
    by default every kept output is hashed. `refused` receives the retail sample's problem (key under
    `sample`, manifest line, message) when no whole sentence fits it; the other outputs are made.
    `foreign`: outputs (paths relative to `root`) that exist and that narrate did not write
    (ownership.foreign_files); each is replaced only by its own bytes, else left as it is, kept out of
    the lock entry (so the next build tries again) and named in `kept_foreign`. `warned` receives, as
    `refused` does, a retail sample made shorter than its profile allows (book_checks.short_sample).
    """
    out_dir = Path(os.path.normpath(root / job.prefix))  # the book's output folder, as the manifest resolved it
    out_dir.mkdir(parents=True, exist_ok=True)
    # A killed build leaves its work folder behind (gigabytes of WAV for a long book).
    remove_stale_temps(out_dir, recursive=False)
    # Same filesystem as the outputs, so publishing is a rename.
    work = make_work_dir(out_dir)
    try:
        assembly = _Assembly(job, cache, root, work, progress, previous or {}, out_dir, sha256_of)
        assembly.foreign = frozenset(foreign)
        made = assembly.run()
        if refused is not None:
            refused += assembly.refused
        if kept_foreign is not None:
            kept_foreign += assembly.kept_foreign
        if warned is not None and (short := short_sample(job, made[0])):
            warned.append(short)
        return made
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _Assembly(BookJoins):
    """One pass over the chapters, streaming and encoding only the chapters whose encodes are not in
    the cache, then the joins that stale outputs need. ffmpeg runs on worker threads (each a
    subprocess, so it uses another core while this thread streams). The silences and joins are
    `book_joins.BookJoins`'s."""

    def __init__(self, job: BookJob, cache: SegmentCache, root: Path, work: Path,
                 progress: Callable[[int], None], previous: Mapping[str, Any], out_dir: Path,
                 sha256_of: Digester | None) -> None:
        self.job, self.cache, self.root, self.work, self.progress = job, cache, root, work, progress
        self.sha256_of = sha256_of
        self.out_dir = out_dir
        self.book = job.book
        self.previous = previous
        old = previous.get("outputs", {})
        # Outputs whose recipe and file match the last build's; each is hashed (is it still those bytes?)
        # only when first asked (`_kept`), so that an edit's encode runs while the other chapters' files are.
        self._recorded = {oid: old[oid] for oid, rel in job.outputs.items()
                          if oid in old and old[oid].get("recipe") == job.recipes[oid] and old[oid].get("file") == rel}
        self._there: dict[str, bool] = {}
        self.tags = BookTags(self.book.title, self.book.author, self.book.cover, self.book.language, self.book.meta,
                             self.book.media_kind)
        self.profile = p = self.book.profile
        self.rate = p.sample_rate
        self.grid = Layout(self.rate)
        self.head = self.grid.head(round(p.head_s * self.rate))
        self.tail_samples = round(p.tail_s * self.rate)
        self.layout = BookLayout(self.grid, self.head, self.tail_samples)
        self.store = PieceStore(getattr(cache, "local", cache).directory)  # a TieredCache: its local tier
        self.sample_frames: int | None = None
        self.refused: list[tuple[str, int | None, str]] = []  # the sample's problem (book_checks.sample_refusal)
        self.foreign: frozenset[str] = frozenset()  # files there that narrate did not write (build_book)
        self.kept_foreign: list[str] = []
        self.digests: dict[str, str] = {}  # oid -> the sha256 of a file a join wrote, hashed as it wrote it
        lvl, sil = self.book.settings.level, self.book.settings.silence
        self.audio = (PIECES_VERSION, BOOK_RENDER_VERSION, p.recipe(), lvl.enabled, sil.trim, sil.threshold_dbov)
        n = len(job.chapters)
        self.chapters = [ChapterSlot(ch, i, n, self.rate) for i, ch in enumerate(job.chapters, 1)]
        # Captions and feeds (narrate.package.extras): where each unit starts and ends in its chapter file.
        self.timed = wants_spans(job)
        self._recall()

    def _recall(self) -> None:
        """Each chapter's speech length (and spans) from the last build, where it had the same units on
        the same grid: such a chapter need not be streamed to be laid out."""
        lengths = recorded_lengths(self.previous, book_layout(self.book), [ch.plan.digest() for ch in self.chapters])
        if all(raw is None for raw in lengths):
            return
        bounds = []
        for ch, raw in zip(self.chapters, lengths, strict=True):
            ch.raw = raw
            bounds.append(self._chapter_frames(ch) if raw is not None else None)
        if self.timed:
            for ch, spans in zip(self.chapters, valid_spans(self.previous.get("spans"), self.job, bounds), strict=True):
                ch.spans = spans if ch.raw is not None else None

    def _keys(self, ch: ChapterSlot) -> None:
        units = [f"{k}:{p}" for k, p in ch.plan.units]
        ch.speech_key = piece_key(*self.audio, "speech", self.rate, *self.profile.mp3_args(), *units)
        end = "last" if ch.last else f"after:{ch.plan.after_ms}"
        ch.aac_key = piece_key(*self.audio, "aac", self.rate, *self.profile.aac_args(), ch.first, end,
                               f"lead:{ch.lead}:{ch.lead_next}", *units)

    def run(self) -> tuple[dict[str, Any], list[str]]:
        pool = ThreadPoolExecutor(ENCODE_WORKERS)
        try:
            return self._run(pool)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # no ffmpeg outlives its work folder

    def _kept(self, oid: str) -> bool:
        if oid not in self._there:
            self._there[oid] = oid in self._recorded and still_there(self.root, self.job.outputs[oid], self._recorded[oid],
                                                                 self.sha256_of)
        return self._there[oid]

    @property
    def kept(self) -> dict[str, Any]:
        """The outputs kept as the last build made them (oid -> its lock record)."""
        return {oid: rec for oid, rec in self._recorded.items() if self._kept(oid)}

    def _stale(self, oid: str) -> bool:
        return oid in self.job.outputs and not self._kept(oid)

    def _run(self, pool: ThreadPoolExecutor) -> tuple[dict[str, Any], list[str]]:
        job = self.job
        produced: dict[str, Path] = {}
        encodes: list[Future[None]] = []
        book_mp3, book_m4b = self._stale("mp3"), self._stale("m4b")
        for prev, ch in itertools.pairwise(self.chapters):  # the first part has no lead
            ch.lead = prev.lead_next = aac_lead(prev.after)
        for ch in self.chapters:
            self._keys(ch)
        # Chapters whose encodes are not in the store at all go first, so that an edit's one encode runs
        # while this thread verifies (hashes) the other chapters' kept encodes; any order gives the same bytes.
        absent = [not (self.store.path(ch.speech_key, "mp3").exists() and self.store.path(ch.aac_key, "aac").exists())
                  for ch in self.chapters]
        for ch in [c for c, a in zip(self.chapters, absent, strict=True) if a] + \
                  [c for c, a in zip(self.chapters, absent, strict=True) if not a]:
            oid = f"chapter-{ch.index:03d}"
            sample = ch.index - 1 == job.sample_chapter and self._stale("sample")
            need_mp3 = (book_mp3 or self._stale(oid)) and self.store.get(ch.speech_key, "mp3") is None
            need_aac = book_m4b and self.store.get(ch.aac_key, "aac") is None
            if not (need_mp3 or need_aac or sample) and ch.raw is not None and (not self.timed or ch.spans is not None):
                self.progress(len(ch.plan.units))  # its encodes are kept and its length is on record
                continue
            self._stream(pool, ch, need_mp3, need_aac, sample, produced, encodes)
        samples = [self._part(ch) for ch in self.chapters]
        marks = self._marks(samples)
        silences = self._silences(pool, book_mp3 or any(self._stale(f"chapter-{c.index:03d}") for c in self.chapters))
        # The chapter files to join again (hashing the others, to keep them, while the encodes run).
        rejoin = [ch for ch in self.chapters if self._stale(f"chapter-{ch.index:03d}")]
        for future in [c.encoded for c in self.chapters if c.encoded is not None] + list(silences.values()):
            future.result()  # the first failed encode raises here
        for ch in rejoin:
            oid = f"chapter-{ch.index:03d}"
            produced[oid] = self.work / f"out-{oid}.mp3"
            encodes.append(pool.submit(self._join_chapter, ch, produced[oid]))
        if book_mp3:
            produced["mp3"] = self.work / "out-book.mp3"
            encodes.append(pool.submit(self._join_mp3, produced["mp3"], marks))
        if book_m4b:
            produced["m4b"] = self.work / "out-book.m4b"
            encodes.append(pool.submit(self._join_m4b, produced["m4b"], marks, sum(samples)))
        if self._stale("m3u"):
            produced["m3u"] = self.work / "out.m3u"
            produced["m3u"].write_text(self._playlist(), encoding="utf-8")
        for encode in encodes:
            encode.result()
        if self.timed or "artwork" in job.outputs:
            files = [self._chapter_frames(ch) for ch in self.chapters]
            produced.update(write_extras(job, self.work, self.kept, produced, [c.spans or [] for c in self.chapters],
                                         samples, self.rate, self.cache, files, head=self.head))
        return self._publish_all(produced, samples, marks)

    # -- streaming and encoding one chapter

    def _stream(self, pool: ThreadPoolExecutor, ch: ChapterSlot, need_mp3: bool, need_aac: bool, sample: bool,
                produced: dict[str, Path], encodes: list[Future[None]]) -> None:
        """Stream one chapter's speech into a WAV (and the retail sample's, if it is this chapter's),
        then hand the encodes it needs to the pool."""
        wav = WavStreamWriter(self.work / f"speech-{ch.index:03d}.wav", self.rate)
        taker = WavStreamWriter(self.work / "sample.wav", self.rate) if sample else None
        spans: list[int] = []
        try:
            spec = self.book.sample if taker is not None else None
            window = (round(spec.start_s * self.rate), round(spec.length_s * self.rate) - self.head - self.tail_samples) \
                if spec is not None else (0, 0)
            raw, energy = stream_units(ch.plan, lambda key: unit_pcm(self.cache, key, self.book, self.rate), self.rate,
                                       self.head, wav, taker, window, spans, self.progress)
            if spec is not None and taker is not None and taker.frames <= self.head:  # else room tone only
                # The manifest's mistake, not the build's: the book's other files are published all the same.
                self.refused.append(sample_refusal(spec, raw / self.rate, past_end=window[0] >= raw))
                taker.abort()
                taker = None
            pad = self.grid.speech(raw) - raw
            wav.write(Pcm(np.zeros(pad, dtype=np.int16), self.rate))
            wav.close()
        except BaseException:
            wav.abort()
            if taker is not None:
                taker.abort()
            raise
        ch.raw, ch.spans = raw, spans
        if taker is not None:
            # The chapter file's tail (its speech piece's padding and tail piece): a sample that takes the
            # whole chapter is the chapter file, sample for sample.
            taker.write(Pcm(np.zeros(self._chapter_frames(ch) - self.head - raw, dtype=np.int16), self.rate))
            taker.close()
            self.sample_frames = taker.frames
            produced["sample"] = self.work / "out-sample.mp3"
            encodes.append(pool.submit(self._encode_sample, taker.path, produced["sample"]))
        if need_mp3 or need_aac:
            ch.encoded = pool.submit(self._encode, ch, wav.path, energy, need_mp3, need_aac)
        else:
            wav.path.unlink(missing_ok=True)

    def _encode(self, ch: ChapterSlot, wav: Path, energy: float, need_mp3: bool, need_aac: bool) -> None:
        """The chapter's gain (one for its file and its part of the book MP3; the AAC part's own, as its
        limiter sits lower), then its MP3 piece and AAC part in one ffmpeg run, into the piece store."""
        try:
            frames = self._chapter_frames(ch)
            gain = speech_gain(wav, self.profile, energy, frames, self.head)
            mp3 = (self.store.temp(ch.speech_key, "mp3"), self.profile.mp3_args(), chain(gain, self.profile)) \
                if need_mp3 else None
            aac_gain = None if gain is None or not need_aac else \
                speech_gain(wav, self.profile, energy, frames, self.head, margin_db=AAC_MARGIN_DB, start=gain)
            # The AAC part starts `lead` samples before the chapter, in the pause before it (grid.aac_lead).
            head = (self.head if ch.first else 0) + ch.lead
            length = self._part(ch) + ch.lead - ch.lead_next
            aac = (self.store.temp(ch.aac_key, "aac"), self.profile.aac_args(), chain(aac_gain, self.profile, AAC_MARGIN_DB),
                   head, length, ch.last) if need_aac else None
            try:
                encode_speech(wav, self.grid, mp3=mp3, aac=aac)
                if mp3 is not None:
                    self.store.put_mp3(mp3[0], ch.speech_key)
                    self.store.encoded.append(f"speech {ch.index}")
                if aac is not None:
                    self.store.put_aac(aac[0], ch.aac_key)
                    self.store.encoded.append(f"aac {ch.index}")
            finally:
                for out in (mp3, aac):
                    if out is not None:
                        out[0].unlink(missing_ok=True)
        finally:
            wav.unlink(missing_ok=True)  # a long book's chapter WAVs need not all sit on disk at once

    def _encode_sample(self, wav: Path, out: Path) -> None:
        try:
            write_chapter_mp3(wav, out, self.tags, f"{self.book.title}: sample", 1, 1,
                              codec_args=self.profile.mp3_args(), af=chain(file_gain(wav, self.profile), self.profile))
        finally:
            wav.unlink(missing_ok=True)

    def _publish_all(self, produced: dict[str, Path], samples: list[int],
                     marks: list[ChapterMark]) -> tuple[dict[str, Any], list[str]]:
        job, rate = self.job, self.rate
        seconds = {f"chapter-{ch.index:03d}": self._chapter_frames(ch) / rate for ch in self.chapters}
        seconds["m3u"] = seconds["mp3"] = seconds["m4b"] = sum(samples) / rate
        seconds["sample"] = (self.sample_frames or 0) / rate
        skip = ["sample"] if self.refused else []
        outputs, written = publish_outputs(job, self.root, self.out_dir, produced, self.kept, seconds, skip,
                                           foreign=self.foreign, kept_foreign=self.kept_foreign,
                                           digests=self.digests)
        entry = {"recipe": job.recipe, "title": self.book.title, "segments": job.keys(), "outputs": outputs,
                 "chapters": [[m.title, m.start_ms] for m in marks], "rate": rate, "samples": samples,
                 "layout": book_layout(self.book),
                 "parts": [[ch.plan.digest(), ch.raw] for ch in self.chapters],
                 "sources": lock_sources(job)}
        if self.timed:
            entry["spans"] = [ch.spans for ch in self.chapters]
        entry["pieces"] = forget_old_pieces(self.store, self.chapters, self.previous)
        return entry, written
