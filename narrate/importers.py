"""Importers: existing prompt lists -> a narrate manifest (a dict, dumped as YAML).

Pure functions: text in, data out. Real transcripts are messy, so an unusable line is skipped
with a reason (and its line number) rather than failing the whole import; only a file with no
prompt at all is an error. Imports stay light (re, dataclasses): the CLI loads this module for
`narrate import` only, and the parsers it needs are imported inside the functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ManifestError, Problem

# Stage directions nobody reads aloud: "[beep tone]", "<beep descending>", "(sound of a bell)".
_BRACKETS = re.compile(r"\[[^\]]*\]|<[^>]*>")
_PARENS = re.compile(r"\([^)]*\)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPEAKABLE = re.compile(r"[^\W_]")  # a letter or digit: "...", "--" and "_" say nothing
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019"}
# Sound file suffixes that name a format, not the prompt ("digits/7.wav" is the prompt "digits/7").
_AUDIO_SUFFIX = re.compile(r"\.(wav|wav16|gsm|ulaw|alaw|ul|al|ulw|alw|sln\d*|g722|g729|siren\d+|mp3|ogg)$",
                           re.IGNORECASE)
# Language elements of FreeSWITCH's phrase XML -> the BCP-47 tag for the manifest. Other codes are
# kept as they are ("pt_BR" becomes "pt-BR").
LANGUAGE_TAGS = {"en": "en-US", "es": "es-ES", "fr": "fr-FR", "de": "de-DE", "it": "it-IT", "pt": "pt-BR",
                 "ru": "ru-RU", "nl": "nl-NL", "sv": "sv-SE", "ja": "ja-JP", "zh": "zh-CN", "he": "he-IL"}

Skipped = list[tuple[str, str]]  # (prompt name, or "line N" when no name could be read; reason)


@dataclass
class ImportResult:
    manifest: dict[str, Any]
    skipped: Skipped = field(default_factory=list)


def spoken(text: str, *, asides: bool = False) -> str:
    """The words to say: stage directions removed, control characters, quotes and spaces tidied.

    Square and angle brackets are always directions. Parentheses are too, unless `asides` is set:
    FreeSWITCH's phrase list transcribes spoken asides that way ("...wrong... (awkward!)" is the
    file ivr-terribly_wrong_awkward), so there a parenthesis is dropped only when nothing else is left.
    """
    text = _BRACKETS.sub(" ", _CONTROL.sub(" ", text))
    if not asides or not _SPEAKABLE.search(_PARENS.sub(" ", text)):
        text = _PARENS.sub(" ", text)
    text = " ".join(text.split())
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1] and text[0] not in text[1:-1]:
        text = text[1:-1].strip()
    return text


def _library(name: str, layout: str, formats: list[str], languages: dict[str, dict[str, str]],
             prompts: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "libraries": {name: {
        "output": f"../output/{name}", "layout": layout, "formats": formats,
        "languages": languages, "prompts": prompts}}}


class _Collector:
    """Prompts by name (then language), with the line each came from, refusing what cannot build."""

    def __init__(self, asides: bool) -> None:
        # The manifest's own rule, so every imported name loads; imported here to keep the module light.
        from .manifest import check_name

        self.check_name: Callable[[str], str | None] = check_name
        self.asides = asides
        self.texts: dict[str, dict[str, str]] = {}  # name -> language -> text
        self.lines: dict[tuple[str, str], int] = {}
        self.folded: dict[str, str] = {}  # casefolded name -> name: one file on macOS/Windows
        self.skipped: Skipped = []

    def skip(self, name: str, reason: str, line: int) -> None:
        self.skipped.append((name, f"{reason} (line {line})"))

    def add(self, name: str, language: str, text: str, line: int) -> None:
        why = self.check_name(name)
        if why:
            return self.skip(name, why, line)
        words = spoken(text, asides=self.asides)
        if not _SPEAKABLE.search(words):
            shown = " ".join(text.split())
            return self.skip(name, f"nothing to speak in {shown!r}" if shown else "empty text", line)
        other = self.folded.setdefault(name.casefold(), name)
        if other != name:
            return self.skip(name, f"same file as {other!r} on case-insensitive filesystems", line)
        earlier = self.lines.get((name, language))
        if earlier is not None:
            self.skip(name, f"duplicate of line {earlier}: the later one wins", line)
        self.texts.setdefault(name, {})[language] = words
        self.lines[(name, language)] = line

    def prompts(self) -> dict[str, Any]:
        """Plain `name: text` entries when the file has one language (they read best), else mappings."""
        if len({lang for by_lang in self.texts.values() for lang in by_lang}) == 1:
            return {name: next(iter(by_lang.values())) for name, by_lang in self.texts.items()}
        return {name: dict(by_lang) for name, by_lang in self.texts.items()}


def _nothing_found(source: str, what: str, skipped: Skipped) -> ManifestError:
    problems = [Problem(source, None, "", f"no {what} found")]
    problems += [Problem(source, None, name, reason) for name, reason in skipped[:20]]
    return ManifestError(problems)


def read_source(path: Path) -> str:
    """The text of an import file: bounded and regular files only (`manifest.read_input`), UTF-8
    or, failing that, Latin-1 (old transcripts often are). Raises ManifestError naming the file."""
    from .manifest.resolve import MAX_TEXT_BYTES, read_input  # imported here to keep the module light

    raw = read_input(path, limit=MAX_TEXT_BYTES)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def import_asterisk(text: str, *, source: str, library: str = "asterisk-sounds", language: str = "en-US",
                    voice: str = "en-us") -> ImportResult:
    """Asterisk's sound transcript (core-sounds-<lang>.txt): `name: text` lines, `;` comments.

    Asterisk installs a language's sounds under its bare code (sounds/en, sounds/fr), hence `path`.
    """
    found = _Collector(asides=False)
    # Split on "\n" only: splitlines() also breaks at \x0c or \u2028 and the line numbers would drift.
    for number, raw in enumerate(text.lstrip("\ufeff").split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        name, sep, rest = line.partition(":")
        name = _AUDIO_SUFFIX.sub("", name.strip().strip("\"'").strip())
        if not sep or not name:
            found.skipped.append((f"line {number}", f"not a `name: text` line: {line[:60]!r}"))
        elif any(c.isspace() for c in name):  # sound file names have no spaces: this is prose
            found.skipped.append((f"line {number}", f"not a sound file name: {name[:60]!r}"))
        else:
            found.add(name, language, rest, number)
    if not found.texts:
        raise _nothing_found(source, "`name: text` prompt", found.skipped)
    languages = {language: {"voice": voice, "path": language.split("-")[0]}}
    return ImportResult(_library(library, "asterisk", ["ulaw", "wav"], languages, found.prompts()), found.skipped)


class _RefusedDTD(Exception):
    pass


def _refuse_dtd(*_args: Any) -> None:
    raise _RefusedDTD


def _prompt_elements(xml_text: str, source: str) -> list[tuple[int, tuple[str, ...], dict[str, str]]]:
    """Every <prompt> with its line and enclosing element names, read with expat directly.

    Any DOCTYPE is refused at the parser: phrase files never need one, and entity declarations are
    how XML bombs and external-entity reads get in. The stdlib's expat plus this refusal covers what
    defusedxml would, without a dependency.
    """
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    found: list[tuple[int, tuple[str, ...], dict[str, str]]] = []
    stack: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "prompt":
            found.append((parser.CurrentLineNumber, tuple(stack), attrs))
        stack.append(tag)

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _tag: stack.pop()
    try:
        parser.Parse(xml_text, True)
    except _RefusedDTD:
        raise ManifestError([Problem(source, parser.CurrentLineNumber, "",
                                     "DOCTYPE/ENTITY declarations are not accepted in phrase files")]) from None
    except expat.ExpatError as exc:
        raise ManifestError([Problem(source, exc.lineno, "",
                                     f"invalid XML: {expat.errors.messages[exc.code]}")]) from None
    return found


def _language_tag(code: str) -> str:
    return LANGUAGE_TAGS.get(code, code.replace("_", "-"))


def import_freeswitch(xml_text: str, *, source: str, library: str = "freeswitch-sounds",
                      voice: str = "en-us") -> ImportResult:
    """FreeSWITCH's phrase XML: <language><en><category><prompt phrase=".." filename="x.wav"/>.

    A prompt's name is its category path (nested categories joined with "/") then the file name
    without its suffix: the freeswitch layout writes <lang>/<category>/<rate>/<file>.wav. `voice`
    is the first language's voice; later languages get none, so the manifest's default applies.
    """
    found = _Collector(asides=True)
    codes: dict[str, str] = {}  # tag -> element name, in order of appearance
    for line, ancestors, attrs in _prompt_elements(xml_text, source):
        if ancestors[:1] == ("language",):
            ancestors = ancestors[1:]
        filename = attrs.get("filename", "").strip()
        if not ancestors:
            found.skip(filename or "?", "<prompt> outside a language element", line)
            continue
        code, folders = ancestors[0], ancestors[1:]
        stem = _AUDIO_SUFFIX.sub("", filename)
        if not stem:
            found.skip("/".join(folders) or code, "<prompt> without a filename", line)
            continue
        tag = _language_tag(code)
        codes.setdefault(tag, code)
        found.add("/".join((*folders, stem)), tag, attrs.get("phrase", ""), line)
    if not found.texts:
        raise _nothing_found(source, "<prompt phrase=... filename=...>", found.skipped)
    used = [tag for tag in codes if any(tag in by_lang for by_lang in found.texts.values())]
    # Only the first language gets `voice`; the others fall back to the manifest's default (the tag).
    languages = {tag: ({"voice": voice} if i == 0 else {}) | {"path": codes[tag]} for i, tag in enumerate(used)}
    manifest = _library(library, "freeswitch", ["wav", "wav16"], languages, found.prompts())
    return ImportResult(manifest, found.skipped)


def dump_manifest(manifest: dict[str, Any]) -> str:
    """YAML for a human to review: keys in the order built, one line per text, UTF-8 kept."""
    import yaml

    header = "# Imported by `narrate import`. Review voices and output, then `narrate build` this file.\n"
    return header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=1_000_000)
