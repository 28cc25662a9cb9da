"""AWS Signature Version 4 for S3 requests, written out rather than pulling in botocore.

Checked against the four examples of "Signature Calculations for the Authorization Header" in the
S3 API documentation (tests/test_remote_cache.py). Credentials never appear in a repr or a message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from ..errors import UsageError

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
