"""One shard of a build split across machines (`narrate build --shard K/N`, issue 14 item 5).

The plan was made through `cache.shards.ShardView`, so `pb.missing` holds only the missing
segments shard K owns. They are synthesized into the cache, which writes them through to the
shared remote tier; nothing is rendered, and no output, index or lock is written. The assembling
job (`narrate build --offline`) renders everything from the cache afterwards.

A shard's only product is its segments in the shared cache, so the remote is required: one that
fails while planning stops the shard before anything is paid for, and the first write-through that
fails stops new requests (`TieredCache.required`: those in flight finish and are kept locally).
"""

from __future__ import annotations

from typing import Any

from .cache import SegmentCache
from .cache.shards import in_shard
from .errors import RemoteCacheError
from .outcome import BuildEvents, BuildOptions, BuildReport
from .prepare import PlannedBuild
from .voice_check import check_voices

PUSH_LATER = "run `narrate cache push` once the remote is back"


def build_shard(pb: PlannedBuild, cache: SegmentCache, options: BuildOptions, report: BuildReport,
                events: BuildEvents) -> BuildReport:
    """Synthesize shard `options.shard`'s missing segments into `cache`; return the report with
    `segments` and `cached` counting the shard's own segments. A remote tier that failed during the
    shard is an error (exit 1): the assembling job could not find the shard's work. One that failed
    while planning stops the shard before anything is paid for."""
    assert options.shard is not None
    every = set(pb.plan.keys()).union(*(job.keys() for job in pb.books))
    owned = sorted(k for k in every if in_shard(k, options.shard))
    report.segments, report.cached = len(owned), len(owned) - len(pb.missing)
    tiered: Any = cache if hasattr(cache, "remote_ok") else None
    try:
        if tiered is None:
            report.warnings.append("--shard without a remote cache: the segments stay in this machine's cache")
        elif not tiered.remote_ok:  # failed while planning: what it paid for could not be shared
            report.errors.append(f"the shared cache is unavailable: this shard synthesized nothing "
                                 f"({tiered.url}: {tiered.failure})")
            return report
        else:
            tiered.required = True
            missing = {s.key for s in pb.missing}
            if not _share(pb, tiered, [k for k in owned if k not in missing], report):
                return report
        _synthesize(pb, cache, options, report, events)
        if tiered is not None and not tiered.remote_ok and report.error is None:
            report.errors.append(f"the shared cache {tiered.url} failed during this shard: its segments are only in "
                                 f"the local cache ({PUSH_LATER})")
        return report
    finally:
        report.warnings += getattr(cache, "warnings", [])
        for p in pb.providers.values():
            p.close()


def _share(pb: PlannedBuild, tiered: Any, keys: list[str], report: BuildReport) -> bool:
    """Make sure the shard's segments already in the local cache are in the shared one too (the
    assembling job reads them there): uploaded, verified, where absent. False (and errors in the
    report) if the remote failed: the shard then synthesizes nothing."""
    try:
        pushed = tiered.share(keys)
    except RemoteCacheError as exc:
        report.errors.append(f"cannot write the shared cache {exc.url}: {exc.reason}; this shard synthesized nothing "
                             f"({PUSH_LATER})")
        return False
    if pushed.remote_error is not None:
        report.error = (f"cannot write the shared cache {tiered.url}: {pushed.remote_error}; {pushed.uploaded} segments "
                        f"uploaded, this shard synthesized nothing ({PUSH_LATER})")
        report.errors.append(report.error)
        return False
    for key, reason in pushed.failed:  # local entries that do not verify (changed since planning)
        segment = pb.plan.segments.get(key)
        name = pb.describe(segment) if segment else f"{(pb.users_of(key) or ['?'])[0]} [{key[:12]}]"
        report.errors.append(f"{name}: not in the shared cache: {reason}")
    return True


def _synthesize(pb: PlannedBuild, cache: SegmentCache, options: BuildOptions, report: BuildReport,
                events: BuildEvents) -> None:
    """The shard's missing segments through their providers; failures named as a build names them."""
    from .synth import SpendGuard, synthesize_missing

    if not pb.missing:
        return
    check_voices(pb.manifest, pb.providers)
    events.start("synthesize", len(pb.missing), "synthesizing")
    outcome = synthesize_missing(pb.missing, pb.providers, pb.configs, cache,
                                 jobs=options.jobs, on_done=lambda _s, _ok: events.advance("synthesize"),
                                 guard=SpendGuard())
    events.finish("synthesize")
    report.synthesized, report.chars_synthesized = outcome.synthesized, outcome.chars
    report.synthesized_segments = [pb.describe(s) for s in pb.missing if s.key in outcome.stored]
    report.cached += outcome.shared
    if outcome.stop is not None and outcome.stop.kind in ("cache", "shared"):
        report.error = outcome.stop_message()
        if outcome.stop.kind == "shared":
            report.error = f"{report.error} ({PUSH_LATER})"
        report.errors.append(report.error or "")
    report.errors += [r.message() for r in outcome.refused.values()]
    report.errors += [pb.failure_line(f) for f in outcome.failures]
