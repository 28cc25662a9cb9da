"""Release archives for prompt libraries: what telephony teams ship as sound packs.

One archive per library, language and format, named `<library>-<lang>-<format>-<version>`,
holding the files in the library's layout (paths relative to the library's output folder, so an
Asterisk pack unpacks into sounds/ like asterisk-core-sounds does), a transcript in Asterisk's
`name: text` format, the library's index.json for that language and format, and the license
file if the manifest names one. Plus SHA256SUMS for all archives.

Reproducible: sorted entries, owner 0/0 with empty names, modes 0644/0755, every mtime set to
the epoch (`SOURCE_DATE_EPOCH`, else the manifest's `package.epoch`, else 0), gzip headers with
no name and no timestamp. The same inputs give the same bytes on any machine and any day, and an
unchanged archive is not rewritten.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..cache.lock import LockFile
from ..errors import NarrateError, PackageInputError, PlatformLimitError, UsageError, shown
from ..fsutil import write_if_changed
from ..manifest import Library, Manifest
from ..manifest.inputs import MAX_TEXT_BYTES, read_input
from ..manifest.layouts import ARCHIVE_FORMATS, EPOCH_MAX, ZIP_EPOCH_MAX, archive_members_clash
from .index import index_head
from .platforms import check_library
from .release_inputs import Member, member_bytes, read_members

ZIP_EPOCH_MIN = 315532800  # 1980-01-01: zip cannot store earlier times (earlier epochs are stored as this)


def resolve_epoch(explicit: int | None, manifest: Manifest, formats: tuple[str, ...] = ()) -> int:
    """`--epoch`, else $SOURCE_DATE_EPOCH (the reproducible-builds convention), else package.epoch, else 0.
    UsageError (exit 2, naming where it came from) for a time no archive of `formats` can hold."""
    source, value = "package.epoch", int(manifest.package.get("epoch", 0) or 0)
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if explicit is not None:
        source, value = "--epoch", explicit
    elif env:
        try:
            source, value = "SOURCE_DATE_EPOCH", int(env)
        except ValueError:
            raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {shown(repr(env))}") from None
    if not 0 <= value <= EPOCH_MAX:
        raise UsageError(f"{source} {value}: expected seconds since 1970 from 0 to {EPOCH_MAX} (year 9999)")
    if "zip" in formats and value > ZIP_EPOCH_MAX:
        raise UsageError(f"{source} {value} is after 2107-12-31, the last date a zip archive can hold "
                         "(zip dates run from 1980 to 2107): choose an earlier epoch, or tar.gz")
    return value


def packages_dir(manifest: Manifest) -> Path:
    """`package.output` relative to the manifest, else a `packages` folder beside the first library's output."""
    if manifest.package.get("output"):
        return (manifest.root / str(manifest.package["output"])).resolve()
    return manifest.libraries[0].output.parent / "packages"


def _own_folder(manifest: Manifest) -> None:
    """Refuse a release folder that is, holds or lies in an output folder (`validate` refuses an explicit
    `package.output` so; the default `packages/` beside the first library's folder is checked here)."""
    from ..manifest.resolve import overlapping

    out_dir = packages_dir(manifest)
    targets = [("libraries", lib.name, lib.output) for lib in manifest.libraries]
    targets += [("books", book.name, book.output) for book in manifest.books]
    for kind, name, folder in targets:
        if overlapping(out_dir, folder):
            raise UsageError(f"the release folder {shown(str(out_dir))} overlaps the output of {kind}.{shown(name)}; "
                             "nothing was packaged", hint="set package.output to a folder of its own")


def _entries(lib: Library, members: list[Member], language: str, fmt: str) -> list[tuple[str, bytes]]:
    """The archive's files: the audio, the transcript, index.json (its head from the manifest) and the license."""
    chosen = sorted((m for m in members if m.row["language"] == language and m.row["format"] == fmt),
                    key=lambda m: m.row["name"])
    transcript_name = f"{lib.name}-{language}.txt"
    names = [m.file for m in chosen] + [transcript_name, "index.json"] + ([lib.license.name] if lib.license else [])
    clash = archive_members_clash(names)  # validate refuses what it can see; a license behind a symlink it cannot
    if clash:
        raise PackageInputError(f"libraries.{lib.name}: the {language} {fmt} archive would hold {clash}; rename the "
                                "prompt, the language folder or the license file")
    rows = [m.row for m in chosen]
    files = [(m.file, member_bytes(lib, m)) for m in chosen]
    # Asterisk's `name: text` lines; a note goes on a `;` comment line before its prompt (sound
    # transcripts use `;` for comments, and `narrate import asterisk` skips them).
    transcript = "".join((f"; {r['name']}: note: {' '.join(r['note'].split())}\n" if r.get("note") else "")
                         + f"{r['name']}: {r['text']}\n" for r in rows).encode("utf-8")
    files.append((transcript_name, transcript))
    sub_index = {**index_head(lib), "language": language, "format": fmt, "prompts": rows}
    files.append(("index.json", (json.dumps(sub_index, indent=1, ensure_ascii=False) + "\n").encode()))
    if lib.license is not None:
        files.append((lib.license.name, read_input(lib.license, limit=MAX_TEXT_BYTES, key_path="license", pinned=True)))
    return sorted(files)


def _dirs(names: list[str]) -> list[str]:
    dirs = {"/".join(n.split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)}
    return sorted(dirs)


def tar_gz_bytes(files: list[tuple[str, bytes]], epoch: int) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in _dirs([n for n, _ in files]):
            info = _tarinfo(d + "/", epoch, tarfile.DIRTYPE, 0o755)
            tar.addfile(info)
        for name, data in files:
            info = _tarinfo(name, epoch, tarfile.REGTYPE, 0o644)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    # filename="" and mtime=0: no name and no timestamp in the gzip header.
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def _tarinfo(name: str, epoch: int, kind: bytes, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = kind, mode, epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def zip_bytes(files: list[tuple[str, bytes]], epoch: int) -> bytes:
    stamp = time.gmtime(max(epoch, ZIP_EPOCH_MIN))[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100644 & 0xFFFF) << 16
            info.create_system = 3  # Unix, whatever machine builds it
            zf.writestr(info, data, compresslevel=9)
    return out.getvalue()


def package_library(lib: Library, members: list[Member], *, out_dir: Path,
                    formats: tuple[str, ...] = ("tar.gz",), epoch: int = 0) -> tuple[list[Path], list[Path]]:
    """Write this library's archives. Returns (all archives, the ones whose bytes changed)."""
    archives, written = [], []
    for language in lib.languages:
        for fmt in lib.formats:
            if not any(m.row["language"] == language and m.row["format"] == fmt for m in members):
                continue  # no audio in this language and format
            files = _entries(lib, members, language, fmt)
            base = f"{lib.name}-{language}-{fmt}-{lib.version}"
            if "/" in base or "\\" in base:  # validate refuses such versions first
                raise PackageInputError(f"libraries.{lib.name}: {shown(repr(base))} cannot be an archive's file name")
            for kind in formats:
                data = tar_gz_bytes(files, epoch) if kind == "tar.gz" else zip_bytes(files, epoch)
                path = out_dir / f"{base}.{kind}"
                if _write(path, data, out_dir, "the archive"):
                    written.append(path)
                archives.append(path)
    return archives, written


def _write(path: Path, data: bytes, out_dir: Path, what: str) -> bool:
    """write_if_changed, an OS error (a full disk, `ulimit -f`: "File too large") naming the file."""
    try:
        return write_if_changed(path, data, within=out_dir)
    except OSError as exc:
        raise NarrateError(f"cannot write {what} {shown(path)}: {exc.strerror or exc}") from None


def write_checksums(out_dir: Path) -> Path:
    """SHA256SUMS over every archive in the packages folder: this run's and those an earlier run left
    in another format (zip, then tar.gz), so the file vouches for everything a release uploads."""
    suffixes = tuple("." + fmt for fmt in ARCHIVE_FORMATS)
    archives = [p for p in out_dir.iterdir() if p.name.endswith(suffixes) and p.is_file() and not p.is_symlink()]
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(archives, key=lambda p: p.name)]
    path = out_dir / "SHA256SUMS"
    _write(path, "".join(lines).encode(), out_dir, "the checksums")
    return path


def _reader(lib: Library, members: list[Member]) -> Callable[[dict[str, Any]], bytes]:
    """Each row's bytes, read and checked as the archive will read them (for the platform checks)."""
    by_file = {m.file: m for m in members}
    return lambda row: member_bytes(lib, by_file[row["file"]])


def package_manifest(manifest: Manifest, *, formats: tuple[str, ...] | None = None, epoch: int | None = None,
                     before_writing: Callable[[], None] | None = None) -> tuple[list[Path], list[Path]]:
    """Check every library's index.json against the lock and its files (release_inputs), then against
    its platform's limits; call `before_writing` (the CLI's check that the outputs are current); then
    write archives and SHA256SUMS. Nothing is written unless every check passes."""
    if not manifest.libraries:
        raise NarrateError("the manifest has no prompt libraries to package")
    _own_folder(manifest)
    chosen = formats or tuple(manifest.package.get("formats") or ("tar.gz",))
    unknown = [f for f in chosen if f not in ARCHIVE_FORMATS]
    if unknown:
        raise NarrateError(f"unknown archive format(s) {', '.join(unknown)}; choose from {', '.join(ARCHIVE_FORMATS)}")
    stamp = resolve_epoch(epoch, manifest, chosen)
    lock = LockFile.for_manifest(manifest.path)
    loaded = {lib.name: read_members(manifest, lib, lock) for lib in manifest.libraries}
    violations = []
    for lib in manifest.libraries:
        members = loaded[lib.name]
        violations += check_library(lib, {"prompts": [m.row for m in members]}, read=_reader(lib, members))
    if violations:
        raise PlatformLimitError("\n".join(str(v) for v in violations))
    if before_writing is not None:
        before_writing()
    out_dir = packages_dir(manifest)
    out_dir.mkdir(parents=True, exist_ok=True)  # the packages folder itself, as declared (see fsutil.output_path)
    archives, written = [], []
    for lib in manifest.libraries:
        a, w = package_library(lib, loaded[lib.name], out_dir=out_dir, formats=chosen, epoch=stamp)
        archives += a
        written += w
    write_checksums(out_dir)
    return archives, written
