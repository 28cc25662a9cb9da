"""A book file's lock sha256 is hashed as the joins write it (narrate.package.hashed), not read back."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

import narrate.package.book_record as book_record
from conftest import narrate
from narrate.cache import SegmentCache
from narrate.package.assemble import build_book
from narrate.package.hashed import HashedWriter, existing_bytes
from test_book_incremental import CHAPTERS, lock_entry, plan_one


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("append", [False, True])
def test_write_through_hash_equals_the_files(tmp_path, append):
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3 << 20) + b"tail")  # larger than one copy block, not a page multiple
    out = tmp_path / "out.bin"
    out.write_bytes(b"ID3 already here" if append else b"")
    with open(out, "r+b", buffering=0) as dst, open(src, "rb", buffering=0) as s:
        dst.seek(0, os.SEEK_END)
        writer = HashedWriter(dst.fileno(), existing_bytes(dst.fileno()) if append else b"")
        writer.write(b"header")
        assert writer.copy(s.fileno(), 4099, 2 << 20) == 2 << 20
        assert writer.copy(s.fileno(), (3 << 20) - 2, 100) == 6  # the source ends first: 6 bytes copied
        assert writer.copy(s.fileno(), 0, 0) == 0
        writer.write(memoryview(b"trailer"))
    assert writer.hexdigest() == sha(out)
    assert out.stat().st_size == (16 if append else 0) + 6 + (2 << 20) + 6 + 7


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "ch").mkdir()
    for name, text in CHAPTERS.items():
        (tmp_path / "ch" / name).write_text(text)
    (tmp_path / "book.yaml").write_text(
        "version: 1\nbooks:\n  guide:\n    title: Guide\n    author: A. Writer\n    sources: ch/*.md\n"
        "    formats: [chapters, mp3, m4b]\n    output: out\n")
    return tmp_path


def test_lock_sha256_of_every_book_output_is_its_files_and_joined_mp3s_are_not_read_back(book, monkeypatch):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0  # through the CLI
    for rec in lock_entry(book)["outputs"].values():
        assert rec["sha256"] == sha(book / rec["file"]), rec["file"]
        assert rec["bytes"] == (book / rec["file"]).stat().st_size
    previous = lock_entry(book)
    read_back: list[str] = []
    real = book_record.sha256_file
    monkeypatch.setattr(book_record, "sha256_file", lambda p: read_back.append(Path(p).name) or real(p))
    shutil.rmtree(book / "out")  # every output is made again
    cache = SegmentCache(book / ".narrate-cache")
    try:
        entry, _ = build_book(plan_one(book), cache, book, previous=previous)
    finally:
        cache.close()
    entry = json.loads(json.dumps(entry))
    assert not [n for n in read_back if n.endswith(".mp3")]  # chapters and the book MP3: hashed as written
    assert {rec["file"].rsplit(".", 1)[1] for rec in entry["outputs"].values()} >= {"mp3", "m4b"}
    for rec in entry["outputs"].values():
        assert rec["sha256"] == sha(book / rec["file"]), rec["file"]
