"""The retry policy of the HTTP layer and its testing switch (DESIGN.md section 4).

- `RetryPolicy` + `next_wait`: a small explicit policy. Transport errors, 408, 429 and 5xx are
  retried with exponential backoff and jitter, honouring `retry-after-ms` / `Retry-After`; other 4xx
  are fatal. Attempts and total time (waits included) are bounded.
- `set_testing`: removes every wait and records the waits that would have happened, so tests can
  assert that Retry-After was honoured without sleeping (modelled on stamina's `set_testing`).
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from .base import ProviderConfig


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    max_retry_time_s: float = 300.0  # first request to giving up, requests and waits included
    initial_wait_s: float = 0.5
    max_wait_s: float = 30.0
    # A Retry-After longer than this means "come back much later": fail the segment now (the OpenAI SDK uses 120 s).
    max_retry_after_s: float = 120.0

    @classmethod
    def from_config(cls, config: ProviderConfig) -> RetryPolicy:
        policy = cls()
        if config.max_attempts is not None:
            policy = replace(policy, max_attempts=max(1, int(config.max_attempts)))
        if config.max_retry_time_s is not None:
            policy = replace(policy, max_retry_time_s=float(config.max_retry_time_s))
        return policy


def next_wait(policy: RetryPolicy, retry_number: int, retry_after: float | None,
              rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry `retry_number` (1 = first retry).

    With a server hint, wait that long plus up to 10% so that workers throttled together do not
    return together. Otherwise exponential backoff with "equal jitter": half the step is fixed,
    half random, so waits still grow but concurrent workers spread out.
    """
    if retry_after is not None:
        return max(0.0, retry_after) * (1.0 + 0.1 * rand())
    step = min(policy.max_wait_s, policy.initial_wait_s * (2.0 ** (retry_number - 1)))
    return step / 2 + step / 2 * rand()


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds from `retry-after-ms`, else `Retry-After` (seconds or an HTTP date); None if absent or unreadable."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


# ------------------------------------------------------------------------------ testing switch

@dataclass(frozen=True)
class RetryRecord:
    provider: str
    attempt: int  # the attempt that failed
    wait_s: float  # the wait computed before the next attempt
    status: int | None
    reason: str


@dataclass
class _Testing:
    retries: list[RetryRecord] = field(default_factory=list)
    previous: _Testing | None = None

    def __enter__(self) -> list[RetryRecord]:
        return self.retries

    def __exit__(self, *exc: object) -> None:
        global _TESTING
        _TESTING = self.previous


_TESTING: _Testing | None = None


def set_testing(testing: bool = True) -> _Testing:
    """Switch retry waits off (True) or on (False). Usable as a context manager that restores the old state:

        with http.set_testing() as retries:
            ...
        assert [r.wait_s for r in retries] == [...]
    """
    global _TESTING
    switch = _Testing(previous=_TESTING)
    _TESTING = switch if testing else None
    return switch


def is_testing() -> bool:
    return _TESTING is not None


def testing_records() -> list[RetryRecord] | None:
    """Where the current testing switch records retries, or None when waits are real."""
    return _TESTING.retries if _TESTING is not None else None
