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
from pathlib import Path
from typing import Any

from ..cache import SegmentCache
from ..errors import NarrateError, Problem, shown
from ..manifest.platforms import PLATFORMS, Platform, limit_problems
from ..outcome import BuildEvents, BuildReport
from ..plan import PromptJob
from ..prepare import PlannedBuild

# One output file as the build records it: (written, not already there; sha256 hex; bytes; seconds).
Written = tuple[bool, str, int, float]


class PromptRenderer:
    """Renders prompt jobs in the worker processes (espeak_pool), from threads that wait on them, and
    publishes their files in batches (`outbox.Outbox`). A prompt rendered ahead by `ahead.LevelAnnotator`
    (its one segment just spoken) is only written."""

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
            self.outbox = Outbox(self._publish_failed)
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

    def _publish_failed(self, exc: OSError, folder: Any) -> None:
        from ..synth import write_failure

        self.guard.fail(write_failure(exc, "output", folder))

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

    def _found(self, path: str, fmt: str, old: Any) -> bool:
        """Whether an output already holding the bytes the build would write (so not written) is one
        that narrate did not write for this manifest: a file not narrate's (ownership.foreign_files), or
        one its lock records as found. Recorded so (`"found": true`), it is never removed
        (narrate.removal): another manifest writing to this folder, or the user, put it there."""
        if path in self.pb.foreign:
            return True
        recorded = old.get("outputs") if isinstance(old, dict) else None
        rec = recorded.get(fmt) if isinstance(recorded, dict) else None
        if isinstance(rec, dict) and rec.get("file") == path:
            return rec.get("found") is True
        with self.lock:  # rare (a file its own entry does not record): `published` changes the entries under it
            if self._found_files is None:
                self._found_files = {r.file for r in self.pb.lock.recorded_outputs() if r.found}
            return path in self._found_files

    def _write_here(self, job: PromptJob, rendered: list[Any]) -> list[Written] | None:
        """Queue files rendered ahead (their bytes are here) in the outbox; None after a failure (reported)."""
        from ..package.prompt_files import holds_bytes

        root = self.pb.manifest.root
        folder = self.folders[job.library]
        clash = [out.path for out, file in zip(job.outputs, rendered, strict=False)
                 if out.path in self.pb.foreign and not holds_bytes(str(root / out.path), file.data)]
        if clash:
            self._foreign(job, clash)
            return None
        files: list[Written] = []
        for out, file in zip(job.outputs, rendered, strict=False):
            try:
                changed, _ = self.outbox.put(root / out.path, file.data, within=folder)
            except (OSError, NarrateError) as exc:
                self._refused(job, exc, (root / out.path).parent)
                return None
            files.append((changed, file.sha256 or hashlib.sha256(file.data).hexdigest(), len(file.data),
                          file.duration))
        return files

    def _write_failed(self, exc: OSError, folder: Any) -> None:
        from ..synth import write_failure

        self.guard.fail(write_failure(exc, "output", folder))

    def _refused(self, job: PromptJob, exc: OSError | NarrateError, folder: Path) -> None:
        """A file of `job` cannot be placed: a full disk or permissions (OSError) stops spending, the
        segments staying cached; an OutputPathError (a link or `..` leaving the output folder) is
        reported for this prompt."""
        if isinstance(exc, OSError):
            self._write_failed(exc, folder)
        else:
            with self.lock:
                self.report.errors.append(f"{job.id}: {exc}")

    def _foreign(self, job: PromptJob, paths: list[str]) -> None:
        """Files of `job` that narrate did not write and that hold other bytes (ownership.foreign_files):
        kept as they are, and the prompt reported; its audio stays cached for the next build."""
        from ..outcome import foreign_message

        recorded = (self.pb.lock.prompts.get(job.id) or {}).get("outputs", {})
        recs = [rec for rec in recorded.values() if isinstance(rec, dict)] if isinstance(recorded, dict) else []
        found = {rec.get("file") for rec in recs if rec.get("found") is True}
        claimed = {rec.get("file") for rec in recs if rec.get("found") is not True}
        with self.lock:
            self.report.errors.append(foreign_message(job.id, paths, found=set(paths) <= found,
                                                      recorded=set(paths) <= claimed))

    def _targets(self, job: PromptJob) -> list[Path] | None:
        """Where the job's files go, each checked to stay in its output folder (missing folders made);
        None after a failure (reported)."""
        from ..fsutil import output_path

        root = self.pb.manifest.root
        folder = self.folders[job.library]
        targets = []
        for out in job.outputs:
            try:
                targets.append(output_path(folder, root / out.path))
            except (OSError, NarrateError) as exc:  # a folder that cannot be made, or a path leaving it
                self._refused(job, exc, (root / out.path).parent)
                return None
        return targets

    def ahead_targets(self, job: PromptJob) -> tuple[str, ...] | None:
        """The job's files' paths for a worker to write them ahead (checked, folders made, as `_targets`
        does), or None if one cannot be placed now: its bytes then come back, and its own render
        reports why (a write failure has stopped the outputs, a path leaving its folder...)."""
        from ..fsutil import output_path

        if self.guard.outputs_failed:
            return None
        root, folder = self.pb.manifest.root, self.folders[job.library]
        try:
            return tuple(str(output_path(folder, root / out.path)) for out in job.outputs)
        except (OSError, NarrateError):
            return None

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

    def _publish_temps(self, job: PromptJob, files: Any) -> list[Written] | None:
        """Queue the temp files a worker wrote for `job` (a list of prompt_files.WrittenFile, or the
        WriteError that stopped them) in the outbox; None after a failure (reported, temp files removed)."""
        from ..package.prompt_files import WriteError, remove_temps

        if isinstance(files, WriteError):  # a full disk, found by the worker: stop spending
            self._write_failed(files.as_oserror(), files.folder)
            return None
        if self.guard.outputs_failed:  # another prompt's write failed meanwhile: publish nothing more
            remove_temps(files)
            return None
        clash = [out.path for out, f in zip(job.outputs, files, strict=True) if f.tmp is not None and out.path in self.pb.foreign]
        if clash:
            remove_temps(files)
            self._foreign(job, clash)
            return None
        for f in files:
            if f.tmp is not None:
                self.outbox.put_temp(Path(f.tmp), Path(f.target))
        return [(f.tmp is not None, f.sha256, f.size, f.duration) for f in files]

    def stop_message(self, failure: Any) -> str:
        """The one line for an output write failure, with the space the unwritten prompts need."""
        left = len(self.pb.stale) - self.rendered_jobs
        per_job = self.sized_bytes / self.sized_jobs if self.sized_jobs else 0
        return failure.message(self.rendered_jobs, left, int(per_job * left) or None, done_word="written",
                               not_done_word="not written", unit="prompts")


def _in_temps(files: Any) -> bool:
    """Whether a prompt rendered ahead is in temp files (WrittenFile records, or the WriteError that stopped
    them), not bytes still to write (RenderedFile)."""
    from ..package.prompt_files import WriteError, WrittenFile

    return isinstance(files, WriteError) or (bool(files) and isinstance(files[0], WrittenFile))


def _drop_ahead(ahead: tuple[Any, Any] | None) -> None:
    """Remove the temp files of a prompt rendered ahead that will not be published."""
    from ..package.prompt_files import WriteError, remove_temps

    if ahead is not None and _in_temps(ahead[0]) and not isinstance(ahead[0], WriteError):
        remove_temps(ahead[0])


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
