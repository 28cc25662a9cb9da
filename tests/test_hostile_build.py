"""Hostile builds (DESIGN.md invariant 8, issue 9 items 1, 10, 13, 14): a hand-edited lock, symlinks
in the output folder, stale temp files, and a bug. Each test asserts the exit code, one located
line naming the file, no traceback, and that nothing outside narrate's own files changed.

Layout of every project (copied from one built template, so each test costs one small build):

    tmp/proj/m.yaml, narrate.lock, .narrate-cache/, out/shop/en/*.ulaw|*.wav, out/shop/index.json
    tmp/recordings/keep.wav     a user's file outside, which no lock may make narrate delete
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import assert_clean_failure, narrate, narrate_in, snapshot
from narrate import errors, fsutil
from narrate.errors import OutputPathError

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
      welcome: Welcome to the shop.
      goodbye: Goodbye.
"""
KEEP = b"RIFF a recording nobody may delete"
OWNED = ("proj/out", "proj/.narrate-cache", "proj/narrate.lock")  # what a build may change


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
    """A copy of the built project, and a user's recording outside it."""
    shutil.copytree(template / "proj", tmp_path / "proj", symlinks=True)
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "keep.wav").write_bytes(KEEP)
    return tmp_path


def outside(root: Path, *also: str) -> dict:
    """Snapshot of everything but the folders and files a build owns (and `also`)."""
    skip = (*OWNED, *also)
    return {k: v for k, v in snapshot(root).items() if not any(k == s or k.startswith(s + "/") for s in skip)}


def build(tree: Path, *args: str) -> subprocess.CompletedProcess:
    return narrate("-q", "build", *args, "m.yaml", cwd=tree / "proj", timeout=120)


def edit_lock(tree: Path, edit) -> None:
    path = tree / "proj" / "narrate.lock"
    data = json.loads(path.read_text())
    edit(data["manifests"]["m.yaml"])
    path.write_text(json.dumps(data))


def add_entry(tree: Path, file: str, sha256: str, job_id: str = "shop/en-US/gone") -> None:
    """A lock entry for a prompt no longer in the manifest, naming `file`: the build's orphan."""
    entry = {"text": "gone", "segments": [], "recipe": "x",
             "outputs": {"ulaw": {"file": file, "sha256": sha256, "bytes": 1, "duration": 0.1}}}
    edit_lock(tree, lambda section: section["prompts"].__setitem__(job_id, entry))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- item 1: deletion stays inside narrate's own files


@pytest.mark.parametrize("file", ["../recordings/keep.wav", "out/shop/../../../recordings/keep.wav", "ABSOLUTE"])
def test_lock_naming_a_file_outside_cannot_delete_it(tree, file):
    keep = tree / "recordings" / "keep.wav"
    file = str(keep) if file == "ABSOLUTE" else file
    add_entry(tree, file, sha(KEEP))  # the right checksum: an attacker can compute it
    before = outside(tree)
    done = build(tree)
    assert_clean_failure(done, 0, "warning:", f"lists {file}", "is outside the output folder of library shop",
                         "left alone")
    assert keep.read_bytes() == KEEP
    assert outside(tree) == before
    lock = json.loads((tree / "proj" / "narrate.lock").read_text())
    assert "shop/en-US/gone" not in lock["manifests"]["m.yaml"]["prompts"]  # reported once, then forgotten
    again = build(tree)
    assert again.returncode == 0 and "warning" not in again.stderr


def test_lock_naming_a_file_through_a_symlinked_subfolder_cannot_delete_it(tree):
    (tree / "proj" / "out" / "shop" / "link").symlink_to(tree / "recordings", target_is_directory=True)
    add_entry(tree, "out/shop/link/keep.wav", sha(KEEP))
    before = outside(tree)
    done = build(tree)
    assert_clean_failure(done, 0, "warning:", "out/shop/link/keep.wav", "symlink that leaves its output folder",
                         "left alone")
    assert (tree / "recordings" / "keep.wav").read_bytes() == KEEP and outside(tree) == before


def test_file_in_the_output_folder_whose_bytes_changed_is_kept(tree):
    mine = tree / "proj" / "out" / "shop" / "en" / "old.ulaw"
    mine.write_bytes(b"a take the user re-recorded by hand")
    add_entry(tree, "out/shop/en/old.ulaw", sha(b"what narrate wrote"))
    done = build(tree)
    assert_clean_failure(done, 0, "warning:", "out/shop/en/old.ulaw", "changed since narrate wrote it", "left alone")
    assert mine.read_bytes() == b"a take the user re-recorded by hand"


def test_lock_naming_a_symlink_or_a_folder_is_left_alone(tree):
    en = tree / "proj" / "out" / "shop" / "en"
    (en / "alias.ulaw").symlink_to(en / "welcome.ulaw")
    (en / "folder.ulaw").mkdir()
    add_entry(tree, "out/shop/en/alias.ulaw", sha((en / "welcome.ulaw").read_bytes()))
    add_entry(tree, "out/shop/en/folder.ulaw", sha(b""), job_id="shop/en-US/gone2")
    done = build(tree)
    assert_clean_failure(done, 0, "out/shop/en/alias.ulaw", "is a symlink", "left alone")
    assert_clean_failure(done, 0, "out/shop/en/folder.ulaw", "is not a regular file", "left alone")
    assert (en / "alias.ulaw").is_symlink() and (en / "folder.ulaw").is_dir()


def test_a_file_narrate_wrote_is_still_removed(tree):
    """The control: an orphan inside the output folder with its recorded bytes goes, and its folder."""
    en = tree / "proj" / "out" / "shop" / "en"
    (en / "sub").mkdir()
    (en / "sub" / "old.ulaw").write_bytes(b"narrate wrote this")
    add_entry(tree, "out/shop/en/sub/old.ulaw", sha(b"narrate wrote this"))
    before = outside(tree)
    done = build(tree)
    assert done.returncode == 0 and "removed out/shop/en/sub/old.ulaw" in done.stderr, done.stderr
    assert not (en / "sub").exists() and outside(tree) == before


def test_a_name_with_control_characters_is_escaped(tree):
    add_entry(tree, "../recordings/\x1b[2Jkeep.wav", sha(KEEP))
    done = build(tree)
    assert_clean_failure(done, 0, "../recordings/\\x1b[2Jkeep.wav", "left alone")
    assert "\x1b" not in done.stderr


LOCK_MESSAGE = "delete it or restore it from git; narrate will rebuild it"


@pytest.mark.parametrize("text, where, fragment", [
    ("[1, 2, 3]\n", "narrate.lock:", "(top level): expected an object, found a list"),
    ('{"narrate_lock": 1, "manifests": []}\n', "narrate.lock:", "manifests: expected an object, found a list"),
    ('{"narrate_lock": 1, "manifests": {"m.yaml": {"prompts": {"a": 5}}}}\n', "narrate.lock:1:",
     "manifests.m.yaml.prompts.a: expected an object, found a number"),
    ('{"narrate_lock": 1, "manifests": {"m.yaml": {"prompts": {"a": {"outputs": {"ulaw": {"file": ["x"], '
     '"sha256": "0", "bytes": 1, "duration": 1}}}}}}}\n', "narrate.lock:1:", "outputs.ulaw.file: expected a string"),
    ('{"narrate_lock": 1, "manifests": {"m.yaml": {"prompts": {"a": {"outputs": {"ulaw": {"file": "x"}}}}}}}\n',
     "narrate.lock:1:", "outputs.ulaw.sha256: expected a string, found null"),
    ('{"narrate_lock": 7, "manifests": {}}\n', "narrate.lock:", "expected lock version 1 or 2, found 7"),
    ('{"narrate_lock": 1, "manifests": {"m.yaml": {"prompts": {"shop/welcome": {"outputs": {}}}}}}\n',
     "narrate.lock:1:", "prompts.shop/welcome: expected a prompt key library/language/name"),
    ('{"narrate_lock": 1, "manifests": {"m.yaml": {"books": {"b": {"outputs": {"mp3": {"file": "a\\u0000b", '
     '"sha256": "0", "bytes": 1, "duration": 1}}}}}}}\n', "narrate.lock:1:", "books.b.outputs.mp3.file: expected a file path"),
])
def test_lock_of_the_wrong_shape_is_a_clear_error(tree, text, where, fragment):
    (tree / "proj" / "narrate.lock").write_text(text)
    before = outside(tree)
    out_before = snapshot(tree / "proj" / "out")
    done = build(tree)
    assert_clean_failure(done, 2, "error:", where, fragment, LOCK_MESSAGE)
    assert outside(tree) == before and snapshot(tree / "proj" / "out") == out_before
    assert (tree / "proj" / "narrate.lock").read_text() == text  # left for the user to look at


def test_wrong_types_deep_in_a_real_lock_are_located_by_line(tree):
    def edit(section):
        return section["prompts"]["shop/en-US/welcome"]["outputs"]["wav"].__setitem__("bytes", "many")
    path = tree / "proj" / "narrate.lock"
    data = json.loads(path.read_text())
    edit(data["manifests"]["m.yaml"])
    from narrate.cache.lock import json_object_lines
    path.write_text('{"narrate_lock": 1, "manifests": {\n "m.yaml": {\n  "books": {},\n  "prompts": '
                    + json_object_lines(data["manifests"]["m.yaml"]["prompts"], indent="   ") + "\n }\n}}\n")
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if '"shop/en-US/welcome"' in text)
    done = build(tree)
    assert_clean_failure(done, 2, f"narrate.lock:{line}:", "shop/en-US/welcome.outputs.wav.bytes",
                         "expected a number, found a string", LOCK_MESSAGE)


def test_truncated_lock_json_is_a_clear_error(tree):
    path = tree / "proj" / "narrate.lock"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    done = build(tree)
    assert_clean_failure(done, 2, "error:", "narrate.lock:", "not valid JSON", LOCK_MESSAGE)
    plan = narrate_in("plan", "m.yaml", cwd=tree / "proj")
    assert_clean_failure(plan, 2, "narrate.lock:", "not valid JSON", LOCK_MESSAGE)


# -- item 2: no write through a symlink


def fresh(tree: Path) -> Path:
    """The project with no outputs and no lock (the cache stays: nothing is synthesized)."""
    proj = tree / "proj"
    shutil.rmtree(proj / "out")
    (proj / "narrate.lock").unlink()
    return proj


def test_symlinked_subfolder_pointing_outside_is_refused(tree):
    proj = fresh(tree)
    (tree / "elsewhere").mkdir()
    (proj / "out" / "shop").mkdir(parents=True)
    (proj / "out" / "shop" / "en").symlink_to(tree / "elsewhere", target_is_directory=True)
    before = outside(tree)
    done = build(tree)
    assert_clean_failure(done, 1, "error: shop/en-US/welcome:", "out/shop/en/welcome.ulaw",
                         "is a symlink to", "outside the output folder")
    assert list((tree / "elsewhere").iterdir()) == [] and outside(tree) == before
    assert (proj / "out" / "shop" / "en").is_symlink()


def test_output_file_that_is_a_symlink_to_outside_is_refused(tree):
    keep = tree / "recordings" / "keep.wav"
    welcome = tree / "proj" / "out" / "shop" / "en" / "welcome.wav"
    welcome.unlink()
    welcome.symlink_to(keep)
    before = outside(tree)
    done = build(tree)
    assert_clean_failure(done, 1, "error: shop/en-US/welcome:", "out/shop/en/welcome.wav", "is a symlink to",
                         "keep.wav", "outside the output folder")
    assert keep.read_bytes() == KEEP and welcome.is_symlink() and outside(tree) == before


def test_output_file_that_is_a_symlink_inside_is_replaced_by_a_regular_file(tree):
    en = tree / "proj" / "out" / "shop" / "en"
    kept = (en / "goodbye.wav").read_bytes()
    (en / "welcome.wav").unlink()
    (en / "welcome.wav").symlink_to(en / "goodbye.wav")
    done = build(tree)
    assert done.returncode == 0, done.stderr
    assert not (en / "welcome.wav").is_symlink() and (en / "welcome.wav").read_bytes()[:4] == b"RIFF"
    assert (en / "goodbye.wav").read_bytes() == kept  # the link was replaced, not written through


def test_output_folder_symlink_chain_is_followed_at_its_root(tree):
    """The declared folder is the user's: a chain of links at its root is followed once."""
    proj = fresh(tree)
    (tree / "real").mkdir()
    (tree / "hop2").symlink_to(tree / "real", target_is_directory=True)
    (tree / "hop1").symlink_to(tree / "hop2", target_is_directory=True)
    (proj / "out").symlink_to(tree / "hop1", target_is_directory=True)
    before = outside(tree, "real")
    done = build(tree)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tree / "real" / "shop" / "en").iterdir()) == [
        "goodbye.ulaw", "goodbye.wav", "welcome.ulaw", "welcome.wav"]
    assert outside(tree, "real") == before


def test_symlink_chain_below_the_output_folder_that_ends_outside_is_refused(tree):
    proj = fresh(tree)
    shop = proj / "out" / "shop"
    shop.mkdir(parents=True)
    (tree / "elsewhere").mkdir()
    (shop / "hop").symlink_to(tree / "elsewhere", target_is_directory=True)
    (shop / "en").symlink_to(shop / "hop", target_is_directory=True)  # inside, then out
    before = outside(tree)
    done = build(tree)
    assert_clean_failure(done, 1, "error: shop/en-US/goodbye:", "out/shop/en/goodbye.ulaw", "outside the output folder")
    assert list((tree / "elsewhere").iterdir()) == [] and outside(tree) == before


def test_review_page_folder_with_a_link_out_is_refused(tree):
    (tree / "proj" / "m.yaml").write_text(MANIFEST.replace("[ulaw, wav]", "[ulaw]"))  # previews needed
    assert build(tree).returncode == 0
    review = tree / "review"
    review.mkdir()
    (review / "report-audio").symlink_to(tree / "recordings", target_is_directory=True)
    before = outside(tree, "review/review.html")
    done = narrate_in("report", "m.yaml", "-o", str(review / "review.html"), cwd=tree / "proj")
    assert_clean_failure(done, 1, "error:", "report-audio", "is a symlink to", "outside the output folder")
    assert outside(tree, "review/review.html") == before
    assert sorted(p.name for p in (tree / "recordings").iterdir()) == ["keep.wav"]


def test_index_json_that_is_a_symlink_to_outside_is_refused(tree):
    proj = tree / "proj"
    (proj / "m.yaml").write_text(MANIFEST.replace("goodbye: Goodbye.", "goodbye: Goodbye now."))
    index = proj / "out" / "shop" / "index.json"
    index.unlink()
    index.symlink_to(tree / "recordings" / "keep.wav")
    before = outside(tree)
    done = build(tree)
    assert_clean_failure(done, 1, "error: libraries.shop:", "index.json", "outside the output folder")
    assert outside(tree) == before


# -- item 14: kills leave nothing behind


def test_stale_temp_files_are_removed_and_look_alikes_kept(tree):
    en = tree / "proj" / "out" / "shop" / "en"
    host = fsutil._host()
    dead = en / f".narrate-tmp-4194305-{host}-abcd1234"  # above any pid_max: no such process
    dead_wav = en / f".narrate-tmp-4194305-{host}-abcd1234.wav"
    old = tree / "proj" / "out" / "shop" / ".narrate-tmp-4194305-other-host-abcd1234"
    live = en / f".narrate-tmp-{os.getpid()}-{host}-abcd1234"
    elsewhere = en / ".narrate-tmp-4194305-other-host-efgh5678"  # maybe a live build on that host
    beside_lock = tree / "proj" / f".narrate-tmp-4194305-{host}-zzzz9999"
    look_alikes = [en / ".narrate-tmp-notes.txt", en / ".narrate-tmp-4194305", en / f".narrate-tmp-x-{host}-abcd1234",
                   tree / "proj" / "out" / ".narrate-tmp-4194305-" ".", tree / "recordings" / dead.name]
    for path in (dead, dead_wav, old, live, elsewhere, beside_lock, *look_alikes):
        path.write_bytes(b"partial")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    before = outside(tree)
    done = build(tree)
    assert done.returncode == 0, done.stderr
    assert not dead.exists() and not dead_wav.exists() and not old.exists() and not beside_lock.exists()
    assert live.exists() and elsewhere.exists() and all(p.exists() for p in look_alikes)
    assert outside(tree) == {k: v for k, v in before.items() if k != f"proj/{beside_lock.name}"}


def test_a_killed_writer_leaves_a_recognisable_temp_file_that_the_next_build_removes(tree):
    """A real SIGKILL in the middle of fsutil.write_atomic (a 400 MB write) leaves exactly one
    `.narrate-tmp-<pid>-<host>-<random>` file in the output folder; the next build removes it."""
    en = tree / "proj" / "out" / "shop" / "en"
    code = ("import sys, pathlib; from narrate.fsutil import write_atomic\n"
            "write_atomic(pathlib.Path(sys.argv[1]), b'x' * (400 << 20), within=pathlib.Path(sys.argv[2]))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(en / "big.wav"), str(en.parent)])
    deadline = time.monotonic() + 30
    while not list(en.glob(".narrate-tmp-*")):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.001)
    proc.kill()
    proc.wait(timeout=30)
    left = list(en.glob(".narrate-tmp-*"))
    assert [p.name for p in left] and all(fsutil.is_stale_temp(p) for p in left), left
    assert not (en / "big.wav").exists()
    done = build(tree)
    assert done.returncode == 0, done.stderr
    assert list(en.glob(".narrate-tmp-*")) == []


# -- item 13: no traceback for the unexpected


def test_internal_error_is_one_line_and_exit_70(tree):
    boom = ("import sys, narrate.build as b\n"
            "def boom(*a, **k): raise RuntimeError('boom\\nsecond line')\n"
            "b.prepare_build = boom\n"
            "from narrate.cli import main\n"
            "sys.argv[0] = 'narrate'\n"
            "main()")
    cmd = [sys.executable, "-c", boom]
    done = subprocess.run([*cmd, "build", "m.yaml"], cwd=tree / "proj", capture_output=True, text=True, timeout=60)
    assert_clean_failure(done, 70, "internal error: RuntimeError: boom\\nsecond line; rerun with -v and report it")
    assert len(done.stderr.splitlines()) == 1
    verbose = subprocess.run([*cmd, "-v", "build", "m.yaml"], cwd=tree / "proj", capture_output=True, text=True,
                             timeout=60)
    assert verbose.returncode == 70 and "Traceback" in verbose.stderr and "in boom" in verbose.stderr


def test_internal_error_in_process(tree, monkeypatch):
    from narrate.cli import main

    def boom(*args, **kwargs):
        raise KeyError("no such thing")

    monkeypatch.setattr("narrate.build.prepare_build", boom)  # as `build` calls it
    monkeypatch.setattr("narrate.prepare.prepare_build", boom)  # as `plan` calls it
    monkeypatch.chdir(tree / "proj")
    result = CliRunner().invoke(main, ["build", "m.yaml"])
    assert result.exit_code == 70
    assert result.output.strip() == "internal error: KeyError: 'no such thing'; rerun with -v and report it"
    result = CliRunner().invoke(main, ["plan", "m.yaml"])
    assert result.exit_code == 70 and "internal error: KeyError" in result.output


# -- units of the one checked writer


def test_output_path_unit(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (tmp_path / "x").mkdir()
    (folder / "in").mkdir()
    (folder / "up").symlink_to(tmp_path / "x", target_is_directory=True)
    (folder / "side").symlink_to(folder / "in", target_is_directory=True)
    assert fsutil.output_path(folder, Path("a/b/c.wav")) == folder / "a" / "b" / "c.wav"
    assert (folder / "a" / "b").is_dir()
    assert fsutil.output_path(folder, Path("side/c.wav")) == folder / "in" / "c.wav"  # a link inside: followed
    for bad in ("../x/c.wav", "up/c.wav", "up/new/c.wav", str(tmp_path / "x" / "c.wav"), "."):
        with pytest.raises(OutputPathError):
            fsutil.output_path(folder, Path(bad))
    assert not (tmp_path / "x" / "new").exists()  # refused before any folder was made
    (folder / "fifo").mkdir()
    with pytest.raises(OutputPathError, match="a folder stands where an output file goes"):
        fsutil.output_path(folder, Path("fifo"))


def test_write_atomic_replaces_an_inside_link_itself(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "target").write_bytes(b"old")
    (folder / "link").symlink_to(folder / "target")
    assert fsutil.write_if_changed(folder / "link", b"new", within=folder)
    assert not (folder / "link").is_symlink() and (folder / "link").read_bytes() == b"new"
    assert (folder / "target").read_bytes() == b"old"
    assert not fsutil.write_if_changed(folder / "link", b"new", within=folder)  # same bytes: untouched
    assert [p.name for p in folder.iterdir() if p.name.startswith(".narrate-tmp-")] == []


def test_stale_name_pattern():
    host = fsutil._host()
    assert fsutil._STALE_NAME.fullmatch(f".narrate-tmp-12-{host}-ab_c1234.mp3")
    assert fsutil._STALE_NAME.fullmatch(".narrate-work-12-my-host.local-abc123")
    for name in (".narrate-tmp-notes.txt", ".narrate-tmp-12", ".narrate-tmp-12-host", ".narrate-tmpx-12-h-abc",
                 "narrate-tmp-12-h-abc", ".narrate-tmp-12-h-ABC", ".narrate-tmp-12-h-abc.mp3~"):
        assert not fsutil._STALE_NAME.fullmatch(name), name
    assert socket.gethostname()  # the host part is this machine's name, made file-safe


def test_release_archive_that_is_a_symlink_to_outside_is_refused(tree):
    proj = tree / "proj"
    packages = proj / "out" / "packages"
    packages.mkdir()
    (packages / "shop-en-US-ulaw-1.0.tar.gz").symlink_to(tree / "recordings" / "keep.wav")
    before = outside(tree)
    done = narrate_in("package", "m.yaml", cwd=proj)
    assert_clean_failure(done, 1, "error:", "shop-en-US-ulaw-1.0.tar.gz", "is a symlink to", "outside the output folder")
    assert (tree / "recordings" / "keep.wav").read_bytes() == KEEP and outside(tree) == before


def test_procs_stop_all_kills_running_children_and_refuses_new_ones():
    import signal
    import threading

    from narrate import procs
    from narrate.errors import Interrupted

    results = []
    worker = threading.Thread(target=lambda: results.append(procs.run(["sleep", "30"])))
    worker.start()
    deadline = time.monotonic() + 10
    while not procs.live_pids():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    t0 = time.monotonic()
    try:
        assert procs.stop_all(signal.SIGTERM) == 1
        worker.join(timeout=10)
        assert time.monotonic() - t0 < 5 and results[0].returncode == -signal.SIGKILL
        with pytest.raises(Interrupted) as info:
            procs.run(["true"])
        assert info.value.exit_code == 143 and procs.live_pids() == []
    finally:
        procs.reset()
    assert procs.run(["true"]).returncode == 0


def test_review_page_never_reads_what_the_lock_names_outside(tree):
    """A lock pointing a prompt at /dev/zero (endless) or at a user's file: the page skips the row."""
    def point(section):
        section["prompts"]["shop/en-US/welcome"]["outputs"]["wav"]["file"] = "/dev/zero"
        section["prompts"]["shop/en-US/goodbye"]["outputs"]["wav"]["file"] = "../recordings/keep.wav"

    edit_lock(tree, point)
    before = outside(tree, "review.html", "review.state.json")
    done = narrate("report", "m.yaml", "-o", str(tree / "review.html"), cwd=tree / "proj", timeout=60)
    assert done.returncode == 0 and done.stdout.strip().endswith("review.html: 0 recordings"), done
    assert "keep.wav" not in (tree / "review.html").read_text()
    assert outside(tree, "review.html", "review.state.json") == before


def test_stale_temp_cleanup_never_follows_links(tmp_path):
    folder, away = tmp_path / "out", tmp_path / "away"
    folder.mkdir()
    away.mkdir()
    name = f".narrate-tmp-4194305-{fsutil._host()}-abcd1234"
    (away / name).write_bytes(b"not narrate's to clean here")
    (folder / "link").symlink_to(away, target_is_directory=True)  # a link into another folder
    (folder / name).symlink_to(away / name)  # a link with narrate's name: not a regular file
    work = folder / f".narrate-work-4194305-{fsutil._host()}-abcd1234"
    work.mkdir()
    (work / name).write_bytes(b"partial")
    assert fsutil.remove_stale_temps(folder) == [work]
    assert (away / name).exists() and (folder / name).is_symlink() and not work.exists()


def test_shown_escapes_what_a_terminal_would_act_on():
    assert errors.shown("out/\x1b[2Jx\u202e.wav\u200b") == "out/\\x1b[2Jx\\u202e.wav\\u200b"
    assert errors.shown("añø/日本.wav") == "añø/日本.wav"


def test_book_outputs_are_held_to_the_book_folder(tmp_path):
    from narrate.cache.lock import RecordedOutput
    from narrate.manifest import load_manifest
    from narrate.removal import check_removable

    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01.md").write_text("# One\n\nA sentence.\n")
    (tmp_path / "book.yaml").write_text("version: 1\nbooks:\n  guide:\n    title: Guide\n    sources: ch/*.md\n"
                                        "    formats: [mp3]\n    output: out/guide\n")
    (tmp_path / "out" / "guide").mkdir(parents=True)
    (tmp_path / "out" / "guide" / "old.mp3").write_bytes(b"mp3")
    (tmp_path / "keep.mp3").write_bytes(b"mp3")
    manifest = load_manifest(tmp_path / "book.yaml")
    ok = RecordedOutput("book", "guide", "out/guide/old.mp3", sha(b"mp3"))
    assert check_removable(manifest, ok) == (tmp_path / "out" / "guide" / "old.mp3", "")
    assert check_removable(manifest, RecordedOutput("book", "guide", "keep.mp3", sha(b"mp3"))) == (
        None, "is outside the output folder of book guide")
    assert check_removable(manifest, RecordedOutput("book", "gone", "keep.mp3", sha(b"mp3"))) == (
        None, "is outside every output folder this manifest declares")
    assert check_removable(manifest, RecordedOutput("book", "gone", "out/guide/old.mp3", sha(b"mp3")))[1] == ""
    assert check_removable(manifest, RecordedOutput("book", "guide", "out/guide/none.mp3", sha(b"mp3"))) == (None, "")
