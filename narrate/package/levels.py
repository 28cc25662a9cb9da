"""The level processing each book file gets while it is encoded, so that it lands on its profile.

Sentences arrive already near the target (narrate.package.assemble levels each one). The file is
then measured as a whole, as its platform will measure it (RMS for ACX, BS.1770 loudness for
podcasts), and given one gain towards the target followed by ffmpeg's look-ahead peak limiter
(`alimiter`, delay compensated, so timings do not move) at the profile's ceiling less the encoding
margin: speech has a crest factor (peak to RMS, pauses included) of about 20 dB, more than ACX's
-18..-23 dB RMS with peaks at -3 dB leaves, so reaching the level without a limiter is not possible
(Audacity's own ACX recipe is the same: RMS normalise, then limit). Limiting lowers the RMS a little,
so the chain is measured again and the gain corrected by what it lost (more than once for a short
chapter, where the limiter takes more).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from ..audio.loudness import Levels, measure
from ..audio.profiles import ENCODE_MARGIN_DB, Profile

MAX_GAIN_DB = 40.0  # a nearly silent file is not boosted into noise
# Limiting lowers the level more the more gain it gets (a short chapter needs much): the gain is
# corrected and measured again, up to this many times, until the measure is this far inside the
# profile's range (what the encode and the room tone may still move: about 0.1-0.3 dB measured).
CORRECTIONS, SAFE_DB = 6, 0.5
MIN_SLOPE = 0.25  # a secant step is at most 4x the miss: a nearly flat stretch is not extrapolated far
ATTACK_MS, RELEASE_MS = 5, 50  # alimiter's defaults: fast enough for plosives, slow enough to stay inaudible


def _level(levels: Levels, profile: Profile) -> float:
    return levels.rms if profile.measure == "rms" else levels.lufs


def chain(gain_db: float | None, profile: Profile, margin_db: float = ENCODE_MARGIN_DB) -> str:
    """ffmpeg filters: gain in double precision (no clipping before the limiter), then the limiter at
    the profile's ceiling less `margin_db` (the codec's overshoot). "" for no gain (silence)."""
    if gain_db is None:
        return ""
    limit = 10.0 ** ((profile.peak - margin_db) / 20.0)
    return (f"aformat=sample_fmts=dbl,volume={gain_db:.2f}dB,"
            f"alimiter=limit={limit:.4f}:attack={ATTACK_MS}:release={RELEASE_MS}:level=disabled:latency=1")


def file_gain(wav: Path, profile: Profile) -> float | None:
    """The gain (dB) that, followed by the limiter (see `chain`), brings `wav` (a whole file: the retail
    sample) to its profile's loudness; None for silence. A measuring pass, then `_converge`'s; rounded
    to 0.01 dB, so equal input gives equal bytes."""
    level = _level(measure(wav, full=False), profile)
    if not math.isfinite(level):
        return None
    return _converge(lambda gain: _level(measure(wav, full=False, af=chain(gain, profile)), profile), profile,
                     profile.loudness - level)


def _converge(level_at: Callable[[float], float], profile: Profile, gain: float, *, keep: bool = False) -> float:
    """Correct `gain` until `level_at(gain)` (the level after gain and limiter) is SAFE_DB inside the
    profile's range, up to CORRECTIONS passes. While it misses, each correction divides the miss by
    the slope seen between the last two passes (secant, at most 1/MIN_SLOPE times the miss): under a
    limiter 1 dB of gain adds well under 1 dB of level, and a plain `gain += miss` crept towards a loud
    target (-14 LUFS under -1 dBTP) and stopped short. Once a pass is safely inside, the last, unmeasured
    correction is the plain one: it lands between that pass and the target. `keep`: return the first
    gain measured safely inside as it is (the AAC parts: more gain under their lower limiter is more
    overshoot, and the MP3's gain, their start, usually serves)."""
    gain = min(gain, MAX_GAIN_DB)
    low, high = profile.loudness_range
    last: tuple[float, float] | None = None
    for _ in range(CORRECTIONS):
        after = level_at(gain)
        if not math.isfinite(after):
            break
        safe = low + SAFE_DB <= after <= high - SAFE_DB
        if safe and keep:
            return round(gain, 2)
        slope = 1.0
        if not safe and last is not None and gain != last[0]:
            slope = min(1.0, max(MIN_SLOPE, (after - last[1]) / (gain - last[0])))
        last = (gain, after)
        gain = min(gain + (profile.loudness - after) / slope, MAX_GAIN_DB)
        if safe:
            break
    return round(gain, 2)


FULL_SCALE_DB = 20.0 * math.log10(32768.0)  # int16 full scale, so that 1.0 (float) is 0 dB


def speech_gain(wav: Path, profile: Profile, energy: float, file_frames: int, head: int = 0, *,
                margin_db: float = ENCODE_MARGIN_DB, start: float | None = None) -> float | None:
    """The gain (dB) for one chapter's speech (`wav`, 16-bit, before its gain), shared by the chapter
    file and the chapter's part of the whole-book MP3, so that a file of `file_frames` samples (the
    speech plus the silence around it: silence adds no energy, so RMS is corrected for it exactly;
    BS.1770's gating leaves silence out of loudness) lands on the profile. `energy` is the sum of the
    squared samples, counted while the WAV was streamed, so the first measure costs no pass; an
    ffmpeg pass then measures the speech after the gain and limiter (`chain`) and corrects the gain
    by what the limiter took, again while the measure is not SAFE_DB inside the profile's range (a
    short chapter: up to CORRECTIONS passes). `head`: the file's room tone before the speech, in
    samples (loudness is measured with it in place). `margin_db`: the limiter's margin under the
    ceiling; the AAC parts' is larger, so the limiter takes more of their gain and they get their own,
    searched from `start` (the MP3's, which spares the first measure). None for silence. Rounded to
    0.01 dB: equal input, equal bytes."""
    frames = _frames(wav)
    if profile.measure == "rms":
        if energy <= 0 or file_frames <= 0:
            return None
        level = 10.0 * math.log10(energy / file_frames) - FULL_SCALE_DB
        silence, pad, meter = (10.0 * math.log10(frames / file_frames) if frames else 0.0), "", "volumedetect"
    else:
        # Measured with the file's room tone where the file has it: BS.1770's 400 ms blocks fall on a
        # short chapter's speech according to where it starts, and its gates depend on the silence.
        tail = max(0, file_frames - frames - head)  # the file's room tone, where it is (`head` samples first)
        silence, pad, meter = 0.0, f"adelay=delays={head}S:all=1,apad=pad_len={tail}", "ebur128"
        level = _pass(wav, pad, meter) if start is None else 0.0
        if not math.isfinite(level):
            return None

    def level_at(gain: float) -> float:
        return _pass(wav, ",".join(filter(None, (chain(gain, profile, margin_db), pad))), meter) + silence

    return _converge(level_at, profile, profile.loudness - level if start is None else start, keep=start is not None)


def _frames(wav: Path) -> int:
    with open(wav, "rb") as fh:
        head = fh.read(256)
    at = head.find(b"data")
    return max(0, (wav.stat().st_size - (at + 8)) // 2) if at >= 0 else 0


_METERS = {"volumedetect": "volumedetect", "ebur128": "ebur128=framelog=verbose"}  # frames logged below info


def _pass(wav: Path, af: str, meter: str) -> float:
    """One ffmpeg pass: the mean volume (volumedetect: dB RMS, full scale 1.0) or the integrated
    loudness (ebur128, no true peak: the gain needs only the loudness) after `af`."""
    import re

    import imageio_ffmpeg

    from .. import procs
    from ..audio.ffmpeg import stderr_tail
    from ..errors import AudioError

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info",
           "-i", str(wav), "-af", f"{af + ',' if af else ''}{_METERS[meter]}", "-f", "null", "-"]
    proc = procs.run(cmd, timeout=3600)
    if proc.returncode != 0:
        raise AudioError(f"cannot measure {wav.name}: {stderr_tail(proc.stderr)}")
    log = proc.stderr.decode("utf-8", "replace")
    found = (re.findall(r"mean_volume: (\S+) dB", log) if meter == "volumedetect"
             else re.findall(r"I:\s+(\S+) LUFS", log))
    if not found:
        raise AudioError(f"ffmpeg's {meter} log is not as expected")
    value = found[-1]
    return -math.inf if value.lower() in ("-inf", "inf", "nan") else float(value)
