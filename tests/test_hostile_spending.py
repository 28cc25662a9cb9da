"""Issue 9 items 5 and 6: a failed write stops spending at once, and racing builds never pay twice.

In process: a store that fails with ENOSPC after N entries, counting provider calls. Through the
CLI against `narrate serve` (in a thread, on 127.0.0.1): real small and read-only filesystems
(tmpfs; skipped with the reason where mounting is not permitted), a fault hook for EIO, racing
builds, and a build killed while it holds leases. Payment counts come from the server's /stats.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import assert_clean_failure, snapshot
from fakes import FakeProvider
from narrate.cache import SegmentCache
from narrate.plan import Segment
from narrate.providers.base import ProviderConfig, SynthesisRequest
from narrate.synth import SpendGuard, synthesize_missing

pytest.importorskip("uvicorn")

from narrate.serve import ServeOptions
from narrate.serve_run import BackgroundServer

CONCURRENCY = 2
TEXTS = 30
OWNED = ("out", "cache", "narrate.lock")  # what a build may change in the work folder

# The CLI with the cache's store failing after FAULT_AFTER entries with errno FAULT_ERRNO: a fault
# hook from outside, so narrate carries no test code.
FAULT_CLI = """
import errno, os, sys, threading
import narrate.cache as c
limit, err = int(os.environ["FAULT_AFTER"]), getattr(errno, os.environ["FAULT_ERRNO"])
orig, lock, count = c.SegmentCache.put_raw, threading.Lock(), [0]
def put_raw(self, key, blob):
    with lock:
        count[0] += 1
        fail = count[0] > limit
    if fail:
        raise OSError(err, os.strerror(err))
    return orig(self, key, blob)
c.SegmentCache.put_raw = put_raw
from narrate.cli import main
main(prog_name="narrate")
"""


# ------------------------------------------------------------------------------------------ helpers

class SlowProvider(FakeProvider):
    """FakeProvider whose requests take `delay` s, recording when each one started."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.starts: list[float] = []

    def synthesize(self, request):
        with self._lock:
            self.starts.append(time.monotonic())
        time.sleep(self.delay)
        return super().synthesize(request)


class FullCache(SegmentCache):
    """A real cache whose store fails with `err` from the (limit+1)th entry on."""

    def __init__(self, directory: Path, limit: int, err: int = errno.ENOSPC) -> None:
        super().__init__(directory)
        self.limit, self.err, self.puts = limit, err, 0
        self.failed_at: float | None = None
        self._count = threading.Lock()

    def put_raw(self, key: str, blob: bytes) -> None:
        with self._count:
            self.puts += 1
            if self.puts > self.limit:
                if self.failed_at is None:
                    self.failed_at = time.monotonic()
                raise OSError(self.err, os.strerror(self.err))
        super().put_raw(key, blob)


def segments(n: int, prefix: str = "Segment") -> list[Segment]:
    out = []
    for i in range(n):
        text = f"{prefix} number {i} of the spending test."
        out.append(Segment(hashlib.sha256(text.encode()).hexdigest(), "fake",
                           SynthesisRequest(text=text, voice="en-us", language="en-US")))
    return out


def write_manifest(folder: Path, url: str, texts: int = TEXTS, output: str = "out", round_: int = 0) -> Path:
    lines = ["version: 1", "providers:", "  local:", "    kind: openai", f"    base_url: {url}/v1",
             f"    concurrency: {CONCURRENCY}", "    max_attempts: 2", "libraries:", "  spend:",
             f"    output: {output}", "    layout: flat", "    formats: [ulaw]", "    provider: local",
             "    languages:", "      en-US: {voice: alloy}", "    prompts:"]
    lines += [f"      p{i:02d}: Round {round_}, prompt {i}, for the spending test." for i in range(texts)]
    path = folder / "m.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_cli(*args: str, cwd: Path, code: str | None = None, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    head = ["-c", code] if code else ["-m", "narrate.cli"]
    return subprocess.run([sys.executable, *head, "-q", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def start_cli(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "narrate.cli", "-q", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def outside(root: Path) -> dict:
    return {k: v for k, v in snapshot(root).items() if k.split("/")[0] not in OWNED}


def paid(server) -> tuple[int, dict[str, int]]:
    stats = server.stats()
    return stats["requests"], stats["syntheses"]


def cache_entries(cache_dir: Path) -> int:
    cache = SegmentCache(cache_dir)
    try:
        return len(list(cache.keys()))
    finally:
        cache.close()


def stop_counts(stderr: str) -> tuple[int, int]:
    """(stored, not requested) from the one-line stop message."""
    m = re.search(r"(\d+) segments stored, (\d+) not requested", stderr)
    assert m, stderr[-2000:]
    return int(m.group(1)), int(m.group(2))


def assert_lock_matches_disk(folder: Path) -> int:
    """Every output the lock lists exists with the recorded sha256, and every audio file is listed."""
    lock = json.loads((folder / "narrate.lock").read_text())
    listed = {}
    for entry in lock["manifests"]["m.yaml"]["prompts"].values():
        for rec in entry["outputs"].values():
            listed[rec["file"]] = rec["sha256"]
    for rel, digest in listed.items():
        assert hashlib.sha256((folder / rel).read_bytes()).hexdigest() == digest, rel
    on_disk = {p.relative_to(folder).as_posix() for p in (folder / "out").rglob("*.ulaw")}
    assert on_disk == set(listed)
    return len(listed)


@contextmanager
def small_fs(path: Path, size: str, *, read_only: bool = False, fill=None):
    """A tmpfs of `size` at `path` (optionally filled by `fill(path)` then remounted read-only)."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}); "
                    "the fault-hook tests cover the same path")
    try:
        if fill:
            fill(path)
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture(scope="module")
def server():
    with BackgroundServer(ServeOptions(latency_ms=60)) as srv:
        yield srv


@pytest.fixture
def fresh(server):
    server.reset_stats()
    return server


# --------------------------------------------------------------------------------- in process

@pytest.mark.parametrize("limit", [0, 5])
def test_store_failure_stops_new_requests_in_process(tmp_path, limit):
    provider = SlowProvider(0.03)
    segs = segments(40)
    cache = FullCache(tmp_path / "cache", limit)
    config = ProviderConfig(name="fake", kind="fake", concurrency=4)
    try:
        outcome = synthesize_missing(segs, {"fake": provider}, {"fake": config}, cache)
    finally:
        cache.close()
    calls = len(provider.calls)
    # The failing store ends request limit+1; at that moment at most 3 others were in flight.
    assert limit + 1 <= calls <= limit + 4, calls
    # No request started after the failure, save ones already handed to a worker (at most concurrency-1).
    assert len([t for t in provider.starts if t > cache.failed_at]) <= 3
    assert (outcome.synthesized, outcome.lost, outcome.not_requested) == (limit, calls - limit, 40 - calls)
    assert outcome.stop is not None and outcome.stop.kind == "cache" and outcome.stop.space
    assert outcome.failures == []
    message = outcome.stop_message()
    assert message.startswith(f"cannot write the cache at {tmp_path / 'cache'}: No space left on device (about ")
    assert message.endswith(f"; {limit} segments stored, {40 - calls} not requested, {calls - limit} paid but not stored")
    # The estimate: bytes per character received times the characters not stored.
    from fakes import tone_wav

    got = sum(len(tone_wav(t)) for t in provider.calls)
    unstored = sum(len(s.request.text) for s in segs) - outcome.chars
    assert outcome.needed_bytes() == int(got / sum(map(len, provider.calls)) * unstored)


def test_output_failure_reported_through_the_guard_stops_new_requests(tmp_path):
    provider = SlowProvider(0.02)
    guard = SpendGuard()
    done = []

    def on_done(seg, ok):
        done.append(seg)
        if len(done) == 3:  # the caller's first output write fails here
            from narrate.synth import write_failure

            guard.fail(write_failure(OSError(errno.EROFS, "Read-only file system"), "output", tmp_path / "out"))
            on_done.at = len(provider.calls)

    cache = SegmentCache(tmp_path / "cache")
    config = ProviderConfig(name="fake", kind="fake", concurrency=4)
    try:
        outcome = synthesize_missing(segments(40), {"fake": provider}, {"fake": config}, cache,
                                     on_done=on_done, guard=guard)
        stored = len(list(cache.keys()))
    finally:
        cache.close()
    calls = len(provider.calls)
    assert calls <= on_done.at + 3 and calls <= 3 + 4  # in flight when it failed, nothing newer
    assert (outcome.synthesized, outcome.lost, outcome.not_requested) == (calls, 0, 40 - calls)
    assert stored == calls  # the cache works: everything paid is kept
    assert outcome.stop.kind == "output" and not outcome.stop.space


def test_unwritable_lease_folder_sends_nothing(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "leases").write_text("not a folder")  # mkdir fails: the cache is unusable
    provider = SlowProvider(0)
    cache = SegmentCache(tmp_path / "cache")
    try:
        outcome = synthesize_missing(segments(5), {"fake": provider}, {"fake": ProviderConfig("fake", "fake")}, cache)
    finally:
        cache.close()
    assert provider.calls == []
    assert (outcome.synthesized, outcome.not_requested) == (0, 5)
    assert outcome.stop_message() == f"cannot write the cache at {tmp_path / 'cache'}: File exists; " \
                                     "0 segments stored, 5 not requested"


@pytest.mark.parametrize("holder_stores", [True, False])
def test_a_segment_another_build_holds_is_waited_for_not_paid(tmp_path, holder_stores):
    from fakes import tone_wav
    from narrate.providers.base import AudioFormat, SynthesisResult

    segs = segments(6)
    held = segs[2]
    code = ("import sys, time; from pathlib import Path; from narrate.cache.lease import SegmentLeases; "
            "lease = SegmentLeases(Path(sys.argv[1])).try_claim(sys.argv[2]); "
            "print('held' if lease else 'busy', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "cache"), held.key],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    provider = SlowProvider(0.01)
    cache = SegmentCache(tmp_path / "cache")
    found: dict = {}
    config = ProviderConfig(name="fake", kind="fake", concurrency=2)
    worker = threading.Thread(target=lambda: found.setdefault(
        "outcome", synthesize_missing(segs, {"fake": provider}, {"fake": config}, cache)))
    try:
        worker.start()
        deadline = time.monotonic() + 30
        while len(provider.calls) < 5:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.3)
        assert worker.is_alive() and held.request.text not in provider.calls  # waiting, not paying
        if holder_stores:  # the other build stores its result, then lets go
            other = SegmentCache(tmp_path / "cache")
            other.put(held.key, SynthesisResult(tone_wav(held.request.text), AudioFormat("wav", "pcm_s16le", 22050),
                                                "req-other", None), {})
            other.close()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    worker.join(timeout=10)
    cache.close()
    assert not worker.is_alive()
    outcome = found["outcome"]
    if holder_stores:
        assert (outcome.synthesized, outcome.shared, len(provider.calls)) == (5, 1, 5)
        assert held.request.text not in provider.calls
    else:  # the holder died without storing it: this build pays for it, once
        assert (outcome.synthesized, outcome.shared, len(provider.calls)) == (6, 0, 6)
        assert provider.calls.count(held.request.text) == 1


# ------------------------------------------------------------------------------- CLI, hostile

def test_cache_on_a_full_filesystem_stops_spending(tmp_path, fresh):
    write_manifest(tmp_path, fresh.url)
    before = outside(tmp_path)
    with small_fs(tmp_path / "cache", "1m") as cache_dir:
        done = run_cli("build", "--json", "--cache-dir", str(cache_dir), "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 1, f"cannot write the cache at {cache_dir}: No space left on device (about ",
                             "MB more needed); ", " segments stored, ", " not requested")
        report = json.loads(done.stdout)  # --json still prints its object, with the error in it
        assert report["error"].startswith(f"cannot write the cache at {cache_dir}: No space left on device")
        assert [e["message"] for e in report["errors"]] == [report["error"]]
        stored, unsent = stop_counts(report["error"])
        requests, syntheses = paid(fresh)
        subprocess.run(["mount", "-o", "remount,size=8m", str(cache_dir)], check=True)  # room to open it
        entries = cache_entries(cache_dir)
    lost = int(m.group(1)) if (m := re.search(r"(\d+) paid but not stored", report["error"])) else 0
    assert 0 < stored == report["synthesized"] and stored <= entries <= stored + lost
    assert requests == stored + lost == TEXTS - unsent  # nothing requested after the failure...
    assert 1 <= lost <= CONCURRENCY  # ...beyond the requests in flight when it happened
    assert all(n == 1 for n in syntheses.values()) and len(syntheses) == requests
    assert outside(tmp_path) == before


def test_cache_io_error_stops_spending(tmp_path, fresh):
    write_manifest(tmp_path, fresh.url)
    before = outside(tmp_path)
    done = run_cli("build", "--cache-dir", str(tmp_path / "cache"), "m.yaml", cwd=tmp_path, code=FAULT_CLI,
                   env={"FAULT_AFTER": "4", "FAULT_ERRNO": "EIO"})
    assert_clean_failure(done, 1, f"cannot write the cache at {tmp_path / 'cache'}: Input/output error; "
                                  "4 segments stored, ")
    assert "more needed" not in done.stderr  # not a space problem: no size to give
    stored, unsent = stop_counts(done.stderr)
    requests, syntheses = paid(fresh)
    assert stored == 4 and 5 <= requests <= 4 + CONCURRENCY and requests == TEXTS - unsent
    assert all(n == 1 for n in syntheses.values())
    assert cache_entries(tmp_path / "cache") == 4
    assert outside(tmp_path) == before
    # A rerun with a healthy cache pays exactly for what was not stored.
    fresh.reset_stats()
    rerun = run_cli("build", "--json", "--cache-dir", str(tmp_path / "cache"), "m.yaml", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["synthesized"] == TEXTS - 4 == paid(fresh)[0]
    assert assert_lock_matches_disk(tmp_path) == TEXTS


@pytest.mark.parametrize("filled", [False, True])
def test_read_only_cache_folder_sends_nothing(tmp_path, fresh, filled):
    # Empty, or filled by an earlier build of the first 10 texts, then made read-only. SQLite (in
    # WAL mode) cannot open a database on a read-only filesystem, so the cache refuses at once.
    def fill(cache_dir):
        if filled:
            write_manifest(tmp_path, fresh.url, texts=10)
            first = run_cli("build", "--cache-dir", str(cache_dir), "m.yaml", cwd=tmp_path)
            assert first.returncode == 0, first.stderr

    with small_fs(tmp_path / "cache", "8m", read_only=True, fill=fill) as cache_dir:
        write_manifest(tmp_path, fresh.url)
        before = outside(tmp_path)
        fresh.reset_stats()
        done = run_cli("build", "--json", "--cache-dir", str(cache_dir), "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 1, f"cannot open cache at {cache_dir}: ")
        assert paid(fresh)[0] == 0  # not one request: nothing could have been kept
    assert outside(tmp_path) == before


def test_cache_turning_read_only_mid_build_stops_spending(tmp_path, fresh):
    # A filesystem remounted read-only on an error (ext4's errors=remount-ro), as a fault hook.
    write_manifest(tmp_path, fresh.url)
    before = outside(tmp_path)
    done = run_cli("build", "--json", "--cache-dir", str(tmp_path / "cache"), "m.yaml", cwd=tmp_path,
                   code=FAULT_CLI, env={"FAULT_AFTER": "3", "FAULT_ERRNO": "EROFS"})
    assert_clean_failure(done, 1, f"cannot write the cache at {tmp_path / 'cache'}: Read-only file system; "
                                  "3 segments stored, ")
    report = json.loads(done.stdout)
    stored, unsent = stop_counts(report["error"])
    requests, syntheses = paid(fresh)
    assert report["synthesized"] == stored == 3 and 4 <= requests <= 3 + CONCURRENCY
    assert requests == TEXTS - unsent and all(n == 1 for n in syntheses.values())
    assert cache_entries(tmp_path / "cache") == 3
    # Prompts whose segments were stored are rendered and locked; the lock matches the disk.
    assert assert_lock_matches_disk(tmp_path) == report["outputs_written"] == 3
    assert outside(tmp_path) == before


def test_full_output_folder_stops_spending_and_a_rerun_pays_the_rest(tmp_path, fresh):
    write_manifest(tmp_path, fresh.url)
    before = outside(tmp_path)
    cache_dir = tmp_path / "cache"
    with small_fs(tmp_path / "out", "160k") as out:
        done = run_cli("build", "--json", "--cache-dir", str(cache_dir), "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 1, f"cannot write the output folder {out}/ulaw/en-US: No space left on device (about ",
                             " prompts written, ", " not written")
        report = json.loads(done.stdout)
        assert report["error"] in [e["message"] for e in report["errors"]]
        written = int(re.search(r"(\d+) prompts written", report["error"]).group(1))
        requests, syntheses = paid(fresh)
        # Stopped early; every request paid is stored in the (healthy) cache; none paid twice.
        assert written < TEXTS and requests < TEXTS
        assert cache_entries(cache_dir) == requests == report["synthesized"]
        assert all(n == 1 for n in syntheses.values())
        # Nothing half-written: every file on the small filesystem is whole (no temp files left).
        assert not [p for p in out.rglob("*") if p.name.startswith(".")]
        subprocess.run(["mount", "-o", "remount,size=8m", str(out)], check=True)
        fresh.reset_stats()
        rerun = run_cli("build", "--json", "--cache-dir", str(cache_dir), "m.yaml", cwd=tmp_path)
        assert rerun.returncode == 0, rerun.stderr
        assert paid(fresh)[0] == TEXTS - requests == json.loads(rerun.stdout)["synthesized"]
        assert assert_lock_matches_disk(tmp_path) == TEXTS
    assert outside(tmp_path) == before


def test_read_only_output_folder_stops_at_the_first_write(tmp_path, fresh):
    write_manifest(tmp_path, fresh.url)
    before = outside(tmp_path)
    with small_fs(tmp_path / "out", "1m", read_only=True) as out:
        done = run_cli("build", "--cache-dir", str(tmp_path / "cache"), "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 1, f"cannot write the output folder {out}/ulaw/en-US: Read-only file system; "
                                      f"0 prompts written, {TEXTS} not written")
        requests = paid(fresh)[0]
        assert list(out.iterdir()) == []
    assert requests == 0  # seen before paying: the folder is not writable
    assert outside(tmp_path) == before


@pytest.mark.slow
@pytest.mark.parametrize("builds", [2, 3])
def test_racing_builds_pay_each_text_once(tmp_path, fresh, builds):
    write_manifest(tmp_path, fresh.url)
    before = outside(tmp_path)
    procs = [start_cli("build", "--json", "--cache-dir", str(tmp_path / "cache"), "m.yaml", cwd=tmp_path)
             for _ in range(builds)]
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (stdout, stderr) in zip(procs, results, strict=False):
        assert proc.returncode == 0, stderr
        assert json.loads(stdout)["errors"] == []
    requests, syntheses = paid(fresh)
    assert requests == TEXTS and len(syntheses) == TEXTS and set(syntheses.values()) == {1}
    assert sum(json.loads(out)["synthesized"] for out, _ in results) == TEXTS
    assert assert_lock_matches_disk(tmp_path) == TEXTS
    assert list((tmp_path / "cache" / "leases").iterdir()) == []
    assert outside(tmp_path) == before


@pytest.mark.slow
def test_build_killed_holding_leases_then_rerun(tmp_path):
    with BackgroundServer(ServeOptions(latency_ms=400)) as slow:
        write_manifest(tmp_path, slow.url, texts=12)
        before = outside(tmp_path)
        leases = tmp_path / "cache" / "leases"
        victim = start_cli("build", "--cache-dir", str(tmp_path / "cache"), "m.yaml", cwd=tmp_path)
        deadline = time.monotonic() + 60
        while slow.stats()["requests"] < 3 and victim.poll() is None:  # mid-flight: leases held
            assert time.monotonic() < deadline
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        left = list(leases.iterdir())
        assert 1 <= len(left) <= CONCURRENCY  # left behind by the kill, but unlocked by the kernel
        kept = cache_entries(tmp_path / "cache")
        start = time.monotonic()
        done = run_cli("build", "--json", "--cache-dir", str(tmp_path / "cache"), "m.yaml", cwd=tmp_path)
        took = time.monotonic() - start
        assert done.returncode == 0, done.stderr
        stats = slow.stats()
    assert took < 60  # taken over at once, not after the lease wait (several minutes)
    extra = sum(n - 1 for n in stats["syntheses"].values())
    assert len(stats["syntheses"]) == 12 and extra <= CONCURRENCY  # only the requests in flight at the kill
    assert json.loads(done.stdout)["synthesized"] == 12 - kept  # the rerun pays only what was not stored
    assert list(leases.iterdir()) == []
    assert assert_lock_matches_disk(tmp_path) == 12
    assert outside(tmp_path) == before


def test_stop_messages_and_sizes():
    from narrate.outcome import WriteFailure, human_size

    assert [human_size(n) for n in (999, 1000, 3_149_000, 2 * 10**9)] == ["999 bytes", "1.0 kB", "3.1 MB", "2.0 GB"]
    full = WriteFailure("cache", "/x/.narrate-cache", "No space left on device", space=True)
    assert full.message(7, 73, 3_149_000) == ("cannot write the cache at /x/.narrate-cache: No space left on device "
                                              "(about 3.1 MB more needed); 7 segments stored, 73 not requested")
    io = WriteFailure("output", "/p/out/en", "Input/output error")
    assert io.message(2, 8, 10**6, done_word="written", not_done_word="not written", unit="prompts") == \
        "cannot write the output folder /p/out/en: Input/output error; 2 prompts written, 8 not written"
