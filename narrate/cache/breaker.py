"""A circuit breaker for the remote cache tier: a remote that keeps failing is skipped, not waited for.

A cache tier must cost less than the synthesis it saves. After `threshold` consecutive failed
attempts (timeouts, refused connections, 5xx, 4xx other than 404), across every thread using the
store, the breaker opens: requests in flight stop retrying and new ones fail at once, for the rest
of the run. Any success before that resets the count. There is no half-open state: one build is
short, and the next build tries the remote afresh.
"""

from __future__ import annotations

import threading

from ..errors import CacheError

DEFAULT_THRESHOLD = 3


class RemoteSkipped(CacheError):
    """Raised instead of sending a request once the breaker is open."""


class CircuitBreaker:
    def __init__(self, threshold: int = DEFAULT_THRESHOLD) -> None:
        self.threshold = max(1, threshold)
        self.failures = 0  # consecutive
        self.reason: str | None = None  # the failure that opened it
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self.reason is not None

    def check(self) -> None:
        """Raise RemoteSkipped if the breaker is open."""
        if self.reason is not None:
            raise RemoteSkipped(f"remote cache skipped for the rest of this run after {self.threshold} "
                                f"consecutive failures (last: {self.reason})")

    def success(self) -> None:
        with self._lock:
            if self.reason is None:
                self.failures = 0

    def failure(self, reason: str) -> bool:
        """Count one failed attempt; True if the breaker is open now."""
        with self._lock:
            self.failures += 1
            if self.reason is None and self.failures >= self.threshold:
                self.reason = reason
            return self.reason is not None
