"""One build: plan -> cache lookup -> synthesize the misses -> render -> lock.

The caller passes the cache and receives a BuildReport; progress goes out through BuildEvents.
Nothing here prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
from typing import Any

from ..cache import SegmentCache
from ..cache.lock import LockFile
from ..cache.shards import ShardView
from ..cache.stamps import input_digests
from ..errors import ManifestError, NarrateError, Problem, UsageError
from ..fsutil import sha256_file
from ..manifest import Manifest, paused_gc
from ..outcome import BuildEvents, BuildOptions, BuildReport
from ..plan import PromptJob, Segment
from ..prepare import PlannedBuild, is_current, prepare_build
from ..removal import remove_outputs, remove_stale_temps_of
from ..shard import build_shard
from ..voice_check import check_voices
from .ahead import LevelAnnotator
from .book import assemble_book
from .index import index_digest, write_index
from .render import PromptRenderer

PUBLISH_WAIT_S = 3600.0  # longest a build waits for another build writing the same folder's outputs


def build(manifest: Manifest, cache: SegmentCache, options: BuildOptions | None = None,
          events: BuildEvents | None = None, *, transport: Any = None) -> BuildReport:
    """Build one manifest: plan, look up the cache, synthesize the misses, render, assemble, lock.

    Returns a BuildReport (segments, cached, synthesized, characters, outputs written, unchanged and
    removed, errors, warnings). A failed segment or output is an entry in `errors`, never an
    exception; everything else is built and kept. Raises ManifestError (exit 2) for a bad manifest
    or voice, UsageError over the character budget (`options.max_chars`, else `budget.max_chars`),
    LockError for a damaged lock, LeaseError if another build holds the folder past an hour.
    `transport` (an httpx transport) is for tests.
    """
    from ..cache.lease import PublishLock
    from ..providers import espeak_pool

    _check_cache_apart(manifest, cache.directory)
    # Builds of manifests in one folder render and write their lock one at a time (narrate.lease).
    # Engine/render workers: at most `jobs` processes (default: one per core), ended with the build.
    options = options or BuildOptions()
    if options.jobs is None and manifest.jobs is not None:  # `jobs:` in the manifest; `-j` overrides it
        options = dataclasses.replace(options, jobs=manifest.jobs)
    espeak_pool.configure(options.jobs)
    try:
        with PublishLock(manifest.path.parent) as publish:
            return _build(manifest, cache, options, events, transport=transport, publish=publish)
    finally:
        espeak_pool.shutdown()


def _build(manifest: Manifest, cache: SegmentCache, options: BuildOptions | None, events: BuildEvents | None,
           *, transport: Any, publish: Any) -> BuildReport:
    from ..synth import SpendGuard

    options = options or BuildOptions()
    events = events or BuildEvents()
    shard = options.shard
    planned: Any = ShardView(cache, shard) if shard else cache  # a shard plans its own keys only
    seen = _inputs_as_loaded(manifest)
    with paused_gc():  # planning makes ~10 long-lived objects a prompt and no garbage cycles
        # A build that assembles books reads their chapters in a child process: the text front-end's
        # memory is then not resident beside the encodes (plan.apart; issue 12: the tree within 100 MB).
        pb = prepare_build(manifest, planned, transport=transport, every_segment=bool(shard),
                           chapters_apart=not (shard or options.check))
    pb.inputs_seen = seen
    from ..providers import espeak_pool

    espeak_pool.configure(options.jobs, len(pb.missing) + len(pb.stale))  # small builds: no worker processes
    report = BuildReport(str(manifest.path), segments=len(pb.plan.keys()))
    report.warnings = [str(w) for w in manifest.warnings] + pb.left_alone
    report.cached = report.segments - len(pb.missing)
    report.missing_segments = [pb.describe(s) for s in pb.missing]
    if options.owners:  # 50,000 prompts: 0.1 s that only a JUnit report reads
        report.owners = {j.id: [o.path for o in j.outputs] for j in pb.plan.jobs}
        report.owners.update({b.id: sorted(b.outputs.values()) for b in pb.books})
    left = None if options.max_chars is None else max(0, options.max_chars - options.chars_spent)
    spend = pb.spend(left)
    if spend.over_budget and not options.offline:  # offline synthesizes nothing: no budget to exceed
        before = (f" ({options.chars_spent:,} of --max-chars {options.max_chars:,} spent on the manifests before it)"
                  if options.max_chars is not None and options.chars_spent else "")
        raise UsageError(f"the build needs {spend.chars:,} characters of synthesis, over the budget of "
                         f"{spend.budget_chars:,}{before}; nothing was synthesized",
                         hint="raise --max-chars or budget.max_chars")
    if options.check:
        report.written = pb.outputs_to_write()
        report.removed = pb.orphans
        report.warnings += getattr(cache, "warnings", [])  # a remote that failed: "would synthesize" may be wrong
        return report
    if pb.missing and options.offline:  # build what the cache allows; name the rest (exit 1)
        report.errors = [f"not in the cache (offline): {d}" for d in report.missing_segments]
    if shard:
        return build_shard(pb, cache, options, report, events)
    _begin_writing(pb)
    _remove_orphans(pb, report, _blocking_orphans(pb))  # a file where a new output's folder goes, or the reverse
    stale_ids = {j.id for j in pb.stale}
    report.outputs_unchanged += sum(len(j.outputs) for j in pb.plan.jobs if j.id not in stale_ids)
    if pb.missing and not options.offline:
        check_voices(manifest, pb.providers)
        pb.check_keys()  # once, before any request: not one "no API key" per segment
    guard = SpendGuard()  # the first failed write (cache or output) stops all spending
    # Render while synthesizing if no other build is publishing here; else synthesize first (sharing
    # segments through leases), then wait for the folder and render.
    overlap = publish.try_acquire()
    _check_writable(pb, guard)
    with PromptRenderer(pb, cache, report, events, guard, options.jobs) as renderer:
        if overlap and pb.missing and not options.offline:
            renderer.warm()  # the render workers start while the first requests are out
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
            if not ok:
                renderer.drop_fresh(segment.key)
            for job in waiting.pop(segment.key, []) if ok else ():
                remaining[job.id] -= 1
                if remaining[job.id] == 0 and overlap:
                    renderer.submit(job)

        if pb.missing and not options.offline:
            from ..synth import synthesize_missing

            events.start("synthesize", len(pb.missing), "synthesizing")
            # A local engine's segment is rendered the moment it is spoken (ahead.LevelAnnotator). A REST
            # provider's is not: that would hold a request slot while it waits for a worker busy
            # rendering, and the requests would stall behind the renders. Its level is measured in the
            # request's thread (stored with the entry) and its prompts render from the audio in hand.
            local = {name for name, provider in pb.providers.items() if getattr(provider, "local", False)}
            outcome = synthesize_missing(pb.missing, pb.providers, pb.configs, cache, jobs=options.jobs,
                                         on_done=segment_done, guard=guard, backlog=renderer.backlog if overlap else None,
                                         annotate=LevelAnnotator(pb.stale, renderer if overlap else None, local))
            events.finish("synthesize")
            report.synthesized = outcome.synthesized
            report.synthesized_segments = [pb.describe(s) for s in pb.missing if s.key in outcome.stored]
            report.not_built = sorted({owner for key in outcome.unsent for owner in pb.users_of(key)})
            report.cached += outcome.shared
            if outcome.stop is not None and outcome.stop.kind == "cache":
                report.error = outcome.stop_message()
            report.chars_synthesized = outcome.chars
            # A refused key first: it is the one thing to fix, and why the other segments were not sent.
            report.errors += [r.message() for r in outcome.refused.values()]
            report.errors += [pb.failure_line(f) for f in outcome.failures]
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
        assemble_book(pb, book_job, cache, report, events)
    with paused_gc():
        return _finish(pb, manifest, cache, report, guard)


def _finish(pb: PlannedBuild, manifest: Manifest, cache: SegmentCache, report: BuildReport, guard: Any) -> BuildReport:
    """After rendering: remove orphans, drop gone entries, write index.json and the lock, save the state."""
    report.written.sort()
    _remove_orphans(pb, report, pb.orphans)
    live = {j.id for j in pb.plan.jobs}
    gone = [job_id for job_id in pb.lock.prompts if job_id not in live]
    dropped = {rec["file"] for job_id in gone for rec in pb.lock.prompts[job_id].get("outputs", {}).values()
               if isinstance(rec, dict) and isinstance(rec.get("file"), str)}  # their index rows go too
    for job_id in gone:
        del pb.lock.prompts[job_id]
    live_books = {job.book.name for job in pb.books}
    gone_books = [name for name in pb.lock.books if name not in live_books]
    for name in gone_books:
        del pb.lock.books[name]
    gone += gone_books
    # A no-op build (nothing rendered, nothing removed) leaves the lock as it is. The index is written
    # if its bytes differ: notes and fallbacks are in index.json and in no recipe, so an edited note
    # rewrites the index alone (unchanged inputs never get here: outcome.noop_report answers first).
    missing_index = any(not (lib.output / "index.json").exists() for lib in manifest.libraries)
    changed = pb.stale or pb.stale_books or pb.orphans or gone or missing_index or not pb.lock.path.exists()
    if manifest.libraries:
        touched = {j.id for j in pb.stale} | set(gone)  # whose lock entry this build set or removed
        for lib in manifest.libraries:
            try:
                write_index(pb, lib, touched, dropped)
            except OSError as exc:
                if not guard.stopped:  # else the stop message already names the folder
                    report.errors.append(f"libraries.{lib.name}: cannot write index.json: {exc.strerror or exc}")
            except NarrateError as exc:  # OutputPathError
                report.errors.append(f"libraries.{lib.name}: {exc}")
    if changed:
        try:
            pb.lock.save()
        except OSError as exc:
            report.errors.append(f"cannot write the lock {pb.lock.path}: {exc.strerror or exc}")
    if manifest.package.get("on_build") and manifest.libraries and not report.errors:
        _package(pb)
    run_notes = list(getattr(cache, "warnings", []))  # this run's remote and repairs: never replayed
    report.warnings += run_notes
    if report.errors or report.problems:
        pb.stats.forget_clean_build()  # and the planning contexts: the next build plans every prompt
    else:
        _remember_clean_build(pb, report, run_notes)
    with contextlib.suppress(OSError):  # a full or read-only cache folder: the stat cache is only a speed-up
        pb.stats.save()
    pb.save_memo()
    manifest.save_validation_memo()
    with contextlib.suppress(OSError):
        pb.stats.unfinished_marker.unlink()
    for p in pb.providers.values():
        p.close()
    return report


def _remove_orphans(pb: PlannedBuild, report: BuildReport, files: list[str]) -> None:
    """Delete these orphans (lock-recorded outputs no longer built, each checked again: removal.py)
    and take them off the plan's list; their warnings go to the report."""
    if not files:
        return
    removed, warnings = remove_outputs(pb.manifest, pb.lock.path, [pb.orphan_records[f] for f in files])
    for rel in files:
        pb.stats.forget(rel)
    gone = set(files)
    pb.orphans = [f for f in pb.orphans if f not in gone]
    pb.removal_warnings += warnings
    report.outputs_removed += len(removed)
    report.removed += removed
    report.warnings += warnings


def _blocking_orphans(pb: PlannedBuild) -> list[str]:
    """Orphans in the way of this build's outputs: a prompt renamed from `help` to `help/main` needs a
    folder where the file `help` is, and the reverse. Removed before rendering, not after it."""
    writing = {out.path for job in pb.stale for out in job.outputs}
    folders = {rel[:i] for rel in writing for i, c in enumerate(rel) if c == "/"}
    return [f for f in pb.orphans if f in folders or any(f[:i] in writing for i, c in enumerate(f) if c == "/")]


def _package(pb: PlannedBuild) -> None:
    """`package: {on_build: true}`: archives are outputs too, so the fast path watches them."""
    from ..package.archive import package_manifest, packages_dir

    archives, _ = package_manifest(pb.manifest)
    root = pb.manifest.root
    for path in [*archives, packages_dir(pb.manifest) / "SHA256SUMS"]:
        pb.stats.record(root, os.path.relpath(path, root), sha256_file(path))


def _inputs_as_loaded(manifest: Manifest) -> list[bytes] | None:
    """The inputs' digests now, before planning reads the chapters: what the no-op fast path may
    record at the end if they are unchanged then. None when the manifest is already not the one
    loaded (edited since): such a build is never recorded as clean."""
    seen = input_digests([str(p) for p in manifest.input_files()])
    if seen is None or (manifest.source_sha256 and seen[0].hex() != manifest.source_sha256):
        return None
    return seen


def _remember_clean_build(pb: PlannedBuild, report: BuildReport, run_notes: list[str]) -> None:
    """Record the lock and index files too, so that touching them also disables the fast path: by
    their signature, which is all those checks read (BuildState.record_signature), not by reading
    back and hashing the files this build just wrote. The no-op replay repeats the manifest's
    warnings, never `run_notes` (a remote that failed this run, a cache entry repaired): a later
    run may use another remote, or none."""
    root = pb.manifest.root
    own = [os.path.relpath(pb.lock.path, root)]
    own += [os.path.relpath(lib.output / "index.json", root) for lib in pb.manifest.libraries]
    for rel in own:
        pb.stats.record_signature(root, rel)
    indexes = {os.path.relpath(lib.output / "index.json", root): lib for lib in pb.manifest.libraries}
    pb.stats.index_digests = {rel: index_digest(lib) for rel, lib in indexes.items() if rel not in pb.shared_indexes}
    once = set(pb.left_alone) | set(pb.removal_warnings) | set(run_notes)  # lock entries now gone, this run's cache
    summary = {"segments": report.segments, "outputs": report.outputs_written + report.outputs_unchanged,
               "warnings": [w for w in report.warnings if w not in once]}
    models = [path for provider in pb.providers.values() for path in getattr(provider, "model_files", list)()]
    pb.stats.remember_clean_build(pb.manifest.input_files(), summary, pb.manifest.input_globs(), models,
                                  seen=pb.inputs_seen, folders=pb.manifest.output_folders)
    # Each prompt's planning context, for the prompts whose lock entry is this plan's (plan.carry). A
    # carried prompt keeps the one it was carried under (its entry is the one read, unchanged), so only
    # the prompts planned in full are looked at: a one-edit build does not walk the library here.
    entries, contexts, carried = pb.lock.prompts, pb.plan.contexts, pb.plan.carried
    now: dict[str, str | None] = {ident: None for ident in pb.stats.plan_contexts.keys() - carried}
    for job in pb.plan.jobs:
        if job.id not in carried:
            ok = job.id in contexts and (entry := entries.get(job.id)) is not None \
                and entry.get("recipe") == job.recipe and entry.get("text") == job.record
            now[job.id] = contexts[job.id] if ok else None
    pb.stats.change_plan_contexts(now)




def _begin_writing(pb: PlannedBuild) -> None:
    """Remove the temp files killed builds left in the output folders, when the last build of this
    manifest did not finish (or none is on record), then mark this one unfinished until `_finish`
    ends. A finished last build leaves none, so the output tree (100,000 files for 50,000 prompts
    in two formats) is not walked on every build."""
    marker = pb.stats.unfinished_marker
    if os.path.lexists(marker) or not os.path.lexists(pb.stats.path):
        remove_stale_temps_of(pb.manifest)
    with contextlib.suppress(OSError):  # a read-only cache: this build's own temps are removed as it goes
        marker.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0), 0o644))


def _check_cache_apart(manifest: Manifest, cache_dir: Any) -> None:
    """Refuse (ManifestError, before anything runs) an output folder that is the segment cache, lies in it
    or holds it (`cache_overlap`). The CLI's `load_manifest(cache=...)` refuses it at its line already;
    this stands for callers that loaded the manifest without naming the cache."""
    from ..manifest.resolve import cache_overlap

    outputs = [(f"libraries.{lib.name}.output", lib.output) for lib in manifest.libraries]
    outputs += [(f"books.{book.name}.output", book.output) for book in manifest.books]
    problems = [Problem(manifest.named, None, where, why) for where, out in outputs
                if (why := cache_overlap(out, cache_dir))]
    if problems:
        raise ManifestError(problems)


def _check_writable(pb: PlannedBuild, guard: Any) -> None:
    """Stop before paying anything when an output folder cannot be written (read-only, no permission,
    a file in the way): the nearest existing folder of each output must be a writable folder
    (access(2), so no probe files)."""

    from ..synth import write_failure

    root = pb.manifest.root  # folders as strings first: a Path per output was a visible share of a build
    for folder in sorted({root / sub for sub in {os.path.dirname(o.path) for j in pb.stale for o in j.outputs}}):
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


