"""Cache management: stats, verify, prune, export and import of segment entries.

Every entry carries its own checksum and the key material it was hashed from (`key_head` and
`text`), so verification re-derives each key (`entry.check_entry`): a corrupt, mislabelled or
stripped entry (a poisoned import, a flipped bit) is found and never trusted. Nothing here plans
a manifest: the caller passes the keys to keep.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from ..errors import CacheError, UsageError, shown
from ..fsutil import atomic_writer
from .entry import KEY_RE, check_entry, decode_entry, without_levels
from .store import MAX_ENTRY_BYTES, SegmentCache

EXPORT_PREFIX = "segments/"
# What a damaged archive raises while it is read: tar structure, gzip/bzip2/xz streams, short reads.
_ARCHIVE_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError, ValueError)

__all__ = ["check_entry", "cache_stats", "verify_cache", "prune_cache", "export_cache", "import_cache",
           "referenced_keys"]


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
    newer: int = 0  # unreferenced but stored after the manifests were read: kept
    dangling: int = 0  # listed in the index, file gone: dropped with the others


@dataclass
class ImportReport:
    imported: int = 0
    already: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (member name, reason)



def referenced_keys(key_sets: Iterable[Iterable[str]]) -> set[str]:
    """The union of the segment keys each manifest's plan uses (prompts and book sentences)."""
    keys: set[str] = set()
    for part in key_sets:
        keys.update(part)
    return keys


# What a field of an entry's header may hold to be counted by `cache_stats`: anything else was not
# written by narrate (tampered, or another tool's) and is left out of the totals with a warning.
MAX_ENTRY_CHARS = 10_000_000  # far over any provider's per-request limit
LATEST_TIME = 253_402_300_799  # 9999-12-31, the last second a UTC date prints
MAX_NAME = 100


def _field(meta: dict[str, object], key: str, name: str, problems: list[str]) -> object:
    """The header field `name` if it has the shape narrate writes, else None (and a located line in
    `problems`): chars a count, created a time in Unix seconds, provider a short name."""
    if name not in meta:
        return None
    value = meta[name]
    if name == "chars":
        ok = type(value) is int and 0 <= value <= MAX_ENTRY_CHARS
        what = f"a character count (0 to {MAX_ENTRY_CHARS:,})"
    elif name == "created":
        ok = isinstance(value, (int, float)) and type(value) is not bool and 0 <= value <= LATEST_TIME  # not NaN
        what = "a time in Unix seconds"
    else:
        ok = type(value) is str and 0 < len(value) <= MAX_NAME and value.isprintable()
        what = f"a provider name of at most {MAX_NAME} characters"
    if ok:
        return value
    problems.append(f"cache entry {key[:12]}: {name!r} is {shown(repr(value), limit=40)}, not {what}: "
                    "left out of the totals")
    return None


def cache_stats(cache: SegmentCache) -> dict[str, object]:
    """Entries, bytes, characters per provider, oldest/newest entry time (Unix seconds), and how
    many entries are corrupt or dangling (not counted elsewhere; `verify_cache` names them).
    "problems": one line per header field that is not what narrate writes, left out of the totals."""
    entries = corrupt = chars = 0
    total = 0
    by_provider: dict[str, dict[str, int]] = {}
    oldest = newest = None
    problems: list[str] = []
    for key in cache.keys():
        blob = cache.get_raw(key)
        if blob is None:
            corrupt += key in cache  # dangling: listed, file gone
            continue
        try:
            entry = decode_entry(key, blob)
        except CacheError:
            corrupt += 1
            continue
        entries += 1
        count = cast(int, _field(entry.meta, key, "chars", problems) or 0)
        chars += count
        total += len(blob)
        provider = cast("str | None", _field(entry.meta, key, "provider", problems)) or "?"
        prov = by_provider.setdefault(provider, {"entries": 0, "chars": 0, "bytes": 0})
        prov["entries"] += 1
        prov["chars"] += count
        prov["bytes"] += len(entry.audio)
        created = cast("float | None", _field(entry.meta, key, "created", problems))
        if created is not None:
            oldest = created if oldest is None else min(oldest, created)
            newest = created if newest is None else max(newest, created)
    return {"directory": str(cache.directory), "entries": entries, "bytes": total, "chars": chars,
            "by_provider": by_provider, "oldest": oldest, "newest": newest, "corrupt": corrupt,
            "problems": problems}


def verify_cache(cache: SegmentCache, *, drop: bool = False) -> VerifyReport:
    """Check every entry (`check_entry`) and every row's file; with `drop`, delete what fails, and put
    entry files the index lost back into it (each re-derives its key first)."""
    report = VerifyReport()
    for key in list(cache.keys()):
        blob = cache.get_raw(key)
        if blob is None:
            if key not in cache:
                continue  # deleted meanwhile by another process
            report.checked += 1
            report.corrupt.append((key, cache.why_unreadable(key, "entry file missing, or not a regular file of this cache")))
        else:
            report.checked += 1
            try:
                check_entry(key, blob)
                continue
            except CacheError as exc:
                report.corrupt.append((key, exc.message))
        if drop and cache.delete(key):
            report.dropped += 1
    foreign = cache.foreign_rows()
    report.checked += len(foreign)
    report.corrupt += [(f"row {rowid}", "its key is pickled or not text (narrate writes text keys only): "
                                        "never loaded") for rowid in foreign]
    if drop:
        report.dropped += cache.drop_foreign_rows()
        cache.recover_files()
    return report


def prune_cache(cache: SegmentCache, keep: set[str], *, dry_run: bool = True,
                read_at: float | None = None) -> PruneReport:
    """Drop the entries not in `keep`. `read_at` (Unix seconds) is when the manifests behind `keep`
    were read: an entry stored after it belongs to a build that ran meanwhile and is kept."""
    report = PruneReport()
    for key in list(cache.keys()):
        if key in keep:
            report.kept += 1
            continue
        stored = cache.stored_at(key)
        if read_at is not None and stored is not None and stored >= read_at:
            report.newer += 1
            continue
        blob = cache.get_raw(key)
        if blob is None:
            if key not in cache:
                continue
            report.dangling += 1
        report.unreferenced.append(key)
        report.bytes += len(blob or b"")
        if not dry_run and cache.delete(key):
            report.dropped += 1
    report.unreferenced.sort()
    return report


def export_cache(cache: SegmentCache, path: Path, keys: set[str] | None = None) -> int:
    """Write the entries that verify to one uncompressed tar (audio does not compress), sorted,
    atomically. Corrupt or dangling entries are left out: an export never spreads them."""
    chosen = sorted(k for k in cache.keys() if keys is None or k in keys)
    count = 0
    with atomic_writer(path) as fh, tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for key in chosen:
            blob = cache.get_raw(key)
            if blob is None:
                continue
            try:
                check_entry(key, blob)
            except CacheError:
                continue
            info = tarfile.TarInfo(EXPORT_PREFIX + key)
            info.size, info.mode, info.mtime = len(blob), 0o644, 0
            tar.addfile(info, io.BytesIO(blob))
            count += 1
    return count


def import_cache(cache: SegmentCache, path: Path) -> ImportReport:
    """Import entries exported elsewhere, all or nothing.

    The whole archive is read and every member checked first (`check_entry`; member names are keys,
    never paths; nothing is extracted, executed or unpickled). A truncated or damaged archive raises
    UsageError naming it, and nothing is stored. Then the entries that passed are stored; members that
    did not are listed in `rejected`.
    """
    report = ImportReport()
    accepted: dict[str, str] = {}  # member name -> key, of the members that verified
    for name, key, blob, reason in _read_members(path):
        if reason is not None:
            report.rejected.append((name, reason))
            continue
        assert blob is not None
        try:
            check_entry(key, blob)
        except CacheError as exc:
            report.rejected.append((name, exc.message))
            continue
        accepted[name] = key
    if not accepted:
        return report
    # Second pass: store. Re-checked, since the file could have changed between the two reads.
    for name, key, blob, reason in _read_members(path, only=set(accepted)):
        if reason is not None or blob is None:
            continue
        if cache.get(key) is not None:
            report.already += 1
            continue
        try:
            check_entry(key, blob)
        except CacheError as exc:
            report.rejected.append((name, exc.message))
            continue
        cache.put_raw(key, without_levels(blob))  # levels are measured here, never taken on trust
        report.imported += 1
    return report


def _read_members(path: Path, only: set[str] | None = None) -> Iterable[tuple[str, str, bytes | None, str | None]]:
    """(member name, key, bytes or None, reason it is refused or None) for each member of the archive.
    Raises UsageError naming the archive if it cannot be read to its end, or is no regular file (a
    FIFO or /dev/zero would never end)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise UsageError(f"{path}: not a narrate cache export (not a regular file)")
        tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by the caller's finally
    except _ARCHIVE_ERRORS as exc:
        why = "not a tar archive" if isinstance(exc, tarfile.ReadError) else _why(exc)
        raise UsageError(f"{path}: not a narrate cache export ({why})") from None
    with tar:
        try:
            for member in tar:
                name = member.name
                if only is not None and name not in only:
                    continue
                key = name[len(EXPORT_PREFIX):] if name.startswith(EXPORT_PREFIX) else ""
                if not member.isfile() or not KEY_RE.match(key):
                    yield shown(name, limit=120), key, None, "not a segment entry"
                    continue
                if member.size > MAX_ENTRY_BYTES:
                    yield name, key, None, "entry too large"
                    continue
                handle = tar.extractfile(member)
                blob = handle.read() if handle else b""
                if len(blob) != member.size:
                    raise EOFError(f"member {name} is cut short")
                yield name, key, blob, None
            # tarfile stops quietly at a missing header, so an archive cut at a member boundary reads
            # as a shorter one: every archive ends with two zero blocks (POSIX.1-2001 ustar), check them.
            assert tar.fileobj is not None
            tar.fileobj.seek(tar.offset)
            if tar.fileobj.read(2 * tarfile.BLOCKSIZE) != bytes(2 * tarfile.BLOCKSIZE):
                raise EOFError("no end-of-archive marker: the file is cut short")
        except _ARCHIVE_ERRORS as exc:
            raise UsageError(f"{path}: damaged or truncated cache export ({_why(exc)}); nothing was imported",
                             hint="export it again") from None


def _why(exc: BaseException) -> str:
    return shown(str(exc) or type(exc).__name__, limit=160)
