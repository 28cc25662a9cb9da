"""Validated models -> the resolved manifest. Pure: data and a line table in, data and problems out.

`validate(data, lines, file, root)` checks the data against the models (`model.py`), then the rules
that relate keys to each other: names are safe paths and do not collide, languages are declared,
formats suit the layout, providers exist, settings inherit defaults -> library -> language ->
prompt -> prompt-in-language (each step: `inherit.overlay`). Paths are joined to `root` but not resolved and no file is read:
`resolve.py` does that.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..errors import ManifestError, Problem
from ..errors import shown as show
from ..providers.base import ProviderConfig
from ..text.markup import check as markup_problem
from . import model as m
from .book_audio import markdown_settings, resolve_book_audio
from .inherit import overlay
from .layout_check import DEFAULT_PLATFORM, check_paths, library_formats, library_layout
from .layouts import ZIP_EPOCH_MAX, language_folder, release_problems
from .lexicon_rules import LANG_RE, check_lexicon
from .loader import Key, LineTable
from .names import check_name, nfc
from .problems import from_validation, hint_for, key_path, kind, same_tag_hint
from .publishing import resolve_publishing
from .resolved import Book, Draft, Language, Library, Manifest, PromptText, Settings

PROMPT_SETTINGS_KEYS = tuple(m.PromptSettings.model_fields)
SETTINGS_KEYS = tuple(m.Settings.model_fields)


class Checker:
    """Collects located problems (each once) for one file."""

    def __init__(self, file: str, lines: LineTable) -> None:
        self.file, self.lines = file, lines
        self.found: dict[Problem, None] = {}

    def add(self, key: Key, message: str, hint: str | None = None, *, line: int | None = None) -> None:
        line = self.lines.line(key) if line is None else line
        self.found.setdefault(Problem(self.file, line, key_path(key), message, hint), None)

    @property
    def problems(self) -> list[Problem]:
        return list(self.found)


def validate(data: Any, lines: LineTable, file: str, root: Path) -> Draft:
    """Check a manifest's data (plain dicts from `loader`) and build the draft. No I/O.

    `file` is how the manifest is named in messages; `root` is its folder (joined, not resolved).
    Raises ManifestError if the data is not a mapping; otherwise problems are in `Draft.problems`.
    """
    if not isinstance(data, dict):
        raise ManifestError([Problem(file, lines.line(()) or 1, "", f"the manifest must be a mapping, got {kind(data)}")])
    c = Checker(file, lines)
    try:
        spec = m.Manifest.model_validate(data)
    except ValidationError as exc:
        for p in from_validation(exc, m.Manifest, lines, file):
            c.found.setdefault(p, None)
        spec = _partial(data)  # keep checking the sections that are well formed
    draft = Draft(Manifest(path=root / Path(file).name), file, lines)
    man = draft.manifest
    man.providers = _providers(c, spec.providers or {})
    names = set(man.providers)
    defaults = overlay(c, Settings(), spec.defaults, ("defaults",), names) if spec.defaults else Settings()
    if isinstance(spec.lexicon, str):
        draft.lexicon_file = spec.lexicon
    elif spec.lexicon is not None:
        check_lexicon(c, spec.lexicon, ("lexicon",))
        man.lexicon, man.lexicon_source = data["lexicon"], f"{file}:lexicon"
    if spec.budget is not None:
        man.max_chars = spec.budget.max_chars
    man.jobs = spec.jobs
    if spec.cache is not None:
        man.remote_cache = spec.cache.remote
    if spec.package is not None:
        man.package = spec.package.model_dump(exclude_none=True)
        if "zip" in (spec.package.formats or ()) and (spec.package.epoch or 0) > ZIP_EPOCH_MAX:
            c.add(("package", "epoch"), f"{spec.package.epoch} is after 2107, the last year a zip archive can hold")
    man.prices = {name: float(price) for name, price in (spec.prices or {}).items()}
    if "libraries" not in data and "books" not in data:
        c.add((), "nothing to build: add `libraries:` or `books:`")
    for name, lib_spec in (spec.libraries or {}).items():
        lib = _library(c, name, lib_spec, root, defaults, names)
        if lib is not None:
            man.libraries.append(lib)
            draft.licenses[name] = lib_spec.license
    for name, book_spec in (spec.books or {}).items():
        book = _book(c, name, book_spec, root, defaults, names)
        if book is not None:
            man.books.append(book)
            draft.book_specs[name] = book_spec
    draft.problems = c.problems
    return draft


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(name: str) -> TypeAdapter[Any]:
    """A validator for one top-level field of the manifest (built once, on the error path only)."""
    if name not in _ADAPTERS:
        _ADAPTERS[name] = TypeAdapter(m.Manifest.model_fields[name].rebuild_annotation())
    return _ADAPTERS[name]


def _partial(data: dict[str, Any]) -> m.Manifest:
    """The sections (and named entries) of `data` that validate on their own; the rest left out."""
    fields: dict[str, Any] = {}
    for name in m.Manifest.model_fields:
        if name not in data:
            continue
        value = data[name]
        entry_models: dict[str, type[m.Section]] = {"libraries": m.Library, "books": m.Book, "providers": m.Provider}
        item = entry_models.get(name)
        if item is not None and isinstance(value, dict):
            good = {}
            for key, entry in value.items():
                with contextlib.suppress(ValidationError):
                    good[key] = _without_bad_prompts(item, entry) if name == "libraries" else item.model_validate(entry)
            fields[name] = good
            continue
        with contextlib.suppress(ValidationError):
            fields[name] = _adapter(name).validate_python(value)
    return m.Manifest.model_construct(**fields)


def _without_bad_prompts(model: type[m.Section], entry: Any) -> m.Section:
    """A library that validates once the prompts with problems are left out, so that a bad setting
    in one prompt does not hide its siblings' problems (markup, languages): all reported at once.
    Raises ValidationError when the library's own keys are at fault."""
    try:
        return model.model_validate(entry)
    except ValidationError as exc:
        bad = {err["loc"][1] for err in exc.errors() if err["loc"][:1] == ("prompts",) and len(err["loc"]) > 1}
        if not bad or not isinstance(entry, dict) or not isinstance(entry.get("prompts"), dict):
            raise
        prompts = {k: v for k, v in entry["prompts"].items() if k not in bad}
        return model.model_validate({**entry, "prompts": prompts})


# ---------------------------------------------------------------- sections


def _providers(c: Checker, specs: dict[str, m.Provider]) -> dict[str, ProviderConfig]:
    out: dict[str, ProviderConfig] = {}
    for name, spec in specs.items():
        kind_name = spec.kind or (name if name in m.PROVIDER_KINDS else None)
        if kind_name is None:
            c.add(("providers", name, "kind"), "missing required key", line=c.lines.line(("providers", name)))
            continue
        out[name] = ProviderConfig(
            name=name, kind=kind_name, base_url=spec.base_url, api_key_env=spec.api_key_env,
            api_key_file=spec.api_key_file, concurrency=spec.concurrency, requests_per_minute=spec.requests_per_minute,
            chars_per_minute=spec.chars_per_minute, timeout_s=spec.timeout_s, max_attempts=spec.max_attempts,
            max_retry_time_s=spec.max_retry_time_s, options=dict(spec.options or {}), normalize=spec.normalize)
    return out


def _check_markup(c: Checker, texts: dict[str, dict[str, PromptText]], key: Key, seen: dict[str, str]) -> None:
    """Prompt markup (narrate.text.markup) parses: only texts holding "<" are looked at."""
    for name, by_lang in texts.items():
        for code, prompt in by_lang.items():
            if "<" in prompt.text:
                reason = markup_problem(prompt.text, code)
                if reason:
                    c.add((*key, seen[name.casefold()], code), f"markup: {reason}", line=prompt.line)


def _library(c: Checker, name: str, spec: m.Library, root: Path, defaults: Settings,
             providers: set[str]) -> Library | None:
    key: Key = ("libraries", name)
    before = len(c.found)
    why = "library names may not contain '/'" if "/" in name else check_name(name)
    if why:
        c.add(key, why)
    layout, pattern = library_layout(c, spec.layout, (*key, "layout"))
    formats = library_formats(c, spec.formats, layout, (*key, "formats"))
    settings = overlay(c, defaults, spec, key, providers)
    languages, lang_settings = _languages(c, spec.languages, (*key, "languages"), settings, providers, layout)
    policy = spec.missing_translation or "warn"
    prompts, missing = _prompts(c, spec.prompts, (*key, "prompts"), languages, lang_settings, policy, providers)
    if len(c.found) > before:
        return None
    lib = Library(name=name, output=root / spec.output, layout=layout, formats=tuple(formats),
                  languages=languages, prompts=prompts, missing={k: v for k, v in missing.items() if v},
                  missing_translation=policy, version=spec.version or "1.0", license=None,
                  platform=spec.platform or DEFAULT_PLATFORM[layout], pattern=pattern)
    check_paths(c, lib, key)
    for sub, prompt, message in release_problems(lib, spec.license, spec.version):
        c.add((*key, *sub), message, line=prompt.line if prompt is not None and sub[0] == "prompts" else None)
    return None if len(c.found) > before else lib


DEFAULT_BOOK_LANGUAGE = "en-US"  # a book's language when it names none


def _tag_problem(code: str, example: str) -> str | None:
    """Why `code` is no language tag to build in, or None. A tag of the right form that the IANA
    registry does not hold (`xx-YY`) would be built into an `xx_YY/` folder no platform plays."""
    if not LANG_RE.match(code):
        return f"not a language tag like {example}"
    import langcodes  # loaded only when a manifest is validated (the voice checks load it too)

    if not langcodes.tag_is_valid(code):
        return f"not a registered language tag (BCP 47): {show(repr(code))}; write one like {example}"
    return None


def _languages(c: Checker, specs: dict[str, Any], key: Key, base: Settings,
               providers: set[str], layout: str) -> tuple[dict[str, Language], dict[str, Settings]]:
    languages: dict[str, Language] = {}
    settings: dict[str, Settings] = {}
    folders: dict[str, str] = {}  # NFC, case-folded folder -> language
    for code, entry in specs.items():
        lkey = (*key, code)
        if why := _tag_problem(code, "en-US or es"):
            c.add(lkey, why)
            continue
        if entry is None:
            entry = m.LanguageSpec.model_construct()
        elif isinstance(entry, str):  # `en-US: en-us` is shorthand for {voice: en-us}
            entry = m.LanguageSpec.model_construct(voice=entry)
        settings[code] = overlay(c, base, entry, lkey, providers)
        voice = settings[code].voice or code.lower()  # the voice a prompt gets unless it names one
        path = nfc(entry.path) if entry.path is not None else language_folder(layout, code, voice)
        why = check_name(path)
        folded = path.casefold()
        if why and entry.path is None:
            c.add((*lkey, "voice"), f"the {layout} folder {show(repr(path))} made from this voice: {why}")
        elif why:
            c.add((*lkey, "path"), why)
        elif folded in folders:
            c.add((*lkey, "path"), f"same folder as language {folders[folded]} ({show(repr(path))})")
        else:  # en/ivr inside en: en's ivr/menu and en/ivr's menu would be one file
            outer = next((other for f, other in folders.items()
                          if folded.startswith(f + "/") or f.startswith(folded + "/")), None)
            if outer is not None:
                c.add((*lkey, "path"), f"folder {show(repr(path))} is inside or around language {outer}'s folder")
        folders.setdefault(folded, code)
        languages[code] = Language(code, path, voice)
    return languages, settings


def _prompts(c: Checker, specs: dict[str, Any], key: Key, languages: dict[str, Language],
             lang_settings: dict[str, Settings], policy: str,
             providers: set[str]) -> tuple[list[PromptText], dict[str, list[str]]]:
    lines = c.lines
    first = next(iter(languages), None)
    texts: dict[str, dict[str, PromptText]] = {}
    seen: dict[str, str] = {}  # NFC, case-folded name -> name as written
    for written, value in specs.items():
        pkey = (*key, written)
        why = check_name(written)
        if why:
            c.add(pkey, why)
            continue
        name = nfc(written)
        folded = name.casefold()
        if folded in seen:
            c.add(pkey, f"same file as prompt {show(repr(seen[folded]))} on case-insensitive or "
                        "Unicode-normalising filesystems (names are compared in NFC, ignoring case)")
            continue
        seen[folded] = written
        by_lang: dict[str, PromptText] = {}
        texts[name] = by_lang
        if isinstance(value, str):
            if first is not None:
                by_lang[first] = PromptText(name, first, value, lang_settings[first], lines.line(pkey))
            continue
        note = value.note.strip() or None if value.note is not None else None
        about: dict[str, Any] = {"note": note, "compare_languages": value.compare_languages is not False}
        extra = value.__pydantic_extra__ or {}
        for code in extra:
            if code in languages:
                continue
            if LANG_RE.match(code) and code not in SETTINGS_KEYS:
                c.add((*pkey, code), f"language {show(repr(code))} is not declared in {key_path(key[:-1])}.languages",
                      same_tag_hint(code, languages) or hint_for(code, languages))
            else:
                c.add((*pkey, code), "unknown key", hint_for(code, list(PROMPT_SETTINGS_KEYS) + list(languages)))
        for code in languages:
            entry = extra.get(code)
            if entry is None:
                continue
            base = overlay(c, lang_settings[code], value, pkey, providers)
            line = lines.line((*pkey, code))
            if isinstance(entry, str):
                by_lang[code] = PromptText(name, code, entry, base, line, **about)
            else:
                settings = overlay(c, base, entry, (*pkey, code), providers)
                by_lang[code] = PromptText(name, code, entry.text, settings, line, **about)
    _check_markup(c, texts, key, seen)
    prompts: list[PromptText] = []
    missing: dict[str, list[str]] = {code: [] for code in languages}
    for name, by_lang in texts.items():
        for code in languages:
            if code in by_lang:
                prompts.append(by_lang[code])
                continue
            missing[code].append(name)
            if by_lang and policy == "fallback":
                src = next(iter(by_lang.values()))
                prompts.append(PromptText(name, code, src.text, lang_settings[code], src.line, fallback_from=src.language,
                                          note=src.note))
            elif by_lang and policy == "error":
                c.add((*key, seen[name.casefold()], code), "missing translation", line=lines.line((*key, seen[name.casefold()])))
    return prompts, missing


def _book(c: Checker, name: str, spec: m.Book, root: Path, defaults: Settings, providers: set[str]) -> Book | None:
    key: Key = ("books", name)
    before = len(c.found)
    if "/" in name or check_name(name):
        c.add(key, "book names must be plain folder names")
    language = spec.language or DEFAULT_BOOK_LANGUAGE
    # Only a given tag is checked: narrate's own default is registered, and checking it loaded langcodes'
    # tables (~3 MB resident for the whole build, beside a book's ffmpeg children: issue 12).
    if spec.language and (why := _tag_problem(language, "en-US")):
        c.add((*key, "language"), why)
    formats = list(dict.fromkeys(spec.formats or m.BOOK_FORMATS))
    settings = overlay(c, defaults, spec, key, providers)
    if settings.voice is None:
        settings = replace(settings, voice=language.lower())
    transcripts, feed = resolve_publishing(c, spec, key, title=spec.title or name, author=spec.author,
                                           language=language, formats=tuple(formats), root=root)
    audio = resolve_book_audio(c, spec, key)
    if len(c.found) > before:
        return None
    return Book(name=name, title=spec.title or name, author=spec.author, chapters=[], output=root / spec.output,
                language=language, settings=settings, formats=tuple(formats), code=spec.code or "skip",
                tables=spec.tables or "skip", footnotes=spec.footnotes or "end", markdown=markdown_settings(c, spec, key),
                transcripts=transcripts, feed=feed, **audio,
                voice_lines={"": c.lines.line((*key, "voice")),
                             **{str(f): c.lines.line((*key, "chapters", f, "voice")) for f in spec.chapters or {}}})
