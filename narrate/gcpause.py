"""`paused_gc`: the cyclic garbage collector off while a burst of long-lived objects is made.

Bottom layer (no narrate imports): the build state's reader, which the no-op check runs before
anything heavy is imported, uses it as loading and planning do.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off inside the block, then as it was (no collection forced),
    what the block made filed as old.

    Loading and planning a library build tens of thousands of long-lived objects and few cycles;
    each allocation burst makes the collector walk them all again, a third of the planning time
    at 10,000 prompts (measured). Reference counting still frees everything acyclic at once.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            # What the block made lives on (the manifest, the plan): filed with the oldest objects, not
            # left young. The collector would walk all of it twice on the next allocations, as its young
            # generation and then its middle one (~100 ms of a one-edit rebuild at 10,000 prompts,
            # growing with the library). freeze() then unfreeze() moves every tracked object into the
            # oldest generation without walking any; a full collection still frees their cycles.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
