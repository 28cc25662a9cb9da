"""A manifest's input files: where they may be (inside the project, as regular files) and how they
are read (`read_input`, the one way narrate reads a user's input file: manifests, lexicons, chapters,
import files, covers; never more than a stated limit, and never a blocking open: a FIFO would hang
the build, `/dev/zero` would never end).

A manifest names files whose content narrate speaks, packages or publishes (chapters, order
files, covers, feed artwork, lexicons, library licenses). A manifest may come from a pull request
in CI, so it must not be able to name `/proc/self/environ` or a symlink to `~/.ssh/id_rsa` and have
it published. `outside_problem` is the one test; `resolve` applies it to every such file before
anything reads it. Provider credentials (`api_key_file`) and local engine models are not published
content and are not checked here.
"""

from __future__ import annotations

import errno
import os
import stat
import struct
from pathlib import Path
from typing import Literal

from ..errors import ManifestError, Problem
from ..errors import shown as show

# Kernel and device trees: never content, whatever the project folder is (a manifest at / has the
# whole machine as its project).
_SPECIAL = ("/proc", "/sys", "/dev")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def beside(manifest_named: str, relative: str) -> str:
    """A file given relative to the manifest's folder, as messages name it: from where narrate runs, as
    the manifest itself is named (`manifests/m.yaml` and `../casts/ep.md` give `casts/ep.md`)."""
    folder = os.path.dirname(manifest_named)
    return os.path.normpath(os.path.join(folder, relative)) if folder else relative


def project_root(manifest_folder: Path, working_folder: Path | None = None) -> Path:
    """The project folder of a manifest in `manifest_folder` (absolute): the work tree of the git
    repository holding it (nearest ancestor, itself included, with a `.git` entry: folder, or file
    for worktrees and submodules); outside git (an unpacked archive, a container image built
    without `.git`), the working folder (default: the current one) if the manifest lies inside it,
    so `manifests/` may still read `../content/`; else `manifest_folder` itself. Symlinks resolved."""
    folder = Path(os.path.realpath(manifest_folder))
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    cwd = os.path.realpath(working_folder if working_folder is not None else os.getcwd())
    return Path(cwd) if _inside(str(folder), cwd) else folder


def outside_problem(path: Path | str, project: Path) -> str | None:
    """Why the input file `path` may not be read: its real location (symlinks followed) is outside
    `project` (a real path, from `project_root`) or in /proc, /sys or /dev; or None.

    Uses realpath only: never opens the file. The caller still checks that it is a regular file.
    """
    real = os.path.realpath(path)
    if not _inside(real, str(project)):
        return f"resolves outside the project folder {show(project)}; inputs must be inside it"
    if any(_inside(real, special) for special in _SPECIAL):
        return f"resolves to {show(real)}, a special file, not a regular file"
    return None


# Size limits. A 10,000-prompt manifest in two languages is about 1 MiB and a long book chapter
# well under 1 MiB: 16 MiB leaves room for any real input and keeps a mistaken (or hostile) file
# from filling memory. Covers are images: stores ask for at most a few MiB (Apple Books/Audible
# covers are ~3,000 px JPEGs), 64 MiB is far beyond any of them.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # manifests and lexicons
MAX_TEXT_BYTES = 16 * 1024 * 1024  # chapters (Markdown), SUMMARY.md order files, import files
MAX_COVER_BYTES = 64 * 1024 * 1024

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def input_problem(path: Path, *, limit: int) -> str | None:
    """Why `path` cannot be read as an input file (missing, not regular, over `limit` bytes), or None.

    Uses stat only (follows links): never opens the file.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        return f"cannot read file: {exc.strerror}"
    return _stat_problem(st, limit)


def _stat_problem(st: os.stat_result, limit: int) -> str | None:
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        return f"is {kind}, not a regular file"
    if st.st_size > limit:
        return f"file is {st.st_size:,} bytes; the limit is {limit:,}"
    return None


def read_input(path: Path, *, limit: int, display: str | None = None, key_path: str = "",
               head: int | None = None, pinned: bool = False) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Opens with O_NONBLOCK so that a FIFO cannot block, checks the open file (not the name, which
    could change in between) and reads at most `limit` + 1 bytes, so a file that grows while being
    read is still refused. Raises ManifestError(file, key_path: reason) for a missing, unreadable,
    non-regular or oversized file. With `head`, returns at most the first `head` bytes.

    `pinned`: `path` is a real path (no symlink in it) that `outside_problem` accepted when the
    manifest was resolved, maybe minutes ago; the file opened must still be that one (`moved_problem`),
    so a chapter or cover swapped for a link to a secret during a build is refused, not published.
    """
    shown = display or str(path)

    def fail(reason: str) -> ManifestError:
        return ManifestError([Problem(show(shown), None, key_path, reason)])

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise fail("file not found") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket or a FIFO with O_NONBLOCK on some systems
            raise fail("is not a regular file") from None
        raise fail(f"cannot read file: {exc.strerror}") from None
    try:
        opened = os.fstat(fd)
        reason = _stat_problem(opened, limit) or (moved_problem(path, opened) if pinned else None)
        if reason:
            raise fail(reason)
        chunks, size = [], 0
        want = limit + 1 if head is None else head
        while size < want:
            chunk = os.read(fd, min(1 << 20, want - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise fail(f"file is over the limit of {limit:,} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)


def moved_problem(path: Path, opened: os.stat_result) -> str | None:
    """Why the open file `opened` is no longer the file at `path`, a real path when it was resolved, or
    None. Checked after opening: no symlink may be on the path now, and the file there must be the
    one opened (a link swapped in for the open and back again leaves another inode)."""
    real = os.path.realpath(path)
    if real != os.fspath(path):
        return f"changed during the build: it now resolves to {show(real)}; inputs must stay in place while narrate runs"
    try:
        now = os.stat(path)
    except OSError:
        now = None
    if now is None or (now.st_dev, now.st_ino) != (opened.st_dev, opened.st_ino):
        return "was replaced while narrate read it; inputs must stay in place while narrate runs"
    return None


_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
              (b"\xfe\xff", "UTF-16"))


def not_utf8(raw: bytes, exc: UnicodeDecodeError) -> str:
    """Why `raw` is not UTF-8, for a message: the byte, or the encoding a byte order mark names (a Windows
    editor's "Unicode" is UTF-16)."""
    wide = next((name for bom, name in _WIDE_BOMS if raw.startswith(bom)), None)
    if wide is not None:
        return f"not valid UTF-8: it is {wide} (it starts with a byte order mark); save it as UTF-8"
    return f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"


def read_text_input(path: Path, *, limit: int = MAX_TEXT_BYTES, display: str | None = None,
                    key_path: str = "", pinned: bool = False) -> str:
    """`read_input` decoded as UTF-8 (a BOM is dropped); bad bytes are a ManifestError with the line."""
    raw = read_input(path, limit=limit, display=display, key_path=key_path, pinned=pinned)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ManifestError([Problem(show(display or str(path)), line, key_path,
                                     not_utf8(raw, exc))]) from None


# ---------------------------------------------------------------- covers


def image_kind(head: bytes) -> Literal["png", "jpeg"] | None:
    """The image format `head` (a file's first bytes) starts with, by its signature: "png", "jpeg", or None.

    What a cover is, whatever its file is called: its MIME type in an MP3 (APIC), its M4B `covr`
    format and its published artwork's extension all come from here, never from its name.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8"):
        return "jpeg"
    return None


def image_problem(head: bytes) -> str | None:
    """Why `head` (a file's first bytes, 64 KiB is enough) is not a decodable PNG or JPEG, or None.

    PNG: the 8-byte signature, then an IHDR chunk of 13 bytes with a non-zero width and height, a
    valid bit depth and colour type (PNG spec, ISO/IEC 15948, section 11.2.2). JPEG: SOI (FFD8),
    then marker segments up to a start-of-frame (SOF0-SOF15 except DHT/JPG/DAC) giving non-zero
    dimensions (ITU-T T.81, annex B).
    """
    kind = image_kind(head)
    if kind == "png":
        if len(head) < 33 or head[12:16] != b"IHDR" or struct.unpack(">I", head[8:12])[0] != 13:
            return "a PNG without an IHDR header"
        width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
        ok_depths = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
        if not width or not height or depth not in ok_depths.get(colour, ()):
            return "a PNG with an invalid header (size, bit depth or colour type)"
        return None
    if kind == "jpeg":
        return _jpeg_problem(head)
    return "not a PNG or JPEG image"


def _jpeg_problem(data: bytes) -> str | None:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return "a JPEG with a broken marker structure"
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if length < 2:
            return "a JPEG with a broken marker structure"
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if pos + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return None if width and height else "a JPEG with a zero width or height"
        if marker == 0xDA:  # start of scan before any frame header
            return "a JPEG without a frame header"
        pos += 2 + length
    return "a JPEG without a frame header"


# Pillow's Image.MAX_IMAGE_PIXELS (its decompression-bomb threshold): a cover past it is refused by the
# decoders listeners' apps and stores use, and one claimed by a header alone costs them gigabytes to open.
MAX_COVER_PIXELS = 89_478_485
_IMAGE_END = {"png": b"IEND", "jpeg": b"\xff\xd9"}  # the last chunk (PNG 11.2.5); EOI (T.81 B.2.1)
_END_BYTES = 4096  # where the end marker is looked for (trailing bytes a camera adds after EOI)


def check_cover(path: Path) -> str | None:
    """Why the cover at `path` cannot be used (missing, not a regular file, too big, not PNG/JPEG, over
    MAX_COVER_PIXELS, or ending before its image data: a header alone, a truncated download), or None."""
    try:
        head = read_input(path, limit=MAX_COVER_BYTES, head=65536)
    except ManifestError as exc:
        return exc.problems[0].message
    why = image_problem(head)
    kind = image_kind(head)
    if why or kind is None:
        return why or "not a PNG or JPEG image"
    import imagesize

    try:
        width, height = imagesize.get(str(path))
        with path.open("rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - _END_BYTES))
            tail = f.read(_END_BYTES)
    except (OSError, ValueError):
        return "cannot read the image"
    if width * height > MAX_COVER_PIXELS:
        return (f"a {width}x{height} px image: over {MAX_COVER_PIXELS:,} pixels, which image decoders refuse "
                "(give a cover of a few thousand px a side: ACX asks 2400x2400, Apple at most 3000x3000)")
    if _IMAGE_END[kind] not in tail:
        return f"a {kind.upper()} that ends before its image data (truncated, or only a header)"
    return None
