"""The build state's journal: what each build changed, appended beside the state file.

Saving the whole build state (a stat entry per output, a planning context per prompt: 3.5 MB at
10,000 prompts) after a one-edit build cost work proportional to the library. A build instead
appends one line holding only what it changed to `<state>.journal`; reading the state applies the
journal's lines in order to the base file. The journal's first line names the base it applies to
(`{"narrate_state_journal": 1, "base": ID}`, the base's "id"), so a journal left beside a base that
was rewritten since is ignored, never applied to the wrong base.

Each line is one build's whole change, written with one O_APPEND write, so the lines applied are
always a state some build saved: a torn or bad line ends the journal there (a killed build's half
line loses only that build's change), and the next save rewrites the base (`compact`), as it does
when the journal has grown past a share of the base's size. Everything the state holds is checked
against the files before it is trusted (size, mtime, ctime, inode), so an older state is only slower.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

JOURNAL_VERSION = 1
MAX_JOURNAL_BYTES = 64 * 1024 * 1024  # a larger file is not one narrate wrote: ignored
COMPACT_MIN_BYTES = 64 * 1024  # below this a journal is never compacted; above, at 1/8 of the base's size


def journal_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".journal")


def header(base_id: str) -> str:
    return json.dumps({"narrate_state_journal": JOURNAL_VERSION, "base": base_id}) + "\n"


def signature(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def read_journal(path: Path, base_id: str) -> tuple[list[dict[str, Any]], int, bool]:
    """(the changes of the journal's good lines, in order; the bytes they end at; whether the whole
    file was good, so that a line may be appended). No journal: ([], 0, True). A journal of another
    base, or not a regular file of narrate's shape: ([], 0, False)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return [], 0, True
    except OSError:  # a link (O_NOFOLLOW) or unreadable
        return [], 0, False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_JOURNAL_BYTES:
            return [], 0, False
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read()
    finally:
        os.close(fd)
    lines = data.split(b"\n")
    if len(lines) < 2 or lines[0].decode("utf-8", "replace") + "\n" != header(base_id):
        return [], 0, False
    end = len(lines[0]) + 1
    changes: list[dict[str, Any]] = []
    for line in lines[1:-1]:  # the last piece follows the last newline: empty unless torn
        change = _change(line)
        if change is None:
            return changes, end, False
        changes.append(change)
        end += len(line) + 1
    return changes, end, lines[-1] == b""


def _change(line: bytes) -> dict[str, Any] | None:
    """One line's change if it is the shape `append` writes, else None."""
    try:
        change = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(change, dict):
        return None
    files = change.get("files", {})
    if not isinstance(files, dict) or not all(e is None or (type(e) is list and len(e) == 5) for e in files.values()):
        return None
    if "last" in change and not (change["last"] is None or isinstance(change["last"], dict)):
        return None
    if not isinstance(change.get("index", {}), dict):
        return None
    if not (isinstance(change.get("found", []), list) and all(type(f) is str for f in change.get("found", []))):
        return None
    carry = change.get("carry", {})
    if not isinstance(carry, dict) or not all(c is None or type(c) is str for c in carry.values()):
        return None
    return change


def apply(change: dict[str, Any], files: dict[str, Any], carry: dict[str, str],
          rest: dict[str, Any]) -> None:
    """Apply one line's change to the state's stat entries, planning contexts (by prompt id) and
    `rest` ("last", "index", "found")."""
    for rel, entry in change.get("files", {}).items():
        if entry is None:
            files.pop(rel, None)
        else:
            files[rel] = entry
    for ident, context in change.get("carry", {}).items():
        if context is None:
            carry.pop(ident, None)
        else:
            carry[ident] = context
    for key in ("last", "index", "found"):
        if key in change:
            rest[key] = change[key]


def append(path: Path, text: str, base_id: str, expected_end: int) -> int | None:
    """Append one change line (starting the journal with its header when there is none); the
    journal's new size, or None when it is not as this build read it (`expected_end` bytes, 0: none):
    another build appended or compacted since, so the caller rewrites the base instead."""
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    if expected_end == 0:
        flags |= os.O_CREAT | os.O_EXCL
        text = header(base_id) + text
    try:
        fd = os.open(path, flags, 0o644)
    except OSError:  # there is one now (O_EXCL), or a link, or unwritable
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (expected_end and st.st_size != expected_end):
            return None
        data = text.encode("utf-8")
        if os.write(fd, data) != len(data):  # a short write leaves a torn line: the next save compacts
            return None
        return (expected_end or 0) + len(data)
    finally:
        os.close(fd)


def line(files: dict[str, Any], carry: dict[str, str | None], rest: dict[str, Any]) -> str:
    change: dict[str, Any] = dict(rest)
    if files:
        change["files"] = files
    if carry:
        change["carry"] = carry
    return json.dumps(change, separators=(",", ":"), ensure_ascii=False) + "\n"


def too_big(journal_bytes: int, base_bytes: int) -> bool:
    return journal_bytes > max(COMPACT_MIN_BYTES, base_bytes // 8)
