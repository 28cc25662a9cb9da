"""The segment store: content-addressed synthesized audio on diskcache, which heals.

Paid audio is never evicted silently (eviction_policy='none'). Each entry is one bytes value
(see `entry.py`), so entries carry their own metadata, key material and checksum, and no pickle
is ever loaded from a cache that may have been imported from elsewhere.

Healing (issue 9 item 7): diskcache keeps an SQLite index (`cache.db`) and, for values over
32 KiB, one file per entry. Either can be lost behind the other's back:

- a row whose file is gone ("dangling"), or an entry that no longer verifies, is dropped when it
  is read or checked (`get`, `missing`), so the build synthesizes it again and says so
  (`warnings`) instead of failing on every later build;
- an index that SQLite cannot read is moved aside (`cache.db.corrupt-<time>`, never deleted), a
  fresh one is started, and the entry files are put back in it after each one re-derives its key
  (`recover_files`); the same recovery runs when `cache.db` is empty but entry files exist.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self, cast

from ..errors import CacheError, shown
from ..fsutil import read_regular
from ..providers.base import SynthesisResult
from .entry import CachedSegment, check_entry, decode_entry, encode_entry, with_level

__all__ = ["CachedSegment", "SegmentCache", "decode_entry", "encode_entry"]

INDEX_NAME = "cache.db"
# Written by diskcache for values of 32 KiB and more, under two levels of two-hex-digit folders.
ENTRY_FILE_GLOB = "[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*.val"
_HEX2 = re.compile(r"[0-9a-f]{2}")
_ENTRY_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{16,32}\.val")  # what an index row may name
# An orphaned entry file younger than this may belong to a write still in flight in another
# process (diskcache writes the file, then commits the row): it is copied, never removed.
ORPHAN_MIN_AGE_S = 60.0
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # no segment is this large; refuse rather than fill memory
# More healed entries than this are summarised in one warning line rather than listed.
HEAL_LINES = 5


class SegmentCache:
    """Local segment store. Safe across threads and processes (diskcache uses SQLite transactions).

    `warnings` lists, one line each, what the cache repaired while it was open (moved-aside index,
    recovered files, missing or corrupt entries that will be synthesized again).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._store: Any = None
        self._notes: list[str] = []
        self._healed: list[tuple[str, str]] = []  # (key, why) of entries dropped so they are rebuilt
        self._foreign = 0  # rows with keys narrate never writes, skipped by the last listing
        self._lock = threading.Lock()

    # -- opening, and repairing the index

    @property
    def store(self) -> Any:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = self._open()
        return self._store

    @property
    def index_path(self) -> Path:
        return self.directory / INDEX_NAME

    def _diskcache(self) -> Any:
        import diskcache  # deferred: a no-op rebuild never opens the cache
        from diskcache.core import DEFAULT_SETTINGS

        self._forget_foreign_settings()
        # Every setting given, so none that cache.db's Settings table holds is obeyed (diskcache lets a
        # stored one win over its default: a copied index could set statistics, file sizes, pragmas).
        settings = {**DEFAULT_SETTINGS, "eviction_policy": "none", "size_limit": 2**62, "cull_limit": 0}
        return diskcache.Cache(str(self.directory), disk=_disk_class(), **settings)

    def _forget_foreign_settings(self) -> None:
        """Delete the Settings rows of cache.db that diskcache does not define: diskcache runs each
        stored `sqlite_*` row as a PRAGMA on every connection (`PRAGMA query_only = 1`, `locking_mode =
        EXCLUSIVE`...) and passes each `disk_*` row to the Disk. A read-only index keeps them (nothing
        is written); an unreadable one is left to `_open`'s repair."""
        from diskcache.core import DEFAULT_SETTINGS, METADATA

        if not self.index_path.is_file():
            return
        known = sorted({*DEFAULT_SETTINGS, *METADATA})
        marks = ",".join("?" * len(known))
        try:
            db = sqlite3.connect(self.index_path, timeout=60, isolation_level=None)
        except sqlite3.Error:
            return
        try:
            foreign = db.execute(f"SELECT key FROM Settings WHERE key NOT IN ({marks})", known).fetchall()  # noqa: S608
            if foreign:
                db.execute(f"DELETE FROM Settings WHERE key NOT IN ({marks})", known)  # noqa: S608
                names = ", ".join(shown(str(row[0]), limit=40) for row in foreign[:5])
                self._notes.append(f"{self.index_path}: ignored and removed {len(foreign)} settings diskcache does "
                                   f"not define ({names})")
        except sqlite3.Error:
            pass
        finally:
            db.close()

    def _open(self) -> Any:
        index = self.index_path
        try:
            store = self._diskcache()
        except sqlite3.OperationalError as exc:  # locked, read-only, permissions: not corruption
            raise CacheError(f"cannot open cache at {self.directory}: {exc}") from None
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            if not index.is_file():
                raise CacheError(f"cannot open cache at {self.directory}: {exc}") from None
            aside = self._move_index_aside()
            try:
                store = self._diskcache()
            except Exception as again:
                raise CacheError(f"cannot open cache at {self.directory}: {again}") from None
            found, recovered = self.recover_files(store)
            self._notes.append(f"{index}: unreadable cache index ({exc}); moved it aside to {aside.name} and "
                               f"started a fresh one; recovered {recovered} of {found} entry files")
            return store
        except Exception as exc:  # permissions, a file where the folder should be
            raise CacheError(f"cannot open cache at {self.directory}: {exc}") from None
        if len(store) == 0 and next(self._entry_files(), None) is not None:  # e.g. a zero-byte cache.db
            found, recovered = self.recover_files(store)
            self._notes.append(f"{index}: empty cache index but entry files on disk; "
                               f"recovered {recovered} of {found} entry files")
        return store

    def _move_index_aside(self) -> Path:
        """Rename cache.db (and its -wal/-shm) to cache.db.corrupt-<UTC time>[-n]: kept for a post-mortem."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        aside = self.index_path.with_name(f"{INDEX_NAME}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.index_path.with_name(f"{INDEX_NAME}.corrupt-{stamp}-{n}")
        os.replace(self.index_path, aside)
        for suffix in ("-wal", "-shm"):
            side = self.index_path.with_name(INDEX_NAME + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))
        return aside

    def _entry_files(self) -> Iterator[Path]:
        """The entry files (ENTRY_FILE_GLOB) in this cache's own folders: a folder or file that is a
        link (to anywhere) is never entered or listed, so recovery reads and removes only files of
        this cache, never ones a link leads to elsewhere (Path.glob follows linked folders)."""
        for first in _own_folders(self.directory):
            for second in _own_folders(first):
                try:
                    with os.scandir(second) as found:
                        names = sorted(e.name for e in found if e.name.endswith(".val")
                                       and e.is_file(follow_symlinks=False))
                except OSError:
                    continue
                yield from (second / name for name in names)

    def recover_files(self, store: Any | None = None) -> tuple[int, int]:
        """Put entry files the index does not list back into it, each only if it re-derives its key.

        Returns (files found, entries recovered). The index gets its own copy; an original older than
        ORPHAN_MIN_AGE_S is then removed (it is a duplicate), a younger one is left alone.
        """
        store = store if store is not None else self.store
        listed = {row[0] for row in store._sql("SELECT filename FROM Cache WHERE filename IS NOT NULL")}
        found = recovered = 0
        for path in sorted(self._entry_files()):
            rel = path.relative_to(self.directory).as_posix()
            if rel in listed:
                continue
            found += 1
            blob = read_regular(path, MAX_ENTRY_BYTES)  # never blocks on a FIFO, never follows a link
            if blob is None:
                continue
            key = _derived_key(blob)
            if key is None:
                continue
            if store.get(key) is None:
                _set(store, key, blob)
            recovered += 1
            try:
                if time.time() - path.stat().st_mtime > ORPHAN_MIN_AGE_S:
                    path.unlink()
            except OSError:
                pass
        return found, recovered

    # -- reading

    def __contains__(self, key: str) -> bool:
        return key in self.store

    def get(self, key: str) -> CachedSegment | None:
        """The verified entry (checksum, key material, format), or None. A corrupt or dangling entry is
        dropped, so it gets rebuilt instead of trusted, and noted in `warnings`."""
        blob = self.store.get(key)
        if blob is None:
            if key in self.store:
                self._heal(key, self.why_unreadable(key))
            return None
        try:
            return check_entry(key, blob)
        except CacheError as exc:
            self._heal(key, exc.message)
            return None

    def missing(self, keys: list[str]) -> set[str]:
        """The keys with no entry that verifies. Entries present but dangling or corrupt are dropped
        (and reported in `warnings`) so that the build synthesizes them again instead of failing."""
        store = self.store
        return {k for k in keys if k not in store or self.get(k) is None}

    def why_unreadable(self, key: str, gone: str = "its file is missing, or not a regular file of this cache") -> str:
        """Why a listed entry reads as absent: a row narrate never writes (a pickle: refused unread), or
        an entry file that is gone or not one of this cache's regular files."""
        rows = self.store._sql("SELECT mode, value FROM Cache WHERE key = ? AND raw = 1", (key,)).fetchall()
        if rows and rows[0][0] != 2 and not (rows[0][0] == 1 and type(rows[0][1]) is bytes):
            return row_problem(*rows[0])
        return gone

    def foreign_rows(self) -> list[int]:
        """rowids of index rows whose key narrate never writes (pickled, or not text): `keys` skips
        them unread."""
        sql = "SELECT rowid FROM Cache WHERE raw IS NOT 1 OR typeof(key) != 'text' ORDER BY rowid"
        return [row[0] for row in self.store._sql(sql).fetchall()]

    def drop_foreign_rows(self) -> int:
        """Delete the `foreign_rows` (and their entry files, if they are this cache's). Returns how many."""
        store, dropped = self.store, 0
        for rowid in self.foreign_rows():
            rows = store._sql("SELECT filename FROM Cache WHERE rowid = ?", (rowid,)).fetchall()
            store._sql("DELETE FROM Cache WHERE rowid = ?", (rowid,))
            if rows and rows[0][0] is not None:
                store.disk.remove(rows[0][0])  # `_disk_class` removes only this cache's entry files
            dropped += 1
        return dropped

    def get_raw(self, key: str) -> bytes | None:
        """The stored bytes as they are (unverified), or None if absent or dangling."""
        return cast("bytes | None", self.store.get(key))  # diskcache ships no type hints

    def stored_at(self, key: str) -> float | None:
        """When this cache stored the entry (Unix seconds), None if unknown (written by narrate < 0.2)."""
        found = self.store.get(key, default=None, tag=True)
        if not isinstance(found, tuple):
            return None
        tag = found[1]
        return float(tag) if isinstance(tag, (int, float)) else None

    def put(self, key: str, result: SynthesisResult, meta: dict[str, Any]) -> None:
        self.put_raw(key, encode_entry(result, meta))

    def put_raw(self, key: str, blob: bytes) -> None:
        # Only whole, committed transactions become visible: a killed build leaves no partial entry.
        # The tag is the local store time, which `cache prune` compares with when it read the manifests.
        _set(self.store, key, blob)

    def remember_level(self, key: str, name: str, level: tuple[float, float]) -> None:
        """Keep a segment's measured level in its entry (`entry.with_level`), so no render measures it again."""
        blob = self.get_raw(key)
        if blob is not None:  # a rewrite of a stored entry, not a new one: no store of its own is counted
            _set(self.store, key, with_level(blob, name, level))

    def delete(self, key: str) -> bool:
        return bool(self.store.delete(key))

    def keys(self) -> Iterator[str]:
        """Every segment key in the index. A row whose key narrate never writes (pickled: never loaded,
        or bytes, a number) is skipped, and counted in `warnings` once the listing ends."""
        skipped = 0
        for key in self.store:
            if type(key) is str:
                yield key
            else:
                skipped += 1
        self._foreign = skipped

    def _heal(self, key: str, why: str) -> None:
        self.store.delete(key)
        with self._lock:
            self._healed.append((key, why))

    @property
    def healed(self) -> list[tuple[str, str]]:
        """(key, reason) of every entry dropped while open because it was dangling or did not verify."""
        return list(self._healed)

    @property
    def warnings(self) -> list[str]:
        lines = list(self._notes)
        if self._foreign:
            lines.append(f"{self.index_path}: {self._foreign} index rows with keys narrate never writes (pickled, "
                         f"never loaded) were skipped; narrate cache verify --drop removes them")
        healed = self._healed
        for key, why in healed[:HEAL_LINES]:
            lines.append(f"cache entry {key[:12]} dropped, it will be synthesized again: {why}")
        if len(healed) > HEAL_LINES:
            lines.append(f"{len(healed) - HEAL_LINES} more cache entries were missing or corrupt "
                         f"and will be synthesized again")
        return lines

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _set(store: Any, key: str, blob: bytes) -> None:
    """Store one entry, tagged with the local time (a file of its own from diskcache's file size on,
    written in one call by `_disk_class`)."""
    store.set(key, blob, tag=time.time())


def _write_all(fd: int, data: bytes) -> None:
    """os.write until all of `data` is written (a write may take part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _own_folders(folder: Path) -> list[Path]:
    """The two-hex-digit subfolders of `folder` that are folders, not links, sorted."""
    try:
        with os.scandir(folder) as found:
            return sorted(Path(e.path) for e in found if _HEX2.fullmatch(e.name) and e.is_dir(follow_symlinks=False))
    except OSError:
        return []


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
            if not os.path.realpath(full).startswith(_real_folder(self._directory) + os.sep):
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
            try:
                self._entry_path(file_path)
            except OSError:
                return  # not ours to delete
            super().remove(file_path)

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
            try:
                fd = os.open(full, flags, 0o644)
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
                fd = os.open(full, flags, 0o644)
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


def _derived_key(blob: bytes) -> str | None:
    """The key an orphaned entry file re-derives to (from its own key material), if it verifies."""
    import json

    from .entry import key_from

    head = blob.partition(b"\n")[0]
    try:
        meta = json.loads(head)
        key = key_from(str(meta["key_head"]).encode("utf-8"), str(meta["text"]))
        check_entry(key, blob)
    except (ValueError, KeyError, TypeError, CacheError):
        return None
    return key
