"""What one build would do, worked out before anything is synthesized or written.

`prepare_build` plans the manifest (prompts and books), compares it with the lock, the local build
state and the cache, and returns a `PlannedBuild`: the stale outputs, the missing segments, the
files a build may delete. `narrate build` runs it (`narrate.build`); `narrate plan` and
`--check` only report it (`plan_report`).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import SegmentCache
from .cache.lock import LOCK_NAME, LockFile, RecordedOutput
from .cache.memo_file import MemoFile
from .cache.stamps import front_end_stamp
from .cache.state import BuildState
from .errors import ManifestError, MissingKeyError, NarrateError, Problem
from .manifest import Manifest
from .ownership import foreign_files
from .plan import LockDiff, OutputFile, Plan, PromptJob, Segment, diff_lock, plan_manifest
from .plan.carry import Carry
from .plan.chapter_memo import ChapterMemo
from .plan.costs import PRICES_AS_OF, Spend, budget_for, estimate_spend
from .plan.memo import FrontMemo
from .providers.base import Provider, ProviderConfig
from .removal import plan_removals

if TYPE_CHECKING:  # the Markdown stack, loaded only when a manifest has books
    from .outcome import SegmentFailure
    from .plan.books import BookJob


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


def check_keys(providers: Mapping[str, Provider], names: Iterable[str] | None = None,
               waiting: Mapping[str, int] | None = None) -> None:
    """Every provider in `names` (default: all) can find its credentials, checked before any request.

    Raises MissingKeyError once, one line per provider without them, each naming the variable to
    set (issue 15 item 5: not one identical error per segment). `waiting`: segments to synthesize
    per provider name, added to the message. Providers without `credential_problem` need no key."""
    problems = []
    for name in sorted(set(providers if names is None else names)):
        check = getattr(providers[name], "credential_problem", None)
        problem = check() if check is not None else None
        if problem:
            count = (waiting or {}).get(name)
            problems.append(problem + (f" ({count} segment{'s' if count != 1 else ''} to synthesize; nothing "
                                       "was sent)" if count else ""))
    if problems:
        raise MissingKeyError(problems)


def is_current(job: PromptJob, lock: LockFile, stats: BuildState, root: Path | str) -> bool:
    """Whether the lock's entry for `job` has its recipe and text, and each of its output files is a
    regular file whose sha256 (from the stat cache when its signature matches, else hashed) is the
    one recorded: a deleted, replaced or edited output makes the job stale."""
    entry = lock.prompts.get(job.id)
    if not entry or entry.get("recipe") != job.recipe or entry.get("text") != job.record:
        return False
    return files_current(job.outputs, entry.get("outputs", {}), stats, root)


def files_current(outputs: tuple[OutputFile, ...], recorded: Mapping[str, Any], stats: BuildState,
                  root: Path | str) -> bool:
    """Whether `outputs` are the files of a lock entry's `recorded` outputs ({format: record}), each a
    regular file with the recorded sha256 (`is_current`, without the entry's recipe and text)."""
    if len(recorded) != len(outputs):  # a format added or dropped: the entry must be rewritten
        return False
    # Off the hot path since plan.carry inlines this check for every carried prompt: one rule here.
    for out in outputs:
        rec = recorded.get(out.format)
        if not rec or rec["file"] != out.path or stats.regular_sha256(root, out.path, rec["sha256"]) != rec["sha256"]:
            return False
    return True


def _regular(root: Path | str, rel: str) -> bool:
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
    left_alone: list[str] = field(default_factory=list)  # lock-named files not deleted: a line each, or per reason for many
    removal_warnings: list[str] = field(default_factory=list)  # the same, found right before deleting
    orphan_records: dict[str, RecordedOutput] = field(default_factory=dict)  # as the lock was read
    foreign: frozenset[str] = frozenset()  # files to write that exist and narrate did not write (foreign_files)
    inputs_seen: list[bytes] | None = None  # digests as the build began (None: edited since loaded)
    memo: FrontMemo | None = None  # the text front-end memo this plan read and filled
    memo_file: MemoFile | None = None
    chapter_memo: ChapterMemo | None = None  # the book chapters' readings (plan.chapter_memo)
    chapter_memo_file: MemoFile | None = None
    shared_indexes: set[str] = field(default_factory=set)  # index.json files listing other manifests' rows too
    _users: dict[str, list[str]] | None = None

    def save_memo(self) -> None:
        """Keep the front-end memo for the next build (appended, or rewritten when mostly stale). Only a
        speed-up: a memo that cannot be written is left as it is."""
        if self.memo is None or self.memo_file is None:
            return
        with contextlib.suppress(OSError, NarrateError):
            memo = self.memo
            if memo.source is None:
                self.memo_file.save(memo.stamp, memo.used, memo.added, memo.rejected)
            else:
                self.memo_file.save(memo.stamp, memo.all_used, memo.added, memo.rejected, live=memo.used_count)
        if self.chapter_memo is not None and self.chapter_memo_file is not None:
            with contextlib.suppress(OSError, NarrateError):
                chapters = self.chapter_memo
                self.chapter_memo_file.save(chapters.stamp, chapters.used, chapters.added, chapters.rejected)

    def outputs_to_write(self) -> list[str]:
        """Every file a build would write: each stale prompt's, and of each stale book only the
        outputs whose recipe changed or whose file is not the one recorded (an edit in one chapter
        rewrites that chapter and the whole-book files, not the others)."""
        root = self.manifest.root
        files = [o.path for j in self.stale for o in j.outputs]
        for job in self.stale_books:
            old = (self.lock.books.get(job.book.name) or {}).get("outputs", {})
            for oid, rel in job.outputs.items():
                rec = old.get(oid)
                if not (isinstance(rec, dict) and rec.get("recipe") == job.recipes.get(oid) and rec.get("file") == rel
                        and _regular(root, rel) and self.stats.sha256(root, rel, rec.get("sha256")) == rec.get("sha256")):
                    files.append(rel)
        return sorted(files)

    def spend(self, max_chars: int | None = None) -> Spend:
        """Characters and estimated cost of the missing segments, against the budget in force."""
        kinds = {name: cfg.kind for name, cfg in self.configs.items()}
        return estimate_spend(self.missing, kinds, self.manifest.prices,
                              budget_for(max_chars, self.manifest.max_chars))

    def check_keys(self) -> None:
        """The providers of the missing segments have their keys (prepare.check_keys); a build
        whose segments are all cached needs none."""
        waiting: dict[str, int] = {}
        for seg in self.missing:
            waiting[seg.provider] = waiting.get(seg.provider, 0) + 1
        check_keys(self.providers, waiting, waiting)

    def users_of(self, key: str) -> list[str]:
        """Ids of the prompts and chapters that speak this segment. The first call indexes the missing
        segments (what reports describe), not the whole library: a one-edit build stays small."""
        if self._users is None:
            self._users = self._index({s.key for s in self.missing})
        if key not in self._users:
            self._users.update(self._index({key}))
        return self._users[key]

    def describe(self, segment: Segment) -> str:
        """`shop/en-US/hello [espeak, 12 chars, 3952778ef3a4]`: who speaks it, provider, length, key."""
        users = self.users_of(segment.key)
        where = users[0] + (f" (+{len(users) - 1} more)" if len(users) > 1 else "") if users else "?"
        return f"{where} [{segment.provider}, {len(segment.request.text)} chars, {segment.key[:12]}]"

    def failure_line(self, f: SegmentFailure) -> str:
        """One failed segment as builds report it: the segment, provider, status, request id, message."""
        status = f" status {f.status}" if f.status else ""
        rid = f" request {f.request_id}" if f.request_id else ""
        return f"{self.describe(f.segment)}: {f.provider}{status}{rid}: {f.message}"

    def _index(self, keys: set[str]) -> dict[str, list[str]]:
        users: dict[str, list[str]] = {k: [] for k in keys}
        for job in self.plan.jobs:
            for k in job.segments:
                if k in users:
                    users[k].append(job.id)
        for book in self.books:
            for chapter in book.chapters:
                for k, _ in chapter.units:
                    if k in users:
                        users[k].append(f"{book.id}/{chapter.source.name}")
        return users


def prepare_build(manifest: Manifest, cache: SegmentCache, *, transport: Any = None,
                  every_segment: bool = False, chapters_apart: bool = False) -> PlannedBuild:
    """The plan against the lock and the cache. `missing`: the segments of stale prompts and books
    that `cache` lacks; with `every_segment` (a shard, which writes no outputs but must leave every
    segment it owns in the shared cache), of every prompt and book, current or not. `chapters_apart`:
    book chapters are read in a child process (plan.apart: a build that assembles them)."""
    providers, configs = make_providers(manifest, transport)
    lexicon = load_lexicon(manifest)
    stats = BuildState(cache.directory, manifest.path)
    # Unchanged prompts take their spoken text from the memo of earlier builds (plan.memo).
    memo_file = MemoFile(stats.memo_path)
    stamp = front_end_stamp()
    memo = FrontMemo(stamp, source=memo_file.source(stamp))  # entries looked up as needed, not parsed whole
    root = manifest.root
    where = str(root)  # one str() for 20,000 path joins
    # A lock narrate wrote itself (the state recorded its size and mtime) keeps its entries' text for
    # saving, and its unchanged prompts are carried over, not planned again (plan.carry).
    lock_rel = os.path.relpath(manifest.path.parent / LOCK_NAME, root)
    lock = LockFile.for_manifest(manifest.path, ours=stats.unchanged(root, lock_rel))
    carry = None
    if lock.ours and stats.plan_contexts and memo.has_entries and not every_segment:  # no memo: plan all, to refill it
        carry = Carry(lock.prompts, stats.plan_contexts, stats, where)
    plan = plan_manifest(manifest, providers, lexicon, memo, carry)
    books = []
    chapter_file = chapter_memo = None
    if manifest.books:
        from .plan.books import plan_books

        # Unchanged chapters take their reading from the memo of earlier builds (plan.chapter_memo).
        chapter_file = MemoFile(stats.chapter_memo_path)
        chapter_memo = ChapterMemo(stamp, chapter_file.load(stamp))
        books = plan_books(manifest, providers, lexicon, chapter_memo, apart=chapters_apart)
        from .package.book_checks import sample_problems

        if refused := sample_problems(books, lock.books, manifest.named):  # before any synthesis or encoding
            raise ManifestError(refused)
        for job in books:
            for key, seg in job.segments.items():
                plan.segments.setdefault(key, seg)
    carried = plan.carried  # found current while planned
    stale = [job for job in plan.jobs if job.id not in carried and not is_current(job, lock, stats, where)]
    stale_books = [job for job in books if not book_is_current(job, lock, stats, root)]
    needed = sorted({k for job in stale for k in job.segments} | {k for job in stale_books for k in job.keys()})
    # Verified on read (DESIGN.md invariant 9): the segments a build reads. A book chapter the lock shows
    # unchanged is assembled from its kept encodes, so its segments are read only if those are gone, and
    # verified then; here its entries need only be there (a 10-hour book's are ~2 GB to read on each edit).
    kept = {k for job in stale_books for k in _kept_chapter_keys(job, lock)}
    if every_segment:  # a shard: every segment it owns must end up in the shared cache, current or not
        needed, kept = sorted(plan.segments), set()
    absent = cache.missing([k for k in needed if k not in kept]) if needed else set()
    absent |= {k for k in kept if k not in cache}
    missing = [plan.segments[k] for k in needed if k in absent]
    planned_files = {out.path for job in plan.jobs for out in job.outputs}
    planned_files |= {rel for job in books for rel in job.outputs.values()}
    _check_shared_outputs(manifest, lock, plan, books, planned_files)
    orphans, left_alone = plan_removals(manifest, lock, planned_files, carried, stats.found)
    foreign = foreign_files(lock, stats, where, stale, stale_books)
    return PlannedBuild(manifest, plan, lock, stats, stale, missing, sorted(orphans), providers, configs, books,
                        stale_books, left_alone, orphan_records=orphans, memo=memo, memo_file=memo_file,
                        chapter_memo=chapter_memo, chapter_memo_file=chapter_file,
                        foreign=foreign)


def _check_shared_outputs(manifest: Manifest, lock: LockFile, plan: Plan, books: list[BookJob],
                          planned: set[str]) -> None:
    """Two manifests of one folder (one lock, a section each) must not write the same file: each
    build would overwrite the other's, and delete what the other stopped writing. Raises
    ManifestError at the output key of the library or book that writes the first such file."""
    live = lock.other_live_manifests()
    others = lock.files_of_other_manifests(live) if live else {}
    shared = sorted(f for f in planned if f in others)
    if not shared:
        return
    key = next((f"libraries.{job.library}.output" for job in plan.jobs for out in job.outputs if out.path == shared[0]),
               None) or next(f"books.{job.book.name}.output" for job in books if shared[0] in job.outputs.values())
    owners = " and ".join(sorted({others[f] for f in shared}))
    listed = ", ".join(shared[:3]) + (f" and {len(shared) - 3} more" if len(shared) > 3 else "")
    raise ManifestError([Problem(manifest.named, None, key,
                                 f"{owners}, beside this manifest (one {LOCK_NAME}), writes the same files: {listed}; "
                                 f"give each manifest its own output folders")])


def _kept_chapter_keys(job: BookJob, lock: LockFile) -> set[str]:
    """The segment keys of `job`'s chapters that sound as they did in the lock's last build of the book."""
    entry = lock.books.get(job.book.name)
    parts = entry.get("parts") if isinstance(entry, dict) else None
    before = {p[0] for p in parts if isinstance(p, list) and p} if isinstance(parts, list) else set()
    return {k for ch in job.chapters if ch.digest() in before for k, _ in ch.units}


def book_is_current(job: BookJob, lock: LockFile, stats: BuildState, root: Path) -> bool:
    entry = lock.books.get(job.book.name)
    from .plan.books import lock_sources

    if not entry or entry.get("recipe") != job.recipe or set(entry.get("outputs", {})) != set(job.outputs) \
            or entry.get("sources") != lock_sources(job):
        return False
    return all(rec["file"] == job.outputs[oid] and _regular(root, rec["file"])
               and stats.sha256(root, rec["file"], rec["sha256"]) == rec["sha256"] for oid, rec in entry["outputs"].items())


def plan_report(pb: PlannedBuild, max_chars: int | None = None, *,
                name: str | None = None) -> tuple[dict[str, Any], LockDiff, bool]:
    """What `narrate plan` shows for one manifest: (the JSON object, the diff against the lock, over
    budget). `name` is the manifest as the user named it (default: its resolved path)."""
    manifest = pb.manifest
    diff = diff_lock(pb.plan.jobs, pb.lock.prompts, pb.books, pb.lock.books)
    spend = pb.spend(max_chars)
    report = {
        "manifest": name or str(manifest.path), "segments": len(pb.plan.keys()), "to_synthesize": len(pb.missing),
        "chars": spend.chars, "chars_by_provider": spend.chars_by_provider,
        "cost_usd_by_provider": spend.cost_usd_by_provider, "cost_usd": spend.cost_usd,
        "prices_as_of": PRICES_AS_OF, "budget_chars": spend.budget_chars,
        "added": [i for i, _ in diff.added], "changed": [i for i, _, _ in diff.changed],
        "removed": [i for i, _ in diff.removed], "unchanged": diff.unchanged,
        "outputs_to_write": pb.outputs_to_write(),
        "outputs_to_remove": pb.orphans, "translations": translation_report(manifest),
        "warnings": [str(w) for w in manifest.warnings],
        "fallbacks": [{"library": lib.name, "prompt": p.name, "language": p.language, "text_from": p.fallback_from}
                      for lib in manifest.libraries for p in lib.prompts if p.fallback_from]}
    return report, diff, spend.over_budget


def translation_report(manifest: Manifest) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Per library: prompt names missing in a language, and names present in one language only."""
    return {lib.name: {"missing": lib.missing, "only_in": lib.only_in_one_language()}
            for lib in manifest.libraries if lib.missing or lib.only_in_one_language()}
