"""The shared remote cache tier: SigV4 against AWS's published examples, and everything else
against a real S3-compatible server (moto) on 127.0.0.1, with signature checking switched on."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import socket
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from conftest import narrate
from narrate.cache import SegmentCache, encode_entry
from narrate.cache import remote as remote_mod
from narrate.cache.entry import key_from
from narrate.cache.remote import Credentials, RemoteStore, TieredCache, push_to_remote, sigv4_headers
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
DOC_CREDS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
DOC_TIME = dt.datetime(2013, 5, 24, tzinfo=dt.UTC)


# The four examples of "Signature Calculations for the Authorization Header" in the S3 API docs.
@pytest.mark.parametrize("method,url,headers,payload,signed,signature", [
    ("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"}, b"",
     "host;range;x-amz-content-sha256;x-amz-date", "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
    ("PUT", "https://examplebucket.s3.amazonaws.com/test$file.text",
     {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"}, b"Welcome to Amazon S3.",
     "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
    ("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle", {}, b"",
     "host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
    ("GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", {}, b"",
     "host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
])
def test_sigv4_matches_the_aws_documentation_examples(method, url, headers, payload, signed, signature):
    out = sigv4_headers(method, url, region="us-east-1", service="s3", creds=DOC_CREDS,
                        payload_sha256=hashlib.sha256(payload).hexdigest(), now=DOC_TIME, headers=headers)
    assert out["Authorization"] == (f"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                                    f"SignedHeaders={signed}, Signature={signature}")
    assert out["x-amz-date"] == "20130524T000000Z"
    assert "wJalr" not in repr(DOC_CREDS)


def test_configuration_from_the_environment(monkeypatch):
    for var in ("NARRATE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
                "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    store = RemoteStore("s3://team-cache/ivr/segments/")
    assert store.base == "https://s3.eu-west-1.amazonaws.com/team-cache" and store.creds.token is None
    assert store.name_for("ab" + "0" * 62) == "ivr/segments/ab/ab" + "0" * 62
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://generic:9000")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://s3-specific:9000")
    assert RemoteStore("s3://team-cache").base == "http://s3-specific:9000/team-cache"
    monkeypatch.setenv("NARRATE_S3_ENDPOINT", "http://minio.internal:9000/")
    assert RemoteStore("s3://team-cache").base == "http://minio.internal:9000/team-cache"
    monkeypatch.setenv("NARRATE_S3_ENDPOINT", "minio.internal:9000")
    with pytest.raises(UsageError, match="http"):
        RemoteStore("s3://team-cache")
    for bad in ("https://team-cache/x", "s3:///x", "team-cache"):
        with pytest.raises(UsageError, match="s3://bucket/prefix"):
            RemoteStore(bad)
    monkeypatch.delenv("NARRATE_S3_ENDPOINT")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(UsageError, match="AWS_SECRET_ACCESS_KEY") as caught:
        RemoteStore("s3://team-cache")
    assert "AKIDEXAMPLE" not in str(caught.value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """One moto server on 127.0.0.1 and a fresh bucket on it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.bucket = f"narrate-{uuid.uuid4().hex[:12]}"
        self.env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
                    "NARRATE_S3_ENDPOINT": self.endpoint}

    def store(self, prefix: str = "segments", creds: Credentials | None = None) -> RemoteStore:
        return RemoteStore(f"s3://{self.bucket}/{prefix}", endpoint=self.endpoint, region="us-east-1",
                           creds=creds or Credentials("testing", "testing"))

    def create_bucket(self, creds: Credentials | None = None) -> None:
        store = self.store(creds=creds)
        assert store._send("PUT", "").status_code == 200
        store.close()

    def query(self, service: str, params: dict[str, str]) -> str:
        """An IAM/STS query API call (signed, though moto checks signatures only once auth is on)."""
        body = urlencode(params).encode()
        headers = sigv4_headers("POST", self.endpoint + "/", region="us-east-1", service=service,
                                creds=Credentials("testing", "testing"), payload_sha256=hashlib.sha256(body).hexdigest(),
                                now=dt.datetime.now(dt.UTC),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
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
    done = narrate("build", "--json", *remote, "m.yaml", cwd=a, env=s3.env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["synthesized"] == 3
    b = machine(tmp_path, "runner-b")
    done = narrate("build", "--json", *remote, "m.yaml", cwd=b, env=s3.env)
    report = json.loads(done.stdout)
    assert report["synthesized"] == 0 and report["cached"] == 3 and report["outputs_written"] == 3
    assert (b / "out" / "en" / "a.ulaw").read_bytes() == (a / "out" / "en" / "a.ulaw").read_bytes()
    assert sorted(SegmentCache(b / ".narrate-cache").keys()) == sorted(SegmentCache(a / ".narrate-cache").keys())


def test_corrupt_remote_entry_is_rejected_and_resynthesized(tmp_path, s3):
    a = machine(tmp_path, "a")
    narrate("build", "--remote", f"s3://{s3.bucket}/segments", "m.yaml", cwd=a, env=s3.env)
    store = s3.store()
    cache = SegmentCache(a / ".narrate-cache")
    key = sorted(cache.keys())[0]
    cache.close()
    store.put(key, store.get(key)[:-100])  # truncated upload
    b = machine(tmp_path, "b")
    done = narrate("build", "--json", "--remote", f"s3://{s3.bucket}/segments", "m.yaml", cwd=b, env=s3.env)
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
    done = narrate("build", "--json", "--remote", f"s3://{s3.bucket}/segments", "m.yaml", cwd=a, env=s3.env)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["synthesized"] == 3
    assert sum("remote cache unavailable" in w for w in report["warnings"]) == 1
    assert "testing" not in done.stdout + done.stderr  # no secret in any message
    assert len(list(SegmentCache(a / ".narrate-cache").keys())) == 3  # paid audio kept locally
    s3.server.start()  # moto keeps its state in this process: the bucket is back
    # What the build could not write through is pushed later, verified; then another machine gets it all.
    pushed = narrate("cache", "push", "--remote", f"s3://{s3.bucket}/segments", "-m", "m.yaml", cwd=a, env=s3.env)
    assert pushed.returncode == 0 and "uploaded 3, already there 0, failed 0" in pushed.stdout, pushed.stderr
    local = SegmentCache(a / ".narrate-cache")
    store = s3.store()
    report = push_to_remote(local, store)
    assert (report.uploaded, report.present, report.failed) == (0, 3, [])
    b = machine(tmp_path, "b")
    done = narrate("build", "--json", "--remote", f"s3://{s3.bucket}/segments", "m.yaml", cwd=b, env=s3.env)
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
    sent: list[tuple[str, str]] = []
    real_send = store._send
    monkeypatch.setattr(store, "_send", lambda method, name, *a, **kw: sent.append((method, name)) or
                        real_send(method, name, *a, **kw))
    assert store.missing_keys(wanted) == set(absent)
    assert sorted(m for m, _ in sent) == ["HEAD"] * len(wanted)
    sent.clear()
    monkeypatch.setattr(remote_mod, "LIST_THRESHOLD", 2)
    assert store.missing_keys(wanted) == set(absent)
    assert {m for m, _ in sent} == {"GET"} and len(sent) == len({k[:2] for k in wanted})
    assert sorted(store.list_keys(page_size=2)) == sorted(k for k, _ in present)  # 3 pages
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
    temp = Credentials(*(re.search(fr"<{t}>(.+?)</{t}>", assumed).group(1)
                         for t in ("AccessKeyId", "SecretAccessKey", "SessionToken")))
    s3.require_signatures(True)
    try:
        user = s3.store("team segments+1", creds=Credentials(access, secret))
        keys, blobs = [], []
        for i in range(5):
            key, blob = entry(f"signed {i}")
            user.put(key, blob)
            assert user.get(key) == blob and user.exists(key)
            keys.append(key)
            blobs.append(blob)
        assert sorted(user.list_keys(page_size=2)) == sorted(keys)  # continuation tokens are signed too
        assert user.missing_keys(keys + ["ab" * 32]) == {"ab" * 32}
        session = s3.store("team segments+1", creds=temp)
        assert session.get(keys[0]) is not None  # x-amz-security-token is sent and signed

        forged = [(Credentials(access, "not-the-secret"), "403 SignatureDoesNotMatch"),
                  (Credentials(temp.access_key, temp.secret_key, temp.token[:-4] + "AAAA"), "400 InvalidToken"),
                  (Credentials("AKIAUNKNOWNKEY000000", secret), "403 InvalidAccessKeyId")]
        for creds, expected in forged:
            store = s3.store("team segments+1", creds=creds)
            for call, args in ((store.put, (keys[0], b"x")), (store.get, (keys[0],))):
                with pytest.raises(CacheError) as caught:
                    call(*args)
                assert expected in caught.value.message
                assert creds.secret_key not in caught.value.message and creds.access_key not in caught.value.message
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
    assert narrate("build", "m.yaml", cwd=a, env=s3.env).returncode == 0
    store = s3.store("from-manifest")
    cache = SegmentCache(a / ".narrate-cache")
    assert len(list(cache.keys())) == 3 and store.missing_keys(cache.keys()) == set()
    cache.close()
    store.close()
    (a / "m.yaml").write_text("cache: {remote: 'https://not-s3'}\n" + MANIFEST.replace("Shared prompt one", "New"))
    done = narrate("build", "m.yaml", cwd=a, env=s3.env)
    assert done.returncode == 2 and "s3://bucket/prefix" in done.stderr


# ------------------------------------------------ retries and the circuit breaker, without a network


def mock_store(answers: list, seen: list) -> RemoteStore:
    """A RemoteStore whose transport plays `answers` in turn (a status, or an exception to raise)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        answer = answers[min(len(seen) - 1, len(answers) - 1)]
        if isinstance(answer, Exception):
            raise answer
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        return httpx.Response(status, headers=headers, content=b"entry" if status == 200 else b"")

    return RemoteStore("s3://bucket/p", endpoint="http://127.0.0.1:9", region="us-east-1",
                       creds=Credentials("AKIDMOCK", "mock-secret"), transport=httpx.MockTransport(handler),
                       timeout=1.0)


def test_5xx_and_timeouts_are_retried_under_the_providers_policy():
    from narrate.providers import http

    seen: list[str] = []
    store = mock_store([503, httpx.ReadTimeout("slow"), 200], seen)
    with http.set_testing():
        assert store.get("ab" * 32) == b"entry"
    assert seen == ["GET"] * 3 and store.breaker.failures == 0  # a success resets the count
    seen.clear()
    store = mock_store([404], seen)
    assert store.get("ab" * 32) is None and seen == ["GET"]  # absent is an answer, not a failure
    seen.clear()
    store = mock_store([403], seen)
    with pytest.raises(CacheError, match=r"remote cache PUT abababababab: HTTP 403$"):
        store.put("ab" * 32, b"x")
    assert seen == ["PUT"]  # 4xx is not retried
    seen.clear()
    store = mock_store([(503, {"retry-after": "60"})], seen)
    with pytest.raises(CacheError, match="HTTP 503"):
        store.exists("ab" * 32)  # a Retry-After beyond the remote's budget: give up at once
    assert seen == ["HEAD"]


def test_breaker_opens_after_three_consecutive_failures_and_stops_sending():
    from narrate.cache.breaker import RemoteSkipped
    from narrate.providers import http

    seen: list[str] = []
    store = mock_store([httpx.ConnectError("refused")], seen)
    with http.set_testing(), pytest.raises(CacheError, match=r"connection error \(ConnectError\) \(gave up after 3"):
        store.get("ab" * 32)
    assert store.breaker.is_open and len(seen) == 3
    calls = (lambda: store.get("cd" * 32), lambda: store.put("cd" * 32, b"x"), lambda: store.missing_keys(["cd" * 32]))
    for call in calls:
        with pytest.raises(RemoteSkipped, match="skipped for the rest of this run after 3 consecutive failures"):
            call()
    assert len(seen) == 3  # nothing more was sent
    assert "mock-secret" not in str(store.breaker.reason)
