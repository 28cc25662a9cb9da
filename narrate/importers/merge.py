"""An edited spreadsheet back into an existing manifest, keeping everything else as it was.

The manifest is edited as a round-trip YAML document (ruamel.yaml): comments, key order, quoting
style, flow mappings, anchors and indentation stay as written, and only the texts and notes the
sheet changed are replaced. Prompts the sheet lacks are kept; an empty cell keeps the text the
manifest has (a sheet never deletes). New prompts are appended; a new language column adds the
language with its embedded voice. Cells are compared with the texts narrate reads from the
manifest (names and texts as written, `010` not 8), so an unedited sheet changes not one byte. An
aliased node (`hello: *greet`) is copied before it is edited (`yamledit.Document.own`). The result
is validated, and checked to say exactly what the manifest said plus the sheet's edits (an edit
that a merge key would carry to another prompt is refused), before it may be written.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ManifestError, Problem, UsageError
from .common import default_voice, fold
from .spreadsheet import NOTE_ONLY, Row, Sheet, canonical_tag
from .yamledit import Document, guess_indent

__all__ = ["MergeResult", "guess_indent", "merge_sheet"]

Texts = dict[tuple[str, str], str]  # (prompt name, language) -> text, as narrate reads it (stripped)


@dataclass
class MergeResult:
    """The manifest's new text and one line per change (`name.lang: 'old' -> 'new'`, `name: added`)."""

    text: str
    changes: list[str] = field(default_factory=list)
    updated: int = 0  # texts and notes replaced or added in existing prompts
    added: int = 0  # prompts appended
    untouched: int = 0  # prompts of the library the sheet does not name
    skipped: list[tuple[str, str]] = field(default_factory=list)  # rows not merged: (name, why)


def _styled(old: Any, new: str) -> Any:
    """`new` in `old`'s quoting style (a ruamel ScalarString subclass), else plain unless narrate's
    YAML 1.1 reader would take the plain scalar for something else: ruamel writes YAML 1.2, where
    `No`, `on` or `1_000` are text, but PyYAML reads them as a boolean or a number."""
    import yaml
    from ruamel.yaml.scalarstring import ScalarString, SingleQuotedScalarString

    if isinstance(old, ScalarString):
        return type(old)(new)
    if yaml.resolver.Resolver().resolve(yaml.ScalarNode, new, (True, False)) != "tag:yaml.org,2002:str":
        return SingleQuotedScalarString(new)
    return new


def _choose_library(doc: Document, libraries: Any, wanted: str | None, sheet: Sheet, source: str) -> str:
    if not isinstance(libraries, dict) or not libraries:
        raise ManifestError([Problem(source, None, "libraries", "the manifest has no library to update")])
    if wanted is not None:
        if wanted not in libraries:
            raise UsageError(f"no library {wanted!r} in {source}", hint=", ".join(map(str, libraries)))
        return wanted
    if len(libraries) == 1:
        return str(next(iter(libraries)))
    names = {fold(row.name) for row in sheet.rows} | {fold(row.written) for row in sheet.rows if row.written}
    matching = [str(n) for n, lib in libraries.items() if isinstance(lib, dict) and isinstance(lib.get("prompts"), dict)
                and names & {fold(doc.written_key(lib["prompts"], k)) for k in lib["prompts"]}]
    # One match, or several libraries sharing one prompts mapping through a YAML alias (`*prompts`).
    if matching and len({id(libraries[n]["prompts"]) for n in matching}) == 1:
        return matching[0]
    raise UsageError(f"{source} has several libraries ({', '.join(map(str, libraries))})", hint="name one with --library")


class _Merger:
    """Applies a sheet's rows to one library of `doc`, comparing each cell with the text narrate
    reads from the manifest (`texts`, `notes`), so that only real edits touch the document."""

    def __init__(self, doc: Document, lib: Any, texts: Texts, notes: dict[str, str], result: MergeResult) -> None:
        from ruamel.yaml.comments import CommentedMap

        self.doc, self.map = doc, CommentedMap
        self.languages, self.prompts, self.result = lib["languages"], lib["prompts"], result
        self.texts, self.notes = texts, notes
        self.first = str(next(iter(self.languages)))
        self.expected: Texts = dict(texts)  # what the merged manifest must say: checked after the edit
        self.expected_notes = dict(notes)

    def language(self, tag: str) -> None:
        if tag in self.languages:
            return
        spec = self.map(voice=default_voice(tag))
        spec.fa.set_flow_style()
        self.languages[tag] = spec
        self.result.changes.append(f"languages.{tag}: added with voice {default_voice(tag)}")

    def row(self, key: Any, row: Row) -> None:
        if key is None:
            return self._add(row)
        name = unicodedata.normalize("NFC", self.doc.written_key(self.prompts, key))
        changed = {tag: text for tag, text in row.texts.items() if self.texts.get((name, tag)) != text}
        note = row.note if row.note and row.note != self.notes.get(name, "") else ""
        self.expected.update({(name, tag): text for tag, text in changed.items()})
        if note:
            self.expected_notes[name] = note
        if not changed and not note:
            return
        entry = self.prompts[key]
        if not isinstance(entry, dict) and set(changed) == {self.first} and not note:
            self._changed(name, self.texts.get((name, self.first)), changed[self.first])
            self.prompts[key] = _styled(entry, changed[self.first])
            return
        if not isinstance(entry, dict):  # `name: text` grows into a mapping: the text is the first language's
            mapping = self.map()
            mapping[self.first] = entry
            self.prompts[key] = entry = mapping
        entry = self.doc.own(self.prompts, key)  # an aliased prompt (`hello: *greet`) is edited alone
        for tag, text in changed.items():
            old = entry.get(tag)
            if old is None:
                self._insert(entry, tag, _styled(None, text))
                self.result.changes.append(f"{name}.{tag}: added {text!r}")
                self.result.updated += 1
                continue
            self._changed(f"{name}.{tag}", self.texts.get((name, tag)), text)
            if isinstance(old, dict):
                old = self.doc.own(entry, tag)
                old["text"] = _styled(old.get("text"), text)
            else:
                entry[tag] = _styled(old, text)
        if note:
            self._changed(f"{name}.note", self.notes.get(name) or None, note)
            entry["note"] = _styled(entry.get("note"), note)

    def _insert(self, entry: Any, tag: str, text: str) -> None:
        """A new language goes after the prompt's other languages, before its settings and note."""
        keys = list(entry)
        last = max((i for i, k in enumerate(keys) if k in self.languages), default=-1)
        entry.insert(last + 1, tag, text)

    def _changed(self, where: str, before: str | None, new: str) -> None:
        self.result.changes.append(f"{where}: {before!r} -> {new!r}" if before is not None else f"{where}: added {new!r}")
        self.result.updated += 1

    def _add(self, row: Row) -> None:
        if not row.texts:  # a note for a prompt the manifest lacks: nothing to say, so nothing to add
            self.result.skipped.append((row.name, NOTE_ONLY.format(line=row.line)))
            return
        name = unicodedata.normalize("NFC", row.name)
        self.expected.update({(name, tag): text for tag, text in row.texts.items()})
        if row.note:
            self.expected_notes[name] = row.note
        if set(row.texts) <= {self.first} and not row.note and row.texts:
            self.prompts[_styled(None, row.name)] = _styled(None, row.texts[self.first])
        else:
            mapping = self.map()
            for tag in self.languages:
                if tag in row.texts:
                    mapping[tag] = _styled(None, row.texts[tag])
            if row.note:
                mapping["note"] = _styled(None, row.note)
            self.prompts[_styled(None, row.name)] = mapping
        self.result.changes.append(f"{row.name}: added")
        self.result.added += 1


def _read(text: str, source: str, root: Path, fix: Any = None) -> tuple[Any, Any]:
    """(narrate's model of a manifest text, its YAML document); ManifestError for any problem, its
    problems first passed through `fix`."""
    from ..manifest import load_yaml_text, validate

    doc = load_yaml_text(text, source)  # narrate's own bounded loader first: aliases, size, duplicate keys
    draft = validate(doc.data, doc.lines, source, root)
    if doc.problems or draft.problems:
        problems = [*doc.problems, *draft.problems]
        raise ManifestError(fix(problems) if fix else problems)
    return draft.manifest, doc


def _relocator(lines: Any, rows: list[Row], library: str, sheet_source: str) -> Any:
    """Problems of the merged text, located in the file as it is (the merged text is never written
    when it has one): the line of the key, else of its nearest parent, and the sheet's line."""
    where = {".".join(str(k) for k in key): line for key, line in lines.items()}
    prefix = f"libraries.{library}.prompts."
    by_name = sorted(((row.name, row.line) for row in rows), key=lambda r: -len(r[0]))

    def fix(problems: list[Problem]) -> list[Problem]:
        out = []
        for p in problems:
            key = p.key_path
            while key not in where and "." in key:
                key = key.rsplit(".", 1)[0]
            row = next((line for name, line in by_name if p.key_path.startswith(prefix)
                        and (p.key_path[len(prefix):] + ".").startswith(name + ".")), None)
            message = p.message + (f" (from {sheet_source} line {row})" if row is not None else "")
            out.append(Problem(p.file, where.get(key), p.key_path, message, p.hint))
        return out

    return fix


def _texts(manifest: Any, library: str) -> tuple[Texts, dict[str, str]]:
    lib = next((lib for lib in manifest.libraries if lib.name == library), None)
    prompts = lib.prompts if lib is not None else []
    texts = {(p.name, p.language): p.text.strip() for p in prompts if p.fallback_from is None}
    return texts, {p.name: p.note for p in prompts if p.note}


def _check(before: Any, after: Any, lines: Any, merger: _Merger, name: str, shares: set[str], source: str) -> None:
    """Nothing lost: the merged manifest says what the manifest said, with the sheet's edits, in
    `name` and the libraries sharing its prompts (`shares`), and exactly what it said elsewhere. An
    edit that reached another prompt through YAML (a merge key, `<<: *base`) is refused, located."""
    problems = []
    for lib in before.libraries:
        texts, notes = _texts(before, lib.name)
        if lib.name in shares:
            texts = {k: v for k, v in merger.expected.items() if k[1] in lib.languages or lib.name == name}
            notes = merger.expected_notes
        now_texts, now_notes = _texts(after, lib.name)
        for (prompt, lang) in sorted(texts.keys() | now_texts.keys()):
            want, got = texts.get((prompt, lang)), now_texts.get((prompt, lang))
            if got != want:
                where = ("libraries", lib.name, "prompts", prompt, lang)
                problems.append(Problem(source, lines.line(where), ".".join(where), _lost(want, got)))
        for prompt in sorted(notes.keys() | now_notes.keys()):
            if now_notes.get(prompt) != notes.get(prompt):
                where = ("libraries", lib.name, "prompts", prompt, "note")
                problems.append(Problem(source, lines.line(where), ".".join(where),
                                        _lost(notes.get(prompt), now_notes.get(prompt))))
    if problems:
        raise ManifestError(problems)


def _lost(want: str | None, got: str | None) -> str:
    return (f"the merge would make this {got!r}, not {want!r}: it shares its text with another prompt "
            "through a YAML alias or merge key (<<:); give it its own text in the manifest, then import again")


def _unchanged(before: Any, library: str | None, sheet: Sheet) -> int | None:
    """The number of prompts the sheet does not name if it changes nothing in `library`, else None."""
    lib = next((lib for lib in before.libraries if lib.name == library), None)
    if lib is None:
        return None
    texts, notes = _texts(before, lib.name)
    declared = {canonical_tag(code) or code: code for code in lib.languages}
    prompts = {fold(p.name): p.name for p in lib.prompts}
    named = set()
    for row in sheet.rows:
        name = prompts.get(fold(row.written)) if row.written else None
        name = name or prompts.get(fold(row.name))
        if name is None or (row.note and row.note != notes.get(name, "")):
            return None
        if any(texts.get((name, declared.get(tag, tag))) != text for tag, text in row.texts.items()):
            return None
        named.add(name)
    return len(set(prompts.values()) - named)


def merge_sheet(yaml_text: str, sheet: Sheet, *, source: str, root: Path, library: str | None = None) -> MergeResult:
    """The manifest text `yaml_text` (named `source`, in folder `root`) with the sheet's texts and
    notes merged into `library` (or the one library whose prompts the sheet names). Only cells that
    differ from what narrate reads in the manifest are edited; with none, the text is returned as it
    was, byte for byte. The result is validated as a manifest and checked to say what the manifest
    said plus the sheet's edits: ManifestError, located in `source`, otherwise (nothing is written
    by this function). UsageError for an unknown or ambiguous library."""
    before, before_doc = _read(yaml_text, source, root)
    names = [lib.name for lib in before.libraries]
    untouched = _unchanged(before, library or (names[0] if len(names) == 1 else None), sheet)
    if untouched is not None:  # nothing to edit: ruamel.yaml never loads (2/3 of the time)
        return MergeResult(yaml_text, untouched=untouched)
    doc = Document(yaml_text, source)
    data = doc.data
    name = _choose_library(doc, data.get("libraries") if isinstance(data, dict) else None, library, sheet, source)
    lib = data["libraries"][name]
    if not isinstance(lib, dict) or not isinstance(lib.get("languages"), dict) or not lib["languages"]:
        raise ManifestError([Problem(source, None, f"libraries.{name}.languages", "the library declares no language")])
    if lib.get("prompts") is None:
        lib["prompts"] = {}
    if doc.shared(lib["languages"]) and not doc.shared(lib["prompts"]):
        doc.own(lib, "languages")  # a new language declared here only, not in a library sharing the list
    declared = {canonical_tag(str(k)) or str(k): str(k) for k in lib["languages"]}  # en-us, pt_BR as written
    rows = [Row(row.name, {declared.get(t, t): text for t, text in row.texts.items()}, row.note, row.line, row.written)
            for row in sheet.rows]
    texts, notes = _texts(before, name)
    result = MergeResult(yaml_text)
    merger = _Merger(doc, lib, texts, notes, result)
    for tag in dict.fromkeys(t for row in rows for t in row.texts):
        merger.language(tag)
    keys = {fold(doc.written_key(merger.prompts, k)): k for k in merger.prompts}
    named = set()
    for row in rows:
        key = keys.get(fold(row.written)) if row.written else None
        key = key if key is not None else keys.get(fold(row.name))
        named.add(key)
        merger.row(key, row)
    result.untouched = sum(1 for k in keys.values() if k not in named)
    if not result.changes:
        return result  # the manifest as it was, byte for byte
    result.text = doc.dump()
    if yaml_text.partition("\n")[0].endswith("\r"):  # a Windows file keeps its line ends
        result.text = result.text.replace("\n", "\r\n")
    after, _ = _read(result.text, source, root, _relocator(before_doc.lines, rows, name, sheet.source))
    shares = {str(n) for n, other in data["libraries"].items()
              if isinstance(other, dict) and other.get("prompts") is lib["prompts"]}
    _check(before, after, before_doc.lines, merger, name, shares, source)
    return result
