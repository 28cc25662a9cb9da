"""narrate serve against hostile requests: every error is JSON in the API's shape with the right
status (never Starlette's plain-text pages, never a traceback), and the server keeps serving.
Found by attacking it: a lone surrogate in the text, JSON nested 200,000 deep and an unknown path
answered `Internal Server Error` / `Not Found` as text/plain (the first two with a traceback in
the log), and a Deepgram text of 92 KB was synthesized for 37 s into a 44 MB body (Deepgram's
limit is 2,000 characters; 1 MiB of text would have taken minutes and gigabytes)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from narrate.serve import ServeOptions
from narrate.serve_run import BackgroundServer
from test_serve import ToneEngine

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

OPENAI = "/v1/audio/speech"
DEEPGRAM = "/v1/speak"


class Records(logging.Handler):
    """What the server logs (uvicorn's loggers do not reach caplog's root handler)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.exc_info]


@pytest.fixture
def logged():
    handler = Records()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "narrate.serve")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


@pytest.fixture
def server():
    with BackgroundServer(ServeOptions(), engine=ToneEngine()) as srv:
        yield srv


def request(server, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{server.url}{path}", timeout=10, **kwargs)


def still_serves(server) -> None:
    r = request(server, "POST", OPENAI, json={"input": "Still here.", "voice": "alloy", "response_format": "wav"})
    assert r.status_code == 200 and r.content[:4] == b"RIFF"


def openai_error(r: httpx.Response, status: int, param: str | None, words: str) -> None:
    assert r.status_code == status and r.headers["content-type"] == "application/json", (r.status_code, r.text)
    err = r.json()["error"]
    assert err["param"] == param and words in err["message"], err
    assert err["type"] == ("server_error" if status >= 500 else "invalid_request_error")


@pytest.mark.parametrize(("body", "param", "words"), [
    ('{"input": "\\ud800 hi", "voice": "alloy"}', "input", "lone surrogate"),
    ('{"input": "hi \\udfff", "voice": "alloy", "response_format": "wav"}', "input", "lone surrogate"),
    ("[" * 200_000 + "]" * 200_000, None, "nested too deeply"),
    ('{"input": ' * 50_000 + "1" + "}" * 50_000, None, "nested too deeply"),
])
def test_bodies_that_crashed_the_handler_are_400_in_openai_shape(server, body, param, words, logged):
    r = request(server, "POST", OPENAI, content=body.encode())
    openai_error(r, 400, param, words)
    assert logged.tracebacks() == []
    still_serves(server)


def test_a_lone_surrogate_is_400_in_deepgram_shape(server):
    r = request(server, "POST", DEEPGRAM, content=b'{"text": "a \\ud83d b"}')
    assert r.status_code == 400 and r.json()["err_msg"] == "'text' holds a lone surrogate (\\ud83d): not Unicode text"
    assert r.json()["err_code"] == "INVALID_QUERY_PARAMETER" and r.json()["request_id"]


def test_deepgram_text_is_limited_to_2000_characters_as_deepgram_is(server):
    assert request(server, "POST", DEEPGRAM, json={"text": "x" * 2000}).status_code == 200
    r = request(server, "POST", DEEPGRAM, json={"text": "x" * 2001})
    assert r.status_code == 400 and r.json()["err_msg"] == "'text' is longer than 2000 characters"
    r = request(server, "POST", DEEPGRAM, json={"text": "Hello there. " * 80_000})  # under 1 MiB of body
    assert r.status_code == 400 and r.json()["err_msg"] == "'text' is longer than 2000 characters"
    assert server.stats()["engine_calls"] == 1


@pytest.mark.parametrize(("method", "path", "status", "allow"), [
    ("GET", "/nope", 404, None),
    ("GET", "/../../etc/passwd", 404, None),
    ("GET", "/v1/audio/%2e%2e/%2e%2e/etc/passwd", 404, None),
    ("GET", OPENAI, 405, "POST"),
    ("OPTIONS", OPENAI, 405, "POST"),
    ("DELETE", "/stats", 405, "GET, HEAD"),
    ("PUT", "/health", 405, "GET, HEAD"),
])
def test_unknown_paths_and_methods_are_json_errors(server, method, path, status, allow):
    r = request(server, method, path)
    openai_error(r, status, None, {404: "no such endpoint", 405: "not allowed"}[status])
    assert set((r.headers.get("allow") or "").split(", ")) == set((allow or "").split(", "))
    still_serves(server)


def test_unknown_paths_under_deepgram_answer_in_deepgram_shape(server):
    r = request(server, "GET", DEEPGRAM)
    assert r.status_code == 405 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["err_code"] == "Bad Request" and "GET" in body["err_msg"] and body["request_id"]


def test_head_of_a_get_endpoint_answers_its_headers_without_a_body(server):
    r = request(server, "HEAD", "/health")
    assert r.status_code == 200 and r.content == b"" and r.headers["content-type"] == "application/json"


def test_an_unexpected_error_is_a_json_500_and_one_log_line(logged):
    class Broken(ToneEngine):
        def synthesize(self, request):
            raise KeyError("engine fell over")

    with BackgroundServer(ServeOptions(), engine=Broken()) as srv:
        r = request(srv, "POST", OPENAI, json={"input": "Hi.", "voice": "alloy"})
        openai_error(r, 500, None, "internal error in narrate serve: KeyError")
        r = request(srv, "POST", DEEPGRAM, json={"text": "Hi."})
        assert r.status_code == 500 and r.json()["err_code"] == "INTERNAL_SERVER_ERROR"
        assert request(srv, "GET", "/health").json() == {"ok": True}
    assert logged.tracebacks() == []
    lines = [r.getMessage() for r in logged.records if r.levelno >= logging.ERROR]
    assert len(lines) == 2 and all("KeyError: 'engine fell over'" in line and "\n" not in line for line in lines)
    assert json.loads(r.text)["err_msg"].startswith("internal error in narrate serve: KeyError")


def test_the_audio_cache_is_bounded_in_bytes_not_only_in_entries():
    """1,024 cached texts of 4,096 characters are about 4 minutes of 22 kHz audio each: 11 GB held by
    a test server fed distinct long texts. The cache keeps at most `cache_bytes` of samples."""
    from narrate.serve import SpeechCache, Stats

    stats = Stats()
    cache = SpeechCache(ToneEngine(), stats, size=1024, max_bytes=3_000_000)
    texts = [f"{i} " + "x" * 400 for i in range(6)]  # 402 chars: 24.1 s, 1,063,692 bytes of samples each
    for text in texts:
        cache.get(text, "v", "en", 1.0)
    assert cache.held_bytes == 2 * 1_063_692 and cache.held_bytes <= 3_000_000
    cache.get(texts[-1], "v", "en", 1.0)  # the newest is kept: no engine call
    cache.get(texts[0], "v", "en", 1.0)  # the oldest went
    assert stats.engine_calls == 7


def test_a_port_in_use_names_the_address(server):
    """Was `error: Address already in use`, naming neither the address nor the port."""
    from conftest import assert_clean_failure, narrate_in

    done = narrate_in("serve", "--port", str(server.port))
    assert_clean_failure(done, 1, f"error: narrate serve cannot listen on 127.0.0.1:{server.port}: "
                         "Address already in use")


@pytest.mark.parametrize("fault", [None, "endless"])
def test_the_server_stops_promptly_with_a_client_stuck_mid_request(fault, logged):
    """One client whose Content-Length promised more than it sent (or one reading an `endless` body)
    kept `narrate serve` from stopping: Ctrl-C waited for it forever, and BackgroundServer's exit
    left the thread running after its 10 s join."""
    import socket
    import time

    opts = ServeOptions(fault_rate=1.0, faults=(fault,)) if fault else ServeOptions()
    srv = BackgroundServer(opts, engine=ToneEngine())
    srv.__enter__()
    stuck = socket.create_connection((srv.host, srv.port))
    try:
        body = b'{"text": "Hi."}' if fault else b"{"
        length = len(body) if fault else 100
        stuck.sendall(b"POST /v1/speak HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (length, body))
        time.sleep(0.5 if fault is None else 1.0)  # the handler is waiting for the body, or streaming
        started = time.monotonic()
        srv.__exit__(None, None, None)
        assert not srv._thread.is_alive() and time.monotonic() - started < 5
        assert logged.tracebacks() == []  # the cancelled request is one line, not a traceback
    finally:
        stuck.close()


def test_slow_and_stuck_clients_do_not_hold_up_others(server):
    """Checked, not broken: 50 connections that send half their headers or half their body and wait
    do not delay a third client's request (the server is asyncio; synthesis runs in threads)."""
    import socket
    import time

    held = []
    try:
        for i in range(50):
            s = socket.create_connection((server.host, server.port))
            s.sendall(b"POST /v1/speak HTTP/1.1\r\nHost: x\r\n" if i % 2 else
                      b"POST /v1/speak HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"te")
            held.append(s)
        started = time.monotonic()
        still_serves(server)
        assert time.monotonic() - started < 2
    finally:
        for s in held:
            s.close()
