"""An edited spreadsheet back into an existing manifest, keeping everything else as it was.

The manifest is edited as a round-trip YAML document (ruamel.yaml): comments, key order, quoting
style, flow mappings, anchors and indentation stay as written, and only the texts and notes the
sheet changed are replaced. Prompts the sheet lacks are kept; an empty cell keeps the text the
manifest has (a sheet never deletes). New prompts are appended; a new language column adds the
language with its embedded voice. The result is validated before it may be written.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ManifestError, Problem, UsageError
from .common import default_voice
from .spreadsheet import Row, Sheet


@dataclass
class MergeResult:
    """The manifest's new text and one line per change (`name.lang: 'old' -> 'new'`, `name: added`)."""

    text: str
    changes: list[str] = field(default_factory=list)
    updated: int = 0  # texts and notes replaced or added in existing prompts
    added: int = 0  # prompts appended
    untouched: int = 0  # prompts of the library the sheet does not name


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


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


def _text_of(entry: Any) -> str | None:
    if isinstance(entry, dict):
        entry = entry.get("text")
    return None if entry is None else str(entry).strip()


def _choose_library(libraries: Any, wanted: str | None, sheet: Sheet, source: str) -> str:
    if not isinstance(libraries, dict) or not libraries:
        raise ManifestError([Problem(source, None, "libraries", "the manifest has no library to update")])
    if wanted is not None:
        if wanted not in libraries:
            raise UsageError(f"no library {wanted!r} in {source}", hint=", ".join(map(str, libraries)))
        return wanted
    if len(libraries) == 1:
        return str(next(iter(libraries)))
    names = {_fold(row.name) for row in sheet.rows}
    matching = [str(n) for n, lib in libraries.items()
                if isinstance(lib, dict) and names & {_fold(str(k)) for k in (lib.get("prompts") or {})}]
    # One match, or several libraries sharing one prompts mapping through a YAML alias (`*prompts`).
    if matching and len({id(libraries[n]["prompts"]) for n in matching}) == 1:
        return matching[0]
    raise UsageError(f"{source} has several libraries ({', '.join(map(str, libraries))})", hint="name one with --library")


class _Merger:
    def __init__(self, lib: Any, result: MergeResult) -> None:
        from ruamel.yaml.comments import CommentedMap

        self.map = CommentedMap
        self.languages, self.prompts, self.result = lib["languages"], lib["prompts"], result
        self.first = str(next(iter(self.languages)))

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
        entry = self.prompts[key]
        others = {t for t in row.texts if t != self.first}
        if not isinstance(entry, dict) and not others and not row.note:
            text = row.texts.get(self.first)
            if text is not None and text != _text_of(entry):
                self._changed(f"{key}", entry, text)
                self.prompts[key] = _styled(entry, text)
            return
        if not isinstance(entry, dict):  # `name: text` grows into a mapping: the text is the first language's
            mapping = self.map()
            mapping[self.first] = entry
            self.prompts[key] = entry = mapping
        for tag, text in row.texts.items():
            old = entry.get(tag)
            if old is None:
                self._insert(entry, tag, _styled(None, text))
                self.result.changes.append(f"{key}.{tag}: added {text!r}")
                self.result.updated += 1
            elif text != _text_of(old):
                self._changed(f"{key}.{tag}", old, text)
                if isinstance(old, dict):
                    old["text"] = _styled(old.get("text"), text)
                else:
                    entry[tag] = _styled(old, text)
        if row.note and row.note != _text_of(entry.get("note")):
            self._changed(f"{key}.note", entry.get("note"), row.note)
            entry["note"] = _styled(entry.get("note"), row.note)

    def _insert(self, entry: Any, tag: str, text: str) -> None:
        """A new language goes after the prompt's other languages, before its settings and note."""
        keys = list(entry)
        last = max((i for i, k in enumerate(keys) if k in self.languages), default=-1)
        entry.insert(last + 1, tag, text)

    def _changed(self, where: str, old: Any, new: str) -> None:
        before = _text_of(old)
        self.result.changes.append(f"{where}: {before!r} -> {new!r}" if before is not None else f"{where}: added {new!r}")
        self.result.updated += 1

    def _add(self, row: Row) -> None:
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


_KEY_LINE = re.compile(r"^( *)[^\s#-][^#]*:(?:\s|$)")
_ITEM_LINE = re.compile(r"^( *)- ")


def guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, offset of a block sequence's dash under its key) as the file writes them,
    from its first nested key and first block sequence item; (2, 0) when it has none. Cheap, where
    ruamel's load_yaml_guess_indent parses the whole document a second time (7 s for 10,000 prompts)."""
    indent, offset = 0, -1
    previous = None  # indentation of the last key line
    for line in text.splitlines():
        key, item = _KEY_LINE.match(line), _ITEM_LINE.match(line)
        if item and offset < 0 and previous is not None:
            offset = max(0, len(item.group(1)) - previous)
        if key:
            width = len(key.group(1))
            if width and not indent:
                indent = width
            previous = width
        if indent and offset >= 0:
            break
    return indent or 2, max(offset, 0)


def merge_sheet(yaml_text: str, sheet: Sheet, *, source: str, root: Path, library: str | None = None) -> MergeResult:
    """The manifest text `yaml_text` (named `source`, in folder `root`) with the sheet's texts and
    notes merged into `library` (or the one library whose prompts the sheet names). The result is
    validated as a manifest: ManifestError, located in `source`, if it would not load (nothing is
    written by this function). UsageError for an unknown or ambiguous library."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from ..manifest import load_yaml_text, validate

    load_yaml_text(yaml_text, source)  # narrate's own bounded loader first: aliases, size, duplicate keys
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # 'Please hold.' stays single-quoted
    yaml.width = 1_000_000  # one line per text, as written
    indent, offset = guess_indent(yaml_text)  # the file's own indentation
    yaml.indent(mapping=indent, sequence=offset + 2, offset=offset)  # "- " then the item
    try:
        data = yaml.load(yaml_text)
    except YAMLError as exc:
        raise ManifestError([Problem(source, None, "", f"cannot edit this YAML: {exc}")]) from None
    name = _choose_library(data.get("libraries") if isinstance(data, dict) else None, library, sheet, source)
    lib = data["libraries"][name]
    if not isinstance(lib, dict) or not isinstance(lib.get("languages"), dict) or not lib["languages"]:
        raise ManifestError([Problem(source, None, f"libraries.{name}.languages", "the library declares no language")])
    if lib.get("prompts") is None:
        lib["prompts"] = {}
    result = MergeResult("")
    merger = _Merger(lib, result)
    for tag in sheet.languages:
        if any(tag in row.texts for row in sheet.rows):
            merger.language(tag)
    keys = {_fold(str(k)): k for k in merger.prompts}
    named = set()
    for row in sheet.rows:
        key = keys.get(_fold(row.name))
        named.add(key)
        merger.row(key, row)
    result.untouched = sum(1 for k in keys.values() if k not in named)
    out = io.StringIO()
    yaml.dump(data, out)
    result.text = out.getvalue()
    doc = load_yaml_text(result.text, source)
    draft = validate(doc.data, doc.lines, source, root)
    if doc.problems or draft.problems:
        raise ManifestError([*doc.problems, *draft.problems])
    return result
