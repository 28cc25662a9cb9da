"""The fallback for one key, one audio (DESIGN.md invariant 10): a fork per segment.

Why it is needed at all: eSpeak NG keeps synthesis state in C statics that no API call resets (for
one, wavegen.c's function-local `static int Flutter_ix`, the phase of the pitch flutter, advanced by
every frame ever spoken). Measured with espeak-ng 1.52 from the espeakng-loader wheel: the same
text gave different bytes on its second call, and still did after re-selecting the voice and every
parameter, after `espeak_ng_SetRandSeed`, and after `espeak_Terminate` + `espeak_Initialize`.

Workers normally reset the library's memory instead (espeak_reset.py, ~0.1 ms). Where that is not
possible (a stripped or non-ELF library) or fails its self-check, a worker speaks each segment in a
child forked from its pristine engine: 5-44 ms a segment, equally deterministic. Where `os.fork`
does not exist either, the worker speaks in place and the pool replaces it after every segment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


class FreshProcessNeeded(Exception):
    """No fork here: the caller must retire this process after the segment (its engine is used)."""


def _child(engine: Any, args: tuple[str, str, int, int, bool], out: int) -> None:
    """In the forked child: synthesize once, write the PCM to `out`, never return."""
    code = 0
    try:
        view = memoryview(engine.synthesize_here(*args))
        while view:
            view = view[os.write(out, view):]
    except BaseException as exc:  # anything at all: report it through the exit code, never return
        try:
            os.write(2, f"narrate espeak worker: {exc}\n".encode(errors="replace"))
        finally:
            code = 1
    finally:
        os._exit(code)


def fork_synthesize(engine: Any, text: str, voice: str, wpm: int, pitch: int, ssml: bool = False) -> bytes:
    """PCM spoken by a child forked from this (pristine) process. Raises ProviderError if it fails,
    FreshProcessNeeded (with the PCM as its argument) where os.fork does not exist."""
    from ..errors import ProviderError

    if not hasattr(os, "fork"):
        raise FreshProcessNeeded(engine.synthesize_here(text, voice, wpm, pitch, ssml))
    status, pcm = in_fork(lambda out: _child(engine, (text, voice, wpm, pitch, ssml), out))
    if status != 0:
        raise ProviderError(f"eSpeak NG failed to synthesize (worker status {status})", provider="espeak")
    return pcm


def in_fork(child: Callable[[int], None]) -> tuple[int, bytes]:
    """Run `child(fd)` in a child forked from this process (it writes its answer to the pipe `fd` and
    must end with os._exit) and return (its wait status, everything it wrote). POSIX only."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        child(write)
        os._exit(1)  # pragma: no cover - child() ends the process itself
    os.close(write)
    chunks = []
    with os.fdopen(read, "rb") as pipe:
        while chunk := pipe.read(1 << 16):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return status, b"".join(chunks)
