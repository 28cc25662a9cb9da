"""Book planning: Markdown chapters -> sentence segments, and one recipe per output.

Chapters are read through the manifest's bounded reader (the only I/O here) and returned as
content-addressed segments, one per sentence, so editing one sentence synthesizes one segment.
Each output (chapter MP3, M3U, book MP3, M4B) gets a recipe: a digest of everything that makes
its bytes, so a rebuild renders only the outputs whose recipe changed (`narrate.package.assemble`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..audio.formats import AAC_ARGS, MP3_ARGS
from ..fsutil import sha256_file
from ..manifest import Book, Manifest, read_text_input
from ..providers.base import Provider, SynthesisRequest
from ..text import Lexicon
from ..text.chapter import chapter_units
from ..text.frontend import normalization_applies
from ..text.lexicon_compile import alphabets_for, out_of_band
from ..text.markdown import MarkdownOptions, markdown_to_speakable
from .prompts import KeyMaker, Segment, manifest_relative

BOOK_RENDER_VERSION = "2"
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
    recipes: dict[str, str] = field(default_factory=dict)  # output id -> digest of what makes its bytes
    recipe: str = ""  # the whole book's: unchanged means every output is current

    @property
    def id(self) -> str:
        return f"books/{self.book.name}"

    def keys(self) -> list[str]:
        return [k for ch in self.chapters for k, _ in ch.units]


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60] or "chapter"


def markdown_options(book: Book) -> MarkdownOptions:
    """How this book's chapters are read: its `markdown:` section over the older keys (code, tables, footnotes)."""
    older = {"code": book.code, "tables": book.tables, "footnotes": book.footnotes}
    return MarkdownOptions.from_settings(**{**older, **book.markdown})


def plan_books(manifest: Manifest, providers: Mapping[str, Provider], lexicon: Lexicon | None) -> list[BookJob]:
    """One BookJob per book: chapters read (bounded) and parsed to speakable text, one segment per
    sentence (keys as for prompts), and a recipe per output. Raises ManifestError for an
    unreadable chapter."""
    keys = KeyMaker()
    jobs = []
    for book in manifest.books:
        provider = providers[book.settings.provider]
        s = book.settings
        voice = s.voice or book.language.lower()
        prefix = manifest_relative(manifest, book.output)
        job = BookJob(book, prefix, [])
        for path in book.chapters:
            # Bounded, regular files only (a FIFO or /dev/zero as a chapter must not hang the build).
            source = read_text_input(path, key_path=f"books.{book.name}.sources")
            doc = markdown_to_speakable(source, markdown_options(book), path=str(path))
            title = doc.title or path.stem
            chapter = ChapterPlan(path, title, [])
            # Chapters are plain text: providers that take pronunciations out of band get them so, the
            # others (SSML phonemes included) the respelling (narrate.text.lexicon_compile).
            band = alphabets_for(provider) if lexicon is not None and out_of_band(provider) else ()
            for unit in chapter_units(doc, provider.limits.max_chars, book.language, lexicon,
                                      spoken=normalization_applies(provider), keep=band):
                entries = lexicon.phonetic_entries(unit.text, book.language, band) if band and lexicon else ()
                request = SynthesisRequest(text=unit.text, voice=voice, language=book.language, model=s.model,
                                           speed=s.speed, telephony=False, options=s.options, lexicon=entries)
                key, head = keys.key_and_head(provider, request)
                job.segments.setdefault(key, Segment(key, s.provider, request, head.decode()))
                chapter.units.append((key, unit.pause_after_ms))
            job.chapters.append(chapter)
        _name_outputs(job)
        jobs.append(job)
    return jobs


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _name_outputs(job: BookJob) -> None:
    """Output paths, and a recipe per output: everything that changes its bytes, nothing else.

    A chapter MP3's recipe holds only its own sentences, so an edit in chapter 7 re-encodes
    chapter 7 and the whole-book files, not the other chapters.
    """
    book = job.book
    lvl, sil = book.settings.level, book.settings.silence
    audio = [BOOK_RENDER_VERSION, repr((lvl.enabled, lvl.target_dbov, lvl.peak_dbfs)),
             repr((sil.trim, sil.threshold_dbov)), f"{CHAPTER_LEAD_MS}:{CHAPTER_TAIL_MS}"]
    tags = [book.title, book.author or "", book.language, sha256_file(book.cover) if book.cover else ""]
    spoken = [[ch.title, *(f"{k}:{p}" for k, p in ch.units)] for ch in job.chapters]
    everything = [part for chapter in spoken for part in (*chapter, "\x1e")]
    total = len(job.chapters)
    if "chapters" in book.formats:
        names = []
        for i, ch in enumerate(job.chapters, 1):
            rel = f"{job.prefix}/{i:02d}-{slug(ch.title)}.mp3"
            job.outputs[f"chapter-{i:03d}"] = rel
            job.recipes[f"chapter-{i:03d}"] = _digest(*audio, *tags, *MP3_ARGS, f"{i}/{total}", *spoken[i - 1])
            names.append(Path(rel).name)
        job.outputs["m3u"] = f"{job.prefix}/{book.name}.m3u"
        job.recipes["m3u"] = _digest(*audio, "m3u", *names, *everything)
    if "mp3" in book.formats:
        job.outputs["mp3"] = f"{job.prefix}/{book.name}.mp3"
        job.recipes["mp3"] = _digest(*audio, *tags, *MP3_ARGS, "book-mp3", *everything)
    if "m4b" in book.formats:
        job.outputs["m4b"] = f"{job.prefix}/{book.name}.m4b"
        job.recipes["m4b"] = _digest(*audio, *tags, *AAC_ARGS, "book-m4b", *everything)
    job.recipe = _digest(*audio, *tags, ",".join(book.formats), *everything)


