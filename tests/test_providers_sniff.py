"""audio/sniff.py: what a body really is, and whether it is the encoding that was requested (issue 9 item 3).

The plausibility sweep runs real speech (the embedded engine) in every encoding at every rate through
every reading: the right one must pass, every wrong one must be refused."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from narrate.audio import g711
from narrate.audio.encode import wav_bytes
from narrate.audio.formats import AudioFormat
from narrate.audio.pcm import Pcm
from narrate.audio.resample import resample
from narrate.audio.riff import wav_file
from narrate.audio.sniff import describe_format, format_problem, sniff

PCM24 = AudioFormat("raw", "pcm_s16le", 24000)
ULAW8 = AudioFormat("raw", "mulaw", 8000)
WAV24 = AudioFormat("wav", "pcm_s16le", 24000)
WAVMU8 = AudioFormat("wav", "mulaw", 8000)


def tone(seconds: float = 1.5, rate: int = 24000) -> Pcm:
    t = np.arange(int(rate * seconds)) / rate
    return Pcm((np.sin(2 * np.pi * 180 * t) * 7000 * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.int16), rate)


def ffmpeg(pcm: Pcm, *args: str) -> bytes:
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
           *args, "pipe:1"]
    return subprocess.run(cmd, input=wav_bytes(pcm), capture_output=True, check=True, timeout=60).stdout


@pytest.fixture(scope="module")
def compressed() -> dict[str, bytes]:
    pcm = tone()
    return {
        "mp3": ffmpeg(pcm, "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"),  # starts with an ID3 tag
        "mp3-bare": ffmpeg(pcm, "-c:a", "libmp3lame", "-id3v2_version", "0", "-write_xing", "0", "-f", "mp3"),
        "aac": ffmpeg(pcm, "-c:a", "aac", "-f", "adts"),
        "ogg": ffmpeg(pcm, "-c:a", "libopus", "-f", "ogg"),
        "flac": ffmpeg(pcm, "-c:a", "flac", "-f", "flac"),
    }


@pytest.mark.parametrize("name,kind", [("mp3", "mp3"), ("mp3-bare", "mp3"), ("aac", "aac"), ("ogg", "ogg"),
                                       ("flac", "flac")])
def test_compressed_formats_are_named_and_refused_for_every_raw_or_wav_request(compressed, name, kind):
    body = compressed[name]
    assert sniff(body).kind == kind
    for fmt in (PCM24, ULAW8, WAV24, WAVMU8):
        assert format_problem(body, fmt) == f"{sniff(body).label} where {describe_format(fmt)} was requested"


def test_wav_is_refused_for_raw_and_checked_field_by_field_for_wav():
    pcm16 = wav_bytes(tone())
    assert sniff(pcm16).kind == "wav" and sniff(pcm16).label == "a WAV file (PCM, 16-bit, 24000 Hz, 1 channel)"
    assert format_problem(pcm16, PCM24) == ("a WAV file (PCM, 16-bit, 24000 Hz, 1 channel) where raw pcm_s16le "
                                            "at 24000 Hz was requested")
    assert format_problem(pcm16, WAV24) is None
    # Right container, wrong sample rate / wrong codec.
    assert format_problem(wav_bytes(tone(rate=16000)), WAV24).endswith("(wrong sample rate)")
    mulaw_wav = wav_file(7, 8000, g711.ulaw_encode(tone(rate=8000).samples), bits=8)
    assert format_problem(mulaw_wav, WAVMU8) is None
    assert format_problem(mulaw_wav, AudioFormat("wav", "pcm_s16le", 8000)) == (
        "a WAV file (mu-law, 8-bit, 8000 Hz, 1 channel) where WAV pcm_s16le at 8000 Hz was requested")
    assert format_problem(mulaw_wav, ULAW8).startswith("a WAV file (mu-law")


@pytest.mark.parametrize("body,kind", [
    (b'{"error": {"message": "quota"}}', "json"), (b"<!DOCTYPE html><html><body>502</body></html>", "html"),
    (b"<?xml version='1.0'?><Error/>", "xml"), (b"upstream connect error or disconnect/reset", "text"),
    (b"", "empty"),
])
def test_text_bodies_are_never_audio(body, kind):
    assert sniff(body).kind == kind
    for fmt in (PCM24, ULAW8, WAV24):
        problem = format_problem(body, fmt)
        assert problem is not None and ("instead of audio" in problem or problem == "empty body")


def test_mpeg_sync_inside_pcm_is_not_taken_for_mp3():
    # Little-endian samples in -4096..-1 start with 0xFF 0xFx: a lone "sync" must not make an MP3.
    samples = tone().samples.copy()
    samples[0] = np.int16(-2)  # bytes FE FF
    samples[0:2] = np.frombuffer(b"\xff\xfb\x90\x00", dtype="<i2")  # a valid MPEG-1 L3 header, no next frame
    body = samples.astype("<i2").tobytes()
    assert sniff(body).kind == "binary" and format_problem(body, PCM24) is None


def test_silence_and_short_bodies_are_left_to_the_duration_and_silence_checks():
    assert format_problem(bytes(48000), PCM24) is None  # all zeros: no energy, not judged here
    assert format_problem(b"\xff" * 8000, ULAW8) is None  # G.711 silence
    assert format_problem(bytes(range(256))[:200], ULAW8) is None  # under 800 samples


def test_odd_length_pcm_is_a_cut_stream():
    assert format_problem(tone().samples.astype("<i2").tobytes()[:-1], PCM24) == \
        "truncated 16-bit PCM: odd length 71999 bytes"


@pytest.fixture(scope="module")
def speech() -> list[Pcm]:
    pytest.importorskip("espeakng_loader")
    from narrate.audio.decode import decode
    from narrate.providers.base import ProviderConfig, SynthesisRequest
    from narrate.providers.espeak import create

    engine = create(ProviderConfig("espeak", "espeak"))
    texts = [("Press one for sales, two for support.", "en-us"), ("Ship sixty six shiny scissors.", "en-us+f3"),
             ("Bitte warten Sie, Ihr Anruf ist uns wichtig.", "de"), ("Fish, shh, chips.", "en-gb+m3")]
    out = []
    for text, voice in texts:
        result = engine.synthesize(SynthesisRequest(text, voice, "en-US"))
        out.append(decode(result.audio, result.format))
    return out


@pytest.mark.parametrize("rate", [8000, 16000, 24000])
def test_real_speech_passes_in_its_own_encoding_and_fails_in_every_other(speech, rate, compressed):
    for pcm in speech:
        at = resample(pcm, rate)
        s16 = at.samples.astype("<i2").tobytes()
        ulaw = g711.ulaw_encode(at.samples)
        alaw = g711.alaw_encode(at.samples)
        pcm_fmt, ulaw_fmt = AudioFormat("raw", "pcm_s16le", rate), AudioFormat("raw", "mulaw", rate)
        assert format_problem(s16, pcm_fmt) is None
        assert format_problem(ulaw, ulaw_fmt) is None
        assert format_problem(alaw, AudioFormat("raw", "alaw", rate)) is None
        # Every wrong reading is refused (even lengths, so the odd-length rule cannot be what catches it).
        assert "read as 16-bit PCM" in format_problem(s16, ulaw_fmt)
        for g in (ulaw, alaw):
            even = g[: len(g) // 2 * 2]
            problem = format_problem(even, pcm_fmt)
            assert problem is not None and "not plausible raw pcm_s16le" in problem, problem
        mp3 = compressed["mp3-bare"]
        for fmt in (pcm_fmt, ulaw_fmt):
            assert format_problem(mp3, fmt).startswith("MP3 audio where")
            # MP3 bytes with the header cut off: no signature left, only noise-like samples.
            headless = mp3[4000:4000 + len(mp3) // 2 // 2 * 2]
            assert sniff(headless).kind == "binary" and "not plausible" in format_problem(headless, fmt)
