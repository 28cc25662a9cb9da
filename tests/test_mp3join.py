"""The whole-book and chapter MP3s joined by copying the pieces' frames (narrate.package.mp3join): the
same samples as ffmpeg's concat-copy join, one Info/LAME frame that ffmpeg and mutagen read (frames,
delay, padding, music CRC, tag CRC), and the ID3 tag with the chapters in time order."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3, PictureType
from mutagen.mp3 import MP3

from conftest import ROOT
from narrate.audio.pcm import Pcm
from narrate.audio.stream import WavStreamWriter
from narrate.errors import AudioError
from narrate.fsutil import copy_range
from narrate.manifest.resolved import BookMeta
from narrate.package import mp3join
from narrate.package.book import BookTags, ChapterMark, join_book_mp3, join_chapter_mp3
from narrate.package.grid import Layout
from narrate.package.pieces import PieceStore, encode_silence, encode_speech

FFMPEG = __import__("imageio_ffmpeg").get_ffmpeg_exe()
COVER = ROOT / "content" / "patient-guide" / "cover.png"
TAGS = BookTags("A Tone Book", "Tess Tone", COVER, "en", BookMeta(narrator="Nora Reader", description="Two tones."))


def crc16_bitwise(data: bytes) -> int:
    """CRC-16 as LAME's UpdateMusicCRC defines it (polynomial 0x8005 reflected, from 0), bit by bit."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def tone_piece(tmp: Path, grid: Layout, raw: int, freq: float, codec: list[str]) -> Path:
    """A chapter's speech piece from `raw` samples of a tone, laid out as narrate.package.assemble does."""
    wav = WavStreamWriter(tmp / f"speech-{freq:g}.wav", grid.rate)
    t = np.arange(raw) / grid.rate
    wav.write(Pcm((8000 * np.sin(2 * np.pi * freq * t)).astype(np.int16), grid.rate))
    wav.write(Pcm(np.zeros(grid.speech(raw) - raw, dtype=np.int16), grid.rate))
    wav.close()
    out = tmp / f"speech-{freq:g}.mp3"
    encode_speech(wav.path, grid, mp3=(out, codec, ""), aac=None)
    return out


@pytest.fixture(scope="module", params=[(44100, 192), (22050, 64)], ids=["44k-192k", "22k-64k"])
def book(request, tmp_path_factory):
    """Head, chapter 1, a pause, chapter 2, the tail: pieces in a PieceStore, in book order, with the
    samples each stands for."""
    rate, kbps = request.param
    tmp = tmp_path_factory.mktemp(f"join{rate}")
    grid, codec = Layout(rate), ["-c:a", "libmp3lame", "-b:a", f"{kbps}k", "-ar", str(rate), "-ac", "1"]
    store = PieceStore(tmp / "cache")
    head = grid.head(round(0.75 * rate))
    one, two = tone_piece(tmp, grid, 2 * rate + 123, 440, codec), tone_piece(tmp, grid, 3 * rate + 7, 660, codec)
    pause = grid.after(head + grid.speech(2 * rate + 123), rate)
    tail = grid.tail(2 * rate)
    files = [(tmp / "head.mp3", head, False), (one, grid.speech(2 * rate + 123), None), (tmp / "pause.mp3", pause, False),
             (two, grid.speech(3 * rate + 7), None), (tmp / "tail.mp3", tail, True)]
    pieces, lengths = [], []
    for i, (path, length, last) in enumerate(files):
        if last is not None:
            encode_silence(path, grid, length, last, codec)
        key = f"{i:02d}" * 32
        store.put_mp3(path, key)
        pieces.append(store.mp3_piece(key))
        lengths.append(length)
    return tmp, grid, store, pieces, lengths


def decode(path: Path) -> bytes:
    return subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "s16le", "-"], capture_output=True,
                          check=True).stdout


def ffmpeg_join(pieces: list[tuple[Path, mp3join.PieceFacts]], out: Path) -> None:
    """What narrate ran before: ffmpeg's concat demuxer, frames copied."""
    listed = out.with_suffix(".ffconcat")
    listed.write_text("ffconcat version 1.0\n" + "".join(f"file '{p}'\n" for p, _ in pieces))
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listed), "-c:a", "copy",
                    "-id3v2_version", "0", "-write_id3v1", "0", "-fflags", "+bitexact", str(out)], check=True)


def marks(grid: Layout, lengths: list[int]) -> list[ChapterMark]:
    first = lengths[0] + lengths[1] + lengths[2]
    ms = [0, round(first * 1000 / grid.rate), round(sum(lengths) * 1000 / grid.rate)]
    return [ChapterMark("Chapter One, the longer title", ms[0], ms[1]), ChapterMark("Two", ms[1], ms[2])]


def info_of(path: Path) -> tuple[bytes, int, bytes]:
    """(the Info frame, where its tag starts, the audio after it) of a file, past any ID3v2 tag."""
    data = path.read_bytes()
    if data[:3] == b"ID3":
        data = data[10 + sum((b & 0x7F) << s for b, s in zip(data[6:10], (21, 14, 7, 0), strict=True)):]
    head = mp3join.header(data, path.name)
    return data[:head.size], head.xing_at, data[head.size:]


def test_the_joined_book_decodes_to_the_samples_of_ffmpegs_join(book):
    tmp, grid, _, pieces, lengths = book
    ours, theirs = tmp / "ours.mp3", tmp / "theirs.mp3"
    join_book_mp3(pieces, ours, TAGS, marks(grid, lengths))
    ffmpeg_join(pieces, theirs)
    pcm = decode(ours)
    assert len(pcm) // 2 == sum(lengths)  # gapless: every piece's samples, nothing more
    assert pcm == decode(theirs)
    assert info_of(ours)[2] == info_of(theirs)[2]  # the same audio frames, byte for byte
    assert abs(MP3(ours).info.length - sum(lengths) / grid.rate) < 1e-9  # mutagen reads the LAME delay and padding


def test_the_info_frame_counts_and_checks_what_follows_it(book):
    tmp, grid, _, pieces, lengths = book
    out, theirs = tmp / "checked.mp3", tmp / "theirs-checked.mp3"
    join_book_mp3(pieces, out, TAGS, marks(grid, lengths))
    ffmpeg_join(pieces, theirs)
    frame, at, audio = info_of(out)
    assert frame[at:at + 8] == b"Info\x00\x00\x00\x0f"
    frames, size = int.from_bytes(frame[at + 8:at + 12], "big"), int.from_bytes(frame[at + 12:at + 16], "big")
    walked, pos = 0, 0
    while pos < len(audio):  # every audio frame, by its header
        pos += mp3join.header(audio[pos:pos + 4], "audio").size
        walked += 1
    assert pos == len(audio) and frames == walked == sum(f.frames for _, f in pieces)
    assert size == len(frame) + len(audio)
    lame = at + 120
    assert frame[lame:lame + 9] == b"LAME3.100"
    delays = int.from_bytes(frame[lame + 21:lame + 24], "big")
    assert (delays >> 12, delays & 0xFFF) == (pieces[0][1].delay, pieces[-1][1].padding) == (576, pieces[-1][1].padding)
    assert int.from_bytes(frame[lame + 28:lame + 32], "big") == len(frame) + len(audio)  # music length
    assert int.from_bytes(frame[lame + 32:lame + 34], "big") == crc16_bitwise(audio)  # music CRC, over the audio
    # The tag CRC: over the Info frame's bytes before it (LAME's PutLameVBR, ffmpeg's mp3_parse_info_tag;
    # the spec's "first 190 bytes" for MPEG-1 stereo, where the field sits at 190).
    assert int.from_bytes(frame[lame + 34:lame + 36], "big") == crc16_bitwise(frame[:lame + 34])
    theirs_frame, their_at, _ = info_of(theirs)  # ffmpeg's concat join writes the same counts and CRC
    for a, b in ((8, 16), (141, 144), (148, 154)):
        assert frame[at + a:at + b] == theirs_frame[their_at + a:their_at + b]
    assert all(abs(x - y) <= 1 for x, y in zip(frame[at + 16:at + 116], theirs_frame[their_at + 16:their_at + 116],
                                               strict=True))  # TOC: within a byte's rounding
    # ffmpeg accepts the tag CRC: only then does it report the encoder.
    probe = subprocess.run([FFMPEG, "-hide_banner", "-i", str(out)], capture_output=True, text=True).stderr
    assert "encoder         : LAME3.100" in probe


def test_the_crc_of_a_join_is_combined_from_the_pieces():
    rng = np.random.default_rng(7)
    parts = [rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in (0, 1, 3000, 70001)]
    for part in parts:
        assert mp3join.crc16(part) == crc16_bitwise(part)
    crc = 0
    for part in parts:
        crc = mp3join.crc16_combine(crc, crc16_bitwise(part), len(part))
    assert crc == crc16_bitwise(b"".join(parts))


def test_mutagen_reads_the_tags_and_the_chapters_in_time_order(book):
    tmp, grid, _, pieces, lengths = book
    out = tmp / "tagged.mp3"
    join_book_mp3(pieces, out, TAGS, marks(grid, lengths))
    tags = ID3(out)
    assert tags.version == (2, 4, 0)
    assert str(tags["TIT2"]) == str(tags["TALB"]) == "A Tone Book" and str(tags["TPE1"]) == "Tess Tone"
    assert str(tags["TCOM"]) == "Nora Reader" and str(tags["TXXX:DESCRIPTION"]) == "Two tones."
    assert str(tags["TLAN"]) == "eng" and str(tags["TCON"]) == "Audiobook"
    (picture,) = tags.getall("APIC")
    assert picture.type == PictureType.COVER_FRONT and picture.data == COVER.read_bytes()
    chaps = tags.getall("CHAP")
    assert [c.element_id for c in chaps] == ["ch0", "ch1"]
    assert [(c.start_time, c.end_time) for c in chaps] == [(m.start_ms, m.end_ms) for m in marks(grid, lengths)]
    assert [str(c.sub_frames["TIT2"]) for c in chaps] == ["Chapter One, the longer title", "Two"]
    assert tags.getall("CTOC")[0].child_element_ids == ["ch0", "ch1"]
    data = out.read_bytes()
    at = [i for i in range(4096) if data[i:i + 4] == b"CHAP"]
    assert [data[i + 10:i + 14] for i in at] == [b"ch0\x00", b"ch1\x00"]  # in the file, in time order
    probe = subprocess.run([FFMPEG, "-hide_banner", "-i", str(out)], capture_output=True, text=True).stderr
    assert "title           : Two" in probe.split("Chapter #0:1")[1]


def test_a_chapter_file_is_tagged_and_joined(book):
    tmp, _, _, pieces, lengths = book
    out = tmp / "chapter.mp3"
    join_chapter_mp3(pieces[:2], out, TAGS, "One", 1, 2)
    assert str(ID3(out)["TRCK"]) == "1/2" and str(ID3(out)["TIT2"]) == "One"
    theirs = tmp / "chapter-theirs.mp3"
    ffmpeg_join(pieces[:2], theirs)
    assert decode(out) == decode(theirs)


def test_the_copy_falls_back_to_blocks_and_stops_at_the_end_of_a_piece(book, monkeypatch, tmp_path):
    _, _, _, pieces, _ = book
    kernel, blocks = tmp_path / "kernel.mp3", tmp_path / "blocks.mp3"
    mp3join.join(pieces, kernel)

    def refused(*args, **kwargs):
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(os, "copy_file_range", refused)
    mp3join.join(pieces, blocks)
    assert kernel.read_bytes() == blocks.read_bytes()
    path = pieces[1][0]
    for kernel_copy in (False, True):  # asked for more than there is: what there is, by blocks, then in the kernel
        if kernel_copy:
            monkeypatch.undo()
        with open(path, "rb") as src, open(tmp_path / "short.mp3", "wb") as dst:
            assert copy_range(src.fileno(), dst.fileno(), 100, path.stat().st_size) == path.stat().st_size - 100
        assert (tmp_path / "short.mp3").read_bytes() == path.read_bytes()[100:]


def test_a_piece_whose_sidecar_lacks_the_crc_is_missing(book):
    _, _, store, pieces, _ = book
    key = "04" * 32  # the tail
    side = store.path(key, "mp3").with_name(f"{key}.mp3.json")
    meta = json.loads(side.read_text())
    try:
        for broken in ({k: v for k, v in meta["mp3"].items() if k != "crc"}, {**meta["mp3"], "crc": 1 << 16}, None,
                       {**meta["mp3"], "header": 0xFFF31CC4}, {**meta["mp3"], "crc": "0"}):
            side.write_text(json.dumps({**{k: v for k, v in meta.items() if k != "mp3"},
                                        **({"mp3": broken} if broken is not None else {})}))
            fresh = PieceStore(store.root.parent)
            assert fresh.get(key, "mp3") is None  # an older narrate's sidecar: the piece is encoded again
            with pytest.raises(AudioError, match="vanished"):
                fresh.mp3_piece(key)
    finally:
        side.write_text(json.dumps(meta))
    assert PieceStore(store.root.parent).mp3_piece(key)[1] == pieces[-1][1]


def test_the_info_frame_takes_a_higher_bit_rate_where_the_tag_would_not_fit_and_refuses_mixed_pieces():
    low = 0xFFF310C4  # MPEG-2 layer III, 8 kbps, 22,050 Hz, mono: 26-byte frames
    facts = mp3join.PieceFacts(skip=26, frames=10, delay=576, padding=100, crc=0, header=low, cbr=True)
    frame = mp3join.info_frame([(facts, 260)])
    head = mp3join.header(frame, "info")
    assert len(frame) == head.size >= head.xing_at + mp3join.XING_SIZE and head.rate == 22050 and head.mono
    assert head.bitrate == 56000  # the lowest whose frame holds the tag, as ffmpeg's mp3_write_xing picks
    assert frame[head.xing_at:head.xing_at + 4] == b"Info"
    other = mp3join.PieceFacts(**{**facts.__dict__, "header": low + (1 << 12)})  # 16 kbps
    with pytest.raises(AudioError, match="different settings"):
        mp3join.info_frame([(facts, 260), (other, 520)])


def test_a_book_of_more_than_255_chapters_gets_nested_tables_of_contents(tmp_path):
    from narrate.package.book import book_id3

    path = tmp_path / "tag.id3"
    path.write_bytes(book_id3(BookTags("Many", None, None, "en"), [ChapterMark(f"P{i}", i, i + 1) for i in range(600)]))
    tags = ID3(path)
    tocs = {t.element_id: t for t in tags.getall("CTOC")}
    assert tocs["toc"].child_element_ids == ["toc0", "toc1", "toc2"] and tocs["toc"].flags & 0x02  # top level
    order = [c for sub in tocs["toc"].child_element_ids for c in tocs[sub].child_element_ids]
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    assert [chaps[c].start_time for c in order] == list(range(600))  # every chapter, in time order
