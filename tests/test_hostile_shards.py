"""Hostile `--shard` values and combinations (issue 14 item 5): usage errors (exit 2), one clear
line, no traceback, nothing written anywhere."""

from __future__ import annotations

import json

import pytest

from conftest import assert_clean_failure, free_port, narrate, narrate_in, snapshot

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages: {en-US: {voice: en-us, path: en}}
    prompts:
      a: Welcome to the shard test.
"""


@pytest.mark.parametrize("value,fragments", [
    ("0/4", ("--shard 0/4: K must be between 1 and N (shards are numbered 1 to 4)",)),
    ("5/4", ("--shard 5/4: K must be between 1 and N (shards are numbered 1 to 4)",)),
    ("x", ("--shard must look like K/N (e.g. 1/4), not 'x'",)),
    ("1/0", ("--shard 1/0: K must be between 1 and N",)),
    ("", ("--shard must look like K/N", "not ''")),
    ("\u0661/4", ("--shard must look like K/N",)),  # an Arabic-Indic one: int() took it for 1
])
def test_bad_shard_is_a_usage_error(tmp_path, value, fragments):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    before = snapshot(tmp_path)
    done = narrate_in("-q", "build", "--shard", value, "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, *fragments)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("flag", ["--offline", "--check"])
def test_shard_with_offline_or_check_is_a_usage_error(tmp_path, flag):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    before = snapshot(tmp_path)
    done = narrate_in("-q", "build", "--shard", "1/2", flag, "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "--shard synthesizes; it cannot be combined with --offline or --check")
    assert snapshot(tmp_path) == before


def test_shard_without_a_remote_warns_and_writes_no_outputs(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    done = narrate_in("-q", "build", "--shard", "1/1", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning: --shard without a remote cache: the segments stay in this machine's cache" in done.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "narrate.lock").exists()
    assert len(list((tmp_path / ".narrate-cache").rglob("*"))) > 0
    offline = narrate_in("-q", "build", "--json", "--offline", "m.yaml", cwd=tmp_path)
    assert offline.returncode == 0 and '"synthesized": 0' in offline.stdout
    assert (tmp_path / "out" / "en" / "a.ulaw").stat().st_size > 1000


def test_shard_with_its_remote_down_pays_for_nothing(tmp_path):
    """The shared cache refuses connections: the shard stops before synthesizing (its audio could not
    reach the assembling job), exit 1, an error and one warning naming the remote and the failure,
    nothing written but the cache folder."""
    (tmp_path / "m.yaml").write_text(MANIFEST)
    before = snapshot(tmp_path)
    env = {"AWS_ACCESS_KEY_ID": "AKIDSHARD", "AWS_SECRET_ACCESS_KEY": "shard-secret-value", "AWS_REGION": "us-east-1",
           "NARRATE_S3_ENDPOINT": f"http://127.0.0.1:{free_port()}"}
    done = narrate("-q", "build", "--json", "--shard", "1/1", "--remote", "s3://team/segments", "m.yaml", cwd=tmp_path,
                   env=env, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["synthesized"] == 0
    [message] = [e["message"] for e in report["errors"]]
    assert message.startswith("the shared cache is unavailable: this shard synthesized nothing (s3://team/segments: "
                              "remote cache HEAD ") and "connection error" in message, message
    assert sum("remote cache unavailable" in w and "connection error" in w for w in report["warnings"]) == 1
    assert "shard-secret-value" not in done.stdout + done.stderr
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(".narrate-cache")} == before


@pytest.mark.parametrize("command", [("plan",), ("build", "--check")])
def test_plan_and_check_say_the_remote_is_down(tmp_path, command):
    """`plan` and `build --check` count as "to synthesize" what an unreachable shared cache may hold:
    they say so (a build did; they were silent)."""
    (tmp_path / "m.yaml").write_text(MANIFEST)
    env = {"AWS_ACCESS_KEY_ID": "AKIDSHARD", "AWS_SECRET_ACCESS_KEY": "shard-secret-value", "AWS_REGION": "us-east-1",
           "NARRATE_S3_ENDPOINT": f"http://127.0.0.1:{free_port()}"}
    done = narrate(*command, "m.yaml", cwd=tmp_path, env={**env, "NARRATE_REMOTE_CACHE": "s3://team/segments"},
                   timeout=120)
    assert "Traceback" not in done.stderr
    assert "warning: remote cache unavailable" in done.stderr and "connection error" in done.stderr, done.stderr
