"""The one HTTP layer shared by every REST provider (DESIGN.md section 4).

- `make_client`: the only place an httpx.Client is built (tests pass `httpx.MockTransport`).
- The retry policy and its testing switch live in policy.py; response parsing in responses.py;
  bounded body reading in transfer.py (all re-exported here).
- What every REST provider shares on top of this client (limits, options, audio validation) is
  rest_provider.RestProvider.
- `RestClient.call`: throttle, send, read (bounded), classify, validate, log, retry. 2xx bodies go
  through the provider's `handle` callback, which raises InvalidAudioError for HTML/JSON/truncated or
  wrongly encoded bodies; that is retried too, and nothing a provider raises is ever cached (only
  what synthesize returns is).

Every attempt is bounded: its body by `max_bytes` (limits.max_body_bytes: the text's length at the
requested format's byte rate, with a hard ceiling), its time by a deadline from connect to last byte:
`timeout_s` when the manifest sets it, else 60 s + 50 ms per character of text (a long text streams
for a while; 4,096 characters get 265 s), and never past what is left of `max_retry_time_s`.

Each request is logged at DEBUG on `narrate.http`: method, URL with secret query values redacted,
status, request id, billed characters, attempt. Keys never reach a log record or an exception: every
error raised here goes through secrets.mask, and so does every log record once a key is known.

stamina is not used here (nor a dependency): its test mode zeroes Retry-After waits before its hooks see
them, its time budget does not count the wait about to start, and its default hooks log every retry
at WARNING, which would land in the middle of the CLI's progress bar.
"""

from __future__ import annotations

import logging
import signal
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from .. import procs
from ..audio.limits import HARD_MAX_BODY_BYTES
from ..errors import Interrupted, InvalidAudioError, ProviderError
from . import secrets
from .clients import ThreadClients
from .policy import RetryPolicy, RetryRecord, is_testing, next_wait, parse_retry_after, set_testing, testing_records
from .responses import (
    BILLED_CHARS_HEADERS,
    REQUEST_ID_HEADERS,
    RETRYABLE_STATUSES,
    SECRET_QUERY_PARAMS,
    billed_chars_of,
    default_classify,
    error_code_and_reason,
    header_value,
    key_base_url,
    public_base_url,
    redact_url,
    request_id_of,
    url_secrets,
)
from .throttle import Throttle
from .transfer import read_body, with_body

__all__ = ["BILLED_CHARS_HEADERS", "REQUEST_ID_HEADERS", "RETRYABLE_STATUSES", "SECRET_QUERY_PARAMS", "RestClient",
           "RetryPolicy", "RetryRecord", "billed_chars_of", "default_classify",
           "error_code_and_reason", "header_value", "is_testing", "make_client", "next_wait", "parse_retry_after",
           "key_base_url", "public_base_url", "redact_url", "request_id_of", "set_testing", "url_secrets"]

log = logging.getLogger("narrate.http")

T = TypeVar("T")

USER_AGENT = "narrate/0.1"
# httpx applies these per operation (connect, each read, each write); the attempt deadline bounds the whole.
DEFAULT_TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 10.0
# The attempt deadline when the manifest sets no timeout_s: time to first byte plus streaming time.
DEFAULT_ATTEMPT_S = 60.0
ATTEMPT_S_PER_CHAR = 0.05
# Error bodies are read only this far: enough for any provider's message, never a memory hazard.
ERROR_BODY_BYTES = 64 * 1024
# A body with no expected size (a caller that passes no max_bytes) may still not pass this.
DEFAULT_MAX_BYTES = HARD_MAX_BODY_BYTES


def make_client(*, base_url: str, timeout_s: float, concurrency: int, transport: httpx.BaseTransport | None = None,
                headers: Mapping[str, str] | None = None, verify: ssl.SSLContext | bool = True) -> httpx.Client:
    """The one httpx.Client factory: a provider's clients (one per sending thread, clients.ThreadClients,
    sharing the TLS context `verify`; one in all with a test's transport) are all made here.

    Audio does not compress, so bodies are asked for uncompressed (`accept-encoding: identity`); a
    server that compresses anyway is decoded chunk by chunk under the same size cap.
    """
    timeout = httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s))
    limits = httpx.Limits(max_connections=max(64, 2 * concurrency), max_keepalive_connections=max(16, concurrency))
    all_headers = {"user-agent": USER_AGENT, "accept-encoding": "identity", **(headers or {})}
    return httpx.Client(base_url=base_url, timeout=timeout, limits=limits, transport=transport, headers=all_headers,
                        follow_redirects=False, verify=verify)


Classify = Callable[[str, httpx.Response], ProviderError]


def masked(error: ProviderError) -> ProviderError:
    """The same error with every known secret masked in its message and hint (in place)."""
    error.message = secrets.mask(error.message)
    error.hint = secrets.mask(error.hint) if error.hint else error.hint
    error.args = (error.message,)
    return error


class RestClient:
    """Sends one logical request with throttling, retries, validation and logging.

    `auth` returns the auth headers and/or query params; it is called at the first request (keys
    are looked up lazily) and its values are masked in every message and log record.
    `timeout_s`: the deadline of each attempt, connect to last byte (None: 60 s + 50 ms per character).
    """

    def __init__(self, provider: str, *, base_url: str, policy: RetryPolicy, timeout_s: float | None,
                 concurrency: int, throttle: Throttle | None = None, transport: httpx.BaseTransport | None = None,
                 auth: Callable[[], tuple[dict[str, str], dict[str, str]]] | None = None,
                 classify: Classify = default_classify,
                 sign: Callable[[httpx.Request], None] | None = None) -> None:
        self.provider = provider
        self.sign = sign  # signs each attempt's request in place (AWS SigV4: the date is part of the signature)
        self.policy = policy
        self.throttle = throttle
        self.classify = classify
        self.timeout_s = timeout_s
        self._auth = auth
        self._auth_parts: tuple[dict[str, str], dict[str, str]] | None = None
        self._auth_lock = threading.Lock()
        self._client: httpx.Client | None = None  # a test's transport: the one client; else the first made
        self._client_error: BaseException | None = None
        self._client_ready = threading.Event()
        self._threads: ThreadClients | None = None
        timeout = timeout_s or DEFAULT_TIMEOUT_S

        def make() -> None:
            try:
                if transport is None:
                    self._client = threads.prepare()
                else:
                    self._client = make_client(base_url=base_url, timeout_s=timeout, concurrency=concurrency,
                                               transport=transport)
            except BaseException as exc:  # raised where the client is first used
                self._client_error = exc
            finally:
                self._client_ready.set()

        httpx.URL(base_url)  # a malformed base_url fails here, as it did when the client was made here
        if transport is None:
            # A client per sending thread (clients.py: httpcore's shared pool made every request wait on
            # its lock). httpx loads the CA bundle into a TLS context as it builds the first (tens of ms,
            # longer on a busy machine, mostly with the GIL released): made in a thread of its own while
            # the build plans, so the first request does not wait for it; the first use waits if it is not done.
            threads = self._threads = ThreadClients(
                lambda tls: make_client(base_url=base_url, timeout_s=timeout, concurrency=concurrency, verify=tls))
            threading.Thread(target=make, name="narrate-http-client", daemon=True).start()
        else:
            make()  # a test's transport: no TLS context to make, one client for every thread

    @property
    def client(self) -> httpx.Client:
        """The calling thread's httpx.Client (the first one made by the constructor, in a thread of its own)."""
        self._client_ready.wait()
        if self._client_error is not None:
            raise self._client_error
        if self._threads is not None:
            return self._threads.get()
        assert self._client is not None
        return self._client

    def close(self) -> None:
        self._client_ready.wait()
        if self._threads is not None:
            self._threads.close()
        elif self._client is not None:
            self._client.close()

    def auth_now(self) -> tuple[dict[str, str], dict[str, str]]:
        """The auth (headers, params), looked up once; raises UsageError when a key is missing."""
        if self._auth_parts is None:
            with self._auth_lock:
                if self._auth_parts is None:
                    parts = self._auth() if self._auth else ({}, {})
                    values = [*parts[0].values(), *parts[1].values()]
                    # "Bearer abc" / "Token abc": mask the bare key too.
                    secrets.register(*values, *(v.split(" ", 1)[1] for v in values if " " in v))
                    self._auth_parts = parts
        return self._auth_parts

    def attempt_budget(self, chars: int) -> float:
        """Seconds one attempt may take, connect to last byte, before the retry budget is applied."""
        if self.timeout_s:
            return self.timeout_s
        return DEFAULT_ATTEMPT_S + ATTEMPT_S_PER_CHAR * chars

    def call(self, method: str, url: str, *, handle: Callable[[httpx.Response], T], chars: int = 0,
             params: Mapping[str, Any] | None = None, json_body: Any = None, content: bytes | str | None = None,
             headers: Mapping[str, str] | None = None, max_bytes: int | None = None) -> T:
        """Send until `handle(response)` returns for a 2xx, or a fatal error / the retry budget ends it.

        `chars`: the text's length (throttle and default deadline). `max_bytes`: the largest body accepted.
        Raises ProviderError (InvalidAudioError for a rejected 2xx), its message masked.
        """
        auth_headers, auth_params = self.auth_now()
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
            if procs.stopping() is not None:  # Ctrl-C or SIGTERM: no new attempt, whatever the budget left
                raise Interrupted(procs.stopping() or signal.SIGINT)
            left = policy.max_retry_time_s - (time.monotonic() - started + skipped)
            budget = max(0.05, min(self.attempt_budget(chars), left))
            try:
                return self._attempt(method, url, attempt, handle, all_params, json_body, content, all_headers,
                                     budget_s=budget, max_bytes=max_bytes or DEFAULT_MAX_BYTES)
            except ProviderError as err:
                error = masked(err)
            elapsed = time.monotonic() - started + skipped
            retryable = error.retryable or isinstance(error, InvalidAudioError)
            wait = next_wait(policy, attempt, error.retry_after)
            give_up = (not retryable or attempt >= policy.max_attempts
                       or (error.retry_after is not None and error.retry_after > policy.max_retry_after_s)
                       or elapsed + wait > policy.max_retry_time_s)
            if give_up:
                if error.retry_after is not None and error.retry_after > policy.max_retry_after_s:
                    error.halt = True  # "come back tomorrow" holds for every request, not just this one
                why = ""
                if retryable and attempt < policy.max_attempts and error.retry_after is not None:
                    past = (f"max_retry_after_s {policy.max_retry_after_s:g} s"
                            if error.retry_after > policy.max_retry_after_s else
                            f"the {max(0.0, policy.max_retry_time_s - elapsed):.0f} s left of max_retry_time_s")
                    why = f": the server asked to wait {error.retry_after:.0f} s, past {past}"
                raise self._final(error, attempt, elapsed, retryable, why) from error
            log.debug("%s: retry %d in %.2fs after %s", self.provider, attempt, wait, error.message)
            records = testing_records()
            if records is not None:
                records.append(RetryRecord(self.provider, attempt, wait, error.status, error.message))
                skipped += wait
            else:
                procs.pause(wait)

    def _attempt(self, method: str, url: str, attempt: int, handle: Callable[[httpx.Response], T],
                 params: Mapping[str, Any], json_body: Any, content: bytes | str | None,
                 headers: Mapping[str, str], *, budget_s: float, max_bytes: int) -> T:
        t0 = time.monotonic()
        deadline = t0 + budget_s
        read_s = min(self.timeout_s or DEFAULT_TIMEOUT_S, budget_s)
        timeout = httpx.Timeout(read_s, connect=min(CONNECT_TIMEOUT_S, budget_s))
        client = self.client
        request = client.build_request(method, url, params=params or None, json=json_body, content=content,
                                       headers=headers, timeout=timeout)
        if self.sign is not None:
            self.sign(request)
        # Parsed again only for the DEBUG log: a URL parse per attempt is a visible part of a request's CPU.
        debug = log.isEnabledFor(logging.DEBUG)
        shown_url = redact_url(request.url) if debug else ""
        try:
            response = client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            log.debug("%s %s -> timeout (%s) attempt=%d", method, shown_url, type(exc).__name__, attempt)
            raise ProviderError(f"timed out ({type(exc).__name__})", provider=self.provider, retryable=True) from None
        except httpx.TransportError as exc:
            detail = secrets.mask(str(exc))[:160]
            log.debug("%s %s -> %s attempt=%d", method, shown_url, type(exc).__name__, attempt)
            raise ProviderError(f"connection error ({type(exc).__name__}: {detail})", provider=self.provider,
                                retryable=True) from None
        try:
            limit = max_bytes if response.is_success else ERROR_BODY_BYTES
            body = read_body(response, provider=self.provider, max_bytes=limit, deadline=deadline,
                             budget_s=budget_s, strict=response.is_success)
        except ProviderError as err:
            log.debug("%s %s -> %d body rejected: %s attempt=%d", method, shown_url, response.status_code,
                      secrets.mask(err.message), attempt)
            raise masked(err) from None
        finally:
            response.close()
        response = with_body(response, body)
        rid = request_id_of(response)
        if debug:
            log.debug("%s %s -> %d request_id=%s billed_chars=%s bytes=%d attempt=%d/%d %.0fms", method, shown_url,
                      response.status_code, rid, billed_chars_of(response), len(body), attempt,
                      self.policy.max_attempts, (time.monotonic() - t0) * 1000)
        if not response.is_success:
            raise masked(self.classify(self.provider, response))
        try:
            return handle(response)
        except ProviderError as err:  # a 2xx that is not audio: say which response it was
            err.status = err.status if err.status is not None else response.status_code
            err.request_id = err.request_id or rid
            masked(err)
            log.debug("%s %s -> %d rejected: %s", method, shown_url, response.status_code, err.message)
            raise

    def _final(self, error: ProviderError, attempts: int, elapsed: float, retryable: bool,
               why: str = "") -> ProviderError:
        """The error raised to the caller: the last status and reason, how long we tried, and `why` we
        stopped when the attempts were not used up (": the server asked to wait ...")."""
        message = secrets.mask(error.message)
        if retryable:
            message += f" (gave up after {attempts} attempt{'s' if attempts != 1 else ''} in {elapsed:.1f}s{why})"
        cls = type(error) if isinstance(error, ProviderError) else ProviderError
        return cls(message, provider=error.provider, status=error.status, request_id=error.request_id,
                   retryable=retryable, retry_after=error.retry_after, hint=error.hint, account=error.account,
                   halt=error.halt)
