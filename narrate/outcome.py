"""What a build was asked to do and what it did. Light on purpose: the no-op fast path imports it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache.state import BuildState
from .errors import Problem
from .fsutil import failed_write


@dataclass
class BuildOptions:
    jobs: int | None = None
    check: bool = False  # report what would change, change nothing
    offline: bool = False  # never call a provider
    max_chars: int | None = None
    # Characters earlier manifests of the same command synthesized: --max-chars bounds the command, not
    # each manifest (`narrate build a.yaml b.yaml --max-chars N` spends at most N in all).
    chars_spent: int = 0
    shard: tuple[int, int] | None = None  # (K, N): synthesize shard K of N into the cache, write no outputs
    owners: bool = False  # fill BuildReport.owners (each prompt's and book's files), for JUnit reports


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
    # The missing segments this build synthesized and stored (None: not run): failed ones and those
    # never sent (a refused key, a full disk) are in missing_segments only.
    synthesized_segments: list[str] | None = None
    # Prompts and books not built because some segment of theirs was never requested (a provider that
    # refused the key, a full disk): no error line names them, so reports must not show them as built.
    not_built: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # why the build stopped early (a write failure); also in `errors`
    # Bad input found only while assembling (a retail sample with no sentence in it): located, exit 2.
    problems: list[Problem] = field(default_factory=list)
    # For per-output reports (JUnit): each prompt or book id -> its output paths (filled only when
    # BuildOptions.owners asks), and the seconds this build spent rendering it (absent when current).
    owners: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "manifest", "segments", "cached", "synthesized", "chars_synthesized", "outputs_written",
            "outputs_unchanged", "outputs_removed", "written", "removed", "missing_segments", "errors",
            "warnings", "error")}


@dataclass(frozen=True)
class WriteFailure:
    """The first write that failed in a build: it stops all spending (DESIGN.md 2.11).

    kind: "cache" (a segment store), "shared" (a shard's write-through to the shared cache: folder is
    its URL) or "output" (a rendered file, index or lock); folder: the folder named to the user;
    reason: the OS's words (strerror); space: True when the failure is
    lack of space (ENOSPC, EDQUOT, SQLite's "database or disk is full"), so a size is worth giving.
    """

    kind: str
    folder: str
    reason: str
    space: bool = False

    def message(self, done: int, not_done: int, needed_bytes: int | None, *, done_word: str = "stored",
                not_done_word: str = "not requested", unit: str = "segments", lost: int = 0) -> str:
        """One line: `cannot write the cache at /x: No space left on device (about 3.1 MB more needed);
        7 segments stored, 73 not requested`."""
        where = {"cache": f"the cache at {self.folder}", "shared": f"the shared cache {self.folder}"}.get(
            self.kind, f"the output folder {self.folder}")
        if self.kind == "shared" and done_word == "stored":
            done_word = "stored in the local cache only"
        need = f" (about {human_size(needed_bytes)} more needed)" if self.space and needed_bytes else ""
        tail = f"{done} {unit} {done_word}, {not_done} {not_done_word}"
        if lost:
            tail += f", {lost} paid but not stored"
        return f"cannot write {where}: {self.reason}{need}; {tail}"


@dataclass
class Refusal:
    """A provider refused the credentials or the account (ProviderError.account), asked for a wait
    past max_retry_after_s (ProviderError.halt), or failed segment after segment through every retry
    (synth_verdicts.FAILURE_STREAK): the build sent it nothing more. `what` it did; `reason`: the (last)
    refusal's status and message (masked); `source`: the variable or file the key came from;
    `not_requested`: its segments never sent because of it."""

    provider: str
    reason: str
    source: str | None = None
    not_requested: int = 0
    what: str = "refused the credentials or the account"

    def message(self) -> str:
        """`provider openai refused the credentials (HTTP 401 ...): its other 39 segments were not
        requested; check OPENAI_API_KEY`."""
        check = f"; check {self.source}" if self.source else ""
        n = self.not_requested
        rest = f"its other {n} segment{'s' if n != 1 else ''} were not requested" if n else "nothing more was sent"
        return f"provider {self.provider} {self.what} ({self.reason}): {rest}{check}"


def human_size(n: int) -> str:
    """Bytes in decimal units (1 MB = 10^6 bytes, as df -H and disk makers count): `3.1 MB`."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def noop_report(manifest_path: Path, cache_dir: Path) -> BuildReport | None:
    """The report of a build with nothing to do, found without parsing the manifest; else None."""
    state = BuildState(cache_dir, manifest_path)
    summary = state.unchanged_summary(manifest_path.resolve().parent)
    if summary is None:
        return None
    return BuildReport(str(manifest_path.resolve()), segments=summary["segments"], cached=summary["segments"],
                       outputs_unchanged=summary["outputs"], warnings=summary["warnings"])


# ------------------------------------------------------------------ what synthesis did (synth.py)

@dataclass(frozen=True)
class SegmentFailure:
    segment: Any  # plan.Segment (plan and outcome are one layer: neither imports the other)
    provider: str
    status: int | None
    request_id: str | None
    message: str


@dataclass
class SynthOutcome:
    """What synthesis did. `synthesized` were paid and stored by this build; `shared` were found in
    the cache after another build (holding their lease) stored them; `lost` were paid but could not
    be stored; `not_requested` were never sent because a write failed first."""

    synthesized: int = 0
    chars: int = 0
    shared: int = 0
    lost: int = 0
    not_requested: int = 0
    audio_bytes: int = 0  # bytes of audio received (stored or not): the basis of the space estimate
    audio_chars: int = 0
    unstored_chars: int = 0  # characters of the segments lost or not requested
    failures: list[SegmentFailure] = field(default_factory=list)
    stop: WriteFailure | None = None
    refused: dict[str, Refusal] = field(default_factory=dict)  # provider config name -> its refusal
    stored: set[str] = field(default_factory=set)  # keys of the segments synthesized and stored
    unsent: list[str] = field(default_factory=list)  # keys never requested (a refusal, a failed write)

    def needed_bytes(self) -> int | None:
        """About how much more space the unstored segments need, from the bytes per character seen."""
        if not self.audio_chars:
            return None
        return int(self.audio_bytes / self.audio_chars * self.unstored_chars)

    def stop_message(self) -> str | None:
        if self.stop is None:
            return None
        return self.stop.message(self.synthesized, self.not_requested, self.needed_bytes(), lost=self.lost)


class SpendGuard:
    """Shared by synthesis and rendering: the first write failure is kept and stops new requests."""

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self.failure: WriteFailure | None = None

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    @property
    def outputs_failed(self) -> bool:
        """True once an output write failed: rendering stops too (after a cache failure it goes on,
        since prompts whose segments were stored cost nothing more to write)."""
        failure = self.failure
        return failure is not None and failure.kind == "output"

    def fail(self, failure: WriteFailure) -> bool:
        """Record a failure; True if it is the first (the one to report)."""
        with self._lock:
            first = self.failure is None
            if first:
                self.failure = failure
            self._stopped.set()
        return first


def write_failure(exc: BaseException, kind: str, folder: Path | str) -> WriteFailure:
    """Describe a failed write in the OS's words, never as a traceback."""
    reason, space = failed_write(exc)
    return WriteFailure(kind, str(folder), reason, space)


def foreign_message(owner: str, paths: list[str], *, found: bool = False, recorded: bool = False) -> str:
    """The error for outputs of `owner` (a prompt's or book's id) that exist, that narrate did not write
    and that hold other bytes (ownership.foreign_files): they are left as they are. `found`: the lock
    records them as found in place (`"found": true`), not written; `recorded`: the lock records them
    with other bytes (edited since, or a hand-edited lock)."""
    exists, it, it_is = ("exists", "it", "it is") if len(paths) == 1 else ("exist", "them", "they are")
    if recorded:
        what = (f"{exists} and {'holds' if len(paths) == 1 else 'hold'} other bytes than narrate.lock records "
                "(edited since narrate wrote it, or not narrate's)")
    else:
        what = f"{exists} and narrate did not write {it} ("
        what += f"narrate.lock records {it} as found in place)" if found else "not in narrate.lock)"
    return (f"{owner}: {', '.join(paths)} {what}: left as {it_is}; move or delete {it}, then build again "
            "(the audio is cached)")
