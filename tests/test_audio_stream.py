"""WavStreamWriter (bounded memory, atomic) and encode_with_ffmpeg (one process, atomic)."""

from __future__ import annotations

import struct
import subprocess
import wave
import zlib

import imageio_ffmpeg
import numpy as np
import pytest

from narrate.audio import stream
from narrate.audio.decode import decode
from narrate.audio.pcm import Pcm
from narrate.audio.resample import resample
from narrate.audio.stream import WavStreamWriter, encode_with_ffmpeg
from narrate.errors import AudioError
from narrate.providers.base import AudioFormat

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
WAV = AudioFormat("wav", "pcm_s16le", 0)


def chirp(rate: int, seconds: float, seed: int = 0) -> Pcm:
    t = np.arange(int(rate * seconds)) / rate
    x = 8000 * np.sin(2 * np.pi * (200 + 300 * t + 50 * seed) * t)
    return Pcm(np.round(x).astype(np.int16), rate)


def ffmpeg_info(path) -> str:
    proc = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path), "-f", "null", "-"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def test_header_sizes_after_several_chunks(tmp_path):
    parts = [chirp(22050, 0.3, i) for i in range(4)]
    target = tmp_path / "book" / "ch1.wav"
    with WavStreamWriter(target, 22050) as w:
        for p in parts:
            w.write(p)
        assert not target.exists()  # nothing at the target until close
    n = sum(len(p.samples) for p in parts)
    assert w.frames == n and w.duration == pytest.approx(n / 22050)
    data = target.read_bytes()
    assert data[:4] == b"RIFF" and struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    assert data[8:16] == b"WAVEJUNK"
    assert data[48:52] == b"fmt " and struct.unpack_from("<IHHIIHH", data, 52) == (16, 1, 1, 22050, 44100, 2, 16)
    assert data[72:76] == b"data" and struct.unpack_from("<I", data, 76)[0] == 2 * n == len(data) - 80
    with wave.open(str(target)) as r:
        assert (r.getnchannels(), r.getsampwidth(), r.getframerate(), r.getnframes()) == (1, 2, 22050, n)
    assert np.array_equal(decode(data, WAV).samples, np.concatenate([p.samples for p in parts]))
    assert "Audio: pcm_s16le" in ffmpeg_info(target)
    assert [p.name for p in target.parent.iterdir()] == ["ch1.wav"]  # no temp file left


def test_rate_from_first_chunk_and_streaming_resample(tmp_path):
    whole = chirp(24000, 2.0)
    with WavStreamWriter(tmp_path / "a.wav") as w:
        w.write(Pcm(np.zeros(800, np.int16), 8000))  # sets the rate
        for piece in np.array_split(whole.samples, 7):
            w.write(Pcm(piece, 24000))
        tail = chirp(8000, 0.1, 3)
        w.write(tail)  # back at the native rate: the resampler's delayed output must come first
    out = decode((tmp_path / "a.wav").read_bytes(), WAV)
    assert out.rate == 8000 and abs(len(out.samples) - (800 + 16000 + 800)) <= 2
    assert np.array_equal(out.samples[-800:], tail.samples)
    # One resampler across the chunks: the same as resampling the whole thing, no clicks at the joins.
    ref = resample(whole, 8000).samples.astype(np.int32)
    got = out.samples[800:800 + len(ref)].astype(np.int32)
    assert np.max(np.abs(got - ref)) <= 2


def test_exception_mid_write_leaves_nothing(tmp_path):
    target = tmp_path / "ch2.wav"
    with pytest.raises(RuntimeError), WavStreamWriter(target, 8000) as w:
        w.write(chirp(8000, 0.5))
        raise RuntimeError("synthesis failed")
    assert list(tmp_path.iterdir()) == []


def test_exception_keeps_the_previous_file(tmp_path):
    target = tmp_path / "ch3.wav"
    target.write_bytes(b"old complete file")
    with pytest.raises(KeyboardInterrupt), WavStreamWriter(target, 8000) as w:
        w.write(chirp(8000, 0.5))
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old complete file"
    assert [p.name for p in tmp_path.iterdir()] == ["ch3.wav"]


def test_write_after_close_and_empty_writer(tmp_path):
    with WavStreamWriter(tmp_path / "x.wav", 8000) as w:
        pass
    assert decode((tmp_path / "x.wav").read_bytes(), WAV).samples.size == 0
    with pytest.raises(AudioError, match="after close"):
        w.write(chirp(8000, 0.1))
    with pytest.raises(AudioError, match="no rate"), WavStreamWriter(tmp_path / "y.wav"):
        pass
    assert not (tmp_path / "y.wav").exists()


def test_outgrowing_riff_sizes_switches_to_rf64(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "MAX_RIFF_DATA", 1000)  # stand-in for 4 GiB
    pcm = chirp(8000, 0.5)
    with WavStreamWriter(tmp_path / "long.wav", 8000) as w:
        w.write(pcm)
    data = (tmp_path / "long.wav").read_bytes()
    assert data[:4] == b"RF64" and data[12:16] == b"ds64"
    riff_size, data_size, frames = struct.unpack_from("<QQQ", data, 20)
    assert (riff_size, data_size, frames) == (len(data) - 8, 8000, 4000)
    assert np.array_equal(decode(data, WAV).samples, pcm.samples)
    assert "Audio: pcm_s16le" in ffmpeg_info(tmp_path / "long.wav")


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\0" + b"\xff\x80\x00" * 16 for _ in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_encode_m4b_with_chapters_and_cover(tmp_path):
    wav = tmp_path / "book.wav"
    with WavStreamWriter(wav, 22050) as w:
        w.write(chirp(22050, 1.0))
        w.write(chirp(22050, 1.0, 1))
    meta = tmp_path / "meta.txt"
    meta.write_text(";FFMETADATA1\ntitle=My Book\n\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle=One\n\n"
                    "[CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2000\ntitle=Two\n")
    cover = tmp_path / "cover.png"
    cover.write_bytes(tiny_png())
    out = tmp_path / "out" / "book.m4b"
    out.parent.mkdir()
    encode_with_ffmpeg(wav, out, codec_args=["-c:a", "aac", "-b:a", "48k"], metadata_path=str(meta), cover=str(cover))
    info = ffmpeg_info(out)
    assert "Audio: aac" in info and "title           : My Book" in info
    assert "Chapter #0:1" in info and "title           : Two" in info
    assert "(attached pic)" in info
    assert [p.name for p in out.parent.iterdir()] == ["book.m4b"]
    first = out.read_bytes()
    encode_with_ffmpeg(wav, out, codec_args=["-c:a", "aac", "-b:a", "48k"], metadata_path=str(meta), cover=str(cover))
    assert out.read_bytes() == first  # bitexact: same input, same bytes


def test_encode_mp3(tmp_path):
    wav = tmp_path / "a.wav"
    with WavStreamWriter(wav, 22050) as w:
        w.write(chirp(22050, 1.0))
    encode_with_ffmpeg(wav, tmp_path / "a.mp3", codec_args=["-c:a", "libmp3lame", "-q:a", "6"])
    pcm = decode((tmp_path / "a.mp3").read_bytes(), AudioFormat("mp3", "mp3", 0))
    assert pcm.rate == 22050 and 0.99 < pcm.duration < 1.1


def test_ffmpeg_failure_raises_with_stderr_and_leaves_nothing(tmp_path):
    wav = tmp_path / "a.wav"
    with WavStreamWriter(wav, 8000) as w:
        w.write(chirp(8000, 0.2))
    out = tmp_path / "a.m4b"
    out.write_bytes(b"previous")
    with pytest.raises(AudioError, match=r"ffmpeg failed .*a\.m4b.*no-such-codec"):
        encode_with_ffmpeg(wav, out, codec_args=["-c:a", "no-such-codec"])
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.m4b", "a.wav"]
