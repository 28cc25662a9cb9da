"""Run the segments missing from the cache through their providers.

Bounded concurrency (a semaphore per provider, a thread pool overall), every success stored in the
cache the moment it arrives (an interrupted build loses only requests in flight), failures
collected so the rest of the build carries on. Progress goes out as events; the CLI draws them.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable, Mapping

from .audio.validate import check_audio
from .cache import SegmentCache
from .errors import NarrateError, ProviderError
from .plan import Segment
from .providers.base import Provider, ProviderConfig


@dataclass(frozen=True)
class SegmentFailure:
    segment: Segment
    provider: str
    status: int | None
    request_id: str | None
    message: str


@dataclass
class SynthOutcome:
    synthesized: int = 0
    chars: int = 0
    billed_chars: int = 0
    failures: list[SegmentFailure] = field(default_factory=list)


ProgressCallback = Callable[[Segment, bool], None]


def concurrency_for(name: str, provider: Provider, config: ProviderConfig, jobs: int | None) -> int:
    limit = config.concurrency or provider.limits.default_concurrency
    return max(1, min(limit, jobs) if jobs else limit)


def synthesize_missing(segments: list[Segment], providers: Mapping[str, Provider],
                       configs: Mapping[str, ProviderConfig], cache: SegmentCache, *,
                       jobs: int | None = None, on_done: ProgressCallback | None = None) -> SynthOutcome:
    outcome = SynthOutcome()
    if not segments:
        return outcome
    caps = {name: concurrency_for(name, providers[name], configs[name], jobs) for name in {s.provider for s in segments}}
    gates = {name: threading.BoundedSemaphore(cap) for name, cap in caps.items()}
    workers = min(len(segments), sum(caps.values()))
    lock = threading.Lock()

    def run(segment: Segment) -> None:
        provider = providers[segment.provider]
        with gates[segment.provider]:
            result = provider.synthesize(segment.request)
        # Validate before caching (DESIGN.md 2.4): never store an error page as a prompt.
        check_audio(result.audio, result.format, segment.request.text, provider=provider.name,
                    request_id=result.request_id, speed=segment.request.speed)
        cache.put(segment.key, result, {
            "provider": provider.name, "voice": segment.request.voice, "model": segment.request.model,
            "language": segment.request.language, "text": segment.request.text,
            "chars": len(segment.request.text), "key_head": segment.key_head, "request_id": result.request_id,
            "billed_chars": result.billed_chars})
        with lock:
            outcome.synthesized += 1
            outcome.chars += len(segment.request.text)
            outcome.billed_chars += result.billed_chars or len(segment.request.text)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="narrate-synth") as pool:
        pending: dict[Future, Segment] = {pool.submit(run, s): s for s in segments}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    seg = pending.pop(fut)
                    exc = fut.exception()
                    if exc is not None:
                        outcome.failures.append(_failure(seg, exc))
                    if on_done:
                        on_done(seg, exc is None)
        except BaseException:
            # Ctrl-C or a kill: drop what has not started; what finished is already cached.
            for fut in pending:
                fut.cancel()
            raise
    return outcome


def _failure(segment: Segment, exc: BaseException) -> SegmentFailure:
    if isinstance(exc, ProviderError):
        return SegmentFailure(segment, exc.provider, exc.status, exc.request_id, exc.message)
    if isinstance(exc, NarrateError):
        return SegmentFailure(segment, segment.provider, None, None, exc.message)
    return SegmentFailure(segment, segment.provider, None, None, f"{type(exc).__name__}: {exc}")
