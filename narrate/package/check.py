"""`narrate check`: measure a book's built files against its profile (narrate.audio.profiles).

The files are those the lock records for the book, each one only if it lies inside the book's
output folder and is a regular file (a hand-edited lock cannot make check read anything else).
Containers are read with mutagen (bit rate, constant or variable, sample rate, channels); levels
with ffmpeg's filters (narrate.audio.loudness). Every measure out of range is one `Finding`.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.loudness import Levels, measure
from ..audio.profiles import AAC_MIN_SHARE, STEREO_OFFSET_LU, Profile
from ..errors import AudioError
from ..fsutil import sha256_file
from ..manifest import Book


@dataclass(frozen=True)
class Finding:
    """One measure of one file outside its profile: `file` as the lock names it, `measure` (rms,
    peak, noise_floor, loudness, true_peak, head, tail, bitrate, bitrate_mode, sample_rate,
    duration, file), `message` saying what was found and what the profile wants."""

    file: str
    measure: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.measure}: {self.message}"


def _db(value: float) -> str:
    return "-inf" if value == -math.inf else f"{value:.2f}"


def _range(lo: float, hi: float) -> str:
    return f"{lo:g} to {hi:g}"


def check_levels(rel: str, levels: Levels, profile: Profile, channels: int = 1) -> list[Finding]:
    """The level and silence measures of one file against `profile` (pure)."""
    out: list[Finding] = []
    label = f"({profile.name} profile)"
    lo, hi = profile.loudness_range
    if profile.measure == "rms":
        if not lo <= levels.rms <= hi:
            out.append(Finding(rel, "rms", f"{_db(levels.rms)} dB RMS, outside {_range(lo, hi)} dB {label}"))
        if levels.peak > profile.peak:
            out.append(Finding(rel, "peak", f"{_db(levels.peak)} dBFS, above {profile.peak:g} dBFS {label}"))
    else:
        offset = STEREO_OFFSET_LU if channels == 2 else 0.0
        if not lo + offset <= levels.lufs <= hi + offset:
            out.append(Finding(rel, "loudness", f"{_db(levels.lufs)} LUFS, outside {_range(lo + offset, hi + offset)} "
                                                f"LUFS {label}"))
        if levels.true_peak > profile.peak:
            out.append(Finding(rel, "true_peak", f"{_db(levels.true_peak)} dBTP, above {profile.peak:g} dBTP {label}"))
    if profile.noise_floor is not None and levels.noise_floor > profile.noise_floor:
        out.append(Finding(rel, "noise_floor", f"{_db(levels.noise_floor)} dB RMS, above {profile.noise_floor:g} dB {label}"))
    for name, found, (a, b) in (("head", levels.head_s, profile.head_range), ("tail", levels.tail_s, profile.tail_range)):
        if not a <= found <= b:
            out.append(Finding(rel, name, f"{found:.2f} s of silence, outside {_range(a, b)} s {label}"))
    return out


# Layer III bit rates, kbit/s, by header index 1..14 (ISO/IEC 11172-3 for MPEG-1, 13818-3 for MPEG-2 and 2.5).
_L3_KBPS = {True: (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
            False: (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
_L3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_frame_kbps(path: Path) -> set[int]:
    """The bit rates of every Layer III frame of an MP3, from the frame headers themselves (the
    encoder's Info/Xing frame included: LAME writes it at the stream's bit rate). One entry for a
    constant bit rate file. Reads 1 MiB at a time; stops at the first byte that is not a frame."""
    found: set[int] = set()
    with open(path, "rb") as fh:
        head = fh.read(10)
        pos = 10 + ((head[6] << 21 | head[7] << 14 | head[8] << 7 | head[9]) if head[:3] == b"ID3" else -10)
        fh.seek(pos)
        buf, base = fh.read(1 << 20), pos
        while True:
            off = pos - base
            if off + 4 > len(buf):
                more = fh.read(1 << 20)
                if not more:
                    break
                buf, base = buf[off:] + more, pos
                continue
            h = int.from_bytes(buf[off:off + 4], "big")
            version, layer, index, rate, padding = (h >> 19) & 3, (h >> 17) & 3, (h >> 12) & 15, (h >> 10) & 3, (h >> 9) & 1
            if h >> 21 != 0x7FF or layer != 1 or version == 1 or index in (0, 15) or rate == 3:
                break  # not a Layer III frame: the end of the audio (or a trailing tag)
            kbps = _L3_KBPS[version == 3][index - 1]
            found.add(kbps)
            pos += (144 if version == 3 else 72) * kbps * 1000 // _L3_RATES[version][rate] + padding
    return found


def _container(rel: str, path: Path, profile: Profile) -> tuple[list[Finding], int]:
    """Bit rate, its mode and the sample rate from the file's headers; and its channel count."""
    from mutagen import MutagenError
    from mutagen.mp3 import MP3, BitrateMode
    from mutagen.mp4 import MP4

    out: list[Finding] = []
    label = f"({profile.name} profile)"
    try:
        info: Any = (MP3(path) if path.suffix.lower() == ".mp3" else MP4(path)).info
    except MutagenError as exc:
        return [Finding(rel, "file", f"not a readable {path.suffix[1:].upper()} ({exc})")], 1
    if path.suffix.lower() == ".mp3":
        rates = mp3_frame_kbps(path)
        if info.bitrate_mode not in (BitrateMode.CBR, BitrateMode.UNKNOWN) or len(rates) > 1:
            out.append(Finding(rel, "bitrate_mode", f"{info.bitrate_mode.name} ({len(rates)} frame bit rates), not "
                                                    f"constant bit rate {label}"))
        if not rates or min(rates) < profile.bitrate_kbps:
            out.append(Finding(rel, "bitrate", f"{min(rates, default=0)} kbps, below {profile.bitrate_kbps} kbps {label}"))
    elif info.bitrate < (least := profile.aac_kbps * AAC_MIN_SHARE) * 1000:
        # mutagen's bitrate: the esds average, the AAC's bytes over its length (narrate.package.mp4 writes it so).
        out.append(Finding(rel, "bitrate", f"{info.bitrate / 1000:.0f} kbps average, below {least:g} kbps (half the "
                                           f"{profile.aac_kbps} kbps AAC) {label}"))
    if info.sample_rate != profile.sample_rate:
        out.append(Finding(rel, "sample_rate", f"{info.sample_rate} Hz, not {profile.sample_rate} Hz {label}"))
    return out, int(info.channels)


def _inside(path: Path, folder: Path) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def check_book(book: Book, entry: dict[str, Any] | None, root: Path) -> tuple[list[Finding], int]:
    """Measure every audio file the lock `entry` records for `book`. Returns (findings, files measured).
    A book with no entry is one finding: it has not been built. A file whose sha256 is not the lock's
    is one too (and is measured all the same), and one ffmpeg cannot decode whole is one instead of
    its measures."""
    profile = book.profile
    if not entry or not isinstance(entry.get("outputs"), dict):
        return [Finding(f"books/{book.name}", "file", "not built yet: run `narrate build` first")], 0
    findings: list[Finding] = []
    measured = 0
    for oid, rec in sorted(entry["outputs"].items()):
        rel = rec.get("file") if isinstance(rec, dict) else None
        if not isinstance(rel, str) or not rel.endswith((".mp3", ".m4b")):
            continue
        path = root / rel
        if not _inside(path, book.output):
            findings.append(Finding(rel, "file", "missing, or not a regular file inside the book's output folder"))
            continue
        found, channels = _container(rel, path, profile)
        if any(f.measure == "file" for f in found):
            findings += found
            continue
        if isinstance(rec.get("sha256"), str) and sha256_file(path) != rec["sha256"]:
            findings.append(Finding(rel, "file", "not the file the last build wrote (its sha256 differs from the "
                                                 "lock's): build again, or check the copy you meant"))
        findings += found
        try:
            levels = measure(path)
        except AudioError as exc:
            findings.append(Finding(rel, "file", str(exc)))
            continue
        measured += 1
        findings += check_levels(rel, levels, profile, channels)
        if oid.startswith("chapter-") and profile.max_file_s is not None and levels.duration > profile.max_file_s:
            findings.append(Finding(rel, "duration", f"{levels.duration / 60:.1f} minutes, over "
                                                     f"{profile.max_file_s / 60:g} ({profile.name} profile)"))
        if oid == "sample" and profile.name == "audiobook":
            lo, hi = profile.sample_range_s
            if not lo <= levels.duration <= hi:
                findings.append(Finding(rel, "duration", f"{levels.duration:.1f} s, a retail sample is "
                                                         f"{_range(lo, hi)} s (audiobook profile)"))
    return findings, measured
