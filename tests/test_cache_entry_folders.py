"""Entry folders under a store that rewrites entries while it writes others (a level kept by a render
beside the build's stores of new segments): diskcache's Disk.remove deleted the folders a removed
entry file left empty, and a store into that folder from another thread found it gone between
making it and opening its file ("cannot write the cache at ...: No such file or directory", the
build stopped spending). Folders are kept now, and a store makes its folder again if another
process removes it under it."""

from __future__ import annotations

import os

from narrate.cache import disk
from narrate.cache.store import SegmentCache

KEY = "a" * 64
BIG = 40_000  # over diskcache's 32 KiB: a file of its own


def entry_files(root):
    return sorted(p for p in root.rglob("*.val"))


def test_rewriting_an_entry_keeps_the_folder_of_its_old_file(tmp_path, monkeypatch):
    names = iter([b"\x01" * 16, b"\x02" * 16])  # the old file in 01/01/, the rewrite's in 02/02/
    monkeypatch.setattr(disk.os, "urandom", lambda n: next(names))
    cache = SegmentCache(tmp_path / "c")
    cache.put_raw(KEY, b"x" * BIG)
    (old,) = entry_files(tmp_path / "c")
    cache.put_raw(KEY, b"y" * BIG)  # what remember_level does: the old file is removed
    monkeypatch.undo()
    assert not old.exists()
    assert old.parent.is_dir() and old.parent.parent.is_dir()
    assert cache.get_raw(KEY) == b"y" * BIG
    cache.close()


def test_a_store_whose_folder_vanishes_after_it_is_made_makes_it_again(tmp_path, monkeypatch):
    cache = SegmentCache(tmp_path / "c")
    cache.put_raw("b" * 64, b"z")  # opens the index (small: in its row)
    real_open = os.open
    vanished = []

    def racing_open(path, flags, *args):  # another process empties and removes the folder each time
        if str(path).endswith(".val") and len(vanished) < 2:
            vanished.append(path)
            raise FileNotFoundError(2, "No such file or directory", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(disk.os, "open", racing_open)
    cache.put_raw(KEY, b"x" * BIG)
    monkeypatch.undo()
    assert len(vanished) == 2
    assert cache.get_raw(KEY) == b"x" * BIG
    cache.close()
