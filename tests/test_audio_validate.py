"""check_audio: a 2xx body must be plausible audio for its text before anything caches it."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from narrate.audio.encode import encode, wav_bytes
from narrate.audio.formats import OUTPUT_FORMATS
from narrate.audio.pcm import Pcm
from narrate.audio.validate import check_audio
from narrate.errors import InvalidAudioError
from narrate.providers.base import AudioFormat

WAV24 = AudioFormat("wav", "pcm_s16le", 24000)
TEXT = "Thank you for calling. Please hold."  # 28 letters: 0.7 s to 89 s is plausible


def voice(seconds: float, rate: int = 24000) -> Pcm:
    t = np.arange(int(rate * seconds)) / rate
    x = 6000 * np.sin(2 * np.pi * 160 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return Pcm(np.round(x).astype(np.int16), rate)


def check(data: bytes, fmt: AudioFormat = WAV24, text: str = TEXT, **kw) -> Pcm:
    return check_audio(data, fmt, text, provider="acme", request_id="req-42", **kw)


def rejected(data: bytes, fmt: AudioFormat = WAV24, text: str = TEXT, **kw) -> InvalidAudioError:
    with pytest.raises(InvalidAudioError) as info:
        check(data, fmt, text, **kw)
    err = info.value
    assert err.retryable is True and err.provider == "acme" and err.request_id == "req-42"
    assert "acme" in str(err) and "req-42" in str(err)
    return err


def test_accepts_a_real_wav_and_returns_its_pcm():
    src = voice(2.0)
    pcm = check(wav_bytes(src), content_type="audio/wav")
    assert pcm.rate == 24000 and np.array_equal(pcm.samples, src.samples)


def test_accepts_a_streamed_wav_with_placeholder_sizes():
    data = bytearray(wav_bytes(voice(1.5)))
    data[4:8] = data[40:44] = struct.pack("<I", 0xFFFFFFFF)
    assert check(bytes(data)).duration == pytest.approx(1.5)


def test_accepts_raw_g711_even_when_mislabelled():
    # ElevenLabs labels every format audio/mpeg; the bytes decide.
    data = encode(voice(1.5, 8000), OUTPUT_FORMATS["ulaw"])
    pcm = check(data, AudioFormat("raw", "mulaw", 8000), content_type="audio/mpeg")
    assert pcm.rate == 8000 and len(pcm.samples) == 12000


def test_raw_pcm_that_starts_with_a_brace_is_still_audio():
    samples = voice(1.5).samples.copy()
    samples[0] = 0x7B7B  # "{{": the sniffer must not take a sample for JSON
    data = samples.astype("<i2").tobytes()
    assert data[:1] == b"{"
    assert len(check(data, AudioFormat("raw", "pcm_s16le", 24000)).samples) == len(samples)


def test_rejects_empty_body():
    assert "empty" in str(rejected(b""))


def test_rejects_html_error_page_with_status_200():
    page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    assert "HTML" in str(rejected(page, content_type="audio/wav"))
    assert "text/html" in str(rejected(page, content_type="text/html; charset=utf-8"))
    # Raw formats cannot be told from bytes by decoding: sniffing is what catches them.
    assert "HTML" in str(rejected(page, AudioFormat("raw", "mulaw", 8000)))


def test_rejects_json_error_with_status_200_and_redacts_tokens():
    body = b'{"error": {"message": "Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz0123", "code": 401}}'
    err = rejected(body, AudioFormat("raw", "pcm_s16le", 24000))
    assert "JSON" in str(err) and "Incorrect API key" in str(err)
    assert "abcdefghijklmnopqrstuvwxyz0123" not in str(err)
    assert "application/json" in str(rejected(voice(1.0).samples.tobytes(), AudioFormat("raw", "pcm_s16le", 24000),
                                              content_type="application/json"))


def test_rejects_plain_text_bodies():
    err = rejected(b"upstream connect error or disconnect/reset before headers", AudioFormat("raw", "mulaw", 8000))
    assert "text body" in str(err)


def test_rejects_truncated_wav_but_tolerates_a_few_bytes():
    full = wav_bytes(voice(2.0))
    err = rejected(full[: len(full) // 2])
    assert "truncated" in str(err) and "96000" in str(err)
    assert check(full[:-40]).duration > 1.99  # within max(64 bytes, 10 ms)


def test_rejects_odd_length_raw_pcm():
    data = voice(1.5).samples.astype("<i2").tobytes()[:-1]
    assert "odd length" in str(rejected(data, AudioFormat("raw", "pcm_s16le", 24000)))


@pytest.mark.parametrize("data,fmt,needle", [
    (bytes(range(256)) * 40, WAV24, "RIFF"),  # binary, not RIFF
    (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"\x02\x00" * 8, WAV24, "no 'data' chunk"),
    (b"\xde\xad\xbe\xef" * 500, AudioFormat("mp3", "mp3", 24000), "ffmpeg"),
])
def test_rejects_undecodable_bytes(data, fmt, needle):
    err = str(rejected(data, fmt))
    assert "undecodable" in err and needle in err


def test_rejects_audio_far_too_short_for_the_text():
    text = "Your call is important to us. " * 4  # 96 letters: at least 2.4 s
    err = rejected(wav_bytes(voice(0.5)), text=text)
    assert "too short" in str(err)
    assert check(wav_bytes(voice(2.5)), text=text).duration == pytest.approx(2.5)
    # Requests that asked for fast speech get a proportionally lower floor.
    assert check(wav_bytes(voice(1.3)), text=text, speed=2.0).duration == pytest.approx(1.3)


def test_rejects_audio_far_too_long_for_the_text():
    assert "too long" in str(rejected(wav_bytes(voice(12.0)), text="Hi"))  # max 3*2 + 5 = 11 s
    assert check(wav_bytes(voice(10.0)), text="Hi").duration == pytest.approx(10.0)


def test_rejects_silence_for_real_text():
    assert "silence" in str(rejected(wav_bytes(Pcm(np.zeros(48000, np.int16), 24000))))
    # Text with nothing to say may legitimately come back silent.
    assert check(wav_bytes(Pcm(np.zeros(4800, np.int16), 24000)), text="...").duration == pytest.approx(0.2)


@pytest.mark.parametrize("peak,silent", [(16, True), (-16, True), (17, False), (-17, False), (-32768, False)])
def test_silence_is_a_peak_of_16_or_less_either_way(peak, silent):
    samples = np.zeros(48000, np.int16)
    samples[1000] = peak
    data = wav_bytes(Pcm(samples, 24000))
    if silent:
        assert "silence" in str(rejected(data))
    else:
        assert check(data).duration == pytest.approx(2.0)
