"""narrate's own M4B writer (narrate.package.mp4): the audio decodes to exactly what ffmpeg's muxer
gives for the same access units, chapters read back through ffmpeg and mutagen, and the tags fit in
place."""

from __future__ import annotations

import base64
import io
import json
import os
import struct
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from mutagen.mp4 import MP4

from narrate.errors import AudioError
from narrate.package.book import BookTags, ChapterMark, iso639_2, join_m4b, tag_m4b
from narrate.package.mp4 import AacTrack, _busiest, adts_to_raw, layout, write_m4b_parts
from narrate.package.pieces import PieceStore

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
RATE = 44100
PRIMING = 1024


def ffmpeg(*args: str) -> bytes:
    return subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", *args],
                          check=True, capture_output=True).stdout


def decode(path: Path) -> np.ndarray:
    return np.frombuffer(ffmpeg("-i", str(path), "-f", "s16le", "-ac", "1", "-"), dtype="<i2")


def adts_tone(path: Path, seconds: float, freq: int) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate={RATE}:duration={seconds}",
           "-c:a", "aac", "-b:a", "64k", "-f", "adts", str(path))
    return path


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """Two ADTS parts, as raw access units with their sizes, and the ADTS stream they make joined."""
    folder = tmp_path_factory.mktemp("mp4")
    raws, sizes = [], []
    joined = folder / "joined.aac"
    with open(joined, "wb") as all_adts:
        for i, (seconds, freq) in enumerate(((2.0, 440), (1.3, 660))):
            adts = adts_tone(folder / f"part{i}.aac", seconds, freq)
            all_adts.write(adts.read_bytes())
            raw = folder / f"part{i}.raw"
            with open(adts, "rb") as src, open(raw, "wb") as dst:
                units, asc, channels = adts_to_raw(src, dst)
            raws.append(raw)
            sizes.append(units)
    return folder, raws, np.concatenate(sizes), asc, channels, joined


def track_of(parts, samples: int | None = None) -> AacTrack:
    _, _, sizes, asc, channels, _ = parts
    return AacTrack(RATE, channels, asc, sizes, samples if samples is not None else len(sizes) * 1024 - PRIMING,
                    PRIMING)


def chapter_starts_ms(ffmeta: str) -> list[int]:
    """The chapter starts in an FFMETADATA dump, in milliseconds."""
    out, base = [], None
    for line in ffmeta.splitlines():
        if line.startswith("TIMEBASE="):
            num, den = line.split("=")[1].split("/")
            base = int(num) / int(den)
        elif line.startswith("START=") and base is not None:
            out.append(round(int(line.split("=")[1]) * base * 1000))
    return out


TAGS = BookTags(title="Der Zauberberg", author="Thomas Mann", cover=None, language="de")


def test_the_audio_decodes_to_the_samples_ffmpeg_muxes_from_the_same_units(parts, tmp_path):
    folder, raws, sizes, *_, joined = parts
    playable = len(sizes) * 1024 - PRIMING - 500  # an edit list shorter than the media: cut exactly there
    marks = [ChapterMark("One", 0, 2000), ChapterMark("Two", 2000, round(playable * 1000 / RATE))]
    out = tmp_path / "book.m4b"
    join_m4b(raws, track_of(parts, playable), out, TAGS, marks)
    reference = tmp_path / "reference.m4b"
    ffmpeg("-itsoffset", f"-{PRIMING / RATE:.6f}", "-i", str(joined), "-c:a", "copy", str(reference))
    ours, theirs = decode(out), decode(reference)
    assert len(ours) == playable
    assert np.array_equal(ours, theirs[:playable])
    assert np.abs(ours).max() > 1000  # the tone, not silence


def test_chapters_read_back_through_ffmpeg_and_mutagen_in_utf8(parts, tmp_path):
    titles = ["Prolog", "Kapitel Über", "第一章 – 始まり"]
    marks = [ChapterMark(t, i * 1000, (i + 1) * 1000) for i, t in enumerate(titles)]
    out = tmp_path / "book.m4b"
    join_m4b(parts[1], track_of(parts), out, TAGS, marks)
    meta = ffmpeg("-i", str(out), "-f", "ffmetadata", "-").decode("utf-8")
    assert [line.split("=", 1)[1] for line in meta.splitlines() if line.startswith("title=")][-3:] == titles
    assert chapter_starts_ms(meta) == [0, 1000, 2000]
    mp4 = MP4(out)
    assert [c.title for c in mp4.chapters] == titles
    assert [round(c.start, 3) for c in mp4.chapters] == [0.0, 1.0, 2.0]
    assert mp4.tags["\xa9nam"] == ["Der Zauberberg"] and mp4.tags["stik"] == [2]


def test_the_audio_track_carries_the_books_language(parts, tmp_path):
    out = tmp_path / "book.m4b"
    join_m4b(parts[1], track_of(parts), out, TAGS, [])  # TAGS: "de"
    info = subprocess.run([FFMPEG, "-hide_banner", "-i", str(out)], capture_output=True, text=True).stderr
    assert "Stream #0:0[0x1](deu): Audio: aac" in info
    assert [iso639_2(t) for t in ("en-US", "pt-BR", "zh-Hans-CN", "xx-invalid", "und")] == \
        ["eng", "por", "zho", "und", "und"]


def test_more_chapters_than_nero_lists_hold_are_read_from_the_chapter_track(parts, tmp_path):
    marks = [ChapterMark(f"Part {i}", i * 10, (i + 1) * 10) for i in range(300)]
    out = tmp_path / "book.m4b"
    join_m4b(parts[1], track_of(parts), out, TAGS, marks)
    meta = ffmpeg("-i", str(out), "-f", "ffmetadata", "-").decode("utf-8")
    assert meta.count("[CHAPTER]") == 300
    assert "title=Part 299" in meta


def test_the_tags_are_written_in_the_room_left_for_them(parts, tmp_path):
    folder, raws, *_ = parts
    cover = tmp_path / "cover.png"
    cover.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(20_000))
    tags = BookTags(title="T" * 300, author="A", cover=cover, language="en")
    out = tmp_path / "book.m4b"
    track = track_of(parts)
    write_m4b_parts(raws, out, track, [ChapterMark("One", 0, 1000)], tag_room=40_000)
    before = out.read_bytes()
    audio_at = sum(len(c) for c in layout(track, [ChapterMark("One", 0, 1000)], 40_000))
    tag_m4b(out, tags)
    after = out.read_bytes()
    assert len(after) == len(before)  # in place: the audio was not moved (nor the file rewritten)
    assert after[audio_at:] == before[audio_at:]
    assert MP4(out).tags["covr"][0] == cover.read_bytes()


def test_a_book_over_4_gib_gets_64_bit_offsets_and_a_large_mdat():
    sizes = np.full(3_000_000, 1500, dtype=np.uint16)  # 4.5 GB of units
    *head, mdat = layout(AacTrack(RATE, 1, b"\x12\x08", sizes, len(sizes) * 1024 - PRIMING, PRIMING), [], 0)
    moov = b"".join(head)
    assert b"co64" in moov and b"stco" not in moov
    at = moov.index(b"co64") + 8
    (count,) = struct.unpack(">I", moov[at:at + 4])
    offsets = np.frombuffer(moov[at + 4:at + 4 + 8 * count], ">u8")
    assert count == -(-3_000_000 // 64) and offsets[0] == len(moov) + 16  # the audio starts after the mdat header
    assert offsets[-1] == offsets[0] + (count - 1) * 64 * 1500 > 2**32
    assert mdat[:8] == struct.pack(">I4s", 1, b"mdat")
    assert struct.unpack(">Q", mdat[8:16])[0] == 16 + 4_500_000_000


def test_the_busiest_second_is_found_across_blocks():
    rng = np.random.default_rng(7)
    for n, width in ((1, 1), (50, 50), (1000, 43), (5000, 43)):
        sizes = rng.integers(1, 800, n).astype(np.uint16)
        brute = max(int(sizes[i:i + width].sum()) for i in range(n - width + 1))
        assert _busiest(sizes, width, block=64) == brute, (n, width)


def test_parts_that_do_not_hold_their_units_bytes_are_refused(parts, tmp_path):
    folder, raws, *_ = parts
    short = tmp_path / "short.raw"
    short.write_bytes(raws[1].read_bytes()[:-10])
    with pytest.raises(AudioError, match="AAC parts hold"):
        write_m4b_parts([raws[0], short], tmp_path / "book.m4b", track_of(parts), [], tag_room=0)


def test_a_stream_that_is_not_adts_or_is_cut_short_is_refused(parts):
    folder = parts[0]
    adts = (folder / "part0.aac").read_bytes()
    for bad, message in ((b"RIFF" + adts, "not an ADTS stream"), (adts[:-5], "truncated"), (b"", "empty")):
        with pytest.raises(AudioError, match=message):
            adts_to_raw(io.BytesIO(bad), io.BytesIO())


def test_the_piece_store_keeps_an_aac_part_with_its_units_and_refuses_a_tampered_sidecar(parts, tmp_path):
    folder, raws, *_ = parts
    store = PieceStore(tmp_path / "cache")
    key = "a" * 64
    path = store.put_aac(folder / "part0.aac", key)
    assert path.read_bytes() == raws[0].read_bytes()
    stored, (sizes, asc, channels) = store.aac_part(key)
    assert stored == path and int(sizes.sum()) == path.stat().st_size and channels == 1
    side = path.with_name(path.name + ".json")
    side.write_text(side.read_text().replace('"channels": 1', '"channels": 0'))
    assert PieceStore(tmp_path / "cache").get(key, "aac") is None  # the next build's store


def test_a_sidecar_whose_facts_were_altered_or_moved_with_another_piece_is_refused(parts, tmp_path):
    folder, raws, *_ = parts
    store = PieceStore(tmp_path / "cache")
    a, b = store.put_aac(folder / "part0.aac", "a" * 64), store.put_aac(folder / "part1.aac", "b" * 64)
    side = a.with_name(a.name + ".json")
    meta = json.loads(side.read_text())
    units = np.frombuffer(base64.b64decode(meta["units"]), "<u2").copy()
    units[[10, 11]] = units[[11, 10]]  # the same total: only the seal tells
    meta["units"] = base64.b64encode(units.tobytes()).decode()
    side.write_text(json.dumps(meta))
    assert PieceStore(tmp_path / "cache").get("a" * 64, "aac") is None
    # Swapped with another piece, sidecars and all: each sidecar's seal names its own piece.
    store.put_aac(folder / "part0.aac", "a" * 64)
    for ext in ("", ".json"):
        os.replace(b.with_name(b.name + ext), tmp_path / "held")
        os.replace(a.with_name(a.name + ext), b.with_name(b.name + ext))
        os.replace(tmp_path / "held", a.with_name(a.name + ext))
    fresh = PieceStore(tmp_path / "cache")
    assert fresh.get("a" * 64, "aac") is None and fresh.get("b" * 64, "aac") is None
