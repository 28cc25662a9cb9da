"""Measuring finished audio files as the platforms measure them: one ffmpeg pass, its maintained filters.

- RMS level and sample peak: ffmpeg's `astats` (20*log10 of the RMS, full scale 1.0: a full-scale
  sine is -3.01 dB, as ACX's checker counts).
- Noise floor: the RMS of the quietest 0.5 s window (`asetnsamples` + `astats` per window), ACX
  Check's definition.
- Integrated loudness (LUFS) and true peak (dBTP): ffmpeg's `ebur128` filter (EBU R128 / ITU-R
  BS.1770-4 gating, 4x-oversampled true peak).
- Head and tail silence: `silencedetect` at -50 dBFS for at least 50 ms, from the file's start and to
  its end.

Files of any length are measured in bounded memory (ffmpeg streams; narrate reads only the log).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import AudioError
from .ffmpeg import stderr_tail

SILENCE_DB = -50.0  # silencedetect threshold (sample amplitude, dBFS)
SILENCE_MIN_S = 0.05
WINDOW_RATE = 44100  # noise-floor windows are counted at this rate: 22,050 samples = 0.5 s


@dataclass(frozen=True)
class Levels:
    """A file's levels: `rms` (dB), `peak` (sample peak, dBFS), `lufs` (integrated), `true_peak` (dBTP),
    `noise_floor` (dB RMS of the quietest 0.5 s), `head_s`/`tail_s` (silence at each end, seconds),
    `duration` (seconds). Silence measures -inf."""

    rms: float
    peak: float
    lufs: float
    true_peak: float
    noise_floor: float
    head_s: float
    tail_s: float
    duration: float


def _number(text: str) -> float:
    return -math.inf if text.strip().lower() in ("-inf", "inf", "nan") else float(text)


def _filters(full: bool, af: str = "") -> tuple[str, int]:
    """The filter graph: levels and loudness always; noise floor and silences when `full`. `af` is
    a filter chain applied first (to measure what an encode with it would give)."""
    branches = ["astats=metadata=0:measure_perchannel=none:measure_overall=RMS_level+Peak_level+Number_of_samples",
                "ebur128=peak=true:framelog=verbose"]
    if full:
        branches += [f"aresample={WINDOW_RATE},asetnsamples=n={WINDOW_RATE // 2}:p=0,"
                     "astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=RMS_level,"
                     "ametadata=mode=print:key=lavfi.astats.Overall.RMS_level",
                     f"silencedetect=n={SILENCE_DB}dB:d={SILENCE_MIN_S}"]
    n = len(branches)
    labels = "".join(f"[b{i}]" for i in range(n))
    graph = f"[0:a]{af + ',' if af else ''}asplit={n}{labels};" + ";".join(f"[b{i}]{f}[o{i}]" for i, f in enumerate(branches))
    return graph + ";" + "".join(f"[o{i}]" for i in range(n)) + f"amix=inputs={n}", n


def measure(path: str | Path, *, full: bool = True, af: str = "", timeout: float = 3600) -> Levels:
    """Measure one audio file (any format ffmpeg decodes), after the ffmpeg filter chain `af` if given.
    `full=False` skips the noise floor and the silences (for the gain narrate sets before encoding).
    Raises AudioError if ffmpeg cannot read it, or cannot decode a frame of it."""
    import imageio_ffmpeg

    from .. import procs

    graph, _ = _filters(full, af)
    # -xerror: a frame the decoder refuses fails the measure; without it ffmpeg skips the frame, exits 0,
    # and a damaged file measures as if it were whole.
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-xerror",
           "-i", str(path), "-filter_complex", graph, "-f", "null", "-"]
    try:
        proc = procs.run(cmd, timeout=timeout)
    except OSError as exc:
        raise AudioError(f"cannot run ffmpeg: {exc}") from exc
    log = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        refused = _decode_error(log)
        if refused:
            raise AudioError(f"ffmpeg cannot decode all of {Path(path).name}: {refused}")
        raise AudioError(f"cannot measure {path}: {stderr_tail(proc.stderr)}")
    return parse_log(log, full)


def _decode_error(log: str) -> str | None:
    """The first decoder complaint in an ffmpeg log (`[mp3float @ 0x...] Header missing`), without
    its `[component @ address]` prefix; None if there is none."""
    decoder = [line for line in log.splitlines() if re.match(r"\[(mp3|mp3float|aac|dec:\S+|aist#\S+) @ ", line)]
    # Decoders also warn about frames they can still use ("overread"); the refusal is what failed.
    worst = [line for line in decoder if re.search(r"Invalid data|[Ee]rror|missing", line)] or decoder
    return (re.sub(r"^(\[[^\]]*\] ?)+", "", worst[0]).strip() or None) if worst else None


def parse_log(log: str, full: bool = True) -> Levels:
    """Read the measures from ffmpeg's log of the graph `_filters` builds."""
    try:
        # The first astats in the graph measures the whole file; the windows' one resets.
        whole = _first_astats(log)
        rms = _number(re.findall(whole + r" RMS level dB: (\S+)", log)[0])
        peak = _number(re.findall(whole + r" Peak level dB: (\S+)", log)[0])
        lufs = _number(re.search(r"I:\s+(\S+) LUFS", log).group(1))  # type: ignore[union-attr]
        true_peak = _number(re.search(r"True peak:\s+Peak:\s+(\S+) dBFS", log).group(1))  # type: ignore[union-attr]
    except (IndexError, AttributeError, ValueError) as exc:
        raise AudioError(f"ffmpeg's measurement log is not as expected: {exc}") from exc
    if not full:
        return Levels(rms, peak, lufs, true_peak, math.nan, math.nan, math.nan, math.nan)
    windows = [_number(v) for v in re.findall(r"lavfi\.astats\.Overall\.RMS_level=(\S+)", log)]
    duration = _duration(log)
    starts = [float(v) for v in re.findall(r"silence_start: (\S+)", log)]
    ends = [float(v) for v in re.findall(r"silence_end: (\S+)", log)]
    head = ends[0] if starts and starts[0] <= 1e-3 and ends else (duration if starts and starts[0] <= 1e-3 else 0.0)
    tail = 0.0
    if starts and len(starts) > len(ends):  # the last silence runs to the end of the file
        tail = duration - starts[-1]
    elif starts and ends and ends[-1] >= duration - 0.02:
        tail = ends[-1] - starts[-1]
    return Levels(rms, peak, lufs, true_peak, min(windows) if windows else -math.inf, head, max(tail, 0.0), duration)


def _first_astats(log: str) -> str:
    """A pattern for the log lines of the graph's first astats filter (ffmpeg numbers filters in order)."""
    found = sorted({int(n) for n in re.findall(r"Parsed_astats_(\d+) @", log)})
    if not found:
        raise AudioError("ffmpeg's measurement log has no astats summary")
    return rf"Parsed_astats_{found[0]} @ [^\]]*\]"


def _duration(log: str) -> float:
    """Exact: astats' sample count over the input stream's rate (both from the log)."""
    samples = re.search(_first_astats(log) + r" Number of samples: (\d+)", log)
    rate = re.search(r"Stream #0:\d+.*?: Audio: .*?, (\d+) Hz", log)
    if not samples or not rate:
        raise AudioError("ffmpeg's measurement log gives no sample count or rate")
    return int(samples.group(1)) / int(rate.group(1))
