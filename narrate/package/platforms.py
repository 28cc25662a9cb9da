"""Platform limits checked before packaging, from the platforms' documented rules
(narrate.manifest.platforms). Checks read the files' real headers, not the manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.riff import parse_wav
from ..errors import AudioError
from ..fsutil import read_regular
from ..manifest import Library
from ..manifest.platforms import PLATFORMS, TAG_NAMES, Spec, describe, limit_problems, name_problem


@dataclass(frozen=True)
class Violation:
    prompt: str  # <library>/<language>/<name>
    file: str
    limit: str

    def __str__(self) -> str:
        return f"{self.prompt} ({self.file}): {self.limit}"


_MAX_READ = 1 << 30


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
        out += [Violation(prompt, row["file"], why) for why in limit_problems(platform, row["duration"], size)]
        if why := name_problem(platform, row["name"], stem):
            out.append(Violation(prompt, row["file"], why))
        suffix = path.suffix
        if platform.suffixes is not None and suffix not in platform.suffixes:  # a headerless .ulaw on Connect
            out.append(Violation(prompt, row["file"], f"{platform.label} takes only {platform.takes()}, "
                                                      f"not {row['format']} files"))
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
        return [Violation(prompt, rel, f"{label} needs {describe(required)}, this is "
                                       f"{TAG_NAMES.get(info.tag, f'format {info.tag}')} "
                                       f"{'mono' if info.channels == 1 else f'{info.channels}-channel'} {info.rate} Hz")]
    return []
