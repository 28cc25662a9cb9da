"""The Disk under narrate's diskcache store (`store.SegmentCache`): how an entry's bytes are written to
and read from cache.db's rows and entry files, trusting neither.

A cache folder may come from another machine, or an attacker. Nothing read here is unpickled, and no
entry file is read, written or deleted outside the cache folder or through a link.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from pathlib import Path
from typing import Any

from ..fsutil import read_regular

MAX_ENTRY_BYTES = 256 * 1024 * 1024  # no segment is this large; refuse rather than fill memory
# Opens of an entry file whose folder is missing, each after making it (see Disk.store).
FOLDER_ATTEMPTS = 4
_ENTRY_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{16,32}\.val")  # what an index row may name


def _write_all(fd: int, data: bytes) -> None:
    """os.write until all of `data` is written (a write may take part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


@functools.lru_cache(maxsize=8)
def _real_folder(directory: str) -> str:
    """The cache folder with its links followed, once per folder (every entry read checks against it)."""
    return os.path.realpath(directory)


class RefusedRow(OSError):  # noqa: N818 - an OSError so diskcache reads the row as gone
    """An index row narrate never writes (a pickle, text, a number): refused unread."""


class _RefusedKey:
    """The key of an index row whose key is pickled: never unpickled, never equal to a segment key."""

    def __repr__(self) -> str:
        return "<pickled key, not loaded>"


REFUSED_KEY = _RefusedKey()
# diskcache.core's MODE_* numbers, named for messages.
_MODES = {0: "no value", 1: "an inline value", 2: "a value file", 3: "text", 4: "a pickle"}


def refused_row(mode: Any, value: Any = None) -> str | None:
    """None if an index row with this `mode` (and inline `value`) holds bytes as narrate writes them
    (inline, or in a value file), else why it is refused (`row_problem`)."""
    if mode == 2 or (mode == 1 and type(value) is bytes):  # diskcache.core.MODE_BINARY, MODE_RAW
        return None
    return row_problem(mode, value)


def row_problem(mode: Any, value: Any = None) -> str:
    """Why an index row with this `mode` (and inline `value`) is not a narrate entry."""
    if mode == 1 and value is not None:
        return f"its row holds {type(value).__name__}, not bytes: not an entry narrate writes"
    what = _MODES.get(mode, f"mode {mode!r}") if isinstance(mode, int) else f"mode {mode!r}"
    return f"its row holds {what} (narrate stores bytes only): refused, never loaded"


@functools.cache
def _disk_class() -> type:
    """diskcache's Disk, writing an entry file in one call into one of 256 folders.

    diskcache's own Disk spreads files over 65,536 random two-level folders and calls os.makedirs
    before every file, so nearly every store of a cold build made a folder (two mkdir calls, one
    failing) and wrote the bytes through a BytesIO, line by line for a bytes value: about a third of
    a store's CPU. Here the second level repeats the first (`ab/ab/<name>.val`: the layout
    ENTRY_FILE_GLOB and older caches use, so either reads the other's files), and a folder is made only
    when opening the file finds none. The file's name, size and mode in the index are diskcache's own,
    so stores made by plain diskcache and by this class read back alike."""
    import diskcache
    from diskcache.core import MODE_BINARY, MODE_RAW

    class Disk(diskcache.Disk):  # type: ignore[misc]  # diskcache ships no type hints
        def _entry_path(self, filename: Any) -> str:
            """The entry file an index row names, if it is one of this cache's: a row of a copied or
            hostile cache.db naming `/home/me/notes.txt` or `../x` is neither read nor deleted."""
            if not isinstance(filename, str) or not _ENTRY_NAME.fullmatch(filename.replace(os.sep, "/")):
                raise FileNotFoundError(f"not an entry file of this cache: {filename!r}")
            full = os.path.join(self._directory, filename)
            if not self._inside(full):
                raise FileNotFoundError(f"entry file leads out of the cache: {filename!r}")  # a linked folder
            return full

        def fetch(self, mode: int, filename: Any, value: Any, read: bool) -> Any:
            """Bytes, from the row or from a regular entry file; anything else is refused unread.

            diskcache would unpickle a MODE_PICKLE row (and decode a MODE_TEXT one): a hostile or
            copied cache.db could then run code in whatever reads it. narrate stores bytes only, so
            any other mode is refused with RefusedRow, an OSError, which diskcache answers as an entry
            whose file vanished: it reads as absent, and `SegmentCache.get` drops it."""
            if mode == MODE_RAW and filename is None and type(value) is bytes:
                return value
            if mode != MODE_BINARY or filename is None or read:
                raise RefusedRow(row_problem(mode, value))
            # A regular file, read without blocking (a FIFO put in its place) and bounded; else "gone".
            data = read_regular(Path(self._entry_path(filename)), MAX_ENTRY_BYTES)
            if data is None:
                raise FileNotFoundError(f"entry file is not a regular file of at most {MAX_ENTRY_BYTES} bytes")
            return data

        def get(self, key: Any, raw: bool) -> Any:
            """A row's key as stored: a pickled key (raw=0, which narrate never writes) is never loaded,
            it comes back as REFUSED_KEY, which `SegmentCache.keys` skips and reports."""
            if not raw:
                return REFUSED_KEY
            return bytes(key) if type(key) is not str and isinstance(key, (bytes, memoryview)) else key

        def remove(self, file_path: Any) -> None:
            """Delete an entry file, keeping its folder: diskcache's own remove also removes the folders it
            empties, and a store into that folder from another thread (a level rewrite beside the
            build's stores) then found it gone between making it and opening the file in it. There
            are 256 folders at most."""
            try:
                full = self._entry_path(file_path)
            except OSError:
                return  # not ours to delete
            with contextlib.suppress(OSError):  # removed already (another build, a cache verify)
                os.remove(full)

        def filename(self, key: Any = diskcache.core.UNKNOWN, value: Any = diskcache.core.UNKNOWN
                     ) -> tuple[str, str]:
            name = os.urandom(16).hex()
            relative = f"{name[:2]}/{name[:2]}/{name[2:]}.val"
            return relative, os.path.join(self._directory, relative)

        def store(self, value: Any, read: bool, key: Any = diskcache.core.UNKNOWN) -> tuple[Any, ...]:
            if type(value) is not bytes or len(value) < self.min_file_size:
                return tuple(super().store(value, read, key=key))
            relative, full = self.filename(key, value)
            folder = os.path.dirname(full)
            if folder not in self._own and not self._inside(folder):
                # Its folder is (or is under) a link leading out of the cache: nothing is written or
                # made there; the entry goes in its index row instead, where it reads back the same.
                return 0, MODE_RAW, None, value
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            for attempt in range(FOLDER_ATTEMPTS):
                try:
                    fd = os.open(full, flags, 0o644)
                    break
                except FileNotFoundError:
                    # No folder yet, or another process (diskcache's own Disk, an older narrate) removed
                    # it as it emptied between our makedirs and open: make it again, a few times.
                    if attempt == FOLDER_ATTEMPTS - 1:
                        raise
                    os.makedirs(folder, exist_ok=True)
            self._own.add(folder)
            try:
                _write_all(fd, value)
            except BaseException:  # a full disk, a quota: no partial entry file is left behind
                os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(full)
                raise
            os.close(fd)
            return len(value), MODE_BINARY, relative, None

        @functools.cached_property
        def _own(self) -> set[str]:
            """Entry folders checked to lie inside the cache (256 at most): checked once per process."""
            return set()

        def _inside(self, folder: str) -> bool:
            return os.path.realpath(folder).startswith(_real_folder(self._directory) + os.sep)

    return Disk
