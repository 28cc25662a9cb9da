"""The cache layer: the local segment store, the remote tier, build state and the cache commands.

`from narrate.cache import SegmentCache` is the store most callers need; the remote tier
(`narrate.cache.remote`), the local build state (`narrate.cache.state`) and the `narrate cache`
commands (`narrate.cache.commands`) are imported from their modules.
"""

from __future__ import annotations

from .store import CachedSegment, SegmentCache, decode_entry, encode_entry

__all__ = ["CachedSegment", "SegmentCache", "decode_entry", "encode_entry"]
