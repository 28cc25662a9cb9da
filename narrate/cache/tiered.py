"""The local cache in front of a shared remote store (`remote.RemoteStore`): read-through,
write-through, and `push_to_remote` for what a build could not write through.

An entry read from the remote is checked against its key (re-derived from the entry's own key
material) and its checksum before it reaches the local tier (`entry.check_entry`). A remote that
fails is given up for the rest of the run with one warning; the build carries on locally.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Self

from ..errors import CacheError, RemoteCacheError
from ..fsutil import failed_write
from .entry import check_entry, encode_entry, without_levels
from .remote import WORKERS, EntryRejected, RemoteStore
from .store import CachedSegment, SegmentCache

__all__ = ["TieredCache", "PushReport", "push_to_remote"]

log = logging.getLogger("narrate.remote")


class TieredCache:
    """The local cache in front of a remote store: read-through, write-through.

    Same interface as SegmentCache for build and synth. A remote failure never loses local work:
    it is logged once as a warning, the build carries on with the local tier alone (`warnings`
    says so), and `push_to_remote` uploads what the remote missed later.
    """

    def __init__(self, local: SegmentCache, remote: RemoteStore) -> None:
        self.local, self.remote = local, remote
        self.directory = local.directory
        self._warnings: list[str] = []
        self._remote_ok = True
        self._failure: str | None = None  # why the remote was given up
        self._in_remote: set[str] = set()  # keys this run fetched from the remote or wrote to it
        self._lock = threading.Lock()
        # A shard's cache: a write that does not reach the remote raises RemoteCacheError (after the
        # local store), so that synthesis stops spending (its audio could not reach the assembler).
        self.required = False
        if remote.unavailable is not None:  # could not be opened (a missing file:// folder): say so once, now
            self._remote_failed(remote.unavailable)

    @property
    def warnings(self) -> list[str]:
        """One line per problem: the remote given up (once), remote entries rejected, local repairs."""
        return self.local.warnings + self._warnings

    @property
    def remote_ok(self) -> bool:
        """False once the remote has been given up for this run."""
        return self._remote_ok

    @property
    def url(self) -> str:
        return self.remote.url

    @property
    def failure(self) -> str | None:
        """Why the remote was given up for this run (None while it works)."""
        return self._failure

    def _remote_failed(self, exc: Exception) -> None:
        with self._lock:
            if self._remote_ok:
                named = "" if self.url in str(exc) else f" ({self.url})"  # `remote cache HEAD 1f2e...` names no store
                self._warnings.append(f"remote cache unavailable, continuing with the local cache: {exc}{named}")
                self._failure = exc.reason if isinstance(exc, RemoteCacheError) and exc.url == self.url else str(exc)
                log.debug("remote cache unavailable: %s", exc)
            self._remote_ok = False

    def _fetch(self, key: str) -> bool:
        """Copy a verified remote entry into the local cache. True if it is now local."""
        if not self._remote_ok:
            return False
        try:
            blob = self.remote.get(key)
        except EntryRejected as exc:  # rejected like a corrupt entry: the remote itself works
            with self._lock:
                self._warnings.append(f"remote entry {key[:12]} rejected: {exc.message}")
            return False
        except Exception as exc:  # transport errors, 5xx, 403: degrade, never fail the build
            self._remote_failed(exc)
            return False
        if blob is None:
            return False
        try:
            check_entry(key, blob)
        except CacheError as exc:
            with self._lock:
                self._warnings.append(f"remote entry {key[:12]} rejected: {exc.message}")
            return False
        try:
            self.local.put_raw(key, without_levels(blob))  # levels are measured here, never taken on trust
        except (OSError, sqlite3.Error) as exc:  # a full disk: the entry file is removed, no row is made
            reason, space = failed_write(exc)
            raise CacheError(f"cannot write the cache at {self.local.directory}: {reason} (copying entry "
                             f"{key[:12]} from the remote cache {self.url}); nothing partial was kept",
                             hint="free some space, or set NARRATE_CACHE to a folder on a larger disk"
                             if space else None) from None
        with self._lock:
            self._in_remote.add(key)
        return True

    def share(self, keys: Iterable[str], workers: int = WORKERS) -> PushReport:
        """Make sure the remote holds each of `keys` (entries of the local tier): one existence check
        each (fewer, listed, for many), and the absent ones uploaded from the local tier, verified
        first. Keys this run fetched from or wrote to the remote are not asked about again. A remote
        that fails (`PushReport.remote_error`) is given up for this run. Raises RemoteCacheError if the
        remote was already given up or its existence checks failed."""
        with self._lock:
            wanted = sorted(set(keys) - self._in_remote)
        if wanted and not self._remote_ok:
            raise RemoteCacheError(self.url, self._failure or "unavailable")
        try:
            report = push_to_remote(self.local, self.remote, wanted, workers) if wanted else PushReport()
        except Exception as exc:  # the existence checks: CacheError, RemoteSkipped
            self._remote_failed(exc)
            raise RemoteCacheError(self.url, self._failure or str(exc)) from None
        if report.remote_error is not None:
            self._remote_failed(CacheError(report.remote_error))
        return report

    def __contains__(self, key: str) -> bool:
        return key in self.local or self._fetch(key)

    def missing(self, keys: list[str], workers: int = WORKERS, fetch: bool = True) -> set[str]:
        """Keys in neither tier. The remote ones are downloaded (verified) into the local tier now,
        concurrently, since the build is about to read them; without `fetch` (a shard, which reads
        none) they are only noted as there."""
        local_missing = sorted(self.local.missing(keys))
        if not local_missing or not self._remote_ok:
            return set(local_missing)
        try:
            absent = self.remote.missing_keys(local_missing, workers)
        except Exception as exc:
            self._remote_failed(exc)
            return set(local_missing)
        if not fetch:
            with self._lock:
                self._in_remote.update(k for k in local_missing if k not in absent)
            return absent
        there = [k for k in local_missing if k not in absent]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            fetched = list(pool.map(self._fetch, there))
        return absent | {k for k, ok in zip(there, fetched, strict=True) if not ok}

    def get(self, key: str) -> CachedSegment | None:
        entry = self.local.get(key)
        if entry is None and self._fetch(key):
            entry = self.local.get(key)
        return entry

    def get_raw(self, key: str) -> bytes | None:
        blob = self.local.get_raw(key)
        if blob is None and self._fetch(key):
            blob = self.local.get_raw(key)
        return blob

    def put(self, key: str, result: Any, meta: dict[str, Any]) -> None:
        self.put_raw(key, encode_entry(result, meta))

    def put_raw(self, key: str, blob: bytes) -> None:
        """Store locally, then write through. A remote failure gives the remote up for this run; with
        `required` (a shard) it also raises RemoteCacheError, then and for every later write."""
        self.local.put_raw(key, blob)  # local first: paid audio is safe before any network
        if self._remote_ok:
            try:
                self.remote.put(key, blob)
                with self._lock:
                    self._in_remote.add(key)
                return
            except Exception as exc:
                self._remote_failed(exc)
        if self.required:
            raise RemoteCacheError(self.url, self._failure or "unavailable")

    def delete(self, key: str) -> bool:
        return self.local.delete(key)  # the shared tier is never pruned from one machine

    def keys(self) -> Iterator[str]:
        return self.local.keys()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.local.close()
        self.remote.close()


@dataclass
class PushReport:
    uploaded: int = 0
    present: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)
    remote_error: str | None = None  # the first upload the remote refused (not a local entry's fault)


def push_to_remote(local: SegmentCache, remote: RemoteStore, keys: Iterable[str] | None = None,
                   workers: int = WORKERS) -> PushReport:
    """Upload local entries the remote lacks (all of them, or `keys`): what a build could not
    write through while the remote was down. Corrupt local entries are never spread."""
    wanted = sorted(set(local.keys() if keys is None else keys))
    absent = sorted(remote.missing_keys(wanted, workers))
    report = PushReport(present=len(wanted) - len(absent))

    def upload(key: str) -> str | None:
        blob = local.get_raw(key)
        if blob is None:
            return "not in the local cache"
        try:
            check_entry(key, blob)
        except CacheError as exc:
            return exc.message
        try:
            remote.put(key, blob)
        except Exception as exc:  # CacheError from the store, RemoteSkipped once the breaker is open
            reason = exc.message if isinstance(exc, CacheError) else f"{type(exc).__name__}: {exc}"
            report.remote_error = report.remote_error or reason
            return reason
        return None

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for key, reason in zip(absent, pool.map(upload, absent), strict=True):
            if reason is None:
                report.uploaded += 1
            else:
                report.failed.append((key, reason))
    return report
