"""What a build was asked to do and what it did. Light on purpose: the no-op fast path imports it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache.state import BuildState


@dataclass
class BuildOptions:
    jobs: int | None = None
    check: bool = False  # report what would change, change nothing
    offline: bool = False  # never call a provider
    max_chars: int | None = None


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

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "manifest", "segments", "cached", "synthesized", "chars_synthesized", "outputs_written",
            "outputs_unchanged", "outputs_removed", "written", "removed", "missing_segments", "errors",
            "warnings")}


def noop_report(manifest_path: Path, cache_dir: Path) -> BuildReport | None:
    """The report of a build with nothing to do, found without parsing the manifest; else None."""
    state = BuildState(cache_dir, manifest_path)
    summary = state.unchanged_summary(manifest_path.resolve().parent)
    if summary is None:
        return None
    return BuildReport(str(manifest_path.resolve()), segments=summary["segments"], cached=summary["segments"],
                       outputs_unchanged=summary["outputs"], warnings=summary["warnings"])
