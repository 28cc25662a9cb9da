"""Hostile and malformed book profile, metadata, credits, sample, pauses and per-chapter keys: each is
refused before any work, exit 2, one located line (`file:line: key.path: message`), no traceback,
nothing outside written. And `narrate check` never reads a file a hand-edited lock points outside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot

HEAD = """\
version: 1
books:
  guide:
    title: Guide
    output: out/guide
    sources: ch/*.md
"""


def refused(tmp_path: Path, extra: str, *fragments: str, command: str = "validate") -> str:
    (tmp_path / "ch").mkdir(exist_ok=True)
    (tmp_path / "ch" / "01-one.md").write_text("# One\n\nText.\n")
    (tmp_path / "m.yaml").write_text(HEAD + extra, encoding="utf-8")
    before = snapshot(tmp_path)
    done = narrate_in("-q", command, "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, *fragments)
    assert snapshot(tmp_path) == before
    return done.stderr


@pytest.mark.parametrize(("extra", "fragments"), [
    ("    profile: radio\n", ("m.yaml:7: books.guide.profile:", "radio")),
    ("    profile: [audiobook]\n", ("m.yaml:7: books.guide.profile:",)),
    ("    audio: {bitrate: 320}\n",
     ("m.yaml:7: books.guide.audio: the audiobook profile's numbers are its platform's requirements; "
      "use `profile: custom` to set them",)),
    ("    profile: podcast\n    audio: {loudness: -14}\n", ("m.yaml:8: books.guide.audio: the podcast profile",)),
    ("    level: {target_dbov: -26}\n", ("m.yaml:7: books.guide.level: a book's levels come from its `profile:`",)),
    ("    profile: custom\n    audio: {bitrate: 100}\n",
     ("m.yaml:8: books.guide.audio.bitrate: 100 kbps is not an MPEG bit rate at 44100 Hz",)),
    ("    profile: custom\n    audio: {bitrate: 192, sample_rate: 22050}\n",
     ("books.guide.audio.bitrate: 192 kbps is not an MPEG bit rate at 22050 Hz",)),
    # More than AAC-LC carries (6144 bits per channel a frame): ffmpeg clamped it and the M4B measured 63 kbps
    # where the README promised `audio.bitrate`.
    ("    profile: custom\n    audio: {bitrate: 160, sample_rate: 22050}\n",
     ("m.yaml:8: books.guide.audio.bitrate: 160 kbps is more than the M4B's AAC can carry at 22050 Hz mono (at most "
      "132.3 kbps: 6144 bits per 1024-sample frame); lower it, raise sample_rate, or leave m4b out of formats",)),
    ("    profile: custom\n    formats: [chapters, m4b]\n    audio: {bitrate: 320}\n",
     ("m.yaml:9: books.guide.audio.bitrate: 320 kbps is more than the M4B's AAC can carry at 44100 Hz mono (at most "
      "264.6 kbps",)),
    ("    profile: custom\n    audio: {sample_rate: 12345}\n",
     ("m.yaml:8: books.guide.audio.sample_rate: not one of 22050, 24000, 32000, 44100, 48000",)),
    ("    profile: custom\n    audio: {loudness: 3}\n", ("m.yaml:8: books.guide.audio.loudness:",)),
    ("    profile: custom\n    audio: {peak: -40}\n", ("m.yaml:8: books.guide.audio.peak:",)),
    ("    profile: custom\n    audio: {head_s: -1}\n", ("m.yaml:8: books.guide.audio.head_s:",)),
    ("    profile: custom\n    audio: {tail_s: .inf}\n", ("m.yaml:8: books.guide.audio.tail_s:",)),
    ("    profile: custom\n    audio: {gain: 9}\n", ("m.yaml:8: books.guide.audio.gain: unknown key",)),
    # Loudness the limiter cannot reach: speech under it stops ~9.5 dB below its ceiling, and the build
    # wrote files its own check then refused (-10 LUFS under -1 dBTP measured -11.2 to -12.4 LUFS).
    ("    profile: custom\n    audio: {loudness: -10, peak: -1}\n",
     ("m.yaml:8: books.guide.audio.loudness: -10 LUFS is less than 11 dB under the peak (-1 dBTP)",)),
    ("    profile: custom\n    audio: {loudness: -10}\n",
     ("m.yaml:8: books.guide.audio.loudness: -10 LUFS is less than 11 dB under the peak (-1 dBTP)",)),
    ("    profile: custom\n    audio: {peak: -12}\n",
     ("m.yaml:8: books.guide.audio.peak: -18 LUFS is less than 11 dB under the peak (-12 dBTP)",)),
    ("    sample: {length_s: 20}\n",
     ("m.yaml:7: books.guide.sample.length_s: ACX retail samples are 60 to 300 seconds long",)),
    ("    sample: {chapter: 5}\n", ("m.yaml:7: books.guide.sample.chapter: the book has 1 chapter(s)",)),
    ("    sample: {chapter: 0}\n", ("m.yaml:7: books.guide.sample.chapter:",)),
    ("    credits: {opening: ''}\n", ("m.yaml:7: books.guide.credits.opening:",)),
    # Credits are the words to speak: a file name there was read aloud ("credits slash opening dot md").
    ("    credits: {opening: credits/opening.md}\n",
     ("m.yaml:7: books.guide.credits.opening: 'credits/opening.md' looks like a file name; credits are the words "
      "to speak, written here",)),
    ("    credits:\n      closing: closing.txt\n", ("m.yaml:8: books.guide.credits.closing: 'closing.txt' looks like",)),
    ("    credits: {middle: Hello}\n", ("m.yaml:7: books.guide.credits.middle: unknown key",)),
    ("    credits: Hello\n", ("m.yaml:7: books.guide.credits:",)),
    ("    year: '2020'\n", ("m.yaml:7: books.guide.year:",)),
    ("    year: 20\n", ("m.yaml:7: books.guide.year:",)),
    ("    narrator: [a, b]\n", ("m.yaml:7: books.guide.narrator:",)),
    ("    series: {position: 2}\n", ("m.yaml:7: books.guide.series.name:",)),
    ("    series: {name: S, position: -1}\n", ("m.yaml:7: books.guide.series.position:",)),
    ("    pauses: {heading_ms: -5}\n", ("m.yaml:7: books.guide.pauses.heading_ms:",)),
    ("    pauses: {paragraph_ms: 1e9}\n", ("m.yaml:7: books.guide.pauses.paragraph_ms:",)),
    ("    pauses: {word_ms: 10}\n", ("m.yaml:7: books.guide.pauses.word_ms: unknown key",)),
    ("    chapters:\n      nope.md: {voice: en-gb}\n",
     ("m.yaml:8: books.guide.chapters.nope.md: no chapter file of this book has this name",)),
    ("    chapters:\n      01-one.md: {voice: '  '}\n", ("m.yaml:8: books.guide.chapters.01-one.md.voice: empty voice",)),
    ("    chapters:\n      01-one.md: {speed: 2}\n", ("m.yaml:8: books.guide.chapters.01-one.md.speed: unknown key",)),
    ("    chapters:\n      01-one.md: {voice: en-gb}\n      ch/01-one.md: {voice: en-us}\n",
     ("m.yaml:9: books.guide.chapters.ch/01-one.md: this chapter is already given under another name",)),
])
def test_bad_book_keys_are_located(tmp_path, extra, fragments):
    refused(tmp_path, extra, *fragments)


def test_a_rate_only_the_m4b_cannot_carry_is_fine_without_one(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text("# One\n\nText.\n")
    (tmp_path / "m.yaml").write_text(HEAD + "    profile: custom\n    formats: [chapters, mp3]\n"
                                            "    audio: {bitrate: 160, sample_rate: 22050}\n")
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_same_refusal_from_build(tmp_path):
    refused(tmp_path, "    profile: custom\n    audio: {bitrate: 100}\n", "books.guide.audio.bitrate", command="build")


def write_lock(root: Path, entry: dict) -> None:
    lock = {"narrate_lock": 1, "manifests": {"m.yaml": {"prompts": {}, "books": {"guide": entry}}}}
    (root / "narrate.lock").write_text(json.dumps(lock))


def rec(file: str) -> dict:
    return {"file": file, "sha256": "0" * 64, "bytes": 0, "duration": 0.0, "recipe": "0" * 32}


def test_check_never_reads_outside_the_output_folder(tmp_path):
    """A lock naming /etc/passwd or a symlink out of the book's folder: check reports, reads nothing."""
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text("# One\n\nText.\n")
    (tmp_path / "m.yaml").write_text(HEAD)
    (tmp_path / "out" / "guide").mkdir(parents=True)
    secret = tmp_path / "secret.mp3"
    secret.write_bytes(b"not audio")
    (tmp_path / "out" / "guide" / "link.mp3").symlink_to(secret)
    entry = {"outputs": {"chapter-001": rec("../../etc/passwd.mp3"), "chapter-002": rec("out/guide/link.mp3"),
                         "m3u": rec("out/guide/guide.m3u")}}
    write_lock(tmp_path, entry)
    before = snapshot(tmp_path)
    done = narrate_in("check", "m.yaml", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == [
        "error: ../../etc/passwd.mp3: file: missing, or not a regular file inside the book's output folder",
        "error: out/guide/link.mp3: file: missing, or not a regular file inside the book's output folder"]
    assert snapshot(tmp_path) == before


def test_check_reports_a_file_that_is_not_audio(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text("# One\n\nText.\n")
    (tmp_path / "m.yaml").write_text(HEAD)
    (tmp_path / "out" / "guide").mkdir(parents=True)
    (tmp_path / "out" / "guide" / "01-one.mp3").write_bytes(b"<html>not an mp3</html>")
    entry = {"outputs": {"chapter-001": rec("out/guide/01-one.mp3")}}
    write_lock(tmp_path, entry)
    done = narrate_in("check", "m.yaml", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: out/guide/01-one.mp3: file: not a readable MP3")


def test_a_refused_sample_rate_is_the_only_problem_named(tmp_path):
    """The bit rate is not judged against a sample rate that is itself refused (it listed MPEG-2 rates at 8000 Hz)."""
    err = refused(tmp_path, "    profile: custom\n    audio: {bitrate: 320, sample_rate: 8000}\n",
                  "m.yaml:8: books.guide.audio.sample_rate: not one of 22050, 24000, 32000, 44100, 48000")
    assert "bitrate" not in err


@pytest.mark.parametrize(("size", "profile", "warned"), [
    ((3000, 2000), "audiobook", "wide.png is 3000x2000 px; ACX needs a square cover of at least 2400x2400 px"),
    ((1400, 1400), "audiobook", "wide.png is 1400x1400 px; ACX needs a square cover of at least 2400x2400 px"),
    ((2400, 2400), "audiobook", None),
    ((3000, 2000), "custom", None),  # only ACX has the rule
])
def test_an_audiobook_cover_acx_would_refuse_is_warned_of(tmp_path, size, profile, warned):
    """ACX: cover art square, at least 2400 x 2400 px (../shared/reference/publishing.md); a 3000x2000 cover
    passed validate and build without a word."""
    from test_feed import png

    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text("# One\n\nText.\n")
    (tmp_path / "wide.png").write_bytes(png(*size))
    (tmp_path / "m.yaml").write_text(HEAD + f"    profile: {profile}\n    cover: wide.png\n")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert lines == ([f"warning: m.yaml:8: books.guide.cover: {warned} (the files carry it as it is)"] if warned else [])
