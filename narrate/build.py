"""One build: plan -> cache lookup -> synthesize the misses -> render -> lock.

The caller passes the cache and receives a BuildReport; progress goes out through BuildEvents.
Nothing here prints.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .cache import SegmentCache
from .errors import ManifestError, NarrateError, Problem, UsageError, VoiceError
from .fsutil import remove_and_prune, write_if_changed
from .lock import LockFile, StatCache
from .manifest import Library, Manifest
from .plan import Plan, PromptJob, Segment, library_prefix, plan_manifest
from .providers.base import Provider, ProviderConfig

# What an orphaned lock entry may delete: only file types narrate writes.
AUDIO_SUFFIXES = {".ulaw", ".alaw", ".wav", ".wav16", ".sln16", ".mp3", ".m4b", ".m3u"}


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


def is_current(job: PromptJob, lock: LockFile, stats: StatCache, root: Path) -> bool:
    entry = lock.prompts.get(job.id)
    if not entry or entry.get("recipe") != job.recipe or entry.get("text") != job.text:
        return False
    outs = entry.get("outputs", {})
    for out in job.outputs:
        rec = outs.get(out.format)
        if not rec or rec["file"] != out.path or stats.sha256(root, out.path) != rec["sha256"]:
            return False
    return True


@dataclass
class PlannedBuild:
    """What a build would do, computed without synthesizing or writing anything."""

    manifest: Manifest
    plan: Plan
    lock: LockFile
    stats: StatCache
    stale: list[PromptJob]
    missing: list[Segment]
    orphans: list[str]
    providers: dict[str, Provider]
    configs: dict[str, ProviderConfig]
    _users: dict[str, list[str]] | None = None

    def users_of(self, key: str) -> list[str]:
        """Ids of the prompts that speak this segment (built on first use: error paths only)."""
        if self._users is None:
            self._users = {}
            for job in self.plan.jobs:
                for k in job.segments:
                    self._users.setdefault(k, []).append(job.id)
        return self._users.get(key, [])


def prepare_build(manifest: Manifest, cache: SegmentCache, *, transport: Any = None) -> PlannedBuild:
    providers, configs = make_providers(manifest, transport)
    plan = plan_manifest(manifest, providers, load_lexicon(manifest))
    lock = LockFile.for_manifest(manifest.path)
    stats = StatCache(cache.directory, manifest.path)
    root = manifest.root
    stale = [job for job in plan.jobs if not is_current(job, lock, stats, root)]
    needed = sorted({k for job in stale for k in job.segments})
    missing = [plan.segments[k] for k in needed if k not in cache] if needed else []
    planned_files = {out.path for job in plan.jobs for out in job.outputs}
    orphans = sorted(f for f in lock.output_files() if f not in planned_files and _removable(root, f))
    return PlannedBuild(manifest, plan, lock, stats, stale, missing, orphans, providers, configs)


def _removable(root: Path, rel: str) -> bool:
    """Only delete what narrate could have written: audio files in the project (the manifest's
    folder's parent), never through a symlink. A hand-edited lock cannot delete anything else."""
    path = root / rel
    return (path.suffix in AUDIO_SUFFIXES and not path.is_symlink()
            and path.resolve().is_relative_to(root.parent))


def build(manifest: Manifest, cache: SegmentCache, options: BuildOptions | None = None,
          events: BuildEvents | None = None, *, transport: Any = None) -> BuildReport:
    options = options or BuildOptions()
    events = events or BuildEvents()
    pb = prepare_build(manifest, cache, transport=transport)
    report = BuildReport(str(manifest.path), segments=len(pb.plan.segments))
    report.warnings = [str(w) for w in manifest.warnings]
    report.cached = report.segments - len(pb.missing)
    report.missing_segments = [_describe(pb, s) for s in pb.missing]
    chars_needed = sum(len(s.request.text) for s in pb.missing)
    budget = options.max_chars if options.max_chars is not None else manifest.max_chars
    if pb.missing and budget is not None and chars_needed > budget:
        raise UsageError(f"the build needs {chars_needed:,} characters of synthesis, over the budget of "
                         f"{budget:,}; nothing was synthesized", hint="raise --max-chars or budget.max_chars")
    if options.check:
        report.written = sorted(o.path for j in pb.stale for o in j.outputs)
        report.removed = pb.orphans
        return report
    if pb.missing and options.offline:
        report.errors = [f"not in the cache (offline): {d}" for d in report.missing_segments]
        return report
    if pb.missing:
        check_voices(manifest, pb.providers)
        from .synth import synthesize_missing

        events.start("synthesize", len(pb.missing), "synthesizing")
        outcome = synthesize_missing(pb.missing, pb.providers, pb.configs, cache, jobs=options.jobs,
                                     on_done=lambda seg, ok: events.advance("synthesize"))
        events.finish("synthesize")
        report.synthesized = outcome.synthesized
        report.chars_synthesized = outcome.chars
        for f in outcome.failures:
            status = f" status {f.status}" if f.status else ""
            rid = f" request {f.request_id}" if f.request_id else ""
            report.errors.append(f"{_describe(pb, f.segment)}: {f.provider}{status}{rid}: {f.message}")
    _render_stale(pb, cache, report, events)
    _remove_orphans(pb, report)
    for lib in manifest.libraries:
        _write_index(pb, lib)
    pb.lock.save()
    pb.stats.save()
    for p in pb.providers.values():
        p.close()
    return report


def _describe(pb: PlannedBuild, segment: Segment) -> str:
    users = pb.users_of(segment.key)
    where = users[0] + (f" (+{len(users) - 1} more)" if len(users) > 1 else "") if users else "?"
    return f"{where} [{segment.provider}, {len(segment.request.text)} chars, {segment.key[:12]}]"


def _render_stale(pb: PlannedBuild, cache: SegmentCache, report: BuildReport, events: BuildEvents) -> None:
    from .render import prepare, render_formats

    root = pb.manifest.root
    stale_ids = {j.id for j in pb.stale}
    events.start("render", len(pb.stale), "rendering")
    for job in pb.stale:
        parts = []
        for key in job.segments:
            entry = cache.get(key)
            if entry is None:
                break
            parts.append((entry.audio, entry.format))
        else:
            try:
                pcm = prepare(parts, job.settings)
                rendered = render_formats(pcm, job.settings, tuple(o.format for o in job.outputs))
            except NarrateError as exc:
                report.errors.append(f"{job.id}: {exc}")
                events.advance("render")
                continue
            outputs = {}
            for out, file in zip(job.outputs, rendered):
                digest = hashlib.sha256(file.data).hexdigest()
                if write_if_changed(root / out.path, file.data):
                    report.outputs_written += 1
                    report.written.append(out.path)
                else:
                    report.outputs_unchanged += 1
                pb.stats.record(root, out.path, digest)
                outputs[out.format] = {"file": out.path, "sha256": digest, "bytes": len(file.data),
                                       "duration": file.duration}
            pb.lock.prompts[job.id] = {"text": job.text, "segments": list(job.segments),
                                       "recipe": job.recipe, "outputs": outputs}
        events.advance("render")
    events.finish("render")
    report.outputs_unchanged += sum(len(j.outputs) for j in pb.plan.jobs if j.id not in stale_ids)
    live = {j.id for j in pb.plan.jobs}
    for job_id in [k for k in pb.lock.prompts if k not in live]:
        del pb.lock.prompts[job_id]


def _remove_orphans(pb: PlannedBuild, report: BuildReport) -> None:
    root = pb.manifest.root
    for rel in pb.orphans:
        stop = next((lib.output for lib in pb.manifest.libraries if (root / rel).resolve().is_relative_to(lib.output)), root)
        if remove_and_prune(root / rel, stop):
            report.outputs_removed += 1
            report.removed.append(rel)
        pb.stats.forget(rel)


def _write_index(pb: PlannedBuild, lib: Library) -> None:
    """index.json: one row per file, for deploy scripts and reviewers."""
    prefix = library_prefix(pb.manifest, lib)
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
                rows.append({"name": job.name, "language": job.language, "text": job.text,
                             "file": posixpath.relpath(rec["file"], prefix), "format": out.format, "duration": rec["duration"], "sha256": rec["sha256"]})
    rows.sort(key=lambda r: (r["name"], r["language"], r["format"]))
    doc = {"library": lib.name, "layout": lib.layout, "formats": list(lib.formats),
           "languages": {c: l.path for c, l in lib.languages.items()}, "prompts": rows}
    lib.output.mkdir(parents=True, exist_ok=True)
    write_if_changed(lib.output / "index.json",
                     (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
