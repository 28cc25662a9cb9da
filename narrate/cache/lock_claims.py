"""Output files that the locks of other manifests nearby record: a build never deletes those.

Two manifests in sibling folders (a/ivr.yaml, b/ivr.yaml) may write one output folder (../out), each
with its own narrate.lock. When b stops building a prompt whose file a records too (a found it in
place, b having written it first, or the reverse), deleting it would take a's prompt out of a live
prompt set. The locks "in reach" of an output folder are the one in the folder holding it and those
one level under that folder (`out/../narrate.lock`, `out/../*/narrate.lock`): where sibling projects
that share an output folder keep theirs. Read only
when a build has files to delete; a lock that is not narrate's shape is skipped (a hostile one can only
make a build keep files, never delete one).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..fsutil import read_regular
from .lock import LOCK_NAME, is_live_manifest

MAX_LOCK_BYTES = 256 * 1024 * 1024
MAX_LOCKS = 256  # lock files read at most (a folder of thousands of projects: the first ones)
MAX_FOLDERS = 4096  # entries of the folder holding the output folder looked at


def nearby_locks(output_folders: Iterable[Path], own: Path) -> list[Path]:
    """The narrate.lock files in reach of `output_folders` (see the module docstring), `own` left out."""
    found: dict[str, Path] = {}
    own_real = os.path.realpath(own)
    for folder in output_folders:
        parent = Path(os.path.realpath(folder)).parent
        candidates = [parent / LOCK_NAME]
        try:
            with os.scandir(parent) as entries:
                for n, entry in enumerate(entries):
                    if n >= MAX_FOLDERS:
                        break
                    if entry.is_dir(follow_symlinks=False):
                        candidates.append(Path(entry.path) / LOCK_NAME)
        except OSError:
            pass
        for path in candidates:
            real = os.path.realpath(path)
            if real != own_real and real not in found and os.path.isfile(real):
                found[real] = path
            if len(found) >= MAX_LOCKS:
                return list(found.values())
    return list(found.values())


def claimed_files(locks: Iterable[Path]) -> dict[tuple[str, str], Path]:
    """(real folder, file name) of each output file the `locks` record, in any manifest's section ->
    the lock that records it."""
    claims: dict[tuple[str, str], Path] = {}
    real_dirs: dict[str, str] = {}
    for lock in locks:
        raw = read_regular(lock, MAX_LOCK_BYTES)
        try:
            data = json.loads(raw) if raw is not None else None
        except (ValueError, RecursionError):
            continue
        base = os.path.dirname(os.path.realpath(lock))
        for rel in _files(data, base):
            full = os.path.normpath(os.path.join(base, rel))
            folder = os.path.dirname(full)
            if folder not in real_dirs:
                real_dirs[folder] = os.path.realpath(folder)
            claims.setdefault((real_dirs[folder], os.path.basename(full)), lock)
    return claims


def claim_key(path: str) -> tuple[str, str]:
    """How `claimed_files` names the file at `path`."""
    full = os.path.normpath(os.path.abspath(path))
    return os.path.realpath(os.path.dirname(full)), os.path.basename(full)


def _files(data: Any, folder: str) -> Iterable[str]:
    """Every output `file` a lock's JSON records in the sections of manifests still in `folder` (one
    that is gone claims nothing), skipping whatever is not narrate's shape."""
    manifests = data.get("manifests") if isinstance(data, dict) else None
    for name, section in manifests.items() if isinstance(manifests, dict) else ():
        if not is_live_manifest(folder, name):
            continue
        for kind in ("prompts", "books"):
            entries = section.get(kind) if isinstance(section, dict) else None
            for entry in entries.values() if isinstance(entries, dict) else ():
                outputs = entry.get("outputs") if isinstance(entry, dict) else None
                for out in outputs.values() if isinstance(outputs, dict) else ():
                    rel = out.get("file") if isinstance(out, dict) else None
                    if isinstance(rel, str) and rel and "\0" not in rel:
                        yield rel
