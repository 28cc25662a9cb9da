"""What a reviewer is shown about one recording: level, peak, the longest pause inside it, and a
coarse envelope to draw as a waveform. Pure numpy; dB conventions as in `level.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .level import _CHUNK, FULL_SCALE, active_level_dbov, frame_energies, peak_dbfs
from .pcm import Pcm

FRAME_S = 0.02  # silence is judged per 20 ms frame: shorter than a syllable, longer than a pitch period


@dataclass(frozen=True)
class Inspection:
    """level_dbov: active speech level (P.56, dBov), None for silence; peak_dbfs: sample peak,
    None for silence; pause_s / pause_at_s: the longest run of silent frames between the first
    and the last sound (seconds, and where it starts), 0.0 / None when there is none."""

    level_dbov: float | None
    peak_dbfs: float | None
    pause_s: float
    pause_at_s: float | None


def _finite(value: float) -> float | None:
    return None if math.isinf(value) else round(value, 1)


def longest_pause(pcm: Pcm, threshold_dbov: float) -> tuple[float, float | None]:
    """The longest internal silence of `pcm`: (seconds, start in seconds or None). A 20 ms frame is
    silent when its RMS is below `threshold_dbov` (the manifest's trim threshold, -50 by default);
    silence before the first and after the last sounding frame is lead/trail, not counted."""
    frame = max(1, int(round(FRAME_S * pcm.rate)))
    n = len(pcm.samples) // frame
    if n == 0:
        return 0.0, None
    rms = np.sqrt(frame_energies(pcm.samples[:n * frame], frame) / frame)
    loud = np.flatnonzero(rms >= FULL_SCALE * 10.0 ** (threshold_dbov / 20.0))
    if len(loud) < 2:
        return 0.0, None
    gaps = np.diff(loud) - 1  # silent frames between consecutive sounding frames
    i = int(np.argmax(gaps))
    if gaps[i] <= 0:
        return 0.0, None
    return round(float(gaps[i]) * frame / pcm.rate, 2), round(float(loud[i] + 1) * frame / pcm.rate, 2)


def inspect(pcm: Pcm, threshold_dbov: float = -50.0) -> Inspection:
    """Level, peak and longest internal pause of `pcm` (see Inspection). The level is the file's
    own, as a platform (or ITU-T's actlev) measures it, padding and all: the build levels each
    prompt with its trail padding (narrate.package.render), whose first 0.2 s P.56 counts as speech."""
    pause, at = longest_pause(pcm, threshold_dbov)
    return Inspection(_finite(active_level_dbov(pcm)), _finite(peak_dbfs(pcm)), pause, at)


def file_rms_db(pcm: Pcm) -> float | None:
    """The whole file's RMS in dB re full scale 1.0 (a full-scale sine is -3.01 dB), as ACX's
    checker measures "dB RMS" (narrate.audio.profiles); None for silence or no audio."""
    if len(pcm.samples) == 0:
        return None
    energy = sum(int(e) for e in frame_energies(pcm.samples, _CHUNK))  # each exact: a Python int sum, exact too
    rms = math.sqrt(energy / len(pcm.samples))
    return round(20.0 * math.log10(rms / FULL_SCALE), 1) if rms else None


def envelope(pcm: Pcm, columns: int = 120) -> list[tuple[float, float]]:
    """(min, max) of the samples in each of `columns` equal slices, as fractions of full scale
    (-1.0 .. 1.0); fewer columns when there are fewer samples; [] for no audio."""
    n = len(pcm.samples)
    if n == 0 or columns <= 0:
        return []
    cols = min(columns, n)
    edges = np.linspace(0, n, cols + 1).astype(np.int64)
    lo = np.minimum.reduceat(pcm.samples, edges[:-1]).astype(np.float64) / FULL_SCALE
    hi = np.maximum.reduceat(pcm.samples, edges[:-1]).astype(np.float64) / FULL_SCALE
    return [(float(a), float(b)) for a, b in zip(lo, hi, strict=True)]
