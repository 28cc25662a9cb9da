"""Never someone else's file: a file narrate writes where the user says (a JUnit report, a review
page, a CSV export, a cache export) replaces an existing file only if that file is absent, empty, or
begins as the same kind of file does, so a mistyped `--report narrate.yaml` refuses instead of
replacing the manifest."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import UsageError, shown

# How each kind of file narrate writes where the user says begins (`check_replaceable`).
_KINDS = {
    "junit": ("a JUnit XML report", lambda head: head.startswith(b"<?xml") and b"<testsuites" in head),
    "html": ("a narrate review page", lambda head: head.startswith(b"<!doctype html>") and b"narrate review" in head),
    "csv": ("a narrate CSV export", lambda head: head.removeprefix(b"\xef\xbb\xbf").startswith(b"name")),
    "tar": ("a cache export (tar)", lambda head: head[257:262] == b"ustar" or not head.strip(b"\0")),
}


def check_replaceable(path: Path, kind: str) -> None:
    """Raise UsageError unless `path` is free for a file of `kind` ("junit", "html", "csv", "tar"):
    absent, empty, or a regular file that begins as that kind does. `narrate build --report
    narrate.yaml` would otherwise have replaced the manifest (or a chapter, the lock, cache.db)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    what, looks_right = _KINDS[kind]
    if stat.S_ISREG(st.st_mode):
        if st.st_size == 0:
            return
        with open(path, "rb") as fh:
            if looks_right(fh.read(512)):
                return
    raise UsageError(f"{shown(str(path))} exists and is not {what}: not replaced (name another file, or "
                     "move this one away first)")
