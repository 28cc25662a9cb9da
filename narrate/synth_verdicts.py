"""Verdicts on a provider while synthesis runs: one that refuses the credentials or the account (or
asks for a wait past max_retry_after_s) is refused at once; one whose segments fail FAILURE_STREAK in
a row through every retry is taken as down. Either way its queued and deferred segments are never
sent. Also a failed segment's record. A mixin of synth._Scheduler, whose state it uses."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping

from .errors import NarrateError, ProviderError
from .outcome import Refusal, SegmentFailure, SynthOutcome
from .plan import Segment
from .providers.base import Provider

# A provider whose segments fail this many in a row through every retry (or its request slots, if
# more), with no success between, is down: its other segments are not sent (see _count_failure).
FAILURE_STREAK = 5


class ProviderVerdicts:
    """The refusing half of synth._Scheduler."""

    outcome: SynthOutcome
    providers: Mapping[str, Provider]
    lock: threading.Lock
    caps: dict[str, int]
    streak: dict[str, int]
    todo: dict[str, deque[Segment]]
    deferred: dict[str, tuple[Segment, float]]

    def _refuse(self, name: str, exc: ProviderError) -> None:
        """The first refusal of `name`'s credentials (or its Retry-After past the cap): no request to it
        starts after this."""
        with self.lock:
            if name not in self.outcome.refused:
                source = getattr(self.providers[name], "credential_source", lambda: None)()
                status = f"HTTP {exc.status}: " if exc.status and not exc.message.startswith("HTTP") else ""
                what = "refused the credentials or the account" if exc.account else "asked the build to stop"
                self.outcome.refused[name] = Refusal(exc.provider, status + exc.message,
                                                     source if exc.account else None, what=what)

    def _count_failure(self, name: str, exc: BaseException) -> None:
        """A provider down for good (5xx, resets, error pages through every retry) fails every segment
        the same way: after FAILURE_STREAK (at least its request slots) in a row with no success
        between, its other segments are not sent, not each retried max_attempts times."""
        if not (isinstance(exc, ProviderError) and exc.retryable) or name in self.outcome.refused:
            return
        self.streak[name] += 1
        if self.streak[name] >= max(FAILURE_STREAK, self.caps[name]):
            status = f"HTTP {exc.status}: " if exc.status and not exc.message.startswith("HTTP") else ""
            with self.lock:
                self.outcome.refused.setdefault(name, Refusal(
                    exc.provider, f"last: {status}{exc.message}",
                    what=f"failed {self.streak[name]} segments in a row through every retry"))

    def _drop_refused(self) -> None:
        """Queued and deferred segments of a provider that refused the credentials: never sent."""
        for name in self.outcome.refused:
            queue = self.todo.get(name)
            while queue:
                self.outcome.unsent.append(queue.popleft().key)
                self.outcome.refused[name].not_requested += 1
        for key, (seg, _) in list(self.deferred.items()):
            if seg.provider in self.outcome.refused:
                del self.deferred[key]
                self.outcome.unsent.append(key)
                self.outcome.refused[seg.provider].not_requested += 1


def _failure(segment: Segment, exc: BaseException) -> SegmentFailure:
    if isinstance(exc, ProviderError):
        return SegmentFailure(segment, exc.provider, exc.status, exc.request_id, exc.message)
    if isinstance(exc, NarrateError):
        return SegmentFailure(segment, segment.provider, None, None, exc.message)
    return SegmentFailure(segment, segment.provider, None, None, f"{type(exc).__name__}: {exc}")
