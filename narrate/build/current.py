"""Whether a manifest's prompt libraries are built as the manifest now says: `narrate package`
archives only outputs that are, never those of an earlier text, voice or layout."""

from __future__ import annotations

from pathlib import Path

from ..errors import NarrateError, shown
from ..manifest import Manifest


def check_libraries_current(manifest: Manifest, cache_dir: Path) -> None:
    """Raise NarrateError (exit 1) naming what a build would change in the libraries: prompts to
    render again and outputs to remove. The build's own no-op fast path answers first; else the
    manifest is planned against the lock and the files, as `narrate plan` does (nothing is written)."""
    from ..outcome import noop_report

    if noop_report(manifest.path, cache_dir) is not None:
        return
    from ..cache import SegmentCache
    from ..prepare import prepare_build

    with SegmentCache(cache_dir) as cache:
        pb = prepare_build(manifest, cache)
    for p in pb.providers.values():
        p.close()
    stale = sorted(job.id for job in pb.stale)
    gone = sorted(f for f, rec in pb.orphan_records.items() if rec.owner_kind == "library")
    if not stale and not gone:
        return
    parts = []
    if stale:
        parts.append(f"{len(stale)} prompt(s) to render again: {_some(stale)}")
    if gone:
        parts.append(f"{len(gone)} output(s) no longer in the manifest: {_some(gone)}")
    raise NarrateError(f"{manifest.path.name}: the libraries' outputs are out of date ({'; '.join(parts)}): "
                       "run `narrate build` first; nothing packaged")


def _some(names: list[str]) -> str:
    return ", ".join(shown(n) for n in names[:5]) + (" ..." if len(names) > 5 else "")
