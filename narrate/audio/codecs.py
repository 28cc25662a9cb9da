"""Compressed prompt codecs, in process: G.722, GSM 06.10, Opus in Ogg, MP3.

No child process per prompt: G.722 is sippy's libg722 (the `G722` wheel, a bit-exact ITU-T G.722
implementation at 64 kbit/s); GSM 06.10, Opus in Ogg and MP3 are libsndfile's codecs (the
`soundfile` wheel bundles libsndfile 1.2 with libopus and LAME). Every encoder starts from a fresh
state, so the bytes depend only on the samples: the one thing libsndfile varies between runs, the
Ogg stream serial number, is replaced by a constant (and each page's CRC recomputed).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from ..errors import AudioError

# ITU-T G.722 at 64 kbit/s (mode 1): 16 kHz in, one byte per two samples.
G722_RATE, G722_BITRATE = 16000, 64000
# GSM 06.10 full rate: 160 samples (20 ms at 8 kHz) -> one 33-byte frame, Asterisk's `.gsm` file
# (headerless frames, not the 65-byte WAV49 packing of `.WAV`).
GSM_RATE, GSM_FRAME_SAMPLES, GSM_FRAME_BYTES = 8000, 160, 33
# libsndfile sets Opus's bitrate from a 0..1 "compression level": 6 + 250 x (1 - level) kbit/s per
# channel in libsndfile 1.2 (measured: 0.9 -> about 29 kbit/s with Ogg overhead, wideband speech
# territory; RFC 7587 section 3.1.1 puts fullband speech at 28-40 kbit/s).
OPUS_COMPRESSION = 0.9
# MP3 at a constant 48 kbit/s for 24 kHz mono (MPEG-2 Layer III): libsndfile 1.2 maps level 0.75 to
# LAME's 48 kbit/s step. Constant bitrate keeps durations exact in players that estimate them.
MP3_COMPRESSION = 0.75
OGG_SERIAL = 0x6E617272  # "narr": any constant will do; a single-stream file only needs one


def _soundfile() -> Any:
    try:
        import soundfile
    except OSError as exc:  # the wheel's libsndfile failed to load
        raise AudioError(f"cannot load libsndfile: {exc}") from exc
    return soundfile


def _sf_encode(samples: np.ndarray, rate: int, container: str, subtype: str, **options: Any) -> bytes:
    sf = _soundfile()
    out = io.BytesIO()
    try:
        with sf.SoundFile(out, "w", rate, 1, subtype, format=container, **options) as f:
            f.write(np.ascontiguousarray(samples, dtype=np.int16))
    except (RuntimeError, ValueError) as exc:  # LibsndfileError is a RuntimeError
        raise AudioError(f"libsndfile cannot encode {container}/{subtype} at {rate} Hz: {exc}") from exc
    return out.getvalue()


def _sf_decode(data: bytes, frames: int = -1, **options: Any) -> tuple[np.ndarray, int]:
    sf = _soundfile()
    try:
        with sf.SoundFile(io.BytesIO(data), "r", **options) as f:
            samples = f.read(frames, dtype="int16", always_2d=True)
            rate = int(f.samplerate)
    except (RuntimeError, ValueError) as exc:
        raise AudioError(f"libsndfile cannot decode {len(data)} bytes: {exc}") from exc
    if samples.shape[1] != 1:
        samples = np.clip(np.rint(samples.astype(np.float32).mean(axis=1, keepdims=True)), -32768, 32767)
    return samples[:, 0].astype(np.int16), rate


# ---------------------------------------------------------------- G.722


def g722_encode(samples: np.ndarray) -> bytes:
    """16 kHz int16 samples -> headerless G.722 at 64 kbit/s (half a byte per sample)."""
    from G722 import G722

    return bytes(G722(G722_RATE, G722_BITRATE).encode(np.ascontiguousarray(samples, dtype=np.int16)))


def g722_decode(data: bytes) -> np.ndarray:
    """Headerless G.722 at 64 kbit/s -> 16 kHz int16 samples (two per byte)."""
    from G722 import G722

    return np.frombuffer(G722(G722_RATE, G722_BITRATE).decode(data), dtype=np.int16).copy()


# ---------------------------------------------------------------- GSM 06.10


def gsm_encode(samples: np.ndarray) -> bytes:
    """8 kHz int16 samples -> headerless GSM 06.10 frames (33 bytes per 160 samples; the last frame
    is completed with silence)."""
    pad = -len(samples) % GSM_FRAME_SAMPLES
    if pad:
        samples = np.concatenate([np.asarray(samples, dtype=np.int16), np.zeros(pad, dtype=np.int16)])
    return _sf_encode(samples, GSM_RATE, "RAW", "GSM610")


def gsm_decode(data: bytes) -> np.ndarray:
    """Headerless GSM 06.10 frames -> 8 kHz int16 samples. Raises AudioError unless whole frames."""
    if len(data) % GSM_FRAME_BYTES:
        raise AudioError(f"{len(data)} bytes is not a whole number of {GSM_FRAME_BYTES}-byte GSM frames")
    frames = len(data) // GSM_FRAME_BYTES * GSM_FRAME_SAMPLES  # libsndfile cannot seek a headerless stream
    samples, _ = _sf_decode(data, frames, samplerate=GSM_RATE, channels=1, format="RAW", subtype="GSM610")
    return samples


# ---------------------------------------------------------------- Opus in Ogg, MP3


def opus_encode(samples: np.ndarray, rate: int) -> bytes:
    """int16 samples at 8/12/16/24/48 kHz -> Opus in Ogg (RFC 7845), with a fixed stream serial."""
    return fix_ogg_serial(_sf_encode(samples, rate, "OGG", "OPUS", compression_level=OPUS_COMPRESSION))


def mp3_encode(samples: np.ndarray, rate: int) -> bytes:
    """int16 samples -> MP3 (LAME via libsndfile), constant bitrate, no ID3 tag."""
    return _sf_encode(samples, rate, "MP3", "MPEG_LAYER_III", compression_level=MP3_COMPRESSION,
                      bitrate_mode="CONSTANT")


def sf_decode(data: bytes) -> tuple[np.ndarray, int]:
    """Ogg (Opus, Vorbis) or MP3 bytes -> (int16 mono samples, rate) through libsndfile."""
    return _sf_decode(data)


# ---------------------------------------------------------------- Ogg pages

_OGG_CRC_TABLE: list[int] = []


def _ogg_crc(data: bytes) -> int:
    """The Ogg page checksum (RFC 3533 section 6): CRC-32, polynomial 0x04C11DB7, not reflected,
    initial value and final XOR 0 -- unlike zlib's CRC-32, hence the table."""
    if not _OGG_CRC_TABLE:
        for i in range(256):
            r = i << 24
            for _ in range(8):
                r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
            _OGG_CRC_TABLE.append(r & 0xFFFFFFFF)
    crc, table = 0, _OGG_CRC_TABLE
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[(crc >> 24) ^ byte]
    return crc


def fix_ogg_serial(data: bytes, serial: int = OGG_SERIAL) -> bytes:
    """Every page of a single-stream Ogg file given `serial`, its CRC recomputed.

    Page layout (RFC 3533 section 6): "OggS", version, flags, granule (8), serial (4, little-endian,
    at offset 14), sequence (4), CRC (4, at offset 22), segment count, lacing values, body.
    Raises AudioError for bytes that are not whole Ogg pages.
    """
    out = bytearray(data)
    pos = 0
    while pos < len(out):
        if out[pos:pos + 4] != b"OggS" or pos + 27 > len(out):
            raise AudioError(f"not an Ogg page at byte {pos}")
        nseg = out[pos + 26]
        end = pos + 27 + nseg + sum(out[pos + 27:pos + 27 + nseg])
        if end > len(out):
            raise AudioError(f"truncated Ogg page at byte {pos}")
        out[pos + 14:pos + 18] = serial.to_bytes(4, "little")
        out[pos + 22:pos + 26] = b"\0\0\0\0"
        out[pos + 22:pos + 26] = _ogg_crc(bytes(out[pos:end])).to_bytes(4, "little")
        pos = end
    return bytes(out)
