"""Book profiles (issue 12 item 1): a short book built under each profile with the embedded engine,
its files measured with ffmpeg (astats, ebur128, silencedetect) and read with mutagen; and
`narrate check` / `build --check-audio` naming each file and measure outside the profile."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from mutagen.mp3 import MP3, BitrateMode
from mutagen.mp4 import MP4

from conftest import narrate_in
from narrate.audio.loudness import measure
from narrate.audio.pcm import Pcm
from narrate.audio.profiles import AUDIOBOOK, PODCAST, custom
from narrate.audio.stream import WavStreamWriter
from narrate.package.check import check_levels, mp3_frame_kbps

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
CHAPTERS = {
    "01-one.md": "# First Steps\n\nThis is the first chapter. It is short, but it has a few sentences so that its "
                 "level means something.\n\nA second paragraph follows here, with more words to say.\n",
    "02-two.md": "# Second Thoughts\n\nThe second chapter has one paragraph. And a final line.\n",
}


def make_book(root: Path, extra: str, *, defaults: str = "") -> Path:
    (root / "ch").mkdir(parents=True, exist_ok=True)
    for name, text in CHAPTERS.items():
        (root / "ch" / name).write_text(text)
    (root / "book.yaml").write_text(f"version: 1\n{defaults}books:\n  guide:\n    title: A Small Guide\n"
                                    f"    sources: ch/*.md\n    output: out/guide\n{extra}")
    return root


def built(root: Path, *args: str) -> dict:
    done = narrate_in("build", "--json", *args, "book.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def audio_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "out" / "guide").iterdir() if p.suffix in (".mp3", ".m4b"))


@pytest.fixture(scope="module")
def audiobook(tmp_path_factory) -> Path:
    """ACX: credits as their own files; defaults that would make a telephony prompt -30 dBov."""
    root = make_book(tmp_path_factory.mktemp("audiobook"),
                     "    profile: audiobook\n    credits:\n      opening: A Small Guide, written by Test Author.\n"
                     "      closing: The end of A Small Guide.\n",
                     defaults="defaults:\n  level: {target_dbov: -30, peak_dbfs: -12}\n")
    built(root, "--check-audio")  # exit 0: every file meets the profile
    return root


def test_audiobook_files_meet_acx(audiobook):
    files = audio_files(audiobook)
    assert [p.name for p in files] == ["01-opening-credits.mp3", "02-first-steps.mp3", "03-second-thoughts.mp3",
                                       "04-closing-credits.mp3", "guide.m4b", "guide.mp3"]
    for path in files:
        levels = measure(path)
        assert -23 <= levels.rms <= -18, (path.name, levels)  # never the telephony -26 dBov, nor the -30 default
        assert levels.peak <= -3.0 and levels.noise_floor <= -60, (path.name, levels)
        assert 0.5 <= levels.head_s <= 1.0 and abs(levels.head_s - 0.75) < 0.05, (path.name, levels.head_s)
        assert 1.0 <= levels.tail_s <= 5.0 and abs(levels.tail_s - 2.0) < 0.05, (path.name, levels.tail_s)
        if path.suffix == ".mp3":
            info = MP3(path).info  # mutagen's bitrate is an average over the gapless length: 191,999 b/s here
            assert (info.bitrate_mode, info.sample_rate, info.channels) == (BitrateMode.CBR, 44100, 1)
            assert mp3_frame_kbps(path) == {192}  # every frame header says 192 kbps
        else:
            assert MP4(path).info.sample_rate == 44100


def test_audiobook_credits_are_chapters_of_the_whole_book(audiobook):
    lock = json.loads((audiobook / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["guide"]
    assert [title for title, _ in lock["chapters"]] == ["Opening Credits", "First Steps", "Second Thoughts",
                                                         "Closing Credits"]
    assert lock["chapters"][0][1] == 0


def test_check_passes_on_a_good_book(audiobook):
    done = narrate_in("check", "book.yaml", cwd=audiobook)
    assert done.returncode == 0, done.stderr
    assert "guide: 6 files meet the audiobook profile" in done.stderr


def test_check_refuses_a_damaged_or_replaced_file(audiobook, tmp_path):
    """A damaged MP3 measured as if whole (ffmpeg skips the frames it cannot decode) passed check;
    so did a file swapped for another chapter's."""
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(audiobook, root, ignore=shutil.ignore_patterns(".narrate-cache"))
    chapter, other = root / "out/guide/02-first-steps.mp3", root / "out/guide/03-second-thoughts.mp3"
    data = bytearray(chapter.read_bytes())
    third = len(data) // 3
    data[third:third + 3000] = bytes((i * 97 + 13) % 256 for i in range(3000))
    chapter.write_bytes(bytes(data))
    shutil.copyfile(root / "out/guide/01-opening-credits.mp3", other)
    done = narrate_in("check", "book.yaml", cwd=root)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    for name in ("02-first-steps.mp3", "03-second-thoughts.mp3"):
        assert (f"error: out/guide/{name}: file: not the file the last build wrote (its sha256 differs from the "
                "lock's): build again, or check the copy you meant") in lines
    assert any(line.startswith("error: out/guide/02-first-steps.mp3: file: ffmpeg cannot decode all of "
                               "02-first-steps.mp3: ") for line in lines), lines
    assert not any("03-second-thoughts.mp3: file: ffmpeg" in line for line in lines)  # whole, only not ours


@pytest.fixture(scope="module")
def podcast(tmp_path_factory) -> Path:
    root = make_book(tmp_path_factory.mktemp("podcast"), "    profile: podcast\n")
    built(root)
    return root


def test_podcast_files_meet_bs1770_targets(podcast):
    files = audio_files(podcast)
    assert [p.name for p in files] == ["01-first-steps.mp3", "02-second-thoughts.mp3", "guide.m4b", "guide.mp3"]
    for path in files:
        levels = measure(path)
        assert -20.0 <= levels.lufs <= -18.0, (path.name, levels)  # -19 LUFS mono, +-1 LU
        assert levels.true_peak <= -1.0, (path.name, levels)
        assert abs(levels.head_s - 0.5) < 0.05 and abs(levels.tail_s - 1.0) < 0.05, (path.name, levels)
        if path.suffix == ".mp3":
            info = MP3(path).info
            assert (info.bitrate_mode, info.sample_rate, mp3_frame_kbps(path)) == (BitrateMode.CBR, 44100, {96})
        else:
            info = MP4(path).info
            assert info.sample_rate == 44100 and info.codec == "mp4a.40.2" and 40000 <= info.bitrate <= 80000
    assert narrate_in("check", "book.yaml", cwd=podcast).returncode == 0


def test_check_names_each_file_and_measure_outside_the_profile(podcast, tmp_path):
    """The podcast book measured as an audiobook: 96 kbps and peaks above -3 dBFS fail ACX."""
    manifest = (podcast / "book.yaml").read_text()
    try:
        (podcast / "book.yaml").write_text(manifest.replace("profile: podcast", "profile: audiobook"))
        done = narrate_in("check", "book.yaml", cwd=podcast)
    finally:
        (podcast / "book.yaml").write_text(manifest)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    for name in ("01-first-steps.mp3", "02-second-thoughts.mp3", "guide.mp3"):
        assert f"error: out/guide/{name}: bitrate: 96 kbps, below 192 kbps (audiobook profile)" in lines
    assert any(line.startswith("error: out/guide/guide.m4b: peak: ") and line.endswith("dBFS, above -3 dBFS "
                                                                                       "(audiobook profile)")
               for line in lines), lines
    # The AAC is held to its own rule, not MP3's: an average of at least half the profile's AAC rate (48 kbps).
    assert MP4(podcast / "out" / "guide" / "guide.m4b").info.bitrate >= 48000
    assert not any("bitrate" in line and "guide.m4b" in line for line in lines)


def test_custom_profile_every_number(tmp_path):
    root = make_book(tmp_path, "    profile: custom\n    formats: [chapters]\n    audio: {bitrate: 64, sample_rate: 22050, "
                               "loudness: -23, peak: -2, head_s: 0.3, tail_s: 1.5}\n")
    built(root, "--check-audio")
    for path in audio_files(root):
        info = MP3(path).info
        assert (info.bitrate_mode, info.sample_rate, mp3_frame_kbps(path)) == (BitrateMode.CBR, 22050, {64})
        levels = measure(path)
        assert -24.0 <= levels.lufs <= -22.0 and levels.true_peak <= -2.0, levels
        assert abs(levels.head_s - 0.3) < 0.05 and abs(levels.tail_s - 1.5) < 0.05, levels


@pytest.mark.slow
def test_sample_is_whole_sentences_and_too_short_for_acx_is_reported(tmp_path):
    root = make_book(tmp_path, "    formats: [chapters]\n    sample: {chapter: 1, start_s: 0, length_s: 60}\n")
    built(root)
    sample = measure(root / "out" / "guide" / "guide-sample.mp3")
    chapter = measure(root / "out" / "guide" / "01-first-steps.mp3")
    # The whole short chapter fits in 60 s: the sample is the chapter, sample for sample, head and tail included.
    assert abs(sample.duration - chapter.duration) < 1e-6 and abs(sample.head_s - chapter.head_s) < 0.002
    # Starting 2 s in drops the sentences that start before 2 s (the heading and the first sentence).
    (root / "book.yaml").write_text((root / "book.yaml").read_text().replace("start_s: 0", "start_s: 2"))
    built(root)
    later = measure(root / "out" / "guide" / "guide-sample.mp3")
    assert 0.5 <= later.head_s <= 1.0 and 1.0 <= later.tail_s <= 5.0
    assert chapter.duration - 6.0 < later.duration < chapter.duration - 2.0
    done = narrate_in("build", "--check-audio", "book.yaml", cwd=root)  # nothing to build; the check fails
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == [
        f"error: out/guide/guide-sample.mp3: duration: {later.duration:.1f} s, a retail sample is 60 to 300 s "
        "(audiobook profile)"]


def test_check_before_build_says_so(tmp_path):
    root = make_book(tmp_path, "")
    done = narrate_in("check", "book.yaml", cwd=root)
    assert done.returncode == 1
    assert "error: books/guide: file: not built yet: run `narrate build` first" in done.stderr


# ---------------------------------------------------------------- the measures themselves


def tone_wav(path: Path, *, amplitude: float, head_s: float, tone_s: float, tail_s: float, noise_db: float | None = None,
             rate: int = 48000) -> Path:
    t = np.arange(int(tone_s * rate)) / rate
    x = np.concatenate([np.zeros(int(head_s * rate)), amplitude * np.sin(2 * np.pi * 1000 * t),
                        np.zeros(int(tail_s * rate))])
    if noise_db is not None:  # white noise of this RMS everywhere: the noise floor
        x += np.random.default_rng(1).normal(0, 10 ** (noise_db / 20), len(x))
    with WavStreamWriter(path, rate) as w:
        w.write(Pcm(np.round(x * 32767).astype(np.int16), rate))
    return path


def test_measures_of_a_known_tone(tmp_path):
    """1 kHz at -20 dBFS: RMS -23.01 dB, BS.1770 loudness -23.0 LUFS (mono; EBU Tech 3341's reference: a
    1 kHz sine at 0 dBFS in one channel reads -3.01 LUFS), true peak -20 dBTP; silences as written."""
    tone = measure(tone_wav(tmp_path / "tone.wav", amplitude=0.1, head_s=0, tone_s=4.0, tail_s=0))
    assert abs(tone.rms - 20 * math.log10(0.1 / math.sqrt(2))) < 0.01 and abs(tone.peak - (-20.0)) < 0.01
    assert abs(tone.lufs - (-23.0)) <= 0.1 and abs(tone.true_peak - (-20.0)) <= 0.1
    levels = measure(tone_wav(tmp_path / "t.wav", amplitude=0.1, head_s=0.6, tone_s=4.0, tail_s=1.5))
    whole_rms = 20 * math.log10(0.1 / math.sqrt(2) * math.sqrt(4.0 / 6.1))
    assert abs(levels.rms - whole_rms) < 0.01 and abs(levels.peak - (-20.0)) < 0.01
    assert levels.noise_floor == -math.inf
    assert abs(levels.head_s - 0.6) < 0.002 and abs(levels.tail_s - 1.5) < 0.002 and abs(levels.duration - 6.1) < 1e-6


def test_noise_floor_above_acx_is_a_finding(tmp_path):
    wav = tone_wav(tmp_path / "n.wav", amplitude=0.25, head_s=0.7, tone_s=3.0, tail_s=2.0, noise_db=-50.0)
    levels = measure(wav)
    assert abs(levels.noise_floor - (-50.0)) < 1.0  # the quietest 0.5 s of random noise sits a little below its mean
    found = {f.measure: str(f) for f in check_levels("n.wav", levels, AUDIOBOOK)}
    assert found["noise_floor"] == f"n.wav: noise_floor: {levels.noise_floor:.2f} dB RMS, above -60 dB (audiobook profile)"
    # noise above -50 dBFS fills the silences: no head or tail of silence is left
    assert found["head"].startswith("n.wav: head: 0.00 s of silence, outside 0.5 to 1 s")


def test_check_levels_ranges():
    base = measure.__globals__["Levels"](rms=-20.0, peak=-4.0, lufs=-19.0, true_peak=-2.0, noise_floor=-80.0,
                                         head_s=0.75, tail_s=2.0, duration=60.0)
    assert check_levels("a.mp3", base, AUDIOBOOK) == []
    assert check_levels("a.mp3", base._replace(rms=-23.5) if hasattr(base, "_replace") else
                        type(base)(**{**base.__dict__, "rms": -23.5}), AUDIOBOOK)[0].message == \
        "-23.50 dB RMS, outside -23 to -18 dB (audiobook profile)"
    stereo = type(base)(**{**base.__dict__, "lufs": -16.2, "head_s": 0.5, "tail_s": 1.0})
    assert check_levels("p.mp3", stereo, PODCAST, channels=2) == []  # -16 LUFS stereo
    assert [f.measure for f in check_levels("p.mp3", stereo, PODCAST, channels=1)] == ["loudness"]
    c = custom(loudness=-23, peak=-2, head_s=0.3, tail_s=1.5)
    assert (c.loudness_range, c.peak, c.head_s, c.tail_s) == ((-24.0, -22.0), -2.0, 0.3, 1.5)


def test_ffmpeg_agrees_the_files_are_what_mutagen_says(podcast):
    out = subprocess.run([FFMPEG, "-hide_banner", "-i", str(podcast / "out" / "guide" / "guide.mp3")],
                         capture_output=True, text=True).stderr
    assert "Audio: mp3" in out and "44100 Hz, mono" in out and "96 kb/s" in out


@pytest.mark.slow
def test_a_loud_custom_target_lands_in_every_file(tmp_path):
    """-14 LUFS under a -1 dBTP ceiling (a common streaming target): the limiter takes much of the gain,
    more so at the AAC's lower ceiling. Every file, the M4B and the retail sample included, lands within
    +-1 LU; they measured -15.5 (M4B) and -15.8 LUFS (sample) when the AAC reused the MP3's gain and the
    sample had one correction."""
    root = make_book(tmp_path, "    profile: custom\n    formats: [chapters, mp3, m4b]\n"
                               "    audio: {loudness: -14, peak: -1}\n    sample: {chapter: 1, start_s: 0, length_s: 60}\n")
    built(root, "--check-audio")
    for path in audio_files(root):
        levels = measure(path)
        assert -15.0 <= levels.lufs <= -13.0 and levels.true_peak <= -1.0, (path.name, levels)


def test_m4b_media_kind_follows_the_profile(audiobook, podcast):
    """A podcast's M4B was tagged media kind 2 (Audiobook), so Apple's apps filed the episode in Books:
    it is media kind Podcast (`stik` 21, as iTunes and AtomicParsley number it) with iTunes' podcast flag."""
    book = MP4(audiobook / "out" / "guide" / "guide.m4b").tags
    episode = MP4(podcast / "out" / "guide" / "guide.m4b").tags
    assert book["stik"] == [2] and "pcst" not in book
    assert episode["stik"] == [21] and episode["pcst"] is True


def test_check_holds_the_m4b_to_the_custom_bitrate(podcast, tmp_path):
    """`narrate check` did not measure the M4B's bit rate at all: the podcast book's 64 kbps M4B (~55 kbps
    average) passed a custom profile asking 192 kbps. An average under half the AAC rate asked is named."""
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(podcast, root, ignore=shutil.ignore_patterns(".narrate-cache"))
    (root / "book.yaml").write_text((root / "book.yaml").read_text().replace(
        "profile: podcast\n", "profile: custom\n    audio: {bitrate: 192, sample_rate: 44100, loudness: -19}\n"))
    done = narrate_in("check", "book.yaml", cwd=root)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    average = MP4(root / "out" / "guide" / "guide.m4b").info.bitrate
    assert f"error: out/guide/guide.m4b: bitrate: {average / 1000:.0f} kbps average, below 96 kbps (half the 192 kbps " \
        "AAC) (custom profile)" in done.stderr.splitlines(), done.stderr


def test_a_custom_m4b_meets_its_bitrate(tmp_path):
    root = make_book(tmp_path, "    profile: custom\n    formats: [chapters, m4b]\n"
                               "    audio: {bitrate: 64, sample_rate: 22050}\n")
    built(root, "--check-audio")
    info = MP4(root / "out" / "guide" / "guide.m4b").info
    assert info.sample_rate == 22050 and 32000 <= info.bitrate <= 64000 * 1.2
