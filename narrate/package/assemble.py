"""Book assembly: cached sentence segments -> chapter MP3s, a whole-book MP3 and an M4B.

Assembly streams segment by segment into WAV files on disk, so memory stays bounded whatever the
book's length; ffmpeg encodes from those files, on worker threads so that encoding overlaps
streaming (each chapter's MP3 starts as soon as the chapter is written), and finished files are
published atomically, and only if their bytes changed. Only outputs whose recipe (see
`narrate.plan.books`) changed, or whose file was altered, are rendered again.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..audio.decode import decode
from ..audio.level import normalize as level_normalize
from ..audio.level import trim_silence
from ..audio.pcm import Pcm
from ..audio.profiles import AAC_MARGIN_DB
from ..audio.resample import resample
from ..audio.stream import WavStreamWriter
from ..cache import SegmentCache
from ..errors import NarrateError
from ..fsutil import make_work_dir, publish, remove_stale_temps, sha256_file
from ..manifest import Book
from ..plan.books import BookJob, ChapterPlan
from .book import BookTags, ChapterMark, m3u, write_book_mp3, write_chapter_mp3, write_m4b
from .extras import wants_spans, write_extras
from .levels import chain, file_gain
from .transcripts import duration_of, valid_spans

DEFAULT_RATE = 22050  # a book without a single sentence: silence only
# ffmpeg processes at once (tens of MB each). One more than the cores: the M4B, the slowest encode,
# then starts the moment the book's WAV is complete instead of queueing behind chapter MP3s.
ENCODE_WORKERS = (os.cpu_count() or 1) + 1


def _unit_pcm(cache: SegmentCache, key: str, book: Book, rate: int | None = None) -> Pcm:
    entry = cache.get(key)
    if entry is None:
        raise NarrateError(f"segment {key[:12]} is missing from the cache")
    pcm = decode(entry.audio, entry.format)
    if book.settings.silence.trim:
        pcm = trim_silence(pcm, threshold_dbov=book.settings.silence.threshold_dbov, keep_ms=20)
    if book.settings.level.enabled:
        # The profile's level, never the telephony default: each sentence near the file's target, so
        # the file's own gain (set before encoding) stays small.
        pcm = level_normalize(pcm, book.profile.unit_level_dbov, book.profile.unit_peak_dbfs)
    # One rate for the whole book, fixed before writing: sample counts (chapter starts, durations)
    # are then the same whichever chapters a build streams.
    return resample(pcm, rate) if rate else pcm


def build_book(job: BookJob, cache: SegmentCache, root: Path, progress: Callable[[int], None] = lambda n: None,
               *, previous: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Assemble one book. Returns (its lock entry, the output paths whose bytes changed).

    `previous` is the book's lock entry from the last build. An output whose recipe matches it and
    whose file still holds the recorded bytes is kept without being re-encoded; without
    `previous`, every output is rendered (and still only replaced if its bytes changed).
    `progress(n)` is called as sentences are streamed (or skipped), len(job.keys()) in all.
    """
    out_dir = Path(os.path.normpath(root / job.prefix))  # the book's output folder, as the manifest resolved it
    out_dir.mkdir(parents=True, exist_ok=True)
    # A killed build leaves its work folder behind (gigabytes of WAV for a long book).
    remove_stale_temps(out_dir, recursive=False)
    # Same filesystem as the outputs, so publishing is a rename.
    work = make_work_dir(out_dir)
    try:
        return _Assembly(job, cache, root, work, progress, previous or {}, out_dir).run()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _still_there(root: Path, rel: str, rec: Mapping[str, Any]) -> bool:
    path = root / rel
    try:
        st = os.lstat(path)  # a link is never "still there": it may lead out, or to a FIFO
        return stat.S_ISREG(st.st_mode) and st.st_size == rec.get("bytes") and sha256_file(path) == rec.get("sha256")
    except OSError:
        return False


class _Count:
    """A sink that only counts samples: a chapter whose length is unknown but whose audio is not needed."""

    def __init__(self) -> None:
        self.frames = 0

    def write(self, pcm: Pcm) -> None:
        self.frames += len(pcm.samples)


class _Assembly:
    """One pass over the chapters, writing only what stale outputs need. ffmpeg encodes run on
    worker threads (each is a subprocess, so it uses another core while this thread streams)."""

    def __init__(self, job: BookJob, cache: SegmentCache, root: Path, work: Path,
                 progress: Callable[[int], None], previous: Mapping[str, Any], out_dir: Path) -> None:
        self.job, self.cache, self.root, self.work, self.progress = job, cache, root, work, progress
        self.out_dir = out_dir
        self.book = job.book
        self.previous = previous
        old = previous.get("outputs", {})
        self.kept = {oid: old[oid] for oid, rel in job.outputs.items()
                     if oid in old and old[oid].get("recipe") == job.recipes[oid] and old[oid].get("file") == rel
                     and _still_there(root, rel, old[oid])}
        self.tags = BookTags(self.book.title, self.book.author, self.book.cover, self.book.language, self.book.meta)
        self.profile = self.book.profile
        self.sample_frames: int | None = None
        # Captions and feeds (narrate.package.extras): where each unit starts and ends in its chapter file.
        self.timed = wants_spans(job)
        self.spans = valid_spans(previous.get("spans"), job, previous.get("samples")) if self.timed else []

    def run(self) -> tuple[dict[str, Any], list[str]]:
        pool = ThreadPoolExecutor(ENCODE_WORKERS)
        try:
            return self._run(pool)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # no ffmpeg outlives its work folder

    def _run(self, pool: ThreadPoolExecutor) -> tuple[dict[str, Any], list[str]]:
        job = self.job
        rate = self._rate()
        known = self._known_samples(rate)
        whole = [oid for oid in ("m4b", "mp3") if oid in job.outputs and oid not in self.kept]  # slowest first
        produced: dict[str, Path] = {}
        samples: list[int] = []
        encodes: list[Future[None]] = []
        book_wav = WavStreamWriter(self.work / "book.wav", rate) if whole else None
        n = len(job.chapters)
        for i, chapter in enumerate(job.chapters, 1):
            oid = f"chapter-{i:03d}"
            own = sample = None
            if oid in job.outputs and oid not in self.kept:
                own = WavStreamWriter(self.work / f"{oid}.wav", rate)
            if i - 1 == job.sample_chapter and "sample" in job.outputs and "sample" not in self.kept:
                sample = WavStreamWriter(self.work / "sample.wav", rate)
            recorded = known[i - 1]
            if not (book_wav or own or sample) and recorded is not None and (not self.timed or self.spans[i - 1] is not None):
                samples.append(recorded)  # nothing to write, and its length (and spans) on record
                self.progress(len(chapter.units))
                continue
            spans: list[int] = []
            samples.append(self._stream(chapter, rate, i == 1, i == n, book_wav or _Count(), own, sample, spans))
            if self.timed:
                self.spans[i - 1] = spans
            if own:
                own.close()
                produced[oid] = self.work / f"out-{oid}.mp3"
                encodes.append(pool.submit(self._encode_chapter, own.path, produced[oid], chapter.title, i))
            if sample:
                sample.close()
                self.sample_frames = sample.frames
                produced["sample"] = self.work / "out-sample.mp3"
                encodes.append(pool.submit(self._encode_chapter, sample.path, produced["sample"],
                                           f"{self.book.title}: sample", 1, 1))
        marks = self._marks(samples, rate)
        if book_wav:
            book_wav.close()
            gain = pool.submit(file_gain, book_wav.path, self.profile)  # measured once for both files
            for oid in whole:
                produced[oid] = self.work / f"out-book.{oid}"
                encodes.append(pool.submit(self._encode_whole, oid, book_wav.path, produced[oid], marks, gain))
        if "m3u" in job.outputs and "m3u" not in self.kept:
            produced["m3u"] = self.work / "out.m3u"
            produced["m3u"].write_text(self._playlist(samples, rate), encoding="utf-8")
        for encode in encodes:
            encode.result()  # the first failed encode raises here
        if self.timed or "artwork" in job.outputs:
            files = [self._chapter_frames(i, n, rate) for i, n in enumerate(samples, 1)]
            produced.update(write_extras(job, self.work, self.kept, produced, [s or [] for s in self.spans], samples, rate,
                                         self.cache, files))
        return self._publish_all(produced, samples, rate, marks)

    def _rate(self) -> int:
        """The book's sample rate: its first sentence's (all come from one provider and voice)."""
        first = next((k for ch in self.job.chapters for k, _ in ch.units), None)
        return _unit_pcm(self.cache, first, self.book).rate if first else DEFAULT_RATE

    def _known_samples(self, rate: int) -> list[int | None]:
        """Per chapter, its length in samples if the last build's is still right (else None)."""
        n = len(self.job.chapters)
        old = self.previous.get("samples")
        if self.previous.get("rate") != rate or not isinstance(old, list) or len(old) != n:
            return [None] * n
        whole = [oid for oid in ("mp3", "m4b") if oid in self.job.outputs]
        if whole and all(oid in self.kept for oid in whole):
            return list(old)  # their recipes cover every sentence of every chapter
        return [old[i] if f"chapter-{i + 1:03d}" in self.kept else None for i in range(n)]

    def _stream(self, chapter: ChapterPlan, rate: int, first: bool, last: bool, book: Any,
                own: WavStreamWriter | None, sample: WavStreamWriter | None, spans: list[int] | None = None) -> int:
        """One chapter into its sinks; returns its length in the whole-book stream, in samples.
        `spans` receives each sentence's start and end sample in the chapter file (after its head),
        for narrate.package.transcripts.

        The chapter file (`own`) and the sample get the profile's head and tail room tone around the
        speech; in the whole book (`book`) the head opens the first chapter, the tail closes the last,
        and between chapters each chapter's `after_ms`. The last sentence's pause is never played:
        the tail replaces it. The sample is the chapter's whole sentences from its `start_s`, as many
        as fit in `length_s`.
        """
        p = self.profile
        head, tail = Pcm.silence(p.head_s, rate), Pcm.silence(p.tail_s, rate)
        spec = self.book.sample
        start = round(spec.start_s * rate) if spec and sample else 0
        room = round(spec.length_s * rate) - len(head.samples) - len(tail.samples) if spec and sample else 0
        frames = at = taken = 0
        pending: Pcm | None = None  # a pause written to the sample only if another sentence follows
        taking = sample is not None

        def put(pcm: Pcm, *sinks: Any) -> None:
            for sink in sinks:
                if sink is not None:
                    sink.write(pcm)

        try:
            put(head, own, sample)
            if first:
                put(head, book)
                frames += len(head.samples)
            for n, (key, pause) in enumerate(chapter.units):
                pcm = _unit_pcm(self.cache, key, self.book, rate)
                gap = Pcm.silence(pause / 1000 if n < len(chapter.units) - 1 else 0, rate)
                if spans is not None:
                    spans += [len(head.samples) + at, len(head.samples) + at + len(pcm.samples)]
                put(pcm, book, own)
                put(gap, book, own)
                if taking and at >= start:
                    needed = len(pcm.samples) + (len(pending.samples) if pending is not None else 0)
                    if taken + needed <= room:
                        for part in (pending, pcm):
                            if part is not None:
                                put(part, sample)
                        taken, pending = taken + needed, gap
                    else:
                        taking = False
                at += len(pcm.samples) + len(gap.samples)
                self.progress(1)
            if sample is not None and spec is not None and taken == 0:  # else a sample of room tone only
                raise NarrateError(f"sample: no whole sentence of chapter {spec.chapter} fits from start_s "
                                   f"{spec.start_s:g} s within length_s {spec.length_s:g} s (the chapter's speech "
                                   f"is {at / rate:.1f} s long)")
            frames += at
            put(tail, own, sample)
            end = tail if last else Pcm.silence(chapter.after_ms / 1000, rate)
            put(end, book)
            frames += len(end.samples)
        except BaseException:
            for sink in (book, own, sample):
                if isinstance(sink, WavStreamWriter):
                    sink.abort()
            raise
        return frames

    def _chapter_frames(self, i: int, book_frames: int, rate: int) -> int:
        """Chapter i's file length (head, speech, tail) from its length in the whole-book stream."""
        p, n = self.profile, len(self.job.chapters)
        head, tail = round(p.head_s * rate), round(p.tail_s * rate)
        after = tail if i == n else round(self.job.chapters[i - 1].after_ms * rate / 1000)
        return book_frames - (head if i == 1 else 0) - after + head + tail

    def _encode_chapter(self, wav: Path, out: Path, title: str, track: int, total: int | None = None) -> None:
        try:
            write_chapter_mp3(wav, out, self.tags, title, track, total or len(self.job.chapters),
                              codec_args=self.profile.mp3_args(), af=chain(file_gain(wav, self.profile), self.profile))
        finally:
            wav.unlink(missing_ok=True)  # a long book's chapter WAVs need not all sit on disk at once

    def _encode_whole(self, oid: str, wav: Path, out: Path, marks: list[ChapterMark], gain: Future[float | None]) -> None:
        if oid == "m4b":
            write_m4b(wav, out, self.tags, marks, self.work, codec_args=self.profile.aac_args(),
                      af=chain(gain.result(), self.profile, AAC_MARGIN_DB))
        else:
            write_book_mp3(wav, out, self.tags, marks, self.work, codec_args=self.profile.mp3_args(),
                           af=chain(gain.result(), self.profile))

    def _marks(self, samples: list[int], rate: int) -> list[ChapterMark]:
        marks, at = [], 0
        for chapter, n in zip(self.job.chapters, samples, strict=True):
            marks.append(ChapterMark(chapter.title, round(at * 1000 / rate), round((at + n) * 1000 / rate)))
            at += n
        return marks

    def _playlist(self, samples: list[int], rate: int) -> str:
        return m3u([(Path(self.job.outputs[f"chapter-{i:03d}"]).name, self._chapter_frames(i, n, rate) / rate, ch.title)
                    for i, (ch, n) in enumerate(zip(self.job.chapters, samples, strict=True), 1)])

    def _publish_all(self, produced: dict[str, Path], samples: list[int], rate: int,
                     marks: list[ChapterMark]) -> tuple[dict[str, Any], list[str]]:
        job = self.job
        seconds = {f"chapter-{i:03d}": self._chapter_frames(i, n, rate) / rate for i, n in enumerate(samples, 1)}
        seconds["m3u"] = seconds["mp3"] = seconds["m4b"] = sum(samples) / rate
        seconds["sample"] = (self.sample_frames or 0) / rate
        written, outputs = [], {}
        for oid, rel in job.outputs.items():
            if oid in self.kept:
                outputs[oid] = dict(self.kept[oid])
                continue
            tmp = produced[oid]
            digest, size = sha256_file(tmp), tmp.stat().st_size
            if publish(tmp, self.root / rel, within=self.out_dir):
                written.append(rel)
            outputs[oid] = {"file": rel, "sha256": digest, "bytes": size,
                            "duration": round(seconds[oid] if oid in seconds else duration_of(oid, seconds), 3),
                            "recipe": job.recipes[oid]}
        entry = {"recipe": job.recipe, "title": self.book.title, "segments": job.keys(), "outputs": outputs,
                 "chapters": [[m.title, m.start_ms] for m in marks], "rate": rate, "samples": samples,
                 "sources": {ch.source.name: [ch.title, ch.digest()] for ch in job.chapters}}
        if self.timed:
            entry["spans"] = self.spans
        return entry, written
