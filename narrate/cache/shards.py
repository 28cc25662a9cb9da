"""Builds split across machines: `narrate build --shard K/N` (issue 14 item 5).

Shard K of N (1 <= K <= N) owns the segment keys with int(key[:8], 16) % N == K - 1: a stable
partition (a key is a SHA-256, so its first 32 bits spread evenly) that every machine computes
the same way without talking to the others. A shard build synthesizes only the missing segments
it owns and writes them through to the shared cache; it writes no outputs. A final
`narrate build --offline` then assembles everything from the cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..errors import UsageError

_SHARD_RE = re.compile(r"^\s*([0-9]{1,6})\s*/\s*([0-9]{1,6})\s*$")  # ASCII digits: not "١/4"


def parse_shard(text: str) -> tuple[int, int]:
    """(K, N) from "K/N" with 1 <= K <= N. Raises UsageError otherwise (0/4, 5/4, x...)."""
    match = _SHARD_RE.match(text)
    if not match:
        raise UsageError(f"--shard must look like K/N (e.g. 1/4), not {text!r}")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1:
        raise UsageError(f"--shard {text}: K must be between 1 and N, and N at least 1 (N is the number of shards)")
    if not 1 <= k <= n:
        raise UsageError(f"--shard {text}: K must be between 1 and N (shards are numbered 1 to {n})")
    return k, n


def in_shard(key: str, shard: tuple[int, int]) -> bool:
    """True if shard (K, N) owns the segment key (a hex SHA-256)."""
    k, n = shard
    return int(key[:8], 16) % n == k - 1


class ShardView:
    """A cache seen by one shard: `missing()` asks about the shard's own keys only, and of a remote
    tier only whether it holds them (a shard never downloads a segment: it renders nothing);
    everything else goes to the cache underneath."""

    def __init__(self, cache: Any, shard: tuple[int, int]) -> None:
        self.cache, self.shard = cache, shard

    def missing(self, keys: Iterable[str], *args: Any) -> set[str]:
        mine = [k for k in keys if in_shard(k, self.shard)]
        if not mine:
            return set()
        if hasattr(self.cache, "remote_ok"):  # a TieredCache
            return set(self.cache.missing(mine, *args, fetch=False))
        return set(self.cache.missing(mine, *args))

    def __contains__(self, key: str) -> bool:
        return key in self.cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cache, name)
