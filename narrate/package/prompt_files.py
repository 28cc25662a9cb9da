"""A prompt rendered and written to its temp files by the worker process that renders it.

What a render worker (providers.espeak_pool) runs for one prompt of a build: `render.render_prompt`, then
each file written to narrate's temp file beside its target, in the worker. The build's process gets back
paths and digests (a few hundred bytes) instead of the files' bytes, and only renames them into place
once they are durable (build.outbox): the encoded audio never crosses the pipe back, and the writes
take none of the build process's time (its one core runs the requests).

A file whose target already holds the same bytes is not written (its mtime stays: DESIGN.md 2.3). A
failed write (a full disk) removes this prompt's temp files and comes back as a `WriteError` value, so
the build can stop spending with the OS's own reason (errno and folder), which an exception crossing
the process boundary would lose.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .. import fsutil
from ..providers.base import AudioFormat
from .render import Finish, Finishing, RenderedFile, level_memo, render_prompt, render_segment


@dataclass(frozen=True)
class WrittenFile:
    """One output of a prompt: `tmp` holds its bytes (None: `target` holds them already)."""

    format: str
    target: str
    tmp: str | None
    sha256: str  # hex, of the file's bytes
    size: int  # bytes
    duration: float  # seconds, to the millisecond


@dataclass(frozen=True)
class WriteError:
    """A temp file could not be written: errno, the OS's words and the folder."""

    errno: int
    reason: str
    folder: str

    def as_oserror(self) -> OSError:
        return OSError(self.errno, self.reason, self.folder)


def render_to_temps(parts: list[tuple[bytes, AudioFormat]], finish: Finish, pauses: tuple[int, ...],
                    formats: tuple[str, ...], measured: tuple[float, float] | None, targets: tuple[str, ...],
                    owner: int | None = None) -> tuple[list[WrittenFile] | WriteError, tuple[float, float] | None]:
    """Render one prompt (`render_prompt`: same bytes) and write each format's file to a temp file
    beside its target (`targets`: absolute paths, already checked to stay in their output folder, one
    per format, in order). `owner`: the build's pid, which names the temp files (`fsutil.temp_prefix`),
    so that they count as a live build's while it runs even if this worker ends. Returns the files
    (or the WriteError that stopped them, with no temp file left behind) and the (active dBov, peak
    dBFS) measured for a single segment's entry (None if not measured). Raises what render_prompt
    raises (NarrateError)."""
    rendered, level = render_prompt(parts, finish, pauses, formats, measured)
    return _to_temps(rendered, targets, owner), level


# One prompt rendered ahead: its files in temp files, their bytes (no targets), or the failed write.
Ahead = list[WrittenFile] | list[RenderedFile] | WriteError


def render_segment_to_temps(data: bytes, fmt: AudioFormat, wanted: list[tuple[Finishing, tuple[str, ...]]],
                            targets: list[tuple[str, ...] | None], owner: int | None = None
                            ) -> list[tuple[Ahead, tuple[float, float] | None]]:
    """`render.render_segment` (same bytes, same levels), each prompt's files then written to temp files
    beside its `targets` as `render_to_temps` writes them: what the worker that just spoke a segment
    runs, so that its reply carries the speech and a few records, not the files (~100 KB a prompt,
    pickled, piped and written again by the build's process). A prompt whose targets are None gets
    its files' bytes back instead (the build's process places them, or reports why it cannot)."""
    out: list[tuple[Ahead, tuple[float, float] | None]] = []
    for (files, level), where in zip(render_segment(data, fmt, wanted), targets, strict=True):
        out.append((files if where is None else _to_temps(files, where, owner), level))
    return out


def _to_temps(rendered: list[RenderedFile], targets: tuple[str, ...], owner: int | None) -> list[WrittenFile] | WriteError:
    """Each file in a temp file beside its target, unless the target holds its bytes already; on a failed
    write, the WriteError, with none of these temp files left behind."""
    written: list[WrittenFile] = []
    for file, target in zip(rendered, targets, strict=True):
        try:
            tmp = None if holds_bytes(target, file.data) else write_temp(Path(target).parent, file.data, owner)
        except OSError as exc:
            remove_temps(written)
            return WriteError(exc.errno or 0, exc.strerror or str(exc), str(Path(target).parent))
        written.append(WrittenFile(file.format, target, tmp, file.sha256, len(file.data), file.duration))
    return written


def remove_temps(files: list[WrittenFile]) -> None:
    """Delete the temp files of `files` (a render that will not be published)."""
    for done in files:
        if done.tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(done.tmp)


def warm_up(finish: Finish) -> str | None:
    """Nothing but the imports a render needs (this module's): a worker started ahead of the first prompt."""
    return level_memo(finish, 1, (0,))


def holds_bytes(target: str, data: bytes) -> bool:
    """True if `target` is a regular file with exactly these bytes (then it is not rewritten)."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
        return False
    with open(target, "rb") as fh:
        return fh.read() == data


def write_temp(folder: Path, data: bytes, owner: int | None) -> str:
    """`data` in a new narrate temp file in `folder` (named for build `owner`'s pid, None: this
    process), its path; nothing left behind if the write fails (OSError, a full disk)."""
    fd, tmp = fsutil.make_temp(folder, pid=owner)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return str(tmp)
