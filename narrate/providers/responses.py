"""Reading provider responses: request ids, billed characters, error codes and reasons in every
provider's shape, the default status classification; base URLs redacted for logs, keys and messages."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from ..errors import ProviderError
from .policy import parse_retry_after

REQUEST_ID_HEADERS = ("dg-request-id", "x-request-id", "request-id", "x-amzn-requestid", "apim-request-id",
                      "x-requestid", "x-goog-request-id")
BILLED_CHARS_HEADERS = ("dg-char-count", "character-cost", "x-amzn-requestcharacters")
SECRET_QUERY_PARAMS = frozenset({"key", "api_key", "apikey", "api-key", "token", "access_token", "sig",
                                 "signature", "x-amz-signature", "x-amz-security-token", "x-amz-credential"})
RETRYABLE_STATUSES = frozenset({408, 429})
# Refusals of the credentials or the account (bad key, no credit, no permission): never about one text.
ACCOUNT_STATUSES = frozenset({401, 402, 403})


def redact_url(url: str | httpx.URL) -> str:
    """The URL without credentials: user info dropped, secret query values (Google ?key=...) replaced."""
    u = httpx.URL(str(url))
    if u.userinfo:
        u = u.copy_with(username=None, password=None)
    if u.query:
        pairs = [(k, "REDACTED" if k.lower() in SECRET_QUERY_PARAMS else v) for k, v in u.params.multi_items()]
        u = u.copy_with(params=pairs)
    return str(u)


# ---------------------------------------------------------------------------------- responses

def header_value(headers: Mapping[str, str], names: Iterable[str]) -> str | None:
    for name in names:
        value = headers.get(name)
        if value:
            return value
    return None


def request_id_of(response: httpx.Response) -> str | None:
    rid = header_value(response.headers, REQUEST_ID_HEADERS)
    if rid:
        return rid
    body = _json_body(response)
    if isinstance(body, dict):  # Deepgram puts it in error bodies too
        value = body.get("request_id")
        if isinstance(value, str):
            return value
    return None


def billed_chars_of(response: httpx.Response) -> int | None:
    value = header_value(response.headers, BILLED_CHARS_HEADERS)
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


def _json_body(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", "") and response.content[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def error_code_and_reason(response: httpx.Response) -> tuple[str | None, str]:
    """A short machine code and reason from an error body in any provider's shape.

    OpenAI/Google `{"error": {"message", "type"|"status", "code"}}`, Deepgram `{err_code, err_msg}` or
    `{category, message}`, ElevenLabs `{"detail": {"status", "message"}}` or `{"detail": "..."}`.
    """
    body = _json_body(response)
    code: Any = None
    reason: Any = None
    if isinstance(body, dict):
        err = body.get("error")
        detail = body.get("detail")
        if isinstance(err, dict):
            code = err.get("code") if isinstance(err.get("code"), str) else None
            code = code or err.get("type") or err.get("status")
            reason = err.get("message")
        elif isinstance(detail, dict):
            code, reason = detail.get("status") or detail.get("code"), detail.get("message")
        elif isinstance(detail, (str, list)):
            reason = detail if isinstance(detail, str) else json.dumps(detail)[:200]
        else:
            code = body.get("err_code") or body.get("category") or body.get("code")
            reason = body.get("err_msg") or body.get("message") or (err if isinstance(err, str) else None)
    if reason is None:
        ctype = response.headers.get("content-type", "")
        text = response.content[:300].decode("utf-8", "replace")
        if "html" in ctype or text.lstrip().lower().startswith(("<!doctype", "<html")):
            reason = "an HTML page"
        else:
            reason = text or response.reason_phrase or "no body"
    reason = " ".join(str(reason).split())
    if len(reason) > 200:
        reason = reason[:197] + "..."
    return (str(code) if code not in (None, "") else None), reason


def default_classify(provider: str, response: httpx.Response) -> ProviderError:
    """The error for a non-2xx response: 408, 429 and 5xx retryable, other 4xx fatal."""
    code, reason = error_code_and_reason(response)
    status = response.status_code
    if 300 <= status < 400:  # never followed (the key would go with it); every request would get the same
        where = response.headers.get("location", "")
        try:
            shown = redact_url(response.request.url.join(where)) if where else "nowhere said"
        except (httpx.InvalidURL, ValueError):
            shown = "an invalid URL"
        return ProviderError(f"HTTP {status}: the server redirects to {shown}; not followed, so that the key "
                             "goes nowhere else", provider=provider, status=status,
                             request_id=request_id_of(response), halt=True,
                             hint="if the new address is the provider's, set base_url to it")
    retryable = status in RETRYABLE_STATUSES or status >= 500
    label = f"HTTP {status}" + (f" {code}" if code else "")
    return ProviderError(f"{label}: {reason}", provider=provider, status=status,
                         request_id=request_id_of(response), retryable=retryable,
                         retry_after=parse_retry_after(response.headers), account=status in ACCOUNT_STATUSES)


def public_base_url(url: str) -> str:
    """A base URL fit for a cache key or a message: no user info, no query, no fragment, no trailing slash."""
    u = httpx.URL(url)
    return str(u.copy_with(username=None, password=None, query=None, fragment=None)).rstrip("/")


@functools.lru_cache(maxsize=64)
def key_base_url(url: str, official: str) -> str | None:
    """What a segment key records of `url`: None for the provider's own endpoint, else the credential-free URL.

    Two URLs that differ only in credentials (user:password, ?token=, #fragment) give the same value.
    Remembered per (url, official): every segment's key asks, and parsing two URLs each time was a
    fifth of a 400-prompt build's planning.
    """
    public = public_base_url(url)
    return None if public == public_base_url(official) else public


def url_secrets(url: str) -> list[str]:
    """The credentials in a base URL: its password (or a lone user name), the values of secret-named
    query parameters (SECRET_QUERY_PARAMS), and any other query value of 8 characters or more."""
    u = httpx.URL(url)
    found = [u.password or u.username] if u.userinfo else []
    return found + [v for k, v in u.params.multi_items() if k.lower() in SECRET_QUERY_PARAMS or len(v) >= 8]
