"""What a release archive may hold, read from a library's index.json and checked before use.

index.json sits in an output folder anyone can write to, so `narrate package` trusts none of it:
the file must be the shape narrate writes (else a located error, as for narrate.lock), and each row
must name, by a relative path without `..`, an output that narrate.lock records for that prompt,
language and format with those bytes; every output the lock records must have its row. The files
are then read only as regular files inside the library's output folder (no symlink, never a FIFO:
`read_inside`), and their bytes must still be the recorded ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cache.lock import LOCK_NAME, LockFile
from ..errors import NarrateError, OutputPathError, PackageInputError, shown
from ..fsutil import read_regular
from ..manifest import Library, Manifest
from ..manifest.layouts import relative_problem

MAX_INDEX_BYTES = 1 << 30  # 50,000 prompts x 4 formats take about 60 MB
RECOVER = "delete it and run `narrate build` to write it again"
_FIELDS: dict[str, tuple[type, ...]] = {"name": (str,), "language": (str,), "text": (str,), "file": (str,),
                                        "format": (str,), "duration": (int, float), "sha256": (str,)}
_OPTIONAL = ("note", "spoken", "fallback_from")


@dataclass(frozen=True)
class Member:
    """One audio file of a library as index.json lists it, checked against the lock."""

    row: dict[str, Any]
    size: int  # bytes, as the lock records them

    @property
    def file(self) -> str:
        return str(self.row["file"])


def _shown_path(path: Path) -> str:
    try:
        return shown(os.path.relpath(path)) if path.is_relative_to(Path.cwd()) else shown(path)
    except (OSError, ValueError):
        return shown(path)


def read_members(manifest: Manifest, lib: Library, lock: LockFile) -> list[Member]:
    """index.json's rows, each checked as the module doc says (its head is not used: the archive's
    index.json takes it from the manifest). Raises PackageInputError
    (exit 2) naming index.json, the row and what is wrong; NarrateError if there is no build yet."""
    path = lib.output / "index.json"
    where = _shown_path(path)
    if not os.path.lexists(path):
        raise NarrateError(f"library {lib.name!r} has no {where}: run `narrate build` first")
    raw = read_regular(path, MAX_INDEX_BYTES)
    if raw is None:
        raise PackageInputError(f"{where}: not a regular file of at most {MAX_INDEX_BYTES:,} bytes; {RECOVER}")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise PackageInputError(f"{where}: not UTF-8 (byte {exc.start}); {RECOVER}") from None
    except RecursionError:
        raise PackageInputError(f"{where}: not valid JSON (nested too deeply); {RECOVER}") from None
    except json.JSONDecodeError as exc:
        raise PackageInputError(f"{where}:{exc.lineno}: not valid JSON ({exc.msg}); {RECOVER}") from None
    if not isinstance(data, dict) or not isinstance(data.get("prompts"), list):
        found = "an object without a \"prompts\" list" if isinstance(data, dict) else type(data).__name__
        raise PackageInputError(f"{where}: expected an object with a \"prompts\" list, found {found}; {RECOVER}")
    rows: list[Any] = data["prompts"]
    first_row = _first_row_line(text, len(rows))

    def fail(i: int, key: str, message: str) -> PackageInputError:
        line = f":{first_row + i}" if first_row else ""
        return PackageInputError(f"{where}{line}: prompts[{i}]{key}: {message}; {RECOVER}")

    if not os.path.lexists(lock.path):
        raise NarrateError(f"no {LOCK_NAME} beside {manifest.path.name}: run `narrate build` first")
    prefix = os.path.relpath(lib.output, manifest.root) + "/"
    members, seen_ids, seen_files = [], set(), set()
    extras = {(p.name, p.language): p for p in lib.prompts if p.note or p.fallback_from}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise fail(i, "", "expected an object")
        for key, types in _FIELDS.items():
            if not isinstance(row.get(key), types) or isinstance(row.get(key), bool):
                expected = "a number" if key == "duration" else "a string"
                raise fail(i, f".{key}", "missing" if key not in row else f"expected {expected}")
        for key in _OPTIONAL:
            if key in row and not isinstance(row[key], str):
                raise fail(i, f".{key}", "expected a string")
        file, name, language, fmt = row["file"], row["name"], row["language"], row["format"]
        what = f"{shown(name)} in {shown(language)} as {shown(fmt)}"
        why = relative_problem(file)
        if why:
            raise fail(i, ".file", f"{shown(repr(file))} ({what}) is not a path inside the library's output folder: {why}")
        entry = lock.prompts.get(f"{lib.name}/{language}/{name}")
        outputs = entry.get("outputs") if isinstance(entry, dict) else None
        rec = outputs.get(fmt) if isinstance(outputs, dict) else None
        if not (isinstance(rec, dict) and rec.get("file") == prefix + file and rec.get("sha256") == row["sha256"]
                and rec.get("duration") == row["duration"]):
            raise fail(i, "", f"{shown(repr(file))} ({what}) is not an output {LOCK_NAME} records for it with these bytes")
        if entry is None or entry.get("text") != row["text"]:
            raise fail(i, ".text", f"not the text {LOCK_NAME} records for {what}")
        source = extras.get((name, language))
        for key in ("note", "fallback_from"):
            if row.get(key) != (getattr(source, key) if source is not None else None):
                raise fail(i, f".{key}", f"not the {key} the manifest gives {what}")
        if (name, language, fmt) in seen_ids or file.casefold() in seen_files:
            raise fail(i, "", f"{what} ({shown(repr(file))}) is listed twice")
        seen_ids.add((name, language, fmt))
        seen_files.add(file.casefold())
        members.append(Member(row, int(rec["bytes"])))
    for job_id, entry in lock.prompts.items():
        lib_name, _, rest = job_id.partition("/")
        language, _, name = rest.partition("/")
        if lib_name != lib.name:
            continue
        for fmt in entry.get("outputs", {}):
            if (name, language, fmt) not in seen_ids:
                raise PackageInputError(f"{where}: lacks {shown(name)} in {shown(language)} as {shown(fmt)}, which "
                                        f"{LOCK_NAME} records; {RECOVER}")
    return members


def read_inside(folder: Path, rel: str, limit: int) -> bytes:
    """The bytes of the regular file `rel` inside `folder`, read for a file an untrusted record names
    (a library's index.json). `rel` must be relative, with no `..`; no component may be a symlink
    that leads out of `folder`, the file itself no symlink at all, and it must be a regular file (a
    FIFO is never waited on: O_NONBLOCK) of at most `limit` bytes. Raises OutputPathError saying
    which rule failed; OSError as the OS gives it (with the file's name)."""
    base = os.path.abspath(folder)
    full = os.path.normpath(os.path.join(base, rel))
    if os.path.isabs(rel) or not _within(full, base) or full == base or ".." in rel.split("/"):
        raise OutputPathError(f"{shown(rel)}: not a path inside the output folder {shown(folder)}")
    current, real_base = base, os.path.realpath(base)
    parts = full[len(base.rstrip(os.sep)) + 1:].split(os.sep)
    for part in parts[:-1]:
        current = os.path.join(current, part)
        if os.path.islink(current):
            target = os.path.realpath(current)
            if not _within(target, real_base) or target == real_base:
                raise OutputPathError(f"{shown(rel)}: {shown(current)} is a symlink leading out of the output "
                                      f"folder {shown(folder)}")
            current = target
    path = os.path.join(current, parts[-1])
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise OutputPathError(f"{shown(rel)}: a symlink, not a file narrate wrote") from None
        raise OSError(exc.errno, exc.strerror, path) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise OutputPathError(f"{shown(rel)}: {what} (in {shown(folder)})")
        if st.st_size > limit:
            raise OutputPathError(f"{shown(rel)}: {st.st_size:,} bytes, more than the {limit:,} expected")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise OutputPathError(f"{shown(rel)}: more than the {limit:,} bytes expected")
        return data
    finally:
        os.close(fd)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _first_row_line(text: str, rows: int) -> int | None:
    """The line of the first row in an index laid out as narrate writes it (one row per line after the
    head's line), else None."""
    lines = text.split("\n")
    if lines and lines[0].endswith('"prompts": [') and len(lines) >= rows + 2:
        return 2
    return None


def member_bytes(lib: Library, member: Member) -> bytes:
    """The file's bytes, read safely (`read_inside`) and checked against the recorded sha256."""
    row = member.row
    try:
        data = read_inside(lib.output, member.file, member.size)
    except OutputPathError as exc:
        raise PackageInputError(f"{_shown_path(lib.output / 'index.json')}: {shown(row['name'])} in "
                                f"{shown(row['language'])} as {shown(row['format'])}: {exc}; run `narrate build` "
                                "to write it again") from None
    if len(data) != member.size or hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise NarrateError(f"{_shown_path(lib.output / member.file)} changed since the build: run `narrate build` again")
    return data
