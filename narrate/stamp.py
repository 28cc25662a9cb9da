"""Stamps of the code a result was computed with, for memos kept between runs.

A memo of a pure computation (the text front-end's output, a manifest's validation) stays valid
while the code that computed it is the same: narrate's own source files and the installed
libraries it calls. Reading these costs a few ms and imports nothing.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import sys
import unicodedata
from pathlib import Path


@functools.cache  # the code does not change under a running process
def code_stamp() -> bytes:
    """sha256 of narrate's own source files (name, size, mtime): editing narrate changes it."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(package)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.digest()


def environment_stamp(code: bytes, libraries: tuple[str, ...]) -> str:
    """sha256 hex of `code` (a code_stamp()), the Python and Unicode database versions, and each
    library's installed `__init__` (path, size, mtime), found without importing it: an upgrade of
    any of them changes the stamp."""
    h = hashlib.sha256(code)
    h.update(f"{sys.version}\0{unicodedata.unidata_version}\n".encode())
    for name in libraries:
        try:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
            st = os.stat(origin) if origin else None
        except (ImportError, ValueError, OSError):
            origin, st = None, None
        h.update(f"{name}\0{origin}\0{st and st.st_size}\0{st and st.st_mtime_ns}\n".encode())
    return h.hexdigest()
