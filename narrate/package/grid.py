"""The frame grid that lets a book's MP3 and M4B be joined from per-chapter encodes without
re-encoding them, gaplessly (issue 12 item 5).

Joining separately encoded MP3 or AAC files by copying their frames adds each file's encoder delay
and padding at every join, unless every join falls on a frame boundary of the joined stream and
each piece holds exactly the samples it stands for. So the book's layout is laid on a grid:

- MP3 (LAME through ffmpeg): a file of `n` samples decodes, before its LAME header trims it, to
  `F * spf` samples (spf: 1152 per frame at 32 kHz and above, 576 below), the input starting after
  `MP3_DELAY` = 1105 samples (LAME's 576 encoder delay plus the 529 of the decoder, as ffmpeg's
  libmp3lame wrapper reports them). Measured with this ffmpeg: F = (n + 1105) // spf + 1 while
  r = (n + 1105) % spf <= spf - 48; above that LAME adds a frame and the LAME header's padding is
  wrong by spf - r samples, so narrate keeps r <= spf - `MP3_END_MARGIN`. A piece that stands for
  `L` samples (L a multiple of spf) is therefore encoded from its first `L - spf // 2 - 1105`
  samples: it decodes to exactly L / spf frames with its content where it belongs, and the
  samples it leaves out (silence at the end of every piece, see below) come back as the decoder's
  start-up and flush, which are silence too. The last piece of a file is encoded whole; the joined
  file's LAME header (narrate.package.mp3join: the first piece's delay, the last one's padding) trims the rest.
- AAC (ffmpeg's encoder, ADTS): `n` samples give ceil((n + 1024) / 1024) frames of 1024, the first
  1024 samples being priming. A part of `L` samples (L a multiple of 1024) is encoded from its
  first `L - 1024` samples; the last part whole, and the M4B's edit list (narrate.package.mp4)
  skips the first part's priming. A part's first frame is decoded after another encode's last
  frame, so a join is clean only in silence: each part after the first starts `aac_lead` samples
  early, in the pause before its chapter (the part before it ends as much earlier).

So every chapter's stretch of the whole-book stream (`Layout.part`) is a multiple of `lcm(spf,
1024)` samples (9216: 0.21 s at 44.1 kHz), made so by lengthening its pause after the chapter;
head, speech and pauses are each whole MP3 frames. tests/test_book_incremental.py checks the
decoded lengths and the chapter starts against the layout.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import AudioError

MP3_DELAY = 1105  # samples: libmp3lame's initial padding as ffmpeg reports it (576 + 529)
MP3_END_MARGIN = 64  # keep (n + delay) % spf at most spf - this (measured failure from spf - 47)
AAC_FRAME = 1024
AAC_PRIMING = 1024  # ffmpeg's native AAC encoder's initial padding
AAC_LEAD = 2048  # silence moved from a chapter's pause to the start of the next chapter's AAC part


def aac_lead(pause_before: int) -> int:
    """Samples of silence an AAC part (not the first) begins with, taken from the pause before it
    (`pause_before` samples): AAC_LEAD where that pause holds it with two frames to spare, else 0.

    A part's first frame is decoded after the previous part's last frame, whose overlap does not
    cancel its aliasing: if speech starts right at the join, its first 1024 samples come out
    distorted (measured: a -2.3 dBFS spike over a -4.2 dBFS limiter on the demo book). Where the
    join falls in silence, both sides of it are silent and it is clean."""
    return AAC_LEAD if pause_before >= AAC_LEAD + 2 * AAC_FRAME else 0


def mp3_frame_samples(rate: int) -> int:
    """Samples per MP3 frame: MPEG-1 Layer III (32, 44.1, 48 kHz) 1152; MPEG-2/2.5 576."""
    return 1152 if rate >= 32000 else 576


@dataclass(frozen=True)
class Layout:
    """The book's grid at `rate` (Hz): every length in samples."""

    rate: int

    @property
    def spf(self) -> int:
        return mp3_frame_samples(self.rate)

    @property
    def block(self) -> int:
        """Every chapter's stretch of the whole-book stream is a multiple of this."""
        return math.lcm(self.spf, AAC_FRAME)

    @property
    def inner_cut(self) -> int:
        """Samples an inner MP3 piece leaves out at its end (see the module doc)."""
        return self.spf // 2 + MP3_DELAY

    @property
    def min_piece(self) -> int:
        """The shortest inner MP3 piece: whole frames, longer than what it leaves out."""
        return (self.inner_cut // self.spf + 1) * self.spf

    def _frames(self, n: int) -> int:
        return -(-n // self.spf) * self.spf

    def head(self, samples: int) -> int:
        """The head room tone: whole frames, at least `min_piece`; 0 stays 0."""
        return 0 if samples <= 0 else max(self._frames(samples), self.min_piece)

    def speech(self, samples: int) -> int:
        """A chapter's speech piece: its units and pauses, then at least `inner_cut` of silence (so
        what the piece leaves out is silence), in whole frames."""
        return self._frames(samples + self.inner_cut)

    def after(self, before: int, pause: int) -> int:
        """The pause after a chapter that is not the last: at least `pause` samples, whole frames, 0 or
        at least `min_piece`, and such that `before` (the chapter's head and speech) plus it is a
        multiple of `block`."""
        n = self._frames(max(0, pause))
        while (before + n) % self.block or 0 < n < self.min_piece:
            n += self.spf
        return n

    def mp3_end_ok(self, n: int) -> bool:
        """Whether a last MP3 piece of `n` samples gets an exact LAME header (see the module doc)."""
        return (n + MP3_DELAY) % self.spf <= self.spf - MP3_END_MARGIN

    def tail(self, samples: int, before: int | None = None) -> int:
        """The tail room tone that ends a file: at least `samples` and one frame, with an exact LAME
        header; for the whole book (`before`: the last chapter's head and speech) also such that the
        last part is a multiple of the AAC frame."""
        n = max(samples, self.spf)
        while not self.mp3_end_ok(n) or (before is not None and (before + n) % AAC_FRAME):
            n += 1
        return n

    def mp3_samples(self, length: int, last: bool) -> int:
        """How many of a piece's `length` samples its MP3 encode takes."""
        return length if last else length - self.inner_cut

    @staticmethod
    def aac_samples(length: int, last: bool) -> int:
        """How many of a part's `length` samples its AAC encode takes."""
        return length if last else length - AAC_PRIMING

    def mp3_frames(self, length: int, last: bool) -> int:
        """The frames a piece's MP3 encode must have (checked after encoding)."""
        n = self.mp3_samples(length, last)
        return (n + MP3_DELAY) // self.spf + 1

    @staticmethod
    def aac_frames(length: int, last: bool) -> int:
        return -(-(Layout.aac_samples(length, last) + AAC_PRIMING) // AAC_FRAME)


def mp3_frame_count(path: Path) -> int:
    """Audio frames of an MP3 written by ffmpeg, from its Xing/Info header (which it always writes for
    a seekable file). Raises AudioError if there is none."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:3] == b"ID3":
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        with open(path, "rb") as fh:
            fh.seek(10 + size)
            head = fh.read(4096)
    for tag in (b"Info", b"Xing"):
        at = head.find(tag)
        if 0 <= at < 64 and int.from_bytes(head[at + 4:at + 8], "big") & 1:
            return int.from_bytes(head[at + 8:at + 12], "big")
    raise AudioError(f"{path}: no Xing/Info header with a frame count")


def adts_frame_count(path: Path) -> int:
    """Frames of a raw AAC (ADTS) file, walking the frame headers (13-bit frame length at bit 30).
    Reads 7 bytes per frame and seeks over the rest (an hour's part is tens of MB: never held whole)."""
    at = count = 0
    with open(path, "rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        while at + 7 <= size:
            fh.seek(at)
            head = fh.read(7)
            if len(head) < 7 or head[0] != 0xFF or head[1] & 0xF6 != 0xF0:
                raise AudioError(f"{path}: not an ADTS stream at byte {at}")
            length = ((head[3] & 0x03) << 11) | (head[4] << 3) | (head[5] >> 5)
            if length < 7:
                raise AudioError(f"{path}: bad ADTS frame length at byte {at}")
            at += length
            count += 1
    if at != size:
        raise AudioError(f"{path}: truncated ADTS stream")
    return count


@dataclass(frozen=True)
class BookLayout:
    """A book's lengths on the grid, in samples: `head` (already on the grid: `Layout.head`) and the
    profile's `tail`. A chapter is laid out from `raw`, its speech (units and pauses, the last pause
    not played): its speech piece (`grid.speech(raw)`, padded with silence), then in the whole-book
    stream its pause (`after`) or, for the last, the tail; in its own file, head, speech piece, tail.
    The silence after a speech piece counts its padding, so pauses and tails are the profile's, on the
    grid (a tail within 1.5 ms; a pause up to one `block` longer)."""

    grid: Layout
    head: int
    tail: int

    def pad(self, raw: int) -> int:
        return self.grid.speech(raw) - raw

    def before(self, raw: int, first: bool) -> int:
        """The chapter's head (the first chapter only) and speech piece in the whole-book stream."""
        return (self.head if first else 0) + self.grid.speech(raw)

    def end(self, raw: int, first: bool, last: bool, after: int) -> int:
        """The silence piece after the chapter's speech in the whole-book stream."""
        before, pad = self.before(raw, first), self.pad(raw)
        if last:
            return self.grid.tail(max(0, self.tail - pad), before)
        return self.grid.after(before, max(0, after - pad))

    def part(self, raw: int, first: bool, last: bool, after: int) -> int:
        """The chapter's length in the whole-book stream (a multiple of `block` but the last)."""
        return self.before(raw, first) + self.end(raw, first, last, after)

    def file_tail(self, raw: int) -> int:
        """The tail piece of the chapter's own file."""
        return self.grid.tail(max(0, self.tail - self.pad(raw)))

    def chapter_file(self, raw: int) -> int:
        """The chapter file's length: head, speech piece, tail piece."""
        return self.head + self.grid.speech(raw) + self.file_tail(raw)
