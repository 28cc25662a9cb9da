"""The review page measures every book file it lists: a one-hour chapter (44.1 kHz mono) took 1.57 GB
of memory in `narrate report` (float64 copies of the whole recording for the pause search, the trim
bounds and the file RMS: 8 bytes a sample, twice), so a 10-hour single-file audiobook needed ~15 GB.
They now work a chunk at a time, with the same values."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np

from narrate.audio.inspect import envelope, file_rms_db, inspect, longest_pause
from narrate.audio.level import FULL_SCALE, trim_bounds
from narrate.audio.pcm import Pcm


def _speechlike(seconds: float, rate: int, seed: int = 1) -> Pcm:
    """Bursts of noise with silences between them, and silent lead and trail."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    x = rng.normal(0, 3000, n)
    gate = (np.sin(np.arange(n) * 2 * np.pi * 0.7 / rate) > 0.2).astype(np.float64)
    x *= gate
    x[: rate // 2] = 0
    x[-rate // 2:] = 0
    x[n // 3: n // 3 + rate] = 0  # a 1 s pause
    return Pcm(np.clip(x, -32768, 32767).astype(np.int16), rate)


def _reference(pcm: Pcm, threshold: float) -> tuple:
    """The whole-array computations these replaced (float64 copies), for exact comparison."""
    frame = max(1, int(round(0.02 * pcm.rate)))
    n = len(pcm.samples) // frame
    x = pcm.samples[:n * frame].astype(np.float64).reshape(n, frame)
    rms = np.sqrt(np.mean(x * x, axis=1))
    loud = np.flatnonzero(rms >= FULL_SCALE * 10.0 ** (threshold / 20.0))
    gaps = np.diff(loud) - 1
    i = int(np.argmax(gaps))
    pause = (round(float(gaps[i]) * frame / pcm.rate, 2), round(float(loud[i] + 1) * frame / pcm.rate, 2)) \
        if gaps[i] > 0 else (0.0, None)
    y = pcm.samples.astype(np.float64)
    rms_db = round(20.0 * math.log10(math.sqrt(float(np.dot(y, y)) / len(y)) / FULL_SCALE), 1)
    tframe = max(1, int(round(pcm.rate * 0.01)))
    nf = -(-len(y) // tframe)
    padded = np.zeros(nf * tframe)
    padded[:len(y)] = y
    counts = np.full(nf, tframe, dtype=np.float64)
    counts[-1] = len(y) - (nf - 1) * tframe
    frames = padded.reshape(nf, tframe)
    sounding = np.flatnonzero(np.einsum("ij,ij->i", frames, frames) / counts >= (FULL_SCALE * 10.0 ** (threshold / 20)) ** 2)
    keep = int(round(20 * pcm.rate / 1000))
    bounds = max(0, int(sounding[0]) * tframe - keep), min(len(y), (int(sounding[-1]) + 1) * tframe + keep)
    return pause, rms_db, bounds


def test_values_are_those_of_the_whole_array_computation():
    for seconds, rate in ((9.3, 8000), (61.7, 22050), (13.0, 44100)):
        pcm = _speechlike(seconds, rate)
        pause, rms_db, bounds = _reference(pcm, -50.0)
        assert longest_pause(pcm, -50.0) == pause and pause[0] >= 0.5
        assert file_rms_db(pcm) == rms_db
        assert trim_bounds(pcm, -50.0, 20) == bounds and 0 < bounds[0] < bounds[1] < len(pcm.samples)


def test_measuring_a_long_recording_needs_no_copy_of_it():
    pcm = _speechlike(600, 44100)  # 10 minutes: 53 MB of int16 samples
    size = pcm.samples.nbytes
    tracemalloc.start()
    try:
        seen = inspect(pcm, -50.0)
        rms = file_rms_db(pcm)
        wave = envelope(pcm)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen.level_dbov is not None and rms is not None and len(wave) == 120
    assert peak < size / 4, f"peak {peak / 1e6:.0f} MB for {size / 1e6:.0f} MB of samples"  # was 8x the samples
