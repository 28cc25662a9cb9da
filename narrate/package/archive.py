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
from pathlib import Path
from typing import Any

from ..errors import NarrateError, PlatformLimitError
from ..fsutil import write_if_changed
from ..manifest import Library, Manifest
from ..manifest.inputs import MAX_TEXT_BYTES, read_input
from .platforms import check_library

ARCHIVE_FORMATS = ("tar.gz", "zip")
ZIP_EPOCH_MIN = 315532800  # 1980-01-01: zip cannot store earlier times


def resolve_epoch(explicit: int | None, manifest: Manifest) -> int:
    """`--epoch`, else $SOURCE_DATE_EPOCH (the reproducible-builds convention), else package.epoch, else 0."""
    if explicit is not None:
        return explicit
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        try:
            return int(env)
        except ValueError:
            raise NarrateError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {env!r}") from None
    return int(manifest.package.get("epoch", 0) or 0)


def packages_dir(manifest: Manifest) -> Path:
    """`package.output` relative to the manifest, else a `packages` folder beside the first library's output."""
    if manifest.package.get("output"):
        return (manifest.root / str(manifest.package["output"])).resolve()
    return manifest.libraries[0].output.parent / "packages"


def load_index(lib: Library) -> dict[str, Any]:
    path = lib.output / "index.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NarrateError(f"library {lib.name!r} has no {path}: run `narrate build` first") from None


def _entries(lib: Library, index: dict[str, Any], language: str, fmt: str) -> list[tuple[str, bytes]]:
    rows = sorted((r for r in index["prompts"] if r["language"] == language and r["format"] == fmt),
                  key=lambda r: r["name"])
    files = []
    for row in rows:
        data = (lib.output / row["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != row["sha256"]:
            raise NarrateError(f"{lib.output / row['file']} changed since the build: run `narrate build` again")
        files.append((row["file"], data))
    tag = language
    # Asterisk's `name: text` lines; a note goes on a `;` comment line before its prompt (sound
    # transcripts use `;` for comments, and `narrate import asterisk` skips them).
    transcript = "".join((f"; {r['name']}: note: {' '.join(r['note'].split())}\n" if r.get("note") else "")
                         + f"{r['name']}: {r['text']}\n" for r in rows).encode("utf-8")
    files.append((f"{lib.name}-{tag}.txt", transcript))
    sub_index = {**{k: v for k, v in index.items() if k != "prompts"}, "language": language, "format": fmt,
                 "prompts": rows}
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


def package_library(lib: Library, index: dict[str, Any], *, out_dir: Path,
                    formats: tuple[str, ...] = ("tar.gz",), epoch: int = 0) -> tuple[list[Path], list[Path]]:
    """Write this library's archives. Returns (all archives, the ones whose bytes changed)."""
    archives, written = [], []
    for language in lib.languages:
        for fmt in lib.formats:
            files = _entries(lib, index, language, fmt)
            if len(files) <= 2 + (lib.license is not None):  # no audio in this language and format
                continue
            base = f"{lib.name}-{language}-{fmt}-{lib.version}"
            for kind in formats:
                data = tar_gz_bytes(files, epoch) if kind == "tar.gz" else zip_bytes(files, epoch)
                path = out_dir / f"{base}.{kind}"
                if write_if_changed(path, data, within=out_dir):
                    written.append(path)
                archives.append(path)
    return archives, written


def write_checksums(out_dir: Path) -> Path:
    """SHA256SUMS over every archive in the packages folder: this run's and those an earlier run left
    in another format (zip, then tar.gz), so the file vouches for everything a release uploads."""
    suffixes = tuple("." + fmt for fmt in ARCHIVE_FORMATS)
    archives = [p for p in out_dir.iterdir() if p.name.endswith(suffixes) and p.is_file() and not p.is_symlink()]
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(archives, key=lambda p: p.name)]
    path = out_dir / "SHA256SUMS"
    write_if_changed(path, "".join(lines).encode(), within=out_dir)
    return path


def package_manifest(manifest: Manifest, *, formats: tuple[str, ...] | None = None,
                     epoch: int | None = None) -> tuple[list[Path], list[Path]]:
    """Check every library against its platform's limits, then write archives and SHA256SUMS."""
    if not manifest.libraries:
        raise NarrateError("the manifest has no prompt libraries to package")
    chosen = formats or tuple(manifest.package.get("formats") or ("tar.gz",))
    unknown = [f for f in chosen if f not in ARCHIVE_FORMATS]
    if unknown:
        raise NarrateError(f"unknown archive format(s) {', '.join(unknown)}; choose from {', '.join(ARCHIVE_FORMATS)}")
    stamp = resolve_epoch(epoch, manifest)
    indexes = {lib.name: load_index(lib) for lib in manifest.libraries}
    violations = [v for lib in manifest.libraries for v in check_library(lib, indexes[lib.name])]
    if violations:
        raise PlatformLimitError("\n".join(str(v) for v in violations))
    out_dir = packages_dir(manifest)
    out_dir.mkdir(parents=True, exist_ok=True)  # the packages folder itself, as declared (see fsutil.output_path)
    archives, written = [], []
    for lib in manifest.libraries:
        a, w = package_library(lib, indexes[lib.name], out_dir=out_dir, formats=chosen, epoch=stamp)
        archives += a
        written += w
    write_checksums(out_dir)
    return archives, written
