"""A writer that hashes what it puts in a file, so that a book file's sha256 (its lock record) needs no
reading back: the whole-book MP3 is ~850 MB for ten hours, and hashing runs on the join's worker
thread, beside the other joins, instead of after them all."""

from __future__ import annotations

import hashlib
import mmap
import os

from ..fsutil import copy_range, write_all


class HashedWriter:
    """Writes to the open file descriptor `fd` at its position and feeds a sha256 every byte, in file
    order: `start`, the bytes already in the file before it (an append), then each `write` and `copy`."""

    def __init__(self, fd: int, start: bytes = b"") -> None:
        self.fd = fd
        self._hash = hashlib.sha256(start)

    def write(self, data: bytes | memoryview) -> None:
        write_all(self.fd, data)
        self._hash.update(data)

    def copy(self, src: int, offset: int, count: int) -> int:
        """copy_range (in the kernel where it can), then hash the bytes copied from the source's pages
        (mapped: no copy through this process). Returns the bytes copied."""
        done = copy_range(src, self.fd, offset, count)
        if done:
            with mmap.mmap(src, offset + done, access=mmap.ACCESS_READ) as mapped:
                view = memoryview(mapped)
                try:
                    self._hash.update(view[offset:offset + done])
                finally:
                    view.release()
        return done

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def existing_bytes(fd: int) -> bytes:
    """All of the (small) file open at `fd`, from its start: what an append's hash begins with."""
    size = os.fstat(fd).st_size
    data = os.pread(fd, size, 0)
    if len(data) != size:
        raise OSError(f"short read of {size} bytes")
    return data
