"""Builds split across machines (issue 14 item 5): four `narrate build --shard K/4` runners share a
moto S3 server on 127.0.0.1, synthesize through `narrate serve` (which counts every synthesis),
and a last `narrate build --offline` assembles outputs byte-identical to a single-machine build."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from pathlib import Path

import httpx
import pytest

from conftest import free_port, narrate, narrate_in, serve_process
from narrate.cache import SegmentCache
from narrate.cache.shards import ShardView, in_shard, parse_shard
from narrate.errors import UsageError

moto_server = pytest.importorskip("moto.server")
pytest.importorskip("uvicorn")

TEXTS = {f"p{i:02d}": f"Shard test prompt number {i}, please hold." for i in range(24)}


def manifest(server: str) -> str:
    lines = ["version: 1", "providers:", "  local:", "    kind: openai", f"    base_url: {server}/v1", "    concurrency: 4",
             "libraries:", "  shop:", "    output: out", "    formats: [ulaw, wav16]", "    provider: local",
             "    languages:", "      en-US: {voice: alloy}", "    prompts:"]
    return "\n".join(lines + [f"      {k}: {v}" for k, v in TEXTS.items()]) + "\n"


def test_partition_is_stable_and_complete():
    keys = [f"{i:08x}" + "0" * 56 for i in (0, 1, 2, 3, 4, 7, 0xFFFFFFFF)]
    assert [k for k in keys if in_shard(k, (1, 4))] == [keys[0], keys[4]]  # 0 and 4: remainder 0 -> shard 1
    assert [k for k in keys if in_shard(k, (4, 4))] == [keys[3], keys[5], keys[6]]  # 3, 7, 2**32-1
    assert all(sum(in_shard(k, (s, 3)) for s in (1, 2, 3)) == 1 for k in keys)  # each key in exactly one shard
    assert parse_shard("2/4") == (2, 4) and parse_shard(" 1 / 1 ") == (1, 1)
    for bad, message in (("0/4", "K must be between 1 and N"), ("5/4", "K must be between 1 and N"),
                         ("x", "K/N"), ("1/0", "between 1 and N"), ("-1/4", "K/N"), ("1/4/2", "K/N")):
        with pytest.raises(UsageError, match=message):
            parse_shard(bad)


def test_shard_view_asks_about_its_own_keys_only(tmp_path):
    asked: list[list[str]] = []

    class Cache:
        directory = tmp_path

        def missing(self, keys):
            asked.append(list(keys))
            return set(keys)

    keys = [f"{i:08x}" + "a" * 56 for i in range(8)]
    view = ShardView(Cache(), (2, 4))
    assert view.missing(keys) == {keys[1], keys[5]} and asked == [[keys[1], keys[5]]]
    assert view.directory == tmp_path


@pytest.mark.slow
def test_four_shards_synthesize_each_segment_once_and_assemble_identically(tmp_path):
    port = free_port()
    s3 = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    s3.start()
    try:
        bucket = f"narrate-{uuid.uuid4().hex[:12]}"
        env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
               "NARRATE_S3_ENDPOINT": f"http://127.0.0.1:{port}", "NARRATE_REMOTE_CACHE": f"s3://{bucket}/segments"}
        auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
        httpx.put(f"http://127.0.0.1:{port}/{bucket}", headers={"Authorization": auth},
                  timeout=60).raise_for_status()  # moto's first request loads its backends: slow on a busy machine
        with serve_process(tmp_path) as server:
            text = manifest(server)
            shard_counts = []
            for k in (1, 2, 3, 4):
                runner = tmp_path / f"shard-{k}"
                runner.mkdir()
                (runner / "m.yaml").write_text(text)
                done = narrate("-q", "build", "--json", "--shard", f"{k}/4", "m.yaml", cwd=runner, env=env, timeout=300)
                assert done.returncode == 0, done.stderr
                report = json.loads(done.stdout)
                assert report["errors"] == [] and report["outputs_written"] == 0
                assert not (runner / "out").exists() and not (runner / "narrate.lock").exists()  # no outputs
                keys = list(SegmentCache(runner / ".narrate-cache").keys())
                assert len(keys) == report["synthesized"] == report["segments"]
                assert all(in_shard(key, (k, 4)) for key in keys)  # nothing of another shard fetched or made
                shard_counts.append(report["synthesized"])
            human = narrate_in("build", "--shard", "1/4", "m.yaml", cwd=tmp_path / "shard-1", env=env)
            assert human.returncode == 0
            assert "shard 1/4: segments written to the cache only, no outputs written" in human.stderr
            stats = httpx.get(server + "/stats", timeout=30).json()
            assert sorted(stats["syntheses"]) == sorted(hashlib.sha256(t.encode()).hexdigest()[:16] for t in TEXTS.values())
            assert all(n == 1 for n in stats["syntheses"].values()), stats["syntheses"]  # each exactly once
            assert sum(shard_counts) == len(TEXTS) and all(n > 0 for n in shard_counts), shard_counts

            assembler = tmp_path / "assemble"
            assembler.mkdir()
            (assembler / "m.yaml").write_text(text)
            done = narrate("-q", "build", "--json", "--offline", "m.yaml", cwd=assembler, env=env, timeout=300)
            assert done.returncode == 0, done.stderr
            report = json.loads(done.stdout)
            assert (report["synthesized"], report["cached"], report["outputs_written"]) == (0, 24, 48)

            single = tmp_path / "single"
            single.mkdir()
            (single / "m.yaml").write_text(text)
            alone = {k: v for k, v in env.items() if k != "NARRATE_REMOTE_CACHE"}
            done = narrate("-q", "build", "--json", "m.yaml", cwd=single, env=alone, timeout=300)
            assert done.returncode == 0 and json.loads(done.stdout)["synthesized"] == 24, done.stderr
    finally:
        s3.stop()

    def outputs(root: Path) -> dict[str, bytes]:
        out = root / "out"
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    assembled, reference = outputs(assembler), outputs(single)
    assert len(reference) == 49  # 24 prompts x 2 formats, and index.json
    assert assembled == reference


# ------------------------------------------------ a shard and its shared cache (attacker's findings)


def espeak_manifest(n: int, provider: str = "") -> str:
    lines = ["version: 1", *provider.splitlines(), "libraries:", "  shop:", "    output: out", "    formats: [ulaw]",
             *(["    provider: down"] if provider else []),
             "    languages: {en-US: {voice: %s, path: en}}" % ("alloy" if provider else "en-us"), "    prompts:"]
    return "\n".join(lines + [f"      p{i:02d}: Shard prompt number {i}." for i in range(n)]) + "\n"


@pytest.fixture
def moto_env():
    """A moto S3 server on 127.0.0.1 with no bucket at all, and the environment that points narrate at it."""
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
           "NARRATE_S3_ENDPOINT": f"http://127.0.0.1:{port}"}
    server.stop()


def test_a_refused_write_through_stops_the_shard_paying(tmp_path, moto_env):
    """No such bucket: existence checks say 'absent', and the first write-through is refused. The shard
    stops sending requests then (the one in flight with it may finish), exit 1, naming the remote."""
    (tmp_path / "m.yaml").write_text(espeak_manifest(40))
    done = narrate_in("-q", "build", "--json", "-j", "1", "--shard", "1/1", "--remote", "s3://no-such-bucket/seg",
                      "m.yaml", cwd=tmp_path, env=moto_env)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    paid = report["synthesized"]
    assert 1 <= paid <= 2, paid  # -j 1: two requests in flight at most (a local engine gets two per worker)
    [message] = [e["message"] for e in report["errors"]]
    assert message.startswith("cannot write the shared cache s3://no-such-bucket/seg: remote cache PUT "), message
    assert f"HTTP 404 NoSuchBucket; {paid} segments stored in the local cache only, {40 - paid} not requested" in message
    assert "error: cannot write the shared cache s3://no-such-bucket/seg" in done.stderr
    assert len(list(SegmentCache(tmp_path / ".narrate-cache").keys())) == paid  # what was paid is kept


def test_a_shard_shares_what_its_local_cache_already_has(tmp_path, moto_env):
    """Segments in the shard's local cache before it ran (an earlier local build) are uploaded, verified,
    where the shared cache lacks them: the assembler then finds everything. A remote that refuses them
    fails the shard before it pays for anything."""
    runner, shared = tmp_path / "runner", tmp_path / "shared"
    runner.mkdir()
    shared.mkdir()
    (runner / "m.yaml").write_text(espeak_manifest(6))
    assert narrate_in("-q", "build", "m.yaml", cwd=runner).returncode == 0  # everything in the local cache
    for k in (1, 2):
        done = narrate_in("-q", "build", "--json", "--shard", f"{k}/2", "--remote", f"file://{shared}", "m.yaml", cwd=runner)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["synthesized"] == 0
    keys = sorted(SegmentCache(runner / ".narrate-cache").keys())
    assert len(keys) == 6
    assert sorted(p.relative_to(shared).as_posix() for p in shared.rglob("*") if p.is_file()) == [f"{k[:2]}/{k}" for k in keys]
    assembler = tmp_path / "assembler"
    assembler.mkdir()
    (assembler / "m.yaml").write_text(espeak_manifest(6))
    done = narrate_in("-q", "build", "--json", "--offline", "--remote", f"file://{shared}", "m.yaml", cwd=assembler)
    assert done.returncode == 0, done.stderr
    assert (json.loads(done.stdout)["synthesized"], json.loads(done.stdout)["outputs_written"]) == (0, 6)
    # A shard reads nothing: on a fresh runner, segments the shared cache holds are checked, not downloaded.
    done = narrate_in("-q", "build", "--json", "--shard", "1/1", "--remote", f"file://{shared}", "m.yaml", cwd=assembler)
    assert done.returncode == 0 and json.loads(done.stdout)["synthesized"] == 0, done.stderr
    assert sorted(SegmentCache(assembler / ".narrate-cache").keys()) == keys  # the assembler's, none added
    # The shared cache refuses the upload: exit 1, the remote named, nothing paid, no success line.
    (runner / "m.yaml").write_text(espeak_manifest(8))  # two new prompts the shard would synthesize
    done = narrate_in("build", "--json", "--shard", "1/1", "--remote", "s3://no-such-bucket/seg", "m.yaml", cwd=runner,
                      env=moto_env)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["synthesized"] == 0 and len(list(SegmentCache(runner / ".narrate-cache").keys())) == 6
    [message] = [e["message"] for e in report["errors"]]
    assert message.startswith("cannot write the shared cache s3://no-such-bucket/seg: remote cache PUT "), message
    assert "HTTP 404 NoSuchBucket; 0 segments uploaded, this shard synthesized nothing" in message


def test_a_shard_makes_its_segments_even_when_its_outputs_are_current(tmp_path):
    """Outputs current (an earlier local build) but the cache gone: the shard writes no outputs, yet its
    segments must reach the shared cache, so it synthesizes them rather than exit 0 with nothing shared."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (tmp_path / "m.yaml").write_text(espeak_manifest(4))
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    shutil.rmtree(tmp_path / ".narrate-cache")
    done = narrate_in("-q", "build", "--json", "--shard", "1/1", "--remote", f"file://{shared}", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["synthesized"] == 4
    assert len([p for p in shared.rglob("*") if p.is_file()]) == 4


def test_a_shard_names_failed_segments_as_a_build_does(tmp_path):
    """A provider that is down: each failure names the prompt, language, provider, length and key, and
    the shard does not claim to have written its segments."""
    (tmp_path / "m.yaml").write_text(espeak_manifest(2, provider=(
        "providers:\n  down:\n    kind: openai\n    base_url: http://127.0.0.1:9/v1\n    max_attempts: 1\n"
        "    api_key_env: NARRATE_TEST_KEY")))
    shared = tmp_path / "shared"
    shared.mkdir()
    env = {"NARRATE_TEST_KEY": "k"}
    done = narrate_in("build", "--shard", "1/1", "--remote", f"file://{shared}", "m.yaml", cwd=tmp_path, env=env)
    assert done.returncode == 1
    for name in ("p00", "p01"):
        assert re.search(rf"^error: shop/en-US/{name} \[down, 22 chars, [0-9a-f]{{12}}\]: down: connection error",
                         done.stderr, re.M), done.stderr
    assert "segments written to the cache" not in done.stderr
    report = json.loads(narrate_in("-q", "build", "--json", "--shard", "1/1", "--remote", f"file://{shared}", "m.yaml",
                                   cwd=tmp_path, env=env).stdout)
    assert sorted((e["code"], e["key"]) for e in report["errors"]) == [("synthesis_failed", "shop/en-US/p00"),
                                                                       ("synthesis_failed", "shop/en-US/p01")]
