"""The cache layer: the local segment store, the remote tier, build state and the cache commands.

`from narrate.cache import SegmentCache` is the store most callers need; the remote tier
(`narrate.cache.remote`, `narrate.cache.tiered`), the local build state (`narrate.cache.state`) and the `narrate cache`
commands (`narrate.cache.commands`) are imported from their modules. The names below load on
first use, so the no-op build's fast path (which needs only `state`) imports nothing heavier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import CachedSegment, SegmentCache, decode_entry, encode_entry

__all__ = ["CachedSegment", "SegmentCache", "decode_entry", "encode_entry"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
