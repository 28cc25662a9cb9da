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

from conftest import built_project, copy_of, narrate_in
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
    return built_project(tmp_path_factory, MANIFEST, "tier")


@pytest.fixture
def built(built_once, tmp_path) -> Path:
    """A fresh copy of a project built once: manifest, outputs and a warm cache."""
    return copy_of(built_once, tmp_path)


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


# -- 2. credentials in a remote URL are never shown

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCY"  # an AWS-style secret: a slash and a plus in it
CREDENTIAL_URLS = [
    f"s3://AKIAEXAMPLEKEY:{SECRET}@bucket/prefix",
    f"https://user:{SECRET}@cache.example.com/prefix",
    f"file://user:{SECRET}@/srv/cache",
    f"gs://bucket/prefix?token={SECRET}",
]


@pytest.mark.parametrize("url", CREDENTIAL_URLS)
@pytest.mark.parametrize("how", ["build --json", "build", "env", "push"])
def test_credentials_in_a_remote_url_are_masked(built, url, how):
    env = {}
    shutil.rmtree(built / "out")  # a build with work to do: the no-op check reads no remote setting
    if how == "env":
        args, env = ("build", "--json", "m.yaml"), {"NARRATE_REMOTE_CACHE": url}
    elif how == "push":
        args = ("cache", "push", "--remote", url, "-m", "m.yaml")
    else:
        args = (*how.split(), "--remote", url, "m.yaml")
    done = narrate_in(*args, cwd=built, env=env)
    no_traceback(done)
    shown = done.stdout + done.stderr
    assert done.returncode == 2, shown
    assert SECRET not in shown and SECRET.split("/")[0] not in shown and "AKIAEXAMPLEKEY" not in shown, shown
    assert "***" in shown and "remote cache URL" in shown, shown


def test_credentials_in_the_s3_endpoint_are_masked(built):
    env = {"NARRATE_S3_ENDPOINT": f"ftp://minio:{SECRET}@127.0.0.1:9"}
    done = narrate_in("build", "--json", "--remote", "s3://bucket/p", "m.yaml", cwd=built, env=env)
    shown = done.stdout + done.stderr
    assert done.returncode == 2 and SECRET.split("/")[0] not in shown and "***" in shown, shown


def test_remote_store_description_masks_endpoint_credentials():
    from narrate.cache.remote import RemoteStore

    store = RemoteStore("s3://bucket/p", endpoint=f"http://minio:{SECRET}@127.0.0.1:9",
                        config={"access_key_id": "a", "secret_access_key": "b"})
    assert SECRET.split("/")[0] not in store.where + store.url and "***" in store.where


@pytest.mark.parametrize("url", CREDENTIAL_URLS)
def test_credentials_in_the_manifests_remote_are_refused_unshown(built, url):
    text = (built / "m.yaml").read_text()
    (built / "m.yaml").write_text(text.replace("libraries:", f"cache: {{remote: {json.dumps(url)}}}\nlibraries:"))
    for args in (("build", "--json", "m.yaml"), ("validate", "m.yaml"), ("cache", "push", "-m", "m.yaml")):
        done = narrate_in(*args, cwd=built)
        shown = done.stdout + done.stderr
        assert done.returncode == 2 and "cache.remote" in shown, shown
        assert SECRET.split("/")[0] not in shown and "AKIAEXAMPLEKEY" not in shown, shown


# -- 3. a shared or imported entry's loudness levels are measured here, never taken on trust


def lie_about_levels(blob: bytes) -> bytes:
    """The entry with every kept level 30 dB too quiet: its audio, checksum and key material untouched,
    so it still verifies."""
    head, _, audio = blob.partition(b"\n")
    meta = json.loads(head)
    assert meta.get("levels"), "the build keeps levels in its entries"
    meta["levels"] = {memo: [level - 30.0, peak - 30.0] for memo, (level, peak) in meta["levels"].items()}
    return json.dumps(meta, sort_keys=True, ensure_ascii=False).encode() + b"\n" + audio


def outputs(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "out" / "en").iterdir())}


def test_levels_from_a_remote_entry_are_measured_again(built_once, tmp_path):
    remote = tmp_path / "remote"
    remote.mkdir()
    a = tmp_path / "a"
    shutil.copytree(built_once, a)
    pushed = narrate_in("cache", "push", "--remote", f"file://{remote}", "-m", "m.yaml", cwd=a)
    assert pushed.returncode == 0, pushed.stderr
    objects = [p for p in remote.rglob("*") if p.is_file()]
    assert len(objects) == 3
    for p in objects:
        p.write_bytes(lie_about_levels(p.read_bytes()))
    b = tmp_path / "b"
    b.mkdir()
    (b / "m.yaml").write_text(MANIFEST)
    done = narrate_in("build", "--json", "--offline", "--remote", f"file://{remote}", "m.yaml", cwd=b)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cached"] == 3
    assert outputs(b) == outputs(a)  # as loud as where the audio was first rendered


def test_levels_from_an_imported_entry_are_measured_again(built_once, tmp_path):
    import io
    import tarfile

    a = tmp_path / "a"
    shutil.copytree(built_once, a)
    assert narrate_in("cache", "export", str(tmp_path / "x.tar"), "-m", "m.yaml", cwd=a).returncode == 0
    lying = io.BytesIO()
    with tarfile.open(tmp_path / "x.tar") as src, tarfile.open(fileobj=lying, mode="w") as dst:
        for member in src.getmembers():
            blob = lie_about_levels(src.extractfile(member).read())
            member.size = len(blob)
            dst.addfile(member, io.BytesIO(blob))
    (tmp_path / "lying.tar").write_bytes(lying.getvalue())
    b = tmp_path / "b"
    b.mkdir()
    (b / "m.yaml").write_text(MANIFEST)
    done = narrate_in("cache", "import", str(tmp_path / "lying.tar"), "-m", "m.yaml", cwd=b)
    assert done.returncode == 0 and "imported 3" in done.stdout, done.stdout + done.stderr
    done = narrate_in("build", "--json", "--offline", "m.yaml", cwd=b)
    assert done.returncode == 0 and json.loads(done.stdout)["cached"] == 3, done.stdout + done.stderr
    assert outputs(b) == outputs(a)


# -- 4. an entry's recorded sample rate must be plausible and the one its request asked for


def with_header(blob: bytes, **changes) -> bytes:
    head, _, audio = blob.partition(b"\n")
    meta = {**json.loads(head), **changes}
    return json.dumps(meta, sort_keys=True, ensure_ascii=False).encode() + b"\n" + audio


@pytest.mark.parametrize("rate", [0, -22050, 3999, 192001, 10**12, 16000, 44100])
def test_an_entry_with_a_wrong_sample_rate_is_healed_and_synthesized_again(built, rate):
    before = outputs(built)
    with SegmentCache(built / ".narrate-cache") as cache:
        key = sorted(cache.keys())[0]
        blob = cache.get_raw(key)
        fmt = json.loads(blob.partition(b"\n")[0])["format"]
        assert fmt[2] == 22050 and fmt[2] != rate  # eSpeak's rate, which its key asks for
        cache.put_raw(key, with_header(blob, format=[fmt[0], fmt[1], rate]))
    verify = narrate_in("cache", "verify", "-m", "m.yaml", cwd=built)
    no_traceback(verify)
    assert verify.returncode == 1 and "1 corrupt" in verify.stdout, verify.stdout + verify.stderr
    assert f"corrupt {key[:12]}" in verify.stderr and "sample rate" in verify.stderr, verify.stderr
    shutil.rmtree(built / "out")
    done = narrate_in("build", "--json", "m.yaml", cwd=built)
    no_traceback(done)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["synthesized"] == 1 and report["cached"] == 2, done.stdout
    assert any(key[:12] in w and "sample rate" in w for w in report["warnings"]), report["warnings"]
    assert outputs(built) == before


# -- 5. listing commands read tampered metadata without a traceback, and say where it is

TAMPERED = [
    {"chars": "abc"}, {"chars": -5}, {"chars": 10**30}, {"chars": [12]}, {"chars": 1.5},
    {"created": "yesterday"}, {"created": 1e300}, {"created": float("nan")}, {"created": -1e12},
    {"provider": ["espeak", 1]}, {"provider": "x" * 5000},
]


@pytest.mark.parametrize("change", TAMPERED, ids=lambda c: f"{next(iter(c))}={str(next(iter(c.values())))[:12]}")
def test_stats_with_tampered_metadata_is_a_located_warning(built, change):
    with SegmentCache(built / ".narrate-cache") as cache:
        keys = sorted(cache.keys())
        key = keys[0]
        cache.put_raw(key, with_header(cache.get_raw(key), **change))
        good = sum(json.loads(cache.get_raw(k).partition(b"\n")[0])["chars"] for k in keys[1:])
    field = next(iter(change))
    for args in (("--json",), ()):
        done = narrate_in("cache", "stats", *args, "-m", "m.yaml", cwd=built)
        no_traceback(done)
        assert done.returncode == 0, done.stderr
        assert any(key[:12] in line and repr(field) in line for line in done.stderr.splitlines()), done.stderr
        assert len(done.stdout) < 2000, done.stdout  # a tampered field is not echoed whole
        if args:
            stats = json.loads(done.stdout)
            assert stats["entries"] == 3 and stats["corrupt"] == 0
            if field == "chars":
                assert stats["chars"] == good
            if field == "created":
                assert stats["oldest"] is not None and stats["oldest"] <= stats["newest"] < 4102444800
            if field == "provider":
                assert sorted(stats["by_provider"]) == ["?", "espeak"]
    for args in (("cache", "verify", "-m", "m.yaml"), ("cache", "prune", "m.yaml"),
                 ("cache", "export", "x.tar", "-m", "m.yaml")):
        done = narrate_in(*args, cwd=built)
        no_traceback(done)
        assert done.returncode == 0, done.stderr


# -- 6. a file:// remote inside the local cache or an output folder is refused


@pytest.mark.parametrize("where", [".narrate-cache", ".narrate-cache/ab", "out", "out/en", "link-to-cache"])
@pytest.mark.parametrize("command", ["build", "push"])
def test_a_file_remote_in_narrates_own_folders_is_refused(built, where, command):
    from conftest import snapshot

    (built / ".narrate-cache" / "ab").mkdir(exist_ok=True)
    (built / "link-to-cache").symlink_to(built / ".narrate-cache")
    shutil.rmtree(built / "out" / "en")  # work to do, so the build opens its caches
    (built / "out" / "en").mkdir()
    before = snapshot(built)
    url = f"file://{built / where}"
    args = ("build", "--remote", url, "m.yaml") if command == "build" else \
        ("cache", "push", "--remote", url, "-m", "m.yaml")
    done = narrate_in(*args, cwd=built)
    no_traceback(done)
    assert done.returncode == 2, (done.stdout, done.stderr)
    owner = "cache" if "cache" in where else "output"
    assert any("remote cache" in line and owner in line and str(built / where) in line
               for line in done.stderr.splitlines()), done.stderr
    assert snapshot(built) == before


# -- 7. links in the cache folder are never followed, to read, to write or to delete


def test_recovery_never_enters_a_linked_folder(built, tmp_path):
    import os

    from conftest import snapshot

    outside = tmp_path / "outside"
    with SegmentCache(built / ".narrate-cache") as cache:
        blobs = {k: cache.get_raw(k) for k in cache.keys()}
    # Valid entries out there, old enough that recovery would remove them once copied into the index.
    for i, blob in enumerate(blobs.values()):
        f = outside / "cd" / f"{i:032x}.val"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(blob)
        os.utime(f, (1e9, 1e9))
    # A first-level folder no entry uses (diskcache names its files at random), linked out: <link>/cd/*.val
    # matches the entry file glob.
    free = next(name for name in (f"{i:02x}" for i in range(256))
                if name != "ee" and not (built / ".narrate-cache" / name).exists())
    (built / ".narrate-cache" / free).symlink_to(outside)
    real = built / ".narrate-cache" / "ee" / "ee"
    real.mkdir(parents=True, exist_ok=True)  # diskcache names its files at random: one of the 3 may sit there
    (real / ("0" * 32 + ".val")).symlink_to(outside / "cd" / f"{0:032x}.val")  # a linked entry file
    before = snapshot(outside)
    (built / ".narrate-cache" / "cache.db").write_bytes(b"")  # an empty index: recovery runs
    for s in ("-wal", "-shm"):
        (built / ".narrate-cache" / f"cache.db{s}").unlink(missing_ok=True)
    done = narrate_in("cache", "verify", "--drop", "-m", "m.yaml", cwd=built)
    no_traceback(done)
    assert snapshot(outside) == before  # nothing outside read into the cache and removed
    assert "recovered 3 of 3" in done.stderr, done.stderr  # the cache's own files, not the linked ones
    with SegmentCache(built / ".narrate-cache") as cache:
        assert sorted(cache.keys()) == sorted(blobs)


def test_a_linked_entry_folder_is_never_written_through(built, tmp_path):
    from conftest import snapshot

    outside = tmp_path / "outside"
    outside.mkdir()
    folder = built / ".narrate-cache"
    shutil.rmtree(folder)
    folder.mkdir()
    for i in range(256):  # every first-level entry folder a link leading out of the cache
        (folder / f"{i:02x}").symlink_to(outside, target_is_directory=True)
    shutil.rmtree(built / "out")
    done = narrate_in("build", "--json", "m.yaml", cwd=built)
    no_traceback(done)
    assert done.returncode == 0 and json.loads(done.stdout)["synthesized"] == 3, done.stdout + done.stderr
    assert snapshot(outside) == {}
    with SegmentCache(folder) as cache:  # the entries are kept, readable, all the same
        assert len([k for k in cache.keys() if cache.get(k) is not None]) == 3


# -- 8. a full disk while a remote entry is copied into the local cache


def test_full_disk_while_fetching_a_remote_entry(built_once, tmp_path, monkeypatch):
    import errno
    import os

    remote = tmp_path / "remote"
    remote.mkdir()
    longer = MANIFEST + "      d: This prompt was paid for on another machine and waits in the shared cache.\n"
    a = tmp_path / "a"
    shutil.copytree(built_once, a)
    (a / "m.yaml").write_text(longer)
    assert narrate_in("-q", "build", "--remote", f"file://{remote}", "m.yaml", cwd=a).returncode == 0
    b = tmp_path / "b"
    shutil.copytree(built_once, b)
    (b / "m.yaml").write_text(longer)
    before = outputs(b)
    cache = b / ".narrate-cache"

    real_write = os.write

    def full_disk(fd: int, data) -> int:  # an entry file in b's cache: half of it fits, then ENOSPC
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
        if name.startswith(str(cache)) and name.endswith(".val"):
            real_write(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    done = narrate_in("build", "--remote", f"file://{remote}", "m.yaml", cwd=b)
    monkeypatch.undo()
    no_traceback(done)
    assert done.returncode != 0, done.stderr
    assert any(str(cache) in line and "No space left on device" in line for line in done.stderr.splitlines()), \
        done.stderr
    with SegmentCache(cache) as local:
        listed = {row[0] for row in local.store._sql("SELECT filename FROM Cache WHERE filename IS NOT NULL")}
        assert len(list(local.keys())) == 3
    files = {p.relative_to(cache).as_posix() for p in cache.rglob("*.val")}
    assert files == listed  # no partial entry file left behind
    assert outputs(b) == before  # the outputs built before are all there, unchanged


# -- and the index's own settings: a hostile cache.db's Settings table is not obeyed


@pytest.mark.parametrize("setting", [("sqlite_query_only", 1), ("sqlite_locking_mode", "EXCLUSIVE"),
                                     ("disk_surprise", 1), ("statistics", 1), ("sqlite_synchronous", 0),
                                     ("disk_min_file_size", 10**12)])
def test_settings_a_hostile_index_carries_are_not_applied(built, setting):
    db = sqlite3.connect(built / ".narrate-cache" / "cache.db")
    with db:
        db.execute("INSERT OR REPLACE INTO Settings VALUES (?, ?)", setting)
    db.close()
    with SegmentCache(built / ".narrate-cache") as cache:  # one entry lost: the build stores it again
        key = sorted(cache.keys())[0]
        cache.delete(key)
    shutil.rmtree(built / "out")
    done = narrate_in("build", "--json", "m.yaml", cwd=built)
    no_traceback(done)
    assert done.returncode == 0 and json.loads(done.stdout)["synthesized"] == 1, done.stdout + done.stderr
    with SegmentCache(built / ".narrate-cache") as cache:
        assert cache.get(key) is not None
        rows = dict(cache.store._sql("SELECT key, value FROM Settings").fetchall())
        assert cache.store.statistics == 0 and cache.store.disk.min_file_size == 32768
        filename = cache.store._sql("SELECT filename FROM Cache WHERE key = ?", (key,)).fetchall()[0][0]
    assert rows.get(setting[0]) != setting[1]
    assert filename is not None  # a large entry in a file of its own, as narrate writes it


def test_levels_from_an_s3_entry_are_measured_again(built_once, tmp_path):
    """The same through S3 (moto, signatures checked as in test_remote_cache)."""
    pytest.importorskip("moto.server")
    from test_remote_cache import Moto

    s3 = Moto()
    s3.server.start()
    try:
        s3.create_bucket()
        url = f"s3://{s3.bucket}/segments"
        a = tmp_path / "a"
        shutil.copytree(built_once, a)
        pushed = narrate_in("cache", "push", "--remote", url, "-m", "m.yaml", cwd=a, env=s3.env)
        assert pushed.returncode == 0, pushed.stderr
        store = s3.store()
        with SegmentCache(a / ".narrate-cache") as cache:
            for key in cache.keys():
                store.put(key, lie_about_levels(store.get(key)))
        store.close()
        b = tmp_path / "b"
        b.mkdir()
        (b / "m.yaml").write_text(MANIFEST)
        done = narrate_in("build", "--json", "--offline", "--remote", url, "m.yaml", cwd=b, env=s3.env)
        assert done.returncode == 0 and json.loads(done.stdout)["cached"] == 3, done.stdout + done.stderr
        assert outputs(b) == outputs(a)
    finally:
        s3.server.stop()
