"""What every importer shares: the spoken-text tidier, the prompt collector and the result.

Pure functions: text in, data out. Real transcripts are messy, so an unusable line is skipped
with a reason (and its line number) rather than failing the whole import, and every text the
importer changed (a stage direction removed, quotes dropped) is reported beside the skips; only a
file with no prompt at all is an error. Imports stay light (re, dataclasses): the parsers an
importer needs are imported inside its functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ManifestError, Problem

# Stage directions nobody reads aloud: "[beep tone]", "<beep descending>", "(sound of a bell)".
_BRACKETS = re.compile(r"\[[^\]]*\]|<[^>]*>")
_PARENS = re.compile(r"\([^)]*\)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SPEAKABLE = re.compile(r"[^\W_]")  # a letter or digit: "...", "--" and "_" say nothing
_GONE = "\x00"
_BEFORE_STOP = re.compile(r"\s*\x00[\s\x00]*(?=[.,])")
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019"}
# Sound file suffixes that name a format, not the prompt ("digits/7.wav" is the prompt "digits/7").
AUDIO_SUFFIX = re.compile(r"\.(wav|wav16|gsm|ulaw|alaw|ul|al|ulw|alw|sln\d*|g722|g729|siren\d+|mp3|ogg)$",
                          re.IGNORECASE)

Skipped = list[tuple[str, str]]  # (prompt name, or "line N" when no name could be read; reason)


@dataclass(frozen=True)
class Change:
    """A text the importer changed before writing it: what the file said and what will be spoken."""

    name: str
    before: str
    after: str
    line: int

    def __str__(self) -> str:
        return f"{self.name}: {self.before!r} -> {self.after!r} (line {self.line})"


@dataclass
class ImportResult:
    """The manifest (plain data, dumped as YAML), the entries skipped and the texts changed."""

    manifest: dict[str, Any]
    skipped: Skipped = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)


def spoken(text: str, *, asides: bool = False) -> str:
    """The words to say: stage directions removed, control characters, quotes and spaces tidied.

    Square and angle brackets are always directions. Parentheses are too, unless `asides` is set:
    FreeSWITCH's phrase list transcribes spoken asides that way ("...wrong... (awkward!)" is the
    file ivr-terribly_wrong_awkward), so there a parenthesis is dropped only when nothing else is left.
    """
    # Each direction becomes a marker (control characters are gone by then), so that the space it
    # leaves before a full stop or comma goes too: "Au revoir [bip]." -> "Au revoir.", not "Au revoir .".
    text = _BRACKETS.sub(_GONE, _CONTROL.sub(" ", text))
    if not asides or not SPEAKABLE.search(_PARENS.sub(" ", text)):
        text = _PARENS.sub(_GONE, text)
    text = " ".join(_BEFORE_STOP.sub("", text).replace(_GONE, " ").split())
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1] and text[0] not in text[1:-1]:
        text = text[1:-1].strip()
    return text


def default_voice(tag: str) -> str:
    """The embedded engine's voice for a language: its tag, lower-cased ("fr-FR" -> "fr-fr"), which
    eSpeak NG resolves to that language's voice (narrate.providers.espeak.resolve_voice)."""
    return tag.lower()


def one_library(name: str, layout: str, formats: list[str], languages: dict[str, dict[str, str]],
            prompts: dict[str, Any]) -> dict[str, Any]:
    """A one-library manifest, keys in the order a reader expects."""
    return {"version": 1, "libraries": {name: {
        "output": f"../output/{name}", "layout": layout, "formats": formats,
        "languages": languages, "prompts": prompts}}}


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def fold(name: str) -> str:
    """A name as filesystems compare it: NFC (macOS stores NFD), then case-folded (macOS, Windows)."""
    return nfc(name).casefold()


class Collector:
    """Prompts by name (then language), with the line each came from, refusing what cannot build."""

    def __init__(self, asides: bool) -> None:
        # The manifest's own rule, so every imported name loads; imported here to keep the module light.
        from ..manifest import check_name

        self.check_name: Callable[[str], str | None] = check_name
        self.asides = asides
        self.texts: dict[str, dict[str, str]] = {}  # name -> language -> text
        self.notes: dict[str, str] = {}  # name -> note for voice talents and translators
        self.lines: dict[tuple[str, str], int] = {}
        self.folded: dict[str, str] = {}  # fold(name) -> name: one file on macOS/Windows
        self.spelled: dict[str, str] = {}  # name -> the later case twin's spelling, which the manifest gets
        self.skipped: Skipped = []
        self.changed: list[Change] = []

    def skip(self, name: str, reason: str, line: int) -> None:
        self.skipped.append((name, f"{reason} (line {line})"))

    def add(self, name: str, language: str, text: str, line: int, note: str = "") -> None:
        why = self.check_name(name)
        if why:
            return self.skip(name, why, line)
        words = spoken(text, asides=self.asides)
        shown = " ".join(text.split())
        if not SPEAKABLE.search(words):
            return self.skip(name, f"nothing to speak in {shown!r}" if shown else "empty text", line)
        key = self.folded.setdefault(fold(name), name)  # the first spelling keys the prompt
        spelled = self.spelled.get(key, key)
        respelled = spelled != name and nfc(spelled) == nfc(name)
        if spelled != name and not respelled:  # the later one wins, as for a duplicate and in a sheet (sheetrows)
            self.skip(spelled, f"same file as {name!r} on case-insensitive filesystems: the later one wins", line)
            self.spelled[key] = spelled = name  # its other languages stay
        elif (earlier := self.lines.get((key, language))) is not None:
            how = "the same name in another Unicode form (NFC/NFD) as" if respelled else "duplicate of"
            self.skip(spelled, f"{how} line {earlier}: the later one wins", line)
        if words != shown:  # spacing alone is not a change: the same words are said
            self.changed.append(Change(spelled, shown, words, line))
        self.texts.setdefault(key, {})[language] = words
        self.lines[(key, language)] = line
        if note.strip():
            self.notes[key] = " ".join(note.split())

    def prompts(self) -> dict[str, Any]:
        """Plain `name: text` entries when the file has one language and no notes (they read best),
        else mappings of language -> text, with `note` last."""
        named = self.spelled.get
        if len({lang for by_lang in self.texts.values() for lang in by_lang}) == 1 and not self.notes:
            return {named(name, name): next(iter(by_lang.values())) for name, by_lang in self.texts.items()}
        return {named(name, name): dict(by_lang) | ({"note": self.notes[name]} if name in self.notes else {})
                for name, by_lang in self.texts.items()}

    def result(self, manifest: dict[str, Any]) -> ImportResult:
        return ImportResult(manifest, self.skipped, self.changed)


def nothing_found(source: str, what: str, skipped: Skipped) -> ManifestError:
    problems = [Problem(source, None, "", f"no {what} found")]
    problems += [Problem(source, None, name, reason) for name, reason in skipped[:20]]
    return ManifestError(problems)


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Files that are not text at all: what a spreadsheet program saves unless told "CSV".
_BINARY = ((b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or LibreOffice .ods workbook?)"),
           (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook"))


# Headerless telephony sound files (Asterisk's and FreeSWITCH's names for them): no signature to sniff.
_SOUND_SUFFIXES = frozenset({".ulaw", ".ul", ".alaw", ".al", ".gsm", ".g722", ".g729", ".sln", ".sln16", ".sln48",
                             ".raw", ".pcm", ".siren7", ".siren14", ".ilbc", ".vox"})


def _sound(raw: bytes, source: str) -> str | None:
    """What sound file `raw` is (a WAV, MP3, ... by its signature; a headerless one by its file name
    when it is no UTF-8 text), or None."""
    from ..audio.sniff import AUDIO_KINDS, sniff

    found = sniff(raw[:65536])
    if found.kind in AUDIO_KINDS:
        return found.label
    suffix = Path(source).suffix.lower()
    if suffix in _SOUND_SUFFIXES:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return f"a {suffix} sound file"
    return None


def decode_source(raw: bytes, source: str, *, sheet: bool = False) -> str:
    """An import file's text: UTF-8, UTF-16 or UTF-32 by its byte order mark, else UTF-8, else
    Windows-1252 (Excel's "CSV" on Windows; old transcripts' Latin-1 is the same but for bytes
    0x80-0x9F, which are curly quotes, dashes and the euro in cp1252 and invisible controls in
    Latin-1). Raises ManifestError naming the file for a workbook, UTF-16 without a byte order mark,
    or bytes neither encoding reads."""
    save = "save it as \"CSV UTF-8\"" if sheet else "save it as UTF-8 text"
    for magic, what in _BINARY:
        if raw.startswith(magic):
            raise ManifestError([Problem(source, None, "", f"{what}, not text: {save}")])
    sound = _sound(raw, source)
    if sound:
        raise ManifestError([Problem(source, None, "", f"{sound}, not text: an import reads a list of prompts (each sound "
                                     "file's name and its words), not the sounds themselves")])
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec).lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                raise ManifestError([Problem(source, raw.count(b"\n", 0, exc.start) + 1, "",
                                             f"not {codec} although it starts so: {save}")]) from None
    if b"\x00" in raw[:4096]:
        raise ManifestError([Problem(source, None, "", f"NUL bytes: UTF-16 without a byte order mark, or not text; {save}")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: no character in cp1252
        raise ManifestError([Problem(source, raw.count(b"\n", 0, exc.start) + 1, "",
                                     f"byte 0x{raw[exc.start]:02X} is not UTF-8 or Windows-1252 text: {save}")]) from None
    return text


def read_source(path: Path, *, sheet: bool = False) -> str:
    """The text of an import file: bounded and regular files only (`manifest.read_input`), decoded
    by `decode_source`. Raises ManifestError naming the file."""
    from ..manifest.inputs import MAX_TEXT_BYTES, read_input  # imported here to keep the module light

    return decode_source(read_input(path, limit=MAX_TEXT_BYTES), str(path), sheet=sheet)


def dump_manifest(manifest: dict[str, Any]) -> str:
    """YAML for a human to review: keys in the order built, one line per text, UTF-8 kept."""
    import yaml

    header = "# Imported by `narrate import`. Review voices and output, then `narrate build` this file.\n"
    return header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=1_000_000)
