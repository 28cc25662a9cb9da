"""What a build was asked to do and what it did. Light on purpose: the no-op fast path imports it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache.state import BuildState
from .errors import Problem


@dataclass
class BuildOptions:
    jobs: int | None = None
    check: bool = False  # report what would change, change nothing
    offline: bool = False  # never call a provider
    max_chars: int | None = None
    shard: tuple[int, int] | None = None  # (K, N): synthesize shard K of N into the cache, write no outputs
    owners: bool = False  # fill BuildReport.owners (each prompt's and book's files), for JUnit reports


class BuildEvents:
    """Progress hooks; the CLI subclasses this to draw bars. Default: silent."""

    def start(self, phase: str, total: int, label: str = "") -> None: ...
    def advance(self, phase: str, n: int = 1) -> None: ...
    def finish(self, phase: str) -> None: ...


@dataclass
class BuildReport:
    manifest: str
    segments: int = 0
    cached: int = 0
    synthesized: int = 0
    chars_synthesized: int = 0
    outputs_written: int = 0
    outputs_unchanged: int = 0
    outputs_removed: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing_segments: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # why the build stopped early (a write failure); also in `errors`
    # Bad input found only while assembling (a retail sample with no sentence in it): located, exit 2.
    problems: list[Problem] = field(default_factory=list)
    # For per-output reports (JUnit): each prompt or book id -> its output paths (filled only when
    # BuildOptions.owners asks), and the seconds this build spent rendering it (absent when current).
    owners: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "manifest", "segments", "cached", "synthesized", "chars_synthesized", "outputs_written",
            "outputs_unchanged", "outputs_removed", "written", "removed", "missing_segments", "errors",
            "warnings", "error")}


@dataclass(frozen=True)
class WriteFailure:
    """The first write that failed in a build: it stops all spending (DESIGN.md 2.11).

    kind: "cache" (a segment store), "shared" (a shard's write-through to the shared cache: folder is
    its URL) or "output" (a rendered file, index or lock); folder: the folder named to the user;
    reason: the OS's words (strerror); space: True when the failure is
    lack of space (ENOSPC, EDQUOT, SQLite's "database or disk is full"), so a size is worth giving.
    """

    kind: str
    folder: str
    reason: str
    space: bool = False

    def message(self, done: int, not_done: int, needed_bytes: int | None, *, done_word: str = "stored",
                not_done_word: str = "not requested", unit: str = "segments", lost: int = 0) -> str:
        """One line: `cannot write the cache at /x: No space left on device (about 3.1 MB more needed);
        7 segments stored, 73 not requested`."""
        where = {"cache": f"the cache at {self.folder}", "shared": f"the shared cache {self.folder}"}.get(
            self.kind, f"the output folder {self.folder}")
        if self.kind == "shared" and done_word == "stored":
            done_word = "stored in the local cache only"
        need = f" (about {human_size(needed_bytes)} more needed)" if self.space and needed_bytes else ""
        tail = f"{done} {unit} {done_word}, {not_done} {not_done_word}"
        if lost:
            tail += f", {lost} paid but not stored"
        return f"cannot write {where}: {self.reason}{need}; {tail}"


def human_size(n: int) -> str:
    """Bytes in decimal units (1 MB = 10^6 bytes, as df -H and disk makers count): `3.1 MB`."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def noop_report(manifest_path: Path, cache_dir: Path) -> BuildReport | None:
    """The report of a build with nothing to do, found without parsing the manifest; else None."""
    state = BuildState(cache_dir, manifest_path)
    summary = state.unchanged_summary(manifest_path.resolve().parent)
    if summary is None:
        return None
    return BuildReport(str(manifest_path.resolve()), segments=summary["segments"], cached=summary["segments"],
                       outputs_unchanged=summary["outputs"], warnings=summary["warnings"])
