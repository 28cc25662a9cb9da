"""The segment store: content-addressed synthesized audio on diskcache.

Paid audio is never evicted silently (eviction_policy='none'). Each entry is one bytes value
(a JSON header line, then the provider's audio bytes) so entries carry their own metadata and
checksum, and no pickle is ever loaded from a cache that may have been imported from elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import CacheError
from ..providers.base import AudioFormat, SynthesisResult

ENTRY_VERSION = 1


@dataclass(frozen=True)
class CachedSegment:
    key: str
    audio: bytes
    format: AudioFormat
    meta: dict[str, Any]


def encode_entry(result: SynthesisResult, meta: dict[str, Any]) -> bytes:
    fmt = result.format
    header = {"v": ENTRY_VERSION, "format": [fmt.container, fmt.encoding, fmt.sample_rate],
              "sha256": hashlib.sha256(result.audio).hexdigest(), "bytes": len(result.audio),
              "created": round(time.time(), 3), **meta}
    return json.dumps(header, sort_keys=True, ensure_ascii=False).encode() + b"\n" + result.audio


def decode_entry(key: str, blob: bytes) -> CachedSegment:
    """Parse and verify one stored entry. Raises CacheError if it is corrupt."""
    head, sep, audio = blob.partition(b"\n")
    if not sep:
        raise CacheError(f"cache entry {key[:12]} has no header")
    try:
        meta = json.loads(head)
        container, encoding, rate = meta["format"]
    except (ValueError, KeyError, TypeError):
        raise CacheError(f"cache entry {key[:12]} has an unreadable header") from None
    if len(audio) != meta.get("bytes") or hashlib.sha256(audio).hexdigest() != meta.get("sha256"):
        raise CacheError(f"cache entry {key[:12]} is corrupt (checksum mismatch)")
    return CachedSegment(key, audio, AudioFormat(container, encoding, int(rate)), meta)


class SegmentCache:
    """Local segment store. Safe across threads and processes (diskcache uses SQLite transactions)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._store: Any = None

    @property
    def store(self) -> Any:
        if self._store is None:
            import diskcache  # deferred: a no-op rebuild never opens the cache

            try:
                self._store = diskcache.Cache(str(self.directory), eviction_policy="none",
                                              size_limit=2**62, cull_limit=0)
            except Exception as exc:  # sqlite errors, permissions
                raise CacheError(f"cannot open cache at {self.directory}: {exc}") from None
        return self._store

    def __contains__(self, key: str) -> bool:
        return key in self.store

    def get(self, key: str) -> CachedSegment | None:
        """The verified entry, or None. A corrupt entry is dropped so it gets rebuilt, not trusted."""
        blob = self.store.get(key)
        if blob is None:
            return None
        try:
            return decode_entry(key, blob)
        except CacheError:
            self.store.delete(key)
            return None

    def missing(self, keys: list[str]) -> set[str]:
        return {k for k in keys if k not in self.store}

    def get_raw(self, key: str) -> bytes | None:
        return self.store.get(key)

    def put(self, key: str, result: SynthesisResult, meta: dict[str, Any]) -> None:
        self.put_raw(key, encode_entry(result, meta))

    def put_raw(self, key: str, blob: bytes) -> None:
        # Only whole, committed transactions become visible: a killed build leaves no partial entry.
        self.store.set(key, blob)

    def delete(self, key: str) -> bool:
        return bool(self.store.delete(key))

    def keys(self) -> Iterator[str]:
        return iter(self.store)

    def volume(self) -> int:
        return int(self.store.volume())

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
