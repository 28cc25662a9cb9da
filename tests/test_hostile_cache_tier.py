"""A cache folder or remote bucket from another machine, or an attacker: the cache never executes,
leaks or trusts what it reads (pickled rows, credentials in URLs, lying metadata, links, a full disk).

Each case goes through the CLI where a user would meet it, and asserts what survives.
"""

from __future__ import annotations

import json
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import narrate_in
from narrate.cache import SegmentCache

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages: {en-US: {voice: en-us, path: en}}
    prompts:
      a: Welcome to the hostile cache tier test.
      b: Please hold while we check the tier.
      c: Thank you for calling the tier.
"""


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tier")
    (root / "m.yaml").write_text(MANIFEST)
    done = narrate_in("-q", "build", "m.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def built(built_once, tmp_path) -> Path:
    """A fresh copy of a project built once: manifest, outputs and a warm cache."""
    root = tmp_path / "project"
    shutil.copytree(built_once, root)
    return root


def no_traceback(done) -> None:
    assert "Traceback" not in done.stderr, done.stderr[-4000:]


# -- 1. nothing in a cache is ever unpickled


class _Touch:
    """Unpickling this creates `path`: proof that a pickle was loaded."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return exec, (f"open({self.path!r}, 'w').close()",)


def poison(root: Path, marker: Path) -> list[str]:
    """Rewrite the cache's index as a hostile one: every stored entry becomes a pickle (in its row, or
    in its entry file), and one row gets a pickled key. Returns the poisoned keys."""
    payload = pickle.dumps(_Touch(marker))
    db = sqlite3.connect(root / ".narrate-cache" / "cache.db")
    with db:
        rows = db.execute("SELECT rowid, key, filename FROM Cache ORDER BY key").fetchall()
        for rowid, _key, filename in rows:
            if filename:  # the value in a file: the file becomes the pickle
                (root / ".narrate-cache" / filename).write_bytes(payload)
                db.execute("UPDATE Cache SET mode = 4 WHERE rowid = ?", (rowid,))
            else:
                db.execute("UPDATE Cache SET mode = 4, value = ? WHERE rowid = ?", (payload, rowid))
        db.execute("INSERT INTO Cache (key, raw, store_time, expire_time, access_time, access_count, tag, size,"
                   " mode, filename, value) VALUES (?, 0, 0, NULL, 0, 0, NULL, 0, 1, NULL, ?)",
                   (payload, b"x"))
    db.close()
    return [r[1] for r in rows]


COMMANDS = [
    ("build", "m.yaml"),
    ("build", "--json", "m.yaml"),  # with its outputs removed: every entry is read
    ("cache", "stats", "-m", "m.yaml"),
    ("cache", "stats", "--json", "-m", "m.yaml"),
    ("cache", "verify", "-m", "m.yaml"),
    ("cache", "verify", "--drop", "-m", "m.yaml"),
    ("cache", "prune", "m.yaml"),
    ("cache", "prune", "--yes", "m.yaml"),
    ("cache", "export", "out.tar", "-m", "m.yaml"),
    ("cache", "push", "--remote", "file://{remote}", "-m", "m.yaml"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_pickled_rows_are_never_loaded(built, tmp_path, args):
    marker = tmp_path / "pwned"
    keys = poison(built, marker)
    remote = tmp_path / "remote"
    remote.mkdir()
    if "--json" in args and args[0] == "build":
        shutil.rmtree(built / "out")
    done = narrate_in(*(a.format(remote=remote) for a in args), cwd=built)
    no_traceback(done)
    assert not marker.exists(), f"a pickle from the cache was loaded by narrate {' '.join(args)}"
    # Every poisoned row is treated as corrupt: named, never trusted, never exported or pushed.
    assert done.returncode in (0, 1), (done.returncode, done.stdout, done.stderr)
    if args[0] == "build":
        assert done.returncode == 0, done.stderr
    if args[:2] == ("build", "--json"):  # each poisoned entry dropped, named, and synthesized again
        report = json.loads(done.stdout)
        assert report["synthesized"] == 3 and report["errors"] == []
        assert sum("pickle" in w for w in report["warnings"]) == 3, report["warnings"]
        assert sorted((built / "out" / "en").iterdir())
    if args[:2] == ("cache", "verify"):
        # three pickled values and one pickled key
        named = [line for line in done.stderr.splitlines() if line.startswith("corrupt") and "pickle" in line]
        assert "4 corrupt" in done.stdout and len(named) == 4, done.stderr
    if args[:2] == ("cache", "export"):
        import tarfile

        with tarfile.open(built / "out.tar") as tar:
            assert tar.getnames() == []
    if args[:2] == ("cache", "push"):
        assert not list(remote.rglob("*")) or all(p.is_dir() for p in remote.rglob("*"))
    with SegmentCache(built / ".narrate-cache") as cache:
        listed = list(cache.keys())
        assert all(type(k) is str for k in listed)
        if args[:2] == ("build", "--json") or "--drop" in args:  # healed: no poisoned row is left
            assert not set(keys) & {k for k in listed if cache.get_raw(k) is None}
        if "--drop" in args:
            assert cache.foreign_rows() == [] and listed == []
    assert not marker.exists()
