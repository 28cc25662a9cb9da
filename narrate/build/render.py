"""Prompt rendering during a build: segments -> prompt files, in the embedded engine's worker
processes (providers.espeak_pool) from threads that wait on them, with each segment's measured
level kept in its cache entry so no render measures it twice."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..cache import SegmentCache
from ..errors import NarrateError
from ..fsutil import write_if_changed
from ..outcome import BuildEvents, BuildReport
from ..plan import PromptJob, Segment
from ..prepare import PlannedBuild


def level_annotator(jobs: list[PromptJob]) -> Any:
    """For synthesis: a segment's measured level(s), kept in its cache entry as it is stored, for the
    single-segment prompts that will render it (so neither this render nor a later one measures)."""
    from ..cache.entry import level_record
    from ..package.render import level_memo, measure_segment
    from ..providers.espeak_pool import shared_pool

    wanted: dict[str, dict[str, Any]] = {}
    for job in jobs:
        memo = level_memo(job.settings, len(job.segments), job.pauses)
        if memo is not None:
            wanted.setdefault(job.segments[0], {}).setdefault(memo, job.settings)

    def annotate(segment: Segment, result: Any) -> dict[str, Any]:
        levels = {}
        for memo, settings in wanted.get(segment.key, {}).items():
            try:
                levels[memo] = level_record(shared_pool().call(measure_segment, result.audio, result.format, settings))
            except Exception:  # a level is only a saving: the render measures it instead
                continue
        return {"levels": levels} if levels else {}

    return annotate


class PromptRenderer:
    """Renders prompt jobs in the worker processes (espeak_pool), from threads that wait on them."""

    def __init__(self, pb: PlannedBuild, cache: SegmentCache, report: BuildReport, events: BuildEvents,
                 guard: Any, jobs: int | None = None) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self.pb, self.cache, self.report, self.events, self.guard = pb, cache, report, events, guard
        self.folders = {lib.name: lib.output for lib in pb.manifest.libraries}
        self.rendered_bytes = self.rendered_jobs = 0
        self.lock = threading.Lock()
        self.pool: ThreadPoolExecutor | None = None
        self.keeper: ThreadPoolExecutor | None = None
        self.futures: list[Future] = []
        self.queued = 0  # prompts submitted and not yet rendered (synthesis keeps within reach of it)

    def __enter__(self) -> PromptRenderer:
        if self.pb.stale:
            for library, count in Counter(job.library for job in self.pb.stale).items():  # a bar per target
                self.events.start(f"render:{library}", count, f"rendering {library}")
            self.pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="narrate-render")
            # Levels measured by renders are kept from a thread of their own: rewriting an entry is off
            # the render threads, which keep the workers busy.
            self.keeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="narrate-levels")
        return self

    def warm(self) -> None:
        """Start the worker processes now, while the first requests are out, rather than at the first
        prompt: each imports what a render needs (unpickling a prompt's settings) on a core of its own."""
        if self.pool is not None:
            self.futures += [self.pool.submit(_warm, self.pb.stale[0].settings) for _ in range(self.jobs)]

    def submit(self, job: PromptJob) -> None:
        assert self.pool is not None
        with self.lock:
            self.queued += 1
        self.futures.append(self.pool.submit(self._render_counted, job))

    def backlog(self) -> int:
        """Prompts submitted whose render has not ended yet."""
        return self.queued

    def _render_counted(self, job: PromptJob) -> None:
        try:
            self._render(job)
        finally:
            with self.lock:
                self.queued -= 1

    def __exit__(self, *exc: object) -> None:
        if self.pool is None:
            return
        self.pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
        if self.keeper is not None:
            self.keeper.shutdown(wait=True)  # levels of rendered prompts: kept even after an interrupt
        for fut in self.futures:
            if not fut.cancelled() and fut.exception() is not None and exc[0] is None:
                raise fut.exception()  # type: ignore[misc]
        for library in {job.library for job in self.pb.stale}:
            self.events.finish(f"render:{library}")

    def _render(self, job: PromptJob) -> None:
        from ..package.render import level_memo, render_prompt
        from ..providers.espeak_pool import WorkerError, shared_pool

        if self.guard.outputs_failed:
            return
        started = time.monotonic()
        root = self.pb.manifest.root
        folder = self.folders[job.library]
        parts, entries = [], []
        for key in job.segments:
            entry = self.cache.get(key)
            if entry is None:  # corrupt entry dropped by the cache: the next build synthesizes it again
                with self.lock:
                    self.report.errors.append(f"{job.id}: segment {key[:12]} missing from the cache")
                return
            parts.append((entry.audio, entry.format))
            entries.append(entry)
        memo = level_memo(job.settings, len(parts), job.pauses)
        stored = _stored_level(entries[0].meta, memo) if memo else None
        try:
            rendered, measured = shared_pool().call(render_prompt, parts, job.settings, job.pauses,
                                                    tuple(o.format for o in job.outputs), stored)
        except (NarrateError, WorkerError) as exc:
            with self.lock:
                self.report.errors.append(f"{job.id}: {exc}")
            return
        if memo and stored is None and measured is not None:  # an entry from before levels were kept
            assert self.keeper is not None
            self.keeper.submit(_keep_level, getattr(self.cache, "local", self.cache), job.segments[0], memo, measured)
        outputs, written, digests = {}, [], {}
        for out, file in zip(job.outputs, rendered, strict=False):
            digest = hashlib.sha256(file.data).hexdigest()
            try:
                changed = write_if_changed(root / out.path, file.data, within=folder)
            except OSError as exc:  # full disk, permissions: stop spending; the segments stay cached
                from ..synth import write_failure

                self.guard.fail(write_failure(exc, "output", (root / out.path).parent))
                return
            except NarrateError as exc:  # OutputPathError: a link or `..` would leave the output folder
                with self.lock:
                    self.report.errors.append(f"{job.id}: {exc}")
                return
            if changed:
                written.append(out.path)
            outputs[out.format] = {"file": out.path, "sha256": digest, "bytes": len(file.data),
                                   "duration": file.duration}
            digests[out.format] = digest
        with self.lock:
            for out in job.outputs:
                self.pb.stats.record(root, out.path, digests[out.format])
            self.report.outputs_written += len(written)
            self.rendered_jobs += 1
            self.rendered_bytes += sum(len(file.data) for file in rendered)
            self.report.outputs_unchanged += len(job.outputs) - len(written)
            self.report.written.extend(written)
            self.report.seconds[job.id] = time.monotonic() - started
            self.pb.lock.prompts[job.id] = {"text": job.record, "segments": list(job.segments),
                                            "recipe": job.recipe, "outputs": outputs,
                                            **({"spoken": job.spoken} if job.spoken is not None else {})}
            self.events.advance(f"render:{job.library}")

    def stop_message(self, failure: Any) -> str:
        """The one line for an output write failure, with the space the unwritten prompts need."""
        left = len(self.pb.stale) - self.rendered_jobs
        per_job = self.rendered_bytes / self.rendered_jobs if self.rendered_jobs else 0
        return failure.message(self.rendered_jobs, left, int(per_job * left) or None, done_word="written",
                               not_done_word="not written", unit="prompts")


def _keep_level(cache: Any, key: str, memo: str, measured: tuple[float, float]) -> None:
    with contextlib.suppress(Exception):  # only a saving for the next render
        cache.remember_level(key, memo, measured)


def _warm(settings: Any) -> None:
    from ..package.render import level_memo
    from ..providers.espeak_pool import shared_pool

    with contextlib.suppress(Exception):  # only a head start: the first render reports any real failure
        shared_pool().call(level_memo, settings, 1, (0,))


def _stored_level(meta: dict[str, Any], memo: str) -> tuple[float, float] | None:
    """The (active dBov, peak dBFS) a cache entry keeps under `memo`, if it is well-formed."""
    levels = meta.get("levels")
    value = levels.get(memo) if isinstance(levels, dict) else None
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, (int, float)) or v is None for v in value)):
        level, peak = (float("-inf") if v is None else float(v) for v in value)
        return level, peak
    return None
