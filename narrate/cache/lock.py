"""The lock file and the local stat cache.

`narrate.lock` (beside the manifest, committed to git) records, per manifest file, what each
output was built from: segment keys, render recipe, sha256, size and duration. JSON with sorted
keys and one entry per line-ish indentation, so a one-word edit is a small diff.

Version 2 adds `"found": true` to an output record when the build found the file in place with the
very bytes it would write and did not write it (another manifest writing to the same folder, or the
user, put it there): such a file is never removed (narrate.removal). A version 1 lock is read as it
is, each record one narrate wrote (what version 1 meant), and saved as version 2.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ..errors import LockError, shown
from ..fsutil import Signature, signature, write_if_changed
from .lock_lines import entry_texts, find_entries, json_object_lines, splice_entries

LOCK_NAME = "narrate.lock"
LOCK_VERSION = 2
READ_VERSIONS = (1, 2)  # 1: no "found" records (each output is one narrate wrote)


@dataclass
class LockFile:
    path: Path
    manifest_name: str
    prompts: dict[str, dict[str, Any]] = field(default_factory=dict)
    books: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The whole lock as read, the file's signature then (fsutil.signature), and for each prompt entry as
    # read from a file narrate wrote, its JSON text: `save` writes an entry that is still the very
    # object read by that text instead of encoding it again, so a one-edit save encodes one entry.
    _data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _stat: Signature | None = field(default=None, repr=False, compare=False)
    # True when the build state said narrate wrote this very file (`for_manifest(ours=True)`) and it was there.
    ours: bool = field(default=False, repr=False, compare=False)
    # Such a lock's text and its prompt entries as read ({id: the entry object}): `save` keeps the
    # lines of the entries still the very objects read, splicing in only the others' (splice_entries).
    _text: str | None = field(default=None, repr=False, compare=False)
    _read: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _raw: bytes | None = field(default=None, repr=False, compare=False)  # the text's bytes
    _where: tuple[int, int] | None = field(default=None, repr=False, compare=False)  # find_entries
    _lines: dict[str, tuple[object, str]] | None = field(default=None, repr=False, compare=False)

    @property
    def _texts(self) -> dict[str, tuple[object, str]]:
        """Each prompt entry's line as read (`entry_texts`), made when first asked for: a save that
        splices never needs them."""
        if self._lines is None:
            self._lines = entry_texts(self._text, self.manifest_name, self._read) if self._text and self._read else {}
        return self._lines

    @classmethod
    def for_manifest(cls, manifest_path: Path, *, ours: bool = False) -> LockFile:
        """The lock beside `manifest_path`, this manifest's section of it. Raises LockError for a lock
        that is not one narrate wrote. `ours`: the build state says narrate wrote this very file
        (size and mtime as it left them), so its entries' texts are kept for `save`."""
        path = manifest_path.parent / LOCK_NAME
        lock = cls(path, manifest_path.name)
        raw, lock._stat = _read_bytes(path)
        text = _decoded(path, raw) if raw is not None else None
        data = _parse(path, text, checked=ours) if text is not None else {}
        lock._data = data
        lock.ours = ours and text is not None
        section = data.get("manifests", {}).get(manifest_path.name, {})
        lock.prompts = section.get("prompts", {})
        lock.books = section.get("books", {})
        if ours and raw is not None and text is not None and lock.prompts:
            lock._text, lock._raw, lock._read = text, raw, dict(lock.prompts)
            lock._where = find_entries(raw, manifest_path.name, lock._read)
        return lock

    def save(self) -> bool:
        """Write the lock if its content changed; other manifests' sections are kept."""
        try:
            now: Signature | None = signature(os.stat(self.path))
        except FileNotFoundError:
            now = None
        if now is not None and now == self._stat:
            data = self._data  # nobody wrote it since it was read: no second read and parse
        else:
            text, _ = _read_text(self.path)
            data = _parse(self.path, text) if text is not None else {}
        manifests = dict(data.get("manifests", {}))
        manifests[self.manifest_name] = {"prompts": self.prompts, "books": self.books}
        # This manifest's prompts from the lines read, but for the entries changed (splice_entries), when the
        # file is the one read: NUL stands for them below (JSON text never holds a raw NUL).
        spliced = splice_entries(self._raw, self._where, self._read, self.prompts) if data is self._data else None
        lines = [f'{{"narrate_lock": {LOCK_VERSION}, "manifests": {{']
        for m, (name, section) in enumerate(sorted(manifests.items())):
            lines.append(f" {json.dumps(name)}: {{")
            for s, kind in enumerate(("books", "prompts")):
                mine = name == self.manifest_name and kind == "prompts"
                if mine and spliced is not None:
                    body = "\0"
                else:
                    body = json_object_lines(section.get(kind, {}), indent="   ", known=self._texts if mine else None)
                lines.append(f'  "{kind}": {body}' + ("," if s == 0 else ""))
            lines.append(" }" + ("," if m < len(manifests) - 1 else ""))
        lines.append("}}")
        text = "\n".join(lines) + "\n"
        # The bytes read stand for the file while it keeps their signature: a same-size lock is not read again.
        was = (self._raw, self._stat) if self._raw is not None and self._stat is not None else None
        if spliced is None:
            return write_if_changed(self.path, text.encode("utf-8"), within=self.path.parent, was=was)
        before, _, after = text.partition("\0")
        return write_if_changed(self.path, b"".join([before.encode("utf-8"), *spliced, after.encode("utf-8")]),
                                within=self.path.parent, was=was)

    def recorded_outputs(self, skip: set[str] | frozenset[str] = frozenset(),
                         skip_ids: Collection[str] = ()) -> list[RecordedOutput]:
        """Every output this manifest's section records, but those whose file is in `skip` and those
        of the prompt entries in `skip_ids`, with the library or book it belongs to (a prompt entry's
        id is `<library>/<language>/<name>`)."""
        found = [RecordedOutput("library", job_id.split("/", 1)[0], out["file"], out["sha256"], out.get("found") is True)
                 for job_id, entry in self.prompts.items() if job_id not in skip_ids
                 for out in entry.get("outputs", {}).values() if out["file"] not in skip]
        found += [RecordedOutput("book", name, out["file"], out["sha256"], out.get("found") is True)
                  for name, entry in self.books.items() for out in entry.get("outputs", {}).values()
                  if out["file"] not in skip]
        return found

    def manifest_names(self) -> list[str]:
        """The manifests with a section in this lock file (this one's included once it is saved)."""
        manifests = self._data.get("manifests", {})
        return [str(name) for name in manifests] if isinstance(manifests, dict) else []

    def other_live_manifests(self) -> set[str]:
        """The other manifests with a section here that are still files beside the lock: a section
        whose manifest is gone (renamed, deleted) writes and claims nothing."""
        folder = self.path.parent
        return {name for name in self.manifest_names() if name != self.manifest_name and is_live_manifest(folder, name)}

    def files_of_other_manifests(self, names: set[str]) -> dict[str, str]:
        """Each output file the sections of the other manifests `names` record -> that manifest's name
        (two manifests beside one another share the lock: one section each)."""
        files: dict[str, str] = {}
        for name, section in self._data.get("manifests", {}).items():
            if name not in names or not isinstance(section, dict):
                continue
            for kind in ("prompts", "books"):
                entries = section.get(kind)
                for entry in entries.values() if isinstance(entries, dict) else ():
                    outputs = entry.get("outputs") if isinstance(entry, dict) else None
                    for out in outputs.values() if isinstance(outputs, dict) else ():
                        if isinstance(out, dict) and isinstance(out.get("file"), str):
                            files[out["file"]] = name
        return files

    def claims(self, files: Collection[str]) -> dict[str, list[dict[str, Any]]]:
        """Each of `files` -> the output records naming it, in any manifest's section of this lock, but
        those of files found in place (narrate.ownership weighs each against the file's bytes)."""
        claims: dict[str, list[dict[str, Any]]] = {}
        sections = dict(self._data.get("manifests", {}))
        sections[self.manifest_name] = {"prompts": self.prompts, "books": self.books}
        for section in sections.values():
            for kind in ("prompts", "books") if isinstance(section, dict) else ():
                entries = section.get(kind)
                for entry in entries.values() if isinstance(entries, dict) else ():
                    outputs = entry.get("outputs") if isinstance(entry, dict) else None
                    for out in outputs.values() if isinstance(outputs, dict) else ():
                        rel = out.get("file") if isinstance(out, dict) else None
                        if isinstance(rel, str) and rel in files and out.get("found") is not True:
                            claims.setdefault(rel, []).append(out)
        return claims


def is_live_manifest(folder: Path | str, name: object) -> bool:
    """Whether `name`, a lock's section name (untrusted), is a manifest file in `folder`, the lock's."""
    return (isinstance(name, str) and "/" not in name and "\\" not in name and name not in ("", ".", "..")
            and os.path.isfile(os.path.join(folder, name)))


@dataclass(frozen=True)
class RecordedOutput:
    """One output file as the lock records it: its owner (kind "library" or "book", and name), its
    path relative to the manifest's folder as written in the lock (untrusted), its sha256, and whether
    the build found it in place rather than wrote it (never removed then)."""

    owner_kind: str
    owner: str
    file: str
    sha256: str
    found: bool = False


RECOVER = "delete it or restore it from git; narrate will rebuild it from the cache"


def _read_text(path: Path) -> tuple[str | None, Signature | None]:
    """(the lock's text, its signature), or (None, None) if there is none. LockError if not UTF-8."""
    raw, sig = _read_bytes(path)
    return (_decoded(path, raw) if raw is not None else None), sig


def _read_bytes(path: Path) -> tuple[bytes | None, Signature | None]:
    """(the lock's bytes, its signature (fsutil.signature)), or (None, None) if there is none."""
    try:  # O_NONBLOCK: a FIFO put in its place is refused, never waited on
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | getattr(os, "O_NONBLOCK", 0))) as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise LockError(f"{shown(path)}: not a regular file; {RECOVER}")
            data = f.read()
            return data, (signature(st) if len(data) == st.st_size else None)  # else it grew while read
    except FileNotFoundError:
        return None, None


def _decoded(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LockError(f"{shown(path)}: not UTF-8 (byte {exc.start}); {RECOVER}") from None


def _parse(path: Path, text: str, *, checked: bool = False) -> dict[str, Any]:
    """The lock's JSON. Raises LockError (located) if it is not JSON or, unless `checked` (the build
    state says narrate wrote this very file), not the shape narrate writes."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise LockError(f"{shown(path)}: not valid JSON (nested too deeply); {RECOVER}") from None
    except ValueError as exc:
        where = f":{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise LockError(f"{shown(path)}{where}: not valid JSON ({msg}); {RECOVER}") from None
    problem = None if checked and isinstance(data, dict) else _shape_problem(data)
    if problem is not None:
        key_path, message, anchor = problem
        line = _line_of(text, anchor)
        where = f"{shown(path)}:{line}" if line else shown(path)
        raise LockError(f"{where}: {shown(key_path)}: {message}; {RECOVER}")
    return cast("dict[str, Any]", data)  # its shape was checked just above


_OUTPUT_FIELDS: dict[str, tuple[type, ...]] = {"file": (str,), "sha256": (str,), "bytes": (int,),
                                               "duration": (int, float)}
_SECTIONS = ("books", "prompts")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def _shape_problem(data: Any) -> tuple[str, str, list[str]] | None:
    """The first place where `data` is not a lock narrate wrote, or None: (key path, message,
    the object keys that lead to it, to find its line by)."""
    if not isinstance(data, dict):
        return "(top level)", f"expected an object, found {_kind(data)}", []
    version = data.get("narrate_lock")
    if type(version) is not int or version not in READ_VERSIONS:
        expected = " or ".join(map(str, READ_VERSIONS))
        return "narrate_lock", f"expected lock version {expected}, found {version!r}", []
    manifests = data.get("manifests")
    if not isinstance(manifests, dict):
        return "manifests", f"expected an object, found {_kind(manifests)}", ["manifests"]
    for name, section in manifests.items():
        if not isinstance(section, dict):
            return f"manifests.{name}", f"expected an object, found {_kind(section)}", [name]
        for kind in _SECTIONS:
            entries = section.get(kind, {})
            if not isinstance(entries, dict):
                return f"manifests.{name}.{kind}", f"expected an object, found {_kind(entries)}", [name, kind]
            for entry_id, entry in entries.items():
                found = _entry_problem(entry, f"manifests.{name}.{kind}.{entry_id}")
                if not found and kind == "prompts" and not _prompt_key_ok(entry_id):
                    found = f"manifests.{name}.{kind}.{entry_id}", "expected a prompt key library/language/name"
                if found:
                    return found[0], found[1], [name, entry_id]
    return None


def _prompt_key_ok(key: str) -> bool:
    """`library/language/name`, as narrate writes a prompt's key (a name may hold '/'); the review
    page splits it so."""
    parts = key.split("/", 2)
    return len(parts) == 3 and all(parts)


def _entry_problem(entry: Any, where: str) -> tuple[str, str] | None:
    if not isinstance(entry, dict):
        return where, f"expected an object, found {_kind(entry)}"
    for key in ("recipe", "text", "title"):
        if key in entry and not isinstance(entry[key], str):
            return f"{where}.{key}", f"expected a string, found {_kind(entry[key])}"
    if "segments" in entry and not (isinstance(entry["segments"], list)
                                    and all(isinstance(k, str) for k in entry["segments"])):
        return f"{where}.segments", "expected a list of segment keys"
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict):
        return f"{where}.outputs", f"expected an object, found {_kind(outputs)}"
    for oid, rec in outputs.items():
        if not isinstance(rec, dict):
            return f"{where}.outputs.{oid}", f"expected an object, found {_kind(rec)}"
        for key, types in _OUTPUT_FIELDS.items():
            value = rec.get(key)
            if not isinstance(value, types) or isinstance(value, bool):
                expected = "a string" if types == (str,) else "a number"
                return f"{where}.outputs.{oid}.{key}", f"expected {expected}, found {_kind(value)}"
        if "found" in rec and rec["found"] is not True:  # written only when true
            return f"{where}.outputs.{oid}.found", f"expected true, found {_kind(rec['found'])}"
        if not rec["file"] or "\0" in rec["file"]:
            return f"{where}.outputs.{oid}.file", "expected a file path, found an empty name or a NUL byte"
    chapters = entry.get("chapters", [])
    if not (isinstance(chapters, list) and all(isinstance(c, list) and len(c) == 2 and isinstance(c[0], str)
                                               and isinstance(c[1], (int, float)) for c in chapters)):
        return f"{where}.chapters", "expected a list of [title, start_ms]"
    return None


def _line_of(text: str, anchors: list[str]) -> int | None:
    """The line of the last of `anchors` (JSON object keys), each searched after the one before:
    the lock is written one entry per line, so this finds the entry that is wrong."""
    at, line = 0, None
    for anchor in anchors:
        found = text.find(json.dumps(anchor, ensure_ascii=False) + ":", at)
        if found < 0:
            found = text.find(json.dumps(anchor) + ":", at)
        if found < 0:
            return line
        at, line = found, text.count("\n", 0, found) + 1
    return line
