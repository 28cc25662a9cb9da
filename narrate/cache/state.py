"""Local build state, kept in the cache folder (never committed), one file per manifest.

- A stat cache: each output's size, mtime and sha256, like git's index, so a build stats files
  instead of hashing them.
- The fingerprint of the last clean build: narrate's own code plus the bytes of every input file
  (the manifest, its lexicon, book chapters...). When the fingerprint matches and every output
  still has the size and mtime narrate left it with, the build is a no-op without even parsing
  the YAML. This module imports nothing heavy so that path stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, cast

from ..fsutil import sha256_file, write_if_changed

STATE_VERSION = 1


def default_cache_dir(manifest_path: Path) -> Path:
    """`$NARRATE_CACHE`, else `.narrate-cache/` beside the manifest."""
    env = os.environ.get("NARRATE_CACHE")
    return Path(env).expanduser() if env else manifest_path.resolve().parent / ".narrate-cache"


def _code_stamp() -> bytes:
    """narrate's own source files (name, size, mtime): editing narrate invalidates every fast path."""
    package = Path(__file__).resolve().parents[1]  # narrate/, not narrate/cache/
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(package)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.digest()


def fingerprint(inputs: list[str]) -> str | None:
    """Hash of narrate's code and the contents of `inputs`; None if any input is gone."""
    h = hashlib.sha256(_code_stamp())
    for name in inputs:
        try:
            data = Path(name).read_bytes()
        except OSError:
            return None
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


class BuildState:
    def __init__(self, cache_dir: Path, manifest_path: Path) -> None:
        digest = hashlib.sha256(str(manifest_path.resolve()).encode()).hexdigest()[:16]
        self.path = Path(cache_dir) / "state" / f"{digest}.json"
        try:
            data = json.loads(self.path.read_text())
            if data.get("v") != STATE_VERSION:
                raise ValueError
        except (OSError, ValueError, AttributeError):
            data = {}
        self.entries: dict[str, list[Any]] = data.get("files", {})
        self.last: dict[str, Any] | None = data.get("last")
        self._dirty = False

    # -- stat cache

    def sha256(self, root: Path, rel: str) -> str | None:
        """The file's sha256, from the stat cache when size and mtime match, else by hashing it."""
        path = os.path.join(root, rel)  # plain strings: this runs once per output on every build
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        known = self.entries.get(rel)
        if known and known[0] == st.st_size and known[1] == st.st_mtime_ns:
            return cast(str, known[2])
        digest = sha256_file(Path(path))
        self.entries[rel] = [st.st_size, st.st_mtime_ns, digest]
        self._dirty = True
        return digest

    def record(self, root: Path, rel: str, digest: str) -> None:
        st = os.stat(os.path.join(root, rel))
        self.entries[rel] = [st.st_size, st.st_mtime_ns, digest]
        self._dirty = True

    def forget(self, rel: str) -> None:
        if self.entries.pop(rel, None) is not None:
            self._dirty = True

    # -- last clean build

    def remember_clean_build(self, inputs: list[Path], summary: dict[str, Any]) -> None:
        names = [str(p) for p in inputs]
        fp = fingerprint(names)
        self.last = {"fingerprint": fp, "inputs": names, "summary": summary} if fp else None
        self._dirty = True

    def forget_clean_build(self) -> None:
        if self.last is not None:
            self.last = None
            self._dirty = True

    def unchanged_summary(self, root: Path) -> dict[str, Any] | None:
        """The last clean build's summary if nothing it read or wrote has changed since, else None."""
        last = self.last
        if not last or fingerprint(last["inputs"]) != last["fingerprint"]:
            return None
        stat, prefix = os.stat, f"{root}{os.sep}"
        for rel, (size, mtime, _) in self.entries.items():
            try:
                st = stat(prefix + rel)
            except OSError:
                return None
            if st.st_size != size or st.st_mtime_ns != mtime:
                return None
        return cast("dict[str, Any]", last["summary"])

    def save(self) -> None:
        if self._dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            doc = {"v": STATE_VERSION, "files": self.entries, "last": self.last}
            write_if_changed(self.path, json.dumps(doc, separators=(",", ":")).encode())
            self._dirty = False
