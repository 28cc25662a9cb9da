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
import contextlib
import os
import sys
import threading
from typing import NoReturn

from . import main


def run() -> NoReturn:
    """Entry point of the `narrate` command and of `python -m narrate.cli`."""
    try:
        main(prog_name="narrate")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    leave(code)


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
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()  # what Py_Finalize would run first: narrate's and logging's handlers
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`narrate plan | head`): nothing to say
            stream.flush()
    os._exit(status & 0xFF)  # as the C exit() the interpreter would call
