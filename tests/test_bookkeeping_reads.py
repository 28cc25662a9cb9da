"""A one-edit rebuild's bookkeeping is proportional to the change (issue 14 item 2): files the build
has just written are not read back and hashed, and what they are recorded by still catches edits."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from fakes import FakeProvider
from narrate import fsutil
from narrate.build import BuildOptions, build
from narrate.cache import SegmentCache
from narrate.cache.state import BuildState
from narrate.manifest import load_manifest
from test_incremental_plan import MANIFEST

OWN = ("narrate.lock", "out/shop/index.json")


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider()
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: provider)
    return provider


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """Every file narrate hashes whole (fsutil.sha256_file, wherever it was imported), by path."""
    seen: list[str] = []
    real = fsutil.sha256_file

    def spy(path, *args, **kwargs):
        seen.append(Path(path).as_posix())
        return real(path, *args, **kwargs)

    for module in ("narrate.fsutil", "narrate.build", "narrate.cache.state"):
        monkeypatch.setattr(f"{module}.sha256_file", spy, raising=False)
    return seen


def run(path: Path, **opts):
    with SegmentCache(path.parent / ".narrate-cache") as cache:
        return build(load_manifest(path), cache, BuildOptions(**opts))


def state(project: Path) -> BuildState:
    return BuildState(project / ".narrate-cache", project / "m.yaml")


def test_a_one_edit_build_reads_back_neither_the_lock_nor_the_index(tmp_path, fake, hashed):
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    run(m)
    m.write_text(MANIFEST.replace("Please hold.", "Please hold on."))
    hashed.clear()
    report = run(m)
    assert not report.errors and report.outputs_written == 2
    assert not [p for p in hashed if p.endswith(OWN)], hashed
    # ... and the fast path still stands on them: the next build is a no-op, one that does nothing
    assert run(m).outputs_written == 0


@pytest.mark.parametrize("rel", OWN)
def test_an_own_file_recorded_by_signature_is_hashed_when_asked(tmp_path, fake, rel):
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    run(m)
    m.write_text(MANIFEST.replace("Please hold.", "Please hold on."))
    run(m)
    stats = state(tmp_path)
    assert stats.unchanged(tmp_path, rel)
    want = hashlib.sha256((tmp_path / rel).read_bytes()).hexdigest()
    assert stats.sha256(tmp_path, rel, want) == want
    assert stats.regular_sha256(tmp_path, rel, want) == want


@pytest.mark.parametrize("rel", OWN)
def test_an_own_file_rewritten_with_the_same_bytes_still_ends_the_fast_path(tmp_path, fake, rel):
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    run(m)
    m.write_text(MANIFEST.replace("Please hold.", "Please hold on."))
    run(m)
    target = tmp_path / rel
    data = target.read_bytes()
    st = target.stat()
    target.unlink()
    target.write_bytes(data)  # a new inode and ctime, the mtime put back
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not state(tmp_path).unchanged(tmp_path, rel)
    assert state(tmp_path).unchanged_summary(tmp_path) is None  # the no-op fast path does not answer


def test_a_signature_entry_with_a_stale_signature_is_hashed_again(tmp_path):
    """An entry recorded by signature alone ("" for its sha256) never stands for a digest."""
    (tmp_path / "f").write_bytes(b"one")
    stats = BuildState(tmp_path / "cache", tmp_path / "m.yaml")
    stats.record_signature(tmp_path, "f")
    assert stats.entries["f"][2] == ""
    one = hashlib.sha256(b"one").hexdigest()
    assert stats.sha256(tmp_path, "f", one) == one
    assert stats.entries["f"][2] == one  # now known (the digest expected): recorded


def test_a_digest_other_than_the_one_expected_is_not_kept(tmp_path):
    """The stat cache holds the paths where narrate wrote a file, or found the bytes its lock records: a
    file holding other bytes (a user's, claimed by a hand-edited lock) must not get an entry, which would
    make it narrate's (narrate.ownership); an entry narrate made when it wrote there stays."""
    (tmp_path / "mine").write_bytes(b"one")
    stats = BuildState(tmp_path / "cache", tmp_path / "m.yaml")
    assert stats.regular_sha256(tmp_path, "mine", "0" * 64) == hashlib.sha256(b"one").hexdigest()
    assert "mine" not in stats.entries and not stats.wrote("mine")
    (tmp_path / "out").write_bytes(b"one")
    stats.record(tmp_path, "out", hashlib.sha256(b"one").hexdigest())
    (tmp_path / "out").write_bytes(b"two")
    assert stats.regular_sha256(tmp_path, "out", "0" * 64) == hashlib.sha256(b"two").hexdigest()
    assert stats.wrote("out") and not stats.unchanged(tmp_path, "out")


def test_an_output_edited_in_place_with_its_mtime_put_back_is_written_again(tmp_path, fake):
    """Why a carried prompt's outputs are each lstat'ed (plan.carry), not vouched for by their folder:
    bytes rewritten in place, same size, mtime put back, leave the folder's mtime and the file's inode
    as they were; only the file's own ctime shows it, and a one-edit build must repair it."""
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    run(m)
    wav = tmp_path / "out/shop/en/nasa.wav"
    folder_before, st, good = wav.parent.stat(), wav.stat(), wav.read_bytes()
    with open(wav, "r+b") as f:
        f.seek(len(good) - 8)
        f.write(bytes(b ^ 0x55 for b in good[-8:]))
    os.utime(wav, ns=(st.st_atime_ns, st.st_mtime_ns))
    now = wav.stat()
    assert (now.st_ino, now.st_size, now.st_mtime_ns) == (st.st_ino, st.st_size, st.st_mtime_ns)
    assert wav.parent.stat().st_mtime_ns == folder_before.st_mtime_ns  # the folder cannot tell
    m.write_text(MANIFEST.replace("Please hold.", "Please hold on."))  # past the no-op fast path
    report = run(m)
    assert "out/shop/en/nasa.wav" in report.written
    assert wav.read_bytes() == good


@pytest.fixture
def read_back(monkeypatch) -> list[str]:
    """Every file read whole through Path.read_bytes, by path."""
    seen: list[str] = []
    real = Path.read_bytes

    def spy(self):
        seen.append(self.as_posix())
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    return seen


def test_a_same_size_edit_compares_the_lock_and_index_as_read_not_read_again(tmp_path, fake, read_back):
    """A one-edit build whose lock and index.json keep their sizes (a text edited to one as long) had
    write_if_changed read each whole again to compare; the bytes read at the start stand for them
    while the files keep their whole signature."""
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    run(m)
    sizes = {rel: (tmp_path / rel).stat().st_size for rel in OWN}
    before = {rel: (tmp_path / rel).read_bytes() for rel in OWN}
    m.write_text(MANIFEST.replace("Please hold.", "Please wait."))  # as long: the same sizes
    read_back.clear()
    report = run(m)
    during = [p for p in read_back if p.endswith(OWN)]
    assert not report.errors and report.outputs_written == 2
    assert {rel: (tmp_path / rel).stat().st_size for rel in OWN} == sizes  # the case this test is about
    assert all((tmp_path / rel).read_bytes() != before[rel] for rel in OWN)  # both were written
    assert b"Please wait." in (tmp_path / "narrate.lock").read_bytes()
    assert not during


def test_a_file_changed_since_read_is_compared_on_disk(tmp_path):
    """`was` stands for the file only under its whole signature: bytes rewritten in place (same size,
    mtime put back) are read again, and equal new bytes are then not written."""
    target = tmp_path / "f"
    target.write_bytes(b"old!")
    st = target.stat()
    was = (b"old!", fsutil.signature(st))
    with open(target, "r+b") as f:
        f.write(b"new!")
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not fsutil.write_if_changed(target, b"new!", was=was)  # on disk already: not written
    assert fsutil.write_if_changed(target, b"old!", was=was)  # the file says otherwise than `was`
    assert target.read_bytes() == b"old!"
    now = fsutil.signature(target.stat())
    assert not fsutil.write_if_changed(target, b"old!", was=(b"old!", now))
    assert fsutil.write_if_changed(target, b"abc!", was=(b"old!", now))
    assert target.read_bytes() == b"abc!"
