"""The one way narrate runs ffmpeg: the binary from the imageio-ffmpeg wheel (no ffprobe), quiet
flags, and a child recorded by `narrate.procs`, so that SIGTERM or SIGINT to narrate ends it too."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from .. import procs
from ..errors import AudioError


def run_ffmpeg(args: Sequence[str], *, input: bytes | None = None,
               timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run `ffmpeg -hide_banner -nostdin -loglevel error ARGS`, capturing stdout and stderr.

    Raises AudioError if ffmpeg cannot be started, subprocess.TimeoutExpired (the child killed)
    past `timeout` seconds, and narrate.errors.Interrupted if narrate is stopping. A non-zero exit
    is the caller's to judge (see `stderr_tail`).
    """
    import imageio_ffmpeg  # finds (or unpacks) the binary: only when ffmpeg is really needed

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    try:
        return procs.run(cmd, input=input, timeout=timeout)
    except OSError as exc:
        raise AudioError(f"cannot run ffmpeg: {exc}") from exc


def stderr_tail(stderr: bytes, lines: int = 5) -> str:
    """The last `lines` lines of ffmpeg's stderr on one line, for an error message."""
    text = stderr.decode("utf-8", "replace").strip().splitlines()
    return " | ".join(text[-lines:]) if text else "(no message)"
