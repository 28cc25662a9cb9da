"""Keep freed memory in the process instead of handing it back to the OS after every prompt.

Rendering a prompt makes a dozen temporary arrays of a few hundred KB. glibc's malloc serves blocks
that large with mmap, or trims the heap top when they are freed, so every prompt faulted its pages in
afresh: measured in a worker, the P.56 meter took 2.3 ms per 3.5-second prompt that way and 0.9 ms
with the thresholds raised (the same arithmetic; page faults are dear in a virtual machine).
"""

from __future__ import annotations

import ctypes
import sys

# mallopt(3) parameters (glibc malloc.h): M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's own ceiling for its dynamic threshold (DEFAULT_MMAP_THRESHOLD_MAX)
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # keep up to 64 MB of free heap (glibc adjusts it to 2x the mmap one too)

_done = False
# glibc's defaults, set explicitly (which also stops its threshold from rising with each freed block).
DEFAULT_MMAP_THRESHOLD = DEFAULT_TRIM_THRESHOLD = 128 * 1024


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process (once). True if applied; False on a
    C library without mallopt (musl, macOS, Windows), where nothing changes."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        # dlopen(NULL): the symbols already loaded, libc's among them. Not ctypes.util.find_library,
        # which runs `ldconfig -p` in a subprocess (30-100 ms of every small build's wall time).
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _done


def release_freed_memory() -> None:
    """Undo `keep_freed_memory` and hand the free heap back (malloc_trim): a book assembly streams
    hundreds of MB through short-lived arrays while an ffmpeg child runs, and a kept heap of freed
    sentence arrays was ~10 MB of the process tree's peak (issue 12: the tree within 100 MB)."""
    global _done
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        mallopt, trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    _done = False
