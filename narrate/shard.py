"""One shard of a build split across machines (`narrate build --shard K/N`, issue 14 item 5).

The plan was made through `cache.shards.ShardView`, so `pb.missing` holds only the missing
segments shard K owns. They are synthesized into the cache, which writes them through to the
shared remote tier; nothing is rendered, and no output, index or lock is written. The assembling
job (`narrate build --offline`) renders everything from the cache afterwards.
"""

from __future__ import annotations

from .cache import SegmentCache
from .cache.shards import in_shard
from .outcome import BuildEvents, BuildOptions, BuildReport
from .prepare import PlannedBuild, check_voices


def build_shard(pb: PlannedBuild, cache: SegmentCache, options: BuildOptions, report: BuildReport,
                events: BuildEvents) -> BuildReport:
    """Synthesize shard `options.shard`'s missing segments into `cache`; return the report with
    `segments` and `cached` counting the shard's own segments. A remote tier that failed during the
    shard is an error (exit 1): the assembling job could not find the shard's work. One that failed
    while planning stops the shard before anything is paid for."""
    from .synth import SpendGuard, synthesize_missing

    assert options.shard is not None
    owned = [k for k in pb.plan.keys() if in_shard(k, options.shard)]
    report.segments, report.cached = len(owned), len(owned) - len(pb.missing)
    if getattr(cache, "remote_ok", None) is False:  # failed while planning: what it paid for could not be shared
        report.errors.append("the shared cache is unavailable: this shard synthesized nothing")
        report.warnings += getattr(cache, "warnings", [])
        return report
    if pb.missing:
        check_voices(pb.manifest, pb.providers)
        events.start("synthesize", len(pb.missing), "synthesizing")
        outcome = synthesize_missing(pb.missing, pb.providers, pb.configs, cache,
                                     jobs=options.jobs, on_done=lambda _s, _ok: events.advance("synthesize"),
                                     guard=SpendGuard())
        events.finish("synthesize")
        report.synthesized, report.chars_synthesized = outcome.synthesized, outcome.chars
        report.cached += outcome.shared
        if outcome.stop is not None and outcome.stop.kind == "cache":
            report.error = outcome.stop_message()
            report.errors.append(report.error or "")
        report.errors += [pb.failure_line(f) for f in outcome.failures]  # named as a build names them
    if getattr(cache, "remote_ok", None) is False:
        report.errors.append("the shared cache failed during this shard: its segments are only in the local cache "
                             "(run `narrate cache push` once the remote is back)")
    elif not hasattr(cache, "remote_ok"):
        report.warnings.append("--shard without a remote cache: the segments stay in this machine's cache")
    report.warnings += getattr(cache, "warnings", [])
    for p in pb.providers.values():
        p.close()
    return report
