"""Names that become paths, and how any user text is shown in a message.

A prompt, language folder, library or book name ends up as a path component on somebody's disk
and in somebody's terminal. These rules keep both safe: no traversal, no control or invisible
characters, NFC spelling, and lengths that every common filesystem accepts.
"""

from __future__ import annotations

import re
import unicodedata

# POSIX NAME_MAX and PATH_MAX as Linux, macOS (APFS) and ext4/XFS define them: 255 bytes per
# component, 4,096 bytes per path. A name over these passes YAML but fails after synthesis is paid.
MAX_COMPONENT_BYTES = 255
MAX_PATH_BYTES = 4096

# C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F) controls: an ESC (U+001B) or CSI (U+009B) in a
# name can rewrite the terminal of whoever reads the error.
_CONTROL = "\x00-\x1f\x7f-\x9f"
# Bidirectional embeddings/overrides (U+202A-U+202E) and isolates (U+2066-U+2069) reorder what a
# reader sees ("Trojan Source"); zero-width characters (U+200B-U+200D, U+2060, U+FEFF) make two
# different names look identical.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_INVISIBLE = "\u200b-\u200d\u2060\ufeff"
_UNSAFE_RE = re.compile(f"[{_CONTROL}{_BIDI}{_INVISIBLE}]")
_CONTROL_RE = re.compile(f"[{_CONTROL}]")
_BIDI_RE = re.compile(f"[{_BIDI}]")
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
# Names that pass every rule below at a glance (ASCII words, '/' between segments that do not
# start with '.'): most prompt names, checked with one match instead of eight.
_PLAIN_RE = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_\-][A-Za-z0-9_.\-]*)*")




def check_name(name: str) -> str | None:
    """Why `name` cannot become a relative path inside an output folder, or None if it can.

    Checks: not empty; no control (C0, C1), bidirectional-override or zero-width characters; no
    backslash, absolute path, drive letter, '.', '..' or empty segment; no segment with outer
    spaces; each segment at most MAX_COMPONENT_BYTES in UTF-8.
    """
    if len(name) <= 200 and _PLAIN_RE.fullmatch(name):
        return None
    if not name or not name.strip():
        return "empty name"
    if _CONTROL_RE.search(name):
        return "control characters are not allowed in names"
    if _BIDI_RE.search(name):
        return "bidirectional override characters are not allowed in names"
    if _UNSAFE_RE.search(name):
        return "zero-width characters are not allowed in names"
    if "\\" in name:
        return "backslashes are not allowed in names (use / for subfolders)"
    if name.startswith("/"):
        return "absolute paths are not allowed"
    if _DRIVE_RE.match(name):  # `a:b` is relative on POSIX, but on Windows it is `b` on drive A:
        return (f"{name[:2]!r} names drive {name[0].upper()}: on Windows (a colon cannot be in a file name there), "
                "so the file would be written outside the output folder")
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "names may not contain '..', '.' or empty path segments"
    if any(p != p.strip() for p in parts):
        return "path segments may not start or end with spaces"
    if len(name) > 200:
        return "name longer than 200 characters"
    long = max(len(p.encode("utf-8")) for p in parts)
    if long > MAX_COMPONENT_BYTES:
        return f"a path segment is {long} bytes in UTF-8; filesystems allow {MAX_COMPONENT_BYTES}"
    return None


MAX_VERSION_CHARS = 64


def version_problem(version: str) -> str | None:
    """Why `version` cannot end a release archive's file name (`<library>-<lang>-<format>-<version>`),
    or None: no path separator, no `..`, no control, bidirectional-override or zero-width character."""
    if _UNSAFE_RE.search(version):
        return "control, bidirectional-override and zero-width characters are not allowed in a version"
    if "/" in version or "\\" in version:
        return "a version is part of the archives' file names: no / or \\"
    if ".." in version:
        return "a version is part of the archives' file names: no '..'"
    if len(version) > MAX_VERSION_CHARS:
        return f"a version longer than {MAX_VERSION_CHARS} characters"
    return None


def nfc(name: str) -> str:
    """The NFC spelling: macOS hands out NFD names, Linux keeps bytes; one name must be one file."""
    return unicodedata.normalize("NFC", name)


def path_problem(path: str) -> str | None:
    """Why an output path (absolute, as it would be written) is too long for the filesystem, or None."""
    size = len(path.encode("utf-8", "surrogateescape"))
    if size > MAX_PATH_BYTES:
        return f"the output path would be {size:,} bytes; filesystems allow {MAX_PATH_BYTES:,}"
    long = max((len(p.encode("utf-8", "surrogateescape")) for p in path.split("/")), default=0)
    if long > MAX_COMPONENT_BYTES:
        return f"a folder name in the output path is {long} bytes; filesystems allow {MAX_COMPONENT_BYTES}"
    return None


TEMP_NAMED = "a file or folder named .narrate-... is narrate's temp file, which builds remove"


def temp_named(rel: str) -> bool:
    """A relative path with a segment named like narrate's temp files and work folders
    (fsutil.TEMP_PREFIX, `.narrate-work-`): a build removes stale ones, so an output so named
    would come and go."""
    return any(part.startswith(".narrate-") for part in rel.split("/"))
