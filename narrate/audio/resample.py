"""Sample-rate conversion with a real anti-alias filter (soxr).

Never `audioop.ratecv` or pydub's `set_frame_rate` (which uses it): they have no low-pass filter,
so downsampling 22.05 kHz speech to 8 kHz folds everything above 4 kHz back into the band.
"""

from __future__ import annotations

import threading

import numpy as np
import soxr

from ..errors import AudioError
from .pcm import Pcm

# soxr "HQ": 20-bit precision, steep low-pass just below the new Nyquist. VHQ costs 2x for no
# audible gain once the result is 16-bit or G.711.
QUALITY = "HQ"
_local = threading.local()  # per thread: a soxr stream is not thread-safe


def to_int16(x: np.ndarray, in_place: bool = False) -> np.ndarray:
    """Round float samples to int16, clipping: the filter's ringing can overshoot full scale.
    in_place: round and clip in `x` itself (a temporary of the caller's), saving two copies."""
    if not in_place:
        return np.clip(np.rint(x), -32768, 32767).astype(np.int16)
    np.rint(x, out=x)
    np.clip(x, -32768, 32767, out=x)
    return x.astype(np.int16)


def resample(pcm: Pcm, rate: int) -> Pcm:
    if rate <= 0:
        raise AudioError(f"cannot resample to {rate} Hz")
    if pcm.rate == rate:
        return pcm
    if pcm.rate <= 0:
        raise AudioError(f"cannot resample audio with sample rate {pcm.rate} Hz")
    if len(pcm.samples) == 0:
        return Pcm(np.zeros(0, dtype=np.int16), rate)
    out = _stream(pcm.rate, rate).resample_chunk(pcm.samples.astype(np.float32), last=True)
    return Pcm(to_int16(out, in_place=out.flags.writeable), rate)


def _stream(rate_in: int, rate_out: int) -> soxr.ResampleStream:
    """A cleared soxr stream for this rate pair, kept per thread: designing the filter is a third of a
    one-shot `soxr.resample` call, and a cleared stream given the whole input with last=True returns
    the one-shot call's samples exactly (tests/test_render_speed.py checks it)."""
    streams = _local.__dict__.setdefault("streams", {})
    stream = streams.get((rate_in, rate_out))
    if stream is None:
        stream = streams[(rate_in, rate_out)] = soxr.ResampleStream(rate_in, rate_out, 1, dtype="float32",
                                                                     quality=QUALITY)
    else:
        stream.clear()
    return stream
