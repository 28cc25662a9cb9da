"""The manifest, defined once: one pydantic model per section.

Validation and the published JSON Schema (`schema.py`) both come from these classes. Adding a key
means adding one field with its description here (and reading it in `core.py`). The models check
shape, types, ranges and choices; rules that relate keys to each other (a prompt's language is
declared, a format suits the layout, names are safe) are in `core.py`. The base section and the
settings every level shares are in `sections.py`, the `books:` section's models in `book_model.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, WithJsonSchema

from .book_model import BOOK_FORMATS as BOOK_FORMATS  # re-exported, with the book models below
from .book_model import SAMPLE_RATES as SAMPLE_RATES
from .book_model import TRANSCRIPT_FORMATS as TRANSCRIPT_FORMATS
from .book_model import Book as Book
from .book_model import Feed as Feed
from .book_model import Pauses as Pauses
from .fields import (
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
)
from .layouts import ARCHIVE_FORMATS, EPOCH_MAX, FORMAT_RATES, PLACEHOLDERS
from .layouts import LAYOUTS as LAYOUTS  # re-exported: the manifest package's public names
from .sections import Level as Level
from .sections import PromptSettings as PromptSettings
from .sections import Section as Section
from .sections import Settings as Settings
from .sections import Silence as Silence

MANIFEST_VERSION = 1
MISSING_POLICIES = ("warn", "error", "fallback")
# Platforms whose documented limits `narrate package` checks (see narrate.package.platforms).
PLATFORMS = ("asterisk", "freeswitch", "connect", "genesys", "cisco", "twilio", "generic")
MAX_NOTE_CHARS = 2000  # a note is a line or two for a person; past this it is a misplaced document
PROVIDER_KINDS = ("espeak", "openai", "deepgram", "elevenlabs", "google", "azure", "polly", "piper")


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
    epoch: Omittable[Annotated[int, Range(0, EPOCH_MAX)]] = Field(
        None, description="timestamp of archive entries, seconds since 1970 (default: $SOURCE_DATE_EPOCH or 0); "
                    "zip archives hold 1980 to 2107")
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
        None, description="pronunciation lexicon: a YAML file path (relative to the manifest), a W3C PLS 1.0 "
                          "file (.pls, .xml), or an inline mapping")
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
