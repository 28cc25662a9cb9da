"""The resolved manifest: plain frozen dataclasses that the rest of narrate reads.

Built from the validated models by `core.py` (pure) and completed by `resolve.py` (paths, chapters,
lexicon file). Nothing here depends on pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audio.profiles import AUDIOBOOK, Profile
from ..errors import Problem
from ..providers.base import ProviderConfig
from .layouts import Place, path_of  # at module level: an import in file_path cost 40 µs a call

if TYPE_CHECKING:
    from . import model as m
    from .loader import LineTable
    from .publishing import FeedSettings, TranscriptSettings

# iTunes media kinds (the `stik` atom), as Apple's iTunes and AtomicParsley number them.
MEDIA_KIND_AUDIOBOOK = 2
MEDIA_KIND_PODCAST = 21

MAX_TEXT_CHARS = 100_000  # a single prompt beyond this is a mistake, not a prompt: books are for long text


@dataclass(frozen=True)
class Level:
    """Loudness target of active speech (dBov) and sample peak limit (dBFS)."""

    target_dbov: float = -26.0
    peak_dbfs: float = -3.0
    enabled: bool = True


@dataclass(frozen=True)
class Silence:
    """Silence trimming threshold (dBov) and padding before/after speech (ms)."""

    trim: bool = True
    threshold_dbov: float = -50.0
    lead_ms: int = 50
    trail_ms: int = 250


@dataclass(frozen=True)
class Settings:
    """Fully resolved synthesis and processing settings for one spoken text."""

    provider: str = "espeak"
    voice: str | None = None
    model: str | None = None
    speed: float = 1.0
    options: tuple[tuple[str, str], ...] = ()
    level: Level = Level()
    silence: Silence = Silence()


@dataclass(frozen=True)
class PromptText:
    """One prompt in one language: its name (a relative path), text, settings and manifest line."""

    name: str
    language: str
    text: str
    settings: Settings
    line: int | None = None
    fallback_from: str | None = None  # language whose text was borrowed for a missing translation
    note: str | None = None  # for voice talents and translators: shown, never spoken, never in a key
    compare_languages: bool = True  # false: no cross-language warnings for this prompt (manifest.advice)


@dataclass(frozen=True)
class Language:
    code: str
    path: str  # its folder in the layout: `path:`, else the layout's default (layouts.language_folder)
    voice: str = ""  # the language's own voice (prompts may override it), for folders and {voice}


@dataclass
class Library:
    name: str
    output: Path
    layout: str  # asterisk | freeswitch | flat | pattern
    formats: tuple[str, ...]
    languages: dict[str, Language]
    prompts: list[PromptText]
    missing: dict[str, list[str]]  # language -> prompt names with no text in that language
    missing_translation: str = "warn"
    version: str = "1.0"
    license: Path | None = None
    platform: str = "generic"
    pattern: str | None = None  # the `layout: {pattern}` template when layout is "pattern"

    def file_path(self, language: str, name: str, fmt: str) -> str:
        """Where prompt `name` in `language` and format `fmt` goes, relative to `output`."""
        lang = self.languages[language]
        return path_of(self.layout, self.pattern, Place(name, language, lang.path, lang.voice, fmt))

    def only_in_one_language(self) -> dict[str, list[str]]:
        """language -> prompts written in that language alone (multi-language libraries only)."""
        if len(self.languages) < 2:
            return {}
        written: dict[str, list[str]] = {}
        for p in self.prompts:
            if p.fallback_from is None:
                written.setdefault(p.name, []).append(p.language)
        out: dict[str, list[str]] = {}
        for name, langs in written.items():
            if len(langs) == 1:
                out.setdefault(langs[0], []).append(name)
        return out


@dataclass(frozen=True)
class Pauses:
    """Pause lengths in ms: after a heading, after a paragraph, between sentences, after a chapter
    (before the next one, in the whole-book files). Defaults as narrate.text.chapter's."""

    heading_ms: int = 800
    paragraph_ms: int = 500
    sentence_ms: int = 150
    chapter_ms: int = 2000


@dataclass(frozen=True)
class ChapterSettings:
    """One chapter's own voice (None: the book's) and pauses."""

    voice: str | None
    pauses: Pauses


@dataclass(frozen=True)
class BookMeta:
    """What listeners' apps show besides title and author. `year` is an int; `series_position` a number."""

    narrator: str | None = None
    year: int | None = None
    description: str | None = None
    publisher: str | None = None
    genre: str = "Audiobook"
    copyright: str | None = None
    series: str | None = None
    series_position: float | None = None


@dataclass(frozen=True)
class SampleSpec:
    """The retail sample: chapter (1-based, among the sources), start and longest length in seconds."""

    chapter: int = 1
    start_s: float = 0.0
    length_s: float = 180.0
    # The manifest lines of `start_s` and `length_s` (else of `sample:`), for problems found once the
    # chapter's length is known; not part of the recipe (moving a line changes no audio).
    lines: tuple[int | None, int | None] = field(default=(None, None), repr=False, compare=False)


@dataclass
class Book:
    name: str
    title: str
    author: str | None
    chapters: list[Path]
    output: Path
    language: str
    settings: Settings
    formats: tuple[str, ...]
    cover: Path | None = None
    order_file: Path | None = None
    code: str = "skip"
    tables: str = "skip"
    footnotes: str = "end"
    # MarkdownOptions keyword values from the book's `markdown:` section and the older keys above.
    markdown: dict[str, str] = field(default_factory=dict)
    transcripts: TranscriptSettings | None = None  # captions and JSON chapters (narrate.manifest.publishing)
    feed: FeedSettings | None = None  # podcast feed
    profile: Profile = AUDIOBOOK
    meta: BookMeta = BookMeta()
    opening_credits: str | None = None
    closing_credits: str | None = None
    sample: SampleSpec | None = None
    pauses: Pauses = Pauses()
    # Per chapter, by the `chapters:` key as written; resolve.py maps keys to chapter files (`chapter_settings`).
    chapter_specs: dict[str, ChapterSettings] = field(default_factory=dict)
    chapter_settings: dict[Path, ChapterSettings] = field(default_factory=dict)
    # The `sources:` globs as resolve ran them (absolute patterns): a file they newly match is a change.
    source_globs: list[str] = field(default_factory=list)
    # The manifest line of each voice: "" the book's, else a `chapters:` key as written (check_voices).
    voice_lines: dict[str, int | None] = field(default_factory=dict)

    @property
    def media_kind(self) -> int:
        """The M4B's iTunes media kind: a podcast's episodes (the podcast profile, or a book published
        as a feed) are Podcast, so Apple's apps file them with podcasts, not in Books."""
        podcast = self.profile.name == "podcast" or self.feed is not None
        return MEDIA_KIND_PODCAST if podcast else MEDIA_KIND_AUDIOBOOK

    def settings_for(self, chapter: Path) -> ChapterSettings:
        """A chapter's voice and pauses: its own, else the book's."""
        return self.chapter_settings.get(chapter) or ChapterSettings(None, self.pauses)


@dataclass
class Manifest:
    path: Path
    libraries: list[Library] = field(default_factory=list)
    books: list[Book] = field(default_factory=list)
    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    lexicon: dict[str, Any] | None = None
    lexicon_source: str | None = None
    lexicon_path: Path | None = None
    max_chars: int | None = None
    jobs: int | None = None  # `jobs:`: worker processes / parallel requests; `-j` overrides it
    prices: dict[str, float] = field(default_factory=dict)
    remote_cache: str | None = None
    package: dict[str, Any] = field(default_factory=dict)  # validated: output str, formats list, epoch int, on_build bool
    warnings: list[Problem] = field(default_factory=list)
    source_sha256: str = ""  # of the manifest's bytes as loaded (a build records its inputs only if they still match)
    shown: str = ""  # the manifest as the user named it, escaped: how messages name it (`m.yaml:12: ...`)
    # Each output folder as the manifest names it (absolute, links unresolved) -> where it resolved: a link
    # on the way that is repointed moves the outputs, with no input changed (the no-op fast path checks it).
    output_folders: dict[str, str] = field(default_factory=dict)
    # A validation memo to store (narrate.manifest.replay): (file, digest, template). A command saves
    # it (`save_validation_memo`) only when it got past its own checks, so a refused build writes nothing.
    unsaved_memo: tuple[Path, str, dict[str, Any]] | None = field(default=None, compare=False, repr=False)

    def save_validation_memo(self) -> None:
        if self.unsaved_memo is not None:
            from .replay import write

            write(*self.unsaved_memo)
            self.unsaved_memo = None

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def named(self) -> str:
        """The manifest's name in a located message: as the user wrote it, like validation's own."""
        return self.shown or str(self.path)

    def input_files(self) -> list[Path]:
        """Every file whose content this manifest's outputs depend on (for the no-op fast path)."""
        files = [self.path]
        if self.lexicon_path is not None:
            files.append(self.lexicon_path)
        files += [lib.license for lib in self.libraries if lib.license is not None]
        for book in self.books:
            files += book.chapters
            files += [f for f in (book.cover, book.order_file, book.feed.image_file if book.feed else None) if f is not None]
        return files

    def input_globs(self) -> list[str]:
        """The glob patterns whose matches are inputs too (books' `sources:`): a chapter added where a
        glob finds it changes the build as an edited one does (for the no-op fast path)."""
        return [pattern for book in self.books for pattern in book.source_globs]

    def provider_config(self, name: str) -> ProviderConfig:
        config = self.providers.get(name) or ProviderConfig(name=name, kind=name)
        return replace(config, root=str(self.root))  # paths in a provider's options are the manifest's


@dataclass
class Draft:
    """A validated manifest before file resolution (`core.validate`, or `replay`): paths joined to the
    root, chapters not yet found; each library's `license:` and each book's model for `resolve`."""

    manifest: Manifest
    file: str
    lines: LineTable
    problems: list[Problem] = field(default_factory=list)
    licenses: dict[str, str | None] = field(default_factory=dict)
    book_specs: dict[str, m.Book] = field(default_factory=dict)
    lexicon_file: str | None = None
