"""Platform limits checked before packaging, from the platforms' documented rules
(../shared/reference/telephony.md). Checks read the files' real headers, not the manifest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.riff import parse_wav
from ..errors import AudioError
from ..fsutil import read_regular
from ..manifest import Library


@dataclass(frozen=True)
class Violation:
    prompt: str  # <library>/<language>/<name>
    file: str
    limit: str

    def __str__(self) -> str:
        return f"{self.prompt} ({self.file}): {self.limit}"


Spec = tuple[int, int, int]
_MULAW, _ALAW = (7, 8000, 8), (6, 8000, 8)


@dataclass(frozen=True)
class Platform:
    label: str
    max_seconds: float | None = None
    max_bytes: int | None = None
    max_name: int | None = None
    name_pattern: re.Pattern[str] | None = None
    name_rule: str = ""
    wav: tuple[Spec, ...] = ()  # the (format tag, rate, bits) it takes in .wav files (empty: any)
    wav16: tuple[Spec, ...] = ()
    suffixes: tuple[str, ...] | None = None  # the only file types it takes (None: any the layout writes)


_NO_SPACES = re.compile(r"^[^\s]+$")
PLATFORMS: dict[str, Platform] = {
    # Amazon Connect: 8 kHz mono mu-law WAV, under 5 minutes and 50 MB; prompt names up to 127 characters.
    "connect": Platform("Amazon Connect", max_seconds=300, max_bytes=50_000_000, max_name=127,
                        wav=(_MULAW,), suffixes=(".wav",)),
    # Genesys Cloud: 25 MB per file; names letters, digits and underscores starting with a letter
    # (a third-party guide's rule; Genesys's own page states only the size).
    "genesys": Platform("Genesys Cloud", max_bytes=25_000_000, max_name=200,
                        name_pattern=re.compile(r"^[A-Za-z][A-Za-z0-9_]*$"),
                        name_rule="letters, digits and underscores, starting with a letter"),
    # Asterisk's format_wav: 16-bit PCM mono at 8 kHz for .wav, 16 kHz for .wav16.
    "asterisk": Platform("Asterisk", wav=((1, 8000, 16),), wav16=((1, 16000, 16),)),
    # FreeSWITCH (mod_sndfile): 16-bit PCM WAV at the rate of its folder (checked per file below).
    "freeswitch": Platform("FreeSWITCH"),
    # Cisco UCCX: G.711 WAV (mu-law or A-law), 8 kHz mono; CUCM rejects spaces in file names.
    "cisco": Platform("Cisco", wav=(_MULAW, _ALAW), name_pattern=_NO_SPACES, name_rule="no spaces", suffixes=(".wav",)),
    # Twilio <Play>: transcodes to 8 kHz mu-law; a mu-law WAV plays as is.
    "twilio": Platform("Twilio", wav=(_MULAW,)),
    "generic": Platform("generic"),
}
_MAX_READ = 1 << 30
_TAG_NAMES = {1: "16-bit PCM", 6: "A-law", 7: "mu-law"}
_FORMAT_NAMES = {1: "wav", 6: "alaw-wav", 7: "mulaw-wav"}  # the output format writing each (8 kHz)


def _describe(specs: tuple[Spec, ...]) -> str:
    """'mu-law mono 8000 Hz', or 'mu-law or A-law mono 8000 Hz' for a platform that takes either."""
    rates = " or ".join(dict.fromkeys(f"{rate} Hz" for _, rate, _ in specs))
    return f"{' or '.join(_TAG_NAMES.get(tag, f'format {tag}') for tag, _, _ in specs)} mono {rates}"


def check_library(lib: Library, index: dict[str, Any],
                  read: Callable[[dict[str, Any]], bytes | None] | None = None) -> list[Violation]:
    """The rows of `index` that break `lib`'s platform limits. `read(row)`: the row's file's bytes
    (None if there are none); by default read as a regular file of the library, never a link or FIFO."""
    platform = PLATFORMS[lib.platform]
    read = read or (lambda row: read_regular(lib.output / row["file"], _MAX_READ))
    out: list[Violation] = []
    for row in index["prompts"]:
        prompt = f"{lib.name}/{row['language']}/{row['name']}"
        path = Path(row["file"])
        data = read(row)
        size = len(data) if data is not None else 0
        stem = path.stem
        if platform.max_seconds is not None and row["duration"] >= platform.max_seconds:
            out.append(Violation(prompt, row["file"], f"{row['duration']:.1f} s is over {platform.label}'s "
                                                      f"{platform.max_seconds / 60:g}-minute limit"))
        if platform.max_bytes is not None and size >= platform.max_bytes:
            out.append(Violation(prompt, row["file"], f"{size / 1e6:.1f} MB is over {platform.label}'s "
                                                      f"{platform.max_bytes / 1e6:g} MB limit"))
        if platform.max_name is not None and len(row["name"]) > platform.max_name:
            out.append(Violation(prompt, row["file"], f"name longer than {platform.label}'s {platform.max_name} characters"))
        if platform.name_pattern is not None and not platform.name_pattern.match(stem):
            out.append(Violation(prompt, row["file"], f"{platform.label} file names allow {platform.name_rule}"))
        suffix = path.suffix
        if platform.suffixes is not None and suffix not in platform.suffixes:  # a headerless .ulaw on Connect
            formats = " or ".join(_FORMAT_NAMES.get(tag, "?") for tag, _, _ in platform.wav)
            want = f"{_describe(platform.wav)} WAV (format {formats})" if platform.wav else "/".join(platform.suffixes)
            out.append(Violation(prompt, row["file"], f"{platform.label} takes only {want}, not {row['format']} files"))
        required = {".wav": platform.wav, ".wav16": platform.wav16}.get(suffix, ())
        if lib.platform == "freeswitch" and suffix == ".wav":
            rate = int(path.parent.name) if path.parent.name.isdigit() else 8000
            required = ((1, rate, 16),)
        if required and data is not None:
            out += _check_wav(prompt, row["file"], data, required, platform.label)
    return out


def _check_wav(prompt: str, rel: str, data: bytes, required: tuple[Spec, ...], label: str) -> list[Violation]:
    try:
        info = parse_wav(data)
    except AudioError as exc:
        return [Violation(prompt, rel, f"not a readable WAV ({exc})")]
    found = (info.tag, info.rate, info.bits)
    if found not in required or info.channels != 1:
        return [Violation(prompt, rel, f"{label} needs {_describe(required)}, this is "
                                       f"{_TAG_NAMES.get(info.tag, f'format {info.tag}')} "
                                       f"{'mono' if info.channels == 1 else f'{info.channels}-channel'} {info.rate} Hz")]
    return []
