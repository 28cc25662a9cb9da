"""The `narrate` process: run the CLI, then leave without tearing the interpreter down.

A build of 10,000 prompts ends holding the manifest, the plan, the lock and the stat cache: a few
million objects that interpreter finalisation frees one by one (~0.15 s at 10,000 prompts, measured
on a one-edit rebuild that takes ~1 s in all). Nothing needs that: files are written and closed by
then. So, as mypy's command line does (`mypy.util.hard_exit`), the process runs the exit handlers
(log handlers, the engine pool's shutdown), flushes stdout and stderr and ends with os._exit, unless
a non-daemon thread is still running, which then gets the ordinary exit that waits for it.
"""

from __future__ import annotations

import atexit
import codecs
import contextlib
import io
import os
import sys
import threading
from typing import NoReturn

import click

from ..errors import shown
from . import main
from .app import PIPE_CLOSED_EXIT


def run() -> NoReturn:
    """Entry point of the `narrate` command and of `python -m narrate.cli`."""
    standard_fds()
    escape_undecodable()
    try:
        main(prog_name="narrate")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
        # click's own output (--help, --version, usage errors) to a reader that left: click exits 1
        # after wrapping the streams; narrate's commands exit 141 there (app.PIPE_CLOSED_EXIT), so these do too.
        if code == 1 and isinstance(sys.stdout, getattr(click.utils, "_PacifyFlushWrapper", ())):
            code = PIPE_CLOSED_EXIT
    leave(code)


def _escape(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return shown(exc.object[exc.start:exc.end]), exc.end


def escape_undecodable() -> None:
    """Print a character the output encoding cannot hold escaped, never fail on it: a file name
    that is not UTF-8 is a lone surrogate to Python (b"caf\\xe9" is "caf\\udce9"), and under a
    UTF-8 locale stdout is strict, so `wrote caf\\xe9.yaml` would be an internal error after the
    file was written. It is shown as errors.shown shows it: caf\\xe9."""
    codecs.register_error("narrate-shown", _escape)
    for stream in (sys.stdout, sys.stderr):
        # strict (stdout) fails; backslashreplace (stderr) shows \udce9. A C locale's surrogateescape
        # writes the name's own bytes back: left so.
        if isinstance(stream, io.TextIOWrapper) and stream.errors in ("strict", "backslashreplace"):
            stream.reconfigure(errors="narrate-shown")


def standard_fds() -> None:
    """Open /dev/null on each of fds 0, 1 and 2 that is closed (narrate started by a cron job or a
    daemon that closed them): else the first files narrate opens would get those numbers, and a
    child process's or a library's write to stdout or stderr would land in an output file.
    Python has already set the matching sys.stdin/stdout/stderr to None; they stay so."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)  # the lowest free number: `fd`, as lower ones are open
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


def leave(code: object) -> NoReturn:
    """Exit with `code` as SystemExit would (None: 0; text: printed to stderr, 1), skipping the
    interpreter's teardown when only daemon threads are left besides this one."""
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if others:
        raise SystemExit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        if sys.stderr is not None:
            print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()  # what Py_Finalize would run first: narrate's and logging's handlers
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with that fd closed: nothing was printed
            continue
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`narrate plan | head`): nothing to say
            stream.flush()
    os._exit(status & 0xFF)  # as the C exit() the interpreter would call
