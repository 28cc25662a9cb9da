"""Prompt files written atomically and durably, with one flush to disk per batch instead of per file.

DESIGN.md invariant 3: an output appears whole or not at all, after its bytes are on disk (temp file
in the same folder, fsync, rename). An fsync per file cost 2-3 ms of wall time each on this ext4
disk, two files a prompt: more than the engine's own synthesis. Here each file is written to its temp
file at once, and a background thread makes a batch durable with one syncfs(2) per filesystem
(every file of the batch, and anything else dirty there, reaches the disk), then renames the batch's
files into place and runs their callbacks. Where syncfs does not exist, the thread fsyncs each file.
The guarantee is the same: no file is renamed into place before its bytes are on disk; a killed
build leaves only narrate's own temp files, which the next build removes (fsutil.remove_stale_temps).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .. import fsutil

BATCH_FILES = 256  # files per flush: one syncfs per ~128 prompts of two formats


def _syncfs() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
    return fn  # type: ignore[no-any-return]


_SYNCFS = _syncfs()


class Outbox:
    """Files to publish; `put` from any thread, `close` once at the end (waits for the last batch).

    `on_error(exc, folder)` is called once, from the flushing thread, for the first OSError while
    flushing; that batch's files and every later one are then removed, never published."""

    def __init__(self, on_error: Callable[[OSError, Path], None]) -> None:
        self.on_error = on_error
        self.failed = False
        self._lock = threading.Lock()
        self._batch: list[tuple[Path, Path, Callable[[], None] | None]] = []
        self._files = 0
        self._flusher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="narrate-flush")
        self._flushes: list[Future] = []

    def put(self, path: Path, data: bytes, *, within: Path) -> tuple[bool, Path | None]:
        """Queue `data` for `path` (inside `within`) unless the file holds these bytes already.
        Returns (changed, temp file or None). Raises OutputPathError if the path leaves `within`,
        OSError if the temp file cannot be written (a full disk: nothing is queued)."""
        from ..package.prompt_files import holds_bytes, write_temp

        target = fsutil.output_path(within, path)
        if holds_bytes(str(target), data):
            return False, None
        tmp = Path(write_temp(target.parent, data, None))
        return True, self._queue(tmp, target)

    def put_temp(self, tmp: Path, target: Path) -> None:
        """Queue a temp file written elsewhere (a render worker: package.prompt_files) for `target`, a
        path already checked with fsutil.output_path, in the same folder. Published like `put`'s."""
        self._queue(tmp, target)

    def _queue(self, tmp: Path, target: Path) -> Path:
        with self._lock:
            self._batch.append((tmp, target, None))
            self._files += 1  # files in the batch (callbacks are not counted)
        return tmp

    def then(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the files queued so far by this caller are published (after the batch
        that holds the last of them). Queued after them, so it runs after their rename."""
        with self._lock:
            self._batch.append((Path(), Path(), callback))
            batch = self._take() if self._files >= BATCH_FILES else None
        if batch:
            self._flushes.append(self._flusher.submit(self._flush, batch))

    def _take(self) -> list[tuple[Path, Path, Callable[[], None] | None]]:
        batch, self._batch, self._files = self._batch, [], 0
        return batch

    def close(self) -> None:
        """Publish what is left and wait for every flush."""
        with self._lock:
            batch = self._take()
        if batch:
            self._flushes.append(self._flusher.submit(self._flush, batch))
        self._flusher.shutdown(wait=True)
        for fut in self._flushes:
            fut.result()  # _flush reports OSError through on_error; anything else is a bug: raise it

    def discard(self) -> None:
        """Drop what is queued (the build stops): temp files are removed, nothing is published."""
        with self._lock:
            batch = self._take()
        for tmp, _, callback in batch:
            if callback is None:
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def _flush(self, batch: list[tuple[Path, Path, Callable[[], None] | None]]) -> None:
        files = [(tmp, target) for tmp, target, cb in batch if cb is None]
        if self.failed:
            self._remove(files)
            return
        try:
            _make_durable([tmp for tmp, _ in files])
            for tmp, target in files:
                fsutil.commit(tmp, target)
        except OSError as exc:
            self.failed = True
            self._remove(files)
            self.on_error(exc, files[0][1].parent if files else Path("."))
            return
        for _, _, callback in batch:
            if callback is not None:
                callback()

    @staticmethod
    def _remove(files: list[tuple[Path, Path]]) -> None:
        for tmp, _ in files:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _make_durable(files: list[Path]) -> None:
    """Every file's bytes on disk: one syncfs per filesystem where it exists, else fsync each."""
    if _SYNCFS is not None:
        devices: dict[int, Path] = {}
        for path in files:
            devices.setdefault(os.stat(path.parent).st_dev, path)
        for path in devices.values():
            fd = os.open(path, os.O_RDONLY)
            try:
                if _SYNCFS(fd) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, os.strerror(err), str(path))
            finally:
                os.close(fd)
        return
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
