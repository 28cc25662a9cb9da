"""The shared HTTP layer: retry policy, Retry-After parsing, redaction, error reasons, the throttle,
key lookup, and RestClient's retry loop against httpx.MockTransport (no waits: http.set_testing)."""

from __future__ import annotations

import base64
import gzip
import logging
import socket
import threading
import time
import urllib.parse

import httpx
import pytest

from narrate.errors import InvalidAudioError, ProviderError, UsageError
from narrate.providers import http
from narrate.providers.base import ProviderConfig
from narrate.providers.http import RestClient, RetryPolicy, next_wait, parse_retry_after
from narrate.providers.keys import find_key, require_key
from narrate.providers.throttle import Throttle
from test_providers_support import HTML, KEY, Captured, Script, error_response

# ------------------------------------------------------------------------------------ policy

def test_backoff_grows_exponentially_with_bounded_jitter():
    policy = RetryPolicy(initial_wait_s=0.5, max_wait_s=4.0)
    lows = [next_wait(policy, n, None, rand=lambda: 0.0) for n in range(1, 6)]
    highs = [next_wait(policy, n, None, rand=lambda: 1.0) for n in range(1, 6)]
    assert lows == [0.25, 0.5, 1.0, 2.0, 2.0]  # half the step is fixed ...
    assert highs == [0.5, 1.0, 2.0, 4.0, 4.0]  # ... half is jitter, capped at max_wait_s


def test_retry_after_is_a_floor_with_at_most_ten_percent_jitter():
    policy = RetryPolicy()
    assert next_wait(policy, 1, 3.0, rand=lambda: 0.0) == 3.0
    assert next_wait(policy, 7, 3.0, rand=lambda: 1.0) == pytest.approx(3.3)


def test_parse_retry_after_forms():
    assert parse_retry_after(httpx.Headers({"retry-after": "7"})) == 7.0
    assert parse_retry_after(httpx.Headers({"retry-after": "7", "retry-after-ms": "250"})) == 0.25
    date = "Wed, 21 Oct 2015 07:28:10 GMT"
    assert parse_retry_after(httpx.Headers({"retry-after": date}), now=1445412480.0) == 10.0
    assert parse_retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert parse_retry_after(httpx.Headers({})) is None


def test_policy_from_config():
    policy = RetryPolicy.from_config(ProviderConfig("p", "openai", max_attempts=2, max_retry_time_s=9))
    assert (policy.max_attempts, policy.max_retry_time_s) == (2, 9.0)
    assert RetryPolicy.from_config(ProviderConfig("p", "openai")) == RetryPolicy()


# --------------------------------------------------------------------------------- redaction

def test_redact_url_hides_query_secrets_and_userinfo():
    shown = http.redact_url(f"https://user:{KEY}@texttospeech.googleapis.com/v1/text:synthesize?key={KEY}&alt=json")
    assert KEY not in shown
    assert "key=REDACTED" in shown and "alt=json" in shown and "user" not in shown


@pytest.mark.parametrize("body, code, reason", [
    ({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
     "rate_limit_exceeded", "Rate limit reached"),
    ({"err_code": "INVALID_QUERY_PARAMETER", "err_msg": "bad encoding", "request_id": "r1"},
     "INVALID_QUERY_PARAMETER", "bad encoding"),
    ({"category": "INVALID_AUTH", "message": "Invalid credentials."}, "INVALID_AUTH", "Invalid credentials."),
    ({"detail": {"status": "quota_exceeded", "message": "You have 0 credits"}}, "quota_exceeded", "You have 0 credits"),
    ({"error": {"code": 400, "message": "Either input.text or input.ssml is longer than the limit of 5000 bytes.",
                "status": "INVALID_ARGUMENT"}}, "INVALID_ARGUMENT", "Either input.text"),
])
def test_error_reason_from_each_provider_shape(body, code, reason):
    got_code, got_reason = http.error_code_and_reason(httpx.Response(400, json=body))
    assert got_code == code and got_reason.startswith(reason)


def test_error_reason_for_html_and_long_text():
    assert http.error_code_and_reason(httpx.Response(502, content=HTML))[1] == "an HTML page"
    _, reason = http.error_code_and_reason(httpx.Response(500, text="x" * 1000))
    assert len(reason) <= 200


# ---------------------------------------------------------------------------------- throttle

class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_throttle_paces_requests_per_minute():
    t = FakeTime()
    throttle = Throttle(requests_per_minute=120, clock=t.clock, sleep=t.sleep)  # 2/s, burst 2
    for _ in range(6):
        throttle.acquire()
    assert t.now == pytest.approx(2.0)  # 2 free, then 4 more at 0.5 s each


def test_throttle_paces_characters_and_lets_big_requests_through():
    t = FakeTime()
    throttle = Throttle(chars_per_minute=600, clock=t.clock, sleep=t.sleep)  # 10 chars/s, burst 10
    throttle.acquire(10)
    assert t.now == 0
    throttle.acquire(50)  # bigger than the burst: waits for the refill instead of blocking forever
    assert t.now == pytest.approx(5.0)
    throttle.acquire(0)
    assert t.now == pytest.approx(5.0)


def test_throttle_refills_while_idle_and_off_when_unset():
    t = FakeTime()
    throttle = Throttle(requests_per_minute=60, clock=t.clock, sleep=t.sleep)
    throttle.acquire()
    t.now += 10
    throttle.acquire()
    assert t.slept == []
    assert not Throttle().active and Throttle().acquire(10**6) == 0.0


def test_throttle_is_thread_safe():
    import threading

    t = FakeTime()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            t.slept.append(seconds)

    throttle = Throttle(requests_per_minute=60, clock=t.clock, sleep=sleep)  # clock frozen at 0
    threads = [threading.Thread(target=throttle.acquire) for _ in range(20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    # Each caller reserved its own slot: waits are 0 (one free), 1, 2, ... 19 s, none shared.
    assert sorted(t.slept) == [float(n) for n in range(1, 20)]


# ---------------------------------------------------------------------------------------- keys

def test_key_from_default_env_then_configured_env_then_file(tmp_path):
    cfg = ProviderConfig("dg", "deepgram")
    assert find_key(cfg, ("A_KEY", "B_KEY"), environ={"B_KEY": " b "}).value == "b"
    assert find_key(cfg, ("A_KEY",), environ={}) is None
    cfg_env = ProviderConfig("dg", "deepgram", api_key_env="MY_KEY")
    assert require_key(cfg_env, ("A_KEY",), environ={"MY_KEY": "m", "A_KEY": "a"}).value == "m"
    key_file = tmp_path / "key.txt"
    key_file.write_text("from-file\n")
    cfg_file = ProviderConfig("dg", "deepgram", api_key_file=str(key_file), api_key_env="MY_KEY")
    cred = require_key(cfg_file, ("A_KEY",), environ={"MY_KEY": "m"})
    assert (cred.value, cred.source) == ("from-file", f"file {key_file}")


def test_missing_key_errors_name_the_variable_or_file_never_a_value(tmp_path):
    with pytest.raises(UsageError, match="DEEPGRAM_API_KEY"):
        require_key(ProviderConfig("dg", "deepgram"), ("DEEPGRAM_API_KEY",), environ={})
    with pytest.raises(UsageError, match="MY_KEY is not set"):
        find_key(ProviderConfig("dg", "deepgram", api_key_env="MY_KEY"), ("A",), environ={"A": KEY})
    with pytest.raises(UsageError, match="cannot read api_key_file"):
        find_key(ProviderConfig("dg", "deepgram", api_key_file=str(tmp_path / "nope")), ())
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(UsageError, match="is empty"):
        find_key(ProviderConfig("dg", "deepgram", api_key_file=str(tmp_path / "empty")), ())


# ------------------------------------------------------------------------------ the retry loop

def client(script: Script, **policy) -> RestClient:
    return RestClient("mock", base_url="https://api.example.test", policy=RetryPolicy(**policy), timeout_s=5,
                      concurrency=2, transport=script.transport,
                      auth=lambda: ({"authorization": f"Bearer {KEY}"}, {"key": KEY}))


def ok(response: httpx.Response) -> bytes:
    if response.content.startswith(b"<"):
        raise InvalidAudioError("HTML body", provider="mock", retryable=True)
    return response.content


@pytest.fixture
def retries():
    with http.set_testing() as records:
        yield records


@pytest.fixture
def logs():
    handler = Captured()
    logger = logging.getLogger("narrate.http")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old)


def test_429_with_retry_after_then_200(retries, logs):
    script = Script([error_response(429, {"error": {"message": "slow down"}}, **{"retry-after": "2"}),
                     httpx.Response(200, content=b"audio")])
    assert client(script).call("POST", "/speak", handle=ok) == b"audio"
    assert script.count == 2
    assert [r.attempt for r in retries] == [1]
    assert 2.0 <= retries[0].wait_s <= 2.2 and retries[0].status == 429
    assert KEY not in logs.text() and "key=REDACTED" in logs.text()
    assert "attempt=2/5" in logs.text()


def test_5xx_twice_then_200_backs_off(retries):
    script = Script([error_response(503, b"busy"), error_response(500, b"oops"), httpx.Response(200, content=b"a")])
    assert client(script, initial_wait_s=1.0).call("GET", "/x", handle=ok) == b"a"
    assert script.count == 3
    assert [r.status for r in retries] == [503, 500]
    assert 0.5 <= retries[0].wait_s <= 1.0 and 1.0 <= retries[1].wait_s <= 2.0


@pytest.mark.parametrize("failure", [
    httpx.ReadTimeout("timed out"), httpx.ConnectError("[Errno 111] Connection refused"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.Response(200, content=b"ab", headers={"content-length": "100"}),  # truncated
    httpx.Response(200, content=HTML, headers={"content-type": "text/html"}),  # HTML with 200
    httpx.Response(408), httpx.Response(504),
])
def test_transient_failures_are_retried(retries, failure):
    script = Script([failure, httpx.Response(200, content=b"fine")])
    assert client(script).call("GET", "/x", handle=ok) == b"fine"
    assert script.count == 2 and len(retries) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 415, 422])
def test_other_4xx_are_fatal_after_one_request(retries, status):
    script = Script([error_response(status, {"error": {"message": f"nope {KEY}"}}), httpx.Response(200)])
    with pytest.raises(ProviderError) as info:
        client(script).call("GET", "/x", handle=ok)
    assert script.count == 1 and retries == []
    err = info.value
    assert err.status == status and not err.retryable
    assert KEY not in str(err) and "REDACTED" in str(err)  # a key echoed by a server is scrubbed too


def test_attempts_are_bounded_and_the_last_status_is_reported(retries):
    script = Script([error_response(503, {"error": {"message": "overloaded"}}, **{"x-request-id": "req-9"})])
    with pytest.raises(ProviderError) as info:
        client(script, max_attempts=3).call("GET", "/x", handle=ok)
    assert script.count == 3
    err = info.value
    assert (err.status, err.request_id, err.provider) == (503, "req-9", "mock")
    assert "HTTP 503" in err.message and "overloaded" in err.message and "3 attempts" in err.message


def test_time_budget_counts_the_waits(retries):
    script = Script([error_response(429, b"", **{"retry-after": "30"}), httpx.Response(200, content=b"a")])
    with pytest.raises(ProviderError, match="HTTP 429"):
        client(script, max_retry_time_s=10).call("GET", "/x", handle=ok)
    assert script.count == 1  # waiting 30 s would overrun the 10 s budget: give up at once


def test_a_retry_after_beyond_the_cap_gives_up(retries):
    script = Script([error_response(429, b"", **{"retry-after": "600"}), httpx.Response(200, content=b"a")])
    with pytest.raises(ProviderError):
        client(script, max_retry_time_s=10_000).call("GET", "/x", handle=ok)
    assert script.count == 1


def test_retry_after_ms_is_preferred(retries):
    script = Script([error_response(429, b"", **{"retry-after": "9", "retry-after-ms": "40"}),
                     httpx.Response(200, content=b"a")])
    client(script).call("GET", "/x", handle=ok)
    assert 0.04 <= retries[0].wait_s <= 0.044


def test_testing_switch_restores_and_real_mode_sleeps(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(http.procs, "pause", slept.append)
    with http.set_testing():
        assert http.is_testing()
    assert not http.is_testing()
    script = Script([error_response(503, b""), httpx.Response(200, content=b"a")])
    client(script, initial_wait_s=0.2).call("GET", "/x", handle=ok)
    assert len(slept) == 1 and 0.1 <= slept[0] <= 0.2


def test_transport_error_messages_are_scrubbed(retries):
    script = Script([httpx.ConnectError(f"cannot reach https://h/?key={KEY}")])
    with pytest.raises(ProviderError) as info:
        client(script, max_attempts=2).call("GET", "/x", handle=ok)
    assert KEY not in str(info.value) and "ConnectError" in str(info.value)


# -------------------------------------------------------------- bounded bodies (issue 9 item 4)

class Endless(httpx.SyncByteStream):
    """A body that never ends (bounded here only so a broken client cannot hang the test run)."""

    def __init__(self, chunk: bytes = b"\x01\x02" * 8192, delay_s: float = 0.0, limit: int = 10**9) -> None:
        self.chunk, self.delay_s, self.limit, self.sent = chunk, delay_s, limit, 0

    def __iter__(self):
        while self.sent < self.limit:
            if self.delay_s:
                time.sleep(self.delay_s)
            self.sent += len(self.chunk)
            yield self.chunk


def timed_client(script: Script, timeout_s: float | None, **policy) -> RestClient:
    return RestClient("mock", base_url="https://api.example.test", policy=RetryPolicy(**policy), timeout_s=timeout_s,
                      concurrency=2, transport=script.transport)


def test_an_endless_200_body_stops_at_the_cap_and_is_retried(retries):
    stream = Endless()
    script = Script([httpx.Response(200, stream=stream), httpx.Response(200, content=b"fine")])
    assert client(script).call("GET", "/x", handle=ok, max_bytes=100_000) == b"fine"
    assert script.count == 2 and stream.sent <= 100_000 + 16384  # read no further than one chunk past the cap
    assert "passed the 100000-byte limit" in retries[0].reason


def test_a_declared_length_over_the_cap_is_refused_unread(retries):
    stream = Endless(limit=1)  # would yield once: it must not be read at all
    script = Script([httpx.Response(200, stream=stream, headers={"content-length": "5000000"})])
    with pytest.raises(InvalidAudioError, match="5000000 bytes .* over the 1000-byte limit") as info:
        client(script, max_attempts=2).call("GET", "/x", handle=ok, max_bytes=1000)
    assert stream.sent == 0 and script.count == 2 and "gave up after 2 attempts" in str(info.value)


def test_a_gzip_bomb_is_decoded_under_the_cap_and_identity_is_asked_for(retries):
    bomb = gzip.compress(bytes(16 * 1024 * 1024), compresslevel=1)  # 16 MiB of zeros in ~70 KiB
    assert len(bomb) < 100_000
    script = Script([httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"})])
    with pytest.raises(InvalidAudioError, match="passed the 1000000-byte limit"):
        client(script, max_attempts=1).call("GET", "/x", handle=ok, max_bytes=1_000_000)
    assert script.requests[0].headers["accept-encoding"] == "identity"


def test_error_bodies_are_read_only_so_far():
    stream = Endless()
    script = Script([httpx.Response(503, stream=stream)])
    with http.set_testing(), pytest.raises(ProviderError, match="HTTP 503"):
        client(script, max_attempts=1).call("GET", "/x", handle=ok)
    assert stream.sent <= http.ERROR_BODY_BYTES + 16384


def test_a_drip_fed_body_ends_at_the_attempt_deadline(retries):
    script = Script([lambda request: httpx.Response(200, stream=Endless(chunk=b"\x01", delay_s=0.05))])
    started = time.monotonic()
    with pytest.raises(ProviderError) as info:
        timed_client(script, timeout_s=0.5, max_attempts=2).call("GET", "/x", handle=ok)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 2.0, elapsed  # two attempts of 0.5 s each, waits skipped
    assert "attempt deadline of 0.5s passed" in str(info.value) and info.value.retryable
    assert script.count == 2


def test_the_retry_budget_bounds_an_attempt_too(retries):
    # No timeout_s: the attempt alone could last 60 s; max_retry_time_s cuts it at 0.6 s.
    stream = Endless(chunk=b"\x01", delay_s=0.05)
    script = Script([httpx.Response(200, stream=stream)])
    started = time.monotonic()
    with pytest.raises(ProviderError, match="attempt deadline of 0.6s"):
        timed_client(script, timeout_s=None, max_retry_time_s=0.6).call("GET", "/x", handle=ok)
    assert time.monotonic() - started < 1.5 and script.count == 1


def test_the_default_deadline_grows_with_the_text():
    rc = timed_client(Script([httpx.Response(200)]), timeout_s=None)
    assert rc.attempt_budget(0) == 60.0 and rc.attempt_budget(4096) == pytest.approx(264.8)
    assert timed_client(Script([httpx.Response(200)]), timeout_s=7).attempt_budget(4096) == 7


class SilentAfterAFewBytes(threading.Thread):
    """A raw HTTP server on 127.0.0.1: headers, 10 bytes over 0.5 s, then silence with the socket open."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.done = threading.Event()

    def run(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 1000\r\n\r\n")
            for _ in range(10):
                conn.sendall(b"\x01")
                time.sleep(0.05)
            self.done.wait(10)  # silent, connection open: only the watchdog can end the client's read


def test_the_watchdog_ends_a_read_blocked_on_a_silent_socket(retries):
    server = SilentAfterAFewBytes()
    server.start()
    rc = RestClient("mock", base_url=f"http://127.0.0.1:{server.port}", policy=RetryPolicy(max_attempts=1),
                    timeout_s=1.0, concurrency=1)
    started = time.monotonic()
    try:
        with pytest.raises(ProviderError, match=r"attempt deadline of 1.0s passed with 10 body bytes"):
            rc.call("GET", "/x", handle=ok)
    finally:
        server.done.set()
        rc.close()
    # The last read began about 0.5 s in with a 1 s read timeout: without the watchdog it would end near 1.5 s.
    assert time.monotonic() - started < 1.3


# --------------------------------------------------------------- masking secrets (issue 9 item 11)

def test_a_key_echoed_in_a_200_body_is_masked_in_errors_and_logs(retries, logs):
    short = "k9Z"  # any length is masked, and long keys also in URL-encoded and base64 (Basic auth) forms
    basic = base64.b64encode(f"user:{KEY}".encode()).decode()
    echo = (f"<html><body>bad auth: Bearer {short} / {urllib.parse.quote(KEY + '/x', safe='')} / Basic {basic}"
            f"</body></html>").encode()
    script = Script([httpx.Response(200, content=echo, headers={"content-type": "text/html"})])
    auth = {"authorization": f"Bearer {short}", "x-other": KEY}
    rc = RestClient("mock", base_url="https://api.example.test", policy=RetryPolicy(max_attempts=2), timeout_s=5,
                    concurrency=1, transport=script.transport, auth=lambda: (auth, {}))

    def reject(response: httpx.Response) -> bytes:
        raise InvalidAudioError(f"HTML body: {response.content.decode()}", provider="mock", retryable=True)

    with pytest.raises(InvalidAudioError) as info:
        rc.call("GET", "/x", handle=reject)
    everything = str(info.value) + repr(info.value.__cause__) + logs.text() + " ".join(r.reason for r in retries)
    for secret in (short, KEY, urllib.parse.quote(KEY, safe=""), basic[8:-4]):
        assert secret not in everything, secret
    assert "bad auth" in str(info.value) and "REDACTED" in str(info.value)  # the rest of the message survives


def test_base_url_credentials_are_masked_and_any_logger_is_covered(retries):
    from narrate.providers import secrets

    rc = RestClient("mock", base_url="https://u:pw-9f8e7d@api.example.test", policy=RetryPolicy(), timeout_s=5,
                    concurrency=1, transport=Script([httpx.Response(200)]).transport)
    rc.close()
    secrets.register(*http.url_secrets("https://u:pw-9f8e7d@h.test/?token=abc&v=1"))
    assert secrets.mask("pw-9f8e7d abc v=1") == "REDACTED REDACTED v=1"  # a short non-secret query value stays
    handler = Captured()
    other = logging.getLogger("httpcore.test")  # not narrate's: the record factory masks every logger
    other.addHandler(handler)
    other.setLevel(logging.DEBUG)
    try:
        other.debug("sent %s", "token abc")
    finally:
        other.removeHandler(handler)
    assert handler.text() == "sent token REDACTED"
