"""narrate.manifest.paused_gc: planning's objects are filed as old when the collector comes back on, so
the next allocations do not walk them as young objects (issue 14 item 2: ~100 ms of a one-edit rebuild
at 10,000 prompts), and their cycles are still freed by a full collection."""

from __future__ import annotations

import gc
import weakref

from narrate.manifest import paused_gc


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _in(generation: int, obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(generation=generation))


def test_what_the_block_made_is_in_the_oldest_generation_after_it():
    assert gc.isenabled()
    with paused_gc():
        kept = [Node() for _ in range(3)]
        assert not gc.isenabled()
    assert gc.isenabled()
    assert not _in(0, kept[0]) and not _in(1, kept[0]) and _in(2, kept[0])


def test_a_cycle_made_in_the_block_is_freed_by_a_full_collection():
    with paused_gc():
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
    del a, b
    assert gone() is not None  # a cycle: reference counting alone does not free it
    gc.collect()
    assert gone() is None


def test_a_collector_switched_off_outside_stays_off_and_nothing_is_moved():
    gc.disable()
    try:
        with paused_gc():
            young = Node()
        assert not gc.isenabled()
        assert _in(0, young)
    finally:
        gc.enable()


def test_reading_a_large_build_state_runs_no_collection(tmp_path):
    """The no-op check reads the build state before anything pauses the collector: 100,000 stat entries
    at 50,000 prompts, each a list the young generation would walk (~40 ms of a one-edit rebuild)."""
    from pathlib import Path

    from narrate.cache.state import BuildState

    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\n")
    state = BuildState(tmp_path / "cache", manifest)
    for i in range(5000):  # well past gen0's threshold (700) in containers
        state.entries[f"out/p{i}.wav"] = [i, i, "0" * 64, i, i]
    state._dirty = True
    state.save()
    runs: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            runs.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        read = BuildState(tmp_path / "cache", Path(manifest))
    finally:
        gc.callbacks.remove(count)
    assert len(read.entries) == 5000
    assert runs == []
    assert gc.isenabled()
