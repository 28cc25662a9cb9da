"""One key, one audio (DESIGN.md invariant 10): every eSpeak NG synthesis runs in a process forked
from a pristine engine, so no segment can hear what was synthesized before it.

Why a process: eSpeak NG keeps synthesis state in C statics that no API call resets (for one,
wavegen.c's function-local `static int Flutter_ix`, the phase of the pitch flutter, advanced by
every frame ever spoken). Measured with espeak-ng 1.52 from the espeakng-loader wheel: the same
text gave different bytes on its second call, and still did after re-selecting the voice and every
parameter, after `espeak_ng_SetRandSeed`, and after `espeak_Terminate` + `espeak_Initialize`. A
fresh copy of the library per segment is deterministic but costs ~24 ms of loading per segment.

The fork server: a small Python process, started once per narrate process on first use, that
loads and initialises the library and never synthesizes. For each request it forks; the child
selects the voice and every parameter, synthesizes, writes the PCM into a pipe and exits; the
server forwards the bytes. Where `os.fork` does not exist the server answers one request and exits
(a new one is started for the next request): slower, equally deterministic.

Protocol on the server's stdin/stdout, binary: a request is a 4-byte big-endian length and a
JSON object {"text", "voice", "wpm", "pitch", "ssml"}; a reply is one status byte (0 = PCM, 1 = error
message, 2 = ready, 3 = ready for one request only), a 4-byte big-endian length, the payload.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import IO

OK, ERROR, READY, READY_ONCE = 0, 1, 2, 3
_HEAD = struct.Struct(">BI")
_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding the `narrate` package


class ServerError(Exception):
    """The server or a child failed: `message` says how (the caller wraps it as a ProviderError)."""


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) != n:
        raise EOFError
    return data


def _send(stream: IO[bytes], status: int, payload: bytes) -> None:
    stream.write(_HEAD.pack(status, len(payload)) + payload)
    stream.flush()


class ForkClient:
    """The narrate side: one server process, used under the caller's lock (not thread-safe itself)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._once = False
        atexit.register(self.close)

    def _start(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
        proc = subprocess.Popen([sys.executable, "-m", "narrate.providers.espeak_fork"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env)
        try:
            status, payload = self._reply(proc)
        except ServerError:
            proc.kill()
            proc.wait()
            raise
        if status not in (READY, READY_ONCE):
            proc.wait()
            raise ServerError(payload.decode(errors="replace"))
        self._once = status == READY_ONCE
        return proc

    @staticmethod
    def _reply(proc: subprocess.Popen[bytes]) -> tuple[int, bytes]:
        assert proc.stdout is not None
        try:
            status, length = _HEAD.unpack(_read_exact(proc.stdout, _HEAD.size))
            return status, _read_exact(proc.stdout, length)
        except (EOFError, OSError):
            raise ServerError(f"the eSpeak NG worker process ended unexpectedly (exit {proc.poll()})") from None

    def synthesize(self, text: str, voice: str, wpm: int, pitch: int, ssml: bool = False) -> bytes:
        """16-bit mono PCM at the engine's rate. A server found dead is replaced and the request sent
        once more (synthesis has no side effects); a second failure raises ServerError."""
        body = json.dumps({"text": text, "voice": voice, "wpm": wpm, "pitch": pitch, "ssml": ssml}).encode()
        for attempt in (1, 2):
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            proc = self._proc
            try:
                assert proc.stdin is not None
                proc.stdin.write(struct.pack(">I", len(body)) + body)
                proc.stdin.flush()
                status, payload = self._reply(proc)
            except (OSError, ServerError) as exc:
                self._stop()
                if attempt == 2:
                    raise ServerError(str(exc) if isinstance(exc, ServerError) else
                                      f"the eSpeak NG worker process ended unexpectedly ({exc})") from None
                continue
            if self._once:
                self._stop()
            if status != OK:
                raise ServerError(payload.decode(errors="replace"))
            return payload
        raise AssertionError("unreachable")

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()  # EOF: the server exits by itself
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()

    close = _stop

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None


def _child(engine: object, request: dict[str, object], out: int) -> None:
    """In the forked child: synthesize once, write the PCM to `out`, never return."""
    code = 0
    try:
        pcm = engine.synthesize_here(str(request["text"]), str(request["voice"]),  # type: ignore[attr-defined]
                                     int(request["wpm"]), int(request["pitch"]),  # type: ignore[call-overload]
                                     bool(request.get("ssml")))
        view = memoryview(pcm)
        while view:
            view = view[os.write(out, view):]
    except BaseException as exc:  # anything at all: report it through the exit code, never return
        try:
            os.write(2, f"narrate espeak worker: {exc}\n".encode(errors="replace"))
        finally:
            code = 1
    finally:
        os._exit(code)


def _handle(engine: object, request: dict[str, object]) -> tuple[int, bytes]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _child(engine, request, write)
    os.close(write)
    chunks = []
    with os.fdopen(read, "rb") as pipe:
        while chunk := pipe.read(1 << 16):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return ERROR, f"eSpeak NG failed to synthesize (worker status {status})".encode()
    return OK, b"".join(chunks)


def serve(stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None) -> None:
    """The server loop: until stdin ends. Ctrl-C is the parent's business (it closes our stdin)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    from ..errors import ProviderError
    from .espeak import _Engine

    try:
        engine = _Engine()
    except ProviderError as exc:
        _send(stdout, ERROR, str(exc).encode())
        return
    can_fork = hasattr(os, "fork")
    _send(stdout, READY if can_fork else READY_ONCE, b"")
    while True:
        try:
            (length,) = struct.unpack(">I", _read_exact(stdin, 4))
            request = json.loads(_read_exact(stdin, length))
        except (EOFError, OSError, ValueError):
            return
        if can_fork:
            status, payload = _handle(engine, request)
        else:
            try:
                status, payload = OK, engine.synthesize_here(request["text"], request["voice"], request["wpm"],
                                                             request["pitch"], bool(request.get("ssml")))
            except Exception as exc:
                status, payload = ERROR, str(exc).encode()
        try:
            _send(stdout, status, payload)
        except OSError:  # the parent is gone (stopped, killed): nothing left to answer
            return
        if not can_fork:
            return


if __name__ == "__main__":
    serve()
