"""The one HTTP layer shared by every REST provider (DESIGN.md section 4).

- `make_client`: the only place an httpx.Client is built (tests pass `httpx.MockTransport`).
- `RetryPolicy` + `next_wait`: a small explicit policy. Transport errors, 408, 429 and 5xx are
  retried with exponential backoff and jitter, honouring `retry-after-ms` / `Retry-After`; other 4xx
  are fatal; a provider's `classify` hook can make more statuses fatal (OpenAI `insufficient_quota`).
  Attempts and total time (waits included) are bounded.
- `set_testing`: removes every wait and records the waits that would have happened, so tests can
  assert that Retry-After was honoured without sleeping (modelled on stamina's `set_testing`).
- `RestClient.call`: throttle, send, classify, validate, log, retry. 2xx bodies go through the
  provider's `handle` callback, which raises InvalidAudioError for HTML/JSON/truncated bodies; that is
  retried too, and nothing a provider raises is ever cached (only what synthesize returns is).

Each request is logged at DEBUG on `narrate.http`: method, URL with secret query values redacted,
status, request id, billed characters, attempt. Keys never reach a log record or an exception.

stamina is not used here (nor a dependency): its test mode zeroes Retry-After waits before its hooks see
them, its time budget does not count the wait about to start, and its default hooks log every retry
at WARNING, which would land in the middle of the CLI's progress bar.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping, TypeVar

import httpx

from ..errors import InvalidAudioError, ProviderError, UsageError
from .base import AudioFormat, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult
from .throttle import Throttle

log = logging.getLogger("narrate.http")

T = TypeVar("T")

USER_AGENT = "narrate/0.1"
REQUEST_ID_HEADERS = ("dg-request-id", "x-request-id", "request-id", "x-amzn-requestid", "apim-request-id",
                      "x-requestid", "x-goog-request-id")
BILLED_CHARS_HEADERS = ("dg-char-count", "character-cost", "x-amzn-requestcharacters")
SECRET_QUERY_PARAMS = frozenset({"key", "api_key", "apikey", "api-key", "token", "access_token", "sig",
                                 "signature", "x-amz-signature", "x-amz-security-token", "x-amz-credential"})
RETRYABLE_STATUSES = frozenset({408, 429})


# ------------------------------------------------------------------------------------- policy

@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    max_retry_time_s: float = 300.0  # first request to giving up, requests and waits included
    initial_wait_s: float = 0.5
    max_wait_s: float = 30.0
    # A Retry-After longer than this means "come back much later": fail the segment now (the OpenAI SDK uses 120 s).
    max_retry_after_s: float = 120.0

    @classmethod
    def from_config(cls, config: ProviderConfig) -> "RetryPolicy":
        policy = cls()
        if config.max_attempts is not None:
            policy = replace(policy, max_attempts=max(1, int(config.max_attempts)))
        if config.max_retry_time_s is not None:
            policy = replace(policy, max_retry_time_s=float(config.max_retry_time_s))
        return policy


def next_wait(policy: RetryPolicy, retry_number: int, retry_after: float | None,
              rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry `retry_number` (1 = first retry).

    With a server hint, wait that long plus up to 10% so that workers throttled together do not
    return together. Otherwise exponential backoff with "equal jitter": half the step is fixed,
    half random, so waits still grow but concurrent workers spread out.
    """
    if retry_after is not None:
        return max(0.0, retry_after) * (1.0 + 0.1 * rand())
    step = min(policy.max_wait_s, policy.initial_wait_s * (2.0 ** (retry_number - 1)))
    return step / 2 + step / 2 * rand()


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds from `retry-after-ms`, else `Retry-After` (seconds or an HTTP date); None if absent or unreadable."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


# ------------------------------------------------------------------------------ testing switch

@dataclass(frozen=True)
class RetryRecord:
    provider: str
    attempt: int  # the attempt that failed
    wait_s: float  # the wait computed before the next attempt
    status: int | None
    reason: str


@dataclass
class _Testing:
    retries: list[RetryRecord] = field(default_factory=list)
    previous: "_Testing | None" = None

    def __enter__(self) -> list[RetryRecord]:
        return self.retries

    def __exit__(self, *exc: object) -> None:
        global _TESTING
        _TESTING = self.previous


_TESTING: _Testing | None = None


def set_testing(testing: bool = True) -> _Testing:
    """Switch retry waits off (True) or on (False). Usable as a context manager that restores the old state:

        with http.set_testing() as retries:
            ...
        assert [r.wait_s for r in retries] == [...]
    """
    global _TESTING
    switch = _Testing(previous=_TESTING)
    _TESTING = switch if testing else None
    return switch


def is_testing() -> bool:
    return _TESTING is not None


# ----------------------------------------------------------------------------------- redaction

def redact_url(url: str | httpx.URL) -> str:
    """The URL without credentials: user info dropped, secret query values (Google ?key=...) replaced."""
    u = httpx.URL(str(url))
    if u.userinfo:
        u = u.copy_with(username=None, password=None)
    if u.query:
        pairs = [(k, "REDACTED" if k.lower() in SECRET_QUERY_PARAMS else v) for k, v in u.params.multi_items()]
        u = u.copy_with(params=pairs)
    return str(u)


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "REDACTED")
    return text


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
    retryable = status in RETRYABLE_STATUSES or status >= 500
    label = f"HTTP {status}" + (f" {code}" if code else "")
    return ProviderError(f"{label}: {reason}", provider=provider, status=status,
                         request_id=request_id_of(response), retryable=retryable,
                         retry_after=parse_retry_after(response.headers))


def check_length(provider: str, response: httpx.Response) -> None:
    """A body shorter than its Content-Length is a truncated download (real servers raise earlier; mocks don't)."""
    declared = response.headers.get("content-length")
    if declared and "content-encoding" not in response.headers:
        try:
            expected = int(declared)
        except ValueError:
            return
        if len(response.content) != expected:
            raise InvalidAudioError(f"truncated body: {len(response.content)} of {expected} bytes",
                                    provider=provider, status=response.status_code,
                                    request_id=request_id_of(response), retryable=True)


# -------------------------------------------------------------------------------------- client

def make_client(*, base_url: str, timeout_s: float, concurrency: int, transport: httpx.BaseTransport | None = None,
                headers: Mapping[str, str] | None = None) -> httpx.Client:
    """The one httpx.Client factory. One client per provider; httpx.Client is thread-safe."""
    timeout = httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
    limits = httpx.Limits(max_connections=max(64, 2 * concurrency), max_keepalive_connections=max(16, concurrency))
    all_headers = {"user-agent": USER_AGENT, **(headers or {})}
    return httpx.Client(base_url=base_url, timeout=timeout, limits=limits, transport=transport, headers=all_headers,
                        follow_redirects=False)


Classify = Callable[[str, httpx.Response], ProviderError]


class RestClient:
    """Sends one logical request with throttling, retries, validation and logging.

    `auth` returns the auth headers and/or query params; it is called at the first request (keys
    are looked up lazily) and its values are scrubbed from every message.
    """

    def __init__(self, provider: str, *, base_url: str, policy: RetryPolicy, timeout_s: float, concurrency: int,
                 throttle: Throttle | None = None, transport: httpx.BaseTransport | None = None,
                 auth: Callable[[], tuple[dict[str, str], dict[str, str]]] | None = None,
                 classify: Classify = default_classify) -> None:
        self.provider = provider
        self.policy = policy
        self.throttle = throttle
        self.classify = classify
        self._auth = auth
        self._auth_parts: tuple[dict[str, str], dict[str, str]] | None = None
        self._auth_lock = threading.Lock()
        self.client = make_client(base_url=base_url, timeout_s=timeout_s, concurrency=concurrency, transport=transport)

    def close(self) -> None:
        self.client.close()

    def _auth_now(self) -> tuple[dict[str, str], dict[str, str]]:
        if self._auth_parts is None:
            with self._auth_lock:
                if self._auth_parts is None:
                    self._auth_parts = self._auth() if self._auth else ({}, {})
        return self._auth_parts

    @property
    def _secrets(self) -> list[str]:
        if self._auth_parts is None:
            return []
        headers, params = self._auth_parts
        values = [*headers.values(), *params.values()]
        # "Bearer abc" / "Token abc": scrub the bare key too.
        return values + [v.split(" ", 1)[1] for v in values if " " in v]

    def call(self, method: str, url: str, *, handle: Callable[[httpx.Response], T], chars: int = 0,
             params: Mapping[str, Any] | None = None, json_body: Any = None, content: bytes | str | None = None,
             headers: Mapping[str, str] | None = None) -> T:
        """Send until `handle(response)` returns for a 2xx, or a fatal error / the retry budget ends it."""
        auth_headers, auth_params = self._auth_now()
        all_headers = {**(headers or {}), **auth_headers}
        all_params = {**(params or {}), **auth_params}
        policy = self.policy
        started = time.monotonic()
        skipped = 0.0  # waits not slept in testing mode still count against the time budget
        attempt = 0
        while True:
            attempt += 1
            if self.throttle is not None:
                self.throttle.acquire(chars)
            try:
                return self._attempt(method, url, attempt, handle, all_params, json_body, content, all_headers)
            except ProviderError as err:
                error = err
            elapsed = time.monotonic() - started + skipped
            retryable = error.retryable or isinstance(error, InvalidAudioError)
            wait = next_wait(policy, attempt, error.retry_after)
            give_up = (not retryable or attempt >= policy.max_attempts
                       or (error.retry_after is not None and error.retry_after > policy.max_retry_after_s)
                       or elapsed + wait > policy.max_retry_time_s)
            if give_up:
                raise self._final(error, attempt, elapsed, retryable) from error
            log.debug("%s: retry %d in %.2fs after %s", self.provider, attempt, wait, error.message)
            testing = _TESTING
            if testing is not None:
                testing.retries.append(RetryRecord(self.provider, attempt, wait, error.status, error.message))
                skipped += wait
            else:
                time.sleep(wait)

    def _attempt(self, method: str, url: str, attempt: int, handle: Callable[[httpx.Response], T],
                 params: Mapping[str, Any], json_body: Any, content: bytes | str | None,
                 headers: Mapping[str, str]) -> T:
        t0 = time.monotonic()
        request = self.client.build_request(method, url, params=params or None, json=json_body, content=content,
                                            headers=headers)
        shown_url = redact_url(request.url)
        try:
            response = self.client.send(request)
        except httpx.TimeoutException as exc:
            log.debug("%s %s -> timeout (%s) attempt=%d", method, shown_url, type(exc).__name__, attempt)
            raise ProviderError(f"timed out ({type(exc).__name__})", provider=self.provider, retryable=True) from None
        except httpx.TransportError as exc:
            detail = scrub(str(exc), self._secrets)[:160]
            log.debug("%s %s -> %s attempt=%d", method, shown_url, type(exc).__name__, attempt)
            raise ProviderError(f"connection error ({type(exc).__name__}: {detail})", provider=self.provider,
                                retryable=True) from None
        rid = request_id_of(response)
        log.debug("%s %s -> %d request_id=%s billed_chars=%s attempt=%d/%d %.0fms", method, shown_url,
                  response.status_code, rid, billed_chars_of(response), attempt, self.policy.max_attempts,
                  (time.monotonic() - t0) * 1000)
        if not response.is_success:
            error = self.classify(self.provider, response)
            error.message = scrub(error.message, self._secrets)
            error.args = (error.message,)
            raise error
        try:
            check_length(self.provider, response)
            return handle(response)
        except ProviderError as err:  # a 2xx that is not audio: say which response it was
            err.status = err.status if err.status is not None else response.status_code
            err.request_id = err.request_id or rid
            log.debug("%s %s -> %d rejected: %s", method, shown_url, response.status_code, err.message)
            raise

    def _final(self, error: ProviderError, attempts: int, elapsed: float, retryable: bool) -> ProviderError:
        """The error raised to the caller: the last status and reason, and how long we tried."""
        message = scrub(error.message, self._secrets)
        if retryable:
            message += f" (gave up after {attempts} attempt{'s' if attempts != 1 else ''} in {elapsed:.1f}s)"
        cls = type(error) if isinstance(error, ProviderError) else ProviderError
        final = cls(message, provider=error.provider, status=error.status, request_id=error.request_id,
                    retryable=retryable, retry_after=error.retry_after, hint=error.hint)
        return final


# ---------------------------------------------------------------------- provider scaffolding

# httpx applies it per operation (connect, each read, each write), not to the whole response, so a
# slow stream is fine as long as bytes keep coming; 60 s covers the time to first byte of long texts.
DEFAULT_TIMEOUT_S = 60.0


def effective_limits(defaults: ProviderLimits, config: ProviderConfig) -> ProviderLimits:
    """The provider's documented defaults with the manifest's overrides applied."""
    return ProviderLimits(
        max_chars=defaults.max_chars,
        default_concurrency=config.concurrency or defaults.default_concurrency,
        requests_per_minute=config.requests_per_minute or defaults.requests_per_minute,
        chars_per_minute=config.chars_per_minute or defaults.chars_per_minute,
    )


def public_base_url(url: str) -> str:
    """A base URL fit for a cache key or a message: no user info, no query, no trailing slash."""
    u = httpx.URL(url)
    return str(u.copy_with(username=None, password=None, query=None, fragment=None)).rstrip("/")


class RestProvider:
    """What every REST provider shares: limits, one RestClient, option lookup, response validation."""

    name: str
    contract_version: str
    limits: ProviderLimits
    # These services read numbers, dates and currency themselves: `normalize: auto` leaves the text alone.
    normalizes_text = True

    def __init__(self, config: ProviderConfig, *, kind: str, defaults: ProviderLimits, base_url: str,
                 transport: httpx.BaseTransport | None,
                 auth: Callable[[], tuple[dict[str, str], dict[str, str]]] | None,
                 classify: Classify = default_classify) -> None:
        self.name = kind  # the kind goes into segment keys; the config name into messages
        self.config = config
        self.label = config.name
        self.limits = effective_limits(defaults, config)
        self.base_url = base_url.rstrip("/")
        throttle = Throttle(self.limits.requests_per_minute, self.limits.chars_per_minute)
        self.http = RestClient(config.name, base_url=self.base_url, policy=RetryPolicy.from_config(config),
                               timeout_s=config.timeout_s or DEFAULT_TIMEOUT_S,
                               concurrency=self.limits.default_concurrency,
                               throttle=throttle if throttle.active else None, transport=transport,
                               auth=auth, classify=classify)

    def option(self, request: SynthesisRequest, key: str, default: str | None = None) -> str | None:
        """A synthesis option: the prompt's `options:` first, then the provider config's."""
        for k, v in request.options:
            if k == key:
                return v
        value = self.config.options.get(key)
        return default if value is None else str(value)

    def number_option(self, request: SynthesisRequest, key: str, cast: Callable[[str], T]) -> T | None:
        value = self.option(request, key)
        if value is None or value == "":
            return None
        try:
            return cast(value)
        except ValueError:
            raise UsageError(f"provider {self.label}: option {key}={value!r} is not a {cast.__name__}") from None

    def audio_result(self, data: bytes, fmt: AudioFormat, request: SynthesisRequest, response: httpx.Response,
                     *, content_type: str | None = None) -> SynthesisResult:
        """Validate (decode) the body before anyone can cache it; InvalidAudioError is retried by the caller."""
        from ..audio.validate import check_audio

        rid = request_id_of(response)
        check_audio(data, fmt, request.text, provider=self.label, content_type=content_type, request_id=rid,
                    speed=request.speed)
        return SynthesisResult(audio=data, format=fmt, request_id=rid, billed_chars=billed_chars_of(response))

    def close(self) -> None:
        self.http.close()


def locale_of(voice: str) -> str | None:
    """`en-US` from Google/Azure voice names like `en-US-Neural2-F` or `en-US-AvaNeural`."""
    parts = voice.split("-")
    if len(parts) >= 3 and parts[0].isalpha() and parts[0].islower() and parts[1].isalpha():
        return f"{parts[0]}-{parts[1]}"
    return None


def language_mismatch(voice: str, language: str) -> str | None:
    """A reason when a locale-named voice cannot speak `language` (compared on the primary subtag)."""
    locale = locale_of(voice)
    if locale is None:
        return None
    if locale.split("-")[0].lower() != language.split("-")[0].lower():
        return f"{voice} is a {locale} voice, not {language}"
    return None
