"""Asterisk's sound transcripts (core-sounds-<lang>.txt) -> a manifest."""

from __future__ import annotations

import re

from ..errors import UsageError
from .common import AUDIO_SUFFIX, Collector, ImportResult, default_voice, nothing_found, one_library
from .freeswitch import language_tag

# Asterisk's sound packages name their transcripts core-sounds-<lang>.txt / extra-sounds-<lang>.txt
# (core-sounds-fr.txt, core-sounds-en_GB.txt): the language of the file.
_TRANSCRIPT_NAME = re.compile(r"(?:core|extra)-sounds-([a-z]{2,3}(?:_[A-Za-z]{2})?)\.txt$", re.IGNORECASE)
_LINE_END = re.compile(r"\r\n|\r|\n")
# The name ends at the first colon followed by a space or the line's end: a name may hold a colon
# (narrate writes `12:30: half past` for a prompt named 12:30), and a text may too.
_NAME_END = re.compile(r":(?=\s|$)")


def language_from_name(filename: str) -> str | None:
    """The BCP-47 tag a transcript's name gives ("core-sounds-fr.txt" -> "fr-FR",
    "core-sounds-en_GB.txt" -> "en-GB"), or None for another name."""
    match = _TRANSCRIPT_NAME.search(filename)
    if match is None:
        return None
    lang, _, region = match.group(1).partition("_")
    return language_tag(lang.lower() + (f"_{region.upper()}" if region else ""))


def transcript_language(given: str) -> str:
    """`--language` as a BCP-47 tag in its usual case ("fr_FR", Asterisk's folder spelling, and
    "EN-us" -> "fr-FR", "en-US"). Raises UsageError for what is not a registered tag ("english"):
    the manifest printed would not validate."""
    import langcodes  # imported here: its tables load only for this check

    from .spreadsheet import canonical_tag

    tag = canonical_tag(given)
    if tag is None or not langcodes.tag_is_valid(tag):
        raise UsageError(f"--language {given!r}: not a language tag like en-US, fr or pt_BR")
    return tag


def import_asterisk(text: str, *, source: str, library: str = "asterisk-sounds", language: str = "en-US",
                    voice: str | None = None) -> ImportResult:
    """`name: text` lines, `;` comments, in `language` (a BCP-47 tag); `voice` defaults to that
    language's embedded voice. Raises ManifestError when no line is a prompt.

    Asterisk installs a language's sounds under its bare code (sounds/en, sounds/fr), hence `path`.
    """
    language = transcript_language(language)
    found = Collector(asides=False)
    # Line ends are \n, \r\n or a lone \r (old Mac files); not splitlines(), which also breaks at
    # \x0c or \u2028, so that line numbers would drift from an editor's.
    for number, raw in enumerate(_LINE_END.split(text.lstrip("\ufeff")), 1):
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        end = _NAME_END.search(line)
        name, sep, rest = (line[:end.start()], ":", line[end.end():]) if end else line.partition(":")
        name = AUDIO_SUFFIX.sub("", name.strip().strip("\"'").strip())
        if not sep or not name:
            found.skipped.append((f"line {number}", f"not a `name: text` line: {line[:60]!r}"))
        elif any(c.isspace() for c in name):  # sound file names have no spaces: this is prose
            found.skipped.append((f"line {number}", f"not a sound file name: {name[:60]!r}"))
        else:
            found.add(name, language, rest, number)
    if not found.texts:
        raise nothing_found(source, "`name: text` prompt", found.skipped)
    languages = {language: {"voice": voice or default_voice(language), "path": language.split("-")[0]}}
    return found.result(one_library(library, "asterisk", ["ulaw", "wav"], languages, found.prompts()))
