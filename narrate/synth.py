"""Run the segments missing from the cache through their providers.

Bounded concurrency (at most `cap` requests in flight per provider), every success stored in the
cache the moment it arrives (an interrupted build loses only requests in flight), failures
collected so the rest of the build carries on. Progress goes out as events; the CLI draws them.

Pay once, across processes: a segment is requested only by the build holding its lease
(`narrate.lease`); a build that finds a lease taken moves on to other segments and picks the
result up from the cache when the holder lets go. A local engine's segments (`local`: espeak,
piper) cost nothing, so they take no lease (a file made and removed per segment was ~0.2 ms of a
cold build's CPU each); like any segment, one stored since the build planned is not spoken again.

Stop at once on a write failure: the first store that fails (a shard's write-through to the shared
cache included, or an output write the caller reports through the same `SpendGuard`) stops new
requests; requests already in flight finish and are stored if they can be, and nothing else is
sent. Stop one provider at once when it refuses the credentials or the account (401/402/403, out of
quota), or asks for a wait past max_retry_after_s: its other segments are never sent (`refused`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from queue import Empty, SimpleQueue
from typing import Any

from .cache.lease import Lease, SegmentLeases
from .errors import ProviderError, RemoteCacheError
from .outcome import SpendGuard, SynthOutcome, WriteFailure, write_failure
from .plan import Segment
from .providers.base import Provider, ProviderConfig
from .synth_verdicts import ProviderVerdicts, _failure

log = logging.getLogger("narrate.synth")

# How long a build waits for a segment another build holds before requesting it itself: the
# holder's whole retry budget plus one attempt and a margin. Defaults as in providers/http.py.
DEFAULT_RETRY_TIME_S = 300.0
DEFAULT_TIMEOUT_S = 60.0
LEASE_MARGIN_S = 30.0
DEFERRED_SCAN_S = 0.05
# Requests run at most this many segments per request slot ahead of the renders that write them, when
# the caller says how many renders wait (`backlog`): an output folder that fills up (found by a render)
# then stops spending within a few waves of requests, and renders never trail the answers far. Four
# waves cover the render workers' start-up; past that the renders, not the requests, set the pace.
AHEAD_PER_SLOT = 4
HELD_POLL_S = 0.01  # how often a held scheduler looks at the renders' backlog again


class _NotStarted(Exception):
    """A request that was queued when spending stopped: never sent."""


class _Refused(Exception):
    """A request queued for a provider that has since refused the credentials: never sent."""


class _StoreFailed(Exception):
    """A request that was paid for, but whose store failed."""


class _Unleased:
    """Stands for a lease on a local engine's segment: there is no file, and nothing to release."""

    held = False

    def release(self) -> None:
        pass


_UNLEASED: Any = _Unleased()

ProgressCallback = Callable[[Segment, bool], None]
# annotate(segment, result[, done]) -> extra header fields; see synthesize_missing.
Annotator = Callable[..., dict[str, Any]]


def concurrency_for(name: str, provider: Provider, config: ProviderConfig, jobs: int | None) -> int:
    """Requests in flight for one provider: its `concurrency` (or default), capped by `-j`. A local
    engine gets two per worker process, so a worker speaks the next segment while this process
    stores the last one (its workers, not these threads, are what `-j` counts)."""
    limit = config.concurrency or provider.limits.default_concurrency
    if getattr(provider, "local", False) and not config.concurrency:
        return 2 * max(1, jobs or limit)
    return max(1, min(limit, jobs) if jobs else limit)


def lease_wait_s(config: ProviderConfig) -> float:
    """Longest a build waits on another build's lease for one segment of this provider."""
    return (config.max_retry_time_s or DEFAULT_RETRY_TIME_S) + (config.timeout_s or DEFAULT_TIMEOUT_S) + LEASE_MARGIN_S


def synthesize_missing(segments: list[Segment], providers: Mapping[str, Provider],
                       configs: Mapping[str, ProviderConfig], cache: Any, *,
                       jobs: int | None = None, on_done: ProgressCallback | None = None,
                       guard: SpendGuard | None = None, annotate: Annotator | None = None,
                       backlog: Callable[[], int] | None = None) -> SynthOutcome:
    """Synthesize and store `segments` (each missing from `cache` when planned).

    `cache` needs `directory`, `__contains__` and `put`. Never raises for a segment's failure: see
    the outcome's `failures`, and `stop` for a write failure (cache here, or one reported by the
    caller through `guard`) that stopped spending. `annotate(segment, result)` gives extra header
    fields for a segment's cache entry (its measured levels), computed before it is stored. An
    annotator with `in_worker(segment)` -> (function, args) or None, for a provider with
    `synthesize_then` (a local engine), has that function run where the segment is spoken, and gets its
    outcome as a third argument: annotate(segment, result, (True, value) or (False, None)).
    `backlog()`: how many renders of this build wait or run; no new request goes out while it is at
    AHEAD_PER_SLOT times the request slots or more.
    """
    guard = guard or SpendGuard()
    outcome = SynthOutcome()
    if not segments:
        return outcome
    try:
        leases = SegmentLeases(cache.directory)
    except OSError as exc:  # a read-only or full cache folder: nothing can be kept, so nothing is sent
        guard.fail(write_failure(exc, "cache", cache.directory))
        outcome.not_requested = len(segments)
        outcome.unstored_chars = sum(len(s.request.text) for s in segments)
        outcome.stop = guard.failure
        return outcome
    _Scheduler(segments, providers, configs, cache, jobs, on_done, guard, leases, outcome, annotate, backlog).run()
    outcome.stop = guard.failure
    return outcome


class _Scheduler(ProviderVerdicts):
    """Hands segments to workers as per-provider slots free up, each under its lease. A provider that
    refuses or fails in a row is judged by `synth_verdicts.ProviderVerdicts`."""

    def __init__(self, segments: list[Segment], providers: Mapping[str, Provider],
                 configs: Mapping[str, ProviderConfig], cache: Any, jobs: int | None,
                 on_done: ProgressCallback | None, guard: SpendGuard, leases: SegmentLeases,
                 outcome: SynthOutcome, annotate: Annotator | None = None,
                 backlog: Callable[[], int] | None = None) -> None:
        self.annotate, self.backlog = annotate, backlog
        self.providers, self.configs, self.cache = providers, configs, cache
        # Re-checks after a lease ask this machine's store only: the remote tier was asked when the
        # build planned, and asking again would cost one remote request per missing segment.
        self.stored = getattr(cache, "local", cache)
        self.on_done, self.guard, self.leases, self.outcome = on_done, guard, leases, outcome
        names = {s.provider for s in segments}
        self.free = {n for n in names if getattr(providers[n], "local", False)}  # leased: paid providers only
        self.caps = {n: concurrency_for(n, providers[n], configs[n], jobs) for n in names}
        self.todo: dict[str, deque[Segment]] = {n: deque() for n in names}
        for s in segments:
            self.todo[s.provider].append(s)
        self.deferred: dict[str, tuple[Segment, float]] = {}  # key -> (segment, when first found taken)
        self.inflight: dict[str, int] = dict.fromkeys(names, 0)
        self.streak: dict[str, int] = dict.fromkeys(names, 0)  # failures after retries since the last success
        self.pending: dict[Future, tuple[Segment, Lease | None]] = {}
        # Finished requests, in the order they finished: the loop wakes on the next one. (Waiting with
        # futures.wait on every pending future costs a waiter per future per wake-up: O(C) a request.)
        self.finished: SimpleQueue[Future] = SimpleQueue()
        self.lock = threading.Lock()
        self.workers = min(len(segments), sum(self.caps.values()))
        self.ahead = AHEAD_PER_SLOT * sum(self.caps.values())
        self.next_scan = 0.0

    def held(self) -> bool:
        """True while the renders trail too far behind for another request (see AHEAD_PER_SLOT)."""
        return self.backlog is not None and self.backlog() >= self.ahead

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="narrate-synth") as pool:
            try:
                while self.pending or self.deferred or any(self.todo.values()):
                    if self.guard.stopped:
                        self._drop_unsent()
                    else:
                        if self.outcome.refused:
                            self._drop_refused()
                        self._fill(pool)
                    held = self.held()
                    if not self.pending and not self.deferred:
                        if held:
                            time.sleep(HELD_POLL_S)
                        continue
                    # Wake on a finished request, to look at segments other builds hold, or (held) at the renders.
                    timeout = None if not self.deferred else max(0.05, min(1.0, len(self.deferred) / 20000))
                    if held:
                        timeout = HELD_POLL_S
                    if not self.pending:
                        time.sleep(timeout or 0.05)
                        continue
                    try:
                        fut = self.finished.get(timeout=timeout)
                    except Empty:
                        continue
                    while True:  # every request that has finished by now, then one more round of _fill
                        self._collect(fut)
                        try:
                            fut = self.finished.get_nowait()
                        except Empty:
                            break
            except BaseException:
                # Ctrl-C or a kill: drop what has not started (its lease with it); what finished is cached.
                for fut, (_, lease) in self.pending.items():
                    if fut.cancel() and lease is not None:
                        lease.release()
                raise

    def _drop_unsent(self) -> None:
        for queue in self.todo.values():
            for seg in queue:
                self._not_requested(seg)
            queue.clear()
        for seg, _ in self.deferred.values():
            self._not_requested(seg)
        self.deferred.clear()

    def _not_requested(self, seg: Segment) -> None:
        self.outcome.unsent.append(seg.key)
        self.outcome.not_requested += 1
        self.outcome.unstored_chars += len(seg.request.text)

    def _fill(self, pool: ThreadPoolExecutor) -> None:
        now = time.monotonic()
        # Segments other builds held: stored meanwhile (done), released unstored (ours now), or still
        # held. Looked at every DEFERRED_SCAN_S at most: a scan costs a few syscalls per segment.
        scan = now >= self.next_scan
        if scan:
            self.next_scan = now + DEFERRED_SCAN_S
        for key, (seg, since) in list(self.deferred.items()) if scan else ():
            if self.inflight[seg.provider] >= self.caps[seg.provider]:
                continue  # looked at again when one of this build's own requests ends
            lease = self._claim(seg)
            if self.guard.stopped:  # a write failed meanwhile (here, in a worker or in rendering)
                if lease is not None:
                    lease.release()
                return
            if lease is None and now - since < lease_wait_s(self.configs[seg.provider]):
                continue
            del self.deferred[key]
            if key in self.stored:
                if lease is not None:
                    lease.release()
                self._shared(key, seg)
                continue
            if lease is None:
                log.warning("segment %s: another build has held it for over %.0f s; requesting it anyway",
                            key[:12], now - since)
            self._submit(pool, seg, lease)
        for name, queue in self.todo.items():
            while queue and self.inflight[name] < self.caps[name] and not self.held():
                seg = queue.popleft()
                lease = self._claim(seg)
                if self.guard.stopped:
                    if lease is not None:
                        lease.release()
                    queue.appendleft(seg)
                    return
                if lease is None:
                    self.deferred.setdefault(seg.key, (seg, now))
                elif seg.key in self.stored:  # stored by another build since this one planned
                    lease.release()
                    self._shared(seg.key, seg)
                else:
                    self._submit(pool, seg, lease)

    def _claim(self, seg: Segment) -> Lease | None:
        """The segment's lease, None if another build holds it; a free engine's segment: a lease of nothing."""
        if seg.provider in self.free:
            return _UNLEASED
        try:
            return self.leases.try_claim(seg.key)
        except OSError as exc:
            self.guard.fail(write_failure(exc, "cache", self.cache.directory))
            return None

    def _shared(self, key: str, seg: Segment) -> None:
        self.outcome.shared += 1
        if self.on_done:
            self.on_done(seg, True)

    def _submit(self, pool: ThreadPoolExecutor, seg: Segment, lease: Lease | None) -> None:
        self.inflight[seg.provider] += 1
        fut = pool.submit(self._work, seg, lease)
        self.pending[fut] = (seg, lease)
        fut.add_done_callback(self.finished.put)

    def _collect(self, fut: Future) -> None:
        seg, _ = self.pending.pop(fut)
        self.inflight[seg.provider] -= 1
        exc = fut.exception()
        if isinstance(exc, _NotStarted):
            self._not_requested(seg)
        elif isinstance(exc, _Refused):
            self.outcome.unsent.append(seg.key)
            self.outcome.refused[seg.provider].not_requested += 1
        elif isinstance(exc, _StoreFailed):
            self.outcome.lost += 1
            self.outcome.unstored_chars += len(seg.request.text)
        elif exc is not None:
            self.outcome.failures.append(_failure(seg, exc))
            self._count_failure(seg.provider, exc)
        else:
            self.streak[seg.provider] = 0
        if self.on_done:
            self.on_done(seg, exc is None)

    def _work(self, segment: Segment, lease: Lease | None) -> None:
        try:
            if self.guard.stopped:
                raise _NotStarted
            if segment.provider in self.outcome.refused:
                raise _Refused
            provider = self.providers[segment.provider]
            # A local engine that can runs the annotator's work where it speaks (one round trip to its worker).
            speak_then = getattr(provider, "synthesize_then", None)
            then = getattr(self.annotate, "in_worker", None) if speak_then is not None else None
            work = then(segment) if then is not None else None
            done = None
            try:
                if speak_then is not None and work is not None:
                    result, done = speak_then(segment.request, work)
                else:
                    result = provider.synthesize(segment.request)
            except ProviderError as exc:
                if exc.halt:
                    self._refuse(segment.provider, exc)
                raise
            with self.lock:
                self.outcome.audio_bytes += len(result.audio)
                self.outcome.audio_chars += len(segment.request.text)
            # Validate before caching (DESIGN.md 2.4): never store an error page as a prompt. A REST
            # provider's results were checked as they arrived (`checked`): once is enough.
            if not result.checked:
                from .audio.validate import check_audio  # numpy: imported once the first answer is in

                check_audio(result.audio, result.format, segment.request.text, provider=provider.name,
                            request_id=result.request_id, speed=segment.request.speed)
            extra = (self.annotate(segment, result, done) if done is not None else self.annotate(segment, result)) \
                if self.annotate else {}
            try:
                self.cache.put(segment.key, result, {
                    **extra, "provider": provider.name, "voice": segment.request.voice, "model": segment.request.model,
                    "language": segment.request.language, "text": segment.request.text,
                    "chars": len(segment.request.text), "key_head": segment.key_head,
                    "request_id": result.request_id, "billed_chars": result.billed_chars})
            except RemoteCacheError as exc:  # kept locally, but a shard's shared cache refused it: stop spending now
                self.guard.fail(WriteFailure("shared", exc.url, exc.reason))
            except (OSError, sqlite3.Error) as exc:  # full disk, I/O error, read-only: stop spending now
                self.guard.fail(write_failure(exc, "cache", self.cache.directory))
                raise _StoreFailed from None
            with self.lock:
                self.outcome.stored.add(segment.key)
                self.outcome.synthesized += 1
                self.outcome.chars += len(segment.request.text)
        finally:
            if lease is not None:
                lease.release()
