"""Join MP3 pieces by copying their audio frames, under one new Xing/Info + LAME frame (no ffmpeg).

Each piece (narrate.package.pieces: ffmpeg's libmp3lame, `MP3_PIECE`) is a Xing/Info frame then its
audio frames. The joined file is an optional ID3v2 tag, ONE Info frame for the whole, then every
piece's audio frames as they are (copied with os.copy_file_range where the kernel can). The frames
are laid on the gapless grid (narrate.package.grid), so only the first piece's encoder delay and the
last one's padding remain to be trimmed, and the Info frame says so.

Sources: the Xing header and LAME's extension to it, "Mp3 Info Tag rev 1 specifications"
(http://gabriel.mp3-tech.org/mp3infotag.html) and LAME's libmp3lame/VbrTag.c (`lame_get_lametag_frame`,
`PutLameVBR`, `Xing_seek_table`); what ffmpeg writes and reads, libavformat/mp3enc.c (`mp3_write_xing`,
`mp3_update_xing`, `mp3_xing_add_frame`) and mp3dec.c (`mp3_parse_info_tag`). As both define them:
the byte count and the music length count the Info frame and the audio frames; the music CRC is
CRC-16 (polynomial 0x8005 reflected, initial 0: "CRC-16/ARC") over the audio frames; the tag CRC is
the same CRC over every byte of the Info frame before it (LAME's code and ffmpeg's reader; the
spec's "first 190 bytes" is that for MPEG-1 stereo). The MPEG frame header: ISO/IEC 11172-3 2.4.1.3.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AudioError
from .hashed import HashedWriter, existing_bytes

_POLY = 0xA001  # 0x8005 bit-reversed: LAME's crc16_lookup, ffmpeg's AV_CRC_16_ANSI_LE
_BITRATES = {True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # kbps, layer III
             False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}  # MPEG-1; MPEG-2 and 2.5
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
ENCODER = b"LAME3.100"  # readers honour the LAME fields only under "LAME..." (mutagen; ffmpeg also "Lavf")
XING_SIZE = 156  # "Info" to the tag CRC, all four Xing fields present
BLOCK = 1 << 20  # bytes read at a time to CRC a piece


def _byte(crc: int) -> int:
    for _ in range(8):
        crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
    return crc


_LOOKUP = [_byte(b) for b in range(256)]
_TABLE = np.array(_LOOKUP, dtype=np.uint16)


def _mult(a: int, b: int) -> int:
    """a * b modulo the CRC polynomial, bits reflected (zlib's multmodp, for 16 bits)."""
    m, p = 1 << 15, 0
    while m:
        if a & m:
            p ^= b
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return p


@lru_cache(maxsize=64)
def _x8n(n: int) -> int:
    """x^(8n) modulo the polynomial: what appending n bytes does to a CRC (zlib's x2nmodp(n, 3))."""
    p, square = 1 << 15, 1 << 14  # x^0, then x^(2^k) from k = 0
    for _ in range(3):
        square = _mult(square, square)
    while n:
        if n & 1:
            p = _mult(square, p)
        n >>= 1
        square = _mult(square, square)
    return p


def crc16_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC of A + B from crc(A), crc(B) and len(B): with an initial 0 and no final xor the CRC is
    linear, so crc(A + B) = crc(A) * x^(8 len B) + crc(B) (zlib's crc32_combine, for CRC-16)."""
    return _mult(_x8n(len2), crc1) ^ crc2


@lru_cache(maxsize=8)
def _shift_tables(n: int) -> tuple[list[int], list[int]]:
    k = _x8n(n)
    return [_mult(k, i) for i in range(256)], [_mult(k, i << 8) for i in range(256)]


def crc16(data: bytes | memoryview, crc: int = 0, lanes: int = 2048) -> int:
    """CRC-16/ARC of `data` continuing from `crc`: LAME's `UpdateMusicCRC`. Vectorized: `data` is cut
    into `lanes` equal runs (zeros in front, which leave a CRC from 0 as it is), each run's CRC taken
    at once with numpy, the runs' CRCs then combined."""
    n = len(data)
    if n < 4 * lanes:  # a byte at a time (LAME's CRC_update_lookup)
        for byte in bytes(data):
            crc = (crc >> 8) ^ _LOOKUP[(crc ^ byte) & 0xFF]
        return crc
    run = -(-n // lanes)
    buf = np.zeros(run * lanes, dtype=np.uint8)
    buf[run * lanes - n:] = np.frombuffer(data, dtype=np.uint8)
    cols = np.ascontiguousarray(buf.reshape(lanes, run).T)
    regs = np.zeros(lanes, dtype=np.uint16)
    for col in cols:
        regs = (regs >> 8) ^ _TABLE[(regs ^ col) & 0xFF]
    low, high = _shift_tables(run)
    total = 0
    for r in regs.tolist():
        total = low[total & 0xFF] ^ high[total >> 8] ^ r
    return crc16_combine(crc, total, n)


class Header:
    """A layer III frame header (ISO/IEC 11172-3 2.4.1.3; MPEG-2 and 2.5 halve and quarter the sample
    rates, with their own bit rates), from its 32 bits."""

    def __init__(self, word: int) -> None:
        self.word = word
        self.mpeg1 = (word >> 19) & 3 == 3
        self.rate = _RATES[(word >> 19) & 3][(word >> 10) & 3]
        self.bitrate = _BITRATES[self.mpeg1][(word >> 12) & 15] * 1000
        self.mono = (word >> 6) & 3 == 3
        self.size = (144 if self.mpeg1 else 72) * self.bitrate // self.rate + ((word >> 9) & 1)  # bytes, padding too
        # Where a Xing/Info tag starts: after the header and the side information.
        self.xing_at = 4 + ((17 if self.mono else 32) if self.mpeg1 else (9 if self.mono else 17))
        self.stream = word & 0xFFFEFCC0  # what every frame of a CBR stream shares: version ... bit rate, rate, mode


def header(data: bytes, where: str) -> Header:
    """The layer III frame header at the start of `data` (AudioError if there is none)."""
    word = int.from_bytes(data[:4], "big") if len(data) >= 4 else 0
    ok = (word >> 21 == 0x7FF and (word >> 19) & 3 != 1 and (word >> 17) & 3 == 1
          and 0 < (word >> 12) & 15 < 15 and (word >> 10) & 3 != 3)
    if not ok:
        raise AudioError(f"{where}: no MPEG audio layer III frame header")
    return Header(word)


@dataclass(frozen=True)
class PieceFacts:
    """What a join needs of a piece, kept in its sidecar: the Info frame's length (`skip`, where its
    audio starts), its audio frames, its LAME encoder delay and padding (12-bit), the CRC-16 of its
    audio bytes, its first audio frame's header, and whether its tag said "Info" (CBR)."""

    skip: int
    frames: int
    delay: int
    padding: int
    crc: int
    header: int
    cbr: bool


def piece_facts(path: Path) -> PieceFacts:
    """Read a piece's Info frame and CRC its audio (1 MiB at a time)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
        info = header(head, path.name)
        at, skip = info.xing_at, info.size
        tag, flags = head[at:at + 4], int.from_bytes(head[at + 4:at + 8], "big")
        lame = at + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
        if tag not in (b"Info", b"Xing") or not flags & 1 or len(head) < max(lame + 24, skip + 4):
            raise AudioError(f"{path.name}: no Xing/Info frame with a frame count and a LAME tag")
        delays = int.from_bytes(head[lame + 21:lame + 24], "big")
        first = header(head[skip:], path.name).word
        fh.seek(skip)
        crc = 0
        while block := fh.read(BLOCK):
            crc = crc16(block, crc)
    return PieceFacts(skip, int.from_bytes(head[at + 8:at + 12], "big"), delays >> 12, delays & 0xFFF, crc, first,
                      tag == b"Info")


def facts_from(meta: Mapping[str, Any]) -> PieceFacts | None:
    """A sidecar's `mp3` facts, or None if any is missing or out of range (an old sidecar: no CRC)."""
    raw = meta.get("mp3")
    try:
        facts = PieceFacts(**raw)  # type: ignore[arg-type]
    except TypeError:
        return None
    ints = (facts.skip, facts.frames, facts.delay, facts.padding, facts.crc, facts.header)
    if not all(type(v) is int and v >= 0 for v in ints) or type(facts.cbr) is not bool:
        return None
    size = meta.get("bytes")
    if facts.delay > 0xFFF or facts.padding > 0xFFF or facts.crc > 0xFFFF or facts.header >> 32 or facts.frames >> 32 \
            or type(size) is not int or not 0 < facts.skip < size:
        return None
    try:
        header(facts.header.to_bytes(4, "big"), "sidecar")
    except AudioError:
        return None
    return facts


def _toc(pieces: Sequence[tuple[PieceFacts, int]], info: int) -> bytes:
    """The Xing TOC as ffmpeg's muxer builds it (after LAME's seek table): 400 bags of the byte count
    after every `want` frames, halved when full; entry i the byte at i% of the bags, x 256 / bytes. A
    frame's byte count inside a piece is interpolated (CBR: within a byte of the frames' own)."""
    frames = sum(f.frames for f, _ in pieces)
    want, pos, left = 1, 0, frames
    while left >= (400 - pos) * want:
        left -= (400 - pos) * want
        pos, want = 200, want * 2
    pos += left // want
    total = info + sum(size for _, size in pieces)
    marks, out = [(j + 1) * want for j in range(pos)], [0]
    bags, done, at, i = [], 0, info, 0
    for facts, size in pieces:
        while i < len(marks) and marks[i] <= done + facts.frames:
            bags.append(at + (marks[i] - done) * size // max(facts.frames, 1))
            i += 1
        done, at = done + facts.frames, at + size
    for entry in range(1, 100):
        out.append(min(255, 256 * bags[entry * pos // 100] // total) if bags else 0)
    return bytes(out)


def info_frame(pieces: Sequence[tuple[PieceFacts, int]]) -> bytes:
    """The Info (or Xing) frame for the join of `pieces` ((facts, audio bytes), in order): the first
    audio frame's header bits (no padding, no CRC; a higher bit rate if the tag does not fit, as
    ffmpeg does), the frame and byte counts, the TOC, then LAME's fields: the first piece's delay and
    the last one's padding, the music length, the music CRC and the tag CRC."""
    first = Header(pieces[0][0].header)
    cbr = all(f.cbr for f, _ in pieces)
    same = 0xFFFFFFFF if cbr else 0xFFFF0FFF  # a VBR stream's frames differ in bit rate
    if any(Header(f.header).stream & same != first.stream & same for f, _ in pieces):
        raise AudioError("the MP3 pieces were encoded with different settings; build again")
    word = (first.word & ~0x330) | 0x10000  # no padding, private or mode extension bits; no CRC
    while Header(word).size < Header(word).xing_at + XING_SIZE:
        if (word >> 12) & 15 == 14:
            raise AudioError("no MP3 bit rate has room for the Info frame")
        word += 1 << 12
    head = Header(word)
    size, at = head.size, head.xing_at
    frame = bytearray(size)
    frame[:4] = word.to_bytes(4, "big")
    audio = sum(n for _, n in pieces)
    frame[at:at + 16] = (b"Info" if cbr else b"Xing") + bytes([0, 0, 0, 15]) + \
        sum(f.frames for f, _ in pieces).to_bytes(4, "big") + (size + audio).to_bytes(4, "big")
    frame[at + 16:at + 116] = _toc(pieces, size)
    lame = at + 120  # after the quality field (0: unknown, as ffmpeg writes it)
    kbps = first.bitrate // 1000
    stereo = 0 if first.mono else {0: 1, 1: 3, 2: 2}[(first.word >> 6) & 3]
    source = {44100: 1, 48000: 2}.get(first.rate, 0 if first.rate <= 32000 else 3)
    frame[lame:lame + 9] = ENCODER
    frame[lame + 9] = 0x01 if cbr else 0x00  # tag revision 0, method: CBR (else unknown)
    frame[lame + 20] = min(kbps, 255)  # CBR: the bit rate
    frame[lame + 21:lame + 24] = ((pieces[0][0].delay << 12) | pieces[-1][0].padding).to_bytes(3, "big")
    frame[lame + 24] = (stereo << 2) | (source << 6)
    frame[lame + 28:lame + 32] = (size + audio).to_bytes(4, "big")
    crc = 0
    for facts, n in pieces:
        crc = crc16_combine(crc, facts.crc, n)
    frame[lame + 32:lame + 34] = crc.to_bytes(2, "big")
    frame[lame + 34:lame + 36] = crc16(bytes(frame[:lame + 34])).to_bytes(2, "big")
    return bytes(frame)


def join(pieces: Sequence[tuple[Path, PieceFacts]], out: Path, *, tag: bytes = b"", append: bool = False) -> str:
    """Write `tag` (ID3v2 bytes), the Info frame and every piece's audio frames to `out` (after what
    it holds if `append`). A piece shorter than its facts say raises AudioError. Returns the sha256 of
    the file as written (hashed as it is written: narrate.package.hashed)."""
    sizes = [path.stat().st_size - facts.skip for path, facts in pieces]
    frame = info_frame([(facts, n) for (_, facts), n in zip(pieces, sizes, strict=True)])
    with open(out, "r+b" if append else "wb", buffering=0) as dst:  # not O_APPEND: copy_file_range refuses it
        dst.seek(0, os.SEEK_END)
        writer = HashedWriter(dst.fileno(), existing_bytes(dst.fileno()) if append else b"")
        writer.write(tag + frame)
        for (path, facts), n in zip(pieces, sizes, strict=True):
            with open(path, "rb", buffering=0) as src:
                if writer.copy(src.fileno(), facts.skip, n) != n:
                    raise AudioError(f"{path.name} is shorter than its sidecar says")
    return writer.hexdigest()
