"""A build's book step: one book assembled from cached segments (narrate.package.assemble), its outputs
recorded in the lock and the build state, and what went wrong reported, not raised."""

from __future__ import annotations

import errno
import os
import time
from typing import TYPE_CHECKING

from ..counts import counted
from ..errors import NarrateError, Problem, shown
from ..fsutil import failed_write
from ..outcome import BuildEvents, BuildReport, foreign_message

if TYPE_CHECKING:
    from ..cache import SegmentCache
    from ..plan.books import BookJob
    from ..prepare import PlannedBuild


def assemble_book(pb: PlannedBuild, job: BookJob, cache: SegmentCache, report: BuildReport,
                  events: BuildEvents) -> None:
    """Assemble one book from the cache into its outputs, recording them in the lock and the build
    state; its problems go to `report` (a segment missing from the cache, a file narrate did not write,
    a full disk), never raised, so the other books and the lock are still done."""
    from ..audio.memory import release_freed_memory
    from ..package.assemble import build_book

    missing = [k for k in job.keys() if k not in cache]
    if missing:
        report.errors.append(f"{job.id}: {counted(len(set(missing)), 'segment')} not in the cache; book not assembled")
        return
    phase = f"book:{job.book.name}"
    events.start(phase, len(job.keys()), f"assembling {job.book.name}")
    started = time.monotonic()
    # The engine pool kept freed memory for synthesis (audio/memory.py); while a book streams beside its
    # ffmpeg children, held free heap is resident set the process tree cannot spare (issue 12: <= 100 MB).
    release_freed_memory()
    try:
        # The last build's entry: outputs still current are kept, chapters with kept encodes not re-encoded.
        previous = pb.lock.books.get(job.book.name)
        refused: list[tuple[str, int | None, str]] = []
        kept: list[str] = []
        warned: list[tuple[str, int | None, str]] = []
        entry, written = build_book(job, cache, pb.manifest.root, lambda n: events.advance(phase, n),
                                    previous=previous if isinstance(previous, dict) else None,
                                    sha256_of=pb.stats.regular_sha256, refused=refused,
                                    foreign=pb.foreign, kept_foreign=kept, warned=warned)
        report.warnings += [str(Problem(pb.manifest.named, line, f"books.{job.book.name}.sample.{key}", message))
                            for key, line, message in warned]
        if kept:
            recs = previous.get("outputs") if isinstance(previous, dict) else None
            recs = [r for r in recs.values() if isinstance(r, dict)] if isinstance(recs, dict) else []
            found = {r.get("file") for r in recs if r.get("found") is True}
            claimed = {r.get("file") for r in recs if r.get("found") is not True}
            report.errors.append(foreign_message(job.id, kept, found=set(kept) <= found, recorded=set(kept) <= claimed))
        report.problems += [Problem(pb.manifest.named, line, f"books.{job.book.name}.sample.{key}", message)
                            for key, line, message in refused]
    except NarrateError as exc:
        report.errors.append(f"{job.id}: {exc}")
        return
    except OSError as exc:  # a full disk or quota (`ulimit -f`): this book's files stay as they were
        report.errors.append(_unwritable_book(pb, job, exc))
        return
    finally:
        events.finish(phase)
    root = pb.manifest.root
    for rec in entry["outputs"].values():
        pb.stats.record(root, rec["file"], rec["sha256"])
        pb.stats.mark_found(rec["file"], rec.get("found") is True)
    pb.lock.books[job.book.name] = entry
    report.seconds[job.id] = time.monotonic() - started
    report.outputs_written += len(written)
    report.outputs_unchanged += len(entry["outputs"]) - len(written)
    report.written.extend(written)


def _unwritable_book(pb: PlannedBuild, job: BookJob, exc: OSError) -> str:
    """The error for a book whose assembly could not write (its output folder, or the cache folder
    where its encodes are kept): the OS's words and where, never a traceback."""
    reason, space = failed_write(exc)
    root = pb.manifest.root
    where = exc.filename or os.path.relpath(os.path.normpath(root / job.prefix))
    hint = ("free some space, then build again" if space else "raise the file size limit (ulimit -f), then build again"
            if exc.errno == errno.EFBIG else "build again once it can be written")
    return (f"{job.id}: cannot assemble the book: {reason} ({shown(str(where))}); the files already there were "
            f"left as they were and every segment is cached: {hint}")
