"""The remote cache on the storage teams already have (issue 14 item 4): obstore behind `s3://`,
`gs://`, `az://` and `file://`, against real local servers (Azurite for Azure Blob, a recording
proxy, a recording S3 stand-in) and obstore's in-memory store for Google Cloud Storage (there is no
GCS emulator to install here)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest
from obstore.store import AzureStore, GCSStore, LocalStore, MemoryStore, S3Store

from conftest import child_server, free_port, narrate
from narrate.cache import SegmentCache, encode_entry
from narrate.cache.entry import key_from
from narrate.cache.objstore import parse_url, proxy_options
from narrate.cache.remote import RemoteStore
from narrate.cache.tiered import TieredCache, push_to_remote
from narrate.errors import CacheError, UsageError
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
      c: Shared prompt three.
"""
# Azurite's documented development account and key (public, the same in every Azurite).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
# Installed once per machine by .ci/run (npm), outside the repository.
AZURITE_HOME = Path(os.environ.get("NARRATE_AZURITE_HOME", Path.home() / ".cache" / "narrate-tests" / "azurite"))


def machine(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    (root / "m.yaml").write_text(MANIFEST)
    return root


def entry(text: str) -> tuple[str, bytes]:
    blob = encode_entry(SynthesisResult(text.encode() * 50, AudioFormat("raw", "mulaw", 8000)),
                        {"key_head": '{"test":1}', "text": text})
    return key_from(b'{"test":1}', text), blob


def build(root: Path, remote: str, env: dict[str, str] | None = None) -> dict:
    done = narrate("-q", "build", "--json", "--remote", remote, "m.yaml", cwd=root, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return dict(json.loads(done.stdout))


# ------------------------------------------------------------------ URLs


def test_every_url_form_opens_its_store(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_NAME", "teamaccount")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_KEY", base64.b64encode(b"k" * 32).decode())
    assert parse_url("s3://team/ivr/segments/") == ("s3", "team", "ivr/segments")
    assert parse_url("gs://team-bucket/p") == ("gs", "team-bucket", "p")
    assert parse_url("az://container") == ("az", "container", "")
    assert parse_url(f"file://{tmp_path}/shared") == ("file", "", f"{tmp_path}/shared")
    assert RemoteStore(f"file://{tmp_path}/shared").unavailable is not None
    assert not (tmp_path / "shared").exists()  # a folder remote is never created (an unmounted share stays missing)
    (tmp_path / "shared").mkdir()
    kinds = {"s3://team/p": S3Store, "gs://team/p": GCSStore, "az://team/p": AzureStore,
             f"file://{tmp_path}/shared": LocalStore}
    for url, kind in kinds.items():
        store = RemoteStore(url)
        assert isinstance(store.store, kind), url
        assert store.name_for("ab" + "0" * 62) == ("p/" if kind is not LocalStore else "") + "ab/ab" + "0" * 62
    for bad in ("gs://", "az:///p", "file://host/x", "ftp://team/p", "s3://team/p#frag", "memory:///"):
        with pytest.raises(UsageError, match=r"s3://bucket/prefix, gs://bucket/prefix, az://container/prefix"):
            RemoteStore(bad)


def test_proxy_settings_come_from_the_environment(monkeypatch):
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    assert proxy_options("https://s3.eu-west-1.amazonaws.com") == {}
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("http_proxy", "http://plain.corp:8080")
    monkeypatch.setenv("NO_PROXY", "169.254.169.254,.internal")
    assert proxy_options("https://s3.eu-west-1.amazonaws.com") == {
        "proxy_url": "http://proxy.corp:3128", "proxy_excludes": "169.254.169.254,.internal"}
    assert proxy_options("http://minio:9000")["proxy_url"] == "http://plain.corp:8080"


# ------------------------------------------------------------------ local servers that record requests


class Recorder:
    """An HTTP server on 127.0.0.1 that records (method, request target, headers) and answers each
    GET and HEAD with `status`, each PUT with 200 (S3-like: an ETag on success, an XML error body
    otherwise)."""

    def __init__(self, status: int) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                outer.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                code = 200 if self.command == "PUT" else status
                body = b"" if self.command == "HEAD" or code < 300 else b"<Error><Code>Nope</Code></Error>"
                self.send_response(code)
                self.send_header("content-length", str(len(body)))
                self.send_header("etag", '"0"')
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_HEAD = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def test_a_build_behind_a_proxy_reaches_the_remote_through_it(tmp_path):
    """Before: HTTPS_PROXY/HTTP_PROXY were ignored and a build behind a proxy lost the shared cache.
    The endpoint's host does not resolve: only the proxy can have answered."""
    root = machine(tmp_path, "a")
    with Recorder(404) as proxy:
        env = {"AWS_ACCESS_KEY_ID": "AKIDPROXY", "AWS_SECRET_ACCESS_KEY": "proxy-secret", "AWS_REGION": "us-east-1",
               "NARRATE_S3_ENDPOINT": "http://s3.narrate-test.invalid:9000", "HTTP_PROXY": f"http://127.0.0.1:{proxy.port}",
               "NO_PROXY": ""}
        report = build(root, "s3://team/segments", env)
    assert report["synthesized"] == 3 and report["warnings"] == []
    targets = sorted((m, p) for m, p, _ in proxy.seen)
    keys = sorted(SegmentCache(root / ".narrate-cache").keys())
    assert targets == sorted([("HEAD", f"http://s3.narrate-test.invalid:9000/team/segments/{k[:2]}/{k}") for k in keys]
                             + [("PUT", f"http://s3.narrate-test.invalid:9000/team/segments/{k[:2]}/{k}") for k in keys])


def test_aws_profile_keys_sign_the_requests(tmp_path, monkeypatch):
    """AWS_PROFILE with no keys in the environment: the profile's keys sign, through boto3 when it is
    installed and from the shared credentials file without it."""
    creds = tmp_path / "credentials"
    creds.write_text("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n"
                     "[team]\naws_access_key_id = AKIDPROFILETEAM\naws_secret_access_key = profile-secret\n")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_PROFILE", "team")
    key, blob = entry("profile")
    with Recorder(200) as server:
        for boto3 in ("installed", None):
            if boto3 is None:
                monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 fails: the file is read
            store = RemoteStore("s3://team/p", endpoint=f"http://127.0.0.1:{server.port}", region="eu-west-1")
            store.put(key, blob)
        assert len(server.seen) == 2
        for _, _, headers in server.seen:
            assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDPROFILETEAM/")
            assert "/eu-west-1/s3/aws4_request" in headers["authorization"]
    monkeypatch.setenv("AWS_PROFILE", "missing")
    with pytest.raises(UsageError, match=r"AWS_PROFILE=missing: no aws_access_key_id and aws_secret_access_key"):
        RemoteStore("s3://team/p")


# ------------------------------------------------------------------ file:// and gs:// (in memory)


def test_a_shared_folder_is_a_remote_cache(tmp_path):
    shared = f"file://{tmp_path}/shared/segments"
    (tmp_path / "shared" / "segments").mkdir(parents=True)  # as a mounted share is there before the build
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    assert build(a, shared)["synthesized"] == 3
    report = build(b, shared)
    assert (report["synthesized"], report["cached"], report["outputs_written"]) == (0, 3, 3)
    assert (b / "out" / "en" / "a.ulaw").read_bytes() == (a / "out" / "en" / "a.ulaw").read_bytes()
    files = sorted(p.relative_to(tmp_path / "shared" / "segments").as_posix()
                   for p in (tmp_path / "shared" / "segments").rglob("*") if p.is_file())
    keys = sorted(SegmentCache(a / ".narrate-cache").keys())
    assert files == [f"{k[:2]}/{k}" for k in keys]


def test_gcs_tier_guarantees_on_the_in_memory_store(tmp_path):
    """A gs:// remote with obstore's MemoryStore in place of the bucket: write-through, verified
    read-through, corrupt or misfiled entries rejected, push of what is missing."""
    memory = MemoryStore()
    remote = RemoteStore("gs://team-bucket/segments", store=memory)
    key, blob = entry("hello")
    other, other_blob = entry("other")
    bad, bad_blob = entry("flipped")
    tiered = TieredCache(SegmentCache(tmp_path / "a"), remote)
    tiered.put_raw(key, blob)
    assert remote.get(key) == blob and remote.missing_keys([key, other]) == {other}
    remote.put(bad, bad_blob[:-1] + bytes([bad_blob[-1] ^ 1]))
    remote.put(other, blob)  # a valid entry filed under another key
    fresh = TieredCache(SegmentCache(tmp_path / "b"), RemoteStore("gs://team-bucket/segments", store=memory))
    assert fresh.missing([key, other, bad]) == {other, bad}
    assert fresh.local.get_raw(key) == blob and other not in fresh.local and bad not in fresh.local
    assert len(fresh.warnings) == 2 and all("rejected" in w for w in fresh.warnings)
    local = SegmentCache(tmp_path / "c")
    local.put_raw(other, other_blob)
    report = push_to_remote(local, RemoteStore("gs://team-bucket/other-prefix", store=memory))
    assert (report.uploaded, report.present, report.failed) == (1, 0, [])
    assert sorted(RemoteStore("gs://team-bucket/other-prefix", store=memory).list_keys()) == [other]
    for c in (tiered, fresh):
        c.close()
    local.close()


# ------------------------------------------------------------------ Azure Blob on Azurite


def azurite_bin() -> Path | None:
    found = AZURITE_HOME / "node_modules" / ".bin" / "azurite-blob"
    if found.exists():
        return found
    if shutil.which("npm") is None:
        return None
    AZURITE_HOME.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(AZURITE_HOME), "azurite@3"],
                   capture_output=True, timeout=600, check=False)
    return found if found.exists() else None


@contextmanager
def azurite(tmp_path: Path) -> Iterator[str]:
    """Azurite's blob service on 127.0.0.1 (in memory); yields its URL; ends it by its pid."""
    binary = azurite_bin()
    if binary is None:
        pytest.skip("Azurite is not installed and npm is absent (.ci/run installs it with npm)")
    port = free_port()
    with child_server([str(binary), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
                       "--skipApiVersionCheck", "--silent"], tmp_path / "azurite.log", f"http://127.0.0.1:{port}",
                      what="Azurite", within_s=60) as url:
        yield url


def create_container(url: str, container: str) -> None:
    """Create Container (Blob REST API), signed with Shared Key as the Azure Storage docs define it."""
    date = formatdate(usegmt=True)
    headers = {"x-ms-date": date, "x-ms-version": "2021-08-06"}
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()))
    resource = f"/{AZURITE_ACCOUNT}/{AZURITE_ACCOUNT}/{container}\nrestype:container"
    to_sign = "PUT\n" + "\n" * 11 + canonical_headers + resource
    signature = base64.b64encode(hmac.new(base64.b64decode(AZURITE_KEY), to_sign.encode(), hashlib.sha256).digest())
    headers["Authorization"] = f"SharedKey {AZURITE_ACCOUNT}:{signature.decode()}"
    response = httpx.put(f"{url}/{AZURITE_ACCOUNT}/{container}?restype=container", headers=headers)
    assert response.status_code == 201, response.text


@pytest.mark.slow
def test_azure_blob_on_azurite_is_shared_and_verified(tmp_path):
    with azurite(tmp_path) as url:
        create_container(url, "narrate")
        env = {"AZURE_STORAGE_USE_EMULATOR": "true", "AZURITE_BLOB_STORAGE_URL": url}
        a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
        assert build(a, "az://narrate/segments", env)["synthesized"] == 3
        report = build(b, "az://narrate/segments", env)
        assert (report["synthesized"], report["cached"], report["warnings"]) == (0, 3, [])
        assert (b / "out" / "en" / "b.ulaw").read_bytes() == (a / "out" / "en" / "b.ulaw").read_bytes()
        # A corrupt object is rejected on the next machine and synthesized again.
        os.environ.update(env)
        try:
            store = RemoteStore("az://narrate/segments")
            keys = sorted(SegmentCache(a / ".narrate-cache").keys())
            assert sorted(store.list_keys()) == keys and store.missing_keys(keys) == set()
            good = store.get(keys[0])
            assert good is not None
            store.put(keys[0], good[:-100])
        finally:
            for var in env:
                os.environ.pop(var)
        c = machine(tmp_path, "c")
        report = build(c, "az://narrate/segments", env)
        assert report["synthesized"] == 1 and sum("rejected" in w for w in report["warnings"]) == 1
        # A container that does not exist: the build carries on locally, with one warning.
        d = machine(tmp_path, "d")
        report = build(d, "az://no-such-container/segments", env)
        assert report["synthesized"] == 3
        warned = [w for w in report["warnings"] if "remote" in w]
        assert len(warned) == 1 and warned[0].startswith("remote cache unavailable, continuing with the local cache: "
                                                         "remote cache PUT "), warned
        assert warned[0].endswith("HTTP 404 ContainerNotFound (az://no-such-container/segments)")  # and which store


def test_entry_timestamps_are_not_needed(tmp_path):
    """Entries are content-addressed: a file:// remote filled by another tool (copied folders, rsync)
    is read like one filled by narrate."""
    key, blob = entry("copied")
    folder = tmp_path / "copied" / key[:2]
    folder.mkdir(parents=True)
    (folder / key).write_bytes(blob)
    os.utime(folder / key, (0, 0))
    store = RemoteStore(f"file://{tmp_path}/copied")
    assert store.get(key) == blob and store.missing_keys([key]) == set()


def test_no_aws_credentials_at_all_is_said_plainly(tmp_path, monkeypatch):
    """No keys, no profile, no web identity: the chain ends at the instance metadata service, stood
    in for here by a closed port on 127.0.0.1 (AWS_METADATA_ENDPOINT): one plain message, no request
    sent unsigned, not retried."""
    for var in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with Recorder(404) as server:
        monkeypatch.setenv("AWS_METADATA_ENDPOINT", f"http://127.0.0.1:{free_port()}")
        store = RemoteStore("s3://team/p", endpoint=f"http://127.0.0.1:{server.port}")
        started = time.monotonic()
        with pytest.raises(CacheError, match=r"^remote cache GET abababababab: no AWS credentials \(none in the environment"):
            store.get("ab" * 32)
        assert time.monotonic() - started < 10 and store.requests == 1
        assert server.seen == []  # nothing unsigned was sent
