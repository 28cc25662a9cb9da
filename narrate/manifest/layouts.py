"""Where each prompt's file goes, per telephony platform layout. Pure: names in, relative paths out.

Part of the manifest package because validation needs it (an output path over 4,096 bytes is
refused before anything is paid) as much as planning does; the packagers only write to these paths.
"""

from __future__ import annotations

from posixpath import join as pjoin

from ..audio.formats import OUTPUT_FORMATS

FORMAT_EXTENSIONS = {name: f.ext for name, f in OUTPUT_FORMATS.items()}
FORMAT_RATES = {name: f.rate for name, f in OUTPUT_FORMATS.items()}


def prompt_path(layout: str, language_path: str, name: str, fmt: str) -> str:
    """The file's path relative to the library's output directory (POSIX separators)."""
    ext = FORMAT_EXTENSIONS[fmt]
    if layout == "asterisk":
        # Asterisk: sounds/<lang>/<name>.<ext>; playback names omit the extension.
        return f"{language_path}/{name}.{ext}"
    if layout == "freeswitch":
        # mod_sndfile inserts "<rate>/" before the file name: ivr/ivr-welcome.wav -> ivr/8000/ivr-welcome.wav.
        folder, _, base = name.rpartition("/")
        rate = str(FORMAT_RATES[fmt])
        return pjoin(language_path, folder, rate, f"{base}.wav") if folder else pjoin(language_path, rate, f"{base}.wav")
    if layout == "flat":
        # One folder per format and language, no subfolders: contact-centre uploads take flat lists.
        return f"{fmt}/{language_path}/{name.replace('/', '_')}.{ext}"
    raise ValueError(f"unknown layout {layout!r}")
