"""A shared remote cache tier on S3-compatible object storage (AWS S3, MinIO, R2, Ceph...).

`cache: {remote: s3://bucket/prefix}` in the manifest (or `--remote`/`NARRATE_REMOTE_CACHE`)
puts a read-through, write-through tier behind the local cache: a segment any runner or teammate
has paid for is downloaded, verified, and never synthesized again. Objects hold exactly the local
entry's bytes at `<prefix>/<key[:2]>/<key>`.

Credentials come from the usual AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION); the endpoint from AWS_ENDPOINT_URL_S3 or
AWS_ENDPOINT_URL (path-style addressing), else AWS's regional endpoint. Requests are signed with
AWS Signature Version 4, written out below (about fifty lines) rather than pulling in botocore.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import quote, urlsplit

from .cache import CachedSegment, SegmentCache
from .errors import CacheError, UsageError

log = logging.getLogger("narrate.remote")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None

    def __repr__(self) -> str:  # never print a secret, even by accident
        return f"Credentials(access_key={self.access_key[:4]}…)"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sigv4_headers(method: str, url: str, *, region: str, service: str, creds: Credentials,
                  payload_sha256: str, now: dt.datetime, headers: dict[str, str] | None = None) -> dict[str, str]:
    """The headers (Authorization, x-amz-date, x-amz-content-sha256, ...) that sign one request."""
    parts = urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    signed = {k.lower(): v.strip() for k, v in (headers or {}).items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = amz_date
    signed["x-amz-content-sha256"] = payload_sha256
    if creds.token:
        signed["x-amz-security-token"] = creds.token
    names = sorted(signed)
    query = "&".join(sorted(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, _, v in
                            (p.partition("=") for p in parts.query.split("&") if p)))
    canonical = "\n".join([method, quote(parts.path or "/", safe="/-_.~"), query,
                           "".join(f"{n}:{signed[n]}\n" for n in names), ";".join(names), payload_sha256])
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + creds.secret_key).encode(), date), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out = {k: v for k, v in signed.items() if k != "host"}
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{scope}, "
                            f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return out


class RemoteStore:
    """GET/PUT/HEAD of cache entries in one S3 bucket and prefix."""

    def __init__(self, url: str, *, endpoint: str | None = None, region: str | None = None,
                 creds: Credentials | None = None, transport: Any = None, timeout: float = 30.0) -> None:
        import httpx

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise UsageError(f"remote cache URL must look like s3://bucket/prefix, not {url!r}")
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")
        self.region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        self.base = (endpoint.rstrip("/") if endpoint else f"https://s3.{self.region}.amazonaws.com") + f"/{self.bucket}"
        if creds is None:
            access, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
            if not access or not secret:
                raise UsageError("the remote cache needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
            creds = Credentials(access, secret, os.environ.get("AWS_SESSION_TOKEN"))
        self.creds = creds
        self.client = httpx.Client(transport=transport, timeout=timeout)

    def url_for(self, key: str) -> str:
        name = f"{self.prefix}/{key[:2]}/{key}" if self.prefix else f"{key[:2]}/{key}"
        return f"{self.base}/{name}"

    def _send(self, method: str, key: str, body: bytes = b"") -> Any:
        url = self.url_for(key)
        payload = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        headers = sigv4_headers(method, url, region=self.region, service="s3", creds=self.creds,
                                payload_sha256=payload, now=dt.datetime.now(dt.timezone.utc))
        response = self.client.request(method, url, content=body or None, headers=headers)
        log.debug("%s %s -> %s", method, url, response.status_code)
        return response

    def get(self, key: str) -> bytes | None:
        response = self._send("GET", key)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CacheError(f"remote cache GET {key[:12]}: HTTP {response.status_code}")
        return response.content

    def exists(self, key: str) -> bool:
        response = self._send("HEAD", key)
        if response.status_code in (200, 404):
            return response.status_code == 200
        raise CacheError(f"remote cache HEAD {key[:12]}: HTTP {response.status_code}")

    def put(self, key: str, blob: bytes) -> None:
        response = self._send("PUT", key, blob)
        if response.status_code not in (200, 201):
            raise CacheError(f"remote cache PUT {key[:12]}: HTTP {response.status_code}")

    def close(self) -> None:
        self.client.close()


class TieredCache:
    """The local cache in front of a remote store: read-through, write-through.

    A remote failure never loses local work: it is logged as a warning and the build carries on
    with the local tier alone (and `warnings` says so).
    """

    def __init__(self, local: SegmentCache, remote: RemoteStore) -> None:
        self.local, self.remote = local, remote
        self.directory = local.directory
        self.warnings: list[str] = []
        self._remote_ok = True

    def _remote_failed(self, exc: Exception) -> None:
        if self._remote_ok:
            self.warnings.append(f"remote cache unavailable, continuing with the local cache: {exc}")
            log.warning("remote cache unavailable: %s", exc)
        self._remote_ok = False

    def _fetch(self, key: str) -> bool:
        """Copy a verified remote entry into the local cache. True if it is now local."""
        from .cachetools import check_entry

        if not self._remote_ok:
            return False
        try:
            blob = self.remote.get(key)
        except Exception as exc:  # transport errors, 5xx: degrade, never fail the build
            self._remote_failed(exc)
            return False
        if blob is None:
            return False
        try:
            check_entry(key, blob)
        except CacheError as exc:
            self.warnings.append(f"remote entry {key[:12]} rejected: {exc.message}")
            return False
        self.local.put_raw(key, blob)
        return True

    def __contains__(self, key: str) -> bool:
        return key in self.local or self._fetch(key)

    def missing(self, keys: list[str], workers: int = 16) -> set[str]:
        """Keys in neither tier, fetching the remote ones concurrently."""
        local_missing = [k for k in keys if k not in self.local]
        if not local_missing or not self._remote_ok:
            return set(local_missing)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            found = list(pool.map(self._fetch, local_missing))
        return {k for k, ok in zip(local_missing, found) if not ok}

    def get(self, key: str) -> CachedSegment | None:
        entry = self.local.get(key)
        if entry is None and self._fetch(key):
            entry = self.local.get(key)
        return entry

    def get_raw(self, key: str) -> bytes | None:
        return self.local.get_raw(key)

    def put(self, key: str, result: Any, meta: dict[str, Any]) -> None:
        from .cache import encode_entry

        self.put_raw(key, encode_entry(result, meta))

    def put_raw(self, key: str, blob: bytes) -> None:
        self.local.put_raw(key, blob)  # local first: paid audio is safe before any network
        if self._remote_ok:
            try:
                self.remote.put(key, blob)
            except Exception as exc:
                self._remote_failed(exc)

    def delete(self, key: str) -> bool:
        return self.local.delete(key)

    def keys(self) -> Iterator[str]:
        return self.local.keys()

    def close(self) -> None:
        self.local.close()
        self.remote.close()
