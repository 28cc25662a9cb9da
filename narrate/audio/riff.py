"""RIFF/WAVE headers: writing (deterministic, hand-built) and parsing (chunk by chunk, tolerant of streams).

Written layouts:
- PCM: `RIFF WAVE` + 16-byte `fmt ` (tag 1) + `data`: the canonical 44-byte header every reader takes.
- G.711 (tag 7 mu-law, 6 A-law): 18-byte `fmt ` (cbSize 0) + `fact` (sample count) + `data`, as the
  WAVE spec asks of non-PCM formats. An odd-sized data chunk gets its pad byte.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..errors import AudioError

WAVE_FORMAT_PCM = 1
WAVE_FORMAT_IEEE_FLOAT = 3
WAVE_FORMAT_ALAW = 6
WAVE_FORMAT_MULAW = 7
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
# The tail of every KSDATAFORMAT_SUBTYPE_* GUID; its first two bytes are the plain format tag.
_EXTENSIBLE_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
# What streaming servers write when they cannot know the size up front.
UNKNOWN_SIZE = 0xFFFFFFFF


def wav_header(tag: int, rate: int, data_size: int, *, bits: int) -> bytes:
    """The header for one mono data chunk of `data_size` bytes (the caller appends data + pad byte)."""
    block = bits // 8
    if tag == WAVE_FORMAT_PCM:
        chunks = b"fmt " + struct.pack("<IHHIIHH", 16, tag, 1, rate, rate * block, block, bits)
    else:
        chunks = (b"fmt " + struct.pack("<IHHIIHHH", 18, tag, 1, rate, rate * block, block, bits, 0)
                  + b"fact" + struct.pack("<II", 4, data_size // block))
    riff_size = 4 + len(chunks) + 8 + data_size + (data_size & 1)
    return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + chunks + b"data" + struct.pack("<I", data_size)


def wav_file(tag: int, rate: int, payload: bytes, *, bits: int) -> bytes:
    return wav_header(tag, rate, len(payload), bits=bits) + payload + b"\0" * (len(payload) & 1)


@dataclass(frozen=True)
class WavInfo:
    tag: int  # the effective format tag (WAVE_FORMAT_EXTENSIBLE resolved to its subformat)
    channels: int
    rate: int
    bits: int
    block_align: int
    data_offset: int
    data_end: int  # end of the data bytes actually present
    declared_size: int | None  # None: the writer did not know (0xFFFFFFFF, RF64 without ds64, 0 + stream)

    @property
    def missing_bytes(self) -> int:
        """How many declared data bytes did not arrive (0 when the size was unknown)."""
        if self.declared_size is None:
            return 0
        return max(0, self.declared_size - (self.data_end - self.data_offset))


def is_riff(data: bytes) -> bool:
    return len(data) >= 12 and data[:4] in (b"RIFF", b"RF64") and data[8:12] == b"WAVE"


def _looks_like_chunk_id(b: bytes) -> bool:
    return len(b) == 4 and all(0x20 <= c < 0x7F for c in b)


def parse_wav(data: bytes) -> WavInfo:
    """Find the format and data chunks. Skips LIST/fact/JUNK/anything else; reads RF64's ds64.

    A data size of 0xFFFFFFFF, one larger than the file, or 0 followed by non-chunk bytes (all
    seen from streaming writers) means "to the end of the file"; `declared_size` keeps what was
    claimed so the validator can still tell a truncated download from a stream.
    """
    if not is_riff(data):
        raise AudioError("not a RIFF/WAVE file (no 'RIFF....WAVE' header)")
    fmt: tuple[int, int, int, int, int] | None = None
    data_span: tuple[int, int, int | None] | None = None
    ds64_data_size: int | None = None
    off = 12
    while off + 8 <= len(data):
        cid = data[off:off + 4]
        (size,) = struct.unpack_from("<I", data, off + 4)
        body = off + 8
        if cid == b"ds64" and size >= 16 and body + 16 <= len(data):
            ds64_data_size = struct.unpack_from("<Q", data, body + 8)[0]
        elif cid == b"fmt ":
            fmt = _parse_fmt(data[body:body + size])
        elif cid == b"data":
            declared: int | None = size
            if size == UNKNOWN_SIZE:
                declared = ds64_data_size if data[:4] == b"RF64" else None
            elif size == 0 and body < len(data) and not _looks_like_chunk_id(data[body:body + 4]):
                declared = None  # a placeholder 0 with samples behind it
            available = len(data) - body
            if declared is None or declared >= available:
                data_span = (body, len(data), declared)
                break  # runs to end of file: nothing after it can be parsed
            data_span = (body, body + declared, declared)
            if fmt is not None:
                break
            size = declared
        if body + size > len(data) and cid != b"data":
            break  # a chunk cut short: whatever follows is not there
        off = body + size + (size & 1)
    if fmt is None:
        raise AudioError("WAV has no 'fmt ' chunk")
    if data_span is None:
        raise AudioError("WAV has no 'data' chunk")
    tag, channels, rate, block_align, bits = fmt
    return WavInfo(tag, channels, rate, bits, block_align, *data_span)


def _parse_fmt(chunk: bytes) -> tuple[int, int, int, int, int]:
    if len(chunk) < 16:
        raise AudioError(f"WAV 'fmt ' chunk is {len(chunk)} bytes, expected at least 16")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", chunk)
    if tag == WAVE_FORMAT_EXTENSIBLE:
        if len(chunk) < 40:
            raise AudioError("WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is too short")
        guid = chunk[24:40]
        if guid[2:] != _EXTENSIBLE_GUID_TAIL:
            raise AudioError(f"unsupported WAVE_FORMAT_EXTENSIBLE subformat {guid.hex()}")
        (tag,) = struct.unpack_from("<H", guid)
    if channels < 1:
        raise AudioError(f"WAV declares {channels} channels")
    if rate < 1:
        raise AudioError(f"WAV declares a sample rate of {rate} Hz")
    width = (bits + 7) // 8
    if width < 1:
        raise AudioError(f"WAV declares {bits} bits per sample")
    # block_align is wrong in some writers' headers; the sample layout is what the bits say.
    return tag, channels, rate, channels * width, width * 8
