"""Book containers, read back with real decoders: ffmpeg for M4B and MP3 chapters, raw ID3 frames for
their order, mutagen for tags."""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from conftest import ROOT
from narrate.audio.pcm import Pcm
from narrate.audio.stream import WavStreamWriter
from narrate.errors import AudioError
from narrate.package.book import BookTags, ChapterMark, book_id3, join_book_mp3, join_m4b, m3u, write_chapter_mp3
from narrate.package.grid import AAC_PRIMING
from narrate.package.mp3join import piece_facts
from narrate.package.mp4 import AacTrack, adts_to_raw
from narrate.package.pieces import MP3_PIECE

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
COVER = ROOT / "content" / "patient-guide" / "cover.png"
RATE = 22050
# Titles with the characters ffmpeg's metadata format escapes, and twelve chapters: ids ch10 and ch11 sort before ch2 as text,
# which is how a tag writer that orders frames by key would scramble them.
TITLES = ["Intro; part #1", "A = B", "Back\\slash", *(f"Chapter {n}" for n in range(4, 13))]
MARKS = [ChapterMark(title, i * 500, (i + 1) * 500) for i, title in enumerate(TITLES)]
TAGS = BookTags("A Small Guide", "Test Author", COVER, "en-US")


@pytest.fixture(scope="module")
def wav(tmp_path_factory) -> Path:
    """Six seconds of a tone whose pitch changes every half second (one step per chapter)."""
    path = tmp_path_factory.mktemp("wav") / "book.wav"
    with WavStreamWriter(path, RATE) as writer:
        for i in range(len(MARKS)):
            t = np.arange(RATE // 2) / RATE
            writer.write(Pcm((6000 * np.sin(2 * np.pi * (200 + 40 * i) * t)).astype(np.int16), RATE))
    return path


def write_m4b(wav: Path, out: Path, tags: BookTags, marks: list[ChapterMark]) -> None:
    """The M4B as a build joins it: the WAV encoded to one AAC part (ADTS, stored as raw units), then joined."""
    adts, raw = out.with_suffix(".adts"), out.with_suffix(".raw")
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(wav), "-c:a", "aac", "-b:a", "64k", "-f", "adts", str(adts)],
                   check=True)
    with open(adts, "rb") as src, open(raw, "wb") as dst:
        sizes, asc, channels = adts_to_raw(src, dst)
    track = AacTrack(RATE, channels, asc, sizes, 6 * RATE, AAC_PRIMING)
    join_m4b([raw], track, out, tags, marks)
    adts.unlink()
    raw.unlink()


def write_book_mp3(wav: Path, out: Path, tags: BookTags, marks: list[ChapterMark]) -> None:
    """The whole-book MP3 as a build joins it: the WAV encoded to one MP3 piece, then joined."""
    piece = out.with_suffix(".piece")
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(wav), "-c:a", "libmp3lame", "-b:a", "64k", *MP3_PIECE,
                    str(piece)], check=True)
    join_book_mp3([(piece, piece_facts(piece))], out, tags, marks)
    piece.unlink()


def ffmpeg_chapters(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, title) of each chapter as `ffmpeg -i` lists them."""
    out = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    found = re.findall(r"Chapter #\d+:\d+: start ([\d.]+), end ([\d.]+)\n\s+Metadata:\n\s+title\s+: (.*)", out)
    return [(float(s), float(e), t) for s, e, t in found]


def id3_frames(path: Path) -> list[tuple[str, bytes]]:
    """The ID3v2.4 frames at the start of an MP3, in the order they are stored."""
    data = path.read_bytes()
    assert data[:3] == b"ID3" and data[3] == 4

    def syncsafe(b: bytes) -> int:
        return b[0] << 21 | b[1] << 14 | b[2] << 7 | b[3]

    end, pos, frames = 10 + syncsafe(data[6:10]), 10, []
    while pos + 10 <= end and data[pos:pos + 4] != b"\0\0\0\0":
        size = syncsafe(data[pos + 4:pos + 8])
        frames.append((data[pos:pos + 4].decode(), data[pos + 10:pos + 10 + size]))
        pos += 10 + size
    return frames


def test_a_book_without_an_author_has_no_artist_frames():
    frames = book_id3(BookTags("Q&A = yes", None, None, "en"), MARKS[:3])
    assert b"TPE1" not in frames and b"TPE2" not in frames and b"Q&A = yes" in frames


def test_m4b_chapters_titles_and_starts_as_ffmpeg_lists_them(wav, tmp_path):
    out = tmp_path / "book.m4b"
    write_m4b(wav, out, TAGS, MARKS)
    chapters = ffmpeg_chapters(out)
    assert [t for _, _, t in chapters] == TITLES
    assert [s for s, _, _ in chapters] == pytest.approx([m.start_ms / 1000 for m in MARKS], abs=0.001)
    assert chapters[-1][1] == pytest.approx(6.0, abs=0.001)
    tags = MP4(out)
    assert tags["\xa9nam"] == ["A Small Guide"] and tags["\xa9ART"] == ["Test Author"]
    assert bytes(tags["covr"][0]) == COVER.read_bytes()
    assert tags.info.codec.startswith("mp4a") and tags.info.length == pytest.approx(6.0, abs=0.1)
    assert [p.name for p in tmp_path.iterdir()] == ["book.m4b"]


def test_book_mp3_chap_frames_and_ctoc_in_time_order(wav, tmp_path):
    out = tmp_path / "book.mp3"
    write_book_mp3(wav, out, TAGS, MARKS)
    frames = id3_frames(out)
    chaps = [body for fid, body in frames if fid == "CHAP"]
    ids = [body.split(b"\0", 1)[0].decode() for body in chaps]
    starts = [struct.unpack(">I", body.split(b"\0", 1)[1][:4])[0] for body in chaps]
    assert starts == [m.start_ms for m in MARKS]  # stored in time order, not sorted by id
    toc_then_chapters = [f for f, _ in frames if f in ("CTOC", "CHAP")]
    assert toc_then_chapters == ["CTOC"] + ["CHAP"] * len(MARKS)  # one table of contents, read before the chapters
    tags = ID3(out)
    (toc,) = tags.getall("CTOC")
    assert toc.child_element_ids == ids and toc.flags & 0x01 and toc.flags & 0x02  # ordered, top level
    by_id = {c.element_id: c for c in tags.getall("CHAP")}
    assert [str(by_id[i].sub_frames["TIT2"]) for i in ids] == TITLES
    assert [by_id[i].end_time for i in ids] == [m.end_ms for m in MARKS]
    assert str(tags["TALB"]) == "A Small Guide" and str(tags["TPE1"]) == "Test Author"
    assert tags.getall("APIC")[0].data == COVER.read_bytes()
    assert [t for _, _, t in ffmpeg_chapters(out)] == TITLES


def test_chapter_mp3_tags(wav, tmp_path):
    out = tmp_path / "03-chapter.mp3"
    write_chapter_mp3(wav, out, TAGS, "Back\\slash", 3, 12)
    tags = ID3(out)
    assert str(tags["TIT2"]) == "Back\\slash" and str(tags["TALB"]) == "A Small Guide"
    assert str(tags["TPE1"]) == "Test Author" and str(tags["TRCK"]) == "3/12" and str(tags["TLAN"]) == "eng"
    (cover,) = tags.getall("APIC")
    assert cover.mime == "image/png" and cover.type == 3 and cover.data == COVER.read_bytes()
    assert MP3(out).info.length == pytest.approx(6.0, abs=0.1)
    assert not tags.getall("CHAP")


def test_chapter_mp3_without_author_or_cover(wav, tmp_path):
    out = tmp_path / "c.mp3"
    write_chapter_mp3(wav, out, BookTags("Bare", None, None, "fr"), "Un", 1, 1)
    tags = ID3(out)
    assert "TPE1" not in tags and not tags.getall("APIC") and str(tags["TRCK"]) == "1/1"


def test_same_input_same_bytes(wav, tmp_path):
    """Unchanged chapters re-encode to identical files, so a rebuild leaves them (and their mtime) alone."""
    for name, write in (("a.m4b", lambda o: write_m4b(wav, o, TAGS, MARKS)),
                        ("a.mp3", lambda o: write_book_mp3(wav, o, TAGS, MARKS)),
                        ("c.mp3", lambda o: write_chapter_mp3(wav, o, TAGS, "One", 1, 2))):
        write(tmp_path / f"1{name}")
        write(tmp_path / f"2{name}")
        assert (tmp_path / f"1{name}").read_bytes() == (tmp_path / f"2{name}").read_bytes(), name


def test_failed_encode_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(AudioError, match="ffmpeg failed"):
        write_chapter_mp3(bad, out_dir / "c.mp3", TAGS, "One", 1, 1)
    assert list(out_dir.iterdir()) == []


def test_m3u():
    text = m3u([("01-before.mp3", 61.4, "Before Your Visit"), ("02-care.mp3", 119.6, "Caring,\nat home")])
    assert text == ("#EXTM3U\n#EXTINF:61,Before Your Visit\n01-before.mp3\n"
                    "#EXTINF:120,Caring, at home\n02-care.mp3\n")
