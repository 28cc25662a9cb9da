"""The manifest, defined once: one pydantic model per section.

Validation and the published JSON Schema (`schema.py`) both come from these classes. Adding a key
means adding one field with its description here (and reading it in `core.py`). The models check
shape, types, ranges and choices; rules that relate keys to each other (a prompt's language is
declared, a format suits the layout, names are safe) are in `core.py`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, WithJsonSchema

from .fields import (
    FALSE,
    LIST,
    MAPPING,
    NULL,
    ONE_OR_MANY,
    TEXT,
    Choice,
    Const,
    Either,
    NumText,
    Omittable,
    Range,
    S3Url,
    SpokenText,
    TagText,
)
from .layouts import FORMAT_RATES, PLACEHOLDERS
from .layouts import LAYOUTS as LAYOUTS  # re-exported: the manifest package's public names

MANIFEST_VERSION = 1
BOOK_FORMATS = ("mp3", "m4b", "chapters")
ARCHIVE_FORMATS = ("tar.gz", "zip")
MISSING_POLICIES = ("warn", "error", "fallback")
# Platforms whose documented limits `narrate package` checks (see narrate.package.platforms).
PLATFORMS = ("asterisk", "freeswitch", "connect", "genesys", "cisco", "twilio", "generic")
MAX_NOTE_CHARS = 2000  # a note is a line or two for a person; past this it is a misplaced document
PROVIDER_KINDS = ("espeak", "openai", "deepgram", "elevenlabs", "google", "azure", "polly", "piper")


class Section(BaseModel):
    """A mapping with a fixed set of keys: unknown keys are errors, and YAML types are taken as written."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


# ---------------------------------------------------------------- settings


class Level(Section):
    """Loudness normalisation of active speech (ITU-T P.56 style), then a peak limit."""

    target_dbov: Omittable[Annotated[float, Range(-60, 0)]] = Field(
        None, description="active speech level target in dBov (default -26)")
    peak_dbfs: Omittable[Annotated[float, Range(-30, 0)]] = Field(
        None, description="sample peak limit in dBFS (default -3)")


class Silence(Section):
    """Leading/trailing silence: trimmed at a threshold, then padded to fixed lengths."""

    trim: Omittable[StrictBool] = Field(None, description="trim leading/trailing silence (default true)")
    threshold_dbov: Omittable[Annotated[float, Range(-96, -10)]] = Field(
        None, description="silence threshold in dBov (default -50)")
    lead_ms: Omittable[Annotated[int, Range(0, 10_000)]] = Field(
        None, description="silence added before speech, ms (default 50)")
    trail_ms: Omittable[Annotated[int, Range(0, 10_000)]] = Field(
        None, description="silence added after speech, ms (default 250)")


# Synthesis options are passed to the provider as text; nested values are refused in core.py.
Options = Annotated[dict[str, Any], WithJsonSchema(
    {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}})]


class PromptSettings(Section):
    """The settings a single prompt may override (the voice belongs to its language)."""

    provider: Omittable[StrictStr] = Field(None, description="provider name: a key of `providers:` or a provider kind (default espeak)")  # noqa: E501
    model: Omittable[StrictStr] = Field(None, description="provider model")
    speed: Omittable[Annotated[float, Range(0.25, 4.0)]] = Field(
        None, description="speaking rate, 0.25 to 4.0 (default 1.0)")
    options: Omittable[Options] = Field(None, description="provider-specific synthesis options (mapping of plain values)")
    level: Omittable[Annotated[Annotated[Literal[False], FALSE] | Annotated[Level, MAPPING],
                               Either("a mapping or false", FALSE, MAPPING)]] = Field(
        None, description="loudness: {target_dbov, peak_dbfs}, or false to leave the level as synthesized")
    silence: Omittable[Annotated[Annotated[Literal[False], FALSE] | Annotated[Silence, MAPPING],
                                 Either("a mapping or false", FALSE, MAPPING)]] = Field(
        None, description="silence handling: {trim, threshold_dbov, lead_ms, trail_ms}, or false for none")


class Settings(PromptSettings):
    """Synthesis and processing settings, inherited defaults -> library -> language -> prompt -> prompt-in-language."""

    voice: Omittable[StrictStr] = Field(None, description="voice name for the provider")


# ---------------------------------------------------------------- providers


# YAML 1.1 reads a bare `on`/`off` as true/false: both spellings mean the same here.
def _on_off(value: Any) -> Any:
    return ("on" if value else "off") if isinstance(value, bool) else value


NormalizeSetting = Annotated[str, Choice("auto", "on", "off"), BeforeValidator(_on_off),
                             WithJsonSchema({"enum": ["auto", "on", "off", True, False]})]


class Provider(Section):
    """A named provider configuration. Keys never go here: only where to find them."""

    kind: Omittable[Annotated[str, Choice(*PROVIDER_KINDS)]] = Field(
        None, description="provider implementation: " + ", ".join(PROVIDER_KINDS)
                                          + " (default: the provider's name, if it is a kind)")
    base_url: Omittable[StrictStr] = Field(None, description="API base URL (OpenAI-compatible servers, proxies)")
    api_key_env: Omittable[StrictStr] = Field(None, description="environment variable holding the API key")
    api_key_file: Omittable[StrictStr] = Field(None, description="file holding the API key")
    concurrency: Omittable[Annotated[int, Range(1, 256)]] = Field(
        None, description="parallel requests to this provider")
    requests_per_minute: Omittable[Annotated[int, Range(1, 1_000_000)]] = Field(
        None, description="request rate cap per minute")
    chars_per_minute: Omittable[Annotated[int, Range(1, 100_000_000)]] = Field(
        None, description="character rate cap per minute")
    timeout_s: Omittable[Annotated[float, Range(0.1, 3600)]] = Field(
        None, description="overall deadline of one request attempt, seconds")
    max_attempts: Omittable[Annotated[int, Range(1, 100)]] = Field(
        None, description="attempts per segment before it fails")
    max_retry_time_s: Omittable[Annotated[float, Range(0, 86400)]] = Field(
        None, description="retry time budget per segment, seconds")
    options: Omittable[dict[str, Any]] = Field(None, description="provider-wide options passed to the implementation")
    normalize: Omittable[NormalizeSetting] = Field(
        None, description="narrate says numbers, currency, dates... itself before hashing: auto (default: on for "
                          "the embedded engine, off for providers that normalise well themselves) | on | off")


# ---------------------------------------------------------------- libraries


class LanguageSpec(Settings):
    """One language of a library; its settings apply to every prompt in that language."""

    path: Omittable[StrictStr] = Field(None, description="folder for this language in the layout (default: the tag)")


class PromptLanguage(Settings):
    """One prompt in one language, with its own settings."""

    text: SpokenText = Field(description="the words to speak")


LanguageEntry = Annotated[Annotated[NumText, TEXT] | Annotated[None, NULL] | Annotated[LanguageSpec, MAPPING],
                          Either("text (a voice), nothing, or a mapping", TEXT, NULL, MAPPING)]
PromptLanguageEntry = Annotated[Annotated[SpokenText, TEXT] | Annotated[PromptLanguage, MAPPING],
                                Either("text or a mapping with `text`", TEXT, MAPPING)]


class PromptSpec(PromptSettings):
    """A prompt in several languages: language tag -> text or {text, settings}, plus shared settings."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, PromptLanguageEntry] = Field(init=False)
    note: Omittable[StrictStr] = Field(
        None, max_length=MAX_NOTE_CHARS,
        description="a note for voice talents and translators (\"followed by a digit: keep the pitch open\"); shown in "
                    "exports, review pages and transcripts, never spoken and never part of a segment key")
    compare_languages: Omittable[StrictBool] = Field(
        None, description="false: this prompt's languages say different things on purpose (a language menu: "
                          "\"For English, press 1\" / \"Para español, oprima 2\"), so validate and plan do not "
                          "compare their numbers, placeholders, texts and lengths (default true)")


PromptEntry = Annotated[Annotated[SpokenText, TEXT] | Annotated[PromptSpec, MAPPING],
                        Either("text, or a mapping of language -> text", TEXT, MAPPING)]


class LayoutPattern(Section):
    """A file layout of your own: a relative path with placeholders."""

    pattern: StrictStr = Field(description="relative path with placeholders: "
                                           + ", ".join(f"{{{k}}} {v}" for k, v in PLACEHOLDERS.items()))


class Library(Settings):
    """A prompt library: prompts x languages x formats, written in a telephony layout."""

    output: StrictStr = Field(description="output directory of the library, relative to the manifest")
    layout: Omittable[Annotated[Annotated[str, Choice(*LAYOUTS), TEXT] | Annotated[LayoutPattern, MAPPING],
                                Either("a layout name or {pattern: ...}", TEXT, MAPPING)]] = Field(
        None, description="file layout: asterisk (<lang>/<name>.<ext>, lang as en_GB) | freeswitch "
                          "(<lang>/<region>/<voice>/<category>/<rate>/) | flat | {pattern: \"{name}.{lang}.{ext}\"} "
                          "(default asterisk)")
    formats: Annotated[list[Annotated[str, Choice(*FORMAT_RATES, what="format")]], ONE_OR_MANY] = Field(
        min_length=1, description="audio formats to write: " + ", ".join(FORMAT_RATES))
    languages: dict[str, LanguageEntry] = Field(
        min_length=1, description="language tag -> voice, or {voice, path, settings}; the first is the default")
    prompts: dict[str, PromptEntry] = Field(
        description="prompt name (a relative path) -> text in the first language, or language -> text")
    missing_translation: Omittable[Annotated[str, Choice(*MISSING_POLICIES)]] = Field(
        None, description="a prompt missing in a language: warn | error | fallback (to the first written language)")
    version: Omittable[NumText] = Field(None, description="library version used in archive names (default 1.0)")
    license: Omittable[StrictStr] = Field(None, description="license or README file shipped in release archives")
    platform: Omittable[Annotated[str, Choice(*PLATFORMS)]] = Field(
        None, description="target platform whose documented limits are checked: "
                                         + ", ".join(PLATFORMS))


# ---------------------------------------------------------------- books

FileList = Annotated[Annotated[StrictStr, TEXT] | Annotated[list[StrictStr], LIST],
                     Either("a glob or a list of files", TEXT, LIST)]
DIALECTS = ("auto", "commonmark", "gfm", "mkdocs", "docusaurus", "hugo", "jekyll")


class MarkdownSettings(Section):
    """How a book's Markdown is read (narrate.text.markdown.MarkdownOptions); unset keys keep the defaults."""

    dialect: Omittable[Annotated[str, Choice(*DIALECTS)]] = Field(
        None, description="whose syntax is parsed: " + " | ".join(DIALECTS) + " (default auto: all of them)")
    alerts: Omittable[Annotated[str, Choice("label", "drop")]] = Field(
        None, description="callouts: label (say \"Note:\") or drop the label")
    emoji: Omittable[Annotated[str, Choice("drop", "name")]] = Field(
        None, description="emoji: drop, or say their names")
    tables: Omittable[Annotated[str, Choice("notice", "rows")]] = Field(
        None, description="tables: notice (say one is skipped) or rows (\"header: value\" pairs)")
    code: Omittable[Annotated[str, Choice("skip", "notice")]] = Field(
        None, description="code blocks: skip, or notice (say that one is skipped)")
    footnotes: Omittable[Annotated[str, Choice("end", "skip")]] = Field(
        None, description="footnotes: read at the end of the chapter, or skip")
    images: Omittable[Annotated[str, Choice("alt", "skip")]] = Field(
        None, description="images: read their alt text, or skip")


TRANSCRIPT_FORMATS = ("vtt", "srt", "chapters")
EPISODE_KINDS = ("chapters", "book")


class Transcripts(Section):
    """Captions and chapter lists timed from the assembled audio (narrate.package.transcripts)."""

    formats: Omittable[Annotated[list[Annotated[str, Choice(*TRANSCRIPT_FORMATS, what="transcript format")]],
                                 ONE_OR_MANY]] = Field(
        None, description="vtt (WebVTT) | srt | chapters (Podcasting 2.0 JSON chapters); default all three")
    cues: Omittable[Annotated[str, Choice("sentence", "word")]] = Field(
        None, description="one cue per sentence (default), or per word where the provider returned word timings")


class Feed(Section):
    """A podcast feed (RSS 2.0 with the iTunes and Podcasting 2.0 tags) of the book (narrate.package.feed)."""

    base_url: StrictStr = Field(description="public URL of the book's output folder: enclosure, transcript and "
                                            "artwork URLs are made from it")
    file: Omittable[StrictStr] = Field(None, description="feed file name in the book's output folder (default feed.xml)")
    title: Omittable[TagText] = Field(None, description="podcast title (default: the book's title)")
    description: TagText = Field(description="podcast description (required by RSS 2.0 and Apple Podcasts)")
    author: Omittable[TagText] = Field(None, description="itunes:author (default: the book's author)")
    link: Omittable[StrictStr] = Field(None, description="the podcast's web site (default: base_url)")
    image: Omittable[StrictStr] = Field(
        None, description="artwork: an https URL, or a PNG/JPEG file relative to the manifest, square, 1400 to 3000 "
                          "px, published beside the feed (default: the book's cover)")
    language: Omittable[StrictStr] = Field(None, description="language tag (default: the book's language)")
    category: Omittable[Annotated[list[StrictStr], ONE_OR_MANY]] = Field(
        None, description="Apple Podcasts category, then an optional subcategory: [Technology] or "
                          "[Arts, Books] (default [Arts, Books])")
    explicit: Omittable[StrictBool] = Field(None, description="itunes:explicit (default false)")
    episodes: Omittable[Annotated[str, Choice(*EPISODE_KINDS)]] = Field(
        None, description="chapters: one episode per chapter or article (default) | book: the whole book as one")
    date: Omittable[StrictStr] = Field(
        None, description="publication date (ISO 8601) of episodes whose front matter has no `date:`")
    owner_email: Omittable[StrictStr] = Field(None, description="itunes:owner email")
    copyright: Omittable[TagText] = Field(None, description="channel copyright line")


BOOK_PROFILES = ("audiobook", "podcast", "custom")  # narrate.audio.profiles
SAMPLE_RATES = (22050, 24000, 32000, 44100, 48000)


class AudioNumbers(Section):
    """The numbers of the `custom` profile (each optional: unset keys keep the custom defaults)."""

    bitrate: Omittable[Annotated[int, Range(32, 320)]] = Field(
        None, description="MP3 (constant) and AAC bit rate, kbps: an MPEG bit rate such as 64, 96, 128, 192 (default 128)")
    sample_rate: Omittable[Annotated[int, Range(8000, 48000)]] = Field(
        None, description="sample rate of every file, Hz: " + ", ".join(map(str, SAMPLE_RATES)) + " (default 44100)")
    loudness: Omittable[Annotated[float, Range(-40, -5)]] = Field(
        None, description="integrated loudness, LUFS (ITU-R BS.1770), accepted within 1 LU (default -18)")
    peak: Omittable[Annotated[float, Range(-12, 0)]] = Field(None, description="true peak ceiling, dBTP (default -1)")
    head_s: Omittable[Annotated[float, Range(0, 10)]] = Field(
        None, description="silence before the speech of every file, seconds (default 0.5)")
    tail_s: Omittable[Annotated[float, Range(0, 30)]] = Field(
        None, description="silence after the speech of every file, seconds (default 1)")


class Credits(Section):
    """Opening and closing credits, spoken and written as their own files (ACX asks for both)."""

    opening: Omittable[SpokenText] = Field(None, description="opening credits: the words to speak (Markdown)")
    closing: Omittable[SpokenText] = Field(None, description="closing credits: the words to speak (Markdown)")


class Sample(Section):
    """A retail sample: whole sentences of one chapter, from `start_s`, at most `length_s` long."""

    chapter: Omittable[Annotated[int, Range(1, 100_000)]] = Field(
        None, description="the chapter it is cut from, counting from 1 (default 1)")
    start_s: Omittable[Annotated[float, Range(0, 360_000)]] = Field(
        None, description="where in the chapter's speech it starts, seconds (default 0)")
    length_s: Omittable[Annotated[float, Range(1, 3600)]] = Field(
        None, description="its longest length, seconds (default 180; the audiobook profile needs 60 to 300)")


class Pauses(Section):
    """Pause lengths, ms (narrate.text.chapter has the defaults)."""

    heading_ms: Omittable[Annotated[int, Range(0, 60_000)]] = Field(None, description="after a heading (default 800)")
    paragraph_ms: Omittable[Annotated[int, Range(0, 60_000)]] = Field(
        None, description="after a paragraph (default 500)")
    sentence_ms: Omittable[Annotated[int, Range(0, 60_000)]] = Field(
        None, description="between sentences of a paragraph (default 150)")
    chapter_ms: Omittable[Annotated[int, Range(0, 60_000)]] = Field(
        None, description="after a chapter, before the next, in the whole-book files (default 2000)")


class Series(Section):
    """The series a book belongs to."""

    name: TagText = Field(description="series name")
    position: Omittable[Annotated[float, Range(0, 100_000)]] = Field(None, description="the book's number in the series")


class ChapterSettings(Section):
    """Settings of one chapter, by its file name (or its path relative to the manifest)."""

    voice: Omittable[StrictStr] = Field(None, description="voice of this chapter")
    pauses: Omittable[Pauses] = Field(None, description="pause lengths in this chapter: {heading_ms, paragraph_ms, "
                                                        "sentence_ms, chapter_ms}")


class Book(Settings):
    """A narrated book: Markdown chapters -> MP3/M4B with chapter marks."""

    title: Omittable[TagText] = Field(None, description="book title (default: the book's name)")
    author: Omittable[TagText] = Field(None, description="author named in tags and feeds")
    sources: FileList = Field(description="Markdown chapter files: a glob or a list of globs, relative to the manifest")
    order: Omittable[FileList] = Field(None, description="chapter order: 'name' (sorted by file name), a SUMMARY.md-style "
                                                         "file whose links give the order, or an explicit list of file names")
    cover: Omittable[StrictStr] = Field(None, description="cover image (PNG or JPEG), relative to the manifest")
    language: Omittable[StrictStr] = Field(None, description="language tag of the book's text (default en-US)")
    output: StrictStr = Field(description="output directory of the book, relative to the manifest")
    formats: Omittable[Annotated[list[Annotated[str, Choice(*BOOK_FORMATS, what="book format")]], ONE_OR_MANY]] = Field(
        None, description="book outputs: mp3 | m4b | chapters (default all three)")
    code: Omittable[Annotated[str, Choice("skip", "notice")]] = Field(
        None, description="code blocks: skip, or notice (say that one is skipped)")
    tables: Omittable[Annotated[str, Choice("skip", "notice")]] = Field(
        None, description="tables: skip, or notice (say that one is skipped)")
    footnotes: Omittable[Annotated[str, Choice("end", "skip")]] = Field(
        None, description="footnotes: read at the end of the chapter, or skip")
    markdown: Omittable[MarkdownSettings] = Field(
        None, description="how the chapters' Markdown is read: {dialect, alerts, emoji, tables, code, footnotes, images}")
    transcripts: Omittable[Annotated[Annotated[Literal[False], FALSE] | Annotated[Transcripts, MAPPING],
                                     Either("a mapping or false", FALSE, MAPPING)]] = Field(
        None, description="WebVTT/SRT captions and JSON chapters: {formats, cues}, or false (default: on with a feed)")
    feed: Omittable[Feed] = Field(
        None, description="podcast feed: {base_url, description, title, author, link, image, language, category, "
                          "explicit, episodes, date, owner_email, copyright, file}")
    profile: Omittable[Annotated[str, Choice(*BOOK_PROFILES, what="profile")]] = Field(
        None, description="what the files are made for: audiobook (ACX/Audible, the default) | podcast | custom")
    audio: Omittable[AudioNumbers] = Field(
        None, description="the custom profile's numbers: {bitrate, sample_rate, loudness, peak, head_s, tail_s}")
    credits: Omittable[Credits] = Field(None, description="opening and closing credits as their own files: {opening, closing}")
    sample: Omittable[Sample] = Field(None, description="a retail sample file: {chapter, start_s, length_s}")
    narrator: Omittable[TagText] = Field(None, description="narrator named in tags")
    year: Omittable[Annotated[int, Range(1000, 9999)]] = Field(None, description="year of publication")
    description: Omittable[TagText] = Field(None, description="description (ID3 comment, MP4 description)")
    publisher: Omittable[TagText] = Field(None, description="publisher")
    genre: Omittable[TagText] = Field(None, description="genre (default Audiobook)")
    copyright: Omittable[TagText] = Field(None, description="copyright notice")
    series: Omittable[Series] = Field(None, description="series: {name, position}")
    pauses: Omittable[Pauses] = Field(None, description="pause lengths: {heading_ms, paragraph_ms, sentence_ms, chapter_ms}")
    chapters: Omittable[dict[str, ChapterSettings]] = Field(
        None, description="per chapter, by file name: {voice, pauses}")


# ---------------------------------------------------------------- the rest


class Budget(Section):
    """Spending limits checked before any request is sent."""

    max_chars: Omittable[Annotated[int, Range(0, 10**12)]] = Field(
        None, description="maximum characters to synthesize in one build")


class Cache(Section):
    """The shared cache tier."""

    remote: Omittable[S3Url] = Field(None, description="shared remote cache URL: s3://, gs://, az:// or file://")


class Package(Section):
    """Release archives of prompt libraries (`narrate package`)."""

    output: Omittable[StrictStr] = Field(None, description="folder for release archives, relative to the manifest")
    formats: Omittable[list[Annotated[str, Choice(*ARCHIVE_FORMATS, what="archive format")]]] = Field(
        None, min_length=1, description="archive formats, a list of: tar.gz, zip (default [tar.gz])")
    epoch: Omittable[Annotated[int, Range(0, 253402300799)]] = Field(
        None, description="timestamp of archive entries, seconds since 1970 (default: $SOURCE_DATE_EPOCH or 0)")
    on_build: Omittable[StrictBool] = Field(None, description="true: `narrate build` also writes the archives")


class LexiconSay(Section):
    """A lexicon rule with options: a respelling (`say`) and/or a phonetic form (`ipa`, `x-sampa`)."""

    say: Omittable[NumText] = Field(None, description="the respelling spoken instead of the term, by providers "
                                                      "that take no phonetic form (default: the term as written)")
    ipa: Omittable[StrictStr] = Field(None, description="the pronunciation in IPA, for providers that take one "
                                                        "(Polly and ElevenLabs lexicons, Azure phoneme, Google "
                                                        "customPronunciations)")
    x_sampa: Omittable[StrictStr] = Field(None, alias="x-sampa", description="the pronunciation in X-SAMPA, used "
                                                                            "where no IPA is given (not by ElevenLabs)")
    case_sensitive: Omittable[StrictBool] = Field(None, description="match the term's case exactly (default false)")


LexiconEntry = Annotated[Annotated[NumText, TEXT] | Annotated[LexiconSay, MAPPING],
                         Either("text or {say, ipa, x-sampa, case_sensitive}", TEXT, MAPPING)]


class LexiconPattern(Section):
    """A pattern rule: a regular expression (Python `re`) and its replacement, applied after the words."""

    pattern: StrictStr = Field(description="regular expression (at most 200 characters, no repetition inside a "
                                           "repetition)")
    say: NumText = Field(description="the replacement; \\1 or \\g<name> insert the pattern's groups")
    case_sensitive: Omittable[StrictBool] = Field(None, description="match case exactly (default false)")


Patterns = list[LexiconPattern]


class LexiconLanguage(Section):
    """One language's rules: term -> replacement, and `patterns`."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, LexiconEntry] = Field(init=False)
    patterns: Omittable[Patterns] = Field(None, description="pattern rules for this language, after the global ones")


class Lexicon(Section):
    """Pronunciation lexicon: term -> replacement (whole words), pattern rules, and per-language rules."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, LexiconEntry] = Field(init=False)
    patterns: Omittable[Patterns] = Field(
        None, description="pattern rules [{pattern, say, case_sensitive}], applied in order after the whole-word rules")
    languages: Omittable[dict[str, LexiconLanguage]] = Field(
        None, description="language tag -> {term: replacement, patterns}, overriding the global word rules")


class Manifest(Section):
    """A narrate manifest: prompt libraries and books, and how to synthesize them."""

    version: Omittable[Annotated[Any, Const(
        MANIFEST_VERSION, "unsupported manifest version {value} (this narrate reads 1)")]] = Field(
        None, description="manifest format version (1)")
    defaults: Omittable[Settings] = Field(None, description="settings inherited by every library and book")
    providers: Omittable[dict[str, Provider]] = Field(None, description="named provider configurations")
    lexicon: Omittable[Annotated[Annotated[StrictStr, TEXT] | Annotated[Lexicon, MAPPING],
                                 Either("a file path or a mapping", TEXT, MAPPING)]] = Field(
        None, description="pronunciation lexicon: a YAML file path (relative to the manifest) or an inline mapping")
    libraries: Omittable[dict[str, Library]] = Field(None, description="prompt libraries by name")
    books: Omittable[dict[str, Book]] = Field(None, description="narrated books by name")
    budget: Omittable[Budget] = Field(None, description="spending limits: {max_chars}")
    jobs: Omittable[Annotated[int, Range(1, 256)]] = Field(
        None, description="worker processes and parallel requests for this manifest's builds, 1-256 "
                          "(default: one per core); `narrate build -j` overrides it")
    prices: Omittable[dict[str, Annotated[float, Range(0, 10_000)]]] = Field(
        None, description="price per million characters, by provider name or kind (for cost estimates)")
    cache: Omittable[Cache] = Field(None, description="shared cache: {remote}")
    package: Omittable[Package] = Field(None, description="release archives: {output, formats, epoch, on_build}")
