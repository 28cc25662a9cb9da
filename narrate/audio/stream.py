"""Bounded-memory assembly of long audio: stream segments into a WAV, then one ffmpeg encode.

Joining an hour of segments in memory (pydub `+`) took 29 s and 350 MB; streaming them to a WAV
takes a fraction of a second and only holds one segment at a time. Both steps are atomic: the
target path shows the old file or the complete new one, never a partial one.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
import soxr

from ..errors import AudioError
from ..fsutil import commit, make_temp
from .ffmpeg import run_ffmpeg, stderr_tail
from .pcm import Pcm
from .resample import QUALITY, to_int16
from .riff import WAVE_FORMAT_PCM

# Header: RIFF + JUNK(28) + fmt(16) + data. The JUNK chunk reserves room for an RF64 `ds64`
# chunk, used only if the data outgrows RIFF's 32-bit sizes (about 27 hours at 22.05 kHz).
_JUNK_SIZE = 28
_HEADER_SIZE = 12 + (8 + _JUNK_SIZE) + (8 + 16) + 8
_DATA_SIZE_OFFSET = _HEADER_SIZE - 4
MAX_RIFF_DATA = 0xFFFFFFFF - _HEADER_SIZE  # beyond this, the file is finished as RF64


def _temp_beside(path: Path) -> tuple[BinaryIO, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = make_temp(path.parent, suffix=path.suffix)  # narrate's temp name: a killed build's is removed later
    return os.fdopen(fd, "w+b"), tmp


class WavStreamWriter:
    """Append Pcm chunks to a 16-bit mono WAV at a fixed rate; the file appears at `path` on close.

        with WavStreamWriter(out / "chapter1.wav", 22050) as w:
            for pcm in segments:
                w.write(pcm)

    `rate=None` takes the first chunk's rate. Chunks at other rates go through one streaming
    soxr resampler per input rate, so filter state carries across consecutive chunks instead
    of each chunk's edges being filtered against zeros. An exception inside the `with` removes
    the temp file and leaves `path` untouched.
    """

    def __init__(self, path: str | os.PathLike[str], rate: int | None = None) -> None:
        self.path = Path(path)
        self.rate = rate
        self.frames = 0
        self._fh, self._tmp = _temp_beside(self.path)
        self._fh.write(b"\0" * _HEADER_SIZE)  # placeholder until the rate and sizes are known
        self._stream: soxr.ResampleStream | None = None
        self._stream_rate: int | None = None
        self._closed = False

    @property
    def duration(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    def write(self, pcm: Pcm) -> None:
        if self._closed:
            raise AudioError(f"{self.path}: write after close")
        if self.rate is None:
            self.rate = pcm.rate
        if pcm.rate == self.rate:
            self._flush_resampler()
            self._append(pcm.samples)
            return
        if self._stream_rate != pcm.rate:
            self._flush_resampler()
            self._stream = soxr.ResampleStream(pcm.rate, self.rate, 1, dtype="float32", quality=QUALITY)
            self._stream_rate = pcm.rate
        assert self._stream is not None
        self._append(to_int16(self._stream.resample_chunk(pcm.samples.astype(np.float32))))

    def _flush_resampler(self) -> None:
        if self._stream is not None:
            self._append(to_int16(self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)))
            self._stream = self._stream_rate = None

    def _append(self, samples: np.ndarray) -> None:
        self._fh.write(np.ascontiguousarray(samples, dtype="<i2").tobytes())
        self.frames += len(samples)

    def close(self) -> None:
        """Finish the header, fsync, and move the file into place."""
        if self._closed:
            return
        try:
            self._flush_resampler()
            if self.rate is None:
                raise AudioError(f"{self.path}: no rate given and nothing written")
            self._fh.seek(0)
            self._fh.write(self._header(self.frames * 2))
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            commit(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise
        self._closed = True

    def abort(self) -> None:
        """Discard everything written; `path` is left as it was."""
        self._closed = True
        self._fh.close()
        self._tmp.unlink(missing_ok=True)

    def _header(self, data_size: int) -> bytes:
        assert self.rate is not None
        fmt = b"fmt " + struct.pack("<IHHIIHH", 16, WAVE_FORMAT_PCM, 1, self.rate, self.rate * 2, 2, 16)
        riff_size = _HEADER_SIZE - 8 + data_size
        if data_size <= MAX_RIFF_DATA:
            junk = b"JUNK" + struct.pack("<I", _JUNK_SIZE) + b"\0" * _JUNK_SIZE
            return (b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + junk + fmt
                    + b"data" + struct.pack("<I", data_size))
        ds64 = b"ds64" + struct.pack("<IQQQI", _JUNK_SIZE, riff_size, data_size, self.frames, 0)
        return b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + ds64 + fmt + b"data" + struct.pack("<I", 0xFFFFFFFF)

    def __enter__(self) -> WavStreamWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()


def encode_with_ffmpeg(wav_path: str | os.PathLike[str], out_path: str | os.PathLike[str], *,
                       codec_args: list[str], metadata_path: str | None = None, cover: str | None = None) -> None:
    """Encode a WAV with one ffmpeg process into a temp file beside `out_path`, then rename it into place.

    `codec_args` are the output options, e.g. ["-c:a", "aac", "-b:a", "64k"] or
    ["-c:a", "libmp3lame", "-q:a", "4"]; the muxer is chosen by out_path's extension (.mp3, .m4a,
    .m4b, ...), which the temp file keeps. `metadata_path` is an FFMETADATA1 file (tags and
    chapters); `cover` an image attached as cover art. See `mux_with_ffmpeg`.
    """
    mux_with_ffmpeg(["-i", os.fspath(wav_path)], Path(out_path), codec_args, metadata=metadata_path, cover=cover)


def mux_with_ffmpeg(inputs: list[str], out: Path, codec_args: list[str], *,
                    metadata: str | os.PathLike[str] | None = None, cover: str | os.PathLike[str] | None = None) -> None:
    """One ffmpeg run from `inputs` (ffmpeg input options, the audio first) into a temp file beside
    `out`, fsynced and renamed into place. `metadata`: an FFMETADATA1 file (tags and chapters);
    `cover`: an image attached as cover art (ID3 APIC type 3). `-fflags +bitexact` keeps the encoder
    version string and random ids out of the container, so the same input gives the same bytes.
    Raises AudioError with the tail of ffmpeg's stderr on failure; nothing is left behind."""
    cmd, maps, n = ["-y", *inputs], ["-map", "0:a"], 1
    if metadata is not None:
        cmd += ["-f", "ffmetadata", "-i", os.fspath(metadata)]
        maps += ["-map_metadata", str(n), "-map_chapters", str(n)]
        n += 1
    if cover is not None:
        cmd += ["-i", os.fspath(cover)]
        # ID3 APIC picture type from the stream's comment: "Cover (front)" is type 3 (ffmpeg's default is 0, "Other").
        maps += ["-map", f"{n}:v", "-c:v", "copy", "-disposition:v:0", "attached_pic",
                 "-metadata:s:v:0", "comment=Cover (front)"]
    fh, tmp = _temp_beside(out)
    fh.close()
    try:
        proc = run_ffmpeg([*cmd, *maps, *codec_args, "-fflags", "+bitexact", os.fspath(tmp)])
        if proc.returncode != 0:
            raise AudioError(f"ffmpeg failed ({proc.returncode}) writing {out}: {stderr_tail(proc.stderr)}")
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        commit(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
