"""Child processes (ffmpeg): started in one place, so that stopping narrate stops them all.

Every subprocess narrate starts goes through `run`, which records it while it runs. On SIGTERM or
SIGINT the CLI calls `stop_all`: every recorded child is killed at once, and `run` refuses to
start new ones, so a worker thread that was about to start the next encode fails instead. Killed
children leave only temp files, which their callers remove (their outputs are atomic).
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence

from .errors import Interrupted

# Every thread pool numpy may use (BLAS, OpenMP): narrate's numpy work is on small arrays, and its worker
# pool already has one process per core, so each process keeps to one thread (espeak_pool, cli).
THREAD_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                 "NUMEXPR_NUM_THREADS")

_lock = threading.RLock()  # re-entrant: the signal handler runs on the main thread, maybe inside `run`
_live: set[subprocess.Popen[bytes]] = set()
_stopped_by: int | None = None
_workers: set[subprocess.Popen[bytes]] = set()  # long-lived children (engine workers): killed too, not counted
_generation = 0
_on_stop: list[Callable[[], None]] = []  # long-lived children's owners (the engine pool) stop theirs too
_stop_event = threading.Event()  # set with _stopped_by: ends every `pause` at once


def run(cmd: Sequence[str], *, input: bytes | None = None, timeout: float | None = None
        ) -> subprocess.CompletedProcess[bytes]:
    """subprocess.run(cmd, input=..., capture_output=True, timeout=...), recorded while it runs.

    Raises subprocess.TimeoutExpired (the child killed and reaped) like subprocess.run, and
    Interrupted if narrate is stopping (nothing started).
    """
    with _lock:
        if _stopped_by is not None:
            raise Interrupted(_stopped_by)
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _live.add(proc)
    try:
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
    finally:
        with _lock:
            _live.discard(proc)
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)


def live_pids() -> list[int]:
    """Pids of the children running now (for tests and diagnostics)."""
    with _lock:
        return sorted(p.pid for p in _live)


def stop_all(signum: int) -> int:
    """Kill every running child (SIGKILL: an encode's partial output is worthless, and a child
    that ignores SIGTERM must not keep narrate waiting) and refuse new ones. Returns how many."""
    global _stopped_by
    with _lock:
        _stopped_by = signum
        _stop_event.set()
        procs = list(_live)
        workers = list(_workers)
    for proc in procs + workers:
        with contextlib.suppress(OSError):  # already gone
            proc.kill()
    for stop in list(_on_stop):
        stop()
    return len(procs)


def spawn(cmd: Sequence[str], *, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A long-lived child talking over stdin/stdout pipes, recorded until `forget`: stop_all kills it
    too. Raises Interrupted if narrate is stopping (nothing started)."""
    with _lock:
        if _stopped_by is not None:
            raise Interrupted(_stopped_by)
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        _workers.add(proc)
    return proc


def forget(proc: subprocess.Popen[bytes]) -> None:
    with _lock:
        _workers.discard(proc)


def on_stop(callback: Callable[[], None]) -> None:
    """Call `callback` (kill your long-lived children, refuse new work) when stop_all runs."""
    with _lock:
        if callback not in _on_stop:
            _on_stop.append(callback)


def stopping() -> int | None:
    """The signal narrate is stopping for, or None."""
    return _stopped_by


def pause(seconds: float) -> None:
    """time.sleep(seconds) for worker threads, ended at once by stop_all: raises Interrupted then (and
    at once if narrate is already stopping). A retry's wait (Retry-After: 30) must not outlive Ctrl-C."""
    if _stop_event.wait(max(0.0, seconds)) or _stopped_by is not None:
        raise Interrupted(_stopped_by or signal.SIGINT)


def reset() -> None:
    """Allow children again (a long-lived process, such as a test run, after a stop)."""
    global _stopped_by, _generation
    with _lock:
        _stopped_by = None
        _stop_event.clear()
        _generation += 1


def generation() -> int:
    """How many times `reset` has run: what a stop that should last until the next reset compares."""
    return _generation
