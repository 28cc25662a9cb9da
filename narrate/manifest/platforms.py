"""The telephony platforms' documented rules (../shared/reference/telephony.md), as data, and the
part of them a manifest alone can break: a format whose files the platform cannot play, a prompt
name it refuses. `validate` reports those before any synthesis is paid; `narrate package`
(narrate.package.platforms) checks the same rules again on the built files' real headers, with
sizes and durations. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ..audio.formats import OUTPUT_FORMATS

if TYPE_CHECKING:
    from .resolved import Library, PromptText

Spec = tuple[int, int, int]  # a WAV's (format tag, sample rate, bits per sample)
_MULAW, _ALAW = (7, 8000, 8), (6, 8000, 8)
TAG_NAMES = {1: "16-bit PCM", 6: "A-law", 7: "mu-law"}
_WAV_TAGS = {"pcm_s16le": (1, 16), "alaw": (6, 8), "mulaw": (7, 8)}


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

    def takes(self) -> str:
        """What it takes, for a message: 'mu-law mono 8000 Hz WAV (format mulaw-wav)'."""
        if not self.wav:
            return "/".join(self.suffixes or ())
        formats = " or ".join(name for spec in self.wav for name, f in OUTPUT_FORMATS.items()
                              if f.container == "wav" and _spec(f.encoding, f.rate) == spec)
        return f"{describe(self.wav)} WAV (format {formats})"


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
    # FreeSWITCH (mod_sndfile): 16-bit PCM WAV at the rate of its folder (narrate.package.platforms
    # checks each file's rate against its folder). It picks a reader by extension: no .wav16.
    "freeswitch": Platform("FreeSWITCH", wav=tuple((1, rate, 16) for rate in (8000, 16000, 32000, 48000)),
                           suffixes=(".wav",)),
    # Cisco UCCX: G.711 WAV (mu-law or A-law), 8 kHz mono; CUCM rejects spaces in file names.
    "cisco": Platform("Cisco", wav=(_MULAW, _ALAW), name_pattern=_NO_SPACES, name_rule="no spaces", suffixes=(".wav",)),
    # Twilio <Play>: picks by Content-Type (audio/wav, audio/mpeg, audio/x-gsm, audio/ulaw...) and
    # transcodes everything to 8 kHz mu-law, so any WAV plays; a .wav16 or .sln16 file is served with
    # no type it plays (error 13420).
    "twilio": Platform("Twilio", suffixes=(".wav", ".mp3", ".gsm", ".ulaw")),
    "generic": Platform("generic"),
}


def describe(specs: tuple[Spec, ...]) -> str:
    """'mu-law mono 8000 Hz', or 'mu-law or A-law mono 8000 Hz' for a platform that takes either."""
    rates = " or ".join(dict.fromkeys(f"{rate} Hz" for _, rate, _ in specs))
    tags = " or ".join(dict.fromkeys(TAG_NAMES.get(tag, f"format {tag}") for tag, _, _ in specs))
    return f"{tags} mono {rates}"


def _spec(encoding: str, rate: int) -> Spec:
    tag, bits = _WAV_TAGS.get(encoding, (0, 0))
    return tag, rate, bits


def limit_problems(platform: Platform, seconds: float, size: int) -> list[str]:
    """Why `platform` refuses a file this long (s) or this large (bytes): its documented limits."""
    out = []
    if platform.max_seconds is not None and seconds >= platform.max_seconds:
        out.append(f"{seconds:.1f} s is over {platform.label}'s {platform.max_seconds / 60:g}-minute limit")
    if platform.max_bytes is not None and size >= platform.max_bytes:
        out.append(f"{size / 1e6:.1f} MB is over {platform.label}'s {platform.max_bytes / 1e6:g} MB limit")
    return out


def name_problem(platform: Platform, name: str, stem: str) -> str | None:
    """Why `platform` refuses prompt `name` whose file is `stem`.<ext>, or None."""
    if platform.max_name is not None and len(name) > platform.max_name:
        return f"name longer than {platform.label}'s {platform.max_name} characters"
    if platform.name_pattern is not None and not platform.name_pattern.match(stem):
        return f"{platform.label} file names allow {platform.name_rule}"
    return None


def format_problem(platform: Platform, fmt: str, layout: str) -> str | None:
    """Why `platform` cannot play any file of output format `fmt` written by `layout`, or None.
    FreeSWITCH's rate folders are the layout's business (narrate.package.platforms checks each file)."""
    out = OUTPUT_FORMATS[fmt]
    suffix = ".wav" if layout == "freeswitch" else f".{out.ext}"  # its layout writes every rate as .wav
    if platform.suffixes is not None and suffix not in platform.suffixes:
        if out.container == "wav" and _spec(out.encoding, out.rate) in platform.wav:
            only = "/".join(platform.suffixes)
            return f"{platform.label} plays only {only} files; the {layout} layout writes {fmt} as {suffix}"
        return f"{platform.label} takes only {platform.takes()}, not {fmt} files"
    required = {".wav": platform.wav, ".wav16": platform.wav16}.get(suffix, ()) if out.container == "wav" else ()
    if required and _spec(out.encoding, out.rate) not in required:
        return (f"{platform.label} needs {describe(required)}, format {fmt} is "
                f"{TAG_NAMES.get(_spec(out.encoding, out.rate)[0], out.encoding)} mono {out.rate} Hz")
    return None


def platform_problems(lib: Library) -> tuple[list[str], list[tuple[PromptText, str]]]:
    """What `lib`'s platform refuses that the manifest already shows: why, per format it cannot play,
    and (prompt, why) per prompt name (its first language's file, as the names are per prompt)."""
    platform = PLATFORMS[lib.platform]
    formats = [why for fmt in lib.formats if (why := format_problem(platform, fmt, lib.layout))]
    names: list[tuple[PromptText, str]] = []
    if platform.max_name is None and platform.name_pattern is None:
        return formats, names
    seen: set[str] = set()
    for prompt in lib.prompts:
        if prompt.name in seen:
            continue
        seen.add(prompt.name)
        stem = PurePosixPath(lib.file_path(prompt.language, prompt.name, lib.formats[0])).stem
        if why := name_problem(platform, prompt.name, stem):
            names.append((prompt, why))
    return formats, names
