"""Thread-safe token buckets for requests-per-minute and characters-per-minute limits.

Reservation model: `acquire` takes its tokens at once (the balance may go negative) and then sleeps
for the deficit outside the lock. Callers are therefore served in arrival order and a request
larger than a bucket's burst still passes, after waiting for it to refill.

The burst is one second's worth of tokens (at least one request, or the largest text seen), so a
fresh build does not fire a whole minute's quota in its first second: providers that count over a
fixed minute window (Google: 1,000 requests/min per project) would reject that with 429.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .. import procs


class _Bucket:
    def __init__(self, per_minute: float, now: float) -> None:
        if per_minute <= 0:
            raise ValueError("a rate limit must be positive")
        self.rate = per_minute / 60.0  # tokens per second
        self.capacity = max(1.0, self.rate)  # one second of burst
        self.tokens = self.capacity
        self.stamp = now

    def reserve(self, amount: float, now: float) -> float:
        """Take `amount` tokens; return how many seconds the caller must wait before using them."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= amount
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Throttle:
    """`Throttle(requests_per_minute, chars_per_minute).acquire(chars)` blocks until both limits allow the request."""

    def __init__(self, requests_per_minute: float | None = None, chars_per_minute: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = procs.pause) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        now = clock()
        self._requests = _Bucket(requests_per_minute, now) if requests_per_minute else None
        self._chars = _Bucket(chars_per_minute, now) if chars_per_minute else None

    @property
    def active(self) -> bool:
        return self._requests is not None or self._chars is not None

    def acquire(self, chars: int = 0) -> float:
        """Wait until one request of `chars` characters may go out; return the seconds waited."""
        if not self.active:
            return 0.0
        with self._lock:
            now = self._clock()
            wait = 0.0
            if self._requests is not None:
                wait = max(wait, self._requests.reserve(1, now))
            if self._chars is not None and chars > 0:
                wait = max(wait, self._chars.reserve(chars, now))
        if wait > 0:
            self._sleep(wait)
        return wait
