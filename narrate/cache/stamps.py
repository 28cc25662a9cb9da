"""What a build's outputs depend on besides the manifest's model: the digests of its input files, the
fingerprint of a clean build (narrate's own code plus those digests), and the stamps of the installed
libraries that decide a text's reading or a local engine's audio. Used by the build state's no-op fast
path (narrate.cache.state) and the text front-end memo; imports nothing heavy, for the same reason.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

from ..fsutil import read_regular
from ..stamp import code_stamp, environment_stamp

# The largest input file a manifest accepts (a cover: manifest.inputs.MAX_COVER_BYTES); a larger one, or
# one that is no regular file (a FIFO in a chapter's place), is no input of a clean build.
MAX_INPUT_BYTES = 64 * 1024 * 1024


def _code_stamp() -> bytes:
    """narrate's own source files (narrate.stamp): editing narrate invalidates every fast path."""
    return code_stamp()


def matches(pattern: str) -> list[str]:
    """What `pattern` matches now, sorted (as the manifest's `sources:` globs are run)."""
    import glob

    return sorted(glob.glob(pattern, recursive=True))


def input_digests(inputs: Sequence[str]) -> list[bytes] | None:
    """sha256 of each input's bytes, in order; None if any input is gone."""
    digests = []
    for name in inputs:  # never blocks on a FIFO put in an input's place, nor reads a device
        data = read_regular(name, MAX_INPUT_BYTES, follow=True)
        if data is None:
            return None
        digests.append(hashlib.sha256(data).digest())
    return digests


def fingerprint(inputs: list[str], digests: Sequence[bytes] | None = None) -> str | None:
    """Hash of narrate's code and the contents of `inputs` (or their `digests`, from input_digests);
    None if any input is gone."""
    found = digests if digests is not None else input_digests(inputs)
    if found is None:
        return None
    h = hashlib.sha256(_code_stamp())
    for name, digest in zip(inputs, found, strict=True):
        h.update(name.encode() + b"\0" + digest)
    return h.hexdigest()


# Libraries whose behaviour decides what a written text is normalised and split to (num2words,
# sentencex, icu4py): an upgrade may change a text without a version bump (README, "Upgrading the
# text front-end"), so the memo is keyed by their installed files too.
FRONT_END_LIBRARIES = ("num2words", "sentencex", "icu4py")


# Local engines whose upgrade changes what a segment key's audio is (the keys carry their contract
# version, which the no-op fast path does not compute: it compares this stamp instead).
ENGINE_LIBRARIES = ("espeakng_loader", "piper", "onnxruntime")


def build_stamp() -> str:
    """sha256 hex of what a build's outputs depend on besides its input files: front_end_stamp's
    parts and the local engines' installed packages (stat only, a few ms: the no-op fast path)."""
    return environment_stamp(_code_stamp(), FRONT_END_LIBRARIES + ENGINE_LIBRARIES)


def file_signature(path: str) -> list[int] | None:
    """(size, mtime_ns, inode) of a file, or None if it is gone: for files too big to hash on every
    no-op check (a local engine's model)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def front_end_stamp() -> str:
    """sha256 hex of everything in the environment that the text front-end's output may depend on:
    narrate's own code (file names, sizes, mtimes), the Python and Unicode database versions, and
    each of FRONT_END_LIBRARIES' installed `__init__` (path, size, mtime). A few ms: no imports."""
    return environment_stamp(_code_stamp(), FRONT_END_LIBRARIES)
