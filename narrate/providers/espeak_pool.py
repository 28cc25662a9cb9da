"""The pool of worker processes: one eSpeak NG engine each (the library is a process-wide, non-thread-safe
singleton, DESIGN.md section 4), used for synthesis and, through `call`, for rendering off the GIL.

Workers are started lazily, up to `size` (default: every core; `-j`/`jobs:` lower it through
`configure`), and live until `shutdown` (the end of a build), until narrate is stopped (SIGINT/SIGTERM:
`procs.stop_all` kills them), or until their parent dies (their stdin closes and they exit). A
worker found dead is replaced and the request sent again (requests have no side effects), up to
size + 1 times in all (every idle worker may have been killed); then WorkerError.

Any worker gives the same bytes for a segment (espeak_worker.py says why); a request still prefers
an idle worker whose engine holds its voice already, which saves re-loading the voice's files.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import procs
from ..errors import Interrupted, NarrateError
from ..procs import THREAD_LIMITS  # one thread per pool in each worker
from .espeak_worker import ERROR, HEAD, LENGTH, OK, READY, read_exact

_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding the `narrate` package
# A build with at most this many segments to synthesize plus prompts to render runs them in its own
# process: starting a worker (about 0.1-0.3 s of CPU) would cost more than the workers save.
INLINE_MAX = 8
WAIT_S = 1.0  # a waiting request looks again at least this often (so a stop is noticed)
# A reply pipe's size: counted against the user's pipe memory (fs.pipe-user-pages-soft, 64 MB), so
# only the reply direction is widened, and to 512 KB (64 workers: 32 MB).
PIPE_BYTES = 1 << 19


class WorkerError(Exception):
    """A worker failed twice, could not start, or the pool is stopped; the message says which."""


class _Worker:
    def __init__(self) -> None:
        env = {**os.environ, **dict.fromkeys(THREAD_LIMITS, "1"),
               "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
        self.proc = procs.spawn([sys.executable, "-m", "narrate.providers.espeak_worker"], env=env)
        self.voice: str | None = None
        _widen(self.proc.stdout)
        try:
            status, payload = self._reply()
        except WorkerError:
            self.close()
            raise
        if status != READY:
            self.close()
            raise WorkerError(payload.decode(errors="replace"))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _reply(self) -> tuple[int, bytes]:
        assert self.proc.stdout is not None
        try:
            status, length = HEAD.unpack(read_exact(self.proc.stdout, HEAD.size))
            return status, read_exact(self.proc.stdout, length)
        except (EOFError, OSError, ValueError):
            raise WorkerError(f"the eSpeak NG worker process ended unexpectedly (exit {self.proc.poll()})") from None

    def ask(self, request: bytes) -> tuple[int, bytes]:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(LENGTH.pack(len(request)) + request)
            self.proc.stdin.flush()
        except OSError as exc:
            raise WorkerError(f"the eSpeak NG worker process ended unexpectedly ({exc})") from None
        return self._reply()

    def close(self, wait_s: float = 5.0) -> None:
        proc = self.proc
        with contextlib.suppress(OSError):
            if proc.stdin:
                proc.stdin.close()  # EOF: the worker exits by itself
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
        procs.forget(proc)


def _widen(pipe: Any) -> None:
    """Let a reply of a few seconds of audio (PCM plus its rendered files, ~270 KB for 4 s) sit in the
    pipe whole (Linux; best effort): the worker writes it in one go instead of 64 KB at a time,
    waiting for this process to read each (measured: ~0.15 ms of a worker's CPU per prompt)."""
    import fcntl

    with contextlib.suppress(AttributeError, OSError, ValueError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[attr-defined]


class WorkerPool:
    """Up to `size` workers, shared by every thread of this process."""

    def __init__(self, size: int | None = None) -> None:
        self.size = max(1, size or os.cpu_count() or 1)
        self._idle: list[_Worker] = []
        self._count = 0  # started or starting
        self._cond = threading.Condition()
        self._stopped_at = -1  # procs.generation() when `stop` last ran
        # Small builds speak and render in this process instead (`INLINE_MAX`): same bytes, no start-up.
        self.inline = False

    def resize(self, size: int | None) -> None:
        with self._cond:
            self.size = max(1, size or os.cpu_count() or 1)
            surplus = self._idle[self.size:] if len(self._idle) > self.size else []
            del self._idle[len(self._idle) - len(surplus):]
            self._count -= len(surplus)
            self._cond.notify_all()
        for w in surplus:
            w.close()

    @property
    def pids(self) -> list[int]:
        """Pids of the idle workers (for tests)."""
        with self._cond:
            return sorted(w.pid for w in self._idle)

    def _acquire(self, voice: str | None) -> _Worker:
        with self._cond:
            while True:
                if self.stopped():
                    raise Interrupted(procs.stopping() or 2)
                for dead in [w for w in self._idle if w.proc.poll() is not None]:  # killed while idle
                    self._idle.remove(dead)
                    self._count -= 1
                    procs.forget(dead.proc)
                if self._idle:
                    match = next((w for w in reversed(self._idle) if w.voice == voice), None) if voice else None
                    worker = match or self._idle[-1]
                    self._idle.remove(worker)
                    return worker
                if self._count < self.size:
                    self._count += 1
                    break
                self._cond.wait(WAIT_S)
        try:
            return _Worker()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, worker: _Worker, alive: bool) -> None:
        with self._cond:
            if alive and not self.stopped() and len(self._idle) < self.size:
                self._idle.append(worker)
                self._cond.notify()
                return
            self._count -= 1
            self._cond.notify()
        worker.close(0 if not alive else 5.0)

    def _request(self, request: bytes, voice: str | None) -> bytes:
        attempts = self.size + 1  # every idle worker may have died meanwhile
        for attempt in range(1, attempts + 1):
            worker = self._acquire(voice)
            alive = False
            try:
                status, payload = worker.ask(request)
                alive = worker.proc.poll() is None
            except WorkerError:
                if attempt == attempts or self.stopped():
                    raise
                continue
            finally:
                if voice and alive:
                    worker.voice = voice
                self._release(worker, alive)
            if status == OK:
                return payload
            if status == ERROR:
                raise _rebuild(payload)
            raise WorkerError(f"the eSpeak NG worker answered with status {status}")
        raise AssertionError("unreachable")

    def speak(self, text: str, voice: str, wpm: int, pitch: int, ssml: bool = False) -> bytes:
        """16-bit mono PCM at the engine's rate. Raises ProviderError, WorkerError or Interrupted."""
        pcm = self._speak_inline(text, voice, wpm, pitch, ssml)
        if pcm is not None:
            return pcm
        return self._request(pickle.dumps(("speak", text, voice, wpm, pitch, ssml)), voice)

    def speak_then(self, text: str, voice: str, wpm: int, pitch: int, ssml: bool,
                   then: Callable[..., Any], args: tuple[Any, ...]) -> tuple[bytes, tuple[bool, Any]]:
        """`speak`, then then(pcm, *args) in the same worker (a module-level function of narrate's): the
        PCM, and (True, its value) or (False, None) if it raised, in one round trip: the PCM is not
        sent back to a worker to be rendered. Raises what `speak` raises."""
        from .espeak_worker import run_then

        pcm = self._speak_inline(text, voice, wpm, pitch, ssml)
        if pcm is not None:
            return pcm, run_then(pcm, then, args)
        request = ("speak+", text, voice, wpm, pitch, ssml, then, args)
        return pickle.loads(self._request(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL), voice))  # type: ignore[no-any-return]

    def _speak_inline(self, text: str, voice: str, wpm: int, pitch: int, ssml: bool) -> bytes | None:
        """PCM spoken in this process when the pool is inline (`configure`), else None."""
        if not self.inline:
            return None
        from .espeak_worker import speaker

        here = speaker()
        if here.mode == "reset":  # never fork this (threaded) process: workers do that
            return here.speak(text, voice, wpm, pitch, ssml)
        self.inline = False
        return None

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """function(*args) in a worker (function: a module-level function of narrate's). Raises what
        it raised (a NarrateError of the same class and message), WorkerError or Interrupted."""
        if self.inline:
            return function(*args)
        payload = self._request(pickle.dumps(("call", function, args), protocol=pickle.HIGHEST_PROTOCOL), None)
        return pickle.loads(payload)

    def stopped(self) -> bool:
        """Refusing requests: narrate is stopping, or `stop` ran since the last procs.reset. A process
        that goes on after a stop (a test run, an embedding program) calls procs.reset, and the pool
        serves again."""
        return procs.stopping() is not None or self._stopped_at == procs.generation()

    def stop(self) -> None:
        """Kill every worker now and refuse new requests until procs.reset (SIGINT/SIGTERM)."""
        with self._cond:
            self._stopped_at = procs.generation()
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for w in idle:
            with contextlib.suppress(OSError):
                w.proc.kill()
            w.close(1.0)

    def shutdown(self) -> None:
        """End the idle workers (busy ones end when they come back); the pool may start new ones later."""
        with self._cond:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for w in idle:  # every worker told at once (EOF), so they exit side by side, not one after another
            with contextlib.suppress(OSError):
                if w.proc.stdin:
                    w.proc.stdin.close()
        for w in idle:
            w.close()


def _rebuild(payload: bytes) -> Exception:
    from .. import errors

    kind, message, hint = pickle.loads(payload)
    cls = getattr(errors, kind, None)
    if isinstance(cls, type) and issubclass(cls, NarrateError) and kind not in ("ManifestError", "ProviderError"):
        with contextlib.suppress(TypeError):
            return cls(message, hint=hint)
    if kind == "ProviderError":
        return errors.ProviderError(message, provider="espeak", hint=hint)
    return WorkerError(message)


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def shared_pool() -> WorkerPool:
    """The process-wide pool, created on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            from ..audio.memory import keep_freed_memory

            # This process now moves a few hundred KB per segment to and from the workers (audio, WAVs,
            # cache entries, rendered files): keep freed blocks rather than fault fresh pages in for each
            # (audio/memory.py; measured: the parent's check of a spoken segment 0.43 -> 0.12 ms).
            keep_freed_memory()
            _pool = WorkerPool()
            procs.on_stop(_pool.stop)
            atexit.register(_pool.shutdown)
        return _pool


def configure(jobs: int | None, work: int | None = None) -> None:
    """Cap the pool at `jobs` processes (None: every core). `work`: segments to synthesize plus prompts
    to render, if known: at most INLINE_MAX of them, or `jobs` 1, runs them in this process."""
    pool = shared_pool()
    pool.resize(jobs)
    pool.inline = jobs == 1 or (work is not None and work <= INLINE_MAX)


def shutdown() -> None:
    """End the pool's workers (a build ends); a later request starts new ones, in worker processes
    again: a small build's choice to speak in this process (`configure`) ends with the build."""
    if _pool is not None:
        _pool.inline = False
        _pool.shutdown()
