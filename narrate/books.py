"""Books: Markdown chapters -> sentence segments -> chapter MP3s, a whole-book MP3 and an M4B.

Planning reads the chapter files (the only I/O) and returns content-addressed segments: one per
sentence, so editing one sentence synthesizes one segment. Assembly streams segment by segment
into WAV files on disk, so memory stays bounded whatever the book's length; ffmpeg then encodes
from those files, and finished files are published atomically (and only if their bytes changed).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from .audio.decode import decode
from .audio.level import normalize as level_normalize
from .audio.level import trim_silence
from .audio.pcm import Pcm
from .audio.stream import WavStreamWriter
from .cache import SegmentCache
from .errors import ManifestError, NarrateError, Problem
from .fsutil import sha256_file
from .manifest import Book, Manifest
from .package.book import BookTags, ChapterMark, m3u, write_book_mp3, write_chapter_mp3, write_m4b
from .plan import KeyMaker, Segment, manifest_relative
from .providers.base import Provider, SynthesisRequest
from .text import Lexicon
from .text.chapter import chapter_units
from .text.markdown import markdown_to_speakable

BOOK_RENDER_VERSION = "1"
CHAPTER_LEAD_MS = 400
CHAPTER_TAIL_MS = 1200


@dataclass
class ChapterPlan:
    source: Path
    title: str
    units: list[tuple[str, int]]  # (segment key, pause after in ms)

    def digest(self) -> str:
        """What this chapter sounds like, for `narrate plan`'s per-chapter diff."""
        return hashlib.sha256("\n".join(f"{k}:{p}" for k, p in self.units).encode()).hexdigest()[:16]


@dataclass
class BookJob:
    book: Book
    prefix: str  # the book's output folder relative to the manifest's folder
    chapters: list[ChapterPlan]
    segments: dict[str, Segment] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # output id -> path relative to the manifest's folder
    recipe: str = ""

    @property
    def id(self) -> str:
        return f"books/{self.book.name}"

    def keys(self) -> list[str]:
        return [k for ch in self.chapters for k, _ in ch.units]


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60] or "chapter"


def plan_books(manifest: Manifest, providers: Mapping[str, Provider], lexicon: Lexicon | None) -> list[BookJob]:
    keys = KeyMaker()
    jobs = []
    for book in manifest.books:
        provider = providers[book.settings.provider]
        s = book.settings
        voice = s.voice or book.language.lower()
        prefix = manifest_relative(manifest, book.output)
        job = BookJob(book, prefix, [])
        for path in book.chapters:
            try:
                source = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise ManifestError([Problem(str(path), None, f"books.{book.name}.sources",
                                             f"cannot read chapter: {exc}")]) from None
            doc = markdown_to_speakable(source, code=book.code, tables=book.tables,  # type: ignore[arg-type]
                                        footnotes=book.footnotes, path=str(path))  # type: ignore[arg-type]
            title = doc.title or path.stem
            chapter = ChapterPlan(path, title, [])
            for unit in chapter_units(doc, provider.limits.max_chars, book.language, lexicon):
                request = SynthesisRequest(text=unit.text, voice=voice, language=book.language, model=s.model,
                                           speed=s.speed, telephony=False, options=s.options)
                key, head = keys.key_and_head(provider, request)
                job.segments.setdefault(key, Segment(key, s.provider, request, head.decode()))
                chapter.units.append((key, unit.pause_after_ms))
            job.chapters.append(chapter)
        _name_outputs(job)
        jobs.append(job)
    return jobs


def _name_outputs(job: BookJob) -> None:
    book = job.book
    if "chapters" in book.formats:
        for i, ch in enumerate(job.chapters, 1):
            job.outputs[f"chapter-{i:03d}"] = f"{job.prefix}/{i:02d}-{slug(ch.title)}.mp3"
        job.outputs["m3u"] = f"{job.prefix}/{book.name}.m3u"
    if "mp3" in book.formats:
        job.outputs["mp3"] = f"{job.prefix}/{book.name}.mp3"
    if "m4b" in book.formats:
        job.outputs["m4b"] = f"{job.prefix}/{book.name}.m4b"
    lvl, sil = book.settings.level, book.settings.silence
    parts = [BOOK_RENDER_VERSION, book.title, book.author or "", book.language, ",".join(book.formats),
             sha256_file(book.cover) if book.cover else "", repr((lvl.enabled, lvl.target_dbov, lvl.peak_dbfs)),
             repr((sil.trim, sil.threshold_dbov))]
    for ch in job.chapters:
        parts.append(ch.title)
        parts.extend(f"{k}:{p}" for k, p in ch.units)
    job.recipe = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _unit_pcm(cache: SegmentCache, key: str, book: Book) -> Pcm:
    entry = cache.get(key)
    if entry is None:
        raise NarrateError(f"segment {key[:12]} is missing from the cache")
    pcm = decode(entry.audio, entry.format)
    if book.settings.silence.trim:
        pcm = trim_silence(pcm, threshold_dbov=book.settings.silence.threshold_dbov, keep_ms=20)
    if book.settings.level.enabled:
        pcm = level_normalize(pcm, book.settings.level.target_dbov, book.settings.level.peak_dbfs)
    return pcm


def _silence(ms: int, rate: int) -> Pcm:
    return Pcm.silence(ms / 1000, rate)


def _publish(tmp: Path, final: Path) -> bool:
    """Move a finished file into place atomically, unless the same bytes are already there."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and final.stat().st_size == tmp.stat().st_size and sha256_file(final) == sha256_file(tmp):
        tmp.unlink()
        return False
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return True


def build_book(job: BookJob, cache: SegmentCache, root: Path,
               progress: Callable[[int], None] = lambda n: None) -> tuple[dict[str, Any], list[str]]:
    """Assemble one book. Returns (its lock entry, the output paths whose bytes changed)."""
    out_dir = root / job.prefix
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".narrate-work-", dir=out_dir))  # same filesystem: renames are atomic
    try:
        return _assemble(job, cache, root, work, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _assemble(job: BookJob, cache: SegmentCache, root: Path, work: Path,
              progress: Callable[[int], None]) -> tuple[dict[str, Any], list[str]]:
    book = job.book
    tags = BookTags(book.title, book.author, book.cover, book.language)
    whole = "mp3" in book.formats or "m4b" in book.formats
    book_writer = WavStreamWriter(work / "book.wav") if whole else None
    marks: list[ChapterMark] = []
    chapter_files: list[tuple[Path, float]] = []
    rate: int | None = None
    for i, chapter in enumerate(job.chapters, 1):
        start_ms = round(book_writer.duration * 1000) if book_writer else 0
        with WavStreamWriter(work / f"chapter-{i:03d}.wav") as chapter_writer:
            writers = [chapter_writer] + ([book_writer] if book_writer else [])
            for key, pause in chapter.units:
                pcm = _unit_pcm(cache, key, book)
                rate = rate or pcm.rate
                if chapter_writer.frames == 0:
                    for w in writers:
                        w.write(_silence(CHAPTER_LEAD_MS, pcm.rate))
                for w in writers:
                    w.write(pcm)
                    w.write(_silence(pause, pcm.rate))
                progress(1)
            for w in writers:
                w.write(_silence(CHAPTER_TAIL_MS, rate or 22050))
            chapter_seconds = chapter_writer.duration
        chapter_files.append((work / f"chapter-{i:03d}.wav", chapter_seconds))
        end_ms = round(book_writer.duration * 1000) if book_writer else 0
        marks.append(ChapterMark(chapter.title, start_ms, end_ms))
    if book_writer:
        book_writer.close()

    produced: dict[str, tuple[Path, float]] = {}
    if "chapters" in book.formats:
        total = len(job.chapters)
        playlist = []
        for i, ((wav, seconds), chapter) in enumerate(zip(chapter_files, job.chapters), 1):
            out = work / f"out-chapter-{i:03d}.mp3"
            write_chapter_mp3(wav, out, tags, chapter.title, i, total)
            produced[f"chapter-{i:03d}"] = (out, seconds)
            playlist.append((Path(job.outputs[f"chapter-{i:03d}"]).name, seconds, chapter.title))
        m3u_path = work / "out.m3u"
        m3u_path.write_text(m3u(playlist), encoding="utf-8")
        produced["m3u"] = (m3u_path, sum(s for _, s in chapter_files))
    for wav, _ in chapter_files:
        wav.unlink()
    if whole:
        total_seconds = marks[-1].end_ms / 1000 if marks else 0.0
        if "mp3" in book.formats:
            out = work / "out-book.mp3"
            write_book_mp3(work / "book.wav", out, tags, marks, work)
            produced["mp3"] = (out, total_seconds)
        if "m4b" in book.formats:
            out = work / "out-book.m4b"
            write_m4b(work / "book.wav", out, tags, marks, work)
            produced["m4b"] = (out, total_seconds)
    written, outputs = [], {}
    for output_id, rel in job.outputs.items():
        tmp, seconds = produced[output_id]
        digest, size = sha256_file(tmp), tmp.stat().st_size
        if _publish(tmp, root / rel):
            written.append(rel)
        outputs[output_id] = {"file": rel, "sha256": digest, "bytes": size, "duration": round(seconds, 3)}
    entry = {"recipe": job.recipe, "title": book.title, "segments": job.keys(), "outputs": outputs,
             "chapters": [[m.title, m.start_ms] for m in marks],
             "sources": {ch.source.name: [ch.title, ch.digest()] for ch in job.chapters}}
    return entry, written
