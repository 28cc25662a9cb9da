"""The shared remote cache tier through obstore, against a real S3-compatible server (moto) on
127.0.0.1 with signature checking switched on; retries and the breaker against scripted failures."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
import obstore
import pytest
from obstore.exceptions import GenericError

from conftest import free_port, narrate_in
from narrate.cache import SegmentCache, encode_entry
from narrate.cache import remote as remote_mod
from narrate.cache.entry import key_from
from narrate.cache.objstore import s3_endpoint
from narrate.cache.remote import RemoteStore
from narrate.cache.tiered import TieredCache, push_to_remote
from narrate.errors import CacheError, UsageError
from narrate.providers.base import AudioFormat, SynthesisResult

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
def test_configuration_from_the_environment(monkeypatch):
    for var in ("NARRATE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
                "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    store = RemoteStore("s3://team-cache/ivr/segments/")
    assert store.where == "s3://team-cache at https://s3.eu-west-1.amazonaws.com" and store.prefix == "ivr/segments"
    assert store.name_for("ab" + "0" * 62) == "ivr/segments/ab/ab" + "0" * 62
    assert "very-secret" not in repr(store.store) + store.where
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://generic:9000")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://s3-specific:9000")
    assert s3_endpoint() == "http://s3-specific:9000"
    assert RemoteStore("s3://team-cache").where == "s3://team-cache at http://s3-specific:9000"
    monkeypatch.setenv("NARRATE_S3_ENDPOINT", "http://minio.internal:9000/")
    assert RemoteStore("s3://team-cache").where == "s3://team-cache at http://minio.internal:9000"
    monkeypatch.setenv("NARRATE_S3_ENDPOINT", "minio.internal:9000")
    with pytest.raises(UsageError, match="http"):
        RemoteStore("s3://team-cache")
    for bad in ("https://team-cache/x", "s3:///x", "team-cache", "s3://b/p?versionId=1", "file://relative/x",
                "s3://b/team segments"):
        with pytest.raises(UsageError, match="s3://bucket/prefix"):
            RemoteStore(bad)
    # Without keys in the environment the AWS chain (web identity, container, instance role) is asked
    # when a request is made: building the store is not an error any more.
    monkeypatch.delenv("NARRATE_S3_ENDPOINT")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    assert RemoteStore("s3://team-cache").prefix == ""


def fake_auth(service: str) -> dict[str, str]:
    """An Authorization header moto routes by (it checks signatures only once auth is on)."""
    day = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/{day}/us-east-1/{service}/aws4_request, "
                             "SignedHeaders=host, Signature=00"}


class Moto:
    """One moto server on 127.0.0.1 and a fresh bucket on it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.bucket = f"narrate-{uuid.uuid4().hex[:12]}"
        self.env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
                    "NARRATE_S3_ENDPOINT": self.endpoint}

    def store(self, prefix: str = "segments", creds: tuple[str, ...] = ("testing", "testing")) -> RemoteStore:
        keys = dict(zip(("access_key_id", "secret_access_key", "token"), creds, strict=False))
        return RemoteStore(f"s3://{self.bucket}/{prefix}", endpoint=self.endpoint, region="us-east-1", config=keys)

    def create_bucket(self) -> None:
        httpx.put(f"{self.endpoint}/{self.bucket}", headers=fake_auth("s3")).raise_for_status()

    def query(self, service: str, params: dict[str, str]) -> str:
        """An IAM/STS query API call (moto checks signatures only once auth is on, after these calls)."""
        body = urlencode(params).encode()
        headers = {**fake_auth(service), "Content-Type": "application/x-www-form-urlencoded"}
        response = httpx.post(self.endpoint + "/", content=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.text

    def require_signatures(self, on: bool) -> None:
        """moto's IAM mode: every request's SigV4 signature and permissions are checked."""
        httpx.post(f"{self.endpoint}/moto-api/reset-auth", content=b"0" if on else b"inf").raise_for_status()


@pytest.fixture
def s3():
    moto = Moto()
    moto.server.start()
    moto.create_bucket()
    yield moto
    moto.server.stop()


def machine(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    (root / "m.yaml").write_text(MANIFEST)
    return root


def entry(text: str) -> tuple[str, bytes]:
    """A valid cache entry and its key (the key re-derives from the entry's own key material)."""
    blob = encode_entry(SynthesisResult(text.encode() * 50, AudioFormat("raw", "mulaw", 8000)),
                        {"key_head": '{"test":1}', "text": text})
    return key_from(b'{"test":1}', text), blob


def test_second_machine_reuses_what_the_first_paid_for(tmp_path, s3):
    remote = ["--remote", f"s3://{s3.bucket}/segments"]
    a = machine(tmp_path, "runner-a")
    done = narrate_in("build", "--json", *remote, "m.yaml", cwd=a, env=s3.env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["synthesized"] == 3
    b = machine(tmp_path, "runner-b")
    done = narrate_in("build", "--json", *remote, "m.yaml", cwd=b, env=s3.env)
    report = json.loads(done.stdout)
    assert report["synthesized"] == 0 and report["cached"] == 3 and report["outputs_written"] == 3
    assert (b / "out" / "en" / "a.ulaw").read_bytes() == (a / "out" / "en" / "a.ulaw").read_bytes()
    assert sorted(SegmentCache(b / ".narrate-cache").keys()) == sorted(SegmentCache(a / ".narrate-cache").keys())


def test_corrupt_remote_entry_is_rejected_and_resynthesized(tmp_path, s3):
    a = machine(tmp_path, "a")
    narrate_in("build", "--remote", f"s3://{s3.bucket}/segments", "m.yaml", cwd=a, env=s3.env)
    store = s3.store()
    cache = SegmentCache(a / ".narrate-cache")
    key = sorted(cache.keys())[0]
    cache.close()
    store.put(key, store.get(key)[:-100])  # truncated upload
    b = machine(tmp_path, "b")
    done = narrate_in("build", "--json", "--remote", f"s3://{s3.bucket}/segments", "m.yaml", cwd=b, env=s3.env)
    report = json.loads(done.stdout)
    assert report["synthesized"] == 1 and report["errors"] == []
    assert any("rejected" in w for w in report["warnings"])
    store.close()


def test_corrupt_remote_entry_never_reaches_the_local_tier(tmp_path, s3):
    key, blob = entry("hello")
    other_key = entry("other")[0]
    store = s3.store()
    store.put(key, blob[:-1] + bytes([blob[-1] ^ 1]))  # one flipped bit
    store.put(other_key, blob)  # a valid entry filed under another key
    tiered = TieredCache(SegmentCache(tmp_path / "b"), s3.store())
    assert tiered.get(key) is None and key not in tiered.local
    assert tiered.missing([key, other_key]) == {key, other_key} and other_key not in tiered.local
    assert len(tiered.warnings) == 3 and all("rejected" in w for w in tiered.warnings)
    tiered.close()
    store.close()


def test_remote_down_falls_back_to_local(tmp_path, s3):
    s3.server.stop()
    a = machine(tmp_path, "a")
    done = narrate_in("build", "--json", "--remote", f"s3://{s3.bucket}/segments", "m.yaml", cwd=a, env=s3.env)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["synthesized"] == 3
    assert sum("remote cache unavailable" in w for w in report["warnings"]) == 1
    assert "testing" not in done.stdout + done.stderr  # no secret in any message
    assert len(list(SegmentCache(a / ".narrate-cache").keys())) == 3  # paid audio kept locally
    s3.server.start()  # moto keeps its state in this process: the bucket is back
    # What the build could not write through is pushed later, verified; then another machine gets it all.
    pushed = narrate_in("cache", "push", "--remote", f"s3://{s3.bucket}/segments", "-m", "m.yaml", cwd=a, env=s3.env)
    assert pushed.returncode == 0 and "uploaded 3, already there 0, failed 0" in pushed.stdout, pushed.stderr
    local = SegmentCache(a / ".narrate-cache")
    store = s3.store()
    report = push_to_remote(local, store)
    assert (report.uploaded, report.present, report.failed) == (0, 3, [])
    b = machine(tmp_path, "b")
    done = narrate_in("build", "--json", "--remote", f"s3://{s3.bucket}/segments", "m.yaml", cwd=b, env=s3.env)
    assert json.loads(done.stdout)["synthesized"] == 0
    local.close()
    store.close()


def test_push_never_spreads_a_corrupt_entry(tmp_path, s3):
    local = SegmentCache(tmp_path / "cache")
    good_key, good = entry("good")
    bad_key, bad = entry("bad")
    local.put_raw(good_key, good)
    local.put_raw(bad_key, bad[:-3])
    store = s3.store()
    report = push_to_remote(local, store)
    assert report.uploaded == 1 and [k for k, _ in report.failed] == [bad_key] and "corrupt" in report.failed[0][1]
    assert store.get(good_key) == good and store.get(bad_key) is None
    local.close()
    store.close()


def test_existence_checks_head_few_keys_and_list_many(tmp_path, s3, monkeypatch):
    store = s3.store()
    present = [entry(f"text {i}") for i in range(6)]
    for key, blob in present:
        store.put(key, blob)
    absent = [entry(f"absent {i}")[0] for i in range(3)]
    wanted = [k for k, _ in present] + absent
    sent: list[tuple[str, str | None]] = []
    real_head, real_list = obstore.head, obstore.list
    monkeypatch.setattr(obstore, "head", lambda st, path: sent.append(("HEAD", path)) or real_head(st, path))
    monkeypatch.setattr(obstore, "list", lambda st, prefix=None, **kw: sent.append(("LIST", prefix)) or
                        real_list(st, prefix, **kw))
    assert store.missing_keys(wanted) == set(absent)
    assert sorted(m for m, _ in sent) == ["HEAD"] * len(wanted)
    sent.clear()
    monkeypatch.setattr(remote_mod, "LIST_THRESHOLD", 2)
    assert store.missing_keys(wanted) == set(absent)
    assert sorted(sent) == sorted(("LIST", f"segments/{k[:2]}/") for k in {k[:2] for k in wanted})
    assert sorted(store.list_keys(page_size=2)) == sorted(k for k, _ in present)
    store.close()


def test_signatures_are_checked_by_the_server(s3):
    """With moto's IAM mode on, the server recomputes each SigV4 signature: our PUT, GET, HEAD and
    paginated LIST (with an encoded prefix) pass; a wrong secret or a forged session token does not."""
    s3.query("iam", {"Action": "CreateUser", "UserName": "ci", "Version": "2010-05-08"})
    created = s3.query("iam", {"Action": "CreateAccessKey", "UserName": "ci", "Version": "2010-05-08"})
    access = re.search(r"<AccessKeyId>(.+?)</AccessKeyId>", created).group(1)
    secret = re.search(r"<SecretAccessKey>(.+?)</SecretAccessKey>", created).group(1)
    allow_s3 = json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    s3.query("iam", {"Action": "PutUserPolicy", "UserName": "ci", "PolicyName": "cache", "PolicyDocument": allow_s3,
                     "Version": "2010-05-08"})
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})
    s3.query("iam", {"Action": "CreateRole", "RoleName": "runner", "AssumeRolePolicyDocument": trust,
                     "Version": "2010-05-08"})
    s3.query("iam", {"Action": "PutRolePolicy", "RoleName": "runner", "PolicyName": "cache",
                     "PolicyDocument": allow_s3, "Version": "2010-05-08"})
    assumed = s3.query("sts", {"Action": "AssumeRole", "RoleArn": "arn:aws:iam::123456789012:role/runner",
                               "RoleSessionName": "ci", "Version": "2011-06-15"})
    temp = tuple(re.search(fr"<{t}>(.+?)</{t}>", assumed).group(1)
                 for t in ("AccessKeyId", "SecretAccessKey", "SessionToken"))
    s3.require_signatures(True)
    try:
        user = s3.store("team-segments+1", creds=(access, secret))
        keys, blobs = [], []
        for i in range(5):
            key, blob = entry(f"signed {i}")
            user.put(key, blob)
            assert user.get(key) == blob and user.exists(key)
            keys.append(key)
            blobs.append(blob)
        assert sorted(user.list_keys(page_size=2)) == sorted(keys)  # continuation tokens are signed too
        assert user.missing_keys(keys + ["ab" * 32]) == {"ab" * 32}
        session = s3.store("team-segments+1", creds=temp)
        assert session.get(keys[0]) is not None  # x-amz-security-token is sent and signed

        forged = [((access, "not-the-secret"), "403 SignatureDoesNotMatch"),
                  ((temp[0], temp[1], temp[2][:-4] + "AAAA"), "400 InvalidToken"),
                  (("AKIAUNKNOWNKEY000000", secret), "403 InvalidAccessKeyId")]
        for creds, expected in forged:
            store = s3.store("team-segments+1", creds=creds)
            for call, args in ((store.put, (keys[0], b"x")), (store.get, (keys[0],))):
                with pytest.raises(CacheError) as caught:
                    call(*args)
                assert expected in caught.value.message
                assert creds[1] not in caught.value.message and creds[0] not in caught.value.message
            with pytest.raises(CacheError, match="HTTP 4"):
                store.exists(keys[0])
            store.close()
        assert user.get(keys[0]) == blobs[0]  # nothing forged got written
        user.close()
        session.close()
    finally:
        s3.require_signatures(False)  # moto's auth switch is process-wide


def test_manifest_setting_and_bad_url(tmp_path, s3):
    a = machine(tmp_path, "a")
    (a / "m.yaml").write_text(f"cache: {{remote: 's3://{s3.bucket}/from-manifest'}}\n" + MANIFEST)
    assert narrate_in("build", "m.yaml", cwd=a, env=s3.env).returncode == 0
    store = s3.store("from-manifest")
    cache = SegmentCache(a / ".narrate-cache")
    assert len(list(cache.keys())) == 3 and store.missing_keys(cache.keys()) == set()
    cache.close()
    store.close()
    (a / "m.yaml").write_text("cache: {remote: 'https://not-s3'}\n" + MANIFEST.replace("Shared prompt one", "New"))
    done = narrate_in("build", "m.yaml", cwd=a, env=s3.env)
    assert done.returncode == 2 and "s3://bucket/prefix" in done.stderr


# ------------------------------------------------ retries and the circuit breaker, without a network


def scripted(monkeypatch, answers: list, seen: list) -> RemoteStore:
    """A RemoteStore whose obstore calls play `answers` in turn: bytes (success), an HTTP status
    (raised as obstore reports it: FileNotFoundError for 404, else GenericError with the status and an
    S3 error body that echoes the key id), or an exception to raise."""

    def call(method: str):
        def fake(_store, _path, *_rest):
            seen.append(method)
            answer = answers[min(len(seen) - 1, len(answers) - 1)]
            if isinstance(answer, BaseException):
                raise answer
            if isinstance(answer, int):
                text = (f"Error performing {method} http://127.0.0.1:9/bucket/p in 2ms - Server returned non-2xx "
                        f"status code: {answer} X: <Error><Code>SlowDown</Code><AWSAccessKeyId>AKIDMOCK"
                        "</AWSAccessKeyId></Error>")
                raise FileNotFoundError(text) if answer == 404 else GenericError(text)
            got = {"meta": {"size": len(answer)}, "stream": lambda self, **_: iter([answer])} if method == "GET" else {}
            return type("Got", (), got)() if method == "GET" else {}
        return fake

    for name, method in (("get", "GET"), ("head", "HEAD"), ("put", "PUT")):
        monkeypatch.setattr(obstore, name, call(method))
    return RemoteStore("s3://bucket/p", endpoint="http://127.0.0.1:9", region="us-east-1",
                       config={"access_key_id": "AKIDMOCK", "secret_access_key": "mock-secret"}, timeout=1.0)


def test_5xx_and_timeouts_are_retried_under_the_providers_policy(monkeypatch):
    from narrate.providers import http

    seen: list[str] = []
    store = scripted(monkeypatch, [503, GenericError("Generic S3 error: HTTP error: operation timed out"), b"entry"],
                     seen)
    with http.set_testing():
        assert store.get("ab" * 32) == b"entry"
    assert seen == ["GET"] * 3 and store.breaker.failures == 0  # a success resets the count
    seen.clear()
    store = scripted(monkeypatch, [404], seen)
    assert store.get("ab" * 32) is None and seen == ["GET"]  # absent is an answer, not a failure
    assert store.exists("ab" * 32) is False and store.breaker.failures == 0
    seen.clear()
    store = scripted(monkeypatch, [403], seen)
    with pytest.raises(CacheError, match=r"^remote cache PUT abababababab: HTTP 403 SlowDown$") as caught:
        store.put("ab" * 32, b"x")
    assert seen == ["PUT"]  # 4xx is not retried
    assert "AKIDMOCK" not in caught.value.message  # the error body's key id is never repeated


def test_breaker_opens_after_three_consecutive_failures_and_stops_sending(monkeypatch):
    from narrate.cache.breaker import RemoteSkipped
    from narrate.providers import http

    seen: list[str] = []
    store = scripted(monkeypatch, [GenericError("Generic S3 error: error sending request for url (http://127.0.0.1:9/)")],
                     seen)
    with http.set_testing(), pytest.raises(CacheError, match=r"connection error \(GenericError\) \(gave up after 3"):
        store.get("ab" * 32)
    assert store.breaker.is_open and len(seen) == 3
    calls = (lambda: store.get("cd" * 32), lambda: store.put("cd" * 32, b"x"), lambda: store.missing_keys(["cd" * 32]))
    for call in calls:
        with pytest.raises(RemoteSkipped, match="skipped for the rest of this run after 3 consecutive failures"):
            call()
    assert len(seen) == 3  # nothing more was sent
    assert "mock-secret" not in str(store.breaker.reason)
