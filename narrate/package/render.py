"""Segments' audio -> finished prompt files. Pure: bytes in, bytes out.

Order matters: join the segments, trim silence, measure and set the level at the source rate,
then per format resample (soxr, anti-aliased), pad, and encode. Padding after resampling keeps
lead/trail exact in samples at every rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..audio.decode import decode
from ..audio.encode import encode
from ..audio.formats import OUTPUT_FORMATS
from ..audio.level import concat, measure, normalize, pad, trim_silence
from ..audio.pcm import Pcm
from ..audio.resample import resample
from ..errors import AudioError
from ..manifest import Settings
from ..providers.base import AudioFormat


@dataclass(frozen=True)
class RenderedFile:
    format: str
    data: bytes
    duration: float


def prepare(parts: list[tuple[bytes, AudioFormat]], settings: Settings, pauses: tuple[int, ...] = (),
            measured: tuple[float, float] | None = None) -> Pcm:
    """Decode and join a prompt's segments, then trim and level them.

    measured: the (active dBov, peak dBFS) of the trimmed audio from an earlier render (`level_memo`).
    pauses: silence in ms after each segment (prompt markup breaks), () for none. A segment next to
    a pause is trimmed on its own first, so the gap is the break as written, not the break plus the
    engine's own lead and tail silence (10 ms frames: the first and last audible frames are kept
    whole, so a soft onset survives and the gap is the break within about one frame).
    """
    return _prepare(parts, settings, pauses, measured)[0]


def _prepare(parts: list[tuple[bytes, AudioFormat]], settings: Settings, pauses: tuple[int, ...],
             measured: tuple[float, float] | None) -> tuple[Pcm, tuple[float, float] | None]:
    pcms = [decode(data, fmt) for data, fmt in parts]
    rate = max(p.rate for p in pcms)
    pcms = [p if p.rate == rate else resample(p, rate) for p in pcms]
    pcm = _join_with_pauses(pcms, pauses, settings) if any(pauses) else concat(pcms)
    if settings.silence.trim:
        # Keep 20 ms around the speech so soft onsets and final consonants survive the trim.
        pcm = trim_silence(pcm, threshold_dbov=settings.silence.threshold_dbov, keep_ms=20)
    if settings.level.enabled:
        # A level from a cache entry is kept to 1e-4 dB (cache.entry.level_record): a fresh measurement
        # is rounded the same way, so a prompt's bytes never depend on which of the two was used.
        measured = measured or _as_kept(measure(pcm))
        pcm = normalize(pcm, target_dbov=settings.level.target_dbov, peak_limit_dbfs=settings.level.peak_dbfs,
                        measured=measured)
    return pcm, measured


def _as_kept(level: tuple[float, float]) -> tuple[float, float]:
    active, peak = (round(v, 4) if math.isfinite(v) else v for v in level)
    return active, peak


def level_memo(settings: Settings, segments: int, pauses: tuple[int, ...]) -> str | None:
    """The name a single segment's measured level is kept under in its cache entry ("levels"), or
    None when there is nothing to keep: leveling off, or a prompt of several segments or pauses.
    The level is measured after trimming, so the trim settings are part of the name."""
    if not settings.level.enabled or segments != 1 or any(pauses):
        return None
    return f"trim:{settings.silence.threshold_dbov:g}" if settings.silence.trim else "untrimmed"


def measure_segment(data: bytes, fmt: AudioFormat, settings: Settings) -> tuple[float, float]:
    """(active dBov, peak dBFS) of one segment as `prepare` sees it (decoded, trimmed): for its cache entry."""
    pcm = decode(data, fmt)
    if settings.silence.trim:
        pcm = trim_silence(pcm, threshold_dbov=settings.silence.threshold_dbov, keep_ms=20)
    return measure(pcm)


def render_prompt(parts: list[tuple[bytes, AudioFormat]], settings: Settings, pauses: tuple[int, ...],
                  formats: tuple[str, ...], measured: tuple[float, float] | None = None
                  ) -> tuple[list[RenderedFile], tuple[float, float] | None]:
    """`prepare` then `render_formats`, in one call (what a worker process runs for a prompt). Returns the
    files and the (active dBov, peak dBFS) measured for a single segment's entry (None if not measured)."""
    memo = level_memo(settings, len(parts), pauses)
    pcm, used = _prepare(parts, settings, pauses, measured if memo is not None else None)
    return render_formats(pcm, settings, formats), used if memo is not None else None


def _join_with_pauses(pcms: list[Pcm], pauses: tuple[int, ...], settings: Settings) -> Pcm:
    if len(pauses) != len(pcms):
        raise AudioError(f"{len(pcms)} segments but {len(pauses)} pauses")
    rate = pcms[0].rate
    out: list[Pcm] = []
    for i, p in enumerate(pcms):
        near_pause = pauses[i] or (i and pauses[i - 1])
        if near_pause and settings.silence.trim:
            p = trim_silence(p, threshold_dbov=settings.silence.threshold_dbov, keep_ms=0)
        out.append(p)
        if pauses[i] and i < len(pcms) - 1:
            out.append(Pcm(np.zeros(int(round(pauses[i] * rate / 1000)), dtype=np.int16), rate))
    return concat([p for p in out if len(p.samples)] or pcms[:1])


def render_formats(pcm: Pcm, settings: Settings, formats: tuple[str, ...]) -> list[RenderedFile]:
    out = []
    by_rate: dict[int, Pcm] = {}
    for name in formats:
        fmt = OUTPUT_FORMATS[name]
        if fmt.rate not in by_rate:
            at_rate = pcm if pcm.rate == fmt.rate else resample(pcm, fmt.rate)
            by_rate[fmt.rate] = pad(at_rate, settings.silence.lead_ms, settings.silence.trail_ms)
        final = by_rate[fmt.rate]
        out.append(RenderedFile(name, encode(final, fmt), round(final.duration, 3)))
    return out
