"""Provider bytes -> Pcm: RIFF WAV, headerless PCM/G.711, and compressed formats through ffmpeg.

A RIFF header is trusted over the declared AudioFormat (providers label formats loosely); raw
bytes are read at `fmt.sample_rate`. Multi-channel audio is downmixed to mono by averaging.
"""

from __future__ import annotations

import subprocess

import numpy as np

from ..errors import AudioError
from . import codecs, g711
from .ffmpeg import run_ffmpeg, stderr_tail
from .formats import AudioFormat
from .pcm import Pcm
from .resample import to_int16
from .riff import WAVE_FORMAT_ALAW, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_MULAW, WAVE_FORMAT_PCM, is_riff, parse_wav

RAW_ENCODINGS = ("pcm_s16le", "mulaw", "alaw", "g722", "gsm")
FFMPEG_TIMEOUT_S = 120


def decode(data: bytes, fmt: AudioFormat) -> Pcm:
    """Provider bytes -> mono 16-bit Pcm at their own rate.

    A RIFF header is trusted over `fmt` (providers label loosely); headerless bytes are read as
    `fmt.encoding` (pcm_s16le, mulaw, alaw) at `fmt.sample_rate`; MP3 and other compressed
    containers go through ffmpeg. Raises AudioError for bytes that are none of these.
    """
    if is_riff(data):
        return decode_wav(data)
    if fmt.container == "wav":
        raise AudioError(f"expected a WAV file, got {len(data)} bytes without a RIFF/WAVE header")
    if fmt.container == "raw":
        return decode_raw(data, fmt.encoding, fmt.sample_rate)
    return decode_ffmpeg(data, fmt.sample_rate or None)


def decode_raw(data: bytes, encoding: str, rate: int) -> Pcm:
    if rate <= 0:
        raise AudioError(f"raw {encoding} audio needs a sample rate, got {rate}")
    if encoding == "pcm_s16le":
        # A trailing odd byte is half a sample: drop it (validate.py rejects such bodies before caching).
        samples = np.frombuffer(data, dtype="<i2", count=len(data) // 2).astype(np.int16)
    elif encoding == "mulaw":
        samples = g711.ulaw_decode(data)
    elif encoding == "alaw":
        samples = g711.alaw_decode(data)
    elif encoding == "g722":  # 16 kHz whatever `rate` says: G.722's audio rate is fixed
        return Pcm(codecs.g722_decode(data), codecs.G722_RATE)
    elif encoding == "gsm":
        return Pcm(codecs.gsm_decode(data), codecs.GSM_RATE)
    else:
        raise AudioError(f"unsupported raw encoding {encoding!r} (expected one of {', '.join(RAW_ENCODINGS)})")
    return Pcm(samples, rate)


def decode_wav(data: bytes) -> Pcm:
    info = parse_wav(data)
    frames = (info.data_end - info.data_offset) // info.block_align
    payload = memoryview(data)[info.data_offset:info.data_offset + frames * info.block_align]  # no copy
    interleaved = _samples(payload, info.tag, info.bits)
    if info.channels == 1:
        return Pcm(interleaved, info.rate)
    mixed = interleaved.reshape(frames, info.channels).astype(np.float32).mean(axis=1)
    return Pcm(to_int16(mixed), info.rate)


def _samples(payload: bytes | memoryview, tag: int, bits: int) -> np.ndarray:
    """Interleaved samples as int16, whatever the stored width."""
    if tag == WAVE_FORMAT_PCM:
        if bits == 16:
            return np.frombuffer(payload, dtype="<i2").astype(np.int16)
        if bits == 8:  # 8-bit WAV is unsigned
            return ((np.frombuffer(payload, dtype=np.uint8).astype(np.int16) - 128) << 8).astype(np.int16)
        if bits == 24:  # keep the top two bytes of each little-endian triple
            top = np.frombuffer(payload, dtype=np.uint8).reshape(-1, 3)[:, 1:].copy()
            return top.view("<i2").ravel().astype(np.int16)
        if bits == 32:
            return (np.frombuffer(payload, dtype="<i4") >> 16).astype(np.int16)
    elif tag == WAVE_FORMAT_IEEE_FLOAT and bits in (32, 64):
        x = np.frombuffer(payload, dtype="<f4" if bits == 32 else "<f8")
        return to_int16(np.nan_to_num(x) * 32768.0)
    elif tag == WAVE_FORMAT_MULAW and bits == 8:
        return g711.ulaw_decode(bytes(payload))
    elif tag == WAVE_FORMAT_ALAW and bits == 8:
        return g711.alaw_decode(bytes(payload))
    raise AudioError(f"unsupported WAV encoding: format tag {tag}, {bits} bits per sample")


def decode_ffmpeg(data: bytes, rate: int | None = None) -> Pcm:
    """Decode anything ffmpeg reads (mp3, ogg/opus, flac, aac) to mono 16-bit, at `rate` if given.

    ffmpeg writes a streamed WAV to the pipe (sizes 0xFFFFFFFF), so the rate comes back in its header.
    """
    if not data:
        raise AudioError("no audio bytes to decode")
    args = ["-i", "pipe:0", "-map", "0:a:0", "-ac", "1", *(["-ar", str(rate)] if rate else []),
            "-c:a", "pcm_s16le", "-f", "wav", "pipe:1"]
    try:
        proc = run_ffmpeg(args, input=data, timeout=FFMPEG_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise AudioError(f"ffmpeg did not finish decoding {len(data)} bytes in {FFMPEG_TIMEOUT_S} s") from exc
    if proc.returncode != 0 or not is_riff(proc.stdout):
        raise AudioError(f"ffmpeg cannot decode {len(data)} bytes of audio: {stderr_tail(proc.stderr)}")
    pcm = decode_wav(proc.stdout)
    if len(pcm.samples) == 0:
        raise AudioError(f"ffmpeg decoded no samples from {len(data)} bytes: {stderr_tail(proc.stderr)}")
    return pcm
