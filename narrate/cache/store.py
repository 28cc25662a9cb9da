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
from .disk import MAX_ENTRY_BYTES, _disk_class, refused_row
from .entry import CachedSegment, check_entry, decode_entry, encode_entry, with_level

__all__ = ["MAX_ENTRY_BYTES", "CachedSegment", "SegmentCache", "decode_entry", "encode_entry"]

INDEX_NAME = "cache.db"
# Written by diskcache for values of 32 KiB and more, under two levels of two-hex-digit folders.
ENTRY_FILE_GLOB = "[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*.val"
_HEX2 = re.compile(r"[0-9a-f]{2}")
# An orphaned entry file younger than this may belong to a write still in flight in another
# process (diskcache writes the file, then commits the row): it is copied, never removed.
ORPHAN_MIN_AGE_S = 60.0
# Entries under 32 KiB sit in cache.db's rows, so diskcache's default 64 MiB memory map and 32 MiB
# page cache grew every reader by the index's size (a 10,000-sentence book: 130 MB against 79 MB).
# Reads go through SQLite's page cache instead, of this many pages (4 KiB each: 4 MiB).
SQLITE_CACHE_PAGES = 1024
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
        settings = {**DEFAULT_SETTINGS, "eviction_policy": "none", "size_limit": 2**62, "cull_limit": 0,
                    "sqlite_mmap_size": 0, "sqlite_cache_size": SQLITE_CACHE_PAGES}
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
        if blob is None and key in self.store:
            # Listed but unreadable: dangling, or replaced as it was read (another build stored the key
            # again and removed the old entry file; local engines' segments take no lease). Read once
            # more before dropping it: a replaced entry reads whole now.
            blob = self.store.get(key)
            if blob is None:
                self._heal(key, self.why_unreadable(key))
        if blob is None:
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
        return (refused_row(*rows[0]) if rows else None) or gone

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


def _own_folders(folder: Path) -> list[Path]:
    """The two-hex-digit subfolders of `folder` that are folders, not links, sorted."""
    try:
        with os.scandir(folder) as found:
            return sorted(Path(e.path) for e in found if _HEX2.fullmatch(e.name) and e.is_dir(follow_symlinks=False))
    except OSError:
        return []


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
