"""Segments' audio -> finished prompt files. Pure: bytes in, bytes out.

Order matters: join the segments, trim silence, measure and set the level at the source rate,
then per format resample (soxr, anti-aliased), pad, and encode. Padding after resampling keeps
lead/trail exact in samples at every rate.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..audio.decode import decode
from ..audio.encode import encode
from ..audio.formats import OUTPUT_FORMATS
from ..audio.level import concat, measure, normalize, pad, trim_silence
from ..audio.pcm import Pcm
from ..audio.resample import resample
from ..errors import AudioError
from ..providers.base import AudioFormat


@dataclass(frozen=True)
class RenderedFile:
    format: str
    data: bytes
    duration: float
    sha256: str = field(default="", compare=False)  # of `data`, hex; filled where the file is rendered


class _Silence(Protocol):
    @property
    def trim(self) -> bool: ...
    @property
    def threshold_dbov(self) -> float: ...
    @property
    def lead_ms(self) -> float: ...
    @property
    def trail_ms(self) -> float: ...


class _Level(Protocol):
    @property
    def enabled(self) -> bool: ...
    @property
    def target_dbov(self) -> float: ...
    @property
    def peak_dbfs(self) -> float: ...


class Finishing(Protocol):
    """What rendering reads of a prompt's Settings: `silence` and `level` (manifest.Settings or `Finish`)."""

    @property
    def silence(self) -> _Silence: ...
    @property
    def level(self) -> _Level: ...


@dataclass(frozen=True)
class _Trim:
    trim: bool
    threshold_dbov: float
    lead_ms: float
    trail_ms: float


@dataclass(frozen=True)
class _Leveling:
    enabled: bool
    target_dbov: float
    peak_dbfs: float


@dataclass(frozen=True)
class Finish:
    """The part of a prompt's Settings that rendering reads, to send to a worker process: unpickling it
    imports this module only, where a Settings would import the whole manifest package (pydantic,
    YAML, the text front end: most of a worker's start-up)."""

    silence: _Trim
    level: _Leveling

    @classmethod
    def of(cls, settings: Finishing) -> Finish:
        s, lv = settings.silence, settings.level
        return cls(_Trim(s.trim, s.threshold_dbov, s.lead_ms, s.trail_ms),
                   _Leveling(lv.enabled, lv.target_dbov, lv.peak_dbfs))


def _file(name: str, data: bytes, duration: float) -> RenderedFile:
    return RenderedFile(name, data, duration, hashlib.sha256(data).hexdigest())


def prepare(parts: list[tuple[bytes, AudioFormat]], settings: Finishing, pauses: tuple[int, ...] = (),
            measured: tuple[float, float] | None = None) -> Pcm:
    """Decode and join a prompt's segments, then trim and level them.

    measured: the (active dBov, peak dBFS) of the trimmed audio from an earlier render (`level_memo`).
    pauses: silence in ms after each segment (prompt markup breaks), () for none. A segment next to
    a pause is trimmed on its own first, so the gap is the break as written, not the break plus the
    engine's own lead and tail silence (10 ms frames: the first and last audible frames are kept
    whole, so a soft onset survives and the gap is the break within about one frame).
    """
    return _prepare(parts, settings, pauses, measured)[0]


def _prepare(parts: list[tuple[bytes, AudioFormat]], settings: Finishing, pauses: tuple[int, ...],
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
        measured = measured or _as_kept(_measure_delivered(pcm, settings))
        pcm = normalize(pcm, target_dbov=settings.level.target_dbov, peak_limit_dbfs=settings.level.peak_dbfs,
                        measured=measured)
    return pcm, measured


def _measure_delivered(pcm: Pcm, settings: Finishing) -> tuple[float, float]:
    """(active dBov, peak dBFS) of the speech as its file will hold it: followed by the `trail_ms` of
    silence render_formats adds. P.56 counts 0.2 s of hangover after speech as active, so a word
    measured without its tail read up to 2 dB hot and its file (what a platform measures) that low."""
    return measure(pad(pcm, 0, settings.silence.trail_ms) if settings.silence.trail_ms else pcm)


def _as_kept(level: tuple[float, float]) -> tuple[float, float]:
    active, peak = (round(v, 4) if math.isfinite(v) else v for v in level)
    return active, peak


def level_memo(settings: Finishing, segments: int, pauses: tuple[int, ...]) -> str | None:
    """The name a single segment's measured level is kept under in its cache entry ("levels"), or
    None when there is nothing to keep: leveling off, or a prompt of several segments or pauses.
    The level is measured after trimming, so the trim settings are part of the name."""
    if not settings.level.enabled or segments != 1 or any(pauses):
        return None
    cut = f"trim:{settings.silence.threshold_dbov:g}" if settings.silence.trim else "untrimmed"
    return f"{cut}:trail:{settings.silence.trail_ms:g}"  # measured with the file's tail (_measure_delivered)


def measure_segment(data: bytes, fmt: AudioFormat, settings: Finishing) -> tuple[float, float]:
    """(active dBov, peak dBFS) of one segment as `prepare` sees it (decoded, trimmed): for its cache entry."""
    pcm = decode(data, fmt)
    if settings.silence.trim:
        pcm = trim_silence(pcm, threshold_dbov=settings.silence.threshold_dbov, keep_ms=20)
    return _measure_delivered(pcm, settings)


def render_prompt(parts: list[tuple[bytes, AudioFormat]], settings: Finishing, pauses: tuple[int, ...],
                  formats: tuple[str, ...], measured: tuple[float, float] | None = None
                  ) -> tuple[list[RenderedFile], tuple[float, float] | None]:
    """`prepare` then `render_formats`, in one call (what a worker process runs for a prompt). Returns the
    files and the (active dBov, peak dBFS) measured for a single segment's entry (None if not measured)."""
    memo = level_memo(settings, len(parts), pauses)
    pcm, used = _prepare(parts, settings, pauses, measured if memo is not None else None)
    return render_formats(pcm, settings, formats), used if memo is not None else None


def _join_with_pauses(pcms: list[Pcm], pauses: tuple[int, ...], settings: Finishing) -> Pcm:
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


def render_formats(pcm: Pcm, settings: Finishing, formats: tuple[str, ...]) -> list[RenderedFile]:
    out = []
    by_rate: dict[int, Pcm] = {}
    for name in formats:
        fmt = OUTPUT_FORMATS[name]
        if fmt.rate not in by_rate:
            at_rate = pcm if pcm.rate == fmt.rate else resample(pcm, fmt.rate)
            by_rate[fmt.rate] = pad(at_rate, settings.silence.lead_ms, settings.silence.trail_ms)
        final = by_rate[fmt.rate]
        out.append(_file(name, encode(final, fmt), round(final.duration, 3)))
    return out


def render_segment(data: bytes, fmt: AudioFormat, wanted: list[tuple[Finishing, tuple[str, ...]]]
                   ) -> list[tuple[list[RenderedFile], tuple[float, float] | None]]:
    """Every single-segment prompt of one segment, from its audio as synthesized: what a worker runs
    right after speaking it, so the audio is decoded, trimmed and measured once for all of them.

    wanted: (settings, output format names) per prompt. Returns, per prompt in order, its files and
    the (active dBov, peak dBFS) its entry keeps under `level_memo` (None when leveling is off): the
    same bytes and level `render_prompt([(data, fmt)], settings, (), formats)` gives."""
    pcm = decode(data, fmt)
    trimmed: dict[tuple[bool, float], Pcm] = {}
    levels: dict[tuple[bool, float, float], tuple[float, float]] = {}
    out = []
    for settings, formats in wanted:
        cut = (settings.silence.trim, settings.silence.threshold_dbov if settings.silence.trim else 0.0)
        if cut not in trimmed:
            trimmed[cut] = (trim_silence(pcm, threshold_dbov=cut[1], keep_ms=20) if cut[0] else pcm)
        ready = trimmed[cut]
        level = None
        if settings.level.enabled:
            heard = (*cut, settings.silence.trail_ms)
            if heard not in levels:
                levels[heard] = _as_kept(_measure_delivered(ready, settings))
            level = levels[heard]
            ready = normalize(ready, target_dbov=settings.level.target_dbov,
                              peak_limit_dbfs=settings.level.peak_dbfs, measured=level)
        out.append((render_formats(ready, settings, formats), level))
    return out
