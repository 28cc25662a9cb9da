"""A cache index (cache.db) is data narrate did not necessarily write (a shared NARRATE_CACHE, a
restored CI cache, a copied .narrate-cache): a row naming a file outside the cache made a build,
`cache verify --drop` and `cache prune --yes` delete that file and its emptied folders. A row names
an entry file only if it has the shape of one (`ab/cd/<hex>.val`) inside the cache, and only such a
file is read or deleted; a FIFO where an entry file should be is never opened blocking (commands hung
on it)."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from conftest import narrate, narrate_in

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages: {en-US: en-us}
    prompts:
      a: Hello and welcome to the support line of the company, please hold while we connect you.
"""


def built(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "m.yaml").write_text(MANIFEST)
    assert narrate_in("-q", "build", "m.yaml", cwd=project).returncode == 0
    return project


def point_rows_at(project, filename: str) -> None:
    with sqlite3.connect(project / ".narrate-cache" / "cache.db") as db:
        db.execute("UPDATE Cache SET filename = ? WHERE filename IS NOT NULL", (filename,))


@pytest.mark.parametrize("command", [("-q", "build", "m.yaml"), ("cache", "verify", "--drop", "-m", "m.yaml"),
                                     ("cache", "prune", "--yes", "m.yaml")])
@pytest.mark.parametrize("named", ["absolute", "relative"])
def test_a_row_naming_a_file_outside_the_cache_never_deletes_it(tmp_path, command, named):
    project = built(tmp_path)
    victim = tmp_path / "victim" / "sub" / "important.txt"
    victim.parent.mkdir(parents=True)
    victim.write_text("precious")
    point_rows_at(project, str(victim) if named == "absolute" else os.path.relpath(victim, project / ".narrate-cache"))
    if command[1] == "prune":
        (project / "m.yaml").write_text(MANIFEST.replace("Hello and welcome", "Welcome"))  # the entry is unused
    elif command[1] == "build":
        (project / "out").rename(tmp_path / "old-out")
        (project / "narrate.lock").unlink()
    done = narrate_in(*command, cwd=project)
    assert "Traceback" not in done.stderr
    assert victim.read_text() == "precious"
    if command[1] == "build":
        assert done.returncode == 0, done.stderr  # the entry is dropped and synthesized again
        assert (project / "out" / "en_US" / "a.ulaw").is_file()


@pytest.mark.parametrize("command", [("cache", "verify", "-m", "m.yaml"), ("cache", "stats", "-m", "m.yaml"),
                                     ("cache", "export", "x.tar", "-m", "m.yaml"), ("-q", "build", "m.yaml")])
def test_a_fifo_in_place_of_an_entry_file_never_hangs(tmp_path, command):
    project = built(tmp_path)
    (entry,) = (project / ".narrate-cache").glob("??/??/*.val")
    entry.unlink()
    os.mkfifo(entry)
    (project / "out").rename(tmp_path / "old-out")
    done = narrate(*command, cwd=project, timeout=60)  # a real process: a hang is bounded
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 1), done.stderr


@pytest.mark.parametrize("source", ["fifo", "/dev/zero"])
def test_cache_import_of_a_fifo_or_a_device_is_refused_not_hung(tmp_path, source):
    if source == "fifo":
        source = str(tmp_path / "export.tar")
        os.mkfifo(source)
    done = narrate("cache", "import", source, "--cache-dir", str(tmp_path / "cache"), timeout=60)
    assert done.returncode == 2 and "not a narrate cache export (not a regular file)" in done.stderr, done.stderr


@pytest.mark.parametrize("command", [("cache", "stats"), ("cache", "verify"), ("cache", "export", "x.tar")])
def test_a_cache_command_on_a_cache_never_built_makes_no_cache(tmp_path, command):
    done = narrate_in(*command, "--cache-dir", str(tmp_path / "typo"), cwd=tmp_path)
    assert done.returncode == 2 and f"no cache at {tmp_path / 'typo'}" in done.stderr, done.stderr
    assert not (tmp_path / "typo").exists() and not (tmp_path / "x.tar").exists()


def test_a_fifo_in_a_file_remote_is_a_missing_entry_not_a_hang(tmp_path):
    remote = tmp_path / "shared"
    remote.mkdir()
    project = tmp_path / "p"
    project.mkdir()
    (project / "m.yaml").write_text(MANIFEST)
    url = f"file://{remote}"
    assert narrate("-q", "build", "m.yaml", "--remote", url, cwd=project, timeout=120).returncode == 0
    (entry,) = [p for p in remote.rglob("*") if p.is_file()]
    entry.unlink()
    os.mkfifo(entry)
    for leftover in (".narrate-cache", "out"):
        shutil.rmtree(project / leftover)
    (project / "narrate.lock").unlink()
    done = narrate("-q", "build", "m.yaml", "--remote", url, cwd=project, timeout=60)  # it hung for ever
    assert done.returncode == 0, done.stderr
    assert (project / "out" / "en_US" / "a.ulaw").is_file() and entry.is_file()  # synthesized again, shared again
