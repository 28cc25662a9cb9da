"""A shared remote cache tier on S3-compatible object storage (AWS S3, MinIO, R2, Ceph...).

`cache: {remote: s3://bucket/prefix}` in the manifest (or `--remote`/`NARRATE_REMOTE_CACHE`)
puts a read-through, write-through tier behind the local cache: a segment any runner or teammate
has paid for is downloaded, verified, and never synthesized again. Objects hold exactly the local
entry's bytes at `<prefix>/<key[:2]>/<key>`.

Credentials come from the usual AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION); the endpoint from NARRATE_S3_ENDPOINT,
AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (path-style addressing), else AWS's regional endpoint.
Requests are signed with AWS Signature Version 4 (`sigv4.py`). Messages carry HTTP statuses and
S3 error codes, never a credential.

A remote that fails costs seconds, not minutes (issue 9 item 16): each attempt has a connect
timeout of CONNECT_TIMEOUT_S and a read timeout of DEFAULT_TIMEOUT_S (`NARRATE_REMOTE_TIMEOUT_S`
sets it), failed attempts are retried under the providers' policy (`providers.http.RetryPolicy`
and `next_wait`: transport errors, 408, 429 and 5xx, backoff with jitter, Retry-After honoured)
with a smaller budget (REMOTE_POLICY), and a circuit breaker (`breaker.py`) skips the remote for
the rest of the run after a few consecutive failures. The build then carries on with the local
cache alone and says so in one warning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import quote, urlencode, urlsplit

from ..errors import CacheError, UsageError
from ..providers.http import RETRYABLE_STATUSES, RetryPolicy, is_testing, next_wait, parse_retry_after
from .breaker import CircuitBreaker
from .entry import check_entry, encode_entry
from .sigv4 import EMPTY_SHA256, Credentials, _encode, credentials_from_env, sigv4_headers
from .store import CachedSegment, SegmentCache

__all__ = ["Credentials", "RemoteStore", "TieredCache", "PushReport", "push_to_remote", "sigv4_headers"]

log = logging.getLogger("narrate.remote")
ENDPOINT_VARS = ("NARRATE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
TIMEOUT_VAR = "NARRATE_REMOTE_TIMEOUT_S"
WORKERS = 16
# Above this many keys, listing the key shards (1,000 names per request) beats one HEAD per key.
LIST_THRESHOLD = 512
_KEY_RE = re.compile(r"^[0-9a-f]{64}$")
# S3 answers a GET or HEAD in well under a second (first byte); 5 s of silence means it will not.
DEFAULT_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 3.0
# The providers' policy with a cache's budget: a remote hit must cost less than the synthesis it saves.
REMOTE_POLICY = RetryPolicy(max_attempts=3, max_retry_time_s=10.0, initial_wait_s=0.25, max_wait_s=2.0,
                            max_retry_after_s=5.0)


def timeout_from_env() -> float:
    """`NARRATE_REMOTE_TIMEOUT_S` (seconds, > 0), else DEFAULT_TIMEOUT_S."""
    value = os.environ.get(TIMEOUT_VAR)
    if not value:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 600:
        raise UsageError(f"{TIMEOUT_VAR} must be a number of seconds between 0 and 600, not {value!r}")
    return seconds


def _s3_code(response: Any) -> str:
    """The S3 error code (AccessDenied, SignatureDoesNotMatch...) of an error response, or ''.
    Only the code: S3 error bodies may echo the access key id and the string that was signed."""
    match = re.search(rb"<Code>([A-Za-z0-9.]{1,64})</Code>", response.content or b"")
    return f" {match.group(1).decode()}" if match else ""


class RemoteStore:
    """GET/PUT/HEAD/list of cache entries in one S3 bucket and prefix, with bounded, retried attempts.

    `timeout` is the read timeout of each attempt in seconds (connect: at most CONNECT_TIMEOUT_S);
    `policy` bounds attempts and time per request; `breaker_threshold` consecutive failed attempts
    open the circuit breaker. Every failure is a CacheError naming the operation and object.
    """

    def __init__(self, url: str, *, endpoint: str | None = None, region: str | None = None,
                 creds: Credentials | None = None, transport: Any = None, timeout: float | None = None,
                 policy: RetryPolicy = REMOTE_POLICY, breaker_threshold: int = 3) -> None:
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
        self.policy = policy
        self.breaker = CircuitBreaker(breaker_threshold)
        read = timeout if timeout is not None else timeout_from_env()
        self.timeout = httpx.Timeout(read, connect=min(CONNECT_TIMEOUT_S, read))
        # No transport-level retries: every retry goes through the policy and the breaker.
        self.client = httpx.Client(transport=transport, timeout=self.timeout,
                                   limits=httpx.Limits(max_connections=WORKERS * 2))

    def name_for(self, key: str) -> str:
        return f"{self.prefix}/{key[:2]}/{key}" if self.prefix else f"{key[:2]}/{key}"

    def _send(self, method: str, name: str, body: bytes = b"", params: dict[str, str] | None = None) -> Any:
        """One signed attempt, no retry."""
        url = f"{self.base}/{quote(name, safe='/-_.~')}"
        if params:
            url += "?" + urlencode(sorted(params.items()), quote_via=quote, safe="-_.~")
        payload = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        headers = sigv4_headers(method, url, region=self.region, service="s3", creds=self.creds,
                                payload_sha256=payload, now=dt.datetime.now(dt.UTC))
        response = self.client.request(method, url, content=body or None, headers=headers)
        log.debug("%s %s -> %s", method, url, response.status_code)
        return response

    def _request(self, op: str, what: str, method: str, name: str, body: bytes = b"",
                 params: dict[str, str] | None = None, ok: tuple[int, ...] = (200, 404)) -> Any:
        """Send until a status in `ok` comes back (404: no such object, for GET, HEAD and LIST); retry
        transport errors, 408, 429 and 5xx under `policy` while the breaker stays closed.
        Raises CacheError `remote cache OP WHAT: reason`."""
        import httpx

        started, skipped, attempt = time.monotonic(), 0.0, 0
        while True:
            self.breaker.check()
            attempt += 1
            retry_after: float | None = None
            try:
                response = self._send(method, name, body, params)
            except httpx.TimeoutException as exc:
                reason, retryable = f"timed out ({type(exc).__name__})", True
            except httpx.TransportError as exc:
                reason, retryable = f"connection error ({type(exc).__name__})", True
            else:
                if response.status_code in ok:
                    self.breaker.success()
                    return response
                status = response.status_code
                reason = f"HTTP {status}{_s3_code(response)}"
                retryable = status in RETRYABLE_STATUSES or status >= 500
                retry_after = parse_retry_after(response.headers)
            opened = self.breaker.failure(reason)
            elapsed = time.monotonic() - started + skipped
            wait = next_wait(self.policy, attempt, retry_after)
            if (opened or not retryable or attempt >= self.policy.max_attempts
                    or (retry_after is not None and retry_after > self.policy.max_retry_after_s)
                    or elapsed + wait > self.policy.max_retry_time_s):
                tried = f" (gave up after {attempt} attempts in {elapsed:.1f}s)" if attempt > 1 else ""
                raise CacheError(f"remote cache {op} {what}: {reason}{tried}")
            log.debug("remote cache %s %s: retry %d in %.2fs after %s", op, what, attempt, wait, reason)
            if is_testing():
                skipped += wait
            else:
                time.sleep(wait)

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None if there is none (404)."""
        response = self._request("GET", key[:12], "GET", self.name_for(key))
        return None if response.status_code == 404 else response.content

    def exists(self, key: str) -> bool:
        return bool(self._request("HEAD", key[:12], "HEAD", self.name_for(key)).status_code == 200)

    def put(self, key: str, blob: bytes) -> None:
        self._request("PUT", key[:12], "PUT", self.name_for(key), blob, ok=(200, 201))

    def list_keys(self, shard: str = "", page_size: int = 1000) -> Iterator[str]:
        """Every entry key under the prefix (or one two-hex-digit shard of it), by ListObjectsV2."""
        root = f"{self.prefix}/" if self.prefix else ""
        params = {"list-type": "2", "prefix": root + (f"{shard}/" if shard else ""), "max-keys": str(page_size)}
        while True:
            where = params["prefix"] or "/"
            response = self._request("LIST", where, "GET", "", params=params)
            if response.status_code != 200:
                raise CacheError(f"remote cache LIST {where}: HTTP {response.status_code}{_s3_code(response)}")
            try:
                tree = ET.fromstring(response.content)
            except ET.ParseError:
                raise CacheError(f"remote cache LIST {where}: the answer is not S3 XML") from None
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
        self._warnings: list[str] = []
        self._remote_ok = True
        self._lock = threading.Lock()

    @property
    def warnings(self) -> list[str]:
        """One line per problem: the remote given up (once), remote entries rejected, local repairs."""
        return self.local.warnings + self._warnings

    def _remote_failed(self, exc: Exception) -> None:
        with self._lock:
            if self._remote_ok:
                self._warnings.append(f"remote cache unavailable, continuing with the local cache: {exc}")
                log.debug("remote cache unavailable: %s", exc)
            self._remote_ok = False

    def _fetch(self, key: str) -> bool:
        """Copy a verified remote entry into the local cache. True if it is now local."""
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
                self._warnings.append(f"remote entry {key[:12]} rejected: {exc.message}")
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
