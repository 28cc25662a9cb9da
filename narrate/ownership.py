"""Whether a file already at an output path is narrate's to replace (DESIGN.md invariant 8).

A build replaces a file it is about to write over only if narrate wrote it: the build state says so
(the file still has the signature it had when narrate wrote it; or, if its own lock record names it,
narrate wrote a file at that path, `BuildState.wrote`, so that a damaged output is repaired), or a
lock record names it and the file on disk still holds the bytes that record gives (size and sha256):
all a fresh clone, without the build state, has to ask. The build state is local and never
committed; a lock is a file anyone can edit, so a record alone, whatever digest it holds, proves
nothing about a file with other bytes (a studio recording, a cover, a playlist of the user's in a
fresh clone). A file recorded as found in place (`"found": true` in the lock, or the build state's
`found`) is never narrate's. Any other file is the user's: the prompt (build.render) or the book
output (package.book_record) is refused and the file kept, unless it already holds the very
bytes the build would write.

Work in proportion to what the build writes: only the existing files of stale prompts and books are
looked at; one the state knows costs a dictionary lookup or a stat, one its own lock entry records a
hash of that file, and only a file neither settles has the rest of the lock read for claims.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache.lock import LockFile
from .cache.state import BuildState
from .fsutil import holds_file

if TYPE_CHECKING:
    from .plan import PromptJob
    from .plan.books import BookJob


def foreign_files(lock: LockFile, stats: BuildState, root: str, stale: Sequence[PromptJob],
                  stale_books: Sequence[BookJob] = ()) -> frozenset[str]:
    """The files `stale` prompts and `stale_books` will write that exist already and that are not
    narrate's (the module docstring): each is replaced only if it holds the very bytes the build
    would write; the renderer refuses the prompt otherwise, and book assembly that output."""
    where = Path(root)
    foreign: list[str] = []
    undecided: list[str] = []
    for rel, rec in _existing(lock, root, stale, stale_books):
        if rel in stats.found or (rec is not None and rec.get("found") is True):
            foreign.append(rel)  # found in place: another manifest's, or the user's
        elif (rec is not None and (stats.wrote(rel) or holds_recorded(where, rel, rec))) or stats.unchanged(where, rel):
            continue
        else:
            undecided.append(rel)
    if undecided:  # another entry, or another manifest's section, may record it (a prompt renamed, a lost state)
        claims = lock.claims(set(undecided))
        foreign += [rel for rel in undecided if not any(holds_recorded(where, rel, c) for c in claims.get(rel, ()))]
    return frozenset(foreign)


def holds_recorded(root: Path, rel: str, rec: Any) -> bool:
    """Whether `rel` is a regular file with the size and sha256 of `rec`, a lock's output record (its
    shape unchecked: a lock the build state vouches for is not checked on read)."""
    size, digest = (rec.get("bytes"), rec.get("sha256")) if isinstance(rec, dict) else (None, None)
    return type(size) is int and isinstance(digest, str) and holds_file(root / rel, size, digest)


def _existing(lock: LockFile, root: str, stale: Sequence[PromptJob],
              stale_books: Sequence[BookJob]) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """(path, its own lock record if that names this path) of each file the stale prompts and books
    write that exists; a link is the writer's (fsutil.output_path replaces the link, never its target)."""
    for job in stale:
        entry = lock.prompts.get(job.id)
        recorded = entry.get("outputs") if isinstance(entry, dict) else None
        for out in job.outputs:
            if _regular(root, out.path):
                yield out.path, _own(recorded, out.format, out.path)
    for book in stale_books:
        entry = lock.books.get(book.book.name)
        recorded = entry.get("outputs") if isinstance(entry, dict) else None
        for oid, rel in book.outputs.items():
            if _regular(root, rel):
                yield rel, _own(recorded, oid, rel)


def _own(recorded: Any, key: str, rel: str) -> dict[str, Any] | None:
    rec = recorded.get(key) if isinstance(recorded, dict) else None
    return rec if isinstance(rec, dict) and rec.get("file") == rel else None


def _regular(root: str, rel: str) -> bool:
    """A regular file, not a link (which may lead out of the folder, or to a FIFO that never ends)."""
    try:
        return stat.S_ISREG(os.lstat(os.path.join(root, rel)).st_mode)
    except OSError:
        return False
