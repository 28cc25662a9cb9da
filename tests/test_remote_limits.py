"""Bounds on what the remote cache tier reads, and how a remote that cannot be opened is reported
(attacker's findings): objects over the local cache's MAX_ENTRY_BYTES are never read whole, and a
file:// remote that is missing or not a folder is named, never created, and never aborts a build."""

from __future__ import annotations

import json
from pathlib import Path

import obstore
import pytest
from obstore.store import MemoryStore

from conftest import narrate_in
from narrate.cache import SegmentCache, encode_entry
from narrate.cache import remote as remote_mod
from narrate.cache.entry import key_from
from narrate.cache.remote import RemoteStore
from narrate.cache.store import MAX_ENTRY_BYTES
from narrate.cache.tiered import TieredCache
from narrate.errors import RemoteCacheError
from narrate.providers.base import AudioFormat, SynthesisResult

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages: {en-US: {voice: en-us, path: en}}
    prompts:
      a: Shared prompt one.
      b: Shared prompt two.
"""


def entry(text: str, repeat: int = 50) -> tuple[str, bytes]:
    blob = encode_entry(SynthesisResult(text.encode() * repeat, AudioFormat("raw", "mulaw", 8000)),
                        {"key_head": '{"test":1}', "text": text})
    return key_from(b'{"test":1}', text), blob


def machine(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    (root / "m.yaml").write_text(MANIFEST)
    return root


def test_an_object_over_the_limit_is_rejected_without_reading_its_body(tmp_path, monkeypatch):
    memory = MemoryStore()
    small_key, small = entry("small")
    big_key, big = entry("big", repeat=400)
    monkeypatch.setattr(remote_mod, "MAX_ENTRY_BYTES", len(small) + 100)
    assert len(big) > len(small) + 100
    store = RemoteStore("gs://team/segments", store=memory)
    store.put(small_key, small)
    store.put(big_key, big)
    real_get, read = obstore.get, []

    class Spy:  # what the store handed back: its metadata, and whether the body was read
        def __init__(self, result):
            self.result, self.meta = result, result.meta

        def stream(self, *args, **kwargs):
            read.append(self.meta["path"])
            return self.result.stream(*args, **kwargs)

        def bytes(self):
            read.append(self.meta["path"])
            return self.result.bytes()

    monkeypatch.setattr(obstore, "get", lambda st, path, *a, **kw: Spy(real_get(st, path, *a, **kw)))
    tiered = TieredCache(SegmentCache(tmp_path / "local"), store)
    assert tiered.missing([small_key, big_key]) == {big_key}
    assert read == [store.name_for(small_key)]  # the big object's body was never read
    assert tiered.local.get_raw(small_key) == small and big_key not in tiered.local
    assert tiered.remote_ok and store.breaker.failures == 0  # like a corrupt entry: the remote still works
    assert tiered.warnings == [f"remote entry {big_key[:12]} rejected: too large: {len(big):,} bytes, over the limit "
                               f"of {len(small) + 100:,}"]
    tiered.close()


def test_a_huge_object_in_a_shared_folder_is_rejected_and_resynthesized(tmp_path):
    """A sparse file just over MAX_ENTRY_BYTES where a segment should be: refused from its size, the
    build carries on (one warning), and the segment is synthesized again."""
    shared = tmp_path / "shared"
    shared.mkdir()
    a = machine(tmp_path, "a")
    assert narrate_in("-q", "build", "--remote", f"file://{shared}", "m.yaml", cwd=a).returncode == 0
    key = sorted(SegmentCache(a / ".narrate-cache").keys())[0]
    with open(shared / key[:2] / key, "r+b") as f:
        f.truncate(MAX_ENTRY_BYTES + 1)
    b = machine(tmp_path, "b")
    done = narrate_in("-q", "build", "--json", "--remote", f"file://{shared}", "m.yaml", cwd=b)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["synthesized"], report["cached"]) == (1, 1)
    assert [w for w in report["warnings"] if "remote" in w] == [
        f"remote entry {key[:12]} rejected: too large: {MAX_ENTRY_BYTES + 1:,} bytes, over the limit of {MAX_ENTRY_BYTES:,}"]
    # The segment paid for again was written through: the shared folder holds the good entry now.
    assert (shared / key[:2] / key).read_bytes() == SegmentCache(b / ".narrate-cache").get_raw(key)


# ------------------------------------------------ a file:// remote that cannot be opened

CREATE_FIRST = ("the folder does not exist (create it first: narrate never creates a remote cache folder, so that a "
                "share that is not mounted is not taken for an empty one)")


def unopenable(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A file:// remote that is a missing folder (two levels deep, as an unmounted share's mount point
    would be), or a file; and what narrate says about it."""
    if kind == "missing":
        return tmp_path / "mnt" / "share" / "segments", CREATE_FIRST
    (tmp_path / "a-file").write_text("not a folder\n")
    return tmp_path / "a-file", "not a folder"


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_an_unopenable_shared_folder_warns_and_the_build_carries_on(tmp_path, kind):
    folder, cause = unopenable(tmp_path, kind)
    a = machine(tmp_path, "a")
    done = narrate_in("-q", "build", "--json", "--remote", f"file://{folder}", "m.yaml", cwd=a)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["synthesized"], report["outputs_written"]) == (2, 2)
    assert [w for w in report["warnings"] if "remote" in w] == [
        f"remote cache unavailable, continuing with the local cache: remote cache file://{folder}: {cause}"]
    assert f"warning: remote cache unavailable, continuing with the local cache: remote cache file://{folder}: " \
           f"{cause}" in done.stderr
    assert not (tmp_path / "mnt").exists()  # never created


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_an_unopenable_shared_folder_fails_a_shard_and_a_push(tmp_path, kind):
    folder, cause = unopenable(tmp_path, kind)
    a = machine(tmp_path, "a")
    done = narrate_in("-q", "build", "--json", "--shard", "1/1", "--remote", f"file://{folder}", "m.yaml", cwd=a)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["synthesized"] == 0
    assert [e["message"] for e in report["errors"]] == [
        f"the shared cache is unavailable: this shard synthesized nothing (file://{folder}: {cause})"]
    pushed = narrate_in("cache", "push", "--remote", f"file://{folder}", "-m", "m.yaml", cwd=a)
    assert pushed.returncode == 1 and "Traceback" not in pushed.stderr
    assert f"error: remote cache file://{folder}: {cause}" in pushed.stderr
    assert not (tmp_path / "mnt").exists()


def test_a_missing_shared_folder_is_reported_by_every_request(tmp_path):
    store = RemoteStore(f"file://{tmp_path}/missing")
    for call in (lambda: store.get("ab" * 32), lambda: store.put("ab" * 32, b"x"), lambda: store.missing_keys(["ab" * 32])):
        with pytest.raises(RemoteCacheError, match=f"^remote cache file://{tmp_path}/missing: the folder does not exist"):
            call()
    assert store.requests == 0 and not (tmp_path / "missing").exists()
