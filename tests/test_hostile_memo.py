"""A corrupt or hostile front-end memo (`.narrate-cache/state/<id>.memo`) and a lock nested past the
JSON decoder's depth. A memo that is not narrate's is ignored and rebuilt: the build succeeds with
the same bytes, no traceback, and nothing outside the output and cache folders changes (a link is
never written through, a FIFO never waited on).

Layout (copied from one built template):

    tmp/proj/m.yaml, narrate.lock, .narrate-cache/ (state/<id>.memo), out/shop/en/*.ulaw|*.wav
    tmp/outside.txt     a user's file that a memo link points at
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate, narrate_in, snapshot
from narrate.cache.state import BuildState

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out/shop
    layout: asterisk
    formats: [ulaw, wav]
    languages:
      en-US: {voice: en-us, path: en}
    prompts:
      welcome: Welcome to the shop at 9 AM.
      goodbye: Goodbye, see you on 2024-05-01.
"""
OWNED = ("proj/out", "proj/.narrate-cache", "proj/narrate.lock")
OUTSIDE = b"a user's notes, not narrate's"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template")
    (root / "proj").mkdir()
    (root / "proj" / "m.yaml").write_text(MANIFEST)
    done = narrate_in("-q", "build", "m.yaml", cwd=root / "proj")
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def tree(template, tmp_path) -> Path:
    shutil.copytree(template / "proj", tmp_path / "proj", symlinks=True)
    (tmp_path / "outside.txt").write_bytes(OUTSIDE)
    return tmp_path


def memo_of(tree: Path) -> Path:
    """The memo the build of tree/proj/m.yaml reads (named after the manifest's path, like its state)."""
    return BuildState(tree / "proj" / ".narrate-cache", tree / "proj" / "m.yaml").memo_path


def template_memo(tree: Path) -> bytes:
    (memo,) = (tree / "proj" / ".narrate-cache" / "state").glob("*.memo")  # the template's, by its path
    return memo.read_bytes()


def outputs(tree: Path) -> dict[str, tuple[str, str]]:
    return {k: v for k, v in snapshot(tree / "proj").items() if k.startswith("out/") or k == "narrate.lock"}


def outside(tree: Path) -> dict[str, tuple[str, str]]:
    return {k: v for k, v in snapshot(tree).items() if not k.startswith(OWNED)}


def touch(tree: Path) -> None:
    """Change the manifest by a comment, so the next build plans (and reads the memo) instead of
    taking the no-op shortcut."""
    manifest = tree / "proj" / "m.yaml"
    manifest.write_text(manifest.read_text() + "# touched\n")


def rebuild(tree: Path):
    return narrate("-q", "build", "m.yaml", cwd=tree / "proj", timeout=120)


@pytest.mark.parametrize("content", [
    b"\x00\xff garbage",
    b'{"narrate_memo": 1, "stamp": "x"}\n' + b"[" * 200_000,
    b'{"narrate_memo": 1, "stamp": "x"}\n["c", "Welcome", [["Send money now", false, 0]]]\n',
    b'["not a header"]\n{"c": 1}\n',
])
def test_a_corrupt_memo_is_ignored_and_rebuilt(tree, content):
    memo = memo_of(tree)
    good = template_memo(tree)
    touch(tree)
    before, before_outside = outputs(tree), outside(tree)
    memo.write_bytes(content)
    done = rebuild(tree)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert outputs(tree) == before  # same bytes as the build that had a good memo
    assert outside(tree) == before_outside
    assert memo.read_bytes().split(b"\n", 1)[1] == good.split(b"\n", 1)[1]  # rebuilt: the same entries


def test_a_memo_that_is_a_link_outside_is_never_written_through(tree):
    memo = memo_of(tree)
    memo.symlink_to(tree / "outside.txt")
    touch(tree)
    before = outputs(tree)
    before_outside = outside(tree)
    done = rebuild(tree)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert (tree / "outside.txt").read_bytes() == OUTSIDE
    assert outside(tree) == before_outside and outputs(tree) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_memo_that_is_a_fifo_or_a_folder_is_not_waited_on(tree):
    memo = memo_of(tree)
    os.mkfifo(memo)
    touch(tree)
    before, before_outside = outputs(tree), outside(tree)
    done = rebuild(tree)  # a read would block forever; the test's timeout would fail it
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert outputs(tree) == before and outside(tree) == before_outside
    memo.unlink()
    memo.mkdir()
    (memo / "x").write_text("x")
    touch(tree)
    before_outside = outside(tree)
    done = rebuild(tree)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert outputs(tree) == before and outside(tree) == before_outside


def test_a_lock_nested_past_the_decoders_depth_is_a_clear_error(tree):
    lock = tree / "proj" / "narrate.lock"
    lock.write_text('{"narrate_lock": 1, "manifests": ' + "[" * 200_000)
    touch(tree)
    before = outside(tree)
    done = rebuild(tree)
    assert_clean_failure(done, 2, "narrate.lock", "not valid JSON", "nested too deeply")
    assert outside(tree) == before
