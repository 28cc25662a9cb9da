"""Incremental book assembly (issue 12 item 5): per-chapter encodes kept in the cache, the chapter
files, whole-book MP3 and M4B joined from them by frame copy, gaplessly.

"Gapless" here, measured by decoding with ffmpeg: each file decodes to exactly the samples of its
layout (the lock's `samples`, to the sample: 1 ms is allowed), its chapter marks fall at the layout's
boundaries (within 1 ms), and every chapter's speech in the whole-book files sits where it does in its
own chapter file (waveforms compared: the joins add no sample and drop none).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

import narrate.package.assemble as assemble
from conftest import copy_of, narrate
from narrate.cache import SegmentCache
from narrate.errors import NarrateError
from narrate.manifest import load_manifest
from narrate.package.assemble import build_book
from narrate.package.grid import Layout, adts_frame_count, mp3_frame_count
from narrate.package.pieces import STORE_DIR, encode_silence
from narrate.plan.books import plan_books
from narrate.prepare import load_lexicon, make_providers

FFMPEG = __import__("imageio_ffmpeg").get_ffmpeg_exe()
RATE = 44100  # the audiobook profile's

CHAPTERS = {
    "01-one.md": "# First Steps\n\nThe first chapter begins here. It has two sentences.\n",
    "02-two.md": "# Second Thoughts\n\nThe second chapter is short.\n",
    "03-three.md": "# Third Way\n\nA third chapter closes the book. Goodbye.\n",
}
EDITED = "# Second Thoughts\n\nThe second chapter is short. One sentence more.\n"


def make_book(root: Path) -> Path:
    (root / "ch").mkdir()
    for name, text in CHAPTERS.items():
        (root / "ch" / name).write_text(text)
    (root / "book.yaml").write_text(
        "version: 1\nbooks:\n  guide:\n    title: Guide\n    author: A. Writer\n    sources: ch/*.md\n"
        "    formats: [chapters, mp3, m4b]\n    transcripts: {formats: [vtt]}\n    output: out\n")
    return root


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_book(tmp_path)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book built once by the CLI (segments, pieces, outputs, lock), for `built` to copy."""
    root = make_book(tmp_path_factory.mktemp("built-book"))
    done = narrate("build", "book.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def built(built_once: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built book (what each test's own first `narrate build` made: ~2.3 s of CPU
    each). The copy has new inodes and ctimes, so a build sees every stat signature change and hashes
    the kept pieces and outputs again, as after files were replaced behind its back."""
    return copy_of(built_once, tmp_path)


def decoded(path: Path) -> np.ndarray:
    """The file as ffmpeg decodes it (its LAME header or MP4 edit list honoured), mono int16 at RATE."""
    out = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float64)


def lock_entry(root: Path) -> dict:
    return json.loads((root / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["guide"]


def plan_one(root: Path):
    manifest = load_manifest(root / "book.yaml")
    providers, _ = make_providers(manifest)
    (job,) = plan_books(manifest, providers, load_lexicon(manifest))
    return job


def mp3_marks(path: Path) -> list[tuple[str, int, int]]:
    tags = ID3(path)
    return [(f.sub_frames["TIT2"].text[0], f.start_time, f.end_time) for f in tags.getall("CHAP")]


def layout_marks(entry: dict) -> list[int]:
    starts, at = [], 0
    for n in entry["samples"]:
        starts.append(round(at * 1000 / RATE))
        at += n
    return starts


@pytest.mark.slow
def test_book_files_decode_to_the_layout_and_join_gaplessly(built):
    entry, out = lock_entry(built), built / "out"
    total = sum(entry["samples"])
    assert entry["rate"] == RATE and entry["layout"] == [3, RATE, Layout(RATE).head(round(0.75 * RATE)), -50.0]
    grid = Layout(RATE)
    assert all(n % grid.block == 0 for n in entry["samples"][:-1])  # every join on the frame grid
    mp3, m4b = decoded(out / "guide.mp3"), decoded(out / "guide.m4b")
    assert len(mp3) == total and len(m4b) == total  # not a sample gained or lost at any join
    # mutagen counts whole frames (delay and padding in): at most two frames more.
    assert 0 <= MP3(out / "guide.mp3").info.length - total / RATE < 2 * 1152 / RATE
    # mutagen reads the media's length, the encoder priming in (the edit list skips it).
    assert abs(MP4(out / "guide.m4b").info.length - (total + 1024) / RATE) < 1e-6
    starts = layout_marks(entry)
    assert [m[1] for m in mp3_marks(out / "guide.mp3")] == starts
    assert [round(c.start * 1000) for c in MP4(out / "guide.m4b").chapters] == starts
    assert [c.title for c in MP4(out / "guide.m4b").chapters] == ["First Steps", "Second Thoughts", "Third Way"]
    # Each chapter's speech is where its chapter file has it: the same frames, decoded alike.
    head = entry["layout"][2]
    at = 0
    for i, (name, part) in enumerate(zip(sorted(p.name for p in out.glob("0*.mp3")), entry["samples"], strict=True)):
        own = decoded(out / name)
        speech = part - (head if i == 0 else 0) - 2 * RATE  # at least the 2 s pause or tail follow
        begin = at + (head if i == 0 else 0)
        ref, got = own[head:head + speech], mp3[begin:begin + speech]
        assert np.abs(ref).max() > 3000  # there is speech to compare
        assert np.abs(ref - got).max() < 300, name  # MP3 decoder start-up aside, the same samples
        aac = m4b[begin:begin + speech]
        corr = float(np.dot(ref, aac) / np.sqrt(np.dot(ref, ref) * np.dot(aac, aac)))
        assert corr > 0.95, name  # another codec, the same waveform at the same place
        assert np.abs(mp3[at:begin + 1]).max() < 300 if i == 0 else True  # the head is silence
        at += part
    assert np.abs(mp3[at - RATE:]).max() < 300  # the tail is silence
    # Transcripts follow the same layout: each chapter's first cue (its title) starts at its mark.
    cues = [int(h) * 3600000 + int(m) * 60000 + round(float(sec) * 1000)
            for h, m, sec in re.findall(r"^(\d\d):(\d\d):(\d\d\.\d\d\d) -->", (out / "guide.vtt").read_text(), re.M)]
    assert cues[0] == round(head * 1000 / RATE)
    for start in starts[1:]:
        assert min(abs(c - start) for c in cues) <= 1


@pytest.fixture
def encodes(monkeypatch) -> list[str]:
    """Every per-chapter encode assembly runs: "chapter <n> [mp3] [aac]"."""
    calls: list[str] = []
    real = assemble.encode_speech

    def spy(wav, layout, *, mp3, aac):
        calls.append(" ".join(["chapter", wav.stem.split("-")[1]] + (["mp3"] if mp3 else []) + (["aac"] if aac else [])))
        return real(wav, layout, mp3=mp3, aac=aac)

    monkeypatch.setattr(assemble, "encode_speech", spy)
    return calls


def pieces(root: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (root / ".narrate-cache" / STORE_DIR).rglob("*.*")
            if p.suffix in (".mp3", ".aac")}


@pytest.mark.slow
def test_one_sentence_edit_re_encodes_one_chapter_and_matches_a_cold_build(built, tmp_path, encodes):
    out = built / "out"
    before = pieces(built)
    assert len([p for p in before if p.endswith(".aac")]) == 3
    first_mtime = (out / "01-first-steps.mp3").stat().st_mtime_ns
    previous = lock_entry(built)
    (built / "ch" / "02-two.md").write_text(EDITED)
    done = narrate("build", "book.yaml", cwd=built)  # the CLI passes the last build's entry along
    assert done.returncode == 0, done.stderr
    after = pieces(built)
    unchanged = {p: t for p, t in before.items() if p in after}
    assert all(after[p] == t for p, t in unchanged.items())  # kept pieces are not rewritten
    new = set(after) - set(before)
    # Chapter 2's AAC part and speech piece, and at most two new silences (its pause in the book and
    # its file's tail, which make up for its speech piece's padding: see grid).
    assert len([p for p in new if p.endswith(".aac")]) == 1 and 1 <= len([p for p in new if p.endswith(".mp3")]) <= 3
    assert (out / "01-first-steps.mp3").stat().st_mtime_ns == first_mtime
    gone = set(before) - set(after)  # chapter 2's old speech piece and AAC part, no longer used
    assert len(gone) == 2 and sorted(p.rsplit(".", 1)[1] for p in gone) == ["aac", "mp3"]
    incremental = {p.name: p.read_bytes() for p in out.iterdir()}
    entry = lock_entry(built)
    # In process, counting the encodes, from the same previous entry: chapter 2 alone is encoded.
    for name, data in incremental.items():
        (out / name).write_bytes(data)
    for p in (built / ".narrate-cache" / STORE_DIR).rglob("*"):
        if p.is_file() and p.name.split(".")[0] in {n.split(".")[0] for n in new}:
            p.unlink()  # forget chapter 2's new encodes, so that they are made again
    cache = SegmentCache(built / ".narrate-cache")
    try:
        again, _ = build_book(plan_one(built), cache, built, previous=previous)
    finally:
        cache.close()
    assert encodes == ["chapter 002 mp3 aac"]
    assert json.loads(json.dumps(again)) == entry
    # A cold build elsewhere, from the same segments, gives the same bytes.
    cold = tmp_path / "cold"
    shutil.copytree(built / "ch", cold / "ch")
    shutil.copy(built / "book.yaml", cold / "book.yaml")
    shutil.copytree(built / ".narrate-cache", cold / ".narrate-cache", ignore=shutil.ignore_patterns(STORE_DIR))
    assert narrate("build", "book.yaml", cwd=cold).returncode == 0
    assert {p.name: p.read_bytes() for p in (cold / "out").iterdir()} == incremental
    assert lock_entry(cold)["chapters"] == entry["chapters"]
    for name in ("guide.mp3", "guide.m4b"):
        assert len(decoded(out / name)) == len(decoded(cold / "out" / name)) == sum(entry["samples"])


def test_a_damaged_piece_is_encoded_again(built, encodes):
    cache = SegmentCache(built / ".narrate-cache")
    previous = lock_entry(built)
    (built / "out" / "guide.m4b").unlink()
    (aac,) = [p for p in (built / ".narrate-cache" / STORE_DIR).rglob("*.aac")
              if p.stat().st_size == min(q.stat().st_size for q in (built / ".narrate-cache" / STORE_DIR).rglob("*.aac"))]
    aac.write_bytes(aac.read_bytes()[:-10])  # truncated behind narrate's back
    try:
        entry, written = build_book(plan_one(built), cache, built, previous=previous)
    finally:
        cache.close()
    assert len(encodes) == 1 and encodes[0].endswith(" aac") and "mp3" not in encodes[0]
    assert written == ["out/guide.m4b"] and entry["outputs"]["m4b"] == previous["outputs"]["m4b"]


@pytest.mark.parametrize("rate", [44100, 22050, 48000])
def test_the_grid_gives_whole_frames_and_exact_lengths(tmp_path, rate):
    grid = Layout(rate)
    for length, last in ((grid.head(round(0.75 * rate)), False), (grid.after(0, rate), False), (grid.tail(rate), True),
                         (grid.tail(2 * rate, before=5 * grid.spf), True)):
        out = tmp_path / f"{length}-{last}.mp3"
        encode_silence(out, grid, length, last, ["-c:a", "libmp3lame", "-b:a", "64k", "-ar", str(rate), "-ac", "1"])
        assert mp3_frame_count(out) == grid.mp3_frames(length, last)
        if last:  # the LAME header trims the end exactly
            raw = subprocess.run([FFMPEG, "-v", "error", "-i", str(out), "-f", "s16le", "-"], capture_output=True).stdout
            assert len(raw) // 2 == length
        else:
            assert mp3_frame_count(out) * grid.spf == length
    assert grid.block == 9216  # lcm(1152 or 576, 1024)
    assert (5 * grid.spf + grid.after(5 * grid.spf, 0)) % grid.block == 0
    assert grid.after(5 * grid.spf, 2 * rate) >= 2 * rate


def test_adts_frames_are_counted_and_checked(tmp_path):
    wav = tmp_path / "a.wav"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "sine=f=440:r=44100", "-af", "atrim=end_sample=44100",
                    str(wav)], check=True)
    aac = tmp_path / "a.aac"
    subprocess.run([FFMPEG, "-v", "error", "-i", str(wav), "-c:a", "aac", "-f", "adts", str(aac)], check=True)
    assert adts_frame_count(aac) == -(-(44100 + 1024) // 1024) == 45
    aac.write_bytes(aac.read_bytes()[:-3])
    with pytest.raises(Exception, match="truncated ADTS"):
        adts_frame_count(aac)


def test_a_failed_assembly_leaves_whole_pieces_and_outputs_and_the_next_build_reuses_them(built, monkeypatch):
    """Crash safety (DESIGN.md invariant 3): an encode that fails part way leaves no partial piece in
    the store and no output; the pieces finished before it are whole and are used by the next build."""
    store = built / ".narrate-cache" / STORE_DIR
    shutil.rmtree(store)
    shutil.rmtree(built / "out")
    real, runs = assemble.encode_speech, []

    def failing(wav, layout, *, mp3, aac):
        runs.append(wav.name)
        if len(runs) == 2:
            raise NarrateError("disk full (simulated)")
        return real(wav, layout, mp3=mp3, aac=aac)

    monkeypatch.setattr(assemble, "encode_speech", failing)
    monkeypatch.setattr(assemble, "ENCODE_WORKERS", 1)  # chapter 1's encode finishes before chapter 2's fails
    cache = SegmentCache(built / ".narrate-cache")
    try:
        with pytest.raises(NarrateError, match="simulated"):
            build_book(plan_one(built), cache, built)
        kept = sorted(p.name for p in store.rglob("*") if p.is_file())
        assert [p for p in (built / "out").rglob("*") if p.is_file()] == []  # no output, no work file
        assert [n for n in kept if n.startswith(".narrate")] == []  # no temp file left in the store
        audio = [n for n in kept if n.endswith((".mp3", ".aac"))]
        assert len(audio) in (2, 4) and all(f"{n}.json" in kept for n in audio)  # whole chapters, verified
        again: list[str] = []
        monkeypatch.setattr(assemble, "encode_speech", lambda wav, *a, **k: again.append(wav.name) or real(wav, *a, **k))
        entry, written = build_book(plan_one(built), cache, built)
    finally:
        cache.close()
    assert len(written) == len(entry["outputs"])
    assert set(audio) <= {p.name for p in store.rglob("*") if p.is_file()}
    assert len(again) == 3 - len(audio) // 2  # chapters whose pieces were kept are not encoded again


def test_a_hand_edited_lock_cannot_make_assembly_remove_anything_else(built):
    """The lock's `pieces` only name encodes in the store: paths and other names are ignored."""
    previous = lock_entry(built)
    victim = built / "keep.txt"
    victim.write_text("mine")
    previous["pieces"] = [str(victim), "../../keep.txt", "../keep.txt.mp3", "0" * 64 + ".json", 7]
    (built / "out" / "guide.m4b").unlink()
    before = {p for p in (built / ".narrate-cache" / STORE_DIR).rglob("*") if p.is_file()}
    cache = SegmentCache(built / ".narrate-cache")
    try:
        entry, written = build_book(plan_one(built), cache, built, previous=previous)
    finally:
        cache.close()
    assert victim.read_text() == "mine" and written == ["out/guide.m4b"]
    assert {p for p in (built / ".narrate-cache" / STORE_DIR).rglob("*") if p.is_file()} == before
    assert len(entry["pieces"]) == 6  # three chapters' speech pieces and AAC parts


def test_kept_pieces_and_outputs_are_not_hashed_again_while_their_stat_signature_holds(built, monkeypatch):
    """An edit reads only what changed: kept pieces are trusted by the stat signature their sidecar
    records, kept outputs by the build's stat cache; a piece rewritten behind narrate's back (same size,
    mtime put back) moves its ctime, so it is hashed, found wrong and encoded again."""
    import narrate.package.book_units as units
    import narrate.package.pieces as pieces_mod

    hashed: list[str] = []
    for mod in (pieces_mod, units):
        real = mod.sha256_file
        monkeypatch.setattr(mod, "sha256_file", lambda p, real=real: hashed.append(Path(p).name) or real(p))
    (built / "ch" / "02-two.md").write_text(EDITED)
    done = narrate("build", "book.yaml", cwd=built)  # the new chapter 2 pieces, so that only a join is left
    assert done.returncode == 0, done.stderr
    previous = lock_entry(built)
    (built / "out" / "guide.m4b").unlink()
    cache = SegmentCache(built / ".narrate-cache")
    try:
        from narrate.cache.state import BuildState

        stats = BuildState(built / ".narrate-cache", built / "book.yaml")
        entry, written = build_book(plan_one(built), cache, built, previous=previous, sha256_of=stats.regular_sha256)
        assert written == ["out/guide.m4b"] and entry == json.loads(json.dumps(previous))
        # Stored pieces are hashed when stored (put), never when used; kept outputs, not at all.
        assert [n for n in hashed if n.endswith((".mp3", ".aac")) and not n.startswith(".narrate")] == []
        (aac,) = [p for p in (built / ".narrate-cache" / STORE_DIR).rglob("*.aac")
                  if p.name.split(".")[0] in {n.split(".")[0] for n in entry["pieces"]}][:1]
        st = aac.stat()
        data = bytearray(aac.read_bytes())
        data[-5] ^= 0xFF  # same size, other bytes
        aac.write_bytes(bytes(data))
        os.utime(aac, ns=(st.st_atime_ns, st.st_mtime_ns))
        (built / "out" / "guide.m4b").unlink()
        again, written = build_book(plan_one(built), cache, built, previous=entry, sha256_of=stats.regular_sha256)
    finally:
        cache.close()
    assert aac.name in hashed and written == ["out/guide.m4b"] and again == entry
    assert aac.read_bytes() != bytes(data)  # encoded again


# What an edit reads from the cache: the segments of the chapters it changed, verified; the others'
# entries need only be there while their kept encodes stand (DESIGN.md invariant 9: verify what is read;
# a 10-hour book's entries are ~2 GB).

def _damage_first_chapter_entry(root: Path) -> tuple[str, bytes]:
    key = plan_one(root).chapters[0].units[0][0]
    cache = SegmentCache(root / ".narrate-cache")
    try:
        raw = bytearray(cache.get_raw(key) or b"")
        raw[-3] ^= 0xFF  # in the audio: the checksum no longer matches
        cache.put_raw(key, bytes(raw))
        return key, bytes(raw)
    finally:
        cache.close()


def test_an_edit_does_not_read_the_unchanged_chapters_segments_until_it_needs_them(built):
    key, damaged = _damage_first_chapter_entry(built)
    (built / "ch" / "02-two.md").write_text(EDITED)
    done = narrate("build", "book.yaml", cwd=built)
    assert done.returncode == 0, done.stderr
    assert "1 synthesized" in done.stderr  # the new sentence alone
    cache = SegmentCache(built / ".narrate-cache")
    try:
        assert cache.get_raw(key) == damaged  # not read, so not judged
    finally:
        cache.close()
    # Its kept encodes gone, chapter 1 is streamed again: the damaged entry is read, fails its check,
    # is dropped and named; the next build synthesizes it, once.
    shutil.rmtree(built / ".narrate-cache" / STORE_DIR)
    (built / "ch" / "02-two.md").write_text(CHAPTERS["02-two.md"])
    failed = narrate("build", "book.yaml", cwd=built)
    assert failed.returncode != 0
    assert key[:12] in failed.stderr and "build again" in failed.stderr
    again = narrate("build", "book.yaml", cwd=built)
    assert again.returncode == 0, again.stderr
    assert "1 synthesized" in again.stderr


def _fill_with_onsets(root: Path) -> None:
    """Cache every segment of the book at `root` as a buzz that is loud from its first sample (a
    chapter then starts with speech right at its join)."""
    from narrate.audio.encode import wav_bytes
    from narrate.audio.pcm import Pcm
    from narrate.providers.base import AudioFormat, SynthesisResult

    job = plan_one(root)
    cache = SegmentCache(root / ".narrate-cache")
    try:
        t = np.arange(22050) / 22050
        for i, (key, seg) in enumerate(job.segments.items()):
            saw = 2 * ((t * (110 + 10 * i)) % 1.0) - 1  # a sawtooth: every harmonic, a hard onset
            cache.put(key, SynthesisResult(wav_bytes(Pcm((saw * 20000).astype(np.int16), 22050)),
                                           AudioFormat("wav", "pcm_s16le", 22050)),
                      {"text": seg.request.text, "key_head": seg.key_head})  # verifiable, as a provider's
    finally:
        cache.close()


@pytest.mark.slow
def test_a_chapter_that_starts_loud_joins_cleanly_in_the_m4b(book):
    """A chapter whose speech starts at its join: the AAC part begins in the pause before it
    (grid.aac_lead), so its first frames decode as in one continuous encode, and the M4B meets the
    profile's peak ceiling (the first frame after a join, decoded with the last frame of another
    encode, came out distorted: a spike above the limiter)."""
    _fill_with_onsets(book)
    done = narrate("build", "--offline", "book.yaml", cwd=book)
    assert done.returncode == 0, done.stderr
    out, entry = book / "out", lock_entry(book)
    mp3, m4b = decoded(out / "guide.mp3"), decoded(out / "guide.m4b")
    for start in np.cumsum(entry["samples"])[:-1]:
        assert np.abs(mp3[start:start + 2048]).max() > 8000  # loud from the join on
        assert np.abs(m4b[start - 2048:start + 2048] - mp3[start - 2048:start + 2048]).max() < 3000
    check = narrate("check", "book.yaml", cwd=book)
    assert check.returncode == 0, check.stdout + check.stderr
