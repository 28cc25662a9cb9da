"""Crash safety (DESIGN.md 2.2, 2.3): SIGKILL a build at random points while it synthesizes through
`narrate serve`; every rerun completes, nothing is truncated, nothing is paid twice except requests
in flight at a kill. And two builds at once on one cache both succeed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from narrate.audio.riff import parse_wav  # noqa: E402
from narrate.cache import SegmentCache, decode_entry  # noqa: E402
from narrate.serve import BackgroundServer, ServeOptions  # noqa: E402

PROMPTS = 24
CONCURRENCY = 4


def write_manifest(path: Path, url: str, output: str = "out", round_: int = 0) -> None:
    lines = ["version: 1", "providers:", "  local:", "    kind: openai", f"    base_url: {url}/v1",
             f"    concurrency: {CONCURRENCY}", "    max_attempts: 8", "libraries:", "  crash:",
             f"    output: {output}", "    layout: asterisk", "    formats: [ulaw, wav]",
             "    provider: local", "    languages:", "      en-US: {voice: alloy, path: en}", "    prompts:"]
    for i in range(PROMPTS):
        lines.append(f"      p{i:02d}: Round {round_}, prompt number {i}, spoken for the crash test.")
    path.write_text("\n".join(lines) + "\n")


def narrate(*args: str, cache: Path) -> subprocess.Popen:
    env = {**os.environ, "NARRATE_CACHE": str(cache)}
    return subprocess.Popen([sys.executable, "-m", "narrate.cli", "-q", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_nothing_truncated(out: Path, cache_dir: Path) -> None:
    for f in out.rglob("*"):
        if f.is_file() and f.suffix == ".wav":
            info = parse_wav(f.read_bytes())
            assert info.missing_bytes == 0 and info.data_end > info.data_offset, f
        elif f.is_file() and f.suffix == ".ulaw":
            assert f.stat().st_size > 1000, f
    cache = SegmentCache(cache_dir)
    try:
        for key in cache.keys():
            decode_entry(key, cache.get_raw(key))  # checksum verified; raises if corrupt
    finally:
        cache.close()


def test_sigkill_at_random_points_then_rerun(tmp_path):
    rng = random.Random(20261123)
    cache_dir = tmp_path / "cache"
    manifest = tmp_path / "crash.yaml"
    kills = 0
    with BackgroundServer(ServeOptions(latency_ms=100, seed=7)) as server:
        for round_ in range(20):
            # New texts each round, so every kill lands while segments are being synthesized.
            write_manifest(manifest, server.url, round_=round_)
            before = server.stats()["requests"]
            kill_after = rng.randint(1, PROMPTS - CONCURRENCY)
            proc = narrate("build", str(manifest), cache=cache_dir)
            deadline = time.monotonic() + 60
            while server.stats()["requests"] < before + kill_after and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.1))  # anywhere in a request's life: sending, waiting, caching
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
            assert_nothing_truncated(tmp_path / "out", cache_dir)
            rerun = narrate("build", "--json", str(manifest), cache=cache_dir)
            stdout, stderr = rerun.communicate(timeout=300)
            assert rerun.returncode == 0, stderr
            assert json.loads(stdout)["errors"] == []
            assert_nothing_truncated(tmp_path / "out", cache_dir)
            assert len(list((tmp_path / "out" / "en").glob("*.ulaw"))) == PROMPTS
        stats = server.stats()
    assert kills >= 15, "the kills should land while the build is running"
    # Every prompt of every round paid at least once; extra payments only for requests in flight at a kill.
    paid = stats["syntheses"]
    assert len(paid) == 20 * PROMPTS
    extra = sum(n - 1 for n in paid.values())
    assert all(n <= 2 for n in paid.values())
    assert extra <= kills * CONCURRENCY, (extra, kills)


def test_two_builds_at_once_share_one_cache(tmp_path):
    cache_dir = tmp_path / "cache"
    with BackgroundServer(ServeOptions(latency_ms=20)) as server:
        a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
        write_manifest(a, server.url, output="out-a")
        write_manifest(b, server.url, output="out-b")
        procs = [narrate("build", "--json", str(m), cache=cache_dir) for m in (a, b)]
        results = [p.communicate(timeout=300) for p in procs]
        for proc, (stdout, stderr) in zip(procs, results):
            assert proc.returncode == 0, stderr
            assert json.loads(stdout)["errors"] == []
        stats = server.stats()
    for out in ("out-a", "out-b"):
        assert len(list((tmp_path / out / "en").glob("*.wav"))) == PROMPTS
    # Racing builds may both pay for a segment neither had cached yet, never more than that.
    assert all(n <= 2 for n in stats["syntheses"].values())
