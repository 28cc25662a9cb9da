"""The level processing each book file gets while it is encoded, so that it lands on its profile.

Sentences arrive already near the target (narrate.package.assemble levels each one). The file is
then measured as a whole, as its platform will measure it (RMS for ACX, BS.1770 loudness for
podcasts), and given one gain towards the target followed by ffmpeg's look-ahead peak limiter
(`alimiter`, delay compensated, so timings do not move) at the profile's ceiling less the encoding
margin: speech has a crest factor (peak to RMS, pauses included) of about 20 dB, more than ACX's
-18..-23 dB RMS with peaks at -3 dB leaves, so reaching the level without a limiter is not possible
(Audacity's own ACX recipe is the same: RMS normalise, then limit). Limiting lowers the RMS a little,
so the chain is measured once more and the gain corrected by what it lost.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..audio.loudness import Levels, measure
from ..audio.profiles import ENCODE_MARGIN_DB, Profile

MAX_GAIN_DB = 40.0  # a nearly silent file is not boosted into noise
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
    """The gain (dB) that, followed by the limiter (see `chain`), brings `wav` to its profile's
    loudness; None for silence. Two ffmpeg measuring passes; rounded to 0.01 dB, so equal input
    gives equal bytes."""
    level = _level(measure(wav, full=False), profile)
    if not math.isfinite(level):
        return None
    gain = min(profile.loudness - level, MAX_GAIN_DB)
    after = _level(measure(wav, full=False, af=chain(gain, profile)), profile)
    if math.isfinite(after):
        gain = min(gain + profile.loudness - after, MAX_GAIN_DB)
    return round(gain, 2)
