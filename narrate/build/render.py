"""Prompt rendering during a build: segments -> prompt files, in the embedded engine's worker
processes (providers.espeak_pool) from threads that wait on them, with each segment's measured
level kept in its cache entry so no render measures it twice."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..cache import SegmentCache
from ..errors import NarrateError, Problem, shown
from ..manifest.platforms import PLATFORMS, Platform, limit_problems
from ..outcome import BuildEvents, BuildReport
from ..plan import PromptJob
from ..prepare import PlannedBuild
from .placement import OutputPlacement, Written, _drop_ahead, _in_temps


class PromptRenderer(OutputPlacement):
    """Renders prompt jobs in the worker processes (espeak_pool), from threads that wait on them, and
    publishes their files in batches (`outbox.Outbox`). A prompt rendered ahead by `ahead.LevelAnnotator`
    (its one segment just spoken) is only written. Placing the files is `placement.OutputPlacement`'s."""

    def __init__(self, pb: PlannedBuild, cache: SegmentCache, report: BuildReport, events: BuildEvents,
                 guard: Any, jobs: int | None = None) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self.pb, self.cache, self.report, self.events, self.guard = pb, cache, report, events, guard
        self.folders = {lib.name: lib.output for lib in pb.manifest.libraries}
        # Libraries whose platform limits a file's length or size (Amazon Connect, Genesys): checked as
        # each prompt is written, as `narrate package` checks them, so a folder uploaded as built is too.
        self.limited = {lib.name: PLATFORMS[lib.platform] for lib in pb.manifest.libraries
                        if PLATFORMS[lib.platform].max_seconds is not None or PLATFORMS[lib.platform].max_bytes is not None}
        self.rendered_bytes = self.rendered_jobs = 0  # published
        self.sized_bytes = self.sized_jobs = 0  # rendered, published or not
        self.lock = threading.Lock()
        self.pool: ThreadPoolExecutor | None = None
        self.keeper: ThreadPoolExecutor | None = None
        self.futures: list[Future] = []
        # Audio of segments just answered, kept for the single-segment prompts that render from it
        # (key -> (audio, format, header fields, prompts still to render)); bounded by the requests'
        # backlog limit.
        self.fresh: dict[str, tuple[bytes, Any, dict[str, Any], int]] = {}
        self.fresh_users = Counter(job.segments[0] for job in pb.stale if len(job.segments) == 1)
        self.ahead: dict[str, tuple[list[Any], tuple[float, float] | None]] = {}  # job id -> files, level
        self.outbox: Any = None
        self.queued = 0  # prompts submitted and not yet rendered (synthesis keeps within reach of it)
        self._found_files: set[str] | None = None  # files the lock as read records as found (`_found`)

    def __enter__(self) -> PromptRenderer:
        from .outbox import Outbox

        if self.pb.stale:
            for library, count in Counter(job.library for job in self.pb.stale).items():  # a bar per target
                self.events.start(f"render:{library}", count, f"rendering {library}")
            self.pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="narrate-render")
            self.outbox = Outbox(self._write_failed)
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
        if exc[0] is not None:  # interrupted: publish nothing more (a failed write still publishes what is whole)
            self.outbox.discard()
        self.outbox.close()
        for job_id in list(self.ahead):  # rendered ahead, never published (a failed store, a stop): no temp stays
            _drop_ahead(self.ahead.pop(job_id, None))
        if self.keeper is not None:
            self.keeper.shutdown(wait=True)  # levels of rendered prompts: kept even after an interrupt
        for fut in self.futures:
            if not fut.cancelled() and fut.exception() is not None and exc[0] is None:
                raise fut.exception()  # type: ignore[misc]
        for library in {job.library for job in self.pb.stale}:
            self.events.finish(f"render:{library}")

    def _check_limits(self, job: PromptJob, platform: Platform, outputs: dict[str, dict[str, Any]]) -> None:
        """A warning at the prompt's line per file its platform refuses for its length or size."""
        problems = [(rec["file"], why) for rec in outputs.values()
                    for why in limit_problems(platform, rec["duration"], rec["bytes"])]
        if not problems:
            return
        man = self.pb.manifest
        lib = next(lib for lib in man.libraries if lib.name == job.library)
        line = next((p.line for p in lib.prompts if p.name == job.name and p.language == job.language), None)
        key = f"libraries.{job.library}.prompts.{job.name}.{job.language}"
        with self.lock:
            self.report.warnings += [str(Problem(man.shown or str(man.path), line, shown(key),
                                                 f"{shown(file)}: {why} (platform: {lib.platform}); "
                                                 "`narrate package` refuses it"))
                                     for file, why in problems]

    def _render(self, job: PromptJob) -> None:
        if self.guard.outputs_failed:
            if len(job.segments) == 1:
                self._take_fresh(job.segments[0])  # its audio is not needed any more
            _drop_ahead(self.ahead.pop(job.id, None))
            return
        started = time.monotonic()
        ahead = self.ahead.pop(job.id, None)
        if ahead is None:
            files = self._render_here(job)
        elif _in_temps(ahead[0]):  # written by the worker that spoke it (prompt_files.render_segment_to_temps)
            files = self._publish_temps(job, ahead[0])
        else:
            files = self._write_here(job, ahead[0])
        if files is None:
            return
        root = self.pb.manifest.root
        outputs: dict[str, dict[str, Any]] = {}
        written: list[str] = []
        old = self.pb.lock.prompts.get(job.id)  # its entry as read: `published` replaces it
        for out, (changed, digest, size, duration) in zip(job.outputs, files, strict=True):
            if changed:
                written.append(out.path)
            outputs[out.format] = {"file": out.path, "sha256": digest, "bytes": size, "duration": duration}
            if not changed and self._found(out.path, out.format, old):
                outputs[out.format]["found"] = True
        if (platform := self.limited.get(job.library)) is not None:
            self._check_limits(job, platform, outputs)
        size = sum(f[2] for f in files)
        seconds = time.monotonic() - started
        with self.lock:  # for the space estimate of a failed write (stop_message)
            self.sized_jobs += 1
            self.sized_bytes += size

        def published() -> None:  # in the outbox's thread, once the files are in place
            with self.lock:
                for out in job.outputs:
                    self.pb.stats.record(root, out.path, outputs[out.format]["sha256"])
                    self.pb.stats.mark_found(out.path, outputs[out.format].get("found") is True)
                self.report.outputs_written += len(written)
                self.rendered_jobs += 1
                self.rendered_bytes += size
                self.report.outputs_unchanged += len(job.outputs) - len(written)
                self.report.written.extend(written)
                self.report.seconds[job.id] = seconds
                self.pb.lock.prompts[job.id] = {"text": job.record, "segments": list(job.segments),
                                                "recipe": job.recipe, "outputs": outputs,
                                                **({"spoken": job.spoken} if job.spoken is not None else {})}
                self.events.advance(f"render:{job.library}")

        self.outbox.then(published)

    def keep_fresh(self, key: str, audio: bytes, fmt: Any, meta: dict[str, Any]) -> None:
        """A segment just answered and about to be stored: its single-segment prompts render from these
        bytes and this header (`levels`), the ones the cache stores, instead of reading the entry back."""
        users = self.fresh_users.get(key, 0)
        if users:
            with self.lock:
                self.fresh[key] = (audio, fmt, meta, users)

    def drop_fresh(self, key: str) -> None:
        """The segment was not stored (failed, or the store did): nothing renders from it."""
        with self.lock:
            self.fresh.pop(key, None)

    def _take_fresh(self, key: str) -> tuple[bytes, Any, dict[str, Any]] | None:
        with self.lock:
            held = self.fresh.get(key)
            if held is None:
                return None
            audio, fmt, meta, users = held
            if users > 1:
                self.fresh[key] = (audio, fmt, meta, users - 1)
            else:
                del self.fresh[key]
        return audio, fmt, meta

    def _render_here(self, job: PromptJob) -> list[Written] | None:
        """Render the job's segments in a worker, which writes its files to temp files beside their
        targets (package.prompt_files); queue them in the outbox. None after an error (reported)."""
        from ..package.prompt_files import render_to_temps
        from ..package.render import Finish, level_memo
        from ..providers.espeak_pool import WorkerError, shared_pool

        parts: list[tuple[bytes, Any]] = []
        meta: dict[str, Any] | None = None
        for key in job.segments:
            fresh = self._take_fresh(key) if len(job.segments) == 1 else None
            if fresh is not None:
                parts.append(fresh[:2])
                meta = fresh[2]
                continue
            entry = self.cache.get(key)
            if entry is None:  # corrupt entry dropped by the cache: the next build synthesizes it again
                with self.lock:
                    self.report.errors.append(f"{job.id}: segment {key[:12]} missing from the cache")
                return None
            parts.append((entry.audio, entry.format))
            meta = entry.meta if meta is None else meta
        targets = self._targets(job)
        if targets is None:
            return None
        memo = level_memo(job.settings, len(parts), job.pauses)
        stored = _stored_level(meta or {}, memo) if memo else None
        try:
            files, measured = shared_pool().call(render_to_temps, parts, Finish.of(job.settings), job.pauses,
                                                 tuple(o.format for o in job.outputs), stored,
                                                 tuple(str(t) for t in targets), os.getpid())
        except (NarrateError, WorkerError) as exc:
            with self.lock:
                self.report.errors.append(f"{job.id}: {exc}")
            return None
        written = self._publish_temps(job, files)
        if written is not None and memo and stored is None and measured is not None:  # a fresh entry, or an old one
            assert self.keeper is not None  # rewriting the entry is off the render threads
            self.keeper.submit(_keep_level, getattr(self.cache, "local", self.cache), job.segments[0], memo, measured)
        return written

    def stop_message(self, failure: Any) -> str:
        """The one line for an output write failure, with the space the unwritten prompts need."""
        left = len(self.pb.stale) - self.rendered_jobs
        per_job = self.sized_bytes / self.sized_jobs if self.sized_jobs else 0
        return failure.message(self.rendered_jobs, left, int(per_job * left) or None, done_word="written",
                               not_done_word="not written", unit="prompts")



def _keep_level(cache: Any, key: str, memo: str, measured: tuple[float, float]) -> None:
    with contextlib.suppress(Exception):  # only a saving for the next render
        cache.remember_level(key, memo, measured)


def _warm(settings: Any) -> None:
    from ..package.prompt_files import warm_up
    from ..package.render import Finish
    from ..providers.espeak_pool import shared_pool

    with contextlib.suppress(Exception):  # only a head start: the first render reports any real failure
        shared_pool().call(warm_up, Finish.of(settings))  # imports the render modules only


def _stored_level(meta: dict[str, Any], memo: str) -> tuple[float, float] | None:
    """The (active dBov, peak dBFS) a cache entry keeps under `memo`, if it is well-formed."""
    levels = meta.get("levels")
    value = levels.get(memo) if isinstance(levels, dict) else None
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, (int, float)) or v is None for v in value)):
        level, peak = (float("-inf") if v is None else float(v) for v in value)
        return level, peak
    return None
