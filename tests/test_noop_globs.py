"""The no-op fast path (narrate.cache.state: a build answered from the last clean build's record,
without parsing the manifest) must see a chapter added where a book's `sources:` glob finds it: the
files a glob matched are inputs, and so is what it would match now."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import narrate_in

MANIFEST = """\
version: 1
books:
  bk: {title: Bk, author: T, sources: [ch/*.md, extra/**/*.md], language: en-US, voice: en-us, formats: [chapters],
       output: out/bk}
"""


def build(root: Path, *args: str) -> dict:
    done = narrate_in("build", "--json", *args, "narrate.yaml", cwd=root)
    assert "Traceback" not in done.stderr, done.stderr
    return {"code": done.returncode, **json.loads(done.stdout)}


def test_a_chapter_added_where_a_glob_finds_it_is_built(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01.md").write_text("# One\n\nFirst chapter.\n")
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "09.md").write_text("# Nine\n\nAn extra.\n")
    (tmp_path / "narrate.yaml").write_text(MANIFEST)
    assert build(tmp_path)["code"] == 0
    assert build(tmp_path)["outputs_written"] == 0  # the fast path answers an unchanged rebuild
    (tmp_path / "ch" / "02.md").write_text("# Two\n\nSecond chapter.\n")
    assert build(tmp_path, "--check")["code"] == 1
    report = build(tmp_path)
    assert report["code"] == 0 and "out/bk/02-two.mp3" in report["written"]
    (tmp_path / "extra" / "deep").mkdir()  # a recursive glob's new folder and file
    (tmp_path / "extra" / "deep" / "03.md").write_text("# Three\n\nThird chapter.\n")
    assert "out/bk/03-three.mp3" in build(tmp_path)["written"]
    assert build(tmp_path)["outputs_written"] == 0
