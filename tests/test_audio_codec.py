"""Output formats, encoders, decoders and the resampler, checked against real readers (wave, ffmpeg)."""

from __future__ import annotations

import io
import struct
import subprocess
import warnings
import wave

import imageio_ffmpeg
import numpy as np
import pytest

from narrate.audio.decode import decode
from narrate.audio.encode import encode, wav_bytes
from narrate.audio.formats import OUTPUT_FORMATS, OutputFormat
from narrate.audio.pcm import Pcm
from narrate.audio.resample import resample
from narrate.errors import AudioError
from narrate.providers.base import AudioFormat

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
WAV = AudioFormat("wav", "pcm_s16le", 0)


def speechlike(rate: int, seconds: float = 1.0, amp: float = 9000.0) -> Pcm:
    """Harmonics of a gliding 150 Hz voice under a 4 Hz syllable envelope: broadband, deterministic."""
    t = np.arange(int(rate * seconds)) / rate
    f0 = 150 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    env = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    return Pcm((amp * voice * env / 2.2).astype(np.int16), rate)


def tone(freq: float, rate: int, seconds: float, amp: float = 16000.0) -> Pcm:
    t = np.arange(int(rate * seconds)) / rate
    return Pcm(np.round(amp * np.sin(2 * np.pi * freq * t)).astype(np.int16), rate)


def rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-12)


def ffmpeg_probe(data: bytes, suffix: str, tmp_path) -> str:
    path = tmp_path / f"probe.{suffix}"
    path.write_bytes(data)
    proc = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path), "-f", "null", "-"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def ffmpeg_decode(data: bytes, tmp_path) -> np.ndarray:
    path = tmp_path / "in.wav"
    path.write_bytes(data)
    out = subprocess.run([FFMPEG, "-loglevel", "error", "-i", str(path), "-f", "s16le", "-c:a", "pcm_s16le", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<i2")


# --- format table -------------------------------------------------------------------------------

def test_format_table_is_exactly_the_telephony_set():
    expected = {
        "ulaw": ("ulaw", 8000, "mulaw", "raw"),
        "alaw": ("alaw", 8000, "alaw", "raw"),
        "wav": ("wav", 8000, "pcm_s16le", "wav"),
        "wav16": ("wav16", 16000, "pcm_s16le", "wav"),
        "mulaw-wav": ("wav", 8000, "mulaw", "wav"),
        "alaw-wav": ("wav", 8000, "alaw", "wav"),
        "sln16": ("sln16", 16000, "pcm_s16le", "raw"),
        "sln32": ("sln32", 32000, "pcm_s16le", "raw"),
        "sln48": ("sln48", 48000, "pcm_s16le", "raw"),
        "wav32": ("wav", 32000, "pcm_s16le", "wav"),
        "wav48": ("wav", 48000, "pcm_s16le", "wav"),
        "g722": ("g722", 16000, "g722", "raw"),
        "gsm": ("gsm", 8000, "gsm", "raw"),
        "opus": ("opus", 48000, "opus", "ogg"),
        "ogg": ("ogg", 48000, "opus", "ogg"),
        "mp3": ("mp3", 24000, "mp3", "mp3"),
    }
    assert {n: (f.ext, f.rate, f.encoding, f.container) for n, f in OUTPUT_FORMATS.items()} == expected
    assert all(f.name == n for n, f in OUTPUT_FORMATS.items())


# --- RIFF headers, field by field ---------------------------------------------------------------

@pytest.mark.parametrize("name,rate", [("wav", 8000), ("wav16", 16000)])
def test_pcm_wav_header_fields(name, rate):
    pcm = speechlike(rate, 0.5)
    data = encode(pcm, OUTPUT_FORMATS[name])
    n = len(pcm.samples)
    assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt "
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8 == 36 + 2 * n
    assert struct.unpack_from("<IHHIIHH", data, 16) == (16, 1, 1, rate, 2 * rate, 2, 16)
    assert data[36:40] == b"data" and struct.unpack_from("<I", data, 40)[0] == 2 * n
    assert np.array_equal(np.frombuffer(data[44:], dtype="<i2"), pcm.samples)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, rate, n)
        assert np.array_equal(np.frombuffer(w.readframes(n), dtype="<i2"), pcm.samples)


@pytest.mark.parametrize("name,tag", [("mulaw-wav", 7), ("alaw-wav", 6)])
@pytest.mark.parametrize("n", [4001, 4000])  # odd sizes need the RIFF pad byte
def test_g711_wav_header_fields(name, tag, n):
    data = encode(Pcm(speechlike(8000, 1.0).samples[:n], 8000), OUTPUT_FORMATS[name])
    pad = n & 1
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8 == 4 + 26 + 12 + 8 + n + pad
    assert data[12:16] == b"fmt "
    assert struct.unpack_from("<IHHIIHHH", data, 16) == (18, tag, 1, 8000, 8000, 1, 8, 0)
    assert data[38:42] == b"fact" and struct.unpack_from("<II", data, 42) == (4, n)
    assert data[50:54] == b"data" and struct.unpack_from("<I", data, 54)[0] == n
    assert len(data) == 58 + n + pad


@pytest.mark.parametrize("name,codec", [("mulaw-wav", "pcm_mulaw"), ("alaw-wav", "pcm_alaw")])
def test_ffmpeg_reads_g711_wav_as_written(name, codec, tmp_path):
    pcm = speechlike(8000, 0.5)
    data = encode(pcm, OUTPUT_FORMATS[name])
    info = ffmpeg_probe(data, "wav", tmp_path)
    assert f"Audio: {codec}" in info and "8000 Hz" in info and "mono" in info
    # ffmpeg's G.711 tables and ours agree sample for sample.
    assert np.array_equal(ffmpeg_decode(data, tmp_path), decode(data, WAV).samples)


@pytest.mark.parametrize("name", ["wav", "wav16"])
def test_ffmpeg_reads_pcm_wav(name, tmp_path):
    info = ffmpeg_probe(encode(speechlike(8000, 0.5), OUTPUT_FORMATS[name]), "wav", tmp_path)
    assert "Audio: pcm_s16le" in info and f"{OUTPUT_FORMATS[name].rate} Hz" in info


def test_wav_bytes_keeps_the_source_rate():
    pcm = speechlike(22050, 0.3)
    data = wav_bytes(pcm)
    assert struct.unpack_from("<I", data, 24)[0] == 22050 and len(data) == 44 + 2 * len(pcm.samples)
    back = decode(data, WAV)
    assert back.rate == 22050 and np.array_equal(back.samples, pcm.samples)


def test_encoding_is_deterministic():
    pcm = speechlike(22050, 0.5)
    for fmt in OUTPUT_FORMATS.values():
        assert encode(pcm, fmt) == encode(pcm, fmt)


# --- round trips -------------------------------------------------------------------------------

def test_pcm_round_trip_is_exact_at_the_same_rate():
    pcm = speechlike(8000)
    for name, fmt in (("wav", WAV), ("sln16", AudioFormat("raw", "pcm_s16le", 16000))):
        src = pcm if OUTPUT_FORMATS[name].rate == 8000 else speechlike(16000)
        back = decode(encode(src, OUTPUT_FORMATS[name]), fmt)
        assert back.rate == src.rate and np.array_equal(back.samples, src.samples)


def test_pcm_round_trip_through_resampling_keeps_length_and_signal():
    src = speechlike(22050, 2.0)
    back = decode(encode(src, OUTPUT_FORMATS["wav16"]), WAV)
    assert back.rate == 16000 and abs(len(back.samples) - 32000) <= 1
    up = resample(back, 22050).samples.astype(np.float64)
    m = min(len(up), len(src.samples))
    err = up[:m] - src.samples[:m]
    # Everything in the voice is below 8 kHz, so 22.05k -> 16k -> 22.05k is near-transparent.
    assert rms_db(src.samples) - rms_db(err) > 40


@pytest.mark.parametrize("name,raw", [("ulaw", "mulaw"), ("alaw", "alaw"), ("mulaw-wav", None), ("alaw-wav", None)])
def test_g711_round_trip_within_quantisation_error(name, raw):
    src = speechlike(8000)
    data = encode(src, OUTPUT_FORMATS[name])
    back = decode(data, AudioFormat("raw", raw, 8000) if raw else WAV)
    assert back.rate == 8000 and len(back.samples) == len(src.samples)
    x = src.samples.astype(np.float64)
    err = np.abs(back.samples - x)
    # G.711's step within a segment is at most 1/16 of the segment's start: half a step of error.
    assert np.all(err <= np.abs(x) / 32 + 16)
    assert rms_db(x) - rms_db(back.samples - x) > 30


def test_g711_code_points_match_the_standard():
    pcm = Pcm(np.array([0, 32767, -32768], dtype=np.int16), 8000)
    assert encode(pcm, OUTPUT_FORMATS["ulaw"]) == bytes([0xFF, 0x80, 0x00])
    assert encode(pcm, OUTPUT_FORMATS["alaw"]) == bytes([0xD5, 0xAA, 0x2A])


# --- resampling --------------------------------------------------------------------------------

def test_downsampling_removes_what_would_alias():
    src = tone(6000, 22050, 1.0)  # above the 4 kHz Nyquist of 8 kHz: would fold to 2 kHz
    out = resample(src, 8000).samples
    assert abs(len(out) - 8000) <= 1
    assert rms_db(out[400:-400]) - rms_db(src.samples) < -40
    # The same test against audioop.ratecv (pydub's set_frame_rate) fails: that is the trap.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
    naive, _ = audioop.ratecv(src.samples.tobytes(), 2, 1, 22050, 8000, None)
    assert rms_db(np.frombuffer(naive, dtype=np.int16)) - rms_db(src.samples) > -20


def test_resampling_keeps_the_passband():
    out = resample(tone(1000, 22050, 1.0), 8000).samples
    assert abs(rms_db(out[400:-400]) - rms_db(tone(1000, 8000, 1.0).samples)) < 0.2


def test_resampling_clips_instead_of_wrapping():
    t = np.arange(22050) / 22050
    square = np.where(np.sin(2 * np.pi * 200 * t) >= 0, 32767, -32768).astype(np.int16)
    out = resample(Pcm(square, 22050), 8000).samples
    ref = np.sin(2 * np.pi * 200 * np.arange(len(out)) / 8000)
    # Filter ringing overshoots full scale; a wrap-around would turn those peaks strongly negative.
    assert out.dtype == np.int16 and out.max() == 32767
    assert np.all(out[100:-100][ref[100:-100] > 0.5] > 0)


def test_resample_edge_cases():
    empty = resample(Pcm(np.zeros(0, np.int16), 22050), 8000)
    assert empty.rate == 8000 and len(empty.samples) == 0
    same = speechlike(8000, 0.1)
    assert resample(same, 8000) is same
    with pytest.raises(AudioError):
        resample(same, 0)


# --- decoding what providers send --------------------------------------------------------------

def riff(*chunks: tuple[bytes, bytes], riff_size: int | None = None, data_size: int | None = None) -> bytes:
    body = b""
    for cid, payload in chunks:
        size = data_size if (cid == b"data" and data_size is not None) else len(payload)
        body += cid + struct.pack("<I", size) + payload + (b"\0" if len(payload) % 2 and cid != b"data" else b"")
    return b"RIFF" + struct.pack("<I", riff_size if riff_size is not None else 4 + len(body)) + b"WAVE" + body


def fmt_chunk(tag: int, channels: int, rate: int, bits: int, extra: bytes = b"") -> tuple[bytes, bytes]:
    block = channels * bits // 8
    return b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits) + extra


def test_decode_streamed_wav_with_unknown_sizes_and_list_chunk():
    samples = speechlike(24000, 0.2).samples
    data = riff(fmt_chunk(1, 1, 24000, 16), (b"LIST", b"INFOISFT\x05\0\0\0Lavf\0\0"), (b"data", samples.tobytes()),
                riff_size=0xFFFFFFFF, data_size=0xFFFFFFFF)
    back = decode(data, WAV)
    assert back.rate == 24000 and np.array_equal(back.samples, samples)


def test_decode_data_size_larger_than_the_file_reads_to_the_end():
    samples = speechlike(16000, 0.1).samples
    data = riff(fmt_chunk(1, 1, 16000, 16), (b"data", samples.tobytes()), data_size=10_000_000)
    assert np.array_equal(decode(data, WAV).samples, samples)


def test_decode_skips_chunks_after_data():
    samples = speechlike(8000, 0.1).samples
    data = riff(fmt_chunk(1, 1, 8000, 16), (b"fact", struct.pack("<I", len(samples))),
                (b"data", samples.tobytes()), (b"LIST", b"INFOIART\x03\0\0\0me\0\0"))
    assert np.array_equal(decode(data, WAV).samples, samples)


def test_decode_ffmpeg_piped_wav(tmp_path):
    # A real streaming writer: ffmpeg to a pipe writes 0xFFFFFFFF sizes and a LIST chunk.
    data = subprocess.run([FFMPEG, "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.5",
                           "-ar", "16000", "-f", "wav", "pipe:1"], capture_output=True, check=True).stdout
    assert struct.unpack_from("<I", data, 4)[0] == 0xFFFFFFFF
    back = decode(data, WAV)
    assert back.rate == 16000 and len(back.samples) == 8000


def test_decode_downmixes_stereo():
    left = speechlike(8000, 0.2).samples.astype(np.int32)
    right = (left // 2)
    inter = np.stack([left, right], axis=1).astype("<i2").ravel()
    back = decode(riff(fmt_chunk(1, 2, 8000, 16), (b"data", inter.tobytes())), WAV)
    assert back.rate == 8000 and len(back.samples) == len(left)
    assert np.max(np.abs(back.samples - (left + right) / 2)) <= 1


def test_decode_wave_format_extensible():
    samples = speechlike(16000, 0.1).samples
    guid = struct.pack("<H", 1) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    ext = struct.pack("<HHI", 22, 16, 4) + guid
    data = riff(fmt_chunk(0xFFFE, 1, 16000, 16, ext), (b"data", samples.tobytes()))
    assert np.array_equal(decode(data, WAV).samples, samples)


def test_decode_g711_wav_and_other_widths():
    src = speechlike(8000, 0.1)
    ulaw = encode(src, OUTPUT_FORMATS["ulaw"])
    assert np.array_equal(decode(riff(fmt_chunk(7, 1, 8000, 8), (b"data", ulaw)), WAV).samples,
                          decode(ulaw, AudioFormat("raw", "mulaw", 8000)).samples)
    u8 = ((src.samples.astype(np.int32) >> 8) + 128).astype(np.uint8)
    back8 = decode(riff(fmt_chunk(1, 1, 8000, 8), (b"data", u8.tobytes())), WAV).samples
    assert np.max(np.abs(back8.astype(np.int32) - src.samples)) < 256
    f32 = (src.samples / 32768.0).astype("<f4")
    assert np.array_equal(decode(riff(fmt_chunk(3, 1, 8000, 32), (b"data", f32.tobytes())), WAV).samples, src.samples)
    s24 = np.zeros((len(src.samples), 3), np.uint8)
    s24[:, 1:] = src.samples.astype("<i2").view(np.uint8).reshape(-1, 2)
    assert np.array_equal(decode(riff(fmt_chunk(1, 1, 8000, 24), (b"data", s24.tobytes())), WAV).samples, src.samples)


def test_decode_mp3_through_ffmpeg(tmp_path):
    src_path = tmp_path / "src.wav"
    src_path.write_bytes(wav_bytes(speechlike(22050, 1.0)))
    mp3 = subprocess.run([FFMPEG, "-loglevel", "error", "-i", str(src_path), "-c:a", "libmp3lame", "-b:a", "64k",
                          "-f", "mp3", "pipe:1"], capture_output=True, check=True).stdout
    native = decode(mp3, AudioFormat("mp3", "mp3", 0))
    assert native.rate == 22050 and 0.99 < native.duration < 1.1  # + encoder delay: a piped mp3 has no LAME gapless tag
    at_8k = decode(mp3, AudioFormat("mp3", "mp3", 8000))
    assert at_8k.rate == 8000 and 0.99 < at_8k.duration < 1.1
    assert rms_db(at_8k.samples) > rms_db(speechlike(8000).samples) - 2  # real audio, not silence


@pytest.mark.parametrize("data,fmt,needle", [
    (b"\x00\x01garbage that is not audio", AudioFormat("wav", "pcm_s16le", 24000), "RIFF"),
    (b"RIFF\x10\0\0\0WAVEjunk\x00\0\0\0", WAV, "fmt"),
    (riff(fmt_chunk(1, 1, 8000, 16)), WAV, "data"),
    (riff(fmt_chunk(2, 1, 8000, 4), (b"data", b"\0" * 64)), WAV, "format tag 2"),  # ADPCM
    (riff((b"fmt ", b"\x01\x00"), (b"data", b"\0" * 8)), WAV, "fmt"),
    (b"\x00" * 100, AudioFormat("raw", "pcm_f32le", 8000), "unsupported raw encoding"),
    (b"\x00" * 100, AudioFormat("raw", "mulaw", 0), "sample rate"),
    (b"\x13\x37" * 300, AudioFormat("mp3", "mp3", 24000), "ffmpeg"),
])
def test_decode_rejects_garbage_with_a_clear_message(data, fmt, needle):
    with pytest.raises(AudioError, match=needle):
        decode(data, fmt)


def test_encode_rejects_unknown_encodings():
    with pytest.raises(AudioError, match="vorbis"):  # opus is written since issue 13; vorbis is not
        encode(speechlike(8000, 0.1), OutputFormat("x", "x", 8000, "vorbis", "raw"))
