"""Cache management: stats, verify, prune, export and import of segment entries.

Every entry carries its own checksum and the key material it was hashed from (`key_head` and
`text`), so verification re-derives each key: a corrupt or mislabelled entry (a poisoned
import, a flipped bit) is found and never trusted.
"""

from __future__ import annotations

import io
import os
import re
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import CacheError, NarrateError
from ..manifest import Manifest
from ..plan import key_from
from .store import CachedSegment, SegmentCache, decode_entry

EXPORT_PREFIX = "segments/"
_KEY_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # no segment is this large; refuse rather than fill a disk


def check_entry(key: str, blob: bytes) -> CachedSegment:
    """Decode, verify the audio checksum and re-derive the key from the entry's own key material."""
    entry = decode_entry(key, blob)
    head, text = entry.meta.get("key_head"), entry.meta.get("text")
    if isinstance(head, str) and isinstance(text, str) and head:
        if key_from(head.encode(), text) != key:
            raise CacheError(f"cache entry {key[:12]} does not match its key (mislabelled or tampered)")
    return entry


@dataclass
class VerifyReport:
    checked: int = 0
    corrupt: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)
    dropped: int = 0


@dataclass
class PruneReport:
    kept: int = 0
    unreferenced: list[str] = field(default_factory=list)
    bytes: int = 0
    dropped: int = 0


@dataclass
class ImportReport:
    imported: int = 0
    already: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)


def cache_stats(cache: SegmentCache) -> dict[str, object]:
    """Entries, bytes, characters per provider, oldest/newest entry time (Unix seconds), and how
    many entries are corrupt (not counted elsewhere; `verify_cache` names them)."""
    entries = corrupt = chars = 0
    total = 0
    by_provider: dict[str, dict[str, int]] = {}
    oldest = newest = None
    for key in cache.keys():
        blob = cache.get_raw(key)
        if blob is None:
            continue
        try:
            entry = decode_entry(key, blob)
        except CacheError:
            corrupt += 1
            continue
        entries += 1
        chars += int(entry.meta.get("chars", 0) or 0)
        total += len(blob)
        prov = by_provider.setdefault(str(entry.meta.get("provider", "?")), {"entries": 0, "chars": 0, "bytes": 0})
        prov["entries"] += 1
        prov["chars"] += int(entry.meta.get("chars", 0) or 0)
        prov["bytes"] += len(entry.audio)
        created = entry.meta.get("created")
        if isinstance(created, (int, float)):
            oldest = created if oldest is None else min(oldest, created)
            newest = created if newest is None else max(newest, created)
    return {"directory": str(cache.directory), "entries": entries, "bytes": total, "chars": chars,
            "by_provider": by_provider, "oldest": oldest, "newest": newest, "corrupt": corrupt}


def verify_cache(cache: SegmentCache, *, drop: bool = False) -> VerifyReport:
    report = VerifyReport()
    for key in list(cache.keys()):
        blob = cache.get_raw(key)
        if blob is None:
            continue
        report.checked += 1
        try:
            check_entry(key, blob)
        except CacheError as exc:
            report.corrupt.append((key, exc.message))
            if drop and cache.delete(key):
                report.dropped += 1
    return report


def referenced_keys(manifests: Iterable[Manifest]) -> set[str]:
    """Every segment key the manifests use today: their prompts and their books' sentences."""
    from ..books import plan_books
    from ..build import load_lexicon, make_providers
    from ..plan import plan_manifest

    keys: set[str] = set()
    for manifest in manifests:
        providers, _ = make_providers(manifest)
        lexicon = load_lexicon(manifest)
        keys |= set(plan_manifest(manifest, providers, lexicon).segments)
        if manifest.books:
            for job in plan_books(manifest, providers, lexicon):
                keys |= set(job.keys())
    return keys


def prune_cache(cache: SegmentCache, keep: set[str], *, dry_run: bool = True) -> PruneReport:
    report = PruneReport()
    for key in list(cache.keys()):
        if key in keep:
            report.kept += 1
            continue
        blob = cache.get_raw(key)
        report.unreferenced.append(key)
        report.bytes += len(blob or b"")
        if not dry_run and cache.delete(key):
            report.dropped += 1
    report.unreferenced.sort()
    return report


def export_cache(cache: SegmentCache, path: Path, keys: set[str] | None = None) -> int:
    """Write entries to one uncompressed tar (audio does not compress), sorted, atomically."""
    chosen = sorted(k for k in cache.keys() if keys is None or k in keys)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            with tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for key in chosen:
                    blob = cache.get_raw(key)
                    if blob is None:
                        continue
                    info = tarfile.TarInfo(EXPORT_PREFIX + key)
                    info.size, info.mode, info.mtime = len(blob), 0o644, 0
                    tar.addfile(info, io.BytesIO(blob))
                    count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def import_cache(cache: SegmentCache, path: Path) -> ImportReport:
    """Import entries exported elsewhere. Each is verified before it is stored; nothing is executed
    or unpickled, and member names are keys, never paths."""
    report = ImportReport()
    try:
        tar = tarfile.open(path, mode="r:*")
    except (OSError, tarfile.TarError) as exc:
        raise NarrateError(f"{path}: not a narrate cache export ({exc})") from None
    with tar:
        for member in tar:
            name = member.name
            key = name[len(EXPORT_PREFIX):] if name.startswith(EXPORT_PREFIX) else ""
            if not member.isfile() or not _KEY_RE.match(key):
                report.rejected.append((name, "not a segment entry"))
                continue
            if member.size > MAX_ENTRY_BYTES:
                report.rejected.append((name, "entry too large"))
                continue
            if key in cache:
                report.already += 1
                continue
            handle = tar.extractfile(member)
            blob = handle.read() if handle else b""
            try:
                check_entry(key, blob)
            except CacheError as exc:
                report.rejected.append((name, exc.message))
                continue
            cache.put_raw(key, blob)
            report.imported += 1
    return report
