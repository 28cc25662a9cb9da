"""Files narrate writes: atomic, inside their own folder, never through a link, and recognisable.

- Atomic (DESIGN.md invariant 3): write a temp file in the same folder, fsync, rename.
- Contained (invariant 8): every output path is checked by `output_path` against the folder it
  belongs to before anything is written. The folder itself is taken as given, already resolved
  (the manifest resolves each declared output folder once, so a folder the user made a symlink
  is followed at its root); below it, no `..` and no symlink may lead out. A symlink standing
  where an output file goes is replaced by a regular file only if it points inside the folder.
- Never someone else's: a file written where the user says (a report, an export) replaces an
  existing file only if that file is of the same kind (`replaceable.check_replaceable`).
- Recognisable: temp files and work folders are named `.narrate-tmp-<pid>-<host>-<random>[.ext]`
  and `.narrate-work-<pid>-<host>-<random>`, so a later build can remove the ones a killed build
  left (`remove_stale_temps`) and nothing else.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .errors import OutputPathError, shown

TEMP_PREFIX = ".narrate-tmp-"
WORK_PREFIX = ".narrate-work-"
# A temp file or work folder older than this belongs to no live build, whatever its host: a single
# write lasts seconds, and the longest book build measured (bench/book.py, 10 hours) minutes.
STALE_AFTER_S = 86400
_STALE_NAME = re.compile(r"\.narrate-(?P<kind>tmp|work)-(?P<pid>[0-9]+)-(?P<host>[A-Za-z0-9._-]+)"
                         r"-(?P<rand>[a-z0-9_]+)(?:\.[A-Za-z0-9]+)*")



def _host() -> str:
    import socket  # here, not at the top: the no-op path never names a temp file

    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:64] or "host"


def temp_prefix(kind: str = "tmp", pid: int | None = None) -> str:
    """`.narrate-<kind>-<pid>-<host>-`: mkstemp/mkdtemp add 8 characters of [a-z0-9_]. `pid`: the
    process the file belongs to (default this one; a render worker names its build's)."""
    return f".narrate-{kind}-{pid or os.getpid()}-{_host()}-"


def make_temp(folder: Path, suffix: str = "", pid: int | None = None) -> tuple[int, Path]:
    """A new temp file in `folder` with narrate's name pattern: (open fd, path). `suffix` such as
    ".m4b" keeps an extension that ffmpeg chooses its muxer by; `pid` as in `temp_prefix`."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(pid=pid), suffix=suffix, dir=folder)
    return fd, Path(tmp)


def make_work_dir(folder: Path) -> Path:
    """A new private work folder in `folder` (same filesystem as the outputs: publishing is a rename)."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix=temp_prefix("work"), dir=folder))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def output_path(folder: Path, path: Path, *, create: bool = True) -> Path:
    """Check that `path` stays inside `folder`, and return the path to write it at.

    `folder` is an output folder as declared (absolute; symlinks in its own path are followed: it
    is the user's choice). `path` may be relative to it or absolute. Every component below
    `folder` is looked at (lstat): a symlinked subfolder is followed only if it resolves inside
    `folder`, and the returned path goes through no link. With `create`, missing subfolders are
    made, only after the part above them was checked. The last component may be missing, a
    regular file, or a symlink that resolves inside `folder` (os.replace then replaces the link
    itself, never its target).

    Raises OutputPathError (naming the path) if `path` leaves `folder` by `..`, an absolute path
    or a symlink, or if a folder, a device or a FIFO stands where the file should be.
    """
    base = os.path.abspath(folder)
    full = os.path.normpath(os.path.join(base, path))
    if not _inside(full, base) or full == base:
        raise OutputPathError(f"{shown(path)}: outside the output folder {shown(folder)}; nothing written there")
    parts = full[len(base.rstrip(os.sep)) + 1:].split(os.sep)  # strings, not Path: this runs per output file
    current = base
    real_base: str | None = None
    for i, part in enumerate(parts):
        nxt = os.path.join(current, part)
        last = i == len(parts) - 1
        try:
            st = os.lstat(nxt)
        except FileNotFoundError:
            rest = os.path.join(current, *parts[i:])
            if create and (not last or current == base):  # the output folder itself may not exist yet
                os.makedirs(os.path.dirname(rest), exist_ok=True)  # under `current`, which was checked
            return Path(rest)
        if stat.S_ISLNK(st.st_mode):
            real_base = real_base or os.path.realpath(base)
            target = os.path.realpath(nxt)
            if not _inside(target, real_base) or target == real_base:
                raise OutputPathError(f"{shown(full)}: {shown(nxt)} is a symlink to {shown(target)}, outside the "
                                      f"output folder {shown(folder)}; nothing written there")
            if last:
                if os.path.isdir(target):
                    raise OutputPathError(f"{shown(full)}: a symlink to a folder stands where the file goes")
                return Path(nxt)  # a link inside: replaced by the file, its target left alone
            current = target
            continue
        if last:
            if not stat.S_ISREG(st.st_mode):
                what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
                raise OutputPathError(f"{shown(full)}: {what} stands where an output file goes; nothing written")
            return Path(nxt)
        if not stat.S_ISDIR(st.st_mode):
            raise OutputPathError(f"{shown(full)}: {shown(nxt)} is not a folder")
        current = nxt
    raise AssertionError("unreachable")  # pragma: no cover - parts is never empty


def regular_file_inside(path: Path, folders: list[Path]) -> bool:
    """True if `path` is a regular file (not a link, FIFO or device) whose real location is inside
    one of `folders`: the test for reading a file an untrusted record (the lock) names."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return False
    return any(_inside(real, os.path.realpath(f)) for f in folders)


def commit(tmp: Path, path: Path, mode: int = 0o644) -> None:
    """Move a finished, fsynced temp file over `path` (same folder): `mode`, 0644 unless told (mkstemp
    makes 0600), then one rename, which replaces a symlink itself, never what it points to."""
    os.chmod(tmp, mode)
    os.replace(tmp, path)


@contextmanager
def atomic_writer(path: Path, *, within: Path | None = None, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A binary file whose bytes appear at `path` whole or not at all (DESIGN.md invariant 3).

    Writes go to narrate's temp file beside `path`; when the block ends without an exception the
    file is flushed, fsynced and renamed over `path`, else it is removed and `path` is untouched.
    `within` is the output folder `path` must stay inside (see `output_path`); None means the
    file's own folder; `mode` the file's permissions. Raises OutputPathError before anything is
    written if the path leaves it.
    """
    if within is None:
        path = Path(os.path.abspath(path))  # else a relative path would count twice: within, then path
        within = path.parent
        Path(within).mkdir(parents=True, exist_ok=True)
    target = output_path(within, path)
    fd, tmp = make_temp(target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        commit(tmp, target, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes, *, within: Path | None = None, mode: int = 0o644) -> None:
    """Write `data` to `path` whole or not at all (see `atomic_writer`), with permissions `mode`.
    Raises OutputPathError if the path leaves `within`; OSError as the OS gives it."""
    with atomic_writer(path, within=within, mode=mode) as fh:
        fh.write(data)


def publish(tmp: Path, path: Path, *, within: Path, tmp_sha256: str) -> bool:
    """Move a finished temp file (same filesystem) to `path` inside `within`, unless the same
    bytes are already there (then `tmp` is removed and the old file's mtime stays). True if moved.
    `tmp_sha256`: the temp file's digest, which the caller has (a book file is hundreds of MB)."""
    target = output_path(within, path)
    if holds_file(target, tmp.stat().st_size, tmp_sha256):
        tmp.unlink()
        return False
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    commit(tmp, target)
    return True


def holds_file(path: Path, size: int, sha256: str) -> bool:
    """True if `path` is a regular file (not a link) of `size` bytes with this sha256 (hashed only when
    the type and size agree)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size == size and sha256_file(path) == sha256


def read_regular(path: Path | str, limit: int, *, follow: bool = False) -> bytes | None:
    """The bytes of `path` if it is a regular file (not a link, FIFO or folder) of at most `limit`
    bytes, else None; for state narrate keeps for itself, which it never trusts to be well-formed.
    Never blocks (O_NONBLOCK: a FIFO put in its place) and never follows a link (`follow`: a link to
    a regular file is read, as a project's inputs may be)."""
    nofollow = 0 if follow else getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, os.O_RDONLY | nofollow | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


Signature = tuple[int, int, int, int]  # a file's (size, mtime_ns, ctime_ns, inode): `signature`


def signature(st: os.stat_result) -> Signature:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def write_if_changed(path: Path, data: bytes, *, within: Path | None = None,
                     was: tuple[bytes, Signature] | None = None) -> bool:
    """Write `data` atomically unless the file already holds exactly these bytes (its mtime then
    stays). `within` as for `write_atomic`; the check comes before anything is read. `was`: the
    file's bytes as the caller read them and its signature then; while the file still has that
    whole signature (a rewrite changes its ctime, which no user call sets back), those bytes are
    compared instead of reading the file again (the lock and index.json: tens of MB)."""
    if within is None:
        path = Path(os.path.abspath(path))  # else a relative path would count twice: within, then path
        within = path.parent
        Path(within).mkdir(parents=True, exist_ok=True)
    target = output_path(within, path)
    try:
        st = os.lstat(target)
        if stat.S_ISREG(st.st_mode) and st.st_size == len(data):
            old = was[0] if was is not None and was[1] == signature(st) else target.read_bytes()
            if old == data:
                return False
    except FileNotFoundError:
        pass
    write_atomic(target, data, within=within)
    return True


def remove_and_prune(path: Path, stop: Path) -> bool:
    """Delete a file, then any directories it leaves empty, up to (not including) `stop`."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    parent = path.parent
    while parent != stop and stop in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return True


def is_stale_temp(path: Path, *, now: float | None = None) -> bool:
    """True if `path` is a temp file or work folder of a narrate process that is gone: its full
    name matches narrate's pattern and it is the right kind (a regular file for tmp, a real folder
    for work), and either its pid is not alive on this host or it is older than STALE_AFTER_S
    (another host's, or a reused pid)."""
    m = _STALE_NAME.fullmatch(path.name)
    if m is None:
        return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    kind_ok = stat.S_ISREG(st.st_mode) if m["kind"] == "tmp" else stat.S_ISDIR(st.st_mode)
    if not kind_ok:
        return False
    if (now or time.time()) - st.st_mtime > STALE_AFTER_S:
        return True
    return m["host"] == _host() and not _alive(int(m["pid"]))


def remove_stale_temps(folder: Path, *, recursive: bool = True) -> list[Path]:
    """Remove what killed narrate builds left in `folder` (and its subfolders, never through a
    symlink): temp files and work folders that `is_stale_temp` recognises; nothing else.
    Returns what was removed."""
    removed: list[Path] = []
    now = time.time()
    for here, dirs, files in os.walk(folder):
        for name in [*files, *dirs]:
            if not name.startswith((TEMP_PREFIX, WORK_PREFIX)):
                continue
            path = Path(here, name)
            if not is_stale_temp(path, now=now):
                continue
            if name.startswith(WORK_PREFIX):
                import shutil

                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
        if not recursive:
            break
        dirs[:] = [d for d in dirs if not d.startswith((TEMP_PREFIX, WORK_PREFIX))]  # live work is private
    return removed


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write all of `data` to the file descriptor `fd` (os.write may write less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def copy_range(src: int, dst: int, offset: int, count: int) -> int:
    """Copy `count` bytes of the file descriptor `src` from `offset` to `dst` at its position: in the
    kernel where it can (copy_file_range: no pass through this process, a reflink on filesystems
    that have them), else 1 MiB at a time. Returns the bytes copied: fewer only if `src` ends first."""
    done = 0
    try:
        while done < count and (n := os.copy_file_range(src, dst, count - done, offset + done)):
            done += n
        return done
    except AttributeError:
        pass  # not Linux
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
            raise
    while done < count and (block := os.pread(src, min(count - done, 1 << 20), offset + done)):
        write_all(dst, block)
        done += len(block)
    return done


def failed_write(exc: BaseException) -> tuple[str, bool]:
    """(the OS's words for a failed write, whether the disk or quota is full), never a traceback."""
    import sqlite3  # here: the no-op fast path imports this module

    if isinstance(exc, OSError):
        return (os.strerror(exc.errno) if exc.errno else str(exc)), exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(exc, sqlite3.Error):  # diskcache keeps small entries in SQLite
        return str(exc), "full" in str(exc)
    return f"{type(exc).__name__}: {exc}", False
