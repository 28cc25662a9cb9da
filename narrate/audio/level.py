"""Levels, trimming, padding and joining. Pure numpy.

Conventions (stated because dB references differ by 3 dB between tools):
- **dBov**: 0 dBov is a full-scale square wave, i.e. RMS 32768 in 16-bit. A full-scale sine is -3.01 dBov.
  This is the ITU-T P.56 / sox / ffmpeg-astats convention; -26 dBov is RMS 1642.
- **dBFS** (for peaks): 20*log10(max|sample| / 32768).
- Active speech level follows ITU-T P.56 method B: a two-stage envelope (time constant 0.03 s),
  16 thresholds an octave apart, 0.2 s hangover, and the level is where the active-segment
  energy sits M = 15.9 dB above its threshold (interpolated between thresholds). Pauses between
  words therefore do not drag the level down, unlike a whole-file RMS.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..errors import AudioError
from .pcm import Pcm
from .resample import to_int16

FULL_SCALE = 32768.0
TIME_CONSTANT_S = 0.03
HANGOVER_S = 0.2
MARGIN_DB = 15.9
THRESHOLDS = 2.0 ** np.arange(16)  # 1 .. 32768 in sample units
_CHUNK = 1 << 18  # samples per pass: bounds memory for hour-long inputs (a multiple of DECIMATION)
DECIMATION = 8  # samples per envelope step (0.36 ms at 22050 Hz, against a 30 ms time constant)


def _recurse(u: np.ndarray, a: float, state: float) -> tuple[np.ndarray, float]:
    """y[k] = a*y[k-1] + u[k] from y[-1] = state, vectorised block by block.

    Within a block the zero-state response is a^t cumsum(u a^-t); blocks are short enough
    (a^-B = e^10) that the scaling stays well inside float64.
    """
    n = len(u)
    if n == 0:
        return u, state
    block = max(1, min(n, int(10.0 / -math.log(a))))
    nb = -(-n // block)
    flat = np.zeros(nb * block)
    flat[:n] = u
    w = flat.reshape(nb, block)
    up, down, after = _powers(a, block)
    # The zero-state response, in place (the same operations in the same order as out of place).
    w *= up
    np.cumsum(w, axis=1, out=w)
    w *= down
    ends = np.empty(nb)
    carry, last = state, float(down[-1])
    for k in range(nb):  # a few turns per second of audio
        ends[k] = carry
        carry = carry * last + w[k, -1]
    w += ends[:, None] * after
    y = flat[:n]  # w is a view of flat
    return y, float(y[-1])


@functools.lru_cache(maxsize=16)
def _powers(a: float, block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a^-t, a^t, a^t * a) for t in 0..block-1: computed once per rate."""
    t = np.arange(block)
    down = a ** t
    return a ** -t, down, down * a


def _sliding_max(k: np.ndarray, width: int) -> np.ndarray:
    """out[i] = max(k[i-width+1 .. i]) for i >= width-1 (van Herk/Gil-Werman: a fixed number of passes)."""
    n = len(k)
    nb = -(-n // width)
    padded = np.full(nb * width, -1, dtype=k.dtype)
    padded[:n] = k
    blocks = padded.reshape(nb, width)
    prefix = np.maximum.accumulate(blocks, axis=1).ravel()
    suffix = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.maximum(suffix[:n - width + 1], prefix[width - 1:n])


def _reached(q: np.ndarray) -> np.ndarray:
    """Per envelope value, the highest threshold index it reaches (THRESHOLDS[j] = 2^j <= q), or -1
    below them all, as int8: the IEEE 754 binary64 exponent field, read directly (q >= 0; subnormals,
    zero and the tiny negatives rounding may leave all read as below the lowest threshold)."""
    exponent = (q.view(np.int64) >> 52) - 1023  # floor(log2 q) for a normal positive q
    return np.clip(exponent, -1, len(THRESHOLDS) - 1).astype(np.int8)


def active_level_dbov(pcm: Pcm) -> float:
    """Active speech level in dBov (P.56 method B, see module doc); -inf for silence or no audio.

    The envelope is evaluated every DECIMATION samples: the first smoothing stage exactly (a
    weighted sum over each step, then the one-pole recursion at the lower rate), the second with
    the first taken as a straight line within a step; activity and hangover are counted in steps. Within
    0.02 dB of the per-sample method on the demo and corpus prompts (tests/test_level_meter.py
    checks 0.1 dB), at a fraction of its cost.
    """
    x_all = pcm.samples
    if len(x_all) == 0 or pcm.rate <= 0:
        return -math.inf
    step = DECIMATION
    g = math.exp(-1.0 / (TIME_CONSTANT_S * pcm.rate))
    big = g ** step
    weights = (1.0 - g) * g ** np.arange(step - 1, -1, -1)  # sample j of a step, seen at its end
    rising = np.arange(1, step + 1) / step
    ramp = (float(weights @ (1.0 - rising)), float(weights @ rising))  # share of the last and this step end
    hangover = int(math.ceil(HANGOVER_S * pcm.rate / step))
    p_state = q_state = 0.0
    energy = 0
    active = np.zeros(len(THRESHOLDS) + 1)
    # Per step, the highest threshold index the envelope reaches (-1: below them all). A step is
    # active for threshold j if it or one of the `hangover` steps before reached j, so a sliding
    # maximum over hangover+1 steps gives every threshold's activity at once.
    history = np.full(hangover, -1, dtype=np.int8)  # "never above" before the start
    mags = np.empty(-(-min(len(x_all), _CHUNK) // step) * step)  # one buffer for every chunk
    for start in range(0, len(x_all), _CHUNK):
        x = x_all[start:start + _CHUNK]
        n = len(x)
        nb = -(-n // step)
        chunk = mags[:nb * step]
        np.copyto(chunk[:n], x)  # float64 holds every int16 exactly
        chunk[n:] = 0.0  # zero-padded to whole steps
        # Exact in float64 (no int64 copy): at most 2^18 squares of at most 2^30 each, so every partial
        # sum is an integer below 2^53 whatever the order of summation. einsum: no BLAS threads.
        energy += int(np.einsum("i,i->", chunk[:n], chunk[:n]))
        np.abs(chunk, out=chunk)
        before = p_state
        p, p_state = _recurse(np.einsum("ij,j->i", chunk.reshape(nb, step), weights), big, p_state)
        # Second stage: the first taken as a straight line between step ends (weights sum to 1 - big).
        line = np.empty(nb)
        line[0] = before
        line[1:] = p[:-1]
        line *= ramp[0]
        line += ramp[1] * p
        q, q_state = _recurse(line, big, q_state)
        window = np.concatenate([history, _reached(q)])
        top = _sliding_max(window, hangover + 1) + 1
        # Each step counts `step` samples, the last one only what is left (integers: exact in float64).
        active += np.bincount(top, minlength=len(active)) * float(step)
        active[top[-1]] -= nb * step - n
        history = window[len(window) - hangover:]
    # active[j + 1] counts samples whose highest active threshold is j; thresholds <= it are active too.
    per_threshold = np.cumsum(active[::-1])[::-1][1:]
    if energy == 0 or per_threshold[0] == 0:
        return -math.inf
    return _level_from_activity(float(energy), per_threshold) - 20.0 * math.log10(FULL_SCALE)


def _level_from_activity(energy: float, active: np.ndarray) -> float:
    """The active level in dB re 1 LSB: where level minus threshold crosses MARGIN_DB."""
    prev: tuple[float, float] | None = None  # (level, level - threshold) at the threshold before
    for a, c in zip(active, THRESHOLDS, strict=True):
        if a == 0:
            break
        level = 10.0 * math.log10(energy / a)
        diff = level - 20.0 * math.log10(c)
        if diff <= MARGIN_DB:
            if prev is None:
                return level  # barely above the lowest threshold: nothing to interpolate against
            prev_a, prev_diff = prev
            frac = (prev_diff - MARGIN_DB) / (prev_diff - diff)
            return prev_a + frac * (level - prev_a)
        prev = level, diff
    assert prev is not None  # the caller returns early when the lowest threshold is never active
    return prev[0]  # activity ran out before the crossing (isolated clicks): best estimate


def peak_dbfs(pcm: Pcm) -> float:
    """Sample peak in dBFS (re 32768); -inf for silence."""
    if len(pcm.samples) == 0:
        return -math.inf
    peak = max(int(pcm.samples.max()), -int(pcm.samples.min()))  # Python ints: -(-32768) cannot wrap
    return 20.0 * math.log10(peak / FULL_SCALE) if peak else -math.inf


def measure(pcm: Pcm) -> tuple[float, float]:
    """(active level in dBov, sample peak in dBFS) of `pcm`: what `normalize` needs, and what a cache
    entry keeps so that re-rendering a segment never measures it again."""
    return active_level_dbov(pcm), peak_dbfs(pcm)


def normalize(pcm: Pcm, target_dbov: float = -26.0, peak_limit_dbfs: float = -3.0,
              measured: tuple[float, float] | None = None) -> Pcm:
    """One gain for the whole prompt: active level to `target_dbov`, unless that would put the
    sample peak above `peak_limit_dbfs`, in which case the gain stops there.

    We never clip and never compress: a peaky prompt ends a little below target rather than
    being distorted. Silence is returned unchanged. Resampling afterwards can add a fraction of
    a dB of inter-sample overshoot, which the default -3 dBFS limit leaves room for.
    `measured`: `measure(pcm)` from earlier (a cache entry), so it is not measured again.
    """
    level, peak = measured if measured is not None else measure(pcm)
    if not math.isfinite(level):
        return pcm
    gain_db = min(target_dbov - level, peak_limit_dbfs - peak)
    gain = 10.0 ** (gain_db / 20.0)
    scaled = pcm.samples.astype(np.float64)
    scaled *= gain
    return Pcm(to_int16(scaled, in_place=True), pcm.rate)


def trim_silence(pcm: Pcm, threshold_dbov: float = -50.0, keep_ms: int = 0) -> Pcm:
    """Drop leading and trailing silence: 10 ms frames whose RMS is below `threshold_dbov`.

    The first and last frames at or above the threshold are kept whole, plus `keep_ms` on each
    side, so a soft consonant onset just before the loud part survives. All-silent audio trims
    to nothing.
    """
    start, end = trim_bounds(pcm, threshold_dbov, keep_ms)
    return pcm if (start, end) == (0, len(pcm.samples)) else Pcm(pcm.samples[start:end], pcm.rate)


def frame_energies(samples: np.ndarray, frame: int) -> np.ndarray:
    """The sum of squares of each `frame` samples (the last frame may be short), exact in float64
    (integers below 2^53), a chunk at a time: an hour-long recording needs no float64 copy of
    itself (8 bytes a sample; `narrate report` took 1.57 GB for a one-hour chapter)."""
    n = len(samples)
    nf = -(-n // frame)
    out = np.empty(nf)
    per = max(1, _CHUNK // frame)  # whole frames per pass
    buf = np.zeros(min(nf, per) * frame)
    for f0 in range(0, nf, per):
        f1 = min(nf, f0 + per)
        part = samples[f0 * frame:f1 * frame]
        x = buf[:(f1 - f0) * frame]
        x[:len(part)] = part
        x[len(part):] = 0.0  # the short last frame, zero-padded
        frames = x.reshape(f1 - f0, frame)
        out[f0:f1] = np.einsum("ij,ij->i", frames, frames)
    return out


def trim_bounds(pcm: Pcm, threshold_dbov: float = -50.0, keep_ms: int = 0) -> tuple[int, int]:
    """The sample range [start, end) that `trim_silence` keeps (word timings shift by `start`)."""
    n = len(pcm.samples)
    frame = max(1, int(round(pcm.rate * 0.01)))
    nf = -(-n // frame)
    if nf == 0:
        return 0, n
    counts = np.full(nf, frame, dtype=np.float64)
    counts[-1] = n - (nf - 1) * frame
    mean_sq = frame_energies(pcm.samples, frame) / counts
    loud = np.flatnonzero(mean_sq >= (FULL_SCALE * 10.0 ** (threshold_dbov / 20.0)) ** 2)
    if len(loud) == 0:
        return 0, 0
    keep = int(round(keep_ms * pcm.rate / 1000))
    return max(0, int(loud[0]) * frame - keep), min(n, (int(loud[-1]) + 1) * frame + keep)


def pad(pcm: Pcm, lead_ms: float, trail_ms: float) -> Pcm:
    """Add digital silence (linear 0) before and after: round(ms * rate / 1000) samples each."""
    lead = np.zeros(int(round(lead_ms * pcm.rate / 1000)), dtype=np.int16)
    trail = np.zeros(int(round(trail_ms * pcm.rate / 1000)), dtype=np.int16)
    return Pcm(np.concatenate([lead, pcm.samples, trail]).astype(np.int16, copy=False), pcm.rate)


def concat(pcms: list[Pcm], gap_ms: float = 0) -> Pcm:
    """Join Pcms of one rate (resample the others first), with `gap_ms` of silence between them."""
    if not pcms:
        raise AudioError("nothing to concatenate")
    rate = pcms[0].rate
    rates = sorted({p.rate for p in pcms})
    if len(rates) > 1:
        raise AudioError(f"cannot concatenate audio at different rates {rates} Hz: resample first")
    gap = np.zeros(int(round(gap_ms * rate / 1000)), dtype=np.int16)
    parts: list[np.ndarray] = []
    for i, p in enumerate(pcms):
        if i and len(gap):
            parts.append(gap)
        parts.append(p.samples.astype(np.int16))
    return Pcm(np.concatenate(parts), rate)
