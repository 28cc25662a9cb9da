"""Manifest YAML -> typed, validated model.

Validation collects every problem (file, line, key path) before raising, so a user fixes a
manifest in one pass. Settings inherit manifest `defaults` -> library -> language -> prompt ->
prompt-in-language; each layer may set any of SETTINGS_KEYS.
"""

from __future__ import annotations

import difflib
import glob as globlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ManifestError, Problem
from .package.layouts import FORMAT_RATES
from .providers.base import ProviderConfig
from .yamlsource import SourceList, SourceMap, load_yaml_file

MANIFEST_VERSION = 1
LAYOUTS = ("asterisk", "freeswitch", "flat")
LAYOUT_FORMATS = {
    # Asterisk's format_wav rejects G.711-in-WAV: only headerless G.711 or 16-bit PCM.
    "asterisk": ("ulaw", "alaw", "wav", "wav16", "sln16"),
    # FreeSWITCH plays 16-bit PCM WAV from <rate>/ folders.
    "freeswitch": ("wav", "wav16"),
    "flat": tuple(FORMAT_RATES),
}
BOOK_FORMATS = ("mp3", "m4b", "chapters")
MISSING_POLICIES = ("warn", "error", "fallback")
# Platforms whose documented limits `narrate package` checks (see narrate.package.platforms).
PLATFORMS = ("asterisk", "freeswitch", "connect", "genesys", "cisco", "twilio", "generic")
DEFAULT_PLATFORM = {"asterisk": "asterisk", "freeswitch": "freeswitch", "flat": "generic"}
PROVIDER_KINDS = ("espeak", "openai", "deepgram", "elevenlabs", "google", "azure")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
MAX_TEXT_CHARS = 100_000  # a single prompt or paragraph beyond this is a mistake, not a prompt


# ---------------------------------------------------------------- model


@dataclass(frozen=True)
class Level:
    target_dbov: float = -26.0
    peak_dbfs: float = -3.0
    enabled: bool = True


@dataclass(frozen=True)
class Silence:
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
    name: str
    language: str
    text: str
    settings: Settings
    line: int | None = None
    fallback_from: str | None = None  # language whose text was borrowed for a missing translation


@dataclass(frozen=True)
class Language:
    code: str
    path: str


@dataclass
class Library:
    name: str
    output: Path
    layout: str
    formats: tuple[str, ...]
    languages: dict[str, Language]
    prompts: list[PromptText]
    missing: dict[str, list[str]]  # language -> prompt names with no text in that language
    missing_translation: str = "warn"
    version: str = "1.0"
    license: Path | None = None
    platform: str = "generic"

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
    prices: dict[str, float] = field(default_factory=dict)
    remote_cache: str | None = None
    package: dict[str, Any] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.parent

    def input_files(self) -> list[Path]:
        """Every file whose content this manifest's outputs depend on (for the no-op fast path)."""
        files = [self.path]
        if self.lexicon_path is not None:
            files.append(self.lexicon_path)
        files += [lib.license for lib in self.libraries if lib.license is not None]
        for book in self.books:
            files += book.chapters
            files += [f for f in (book.cover, book.order_file) if f is not None]
        return files

    def provider_config(self, name: str) -> ProviderConfig:
        return self.providers.get(name) or ProviderConfig(name=name, kind=name)


# ---------------------------------------------------------------- key tables (also feed the JSON Schema)

SETTINGS_KEYS: dict[str, str] = {
    "provider": "provider name: a key of `providers:` or a provider kind (default espeak)",
    "voice": "voice name for the provider",
    "model": "provider model",
    "speed": "speaking rate, 0.25 to 4.0 (default 1.0)",
    "options": "provider-specific synthesis options (mapping)",
    "level": "loudness: {target_dbov, peak_dbfs} or false",
    "silence": "silence handling: {trim, threshold_dbov, lead_ms, trail_ms}",
}
LEVEL_KEYS = {"target_dbov": "active speech level target in dBov (default -26)",
              "peak_dbfs": "sample peak limit in dBFS (default -3)"}
SILENCE_KEYS = {"trim": "trim leading/trailing silence (default true)",
                "threshold_dbov": "silence threshold in dBov (default -50)",
                "lead_ms": "silence added before speech (default 50)",
                "trail_ms": "silence added after speech (default 250)"}
TOP_KEYS = {
    "version": "manifest format version (1)",
    "defaults": "settings inherited by every library and book",
    "providers": "named provider configurations",
    "lexicon": "pronunciation lexicon: a YAML file path or an inline mapping",
    "libraries": "prompt libraries by name",
    "books": "narrated books by name",
    "budget": "{max_chars}: refuse to synthesize more characters than this",
    "prices": "price per million characters by provider name or kind",
    "cache": "{remote}: shared remote cache URL (s3://bucket/prefix)",
    "package": "{formats, epoch}: release archives for prompt libraries",
}
LIBRARY_KEYS = {
    "output": "output directory, relative to the manifest",
    "layout": "asterisk | freeswitch | flat",
    "formats": "output formats: " + ", ".join(FORMAT_RATES),
    "languages": "language tag -> {voice, path, settings}",
    "prompts": "prompt name -> text, or language -> text",
    "missing_translation": "warn | error | fallback",
    "version": "library version used in archive names",
    "license": "license or README file shipped in archives",
    "platform": "target platform whose limits are checked: " + ", ".join(PLATFORMS),
    **SETTINGS_KEYS,
}
LANGUAGE_KEYS = {"path": "folder for this language in the layout (default: the tag)", **SETTINGS_KEYS}
PROMPT_LANG_KEYS = {"text": "the words to speak", **SETTINGS_KEYS}
PROMPT_SETTINGS_KEYS = {k: v for k, v in SETTINGS_KEYS.items() if k != "voice"}
BOOK_KEYS = {
    "title": "book title", "author": "author", "sources": "Markdown files: a glob or a list",
    "order": "name (sorted), a SUMMARY.md-style file, or an explicit list",
    "cover": "cover image", "language": "language tag", "output": "output directory",
    "formats": "mp3 | m4b | chapters", "code": "skip | notice", "tables": "skip | notice",
    "footnotes": "end | skip", **SETTINGS_KEYS,
}
PROVIDER_KEYS = {
    "kind": "provider implementation: " + ", ".join(PROVIDER_KINDS),
    "base_url": "API base URL (OpenAI-compatible servers)",
    "api_key_env": "environment variable holding the key",
    "api_key_file": "file holding the key",
    "concurrency": "parallel requests", "requests_per_minute": "request rate cap",
    "chars_per_minute": "character rate cap", "timeout_s": "per-request timeout",
    "max_attempts": "attempts per segment", "max_retry_time_s": "retry time budget per segment",
    "options": "provider options",
}
BUDGET_KEYS = {"max_chars": "maximum characters to synthesize in one build"}
CACHE_KEYS = {"remote": "shared cache URL, s3://bucket/prefix"}
PACKAGE_KEYS = {"output": "folder for release archives, relative to the manifest",
                "formats": "archive formats: tar.gz, zip",
                "epoch": "timestamp for archive entries (default: $SOURCE_DATE_EPOCH or 0)",
                "on_build": "true: `narrate build` also packages"}


# ---------------------------------------------------------------- validation helpers


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, line: int | None, where: str, message: str, hint: str | None = None) -> None:
        problem = Problem(self.file, line, where, message, hint)
        # Prompt-level settings are applied once per language: report each problem once.
        if problem not in self.problems:
            self.problems.append(problem)

    def warn(self, line: int | None, where: str, message: str) -> None:
        self.warnings.append(Problem(self.file, line, where, message))

    def mapping(self, value: Any, line: int | None, where: str, what: str = "a mapping") -> SourceMap | None:
        if isinstance(value, SourceMap):
            return value
        self.add(line, where, f"expected {what}, got {_kind(value)}")
        return None

    def known_keys(self, data: SourceMap, allowed: dict[str, str] | tuple[str, ...], where: str) -> None:
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
                self.add(data.line_of(key), _join(where, key), "unknown key",
                         hint=repr(close[0]) if close else None)

    def string(self, data: SourceMap, key: str, where: str, *, required: bool = False) -> str | None:
        if key not in data:
            if required:
                self.add(data.line, _join(where, key), "missing required key")
            return None
        value = data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.add(data.line_of(key), _join(where, key), f"expected text, got {_kind(value)}")
            return None
        return value

    def number(self, data: SourceMap, key: str, where: str, lo: float, hi: float,
               integer: bool = False) -> float | None:
        if key not in data:
            return None
        value = data[key]
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type:
            self.add(data.line_of(key), _join(where, key),
                     f"expected {'a whole number' if integer else 'a number'}, got {_kind(value)}")
            return None
        if not lo <= value <= hi:
            self.add(data.line_of(key), _join(where, key), f"{value} is out of range {lo:g} to {hi:g}")
            return None
        return value

    def choice(self, data: SourceMap, key: str, where: str, choices: tuple[str, ...]) -> str | None:
        value = self.string(data, key, where)
        if value is not None and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            self.add(data.line_of(key), _join(where, key),
                     f"{value!r} is not one of {', '.join(choices)}", hint=repr(close[0]) if close else None)
            return None
        return value


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)


def _kind(value: Any) -> str:
    if isinstance(value, SourceMap):
        return "a mapping"
    if isinstance(value, SourceList):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return f"text ({value!r})" if len(str(value)) < 40 else "text"


def check_name(name: str) -> str | None:
    """Why a prompt name cannot become a relative path inside the output directory, or None."""
    if not name or not name.strip():
        return "empty name"
    if "\x00" in name or _CONTROL_RE.search(name):
        return "control characters are not allowed in names"
    if "\\" in name:
        return "backslashes are not allowed in names (use / for subfolders)"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute paths are not allowed"
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "names may not contain '..', '.' or empty path segments"
    if any(p != p.strip() for p in parts):
        return "path segments may not start or end with spaces"
    if len(name) > 200:
        return "name longer than 200 characters"
    return None


# ---------------------------------------------------------------- settings


def _parse_settings(c: _Checker, data: SourceMap, where: str, base: Settings,
                    provider_names: set[str]) -> Settings:
    """Overlay the settings keys found in `data` onto `base`."""
    changes: dict[str, Any] = {}
    provider = c.string(data, "provider", where)
    if provider is not None:
        if provider not in provider_names and provider not in PROVIDER_KINDS:
            close = difflib.get_close_matches(provider, sorted(provider_names | set(PROVIDER_KINDS)), n=1)
            c.add(data.line_of("provider"), _join(where, "provider"), f"unknown provider {provider!r}",
                  hint=repr(close[0]) if close else None)
        else:
            changes["provider"] = provider
    for key in ("voice", "model"):
        value = c.string(data, key, where)
        if value is not None:
            if not value.strip():
                c.add(data.line_of(key), _join(where, key), f"empty {key}")
            else:
                changes[key] = value.strip()
    speed = c.number(data, "speed", where, 0.25, 4.0)
    if speed is not None:
        changes["speed"] = float(speed)
    if "options" in data:
        opts = c.mapping(data["options"], data.line_of("options"), _join(where, "options"))
        if opts is not None:
            merged = dict(base.options)
            for k, v in opts.items():
                if isinstance(v, (SourceMap, SourceList)):
                    c.add(opts.line_of(k), _join(where, f"options.{k}"), "options must be plain values")
                else:
                    merged[str(k)] = "" if v is None else str(v)
            changes["options"] = tuple(sorted(merged.items()))
    if "level" in data:
        value = data["level"]
        if value is False:
            changes["level"] = replace(base.level, enabled=False)
        elif (m := c.mapping(value, data.line_of("level"), _join(where, "level"), "a mapping or false")) is not None:
            w = _join(where, "level")
            c.known_keys(m, LEVEL_KEYS, w)
            target = c.number(m, "target_dbov", w, -60, 0)
            peak = c.number(m, "peak_dbfs", w, -30, 0)
            changes["level"] = Level(
                target_dbov=base.level.target_dbov if target is None else float(target),
                peak_dbfs=base.level.peak_dbfs if peak is None else float(peak), enabled=True)
    if "silence" in data:
        value = data["silence"]
        if value is False:
            changes["silence"] = Silence(trim=False, lead_ms=0, trail_ms=0)
        elif (m := c.mapping(value, data.line_of("silence"), _join(where, "silence"), "a mapping or false")) is not None:
            w = _join(where, "silence")
            c.known_keys(m, SILENCE_KEYS, w)
            trim = m.get("trim", base.silence.trim)
            if not isinstance(trim, bool):
                c.add(m.line_of("trim"), _join(w, "trim"), "expected true or false")
                trim = base.silence.trim
            thr = c.number(m, "threshold_dbov", w, -96, -10)
            lead = c.number(m, "lead_ms", w, 0, 10_000, integer=True)
            trail = c.number(m, "trail_ms", w, 0, 10_000, integer=True)
            s = base.silence
            changes["silence"] = Silence(
                trim=trim, threshold_dbov=s.threshold_dbov if thr is None else float(thr),
                lead_ms=s.lead_ms if lead is None else int(lead),
                trail_ms=s.trail_ms if trail is None else int(trail))
    return replace(base, **changes) if changes else base


def _check_text(c: _Checker, value: Any, line: int | None, where: str) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        c.add(line, where, f"expected text, got {_kind(value)}")
        return None
    text = value.strip()
    if not text:
        c.add(line, where, "empty text")
        return None
    if len(text) > MAX_TEXT_CHARS:
        c.add(line, where, f"text is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,} "
                           "(use a book for long-form text)")
        return None
    return text


# ---------------------------------------------------------------- sections


def _parse_providers(c: _Checker, data: Any, line: int) -> dict[str, ProviderConfig]:
    out: dict[str, ProviderConfig] = {}
    m = c.mapping(data, line, "providers")
    if m is None:
        return out
    for name, spec in m.items():
        where = f"providers.{name}"
        sm = c.mapping(spec, m.line_of(name), where)
        if sm is None:
            continue
        c.known_keys(sm, PROVIDER_KEYS, where)
        kind = c.choice(sm, "kind", where, PROVIDER_KINDS) or (name if name in PROVIDER_KINDS else None)
        if kind is None:
            if "kind" not in sm:
                c.add(sm.line, _join(where, "kind"), "missing required key")
            continue
        for secret_like in ("api_key", "key", "token"):
            if secret_like in sm:
                c.add(sm.line_of(secret_like), _join(where, secret_like),
                      "API keys never go in the manifest: use api_key_env or api_key_file")
        opts = sm.get("options") or {}
        if not isinstance(opts, dict):
            c.add(sm.line_of("options"), _join(where, "options"), "expected a mapping")
            opts = {}
        cfg = ProviderConfig(
            name=name, kind=kind, base_url=c.string(sm, "base_url", where),
            api_key_env=c.string(sm, "api_key_env", where), api_key_file=c.string(sm, "api_key_file", where),
            concurrency=_int_or_none(c.number(sm, "concurrency", where, 1, 256, integer=True)),
            requests_per_minute=_int_or_none(c.number(sm, "requests_per_minute", where, 1, 1_000_000, integer=True)),
            chars_per_minute=_int_or_none(c.number(sm, "chars_per_minute", where, 1, 100_000_000, integer=True)),
            timeout_s=c.number(sm, "timeout_s", where, 0.1, 3600),
            max_attempts=_int_or_none(c.number(sm, "max_attempts", where, 1, 100, integer=True)),
            max_retry_time_s=c.number(sm, "max_retry_time_s", where, 0, 86400),
            options=dict(opts),
        )
        out[name] = cfg
    return out


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)


def _parse_library(c: _Checker, name: str, data: Any, line: int, root: Path, base: Settings,
                   provider_names: set[str]) -> Library | None:
    where = f"libraries.{name}"
    lib = c.mapping(data, line, where)
    if lib is None:
        return None
    problems_before = len(c.problems)
    c.known_keys(lib, LIBRARY_KEYS, where)
    name_problem = check_name(name) if "/" not in name else "library names may not contain '/'"
    if name_problem:
        c.add(line, where, name_problem)
    output = c.string(lib, "output", where, required=True)
    layout = c.choice(lib, "layout", where, LAYOUTS) or "asterisk"
    platform = c.choice(lib, "platform", where, PLATFORMS) or DEFAULT_PLATFORM[layout]
    policy = c.choice(lib, "missing_translation", where, MISSING_POLICIES) or "warn"
    version = c.string(lib, "version", where) or "1.0"
    license_name = c.string(lib, "license", where)
    license_path = None
    if license_name:
        license_path = (root / license_name).resolve()
        if not license_path.is_file():
            c.add(lib.line_of("license"), _join(where, "license"), f"file not found: {license_name}")

    formats: list[str] = []
    fmts = lib.get("formats")
    if fmts is None:
        c.add(lib.line, _join(where, "formats"), "missing required key")
    elif isinstance(fmts, str):
        fmts = [fmts]
    if isinstance(fmts, list):
        fline = lib.line_of("formats")
        for f in fmts:
            if f not in FORMAT_RATES:
                close = difflib.get_close_matches(str(f), list(FORMAT_RATES), n=1)
                c.add(fline, _join(where, "formats"), f"unknown format {f!r}", hint=repr(close[0]) if close else None)
            elif f not in LAYOUT_FORMATS[layout]:
                reason = (" (Asterisk's format_wav rejects G.711 in WAV: use ulaw/alaw or wav)"
                          if layout == "asterisk" else "")
                c.add(fline, _join(where, "formats"),
                      f"format {f!r} is not supported by the {layout} layout{reason}; supported: "
                      + ", ".join(LAYOUT_FORMATS[layout]))
            elif f in formats:
                c.add(fline, _join(where, "formats"), f"format {f!r} listed twice")
            else:
                formats.append(f)
        if not fmts:
            c.add(fline, _join(where, "formats"), "at least one format is required")
    elif fmts is not None:
        c.add(lib.line_of("formats"), _join(where, "formats"), f"expected a list of formats, got {_kind(fmts)}")

    lib_settings = _parse_settings(c, lib, where, base, provider_names)

    languages: dict[str, Language] = {}
    lang_settings: dict[str, Settings] = {}
    langs = lib.get("languages")
    if langs is None:
        c.add(lib.line, _join(where, "languages"), "missing required key")
    elif (lm := c.mapping(langs, lib.line_of("languages"), _join(where, "languages"))) is not None:
        if not lm:
            c.add(lm.line, _join(where, "languages"), "at least one language is required")
        paths: dict[str, str] = {}
        for code, spec in lm.items():
            lw = f"{where}.languages.{code}"
            lline = lm.line_of(code)
            if not _LANG_RE.match(str(code)):
                c.add(lline, lw, "not a language tag like en-US or es")
                continue
            if spec is None:
                spec = SourceMap(lline)
            elif isinstance(spec, str):  # `en-US: en-us` is shorthand for {voice: en-us}
                shorthand = SourceMap(lline)
                shorthand["voice"] = spec
                shorthand.key_lines["voice"] = lline
                spec = shorthand
            sm = c.mapping(spec, lline, lw)
            if sm is None:
                continue
            c.known_keys(sm, LANGUAGE_KEYS, lw)
            path = c.string(sm, "path", lw) or code
            why = check_name(path)
            if why:
                c.add(sm.line_of("path"), _join(lw, "path"), why)
            elif path in paths:
                c.add(sm.line_of("path"), _join(lw, "path"), f"same folder as language {paths[path]}")
            paths[path] = code
            languages[code] = Language(code, path)
            lang_settings[code] = _parse_settings(c, sm, lw, lib_settings, provider_names)

    prompts: list[PromptText] = []
    texts_by_name: dict[str, dict[str, PromptText]] = {}
    pm = lib.get("prompts")
    if pm is None:
        c.add(lib.line, _join(where, "prompts"), "missing required key")
    elif (pm := c.mapping(pm, lib.line_of("prompts"), _join(where, "prompts"))) is not None:
        first_lang = next(iter(languages), None)
        for pname, value in pm.items():
            pw = f"{where}.prompts.{pname}"
            pline = pm.line_of(pname)
            why = check_name(str(pname))
            if why:
                c.add(pline, pw, why)
                continue
            texts_by_name[pname] = {}
            if isinstance(value, SourceMap):
                prompt_keys = {k: v for k, v in value.items() if k not in languages}
                settings_part = SourceMap(value.line)
                for k, v in prompt_keys.items():
                    if k in PROMPT_SETTINGS_KEYS:
                        settings_part[k] = v
                        settings_part.key_lines[k] = value.line_of(k)
                    elif _LANG_RE.match(str(k)) and k not in SETTINGS_KEYS:
                        c.add(value.line_of(k), _join(pw, k),
                              f"language {k!r} is not declared in {where}.languages",
                              hint=_close(k, languages))
                    else:
                        close = difflib.get_close_matches(str(k), list(PROMPT_SETTINGS_KEYS) + list(languages), n=1)
                        c.add(value.line_of(k), _join(pw, k), "unknown key", hint=repr(close[0]) if close else None)
                for code in languages:
                    if code not in value:
                        continue
                    lw = _join(pw, code)
                    entry = value[code]
                    base_s = _parse_settings(c, settings_part, pw, lang_settings[code], provider_names)
                    if isinstance(entry, SourceMap):
                        c.known_keys(entry, PROMPT_LANG_KEYS, lw)
                        if "text" not in entry:
                            c.add(entry.line, _join(lw, "text"), "missing required key")
                            continue
                        text = _check_text(c, entry["text"], entry.line_of("text"), _join(lw, "text"))
                        settings = _parse_settings(c, entry, lw, base_s, provider_names)
                    else:
                        text = _check_text(c, entry, value.line_of(code), lw)
                        settings = base_s
                    if text is not None:
                        texts_by_name[pname][code] = PromptText(pname, code, text, settings, value.line_of(code))
            elif first_lang is not None:
                text = _check_text(c, value, pline, pw)
                if text is not None:
                    texts_by_name[pname][first_lang] = PromptText(pname, first_lang, text,
                                                                  lang_settings[first_lang], pline)

    missing: dict[str, list[str]] = {code: [] for code in languages}
    for pname, by_lang in texts_by_name.items():
        for code in languages:
            if code in by_lang:
                prompts.append(by_lang[code])
                continue
            missing[code].append(pname)
            if not by_lang:
                continue
            if policy == "fallback":
                src = next(iter(by_lang.values()))
                prompts.append(PromptText(pname, code, src.text, lang_settings[code], src.line,
                                          fallback_from=src.language))
    if policy == "error":
        for code, names in missing.items():
            for pname in names:
                if texts_by_name[pname]:
                    c.add(pm.line_of(pname) if isinstance(pm, SourceMap) else None,
                          f"{where}.prompts.{pname}.{code}", "missing translation")

    if len(c.problems) > problems_before or output is None:
        return None
    return Library(name=name, output=(root / output).resolve(), layout=layout, formats=tuple(formats),
                   languages=languages, prompts=prompts, missing={k: v for k, v in missing.items() if v},
                   missing_translation=policy, version=version, license=license_path, platform=platform)


def _close(key: str, options: Any) -> str | None:
    close = difflib.get_close_matches(str(key), list(options), n=1)
    return repr(close[0]) if close else None


def _parse_book(c: _Checker, name: str, data: Any, line: int, root: Path, base: Settings,
                provider_names: set[str]) -> Book | None:
    where = f"books.{name}"
    bm = c.mapping(data, line, where)
    if bm is None:
        return None
    before = len(c.problems)
    c.known_keys(bm, BOOK_KEYS, where)
    if "/" in name or check_name(name):
        c.add(line, where, "book names must be plain folder names")
    title = c.string(bm, "title", where) or name
    author = c.string(bm, "author", where)
    output = c.string(bm, "output", where, required=True)
    language = c.string(bm, "language", where) or "en-US"
    if not _LANG_RE.match(language):
        c.add(bm.line_of("language"), _join(where, "language"), "not a language tag like en-US")
    code = c.choice(bm, "code", where, ("skip", "notice")) or "skip"
    tables = c.choice(bm, "tables", where, ("skip", "notice")) or "skip"
    footnotes = c.choice(bm, "footnotes", where, ("end", "skip")) or "end"
    formats: list[str] = []
    fm = bm.get("formats", ["mp3", "m4b", "chapters"])
    if isinstance(fm, str):
        fm = [fm]
    if not isinstance(fm, list) or not fm:
        c.add(bm.line_of("formats"), _join(where, "formats"), "expected a list of: " + ", ".join(BOOK_FORMATS))
    else:
        for f in fm:
            if f not in BOOK_FORMATS:
                c.add(bm.line_of("formats"), _join(where, "formats"), f"unknown book format {f!r}",
                      hint=_close(str(f), BOOK_FORMATS))
            elif f not in formats:
                formats.append(f)
    cover = None
    cover_name = c.string(bm, "cover", where)
    if cover_name:
        cover = (root / cover_name).resolve()
        if not cover.is_file():
            c.add(bm.line_of("cover"), _join(where, "cover"), f"file not found: {cover_name}")
    chapters = _resolve_chapters(c, bm, where, root)
    order = bm.get("order")
    order_file = (root / order).resolve() if isinstance(order, str) and order != "name" else None
    settings = _parse_settings(c, bm, where, base, provider_names)
    if settings.voice is None:
        settings = replace(settings, voice=language.lower())
    if len(c.problems) > before or output is None:
        return None
    return Book(name=name, title=title, author=author, chapters=chapters, output=(root / output).resolve(),
                language=language, settings=settings, formats=tuple(formats), cover=cover,
                order_file=order_file, code=code, tables=tables, footnotes=footnotes)


_SUMMARY_LINK = re.compile(r"\]\(([^)\s]+\.md)\)")


def _natural_key(name: str) -> tuple:
    """Natural order: "chapter-2" before "chapter-10" (digit runs compare as numbers), case-folded,
    then the name itself so that "ch-02" and "ch-2" still sort the same way every time."""
    parts = re.split(r"(\d+)", name)
    return tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)), name


def _resolve_chapters(c: _Checker, bm: SourceMap, where: str, root: Path) -> list[Path]:
    sources = bm.get("sources")
    sline = bm.line_of("sources")
    files: list[Path] = []
    if sources is None:
        c.add(bm.line, _join(where, "sources"), "missing required key")
        return files
    patterns = [sources] if isinstance(sources, str) else sources
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        c.add(sline, _join(where, "sources"), "expected a glob or a list of Markdown files")
        return files
    for pattern in patterns:
        matched = sorted(Path(p) for p in globlib.glob(str(root / pattern), recursive=True))
        if not matched:
            c.add(sline, _join(where, "sources"), f"no file matches {pattern!r}")
        files.extend(p.resolve() for p in matched if p.is_file())
    order = bm.get("order", "name")
    if order == "name":
        files = sorted(dict.fromkeys(files), key=lambda p: _natural_key(p.name))
    elif isinstance(order, list):
        by_name = {p.name: p for p in files}
        chosen = []
        for item in order:
            if item not in by_name:
                c.add(bm.line_of("order"), _join(where, "order"), f"{item!r} is not among the sources",
                      hint=_close(str(item), by_name))
            else:
                chosen.append(by_name[item])
        files = chosen
    elif isinstance(order, str):
        summary = (root / order).resolve()
        if not summary.is_file():
            c.add(bm.line_of("order"), _join(where, "order"), f"file not found: {order}")
            return files
        by_path = {p: p for p in files}
        chosen = []
        for link in _SUMMARY_LINK.findall(summary.read_text(encoding="utf-8", errors="replace")):
            target = (summary.parent / link).resolve()
            if target in by_path and target not in chosen:
                chosen.append(target)
        if not chosen:
            c.add(bm.line_of("order"), _join(where, "order"), f"{order} links to none of the sources")
        files = chosen
    else:
        c.add(bm.line_of("order"), _join(where, "order"), "expected 'name', a file, or a list")
    return files


# ---------------------------------------------------------------- entry point


def load_manifest(path: Path | str) -> Manifest:
    """Load and validate a manifest. Raises ManifestError listing every problem."""
    path = Path(path)
    shown = str(path)
    doc = load_yaml_file(path, shown)
    c = _Checker(shown)
    c.problems.extend(doc.problems)
    data = doc.data
    if not isinstance(data, SourceMap):
        raise ManifestError([Problem(shown, getattr(data, "line", 1), "",
                                     f"the manifest must be a mapping, got {_kind(data)}")])
    root = path.resolve().parent
    c.known_keys(data, TOP_KEYS, "")
    version = data.get("version", MANIFEST_VERSION)
    if version != MANIFEST_VERSION:
        c.add(data.line_of("version"), "version", f"unsupported manifest version {version!r} (this narrate reads 1)")

    manifest = Manifest(path=path.resolve())
    if "providers" in data:
        manifest.providers = _parse_providers(c, data["providers"], data.line_of("providers"))
    provider_names = set(manifest.providers)
    defaults = Settings()
    if "defaults" in data:
        dm = c.mapping(data["defaults"], data.line_of("defaults"), "defaults")
        if dm is not None:
            c.known_keys(dm, SETTINGS_KEYS, "defaults")
            defaults = _parse_settings(c, dm, "defaults", defaults, provider_names)

    if "lexicon" in data:
        _load_lexicon(c, manifest, data, root)
    for key, keys, setter in (
        ("budget", BUDGET_KEYS, lambda m: setattr(manifest, "max_chars", _int_or_none(c.number(m, "max_chars", "budget", 0, 10**12, integer=True)))),
        ("cache", CACHE_KEYS, lambda m: setattr(manifest, "remote_cache", c.string(m, "remote", "cache"))),
        ("package", PACKAGE_KEYS, lambda m: setattr(manifest, "package", dict(m))),
    ):
        if key in data:
            section = c.mapping(data[key], data.line_of(key), key)
            if section is not None:
                c.known_keys(section, keys, key)
                setter(section)
    if "prices" in data and (pm := c.mapping(data["prices"], data.line_of("prices"), "prices")) is not None:
        for k in pm:
            value = c.number(pm, k, "prices", 0, 10_000)
            if value is not None:
                manifest.prices[str(k)] = float(value)

    libraries = data.get("libraries")
    books = data.get("books")
    if libraries is None and books is None:
        c.add(data.line, "", "nothing to build: add `libraries:` or `books:`")
    if libraries is not None and (lm := c.mapping(libraries, data.line_of("libraries"), "libraries")) is not None:
        for name, spec in lm.items():
            lib = _parse_library(c, str(name), spec, lm.line_of(name), root, defaults, provider_names)
            if lib is not None:
                manifest.libraries.append(lib)
    if books is not None and (bm := c.mapping(books, data.line_of("books"), "books")) is not None:
        for name, spec in bm.items():
            book = _parse_book(c, str(name), spec, bm.line_of(name), root, defaults, provider_names)
            if book is not None:
                manifest.books.append(book)
    _check_output_overlap(c, manifest, data)
    if c.problems:
        raise ManifestError(sorted(c.problems, key=lambda p: (p.line or 0, p.key_path)))
    for lib in manifest.libraries:
        if lib.missing_translation == "warn":
            for code, names in lib.missing.items():
                shown_names = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
                c.warn(None, f"libraries.{lib.name}", f"{len(names)} prompt(s) missing in {code}: {shown_names}")
    manifest.warnings = c.warnings
    return manifest


def _check_output_overlap(c: _Checker, manifest: Manifest, data: SourceMap) -> None:
    seen: dict[Path, str] = {}
    targets = [(f"libraries.{lib.name}", lib.output) for lib in manifest.libraries]
    targets += [(f"books.{b.name}", b.output) for b in manifest.books]
    for where, out in targets:
        if out == manifest.root or out in manifest.root.parents:
            c.add(None, f"{where}.output", "output must be a dedicated folder, not the manifest's folder or above")
        for other, other_where in seen.items():
            if out == other or other in out.parents or out in other.parents:
                c.add(None, f"{where}.output", f"overlaps the output of {other_where}")
        seen[out] = where


def _load_lexicon(c: _Checker, manifest: Manifest, data: SourceMap, root: Path) -> None:
    value = data["lexicon"]
    if isinstance(value, str):
        lex_path = root / value
        try:
            doc = load_yaml_file(lex_path, value)
        except ManifestError as exc:
            c.problems.extend(exc.problems)
            return
        c.problems.extend(doc.problems)
        if not isinstance(doc.data, dict):
            c.add(None, "lexicon", f"{value} must hold a mapping of term: replacement")
            return
        manifest.lexicon, manifest.lexicon_source, manifest.lexicon_path = doc.data, value, lex_path.resolve()
    elif isinstance(value, SourceMap):
        manifest.lexicon, manifest.lexicon_source = value, f"{c.file}:lexicon"
    else:
        c.add(data.line_of("lexicon"), "lexicon", "expected a file path or a mapping")

