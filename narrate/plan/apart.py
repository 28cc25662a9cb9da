"""Run the text front-end's work in a short-lived child process and keep only its results.

A book's chapters are read (Markdown parsed, every sentence through the lexicon, the normaliser and
the splitter) before they are assembled beside ffmpeg children. Read in the build's own process,
that work's modules and its heap (~10 MB on a 1-hour book, the heap freed but fragmented: glibc and
pymalloc keep it) stayed resident through every encode, where the process tree peaks (issue 12:
narrate and its ffmpeg within 100 MB). A forked child does the reading and sends back the readings
(plain text, flags and numbers, pickled through a pipe); its memory goes when it exits.

Only a saving of memory: where no child can be forked (not Linux, or other threads running, whose
locks a child could inherit held) or it fails in any way, the caller reads in its own process, which
gives the same readings and raises the same errors. Not on macOS: its system frameworks are not safe
in a forked child (why Python's multiprocessing spawns there), and a child hung on one would hang
the build.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """A child can be forked safely: Linux, and no other thread (one could hold a lock, of the allocator
    or of logging, that the child would inherit held and wait on for ever)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def run_apart(calls: Sequence[Callable[[], T]]) -> list[T] | None:
    """Each of `calls` run in one forked child, their results in order; None if there is no child to
    run them in or it failed (the caller then runs them itself)."""
    if not calls or not can_fork():
        return None
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers or flushes its buffers
        code = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                pickle.dump([call() for call in calls], out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        except BaseException:  # noqa: BLE001  (any failure: the parent reads in its own process)
            pass
        finally:
            os._exit(code)
    os.close(write_end)
    done = False
    try:
        with os.fdopen(read_end, "rb") as got:
            data = got.read()
        _, status = os.waitpid(pid, 0)
        done = True
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        return list(pickle.loads(data))
    finally:
        if not done:  # interrupted (Ctrl-C): the child goes too
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
