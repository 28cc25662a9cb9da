"""Every voice a manifest uses is one its provider accepts, checked before anything is paid for.

A refused voice is reported at the `voice:` key that set it (manifest.voice_keys), with the first prompt
(or book) using it; each (key, voice) once, however many prompts inherit it. Locating reads the manifest
again, only when a voice is refused, and only trusts it if its bytes are the ones loaded; otherwise the
problem stays at the prompt, as it is without a key (a voice made from the language tag).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import ManifestError, NarrateError, Problem
from .manifest import LineTable, Manifest, PromptText
from .providers.base import Provider


def check_voices(manifest: Manifest, providers: Mapping[str, Provider]) -> None:
    """Every (provider, voice, language) used must be one the provider accepts; report each once, located."""
    reasons: dict[tuple[str, str, str], str | None] = {}
    refused: list[tuple[str, PromptText, str, str]] = []  # (library, prompt, voice, reason), each prompt
    for lib in manifest.libraries:
        for p in lib.prompts:
            voice = p.settings.voice or p.language.lower()
            combo = (p.settings.provider, voice, p.language)
            if combo not in reasons:
                reasons[combo] = providers[p.settings.provider].check_voice(voice, p.language)
            reason = reasons[combo]
            if reason:
                refused.append((lib.name, p, voice, reason))
    book_refused = []
    for book in manifest.books:
        book_voice = book.settings.voice or book.language.lower()
        chapters = [(f"chapters.{written}.", written, cs.voice) for written, cs in book.chapter_specs.items() if cs.voice]
        for where, line_key, voice in [("", "", book_voice), *chapters]:  # a chapter's voice is checked as the book's
            reason = providers[book.settings.provider].check_voice(voice, book.language)
            if reason:
                book_refused.append((book, where, line_key, voice, reason))
    if not refused and not book_refused:
        return
    from .manifest.problems import key_path  # imports pydantic: only when a voice is refused

    data, lines = _reread(manifest)
    problems: dict[Problem, None] = {}
    seen: set[tuple[Any, ...]] = set()
    names: dict[str, dict[str, str]] = {}  # voice_key's memo of each library's prompt names
    for library, p, voice, reason in refused:
        message = f"voice {voice!r} for {p.settings.provider}: {reason}"
        used = f"libraries.{library}.prompts.{p.name}.{p.language}"
        if data is None:
            place: tuple[Any, ...] = ("prompt", used)
            problem = Problem(manifest.named, p.line, used, message)
        else:
            from .manifest.voice_keys import voice_key

            key, derived = voice_key(data, library, p.name, p.language, names)
            place = key
            made = "made from the language tag; set `voice:` here or above; " if derived else ""
            line = f", line {p.line}" if p.line else ""
            problem = Problem(manifest.named, lines.line(key), key_path(key), f"{message} ({made}used by {used}{line})")
        if (place, p.settings.provider, voice, p.language) not in seen:
            seen.add((place, p.settings.provider, voice, p.language))
            problems.setdefault(problem, None)
    for book, where, line_key, voice, reason in book_refused:
        message = f"voice {voice!r} for {book.settings.provider}: {reason}"
        problem = Problem(manifest.named, book.voice_lines.get(line_key), f"books.{book.name}.{where}voice", message)
        if data is not None and not where:
            from .manifest.voice_keys import book_voice_key

            set_at = book_voice_key(data, book.name)
            if set_at is not None and set_at[0] == "defaults":  # the book inherits it: the key to edit is up there
                problem = Problem(manifest.named, lines.line(set_at), key_path(set_at),
                                  f"{message} (used by books.{book.name})")
        problems.setdefault(problem, None)
    raise ManifestError(list(problems))


def _reread(manifest: Manifest) -> tuple[Any, LineTable]:
    """The manifest's data and line table as loaded, or (None, empty) if it cannot be read again or its
    bytes changed since (then problems stay located at the prompt)."""
    from .manifest import load_yaml_file

    try:
        doc = load_yaml_file(manifest.path, manifest.named)
    except (NarrateError, OSError):
        return None, LineTable()
    if manifest.source_sha256 and doc.sha256 != manifest.source_sha256:
        return None, LineTable()
    return doc.data, doc.lines

