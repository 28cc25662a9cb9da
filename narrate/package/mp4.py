"""The whole-book M4B, written by narrate from the book's AAC parts (issue 12 item 5, issue 14 item 3).

ffmpeg's MP4 muxer holds every sample's entry in memory (~11.5 MB per hour of AAC, 140 MB for a
10-hour book) and reads its input through the ADTS parser: 20 s for ten hours. The parts'
access-unit sizes are known when they are stored (`adts_to_raw`), so the movie box (`movie_box`)
is computed from them alone, in numpy, and the media data is the parts' bytes copied as they are.

The file, in this order ("faststart": players and podcast hosts can start it before it is whole):
`ftyp`, `moov` (the audio track, a QuickTime chapter text track that Apple's players read, the
Nero `chpl` chapter list that others read, an empty iTunes `ilst` with room for the tags that
narrate.package.book.tag_m4b writes in place), `mdat` (the audio, then the chapter titles).
Box layouts from ISO/IEC 14496-12 (ISO base media file format), 14496-14 (`esds`), 14496-3
(AudioSpecificConfig, ADTS) and Apple's QuickTime File Format reference (text sample entry,
chapter lists); `chpl` as ffmpeg's libavformat/movenc.c writes it.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..errors import AudioError
from ..fsutil import copy_range, write_all

if TYPE_CHECKING:  # narrate.package.book writes M4Bs with this module: no import cycle at run time
    from .book import ChapterMark

FTYP = b"M4A \x00\x00\x02\x00M4A isomiso2"  # the brands ffmpeg's ipod muxer writes
CHUNK_FRAMES = 64  # access units per chunk: ~1.5 s at 44.1 kHz, as muxers commonly chunk audio
_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
_U32 = 0xFFFFFFFF
_ENCD_UTF8 = struct.pack(">I4sI", 12, b"encd", 0x100)  # a text sample's encoding: UTF-8 (QuickTime)


@dataclass(frozen=True)
class AacTrack:
    """The audio of an M4B: `sizes` (numpy uint16: AAC frames are under 8 KiB), every access unit's
    size in bytes, each 1024 samples at `rate` (Hz); `asc`, the AudioSpecificConfig; `samples`, the
    playable length (the edit list's duration), after `priming` encoder-delay samples that the edit
    list skips; `language`, the ISO 639-2/T code the media header carries ("und": undetermined)."""

    rate: int
    channels: int
    asc: bytes
    sizes: np.ndarray
    samples: int
    priming: int
    language: str = "und"


# A box is kept as the list of its byte strings (memoryviews for the large tables, which are never
# copied): a 10-hour book's sample table is 6 MB, and joining it at every level of nesting cost 50 MB.
Chunks = list[bytes | memoryview]


def box(kind: bytes, *payload: bytes | memoryview | Chunks) -> Chunks:
    body: Chunks = []
    for part in payload:
        body.extend(part) if isinstance(part, list) else body.append(part)
    size = size_of(body) + 8
    if size > _U32:
        raise AudioError(f"MP4 box {kind.decode()} is too large ({size} bytes)")
    return [struct.pack(">I4s", size, kind), *body]


def full_box(kind: bytes, version: int, flags: int, *payload: bytes | memoryview | Chunks) -> Chunks:
    return box(kind, struct.pack(">I", (version << 24) | flags), *payload)


def size_of(chunks: Chunks) -> int:
    return sum(len(c) for c in chunks)


def _table(values: np.ndarray, dtype: str) -> memoryview:
    """A big-endian table of `values` (e.g. ">u4"), as bytes without a copy."""
    return memoryview(values.astype(dtype).data).cast("B")


# -- ADTS parts (what ffmpeg's encoder writes) to raw access units

def adts_to_raw(src: BinaryIO, dst: BinaryIO, block: int = 1 << 20) -> tuple[np.ndarray, bytes, int]:
    """Copy the ADTS stream `src` into `dst` as raw access units (its 7-byte headers dropped), in
    blocks of `block` bytes (a part is never held whole). Returns (the units' sizes as uint16, the
    AudioSpecificConfig, the channel count). AudioError if the stream is not one ffmpeg writes:
    MPEG-4 ADTS, one raw data block per frame, no CRC (ISO/IEC 14496-3 1.A.2)."""
    sizes: list[int] = []
    header: bytes | None = None
    buf = b""
    at = 0  # stream offset of buf[0]
    while True:
        more = src.read(block)
        buf += more
        pos = 0
        out = bytearray()
        while pos + 7 <= len(buf):
            head = buf[pos:pos + 7]
            if head[0] != 0xFF or head[1] & 0xF6 != 0xF0 or head[6] & 0x03:
                raise AudioError(f"not an ADTS stream narrate can join at byte {at + pos}")
            if not head[1] & 0x01:
                raise AudioError(f"ADTS frame with a CRC at byte {at + pos} (ffmpeg writes none)")
            length = ((head[3] & 0x03) << 11) | (head[4] << 3) | (head[5] >> 5)
            if length <= 7:
                raise AudioError(f"bad ADTS frame length at byte {at + pos}")
            if pos + length > len(buf):
                break
            fixed = head[1:4]
            if header is None:
                header = bytes(fixed)
            elif fixed[:2] != header[:2] or (fixed[2] ^ header[2]) & 0xC0:
                raise AudioError(f"ADTS parameters change at byte {at + pos}")
            out += buf[pos + 7:pos + length]
            sizes.append(length - 7)
            pos += length
        dst.write(out)
        buf, at = buf[pos:], at + pos
        if not more:
            break
    if buf:
        raise AudioError(f"truncated ADTS stream at byte {at}")
    if header is None:
        raise AudioError("empty ADTS stream")
    profile, rate_index = header[1] >> 6, (header[1] >> 2) & 0x0F
    channels = ((header[1] & 0x01) << 2) | (header[2] >> 6)
    if rate_index >= len(_ADTS_RATES) or channels == 0:
        raise AudioError("unsupported ADTS sampling rate or channel configuration")
    asc = struct.pack(">H", ((profile + 1) << 11) | (rate_index << 7) | (channels << 3))
    return np.asarray(sizes, dtype=np.uint16), asc, channels


# -- the movie box, from sizes alone

def _descriptor(tag: int, body: bytes) -> bytes:
    n = len(body)  # the 4-byte expandable length form, as ffmpeg and Apple write it
    return bytes([tag, 0x80 | (n >> 21) & 0x7F, 0x80 | (n >> 14) & 0x7F, 0x80 | (n >> 7) & 0x7F, n & 0x7F]) + body


def _esds(track: AacTrack) -> Chunks:
    seconds = len(track.sizes) * 1024 / track.rate
    total = int(track.sizes.sum(dtype=np.int64))
    avg = round(total * 8 / seconds) if seconds else 0
    peak = int(track.sizes.max()) if len(track.sizes) else 0
    per_second = max(1, min(len(track.sizes), round(track.rate / 1024)))
    window = _busiest(track.sizes, per_second)
    top = window * 8 * track.rate // (per_second * 1024)  # the busiest second's bit rate
    config = _descriptor(0x04, struct.pack(">BB", 0x40, 0x15) + peak.to_bytes(3, "big")
                         + struct.pack(">II", max(avg, top), avg) + _descriptor(0x05, track.asc))
    return full_box(b"esds", 0, 0, _descriptor(0x03, struct.pack(">HB", 1, 0) + config + _descriptor(0x06, b"\x02")))


def _busiest(sizes: np.ndarray, width: int, block: int = 1 << 16) -> int:
    """The largest sum of `width` consecutive `sizes`, a block at a time (no book-long temporaries)."""
    best = 0
    for start in range(0, len(sizes), block):
        run = np.cumsum(sizes[max(0, start - width):start + block], dtype=np.int64)
        head = run[width - 1:width] if start == 0 else run[:0]  # the first window has nothing before it
        best = max(best, int(np.concatenate((head, run[width:] - run[:-width])).max(initial=0)))
    return best


def _times(version: int, duration: int, timescale: int, *, track_id: int | None = None) -> bytes:
    """creation and modification time 0 (the same inputs give the same bytes), then the fields of
    mvhd/mdhd (`track_id` None) or tkhd, in version 0 or 1 widths."""
    wide = ">QQ" if version else ">II"
    if track_id is None:
        return struct.pack(wide, 0, 0) + struct.pack(">I", timescale) + struct.pack(">Q" if version else ">I", duration)
    return struct.pack(wide, 0, 0) + struct.pack(">II", track_id, 0) + struct.pack(">Q" if version else ">I", duration)


def _version(*values: int) -> int:
    return 1 if max(values) > _U32 else 0


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
def _packed_language(code: str) -> bytes:
    """An ISO 639-2/T code as mdhd packs it: three letters, 5 bits each, less 0x60 (14496-12 8.4.2)."""
    if len(code) != 3 or not code.isascii() or not code.islower() or not code.isalpha():
        code = "und"
    return struct.pack(">H", ((ord(code[0]) - 0x60) << 10) | ((ord(code[1]) - 0x60) << 5) | (ord(code[2]) - 0x60))


def _tkhd(track_id: int, duration: int, flags: int, volume: int) -> Chunks:
    v = _version(duration)
    return full_box(b"tkhd", v, flags, _times(v, duration, 0, track_id=track_id),
                    struct.pack(">IIhhhH", 0, 0, 0, 0, volume, 0), _MATRIX, struct.pack(">II", 0, 0))


def _mdhd(timescale: int, duration: int, language: str) -> Chunks:
    v = _version(duration)
    return full_box(b"mdhd", v, 0, _times(v, duration, timescale), _packed_language(language), b"\x00\x00")


def _hdlr(kind: bytes, name: bytes, maker: bytes = b"\x00" * 4) -> Chunks:
    return full_box(b"hdlr", 0, 0, struct.pack(">I4s4s8x", 0, kind, maker), name + b"\x00")


_DINF = box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1)))


def _chunk_offsets(offsets: np.ndarray, wide: bool) -> Chunks:
    return full_box(b"co64" if wide else b"stco", 0, 0, struct.pack(">I", len(offsets)),
                    _table(offsets, ">u8" if wide else ">u4"))


def _audio_trak(track: AacTrack, base: int, wide: bool, chapters: bool) -> Chunks:
    n = len(track.sizes)
    starts = np.arange(0, n, CHUNK_FRAMES)
    whole = n // CHUNK_FRAMES * CHUNK_FRAMES  # a view per chunk, summed in int64 without a book-long int64 copy
    chunk_bytes = np.concatenate((track.sizes[:whole].reshape(-1, CHUNK_FRAMES).sum(axis=1, dtype=np.int64),
                                  np.array([track.sizes[whole:].sum(dtype=np.int64)] if whole < n else [], np.int64)))
    offsets = base + np.concatenate(([0], np.cumsum(chunk_bytes)[:-1])) if n else np.zeros(0, np.int64)
    last = n - (len(starts) - 1) * CHUNK_FRAMES if n else 0
    runs = [(1, min(n, CHUNK_FRAMES))] if n else []
    if n and last != CHUNK_FRAMES and len(starts) > 1:
        runs.append((len(starts), last))
    stsc = full_box(b"stsc", 0, 0, struct.pack(">I", len(runs)), b"".join(struct.pack(">III", c, k, 1) for c, k in runs))
    entry = box(b"mp4a", struct.pack(">6xH8xHHHHI", 1, track.channels, 16, 0, 0, (track.rate & 0xFFFF) << 16),
                _esds(track))
    stbl = box(b"stbl", full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry),
               full_box(b"stts", 0, 0, struct.pack(">III", 1, n, 1024)),
               stsc, full_box(b"stsz", 0, 0, struct.pack(">II", 0, n), _table(track.sizes, ">u4")),
               _chunk_offsets(offsets, wide),
               # AAC needs the unit before to decode a unit: a roll distance of -1 (14496-12 10.1).
               full_box(b"sgpd", 1, 0, struct.pack(">4sII", b"roll", 2, 1), struct.pack(">h", -1)),
               full_box(b"sbgp", 0, 0, struct.pack(">4sIII", b"roll", 1, n, 1)))
    media = n * 1024
    v = _version(track.samples, track.priming)
    elst = full_box(b"elst", v, 0, struct.pack(">I", 1),
                    struct.pack(">QqHH" if v else ">IiHH", track.samples, track.priming, 1, 0))
    tref = box(b"tref", box(b"chap", struct.pack(">I", 2))) if chapters else b""  # the chapter track's id
    return box(b"trak", _tkhd(1, track.samples, 0x3, 0x0100), box(b"edts", elst), tref,
               box(b"mdia", _mdhd(track.rate, media, track.language), _hdlr(b"soun", b"SoundHandler"),
                   box(b"minf", full_box(b"smhd", 0, 0, b"\x00" * 4), _DINF, stbl)))


def _utf8(text: str, limit: int) -> bytes:
    """`text` in UTF-8, cut to at most `limit` bytes on a character boundary."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore").encode("utf-8")


def chapter_samples(marks: Sequence[ChapterMark]) -> list[bytes]:
    """The chapter track's samples: each title as a QuickTime text sample (UTF-8, length-prefixed)."""
    return [struct.pack(">H", len(t := _utf8(m.title, 0xFFFF))) + t + _ENCD_UTF8 for m in marks]


def _text_trak(marks: Sequence[ChapterMark], total_ms: int, movie: int, base: int, wide: bool) -> Chunks:
    samples = chapter_samples(marks)
    starts = [0] + [m.start_ms for m in marks[1:]]
    durations = [max(0, b - a) for a, b in zip(starts, [*starts[1:], total_ms], strict=True)]
    offsets = base + np.concatenate(([0], np.cumsum([len(s) for s in samples])[:-1])).astype(np.int64)
    # QuickTime text sample entry: display flags, justification, colours, box, font, then an empty name.
    entry = box(b"text", struct.pack(">6xHIi3H4h8xHHBH3H", 1, 0, 0, *[0] * 3, *[0] * 4, 0, 0, 0, 0, *[0] * 3), b"\x00")
    stbl = box(b"stbl", full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry),
               full_box(b"stts", 0, 0, struct.pack(">I", len(durations)),
                        b"".join(struct.pack(">II", 1, d) for d in durations)),
               full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, 1, 1)),
               full_box(b"stsz", 0, 0, struct.pack(">II", 0, len(samples)),
                        b"".join(struct.pack(">I", len(s)) for s in samples)),
               _chunk_offsets(offsets, wide))
    # Disabled (flags 0): a list of chapters for the player, not a subtitle to show.
    return box(b"trak", _tkhd(2, movie, 0, 0),
               box(b"mdia", _mdhd(1000, total_ms, "und"), _hdlr(b"text", b"ChapterListHandler"),
                   box(b"minf", full_box(b"nmhd", 0, 0), _DINF, stbl)))


def _chpl(marks: Sequence[ChapterMark]) -> Chunks:
    """Nero chapters (100 ns units), as ffmpeg writes them; its count is one byte, so at most 255
    chapters: a longer list is left to the QuickTime chapter track alone."""
    if not marks or len(marks) > 255:
        return []
    items = b"".join(struct.pack(">QB", m.start_ms * 10_000, len(t := _utf8(m.title, 255))) + t for m in marks)
    return full_box(b"chpl", 1, 0, struct.pack(">IB", 0, len(marks)), items)


def movie_box(track: AacTrack, marks: Sequence[ChapterMark], audio_at: int, wide: bool, tag_room: int) -> Chunks:
    """The `moov` of an M4B whose audio units start at byte `audio_at` of the file, back to back, the
    chapter samples right after them; `wide`: 64-bit chunk offsets; `tag_room`: bytes of `free`
    beside the empty `ilst`, for the tags (mutagen writes them in place when they fit)."""
    total_ms = round(track.samples * 1000 / track.rate)
    audio_bytes = int(track.sizes.sum(dtype=np.int64))
    v = _version(track.samples)
    mvhd = full_box(b"mvhd", v, 0, _times(v, track.samples, track.rate),
                    struct.pack(">IH10x", 0x10000, 0x0100), _MATRIX, b"\x00" * 24, struct.pack(">I", 3))
    # iTunes metadata: the handler "mdir" made by "appl"; ilst empty until tag_m4b fills it.
    meta = full_box(b"meta", 0, 0, _hdlr(b"mdir", b"", b"appl"), box(b"ilst"), box(b"free", b"\x00" * tag_room))
    text = _text_trak(marks, total_ms, track.samples, audio_at + audio_bytes, wide) if marks else []
    return box(b"moov", mvhd, _audio_trak(track, audio_at, wide, bool(marks)), text, box(b"udta", meta, _chpl(marks)))


def layout(track: AacTrack, marks: Sequence[ChapterMark], tag_room: int) -> Chunks:
    """`ftyp`, `moov` and the `mdat` header for `track`, the offsets computed for where the audio lands."""
    payload = int(track.sizes.sum(dtype=np.int64)) + sum(len(s) for s in chapter_samples(marks))
    large = payload + 8 > _U32
    mdat_head = struct.pack(">I4sQ", 1, b"mdat", payload + 16) if large else struct.pack(">I4s", payload + 8, b"mdat")
    ftyp = box(b"ftyp", FTYP)
    for wide in (False, True):
        audio_at = size_of(ftyp) + size_of(movie_box(track, marks, 0, wide, tag_room)) + len(mdat_head)
        if wide or audio_at + payload <= _U32:
            return [*ftyp, *movie_box(track, marks, audio_at, wide, tag_room), mdat_head]
    raise AssertionError("unreachable")


def write_m4b_parts(parts: Sequence[Path], out: Path, track: AacTrack, marks: Sequence[ChapterMark],
                    tag_room: int) -> None:
    """Write the M4B of `track` to `out`: its boxes, then the parts' bytes (raw access units, the
    sizes in `track.sizes` in order) copied as they are, then the chapter titles. AudioError if the
    parts do not hold the bytes their sizes add up to."""
    with open(out, "wb", buffering=0) as dst:
        for chunk in layout(track, marks, tag_room):
            write_all(dst.fileno(), chunk)
        copied = 0
        for part in parts:
            with open(part, "rb", buffering=0) as src:
                copied += copy_range(src.fileno(), dst.fileno(), 0, os.fstat(src.fileno()).st_size)
        if copied != (expected := int(track.sizes.sum(dtype=np.int64))):
            raise AudioError(f"the AAC parts hold {copied} bytes, not the {expected} their units add up to")
        write_all(dst.fileno(), b"".join(chapter_samples(marks)))
