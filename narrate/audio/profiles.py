"""Audio profiles for books: the numbers a book's files are made to and checked against.

Each number comes from the target's published requirements (also summarised in
../shared/reference/publishing.md and cited in the README):

- `audiobook`: ACX / Audible "Audio Submission Requirements"
  (https://www.acx.com/help/acx-audio-submission-requirements/201456300): MP3 at 192 kbps or higher,
  constant bit rate, 44.1 kHz; each file between -23 and -18 dB RMS; peaks at most -3 dB; noise
  floor at most -60 dB RMS; 0.5-1 s of room tone at the head and 1-5 s at the tail of every file;
  at most 120 minutes per file; a retail sample of 1-5 minutes; cover art square, at least 2400 x 2400 px.
- `podcast`: Apple Podcasts "Audio requirements" (https://podcasters.apple.com/support/893-audio-requirements):
  integrated loudness -16 LUFS (+-1) for stereo, true peak at most -1 dBTP, measured per ITU-R BS.1770 /
  EBU R128; -19 LUFS for mono (the same perceived level: a mono file plays on both speakers, +3 dB).
  MP3 and AAC both accepted; narrate writes mono speech at 96 kbps MP3 (CBR) and 64 kbps AAC.
- `custom`: every number set in the manifest (`audio:`), loudness measured as for podcasts.

Conventions: "dB RMS" is 20*log10(RMS) with full scale 1.0 (a full-scale sine is -3.01 dB), as
ACX's own checker (Audacity's ACX Check) measures; sample peaks in dBFS; loudness in LUFS and true
peak in dBTP as ffmpeg's ebur128 filter measures them (BS.1770-4, 4x oversampled true peak).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

PROFILE_NAMES = ("audiobook", "podcast", "custom")
# Below the ceiling before encoding: MP3/AAC decoding puts peaks up to about 1 dB above the PCM's
# (measured on narrate's own books: +0.1 to +0.8 dB at 96-192 kbps MP3), and files are checked after encoding.
ENCODE_MARGIN_DB = 1.0
# AAC overshoots more: +1.2 dB measured on the demo book's M4B at 96 kbps, +2.0 dB on the first
# words of a 300-chapter book's (espeak, 96 kbps): a margin of 2.5 dB.
AAC_MARGIN_DB = 2.5
# The least a custom profile's loudness may sit under its peak. Speech through the limiter (`alimiter`, 5 ms
# attack, 50 ms release) stops about 9.5 LU under the limiter's ceiling, whatever the gain (measured with
# eSpeak at +40 dB: MP3 -11.4 LUFS, M4B -12.4 LUFS under -1 dBTP), and the ceiling is the peak less
# ENCODE_MARGIN_DB (AAC_MARGIN_DB for the M4B): -12 LUFS under -1 dBTP lands, -10 does not.
MIN_HEADROOM_DB = 11.0
# AAC-LC carries at most 6144 bits per channel in a frame of 1024 samples (ISO/IEC 14496-3); ffmpeg's
# encoder clamps a higher rate to that ("Too many bits per frame requested, clamping to max").
AAC_MAX_FRAME_BITS = 6144
# ffmpeg's AAC encoder is average bit rate: it spends only what the sound needs, up to the rate asked, and
# tops out near 3.3-3.7 bits a sample whatever is asked. Measured: eSpeak speech averages 0.76-0.99 of the
# rate asked at 44.1 and 48 kHz up to 192 kbps (at most ~145 kbps at 44.1 kHz, ~80 at 22.05 kHz: 0.6 of
# 128); a sawtooth buzz book 0.59 of 96 kbps. `narrate check` holds an M4B's average to half its profile's
# AAC rate: a file made at a much lower rate than asked is named, the encoder's thrift is not.
AAC_MIN_SHARE = 1 / 2
# Those shares hold at 44.1 and 48 kHz. The encoder's top is bits a sample, so at a lower custom
# `sample_rate` the default AAC rate falls with it (`default_aac_kbps`): at 22.05 kHz the default 128 kbps
# averaged 49-75 kbps (pauses cost almost nothing) and narrate's own `check` named its file; 64 measured 42-75.
AAC_DEFAULT_RATE = 44100
# How far a measured head or tail may sit from the silence narrate writes: the engine's own
# onset below the trim threshold (trimming keeps 20 ms) plus one 10 ms measuring frame.
SILENCE_SLACK_S = 0.1


@dataclass(frozen=True)
class Profile:
    """What a book's files must be. Loudness is `measure` ("rms": dB RMS, "lufs": BS.1770 integrated)
    aimed at `loudness` and accepted within `loudness_range`; `peak` is the ceiling (sample peak
    dBFS for "rms", true peak dBTP for "lufs"). `head_s`/`tail_s` are the silence written before
    and after every file's speech, accepted within `head_range`/`tail_range` (seconds)."""

    name: str
    bitrate_kbps: int  # MP3, constant bit rate
    aac_kbps: int
    sample_rate: int  # Hz, every file
    measure: str  # "rms" | "lufs"
    loudness: float
    loudness_range: tuple[float, float]
    peak: float
    head_s: float
    tail_s: float
    head_range: tuple[float, float]
    tail_range: tuple[float, float]
    noise_floor: float | None = None  # dB RMS of the quietest 0.5 s, at most
    max_file_s: float | None = None  # longest chapter file, seconds
    sample_range_s: tuple[float, float] = (60.0, 300.0)  # retail sample length
    cover_min_px: int | None = None  # square cover art of at least this many pixels a side

    @property
    def unit_level_dbov(self) -> float:
        """Active speech level each sentence is brought to before the file's own gain (P.56 dBov).
        Whole-file RMS sits below the active level by the pauses; BS.1770 loudness of eSpeak's
        bright voices sits above it. Measured offsets on narrate's demo book: RMS -2.3 dB, LUFS +1.5."""
        return self.loudness + (2.3 if self.measure == "rms" else -1.5)

    @property
    def unit_peak_dbfs(self) -> float:
        """Sample peak limit per sentence: the ceiling (the file's limiter then holds the margin)."""
        return self.peak

    def recipe(self) -> str:
        """Every number that changes the bytes (part of each book output's recipe)."""
        return repr((self.name, self.bitrate_kbps, self.aac_kbps, self.sample_rate, self.measure, self.loudness,
                     self.peak, self.head_s, self.tail_s))

    def mp3_args(self) -> list[str]:
        """ffmpeg output options: LAME constant bit rate (`-b:a` alone is CBR in libmp3lame), mono."""
        return ["-c:a", "libmp3lame", "-b:a", f"{self.bitrate_kbps}k", "-ar", str(self.sample_rate), "-ac", "1"]

    def aac_args(self) -> list[str]:
        return ["-c:a", "aac", "-b:a", f"{self.aac_kbps}k", "-ar", str(self.sample_rate), "-ac", "1",
                "-movflags", "+faststart"]


AUDIOBOOK = Profile(
    "audiobook", bitrate_kbps=192, aac_kbps=96, sample_rate=44100, measure="rms", loudness=-20.5,
    loudness_range=(-23.0, -18.0), peak=-3.0, head_s=0.75, tail_s=2.0, head_range=(0.5, 1.0), tail_range=(1.0, 5.0),
    noise_floor=-60.0, max_file_s=120 * 60, cover_min_px=2400)
PODCAST = Profile(
    "podcast", bitrate_kbps=96, aac_kbps=64, sample_rate=44100, measure="lufs", loudness=-19.0,
    loudness_range=(-20.0, -18.0), peak=-1.0, head_s=0.5, tail_s=1.0,
    head_range=(0.5 - SILENCE_SLACK_S, 0.5 + 3 * SILENCE_SLACK_S),
    tail_range=(1.0 - 3 * SILENCE_SLACK_S, 1.0 + SILENCE_SLACK_S))
CUSTOM = replace(PODCAST, name="custom", bitrate_kbps=128, aac_kbps=128, loudness=-18.0, loudness_range=(-19.0, -17.0))
PROFILES = {p.name: p for p in (AUDIOBOOK, PODCAST, CUSTOM)}
# Stereo files measure 3 LU louder than the same speech in mono (BS.1770 sums the channels).
STEREO_OFFSET_LU = 3.0


def aac_max_kbps(sample_rate: int, channels: int = 1) -> float:
    """The highest AAC-LC bit rate (kbit/s) at this sample rate: AAC_MAX_FRAME_BITS per channel a frame."""
    return round(AAC_MAX_FRAME_BITS * channels * sample_rate / 1024 / 1000, 1)


def default_aac_kbps(sample_rate: int) -> int:
    """A custom profile's AAC rate when the manifest sets no `audio.bitrate`: CUSTOM's at AAC_DEFAULT_RATE
    and above, in proportion to the samples a second below it (64 kbps at 22.05 kHz)."""
    return round(CUSTOM.aac_kbps * min(1.0, sample_rate / AAC_DEFAULT_RATE))


def custom(bitrate: int | None = None, sample_rate: int | None = None, loudness: float | None = None,
           peak: float | None = None, head_s: float | None = None, tail_s: float | None = None) -> Profile:
    """The `custom` profile with the numbers given; loudness is accepted within +-1 LU, as Apple's."""
    p = CUSTOM
    if bitrate is not None:
        p = replace(p, bitrate_kbps=bitrate, aac_kbps=bitrate)
    if sample_rate is not None:
        p = replace(p, sample_rate=sample_rate)
        if bitrate is None:  # one the encoder reaches there: `narrate check` holds the M4B to half of it
            p = replace(p, aac_kbps=default_aac_kbps(sample_rate))
    if loudness is not None:
        p = replace(p, loudness=loudness, loudness_range=(loudness - 1.0, loudness + 1.0))
    if peak is not None:
        p = replace(p, peak=peak)
    if head_s is not None:
        p = replace(p, head_s=head_s)
    if tail_s is not None:
        p = replace(p, tail_s=tail_s)
    return replace(p, head_range=(max(0.0, p.head_s - SILENCE_SLACK_S), p.head_s + 3 * SILENCE_SLACK_S),
                   tail_range=(max(0.0, p.tail_s - 3 * SILENCE_SLACK_S), _longest_tail(p.tail_s, p.sample_rate)))


# The frame grid (narrate.package.grid) ends a file on whole MP3 frames (at most 1152 samples), the speech
# piece's padding and at least one frame of tail, then aligns the book's end to an AAC frame (1024) with
# room for an exact LAME header (64): a short `tail_s` comes out longer by up to these samples.
_GRID_TAIL_FRAMES, _GRID_TAIL_EXTRA = 2 * 1152, 1024 + 64


def _longest_tail(tail_s: float, rate: int) -> float:
    """The longest tail `narrate check` accepts for a custom `tail_s`: what the grid can add to it
    (tail_s 0 measured 0.10 s at 44.1 kHz and 0.14 s at 22.05 kHz), and the measuring slack."""
    return max(tail_s, _GRID_TAIL_FRAMES / rate) + _GRID_TAIL_EXTRA / rate + SILENCE_SLACK_S
