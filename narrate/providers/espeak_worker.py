"""One long-lived worker process: one eSpeak NG engine, and rendering off the parent's GIL.

Started by `espeak_pool.WorkerPool` as `python -m narrate.providers.espeak_worker`, with numpy's
BLAS and OpenMP threads limited to one (the pool runs one worker per core: extra threads would
only compete). It serves requests on stdin/stdout until stdin ends (the parent finished, or died:
its end of the pipe closes either way), ignores SIGINT (Ctrl-C reaches the whole process group;
the parent decides) and dies on SIGTERM/SIGKILL.

One key, one audio (DESIGN.md invariant 10): before each segment the engine is put back into its
pristine state (`espeak_reset`), and a self-check at start-up confirms it (the same text twice
around another voice must give the same bytes). Where the reset is unavailable or fails the check,
the worker forks per segment instead (`espeak_fork`): slower, equally deterministic.

Protocol, binary: a request is a 4-byte big-endian length and a pickle: ("speak", text, voice, wpm,
pitch, ssml), ("speak+", text, voice, wpm, pitch, ssml, then, args) (speak, then run then(pcm, *args)
on the PCM here: a segment rendered where it was spoken, in one round trip) or ("call", function,
args) (then and function: functions of narrate's, pickled by reference, so this module imports
nothing above the providers layer). A reply is one status byte (0 = OK: PCM for "speak", a pickle
of (pcm, (True, then's value) or (False, None) if it raised) for "speak+", a pickle for "call"; 1 =
error: a pickled (kind, message, hint); 2 = ready, sent once at start), a 4-byte big-endian length,
the payload. The engine starts on the first "speak". Only narrate's own parent writes to
this pipe: the pickles are trusted.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

OK, ERROR, READY = 0, 1, 2
HEAD = struct.Struct(">BI")
LENGTH = struct.Struct(">I")
PROBE = ("Thank you for calling.", "gmw/en-US", 175, 50)
OTHER = ("Hola, gracias.", "roa/es-419", 300, 80)


def read_exact(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) != n:
        raise EOFError
    return data


def send(stream: IO[bytes], status: int, payload: bytes) -> None:
    stream.write(HEAD.pack(status, len(payload)) + payload)
    stream.flush()


class Speaker:
    """The engine of this process, reset before every segment (or forked per segment)."""

    def __init__(self) -> None:
        import espeakng_loader

        from .espeak import _Engine
        from .espeak_reset import Pristine, Unsupported

        self.lock = threading.Lock()  # restore + speak is one step (a parent speaking inline has threads)
        self.engine = _Engine.get()  # this process's engine (a parent's has only listed voices so far)
        self.pristine: Pristine | None = None
        try:
            self.pristine = Pristine(self.engine.lib, espeakng_loader.get_library_path())
            first = self.speak(*PROBE)
            self.speak(*OTHER)
            self.mode = "reset" if self.speak(*PROBE) == first else "fork"
        except Unsupported:
            self.mode = "fork"
        if self.mode == "fork":
            self.pristine = None

    def speak(self, text: str, voice: str, wpm: int, pitch: int, ssml: bool = False) -> bytes:
        """PCM for one segment, from the pristine state: the voice and parameters are selected anew."""
        if self.pristine is None:
            from .espeak_fork import fork_synthesize

            return fork_synthesize(self.engine, text, voice, wpm, pitch, ssml)
        with self.lock:
            self.pristine.restore(self.pristine.image)
            return self.engine.synthesize_here(text, voice, wpm, pitch, ssml)


def _error(exc: BaseException) -> bytes:
    from ..errors import NarrateError

    if isinstance(exc, NarrateError):
        return pickle.dumps((type(exc).__name__, exc.message, exc.hint))
    return pickle.dumps(("Exception", f"{type(exc).__name__}: {exc}", None))


_speaker: Speaker | None = None
_speaker_lock = threading.Lock()


def speaker() -> Speaker:
    """This process's engine, started on first use (a worker that only renders never loads it).
    Raises ProviderError if the engine cannot start."""
    global _speaker
    with _speaker_lock:
        if _speaker is None:
            _speaker = Speaker()
        return _speaker


def engine_mode() -> str:
    """"reset" or "fork": how this process keeps one key, one audio (for tests and diagnostics)."""
    return speaker().mode


def spoken_then(pcm: bytes, then: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    """The reply to "speak+": the PCM and `run_then`'s outcome, pickled."""
    return pickle.dumps((pcm, run_then(pcm, then, args)), protocol=pickle.HIGHEST_PROTOCOL)


def run_then(pcm: bytes, then: Callable[..., Any], args: tuple[Any, ...]) -> tuple[bool, Any]:
    """(True, then(pcm, *args)), or (False, None) if it raised: it is only a saving (a render ahead of
    its turn, which the prompt's own render does again and reports); the speech is what was asked for."""
    try:
        return True, then(pcm, *args)
    except Exception:
        return False, None


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The request loop, until stdin ends."""
    from .espeak_fork import FreshProcessNeeded

    send(stdout, READY, b"")
    while True:
        try:
            (length,) = LENGTH.unpack(read_exact(stdin, LENGTH.size))
            frame = read_exact(stdin, length)
        except (EOFError, OSError):
            return
        request: tuple[Any, ...] = ()
        try:
            request = pickle.loads(frame)  # a function the worker cannot import fails this request only
            if request[0] == "speak":
                status, payload = OK, speaker().speak(*request[1:])
            elif request[0] == "speak+":
                status, payload = OK, spoken_then(speaker().speak(*request[1:6]), *request[6:])
            else:
                _, function, args = request
                status, payload = OK, pickle.dumps(function(*args), protocol=pickle.HIGHEST_PROTOCOL)
        except FreshProcessNeeded as used:  # no fork on this system: answer, then make way for a fresh worker
            pcm = used.args[0]
            send(stdout, OK, spoken_then(pcm, *request[6:]) if request[0] == "speak+" else pcm)
            return
        except Exception as exc:
            status, payload = ERROR, _error(exc)
        try:
            send(stdout, status, payload)
        except OSError:  # the parent is gone: nothing left to answer
            return


def main() -> None:
    import faulthandler

    faulthandler.enable()  # a crash inside the C library leaves a Python traceback on stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must never corrupt the protocol
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from ..audio.memory import keep_freed_memory

    keep_freed_memory()  # rendering's temporary arrays: no page faults per prompt (audio/memory.py)
    serve(stdin, stdout)
    # Nothing is left to save: the answers are sent. Skipping the interpreter's teardown (freeing
    # numpy, the engine, every module) ends a worker in ~7 ms instead of ~65 ms, and the build waits
    # for its workers before it exits.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
