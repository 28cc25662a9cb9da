"""The shared remote cache tier against a real S3-compatible server (moto) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from narrate.remote import EMPTY_SHA256, Credentials, RemoteStore, sigv4_headers

moto_server = pytest.importorskip("moto.server")

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
      c: Shared prompt three.
"""


def test_sigv4_matches_the_aws_documentation_example():
    # "Example: GET Object" from the AWS Signature Version 4 documentation for S3.
    headers = sigv4_headers("GET", "https://examplebucket.s3.amazonaws.com/test.txt", region="us-east-1", service="s3",
                            creds=Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                            payload_sha256=EMPTY_SHA256, now=dt.datetime(2013, 5, 24, tzinfo=dt.timezone.utc),
                            headers={"Range": "bytes=0-9"})
    assert headers["Authorization"].endswith(
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    assert "wJalr" not in repr(Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3(monkeypatch):
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    store = RemoteStore("s3://narrate-team/segments")
    url = f"http://127.0.0.1:{port}/narrate-team"
    headers = sigv4_headers("PUT", url, region="us-east-1", service="s3", creds=store.creds,
                            payload_sha256=EMPTY_SHA256, now=dt.datetime.now(dt.timezone.utc))
    assert httpx.put(url, headers=headers).status_code == 200  # create the bucket
    store.close()
    yield {"server": server, "env": env, "port": port}
    server.stop()


def narrate(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "narrate.cli", "-q", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **env})


def machine(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    (root / "m.yaml").write_text(MANIFEST)
    return root


def test_second_machine_reuses_what_the_first_paid_for(tmp_path, s3):
    remote = ["--remote", "s3://narrate-team/segments"]
    a = machine(tmp_path, "runner-a")
    done = narrate("build", "--json", *remote, "m.yaml", cwd=a, env=s3["env"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["synthesized"] == 3
    b = machine(tmp_path, "runner-b")
    done = narrate("build", "--json", *remote, "m.yaml", cwd=b, env=s3["env"])
    report = json.loads(done.stdout)
    assert report["synthesized"] == 0 and report["cached"] == 3 and report["outputs_written"] == 3
    assert (b / "out" / "en" / "a.ulaw").read_bytes() == (a / "out" / "en" / "a.ulaw").read_bytes()


def test_corrupt_remote_entry_is_rejected_and_resynthesized(tmp_path, s3):
    a = machine(tmp_path, "a")
    narrate("build", "--remote", "s3://narrate-team/segments", "m.yaml", cwd=a, env=s3["env"])
    store = RemoteStore("s3://narrate-team/segments")
    from narrate.cache import SegmentCache

    cache = SegmentCache(a / ".narrate-cache")
    key = sorted(cache.keys())[0]
    cache.close()
    store.put(key, store.get(key)[:-100])  # truncated upload
    store.close()
    b = machine(tmp_path, "b")
    done = narrate("build", "--json", "--remote", "s3://narrate-team/segments", "m.yaml", cwd=b, env=s3["env"])
    report = json.loads(done.stdout)
    assert report["synthesized"] == 1 and report["errors"] == []
    assert any("rejected" in w for w in report["warnings"])


def test_remote_down_falls_back_to_local(tmp_path, s3):
    s3["server"].stop()
    a = machine(tmp_path, "a")
    done = narrate("build", "--json", "--remote", "s3://narrate-team/segments", "m.yaml", cwd=a, env=s3["env"])
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["synthesized"] == 3
    assert any("remote cache unavailable" in w for w in report["warnings"])
    assert "testing" not in done.stdout + done.stderr  # no secret in any message
    s3["server"].start()  # the fixture stops it again


def test_manifest_setting_and_bad_url(tmp_path, s3):
    a = machine(tmp_path, "a")
    (a / "m.yaml").write_text("cache: {remote: 's3://narrate-team/from-manifest'}\n" + MANIFEST)
    assert narrate("build", "m.yaml", cwd=a, env=s3["env"]).returncode == 0
    store = RemoteStore("s3://narrate-team/from-manifest")
    from narrate.cache import SegmentCache

    cache = SegmentCache(a / ".narrate-cache")
    assert all(store.exists(k) for k in cache.keys())
    cache.close()
    store.close()
    (a / "m.yaml").write_text("cache: {remote: 'https://not-s3'}\n" + MANIFEST.replace("Shared prompt one", "New"))
    done = narrate("build", "m.yaml", cwd=a, env=s3["env"])
    assert done.returncode == 2 and "s3://bucket/prefix" in done.stderr
