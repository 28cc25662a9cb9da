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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ManifestError, Problem
from ..errors import shown as show
from ..fsutil import sha256_file
from ..manifest import Book, Manifest, read_text_input
from ..manifest.advice import windows_problem
from ..manifest.inputs import beside
from ..manifest.resolved import Pauses
from ..providers.base import Provider, SynthesisRequest
from ..text import Lexicon
from ..text.frontend import normalization_applies
from ..text.lexicon_compile import alphabets_for, out_of_band, segment_entries
from ..text.markup import target_of
from ..text.md_options import MarkdownOptions
from ..text.written_unit import WrittenUnit
from .apart import run_apart
from .book_extras import name_extras
from .chapter_memo import ChapterMemo, Reading, chapter_context, text_digest
from .memo import lexicon_digest
from .prompts import KeyMaker, Segment, manifest_relative

if TYPE_CHECKING:
    from ..text.markdown import SpeakableDoc

BOOK_RENDER_VERSION = "7"  # 3: profiles (levels, rates, head/tail room tone per file), credits, sample; 4: frame grid;
# 5: AAC parts begin in the pause before them (grid.aac_lead: clean joins); 6: a chapter's gain corrected
# until it lands (short chapters), loudness measured with the file's room tone (package.levels);
# 7: secant gain corrections, the AAC parts' own gain, the sample's corrected like a chapter's
CREDITS = {"opening": "Opening Credits", "closing": "Closing Credits"}


@dataclass
class ChapterPlan:
    source: Path  # the chapter file; for credits a bare name ("opening-credits")
    title: str
    units: list[tuple[str, int]]  # (segment key, pause after in ms; the last unit's is not played)
    after_ms: int = 2000  # silence after this chapter, before the next, in the whole-book files
    # For transcripts and feeds (books with `transcripts:` or `feed:` only): each unit's written text
    # (narrate.text.written), and the chapter's front matter (dates, descriptions of feed episodes).
    written: list[WrittenUnit] = field(default_factory=list)
    front: dict[str, Any] = field(default_factory=dict)
    shown: str = ""  # the chapter's file as messages name it (relative to the manifest's folder)
    named: str = ""  # what its file name is made from (SpeakableDoc.named); "": the title

    def digest(self) -> str:
        """What this chapter sounds like, for `narrate plan`'s per-chapter diff."""
        return hashlib.sha256("\n".join(f"{k}:{p}" for k, p in self.units).encode()).hexdigest()[:16]

    def written_texts(self) -> list[str]:
        """The written text of each unit ("" where a unit continues the cue before it)."""
        return [w.text or "" for w in self.written]


@dataclass
class BookJob:
    book: Book
    prefix: str  # the book's output folder relative to the manifest's folder
    chapters: list[ChapterPlan]
    segments: dict[str, Segment] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # output id -> path relative to the manifest's folder
    recipes: dict[str, str] = field(default_factory=dict)  # output id -> digest of what makes its bytes
    recipe: str = ""  # the whole book's: unchanged means every output is current
    sample_chapter: int | None = None  # index into `chapters` of the retail sample's chapter

    @property
    def id(self) -> str:
        return f"books/{self.book.name}"

    def keys(self) -> list[str]:
        return [k for ch in self.chapters for k, _ in ch.units]


def lock_sources(job: BookJob) -> dict[str, list[str]]:
    """The lock's `sources`: each chapter's file name -> [title, digest of its segments]. `narrate plan`
    diffs chapters by it, and a book whose record differs is not current (a renamed chapter file with
    the same words would otherwise leave the old name in the lock, and in every later plan)."""
    return {ch.source.name: [ch.title, ch.digest()] for ch in job.chapters}


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60] or "chapter"


_BUNDLE_PAGES = ("index", "_index", "readme")  # a page bundle's page (Hugo, Docusaurus, GitHub): its folder names it


def episode_name(source: Path) -> str:
    """A feed episode's file name (no extension): its article's file name, or for `posts/old-roads/index.md`
    its folder's, slugged."""
    stem = source.stem
    return slug(source.parent.name if stem.casefold() in _BUNDLE_PAGES and source.parent.name else stem)


def markdown_options(book: Book) -> MarkdownOptions:
    """How this book's chapters are read: its `markdown:` section over the older keys (code, tables, footnotes)."""
    older = {"code": book.code, "tables": book.tables, "footnotes": book.footnotes}
    return MarkdownOptions.from_settings(**{**older, **book.markdown})


def plan_books(manifest: Manifest, providers: Mapping[str, Provider], lexicon: Lexicon | None,
               memo: ChapterMemo | None = None, *, apart: bool = False) -> list[BookJob]:
    """One BookJob per book: chapters read (bounded) and parsed to speakable text, one segment per
    sentence (keys as for prompts), and a recipe per output. Raises ManifestError for an
    unreadable chapter. `memo`: the readings of earlier builds' chapters (plan.chapter_memo). `apart`:
    the chapters it lacks are read in a child process (a build, whose process then assembles the books
    beside ffmpeg without the front-end's heap: plan.apart)."""
    keys = KeyMaker()
    lexicon_sum = lexicon_digest(lexicon) if memo is not None else ""
    read = read_apart(manifest, providers, lexicon, memo, lexicon_sum) if apart and memo is not None else None
    jobs = []
    for book in manifest.books:
        provider = providers[book.settings.provider]
        prefix = manifest_relative(manifest, book.output)
        job = BookJob(book, prefix, [])

        add = partial(_add_chapter, job, provider, keys, lexicon, memo=memo, lexicon_sum=lexicon_sum, read=read)
        if book.opening_credits:
            add(Path("opening-credits"), book.opening_credits, CREDITS["opening"], None, book.pauses)
        for path in book.chapters:
            # Bounded, regular files only (a FIFO or /dev/zero as a chapter must not hang the build).
            source = read_text_input(path, key_path=f"books.{book.name}.sources", pinned=True)
            own = book.settings_for(path)
            if book.sample is not None and book.sample.chapter == len(job.chapters) + 1 - bool(book.opening_credits):
                job.sample_chapter = len(job.chapters)
            shown_as = beside(manifest.named, manifest_relative(manifest, path))  # from where narrate runs
            add(path, source, None, own.voice, own.pauses, shown_as=shown_as)
            if not job.chapters[-1].units:  # code, comments or markup only: say so, rather than publish room tone
                captions = book.transcripts is not None and "chapters" in book.formats and \
                    any(f in ("vtt", "srt") for f in book.transcripts.formats)
                manifest.warnings.append(Problem(shown_as, None, f"books.{book.name}.sources",
                                                 "nothing to speak in this chapter: its file will be silence" +
                                                 (", with no caption files" if captions else "")))
        if book.closing_credits:
            add(Path("closing-credits"), book.closing_credits, CREDITS["closing"], None, book.pauses)
        _name_outputs(job)
        name_extras(job, manifest.named)
        _check_names(job, manifest)
        jobs.append(job)
    return jobs


def markdown_to_speakable(source: str, options: MarkdownOptions, *, path: str) -> SpeakableDoc:
    """narrate.text.markdown's reader, loaded when a chapter is first read, not with this module: a build
    reads its chapters in a child process (read_apart) and its own never loads the Markdown stack."""
    from ..text.markdown import markdown_to_speakable as read

    return read(source, options, path=path)


def check_chapters(manifest: Manifest) -> list[Problem]:
    """Every chapter's problems that `narrate validate` reports: unreadable files and malformed
    prompt markup, located at the chapter's line (path relative to the manifest's folder)."""
    problems: list[Problem] = []
    for book in manifest.books:
        for path in book.chapters:
            try:
                source = read_text_input(path, key_path=f"books.{book.name}.sources", pinned=True)
                markdown_to_speakable(source, markdown_options(book),
                                     path=beside(manifest.named, manifest_relative(manifest, path)))
            except ManifestError as exc:
                problems.extend(exc.problems)
    return problems


def _add_chapter(job: BookJob, provider: Provider, keys: KeyMaker, lexicon: Lexicon | None, source: Path, text: str,
                 title: str | None, voice: str | None, pauses: Pauses, shown_as: str | None = None, *,
                 memo: ChapterMemo | None = None, lexicon_sum: str = "",
                 read: dict[tuple[str, str], Reading] | None = None) -> None:
    """Append one chapter (Markdown `text`) to the job: a segment per sentence, in `voice` (None: the
    book's). Prompt markup compiles per provider (text/chapter.py); the compiled text is what is
    hashed. `shown_as`: the chapter's path in error messages (relative to the manifest's folder).
    `memo`: an unchanged chapter's reading is taken from it (`lexicon_sum`: the lexicon's digest);
    `read`: the readings made ahead in a child process (`read_apart`), by memo context and text digest."""
    book = job.book
    s = book.settings
    spoken, band, keeps_written, voice = _reading_terms(book, provider, lexicon, voice)
    context = digest = ""
    reading = None
    if memo is not None:
        context = _context(memo.stamp, book, provider, lexicon_sum, spoken, band, keeps_written, voice, title, pauses)
        digest = text_digest(text)
        reading = memo.get(context, digest)
    if reading is None:
        reading = read.pop((context, digest), None) if read else None
        if reading is None:
            reading = _read_chapter(book, provider, lexicon, source, text, pauses, shown_as, spoken, band,
                                    keeps_written)
        if memo is not None:
            memo.put(context, digest, reading)
    chapter = ChapterPlan(source, title or reading.title or source.stem, [], pauses.chapter_ms,
                          shown=shown_as or str(source), named=title or reading.named or source.stem)
    for unit_text, ssml, pause in reading.units:
        entries = segment_entries(lexicon, unit_text, book.language, band, ssml) if band and lexicon else ()
        request = SynthesisRequest(text=unit_text, voice=voice, language=book.language, model=s.model, speed=s.speed,
                                   telephony=False, options=s.options, ssml=ssml, lexicon=entries)
        # The header as text is the KeyMaker's one per voice, shared: not a copy per sentence.
        key, _, head = keys.key_and_heads(provider, request)
        job.segments.setdefault(key, Segment(key, s.provider, request, head))
        chapter.units.append((key, pause))
    if keeps_written:
        chapter.written = [WrittenUnit(w, heading) for w, heading in reading.written or ()]
        chapter.front = reading.front if reading.front is not None else {}
    job.chapters.append(chapter)


def _reading_terms(book: Book, provider: Provider, lexicon: Lexicon | None,
                   voice: str | None) -> tuple[bool, tuple[str, ...], bool, str]:
    """(normalised, out-of-band alphabets, keeps written units, voice) of a chapter read for `provider`."""
    spoken = normalization_applies(provider)
    # Providers that take pronunciations out of band get them so, the others the respelling
    # (narrate.text.lexicon_compile).
    band = alphabets_for(provider) if lexicon is not None and out_of_band(provider) else ()
    keeps_written = book.transcripts is not None or book.feed is not None
    return spoken, band, keeps_written, voice or book.settings.voice or book.language.lower()


def _context(stamp: str, book: Book, provider: Provider, lexicon_sum: str, spoken: bool, band: tuple[str, ...],
             keeps_written: bool, voice: str, title: str | None, pauses: Pauses) -> str:
    """A chapter's chapter-memo context (plan.chapter_memo.chapter_context)."""
    return chapter_context(stamp, lexicon=lexicon_sum, language=book.language, normalized=spoken,
                           target=target_of(provider), max_chars=provider.limits.max_chars, band=band,
                           markdown=repr(markdown_options(book)), voice=voice, provider=book.settings.provider,
                           title=title, pauses=(pauses.heading_ms, pauses.paragraph_ms, pauses.sentence_ms),
                           written=keeps_written)


def read_apart(manifest: Manifest, providers: Mapping[str, Provider], lexicon: Lexicon | None,
               memo: ChapterMemo, lexicon_sum: str) -> dict[tuple[str, str], Reading]:
    """The readings of the chapters `memo` lacks, made in a child process (plan.apart), by (context, text
    digest); {} if none could be (`_add_chapter` then reads them here). Never raises: a chapter that
    cannot be read stops the reading ahead, and planning reports it in its own order."""
    todo: dict[tuple[str, str], Callable[[], Reading]] = {}
    try:
        for book in manifest.books:
            provider = providers[book.settings.provider]
            chapters: list[tuple[Path, str, str | None, str | None, Pauses, str | None]] = []
            if book.opening_credits:
                chapters.append((Path("opening-credits"), book.opening_credits, CREDITS["opening"], None,
                                 book.pauses, None))
            for path in book.chapters:
                text = read_text_input(path, key_path=f"books.{book.name}.sources", pinned=True)
                own = book.settings_for(path)
                chapters.append((path, text, None, own.voice, own.pauses,
                                 beside(manifest.named, manifest_relative(manifest, path))))
            if book.closing_credits:
                chapters.append((Path("closing-credits"), book.closing_credits, CREDITS["closing"], None,
                                 book.pauses, None))
            for source, text, title, voice, pauses, shown_as in chapters:
                spoken, band, keeps, voice = _reading_terms(book, provider, lexicon, voice)
                key = (_context(memo.stamp, book, provider, lexicon_sum, spoken, band, keeps, voice, title, pauses),
                       text_digest(text))
                if key not in todo and not memo.has(*key):
                    todo[key] = partial(_read_chapter, book, provider, lexicon, source, text, pauses, shown_as,
                                        spoken, band, keeps)
    except Exception:  # noqa: BLE001  (planning raises it again, where and as it always has)
        pass
    done = run_apart(list(todo.values()))
    return dict(zip(todo, done, strict=True)) if done is not None else {}


def _read_chapter(book: Book, provider: Provider, lexicon: Lexicon | None, source: Path, text: str, pauses: Pauses,
                  shown_as: str | None, spoken: bool, band: tuple[str, ...], keeps_written: bool) -> Reading:
    """The text front-end's reading of one chapter (what the chapter memo keeps)."""
    # Loaded here, not with the module: a build reads its chapters in a child process (read_apart).
    from ..text.chapter import chapter_units
    from ..text.written import written_units

    doc = markdown_to_speakable(text, markdown_options(book), path=shown_as or str(source))
    units = chapter_units(doc, provider.limits.max_chars, book.language, lexicon, spoken=spoken,
                          target=target_of(provider), heading_ms=pauses.heading_ms,
                          paragraph_ms=pauses.paragraph_ms, sentence_ms=pauses.sentence_ms, keep=band)
    written = None
    if keeps_written:
        written = [(w.text, w.heading) for w in
                   written_units(doc, provider.limits.max_chars, book.language, lexicon, spoken=spoken)]
    return Reading(doc.title, doc.named, [(u.text, u.ssml, u.pause_after_ms) for u in units], written,
                   doc.front_matter if keeps_written else None)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _check_names(job: BookJob, manifest: Manifest) -> None:
    """Each of the book's outputs has a file of its own: a chapter titled as the book is named
    (`01-intro.mp3` for book `01-intro`) would otherwise overwrite the whole-book file, or the reverse,
    at every build. Case-folded, as on the filesystems of macOS and Windows. Raises ManifestError."""
    _warn_windows_names(job, manifest)
    seen: dict[str, str] = {}
    for oid, rel in job.outputs.items():
        other = seen.setdefault(rel.casefold(), oid)
        if other != oid:
            raise ManifestError([Problem(manifest.named, None, f"books.{job.book.name}",
                                         f"{rel} would be written twice (as {_output_named(job, other)} and "
                                         f"{_output_named(job, oid)}): rename the book or the chapter whose title "
                                         "(a feed episode: whose file name) gives that name")])


def _warn_windows_names(job: BookJob, manifest: Manifest) -> None:
    """A file name of the book that Windows cannot hold (`nul.mp3` from a feed's `nul.md`, `aux.m4b`
    from book `aux`) is warned of, as a prompt's name is (manifest.advice): Linux writes it, a Windows
    checkout or host cannot. One warning per name, with its files (the MP3 and its captions)."""
    named: dict[str, tuple[str, list[str]]] = {}  # stem -> (why, its files)
    renamed: dict[str, str] = {}
    for oid, rel in job.outputs.items():
        base = rel.rsplit("/", 1)[-1]
        if reason := windows_problem(base):
            stem = base.split(".", 1)[0].casefold()
            named.setdefault(stem, (reason, []))[1].append(rel)
            if oid.startswith("chapter-") and job.book.feed is not None:  # named after its article's file
                renamed[stem] = f"article {show(job.chapters[int(oid.removeprefix('chapter-')) - 1].shown)}"
    for stem, (reason, files) in named.items():
        listed, are, it = (files[0], "is not a file name", "it") if len(files) == 1 else \
            (", ".join(files), "are not file names", "them")
        manifest.warnings.append(Problem(manifest.named, None, f"books.{job.book.name}",
                                         f"{listed} {are} on Windows ({reason}): a Windows checkout or host cannot "
                                         f"hold {it}; rename the {renamed.get(stem, 'book')}"))


def _output_named(job: BookJob, oid: str) -> str:
    """An output id (`chapter-003`, `mp3`) as a message names it: a chapter by its file, as written."""
    if oid.startswith("chapter-"):
        chapter = job.chapters[int(oid.removeprefix("chapter-")) - 1]
        return f"the chapter {show(chapter.shown)}" if chapter.source.is_absolute() else f"the {chapter.title.lower()}"
    return f"the book's {oid.upper()}" if oid in ("mp3", "m4b", "m3u") else f"the book's {oid}"


def _name_outputs(job: BookJob) -> None:
    """Output paths, and a recipe per output: everything that changes its bytes, nothing else.

    A chapter MP3's recipe holds only its own sentences, so an edit in chapter 7 re-encodes
    chapter 7 and the whole-book files, not the other chapters.
    """
    book = job.book
    lvl, sil = book.settings.level, book.settings.silence
    audio = [BOOK_RENDER_VERSION, book.profile.recipe(), repr(lvl.enabled), repr((sil.trim, sil.threshold_dbov))]
    tags = [book.title, book.author or "", book.language, sha256_file(book.cover) if book.cover else "", repr(book.meta)]
    mp3, aac = book.profile.mp3_args(), book.profile.aac_args()
    spoken = [[ch.title, *(f"{k}:{p}" for k, p in ch.units)] for ch in job.chapters]
    everything = [part for chapter, ch in zip(spoken, job.chapters, strict=True)
                  for part in (*chapter, f"after:{ch.after_ms}", "\x1e")]
    total = len(job.chapters)
    if "chapters" in book.formats:
        names = []
        # A feed's episodes are named after their article's file, not its place or title: an enclosure URL
        # must outlive a deleted earlier article and a retitled one (apps hold copies of the feed).
        episodes = book.feed is not None and book.feed.episodes == "chapters"
        for i, ch in enumerate(job.chapters, 1):
            rel = f"{job.prefix}/{episode_name(ch.source) if episodes else f'{i:02d}-{slug(ch.named or ch.title)}'}.mp3"
            job.outputs[f"chapter-{i:03d}"] = rel
            job.recipes[f"chapter-{i:03d}"] = _digest(*audio, *tags, *mp3, f"{i}/{total}", *spoken[i - 1])
            names.append(Path(rel).name)
        job.outputs["m3u"] = f"{job.prefix}/{book.name}.m3u"
        job.recipes["m3u"] = _digest(*audio, "m3u", *names, *everything)
    if "mp3" in book.formats:
        job.outputs["mp3"] = f"{job.prefix}/{book.name}.mp3"
        job.recipes["mp3"] = _digest(*audio, *tags, *mp3, "book-mp3", *everything)
    if "m4b" in book.formats:
        job.outputs["m4b"] = f"{job.prefix}/{book.name}.m4b"
        job.recipes["m4b"] = _digest(*audio, *tags, *aac, "book-m4b", f"stik:{book.media_kind}", *everything)
    if job.sample_chapter is not None and book.sample is not None:
        sample = book.sample
        job.outputs["sample"] = f"{job.prefix}/{book.name}-sample.mp3"
        job.recipes["sample"] = _digest(*audio, *tags, *mp3, "sample", repr(sample), *spoken[job.sample_chapter])
    job.recipe = _digest(*audio, *tags, ",".join(book.formats), repr(book.sample), *everything)


