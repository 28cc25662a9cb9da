"""A library's layout and formats as the manifest checks them: the layout (a named one or a
pattern), the formats each layout's platform plays (LAYOUT_FORMATS, with why a refused one cannot
be played), the platform a layout implies (DEFAULT_PLATFORM), and the files the layout cannot write
or the platform could never play, found before synthesis is paid. Used by `core.validate`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import model as m
from .layouts import FORMAT_RATES, path_problems, pattern_problem
from .loader import Key
from .platforms import platform_problems
from .resolved import Library

if TYPE_CHECKING:
    from .core import Checker

LAYOUT_FORMATS = {
    # Asterisk's format_wav rejects G.711-in-WAV and any WAV but 8 kHz (.wav) or 16 kHz (.wav16);
    # it reads headerless G.711, G.722, GSM and slin at 16/32/48 kHz, and .opus (format_ogg_opus).
    # Not .ogg: format_ogg_vorbis claims that extension.
    "asterisk": ("ulaw", "alaw", "wav", "wav16", "sln16", "sln32", "sln48", "g722", "gsm", "opus"),
    # FreeSWITCH (mod_sndfile) plays 16-bit PCM WAV from its 8000/16000/32000/48000 folders.
    "freeswitch": ("wav", "wav16", "wav32", "wav48"),
    "flat": tuple(FORMAT_RATES),
    "pattern": tuple(FORMAT_RATES),
}
DEFAULT_PLATFORM = {"asterisk": "asterisk", "freeswitch": "freeswitch", "flat": "generic", "pattern": "generic"}


def library_layout(c: Checker, spec: str | m.LayoutPattern | None, key: Key) -> tuple[str, str | None]:
    if not isinstance(spec, m.LayoutPattern):
        return spec or "asterisk", None
    why = pattern_problem(spec.pattern)
    if why:
        c.add((*key, "pattern"), why)
    return "pattern", spec.pattern


def check_paths(c: Checker, lib: Library, key: Key) -> None:
    """Files the layout cannot write, and what the platform could never play (before synthesis is paid)."""
    for prompt, message in path_problems(lib):
        c.add((*key, "prompts", prompt.name), message, line=prompt.line)
    formats, names = platform_problems(lib)
    for why in formats:
        c.add((*key, "formats"), f"{why} (platform: {lib.platform})")
    for prompt, why in names:
        c.add((*key, "prompts", prompt.name), f"{why} (platform: {lib.platform})", line=prompt.line)


def _layout_refuses(layout: str, fmt: str) -> str | None:
    """Why `layout`'s platform cannot play `fmt` (telephony.md), for the message."""
    if layout == "freeswitch":
        return "mod_sndfile plays 16-bit PCM WAV from its 8000/16000/32000/48000 folders"
    if layout != "asterisk":
        return None
    if fmt in ("mulaw-wav", "alaw-wav"):
        return "Asterisk's format_wav rejects G.711 in WAV: use ulaw/alaw or wav"
    if fmt.startswith("wav"):
        return "Asterisk's format_wav reads only 8 kHz .wav and 16 kHz .wav16: use sln32/sln48 for other rates"
    if fmt == "ogg":
        return "Asterisk reads .ogg as Vorbis: use opus"
    return f"{fmt.upper()} is not among Asterisk's core formats"


def library_formats(c: Checker, given: list[str], layout: str, key: Key) -> list[str]:
    formats: list[str] = []
    for f in given:
        if f not in LAYOUT_FORMATS[layout]:
            reason = f" ({why})" if (why := _layout_refuses(layout, f)) else ""
            c.add(key, f"format {f!r} is not supported by the {layout} layout{reason}; supported: "
                  + ", ".join(LAYOUT_FORMATS[layout]))
        elif f in formats:
            c.add(key, f"format {f!r} listed twice")
        else:
            formats.append(f)
    return formats
