"""A memo of the last validation, so a manifest whose prompt texts alone changed skips the models.

`core.validate` is a pure function of the manifest's data. Validating a 10,000-prompt library
imports pydantic and builds the models (about 0.1 s) before any prompt is read, and a one-word edit
would pay that again. So the data is split in two: its *shape* (every key and value except the
prompts of libraries written as plain text) and those texts. When the shape is the one last
validated, by the same narrate and the same pydantic, the result is that validation's with each
plain prompt's new text and each prompt's new line put in (`replay`).

A new text is checked as the model checks it (stripped, not empty, at most MAX_TEXT_CHARS, its
markup parses); one that fails sends the manifest through the full validation, which names the
problem. A template is only stored after replaying it on the very data it came from gives the
validated manifest exactly, so the replay cannot drift from `core` unnoticed. Manifests with books
are not memoised (their chapters resolve from the models). The memo is JSON holding only narrate's
plain values, never pickle: a cache folder may come from another machine. A manifest whose URLs
carry credentials is not memoised: the memo would keep them in the cache folder.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..providers.base import ProviderConfig
from ..stamp import code_stamp, environment_stamp
from .loader import LineTable
from .names import nfc
from .resolved import MAX_TEXT_CHARS, Draft, Language, Level, Library, Manifest, PromptText, Settings, Silence

MEMO_VERSION = 1
MAX_MEMO_BYTES = 64 * 1024 * 1024  # a 16 MiB manifest's template is smaller
VALIDATION_LIBRARIES = ("pydantic", "pydantic_core")
_TEXT = ...  # stands for a plain prompt text in the shape: YAML never yields an Ellipsis
_new = object.__new__


def shape_digest(data: Any, root: Path) -> str | None:
    """sha256 hex of the manifest's shape (see the module docstring) and of the code and libraries
    that validate it; None when the manifest is not memoised (not a mapping, or it has books)."""
    if not isinstance(data, dict) or "books" in data:
        return None
    shape = dict(data)
    libraries = data.get("libraries")
    if isinstance(libraries, dict):
        shape["libraries"] = {name: _library_shape(lib) for name, lib in libraries.items()}
    try:  # marshal tells 1 from "1" and True, and keeps order: equal bytes are equal data
        packed = marshal.dumps([MEMO_VERSION, str(root), shape])
    except ValueError:
        return None
    h = hashlib.sha256(environment_stamp(code_stamp(), VALIDATION_LIBRARIES).encode())
    h.update(packed)
    return h.hexdigest()


def _library_shape(lib: Any) -> Any:
    prompts = lib.get("prompts") if isinstance(lib, dict) else None
    if not isinstance(prompts, dict):
        return lib
    return {**lib, "prompts": {name: _TEXT if type(value) is str else value for name, value in prompts.items()}}


def template(draft: Draft, data: dict[str, Any]) -> dict[str, Any] | None:
    """The validated draft as the memo's JSON value, or None if it cannot be replayed exactly."""
    man = draft.manifest
    if man.books or draft.problems or _holds_credentials(man):
        return None
    settings: dict[int, int] = {}
    table: list[list[Any]] = []

    def index(s: Settings) -> int:
        if id(s) not in settings:
            settings[id(s)] = len(table)
            table.append([s.provider, s.voice, s.model, s.speed, [list(p) for p in s.options],
                          [s.level.target_dbov, s.level.peak_dbfs, s.level.enabled],
                          [s.silence.trim, s.silence.threshold_dbov, s.silence.lead_ms, s.silence.trail_ms]])
        return settings[id(s)]

    try:
        libraries = [_library_template(lib, data["libraries"][lib.name]["prompts"], draft.licenses.get(lib.name), index)
                     for lib in man.libraries]
    except (KeyError, TypeError):
        return None
    providers = {name: dict(vars(cfg)) for name, cfg in man.providers.items()}
    value = {"settings": table, "libraries": libraries, "providers": providers, "lexicon": man.lexicon,
             "lexicon_file": draft.lexicon_file, "max_chars": man.max_chars,
             "jobs": man.jobs, "prices": man.prices, "remote_cache": man.remote_cache, "package": man.package}
    try:
        stored: dict[str, Any] = json.loads(json.dumps(value))  # as it will be read back
    except (TypeError, ValueError):
        return None
    again = replay(stored, data, draft.lines, draft.file, man.path)
    if again is None or again.manifest != man or again.licenses != draft.licenses \
            or again.lexicon_file != draft.lexicon_file:
        return None
    return stored


def _holds_credentials(man: Manifest) -> bool:
    """A base_url or remote cache URL with a password or a secret in its query: the memo, kept in a
    cache folder that may be shared or uploaded, would hold it (DESIGN.md invariant 5). Not memoised."""
    urls = [url for url in [*(cfg.base_url for cfg in man.providers.values()), man.remote_cache] if url]
    if not urls:
        return False  # the usual case: no need to import httpx (~80 ms) to know it
    from ..providers.responses import url_secrets

    return any(url_secrets(url) for url in urls)


def _library_template(lib: Library, source: dict[str, Any], license: str | None,
                      index: Callable[[Settings], int]) -> dict[str, Any]:
    """One library: its fields, and a row per prompt: [name, name as written (if not NFC), language
    whose key holds its line (None: the prompt's own key), text (None: plain, read from the data),
    language, settings index, fallback_from, note, compare_languages]."""
    written = {nfc(name): name for name in source}
    rows = []
    for p in lib.prompts:
        name = written[p.name]
        plain = type(source[name]) is str
        rows.append([p.name, name if name != p.name else None, None if plain else (p.fallback_from or p.language),
                     None if plain else p.text, p.language, index(p.settings), p.fallback_from, p.note,
                     p.compare_languages])
    return {"name": lib.name, "output": str(lib.output), "layout": lib.layout, "formats": list(lib.formats),
            "languages": [[g.code, g.path, g.voice] for g in lib.languages.values()], "missing": lib.missing,
            "missing_translation": lib.missing_translation, "version": lib.version, "platform": lib.platform,
            "pattern": lib.pattern, "license": license, "prompts": rows}


def replay(value: dict[str, Any], data: dict[str, Any], lines: LineTable, file: str, path: Path) -> Draft | None:
    """The draft `core.validate` makes of `data`, whose shape is the template `value`'s; None when a
    new text would not pass the model's checks (then the full validation reports it) or the
    template is not the shape `template` writes (a damaged memo is a miss, never an error)."""
    try:
        return _replay(value, data, lines, file, path)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None


def _replay(value: dict[str, Any], data: dict[str, Any], lines: LineTable, file: str, path: Path) -> Draft | None:
    from ..text.markup import check as markup_problem

    table = [Settings(s[0], s[1], s[2], s[3], tuple((str(a), str(b)) for a, b in s[4]), Level(*s[5]), Silence(*s[6]))
             for s in value["settings"]]
    man = Manifest(path=path, providers={name: ProviderConfig(**cfg) for name, cfg in value["providers"].items()},
                   lexicon=value["lexicon"], max_chars=value["max_chars"],
                   jobs=value["jobs"], prices=value["prices"], remote_cache=value["remote_cache"],
                   package=value["package"])
    if man.lexicon is not None:  # inline (a lexicon file is read by resolve): named as the manifest is named today
        man.lexicon_source = f"{file}:lexicon"
    licenses: dict[str, str | None] = {}
    for lib in value["libraries"]:
        key = ("libraries", lib["name"], "prompts")
        source = data["libraries"][lib["name"]]["prompts"]
        prompts = []
        for name, written, line_language, text, language, settings, fallback_from, note, compare in lib["prompts"]:
            where = (*key, written or name)
            if text is None:
                text = source[written or name].strip()
                if not text or len(text) > MAX_TEXT_CHARS or ("<" in text and markup_problem(text)):
                    return None
            at = where if line_language is None else (*where, line_language)
            line = lines.get(at)  # LineTable.line's first try, without its call and slice per prompt
            if line is None:
                line = lines.line(at)
            # PromptText(...) with its fields set directly: the frozen dataclass's __init__ sets each of its
            # 8 fields through object.__setattr__ (~10 ms of a one-edit rebuild at 10,000 prompts). The same object.
            prompt = _new(PromptText)
            prompt.__dict__.update(name=name, language=language, text=text, settings=table[settings], line=line,
                                   fallback_from=fallback_from, note=note, compare_languages=compare)
            prompts.append(prompt)
        languages = {code: Language(code, folder, voice) for code, folder, voice in lib["languages"]}
        man.libraries.append(Library(name=lib["name"], output=Path(lib["output"]), layout=lib["layout"],
                                     formats=tuple(lib["formats"]), languages=languages, prompts=prompts,
                                     missing=lib["missing"], missing_translation=lib["missing_translation"],
                                     version=lib["version"], platform=lib["platform"], pattern=lib["pattern"]))
        licenses[lib["name"]] = lib["license"]
    return Draft(man, file, lines, licenses=licenses, lexicon_file=value["lexicon_file"])


def read(memo: Path, digest: str) -> dict[str, Any] | None:
    """The template stored for `digest`, or None (no memo, another shape, unreadable)."""
    from ..fsutil import read_regular

    data = read_regular(memo, MAX_MEMO_BYTES)
    try:
        stored = json.loads(data) if data is not None else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(stored, dict) or stored.get("digest") != digest or not isinstance(stored.get("template"), dict):
        return None
    found: dict[str, Any] = stored["template"]
    return found


def write(memo: Path, digest: str, value: dict[str, Any]) -> None:
    """Store the template for the next run; only a speed-up, so a memo that cannot be written is skipped."""
    from ..errors import NarrateError
    from ..fsutil import write_atomic

    try:  # a link, folder or FIFO where the memo goes is left alone (write_atomic refuses it)
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo, json.dumps({"digest": digest, "template": value}, separators=(",", ":")).encode(),
                     within=memo.parent)
    except (OSError, NarrateError):
        pass
