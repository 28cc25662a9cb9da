"""Claims across processes: a lease per segment key, and one publish lock per project folder.

Both are `flock(2)` locks, so the kernel gives them up when their holder dies (SIGKILL included):
there is no stale lease to time out, and no pid file to trust. Linux and macOS only (fcntl).

- `SegmentLeases`: before a build requests a segment it claims `<cache>/leases/<key>.lock`. Another
  build that finds the claim taken waits for the result instead of paying for it again (DESIGN.md
  2.2, "pay once ... across machines that share the cache" — on one machine, at least).
- `PublishLock`: rendering, writing outputs and writing `narrate.lock` for manifests in one folder
  happen one build at a time, so the last writer's lock describes exactly the files on disk. It
  locks the folder itself (an fd on the directory), so no file is added beside the manifest and
  builds that use different caches still exclude each other.

A lease file is unlinked by its holder before it is unlocked; a claimer that locked a file which
has meanwhile been unlinked (or replaced) sees another inode at the path and tries again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from pathlib import Path
from typing import Self

from ..errors import LeaseError

LEASE_DIR = "leases"
_SAFE_KEY = re.compile(r"[0-9a-f]{8,128}")


def _try_flock(path: Path, flags: int) -> int | None:
    """Open `path` and take an exclusive flock without blocking: the fd, or None if another holds it."""
    fd = os.open(path, flags | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


class Lease:
    """One held claim on a segment key. `release()` is idempotent."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Unlink the lease file, then unlock it (in that order: see the module docstring)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):  # already gone, or a read-only folder: the unlock below is what matters
            os.unlink(self.path)
        os.close(self._fd)  # closing the last fd of the open file drops the flock
        self._fd = None


class SegmentLeases:
    """Leases on segment keys in `<cache_dir>/leases/`.

    Raises OSError (from the constructor) when the folder cannot be created: the cache is not
    writable, and the caller should stop before requesting anything.
    """

    def __init__(self, cache_dir: Path) -> None:
        self.directory = Path(cache_dir) / LEASE_DIR
        self.directory.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        if not _SAFE_KEY.fullmatch(key):  # keys are sha256 hex; anything else must not become a path
            raise ValueError(f"not a segment key: {key[:20]!r}")
        return self.directory / f"{key}.lock"

    def try_claim(self, key: str) -> Lease | None:
        """The lease on `key`, or None if another process (or another claim here) holds it. Never blocks.

        Raises OSError if the lease file cannot be created (read-only or full cache folder).
        """
        path = self.path_for(key)
        for _ in range(16):  # each retry means the holder released between our open and our lock
            fd = _try_flock(path, os.O_RDWR | os.O_CREAT)
            if fd is None:
                return None
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return Lease(path, fd)
            os.close(fd)
        return None


class PublishLock:
    """An exclusive flock on a folder (the manifest's), taken for the render/publish/lock phase.

    Use as a context manager; `try_acquire()` never blocks, `acquire(timeout_s)` polls up to the
    bound and raises LeaseError after it. Leaving the context releases the lock if held.
    """

    POLL_S = 0.05

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self._fd = _try_flock(self.folder, os.O_RDONLY)
        return self._fd is not None

    def acquire(self, timeout_s: float) -> None:
        """Wait (bounded) for another build of this folder to finish publishing."""
        deadline = time.monotonic() + timeout_s
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                raise LeaseError(f"another narrate build has been writing the outputs of {self.folder} for over "
                                 f"{timeout_s:.0f} s; nothing was written by this one",
                                 hint="wait for it to finish, then build again")
            time.sleep(self.POLL_S)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
