"""A shared remote cache tier on S3-compatible object storage (AWS S3, MinIO, R2, Ceph...).

`cache: {remote: s3://bucket/prefix}` in the manifest (or `--remote`/`NARRATE_REMOTE_CACHE`)
puts a read-through, write-through tier behind the local cache: a segment any runner or teammate
has paid for is downloaded, verified, and never synthesized again. Objects hold exactly the local
entry's bytes at `<prefix>/<key[:2]>/<key>`.

Credentials come from the usual AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION); the endpoint from NARRATE_S3_ENDPOINT,
AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (path-style addressing), else AWS's regional endpoint.
Requests are signed with AWS Signature Version 4, written out below rather than pulling in
botocore. Messages carry HTTP statuses and S3 error codes, never a credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from ..errors import CacheError, UsageError
from .store import CachedSegment, SegmentCache

log = logging.getLogger("narrate.remote")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ENDPOINT_VARS = ("NARRATE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
WORKERS = 16
# Above this many keys, listing the key shards (1,000 names per request) beats one HEAD per key.
LIST_THRESHOLD = 512
_KEY_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None

    def __repr__(self) -> str:  # never print a secret, even by accident
        return f"Credentials(access_key={self.access_key[:4]}…)"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def sigv4_headers(method: str, url: str, *, region: str, service: str, creds: Credentials,
                  payload_sha256: str, now: dt.datetime, headers: dict[str, str] | None = None) -> dict[str, str]:
    """The headers (Authorization, x-amz-date, x-amz-content-sha256, ...) that sign one request.

    Path and query are normalised to AWS's encoding (decoded, then each byte but A-Z a-z 0-9 -_.~
    percent-encoded once), so `url` may be given raw or encoded, but it must be sent encoded that way.
    """
    parts = urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    signed = {k.lower(): " ".join(v.split()) for k, v in (headers or {}).items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = amz_date
    signed["x-amz-content-sha256"] = payload_sha256
    if creds.token:
        signed["x-amz-security-token"] = creds.token
    names = sorted(signed)
    query = "&".join(sorted(f"{_encode(k)}={_encode(v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True)))
    canonical = "\n".join([method, quote(unquote(parts.path or "/"), safe="/-_.~"), query,
                           "".join(f"{n}:{signed[n]}\n" for n in names), ";".join(names), payload_sha256])
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + creds.secret_key).encode(), date), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out = {k: v for k, v in signed.items() if k != "host"}
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{scope}, "
                            f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return out


def credentials_from_env() -> Credentials:
    access, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not access or not secret:
        raise UsageError("the remote cache needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
    return Credentials(access, secret, os.environ.get("AWS_SESSION_TOKEN") or None)


def _s3_code(response: Any) -> str:
    """The S3 error code (AccessDenied, SignatureDoesNotMatch...) of an error response, or ''.
    Only the code: S3 error bodies may echo the access key id and the string that was signed."""
    match = re.search(rb"<Code>([A-Za-z0-9.]{1,64})</Code>", response.content or b"")
    return f" {match.group(1).decode()}" if match else ""


class RemoteStore:
    """GET/PUT/HEAD/list of cache entries in one S3 bucket and prefix."""

    def __init__(self, url: str, *, endpoint: str | None = None, region: str | None = None,
                 creds: Credentials | None = None, transport: Any = None, timeout: float = 30.0) -> None:
        import httpx

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise UsageError(f"remote cache URL must look like s3://bucket/prefix, not {url!r}")
        self.url = url
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")
        self.region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        endpoint = endpoint or next((os.environ[v] for v in ENDPOINT_VARS if os.environ.get(v)), None)
        if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
            raise UsageError(f"S3 endpoint must be an http(s) URL, not {endpoint!r}")
        self.base = (endpoint.rstrip("/") if endpoint else f"https://s3.{self.region}.amazonaws.com") \
            + "/" + _encode(self.bucket)
        self.creds = creds or credentials_from_env()
        # Connection failures are retried twice by the transport; anything else degrades the tier.
        self.client = httpx.Client(transport=transport or httpx.HTTPTransport(retries=2), timeout=timeout,
                                   limits=httpx.Limits(max_connections=WORKERS * 2))

    def name_for(self, key: str) -> str:
        return f"{self.prefix}/{key[:2]}/{key}" if self.prefix else f"{key[:2]}/{key}"

    def _send(self, method: str, name: str, body: bytes = b"", params: dict[str, str] | None = None) -> Any:
        url = f"{self.base}/{quote(name, safe='/-_.~')}"
        if params:
            url += "?" + urlencode(sorted(params.items()), quote_via=quote, safe="-_.~")
        payload = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        headers = sigv4_headers(method, url, region=self.region, service="s3", creds=self.creds,
                                payload_sha256=payload, now=dt.datetime.now(dt.timezone.utc))
        response = self.client.request(method, url, content=body or None, headers=headers)
        log.debug("%s %s -> %s", method, url, response.status_code)
        return response

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None if there is none (404)."""
        response = self._send("GET", self.name_for(key))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CacheError(f"remote cache GET {key[:12]}: HTTP {response.status_code}{_s3_code(response)}")
        return response.content

    def exists(self, key: str) -> bool:
        response = self._send("HEAD", self.name_for(key))
        if response.status_code in (200, 404):
            return response.status_code == 200
        raise CacheError(f"remote cache HEAD {key[:12]}: HTTP {response.status_code}")

    def put(self, key: str, blob: bytes) -> None:
        response = self._send("PUT", self.name_for(key), blob)
        if response.status_code not in (200, 201):
            raise CacheError(f"remote cache PUT {key[:12]}: HTTP {response.status_code}{_s3_code(response)}")

    def list_keys(self, shard: str = "", page_size: int = 1000) -> Iterator[str]:
        """Every entry key under the prefix (or one two-hex-digit shard of it), by ListObjectsV2."""
        root = f"{self.prefix}/" if self.prefix else ""
        params = {"list-type": "2", "prefix": root + (f"{shard}/" if shard else ""), "max-keys": str(page_size)}
        while True:
            response = self._send("GET", "", params=params)
            if response.status_code != 200:
                raise CacheError(f"remote cache LIST {params['prefix'] or '/'}: HTTP {response.status_code}"
                                 f"{_s3_code(response)}")
            tree = ET.fromstring(response.content)
            ns = tree.tag[: tree.tag.index("}") + 1] if tree.tag.startswith("{") else ""
            for item in tree.iter(f"{ns}Contents"):
                name = item.findtext(f"{ns}Key") or ""
                key = name.rsplit("/", 1)[-1]
                if _KEY_RE.match(key) and name == self.name_for(key):
                    yield key
            token = tree.findtext(f"{ns}NextContinuationToken")
            if tree.findtext(f"{ns}IsTruncated") != "true" or not token:
                return
            params["continuation-token"] = token

    def missing_keys(self, keys: Iterable[str], workers: int = WORKERS) -> set[str]:
        """The keys with no object in the bucket: HEAD each, concurrently, or list their shards
        when there are many (a few hundred names cost fewer requests as listings)."""
        wanted = set(keys)
        if not wanted:
            return set()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            if len(wanted) < LIST_THRESHOLD:
                ordered = sorted(wanted)
                return {k for k, there in zip(ordered, pool.map(self.exists, ordered), strict=True) if not there}
            shards = sorted({k[:2] for k in wanted})
            present: set[str] = set()
            for names in pool.map(lambda s: set(self.list_keys(s)), shards):
                present |= names
        return wanted - present

    def close(self) -> None:
        self.client.close()


class TieredCache:
    """The local cache in front of a remote store: read-through, write-through.

    Same interface as SegmentCache for build and synth. A remote failure never loses local work:
    it is logged once as a warning, the build carries on with the local tier alone (`warnings`
    says so), and `push_to_remote` uploads what the remote missed later.
    """

    def __init__(self, local: SegmentCache, remote: RemoteStore) -> None:
        self.local, self.remote = local, remote
        self.directory = local.directory
        self.warnings: list[str] = []
        self._remote_ok = True
        self._lock = threading.Lock()

    def _remote_failed(self, exc: Exception) -> None:
        with self._lock:
            if self._remote_ok:
                self.warnings.append(f"remote cache unavailable, continuing with the local cache: {exc}")
                log.warning("remote cache unavailable: %s", exc)
            self._remote_ok = False

    def _fetch(self, key: str) -> bool:
        """Copy a verified remote entry into the local cache. True if it is now local."""
        from .commands import check_entry

        if not self._remote_ok:
            return False
        try:
            blob = self.remote.get(key)
        except Exception as exc:  # transport errors, 5xx, 403: degrade, never fail the build
            self._remote_failed(exc)
            return False
        if blob is None:
            return False
        try:
            check_entry(key, blob)
        except CacheError as exc:
            with self._lock:
                self.warnings.append(f"remote entry {key[:12]} rejected: {exc.message}")
            return False
        self.local.put_raw(key, blob)
        return True

    def __contains__(self, key: str) -> bool:
        return key in self.local or self._fetch(key)

    def missing(self, keys: list[str], workers: int = WORKERS) -> set[str]:
        """Keys in neither tier. The remote ones are downloaded (verified) into the local tier now,
        concurrently, since the build is about to read them."""
        local_missing = sorted(self.local.missing(keys))
        if not local_missing or not self._remote_ok:
            return set(local_missing)
        try:
            absent = self.remote.missing_keys(local_missing, workers)
        except Exception as exc:
            self._remote_failed(exc)
            return set(local_missing)
        there = [k for k in local_missing if k not in absent]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            fetched = list(pool.map(self._fetch, there))
        return absent | {k for k, ok in zip(there, fetched, strict=True) if not ok}

    def get(self, key: str) -> CachedSegment | None:
        entry = self.local.get(key)
        if entry is None and self._fetch(key):
            entry = self.local.get(key)
        return entry

    def get_raw(self, key: str) -> bytes | None:
        blob = self.local.get_raw(key)
        if blob is None and self._fetch(key):
            blob = self.local.get_raw(key)
        return blob

    def put(self, key: str, result: Any, meta: dict[str, Any]) -> None:
        from .store import encode_entry

        self.put_raw(key, encode_entry(result, meta))

    def put_raw(self, key: str, blob: bytes) -> None:
        self.local.put_raw(key, blob)  # local first: paid audio is safe before any network
        if self._remote_ok:
            try:
                self.remote.put(key, blob)
            except Exception as exc:
                self._remote_failed(exc)

    def delete(self, key: str) -> bool:
        return self.local.delete(key)  # the shared tier is never pruned from one machine

    def keys(self) -> Iterator[str]:
        return self.local.keys()

    def close(self) -> None:
        self.local.close()
        self.remote.close()


@dataclass
class PushReport:
    uploaded: int = 0
    present: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)


def push_to_remote(local: SegmentCache, remote: RemoteStore, keys: Iterable[str] | None = None,
                   workers: int = WORKERS) -> PushReport:
    """Upload local entries the remote lacks (all of them, or `keys`): what a build could not
    write through while the remote was down. Corrupt local entries are never spread."""
    from .commands import check_entry

    wanted = sorted(set(local.keys() if keys is None else keys))
    absent = sorted(remote.missing_keys(wanted, workers))
    report = PushReport(present=len(wanted) - len(absent))

    def upload(key: str) -> str | None:
        blob = local.get_raw(key)
        if blob is None:
            return "not in the local cache"
        try:
            check_entry(key, blob)
            remote.put(key, blob)
        except CacheError as exc:
            return exc.message
        except Exception as exc:  # transport errors
            return f"{type(exc).__name__}: {exc}"
        return None

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for key, reason in zip(absent, pool.map(upload, absent), strict=True):
            if reason is None:
                report.uploaded += 1
            else:
                report.failed.append((key, reason))
    return report
