"""Issue 13 item 1: G.722, GSM 06.10, Opus in Ogg, MP3 and 16-bit PCM at 32/48 kHz.

Each format is rendered from one speech-like source and decoded again by ffmpeg (an independent
decoder, never the encoder's own library), then compared with the source at the format's rate:
duration and active speech level (ITU-T P.56 style, narrate.audio.level).
"""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from conftest import narrate_in
from narrate.audio import codecs
from narrate.audio.ffmpeg import run_ffmpeg
from narrate.audio.formats import OUTPUT_FORMATS
from narrate.audio.level import active_level_dbov
from narrate.audio.pcm import Pcm
from narrate.audio.resample import resample
from narrate.manifest import Settings
from narrate.package.render import render_formats

NEW = ("g722", "gsm", "opus", "ogg", "mp3", "wav32", "wav48", "sln32", "sln48")
# How ffmpeg must be told to read each headerless format (the others carry a header).
RAW_INPUT = {"g722": ["-f", "g722"], "gsm": ["-f", "gsm"],
             "sln32": ["-f", "s16le", "-ar", "32000", "-ac", "1"], "sln48": ["-f", "s16le", "-ar", "48000", "-ac", "1"]}
# Decoded minus expected duration, ms (low, high). Opus's pre-skip and the Ogg end granule make it
# exact; GSM rounds up to a 20 ms frame (this source is whole frames); MP3 keeps LAME's priming
# and frame padding, since libsndfile writes no gapless header (measured +68 ms at 24 kHz).
DURATION_MS = {"g722": (0, 0), "gsm": (0, 20), "opus": (0, 0), "ogg": (0, 0), "mp3": (40, 80),
               "wav32": (0, 0), "wav48": (0, 0), "sln32": (0, 0), "sln48": (0, 0)}
# Allowed level difference, dB: the lossless ones 0.05, the codecs what their coding noise and
# low-pass cost (measured: G.722 -0.07, GSM -0.18, Opus -0.08, MP3 -0.46 with LAME's 48 kbit/s low-pass).
LEVEL_DB = {"g722": 0.2, "gsm": 0.4, "opus": 0.2, "ogg": 0.2, "mp3": 0.6, "wav32": 0.05, "wav48": 0.05,
            "sln32": 0.05, "sln48": 0.05}


def speechlike(seconds: float = 1.6, rate: int = 24000) -> Pcm:
    """A voiced sound with a 140 Hz pitch, formant-like harmonics, and syllable-rate (4 Hz) bursts
    with pauses: what the level meter and the codecs see in speech, without an engine."""
    t = np.arange(int(seconds * rate)) / rate
    voice = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 30) if 140 * k < rate / 2 - 500)
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 0.5
    x = voice * envelope * (t < seconds - 0.3)  # a quiet tail, as a trimmed prompt has before padding
    x = x / np.max(np.abs(x)) * 9000
    return Pcm(np.rint(x).astype(np.int16), rate)


def ffmpeg_decode(data: bytes, fmt: str) -> Pcm:
    """Decode with ffmpeg at the format's own rate, mono 16-bit."""
    spec = OUTPUT_FORMATS[fmt]
    args = [*RAW_INPUT.get(fmt, []), "-i", "pipe:0", "-ac", "1", "-ar", str(spec.rate), "-f", "s16le", "pipe:1"]
    done = run_ffmpeg(args, input=data, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return Pcm(np.frombuffer(done.stdout, dtype="<i2").copy(), spec.rate)


@pytest.fixture(scope="module")
def rendered():
    pcm = speechlike()
    files = {f.format: f for f in render_formats(pcm, Settings(), NEW)}
    return pcm, files


@pytest.mark.parametrize("fmt", NEW)
def test_each_format_decodes_to_the_source_duration_and_level(rendered, fmt):
    pcm, files = rendered
    spec = OUTPUT_FORMATS[fmt]
    source = resample(pcm, spec.rate)
    lead, trail = Settings().silence.lead_ms, Settings().silence.trail_ms
    expected_s = len(source.samples) / spec.rate + (lead + trail) / 1000
    assert files[fmt].duration == pytest.approx(expected_s, abs=0.001)  # what index.json records
    decoded = ffmpeg_decode(files[fmt].data, fmt)
    low, high = DURATION_MS[fmt]
    assert low - 0.5 <= (decoded.duration - expected_s) * 1000 <= high + 0.5, (decoded.duration, expected_s)
    assert active_level_dbov(decoded) == pytest.approx(active_level_dbov(source), abs=LEVEL_DB[fmt])


@pytest.mark.parametrize("fmt", ["g722", "gsm", "sln48", "wav32"])
def test_narrates_own_decoder_reads_them_back(rendered, fmt):
    """The review page measures output files with narrate.audio.decode (ffmpeg only for Ogg/MP3)."""
    from narrate.audio.decode import decode
    from narrate.providers.base import AudioFormat

    _, files = rendered
    spec = OUTPUT_FORMATS[fmt]
    pcm = decode(files[fmt].data, AudioFormat(spec.container, spec.encoding, spec.rate))
    assert pcm.rate == spec.rate
    assert abs(pcm.duration - files[fmt].duration) * 1000 <= (20 if fmt == "gsm" else 0.5)


def test_byte_layouts(rendered):
    pcm, files = rendered
    n16 = len(resample(pcm, 16000).samples) + int(0.3 * 16000)  # 50 + 250 ms of padding
    assert len(files["g722"].data) == n16 // 2  # 64 kbit/s: 4 bits per 16 kHz sample
    n8 = len(resample(pcm, 8000).samples) + int(0.3 * 8000)
    assert len(files["gsm"].data) == -(-n8 // 160) * 33  # whole 33-byte frames of 160 samples
    for fmt in ("opus", "ogg"):
        data = files[fmt].data
        assert data[:4] == b"OggS" and b"OpusHead" in data[:100]
        assert int.from_bytes(data[14:18], "little") == codecs.OGG_SERIAL
    assert files["opus"].data == files["ogg"].data  # one encoding, two extensions
    mp3 = files["mp3"].data
    assert mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0 and not mp3.startswith(b"ID3")  # a frame sync, no tag
    for fmt, rate in (("wav32", 32000), ("wav48", 48000)):
        with wave.open(__import__("io").BytesIO(files[fmt].data)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (rate, 1, 2)
    assert len(files["sln48"].data) == 2 * (len(resample(pcm, 48000).samples) + int(0.3 * 48000))


def test_bitrates_are_the_documented_ones(rendered):
    _, files = rendered
    seconds = files["mp3"].duration
    kbps = len(files["mp3"].data) * 8 / seconds / 1000
    assert 44 <= kbps <= 54, kbps  # 48 kbit/s constant, plus the frames' rounding
    kbps = len(files["opus"].data) * 8 / files["opus"].duration / 1000
    assert 12 <= kbps <= 40, kbps  # about 29 kbit/s VBR for a full-scale signal; less in its pauses


@pytest.mark.parametrize("fmt", ["g722", "gsm", "opus", "mp3"])
def test_same_samples_give_the_same_bytes(rendered, fmt):
    pcm, files = rendered
    again = render_formats(pcm, Settings(), (fmt,))[0].data
    assert again == files[fmt].data  # an unchanged prompt is never rewritten (mtime kept)


def test_ogg_serial_fix_keeps_every_page_checksum_valid(rendered):
    """libogg (inside libsndfile) drops pages whose CRC is wrong: a full decode proves all are right."""
    _, files = rendered
    samples, rate = codecs.sf_decode(files["opus"].data)
    assert rate == 48000 and len(samples) == pytest.approx(files["opus"].duration * 48000, abs=48)
    broken = bytearray(files["opus"].data)
    broken[30] ^= 0xFF  # inside the first page: libogg must reject it
    with pytest.raises(Exception):  # noqa: B017 -- libsndfile's error type varies with the damage
        codecs.sf_decode(bytes(broken))


def test_headerless_decoders_round_trip():
    x = speechlike(1.0, 16000).samples
    assert len(codecs.g722_decode(codecs.g722_encode(x))) == len(x)
    x8 = speechlike(1.0, 8000).samples
    assert len(codecs.gsm_decode(codecs.gsm_encode(x8))) == len(x8)
    with pytest.raises(Exception, match="not a whole number of 33-byte GSM frames"):
        codecs.gsm_decode(b"\0" * 34)


def test_no_child_process_per_prompt(monkeypatch):
    """G.711/PCM and the new codecs all encode in process: starting any program fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a child process was started: {args[0] if args else kwargs}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    files = render_formats(speechlike(0.5), Settings(), tuple(OUTPUT_FORMATS))
    assert sorted(f.format for f in files) == sorted(OUTPUT_FORMATS)


MANIFEST = """\
version: 1
libraries:
  phones:
    output: out/phones
    layout: flat
    formats: [g722, gsm, opus, mp3, wav32, wav48]
    languages: {en-US: en-us}
    prompts:
      welcome: Welcome to the shop.
      menu/main: Press one for sales.
"""


@pytest.mark.slow
def test_cli_build_writes_every_new_format(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out" / "phones"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "index.json")
    assert files == ["g722/en-US/menu_main.g722", "g722/en-US/welcome.g722", "gsm/en-US/menu_main.gsm",
                     "gsm/en-US/welcome.gsm", "mp3/en-US/menu_main.mp3", "mp3/en-US/welcome.mp3",
                     "opus/en-US/menu_main.opus", "opus/en-US/welcome.opus", "wav32/en-US/menu_main.wav",
                     "wav32/en-US/welcome.wav", "wav48/en-US/menu_main.wav", "wav48/en-US/welcome.wav"]
    levels = {}
    for fmt in ("g722", "gsm", "opus", "mp3", "wav32", "wav48"):
        path = next((out / fmt / "en-US").glob("welcome.*"))
        levels[fmt] = active_level_dbov(ffmpeg_decode(path.read_bytes(), fmt))
    # Every file is set to the default -26 dBov; lossy coding moves it by a fraction of a dB.
    assert all(abs(level + 26) < 1.2 for level in levels.values()), levels
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    (tmp_path / "narrate.lock").unlink()  # forget the build: every prompt is rendered again...
    again = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes  # ...to the same bytes


def test_formats_exist_in_the_schema_and_the_readme():
    root = Path(__file__).resolve().parent.parent
    schema = (root / "docs" / "manifest.schema.json").read_text()
    readme = (root / "README.md").read_text()
    for fmt in NEW:
        assert f'"{fmt}"' in schema
        assert f"`{fmt}`" in readme, fmt
    assert sys.version_info >= (3, 11)
