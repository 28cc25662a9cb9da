"""One build: plan -> cache lookup -> synthesize the misses -> render -> lock.

The caller passes the cache and receives a BuildReport; progress goes out through BuildEvents.
Nothing here prints.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .cache import SegmentCache
from .errors import ManifestError, NarrateError, Problem, UsageError
from .fsutil import sha256_file, write_if_changed
from .cache.lock import LockFile, RecordedOutput
from .manifest import Library, Manifest
from .plan import Plan, PromptJob, Segment, manifest_relative, plan_manifest
from .providers.base import Provider, ProviderConfig
from .removal import plan_removals, remove_outputs, remove_stale_temps_of
from .outcome import BuildEvents, BuildOptions, BuildReport
from .cache.state import BuildState

if TYPE_CHECKING:
    from .plan.books import BookJob

PUBLISH_WAIT_S = 3600.0  # longest a build waits for another build writing the same folder's outputs


def load_lexicon(manifest: Manifest):
    if manifest.lexicon is None:
        return None
    from .text import Lexicon

    return Lexicon.from_mapping(manifest.lexicon, source=manifest.lexicon_source or str(manifest.path))


def make_providers(manifest: Manifest, transport: Any = None) -> tuple[dict[str, Provider], dict[str, ProviderConfig]]:
    from .providers.registry import create_provider

    names = {p.settings.provider for lib in manifest.libraries for p in lib.prompts}
    names |= {b.settings.provider for b in manifest.books}
    configs = {name: manifest.provider_config(name) for name in names}
    return {name: create_provider(cfg, transport=transport) for name, cfg in configs.items()}, configs


def check_voices(manifest: Manifest, providers: Mapping[str, Provider]) -> None:
    """Every (provider, voice, language) used must be one the provider accepts; report each once, located."""
    seen: set[tuple[str, str, str]] = set()
    problems: list[Problem] = []
    for lib in manifest.libraries:
        for p in lib.prompts:
            voice = p.settings.voice or p.language.lower()
            combo = (p.settings.provider, voice, p.language)
            if combo in seen:
                continue
            seen.add(combo)
            reason = providers[p.settings.provider].check_voice(voice, p.language)
            if reason:
                problems.append(Problem(str(manifest.path), p.line,
                                        f"libraries.{lib.name}.prompts.{p.name}.{p.language}",
                                        f"voice {voice!r} for {p.settings.provider}: {reason}"))
    for book in manifest.books:
        voice = book.settings.voice or book.language.lower()
        reason = providers[book.settings.provider].check_voice(voice, book.language)
        if reason:
            problems.append(Problem(str(manifest.path), None, f"books.{book.name}.voice",
                                    f"voice {voice!r} for {book.settings.provider}: {reason}"))
    if problems:
        raise ManifestError(problems)


def is_current(job: PromptJob, lock: LockFile, stats: BuildState, root: Path) -> bool:
    entry = lock.prompts.get(job.id)
    if not entry or entry.get("recipe") != job.recipe or entry.get("text") != job.record:
        return False
    outs = entry.get("outputs", {})
    if len(outs) != len(job.outputs):  # a format added or dropped: the entry must be rewritten
        return False
    for out in job.outputs:
        rec = outs.get(out.format)
        if not rec or rec["file"] != out.path or not _regular(root, out.path) \
                or stats.sha256(root, out.path) != rec["sha256"]:
            return False
    return True


def _regular(root: Path, rel: str) -> bool:
    """A regular file, not a link (which may lead out of the folder, or to a FIFO that never ends)."""
    try:
        return stat.S_ISREG(os.lstat(os.path.join(root, rel)).st_mode)
    except OSError:
        return False


@dataclass
class PlannedBuild:
    """What a build would do, computed without synthesizing or writing anything."""

    manifest: Manifest
    plan: Plan
    lock: LockFile
    stats: BuildState
    stale: list[PromptJob]
    missing: list[Segment]
    orphans: list[str]  # lock-recorded files this build deletes (checked by removal.check_removable)
    providers: dict[str, Provider]
    configs: dict[str, ProviderConfig]
    books: list[BookJob] = field(default_factory=list)
    stale_books: list[BookJob] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)  # one warning per lock-named file not deleted
    removal_warnings: list[str] = field(default_factory=list)  # the same, found right before deleting
    orphan_records: dict[str, RecordedOutput] = field(default_factory=dict)  # as the lock was read
    _users: dict[str, list[str]] | None = None

    def users_of(self, key: str) -> list[str]:
        """Ids of the prompts that speak this segment (built on first use: error paths only)."""
        if self._users is None:
            self._users = {}
            for job in self.plan.jobs:
                for k in job.segments:
                    self._users.setdefault(k, []).append(job.id)
            for book in self.books:
                for chapter in book.chapters:
                    for k, _ in chapter.units:
                        self._users.setdefault(k, []).append(f"{book.id}/{chapter.source.name}")
        return self._users.get(key, [])


def prepare_build(manifest: Manifest, cache: SegmentCache, *, transport: Any = None) -> PlannedBuild:
    providers, configs = make_providers(manifest, transport)
    lexicon = load_lexicon(manifest)
    plan = plan_manifest(manifest, providers, lexicon)
    books = []
    if manifest.books:
        from .plan.books import plan_books

        books = plan_books(manifest, providers, lexicon)
        for job in books:
            for key, seg in job.segments.items():
                plan.segments.setdefault(key, seg)
    lock = LockFile.for_manifest(manifest.path)
    stats = BuildState(cache.directory, manifest.path)
    root = manifest.root
    stale = [job for job in plan.jobs if not is_current(job, lock, stats, root)]
    stale_books = [job for job in books if not book_is_current(job, lock, stats, root)]
    needed = sorted({k for job in stale for k in job.segments} | {k for job in stale_books for k in job.keys()})
    absent = cache.missing(needed) if needed else set()
    missing = [plan.segments[k] for k in needed if k in absent]
    planned_files = {out.path for job in plan.jobs for out in job.outputs}
    planned_files |= {rel for job in books for rel in job.outputs.values()}
    orphans, left_alone = plan_removals(manifest, lock, planned_files)
    return PlannedBuild(manifest, plan, lock, stats, stale, missing, sorted(orphans), providers, configs, books,
                        stale_books, left_alone, orphan_records=orphans)


def book_is_current(job: "BookJob", lock: LockFile, stats: BuildState, root: Path) -> bool:
    entry = lock.books.get(job.book.name)
    if not entry or entry.get("recipe") != job.recipe or set(entry.get("outputs", {})) != set(job.outputs) \
            or "sources" not in entry:
        return False
    return all(rec["file"] == job.outputs[oid] and _regular(root, rec["file"])
               and stats.sha256(root, rec["file"]) == rec["sha256"] for oid, rec in entry["outputs"].items())


def build(manifest: Manifest, cache: SegmentCache, options: BuildOptions | None = None,
          events: BuildEvents | None = None, *, transport: Any = None) -> BuildReport:
    from .cache.lease import PublishLock

    # Builds of manifests in one folder render and write their lock one at a time (narrate.lease).
    with PublishLock(manifest.path.parent) as publish:
        return _build(manifest, cache, options, events, transport=transport, publish=publish)


def _build(manifest: Manifest, cache: SegmentCache, options: BuildOptions | None, events: BuildEvents | None,
           *, transport: Any, publish: Any) -> BuildReport:
    from .synth import SpendGuard

    options = options or BuildOptions()
    events = events or BuildEvents()
    pb = prepare_build(manifest, cache, transport=transport)
    report = BuildReport(str(manifest.path), segments=len(pb.plan.segments))
    report.warnings = [str(w) for w in manifest.warnings] + pb.left_alone
    report.cached = report.segments - len(pb.missing)
    report.missing_segments = [_describe(pb, s) for s in pb.missing]
    chars_needed = sum(len(s.request.text) for s in pb.missing)
    budget = options.max_chars if options.max_chars is not None else manifest.max_chars
    if pb.missing and budget is not None and chars_needed > budget:
        raise UsageError(f"the build needs {chars_needed:,} characters of synthesis, over the budget of "
                         f"{budget:,}; nothing was synthesized", hint="raise --max-chars or budget.max_chars")
    if options.check:
        report.written = sorted([o.path for j in pb.stale for o in j.outputs] +
                                [rel for j in pb.stale_books for rel in j.outputs.values()])
        report.removed = pb.orphans
        return report
    if pb.missing and options.offline:
        report.errors = [f"not in the cache (offline): {d}" for d in report.missing_segments]
        return report
    remove_stale_temps_of(manifest)
    stale_ids = {j.id for j in pb.stale}
    report.outputs_unchanged += sum(len(j.outputs) for j in pb.plan.jobs if j.id not in stale_ids)
    if pb.missing:
        check_voices(manifest, pb.providers)
    guard = SpendGuard()  # the first failed write (cache or output) stops all spending
    # Render while synthesizing if no other build is publishing here; else synthesize first (sharing
    # segments through leases), then wait for the folder and render.
    overlap = publish.try_acquire()
    _check_writable(pb, guard)
    with _Renderer(pb, cache, report, events, guard) as renderer:
        # Render each prompt the moment its last segment arrives: rendering (numpy, file writes) then
        # overlaps synthesis instead of waiting for all of it.
        missing_keys = {s.key for s in pb.missing}
        waiting: dict[str, list[PromptJob]] = {}
        remaining: dict[str, int] = {}
        for job in pb.stale:
            needs = {k for k in job.segments if k in missing_keys}
            if not needs and overlap:
                renderer.submit(job)
            remaining[job.id] = len(needs)
            for key in needs:
                waiting.setdefault(key, []).append(job)

        def segment_done(segment: Segment, ok: bool) -> None:
            events.advance("synthesize")
            for job in waiting.pop(segment.key, []) if ok else ():
                remaining[job.id] -= 1
                if remaining[job.id] == 0 and overlap:
                    renderer.submit(job)

        if pb.missing:
            from .synth import synthesize_missing

            events.start("synthesize", len(pb.missing), "synthesizing")
            outcome = synthesize_missing(pb.missing, pb.providers, pb.configs, cache, jobs=options.jobs,
                                         on_done=segment_done, guard=guard)
            events.finish("synthesize")
            report.synthesized = outcome.synthesized
            report.cached += outcome.shared
            if outcome.stop is not None and outcome.stop.kind == "cache":
                report.error = outcome.stop_message()
            report.chars_synthesized = outcome.chars
            for f in outcome.failures:
                status = f" status {f.status}" if f.status else ""
                rid = f" request {f.request_id}" if f.request_id else ""
                report.errors.append(f"{_describe(pb, f.segment)}: {f.provider}{status}{rid}: {f.message}")
        if not overlap:
            publish.acquire(PUBLISH_WAIT_S)
            published = LockFile.for_manifest(manifest.path)  # what the build that held the folder wrote
            for job in pb.stale:
                if remaining[job.id] or guard.outputs_failed:
                    continue
                if is_current(job, published, pb.stats, manifest.root):  # rendered meanwhile: keep it
                    pb.lock.prompts[job.id] = published.prompts[job.id]
                    report.outputs_unchanged += len(job.outputs)
                else:
                    renderer.submit(job)
    publish.acquire(PUBLISH_WAIT_S)
    if guard.failure is not None and report.error is None:  # an output write failed
        report.error = renderer.stop_message(guard.failure)
    if report.error:
        report.errors.insert(0, report.error)
    report.outputs_unchanged += sum(len(j.outputs) for j in pb.books if j not in pb.stale_books)
    for book_job in pb.stale_books if not guard.stopped else []:  # stopped: the line above says why
        _build_book(pb, book_job, cache, report, events)
    report.written.sort()
    removed, pb.removal_warnings = remove_outputs(pb.manifest, pb.lock.path, [pb.orphan_records[f] for f in pb.orphans])
    for rel in pb.orphans:
        pb.stats.forget(rel)
    report.outputs_removed += len(removed)
    report.removed += removed
    report.warnings += pb.removal_warnings
    live = {j.id for j in pb.plan.jobs}
    gone = [job_id for job_id in pb.lock.prompts if job_id not in live]
    for job_id in gone:
        del pb.lock.prompts[job_id]
    live_books = {job.book.name for job in pb.books}
    gone_books = [name for name in pb.lock.books if name not in live_books]
    for name in gone_books:
        del pb.lock.books[name]
    gone += gone_books
    # A no-op build (nothing rendered, nothing removed) leaves index and lock as they are, unread.
    missing_index = any(not (lib.output / "index.json").exists() for lib in manifest.libraries)
    if pb.stale or pb.stale_books or pb.orphans or gone or missing_index or not pb.lock.path.exists():
        for lib in manifest.libraries:
            try:
                _write_index(pb, lib)
            except OSError as exc:
                if not guard.stopped:  # else the stop message already names the folder
                    report.errors.append(f"libraries.{lib.name}: cannot write index.json: {exc.strerror or exc}")
            except NarrateError as exc:  # OutputPathError
                report.errors.append(f"libraries.{lib.name}: {exc}")
        try:
            pb.lock.save()
        except OSError as exc:
            report.errors.append(f"cannot write the lock {pb.lock.path}: {exc.strerror or exc}")
    if manifest.package.get("on_build") and manifest.libraries and not report.errors:
        _package(pb)
    report.warnings += getattr(cache, "warnings", [])
    if report.errors:
        pb.stats.forget_clean_build()
    else:
        _remember_clean_build(pb, report)
    try:
        pb.stats.save()
    except OSError:  # a full or read-only cache folder: the stat cache is only a speed-up
        pass
    for p in pb.providers.values():
        p.close()
    return report


def _build_book(pb: PlannedBuild, job: "BookJob", cache: SegmentCache, report: BuildReport,
                events: BuildEvents) -> None:
    from .package.assemble import build_book

    missing = [k for k in job.keys() if k not in cache]
    if missing:
        report.errors.append(f"{job.id}: {len(set(missing))} segment(s) failed to synthesize; book not assembled")
        return
    phase = f"book:{job.book.name}"
    events.start(phase, len(job.keys()), f"assembling {job.book.name}")
    try:
        entry, written = build_book(job, cache, pb.manifest.root, lambda n: events.advance(phase, n))
    except NarrateError as exc:
        report.errors.append(f"{job.id}: {exc}")
        return
    finally:
        events.finish(phase)
    root = pb.manifest.root
    for rec in entry["outputs"].values():
        pb.stats.record(root, rec["file"], rec["sha256"])
    pb.lock.books[job.book.name] = entry
    report.outputs_written += len(written)
    report.outputs_unchanged += len(entry["outputs"]) - len(written)
    report.written.extend(written)


def _package(pb: PlannedBuild) -> None:
    """`package: {on_build: true}`: archives are outputs too, so the fast path watches them."""
    from .package.archive import package_manifest, packages_dir

    archives, _ = package_manifest(pb.manifest)
    root = pb.manifest.root
    for path in [*archives, packages_dir(pb.manifest) / "SHA256SUMS"]:
        pb.stats.record(root, os.path.relpath(path, root), sha256_file(path))


def _remember_clean_build(pb: PlannedBuild, report: BuildReport) -> None:
    """Record the lock and index files too, so that touching them also disables the fast path."""
    root = pb.manifest.root
    own = [os.path.relpath(pb.lock.path, root)]
    own += [os.path.relpath(lib.output / "index.json", root) for lib in pb.manifest.libraries]
    for rel in own:
        pb.stats.record(root, rel, sha256_file(root / rel))
    once = set(pb.left_alone) | set(pb.removal_warnings)  # about lock entries now gone: not for the no-op replay
    summary = {"segments": report.segments, "outputs": report.outputs_written + report.outputs_unchanged,
               "warnings": [w for w in report.warnings if w not in once]}
    pb.stats.remember_clean_build(pb.manifest.input_files(), summary)


def _describe(pb: PlannedBuild, segment: Segment) -> str:
    users = pb.users_of(segment.key)
    where = users[0] + (f" (+{len(users) - 1} more)" if len(users) > 1 else "") if users else "?"
    return f"{where} [{segment.provider}, {len(segment.request.text)} chars, {segment.key[:12]}]"


class _Renderer:
    """Renders prompt jobs on a small thread pool (numpy and file I/O release the GIL)."""

    def __init__(self, pb: PlannedBuild, cache: SegmentCache, report: BuildReport, events: BuildEvents,
                 guard: Any) -> None:
        self.pb, self.cache, self.report, self.events, self.guard = pb, cache, report, events, guard
        self.folders = {lib.name: lib.output for lib in pb.manifest.libraries}
        self.rendered_bytes = self.rendered_jobs = 0
        self.lock = threading.Lock()
        self.pool: ThreadPoolExecutor | None = None
        self.futures: list[Future] = []

    def __enter__(self) -> "_Renderer":
        if self.pb.stale:
            for library, count in Counter(job.library for job in self.pb.stale).items():  # a bar per target
                self.events.start(f"render:{library}", count, f"rendering {library}")
            self.pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="narrate-render")
        return self

    def submit(self, job: PromptJob) -> None:
        assert self.pool is not None
        self.futures.append(self.pool.submit(self._render, job))

    def __exit__(self, *exc: object) -> None:
        if self.pool is None:
            return
        self.pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
        for fut in self.futures:
            if not fut.cancelled() and fut.exception() is not None and exc[0] is None:
                raise fut.exception()  # type: ignore[misc]
        for library in {job.library for job in self.pb.stale}:
            self.events.finish(f"render:{library}")

    def _render(self, job: PromptJob) -> None:
        from .package.render import prepare, render_formats

        if self.guard.outputs_failed:
            return
        root = self.pb.manifest.root
        folder = self.folders[job.library]
        parts = []
        for key in job.segments:
            entry = self.cache.get(key)
            if entry is None:  # corrupt entry dropped by the cache: the next build synthesizes it again
                with self.lock:
                    self.report.errors.append(f"{job.id}: segment {key[:12]} missing from the cache")
                return
            parts.append((entry.audio, entry.format))
        try:
            pcm = prepare(parts, job.settings, job.pauses)
            rendered = render_formats(pcm, job.settings, tuple(o.format for o in job.outputs))
        except NarrateError as exc:
            with self.lock:
                self.report.errors.append(f"{job.id}: {exc}")
            return
        outputs, written = {}, []
        for out, file in zip(job.outputs, rendered):
            digest = hashlib.sha256(file.data).hexdigest()
            try:
                changed = write_if_changed(root / out.path, file.data, within=folder)
            except OSError as exc:  # full disk, permissions: stop spending; the segments stay cached
                from .synth import write_failure

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
        with self.lock:
            for out in job.outputs:
                self.pb.stats.record(root, out.path, outputs[out.format]["sha256"])
            self.report.outputs_written += len(written)
            self.rendered_jobs += 1
            self.rendered_bytes += sum(len(file.data) for file in rendered)
            self.report.outputs_unchanged += len(job.outputs) - len(written)
            self.report.written.extend(written)
            self.pb.lock.prompts[job.id] = {"text": job.record, "segments": list(job.segments),
                                            "recipe": job.recipe, "outputs": outputs}
            self.events.advance(f"render:{job.library}")

    def stop_message(self, failure: Any) -> str:
        """The one line for an output write failure, with the space the unwritten prompts need."""
        left = len(self.pb.stale) - self.rendered_jobs
        per_job = self.rendered_bytes / self.rendered_jobs if self.rendered_jobs else 0
        return failure.message(self.rendered_jobs, left, int(per_job * left) or None, done_word="written",
                               not_done_word="not written", unit="prompts")


def _check_writable(pb: PlannedBuild, guard: Any) -> None:
    """Stop before paying anything when an output folder cannot be written (read-only, no permission,
    a file in the way): the nearest existing folder of each output must be a writable folder
    (access(2), so no probe files)."""
    import errno

    from .synth import write_failure

    for folder in sorted({(pb.manifest.root / o.path).parent for j in pb.stale for o in j.outputs}):
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            code = errno.ENOTDIR  # a file where a folder should be
        elif not os.access(probe, os.W_OK | os.X_OK):
            code = errno.EROFS if os.statvfs(probe).f_flag & os.ST_RDONLY else errno.EACCES
        else:
            continue
        guard.fail(write_failure(OSError(code, os.strerror(code)), "output", folder))
        return


def _write_index(pb: PlannedBuild, lib: Library) -> None:
    """index.json: one row per file, for deploy scripts and reviewers."""
    prefix = manifest_relative(pb.manifest, lib.output)
    rows = []
    for job in pb.plan.jobs:
        if job.library != lib.name:
            continue
        entry = pb.lock.prompts.get(job.id)
        if not entry:
            continue  # failed this time; the next build fills it in
        for out in job.outputs:
            rec = entry["outputs"].get(out.format)
            if rec:
                rows.append({"name": job.name, "language": job.language, "text": job.record,
                             "file": rec["file"][len(prefix) + 1:], "format": out.format, "duration": rec["duration"], "sha256": rec["sha256"]})
    rows.sort(key=lambda r: (r["name"], r["language"], r["format"]))
    head = {"library": lib.name, "layout": lib.layout, "formats": list(lib.formats),
            "languages": {c: l.path for c, l in lib.languages.items()}}
    # One row per line: readable, diff-friendly, and written by json's C encoder.
    rows_text = ",\n".join(" " + json.dumps(r, ensure_ascii=False) for r in rows)
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "prompts": [\n' + rows_text + "\n]}\n"
    lib.output.mkdir(parents=True, exist_ok=True)
    write_if_changed(lib.output / "index.json", text.encode("utf-8"), within=lib.output)
