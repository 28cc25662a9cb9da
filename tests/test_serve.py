"""narrate serve: OpenAI and Deepgram shapes on a local engine, fault injection, stats; and the REST
providers driven concurrently through it with faults (nothing paid twice)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest

from narrate.audio.decode import decode
from narrate.audio.encode import wav_bytes
from narrate.audio.pcm import Pcm
from narrate.audio.validate import check_audio
from narrate.providers import http
from narrate.providers.base import AudioFormat, ProviderConfig, SynthesisRequest, SynthesisResult
from narrate.providers.registry import create_provider
from narrate.serve import FAULTS, ServeOptions, engine_voice, text_hash
from narrate.serve_run import BackgroundServer

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")


class ToneEngine:
    """A stand-in engine: 22.05 kHz WAV, 60 ms per character (fast and deterministic)."""

    name = "tone"

    def __init__(self) -> None:
        self.calls: list[SynthesisRequest] = []
        self.lock = threading.Lock()

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        with self.lock:
            self.calls.append(request)
        n = int(22050 * 0.06 * len(request.text) / request.speed)
        samples = (np.sin(np.arange(n) * 2 * np.pi * 200 / 22050) * 8000).astype(np.int16)
        return SynthesisResult(wav_bytes(Pcm(samples, 22050)), AudioFormat("wav", "pcm_s16le", 22050))


@pytest.fixture
def engine():
    return ToneEngine()


@pytest.fixture
def server(engine):
    with BackgroundServer(ServeOptions(), engine=engine) as srv:
        yield srv


def post(url: str, **kwargs) -> httpx.Response:
    return httpx.post(url, timeout=10, **kwargs)


# ------------------------------------------------------------------------------------- shapes

def test_openai_pcm_is_raw_24k_s16le(server, engine):
    text = "Hello from the local server."
    r = post(f"{server.url}/v1/audio/speech", json={"model": "tts-1", "input": text, "voice": "alloy",
                                                   "response_format": "pcm"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    assert r.headers["x-request-id"]
    pcm = check_audio(r.content, AudioFormat("raw", "pcm_s16le", 24000), text, provider="t")
    assert pcm.duration == pytest.approx(0.06 * len(text), abs=0.01)  # resampled, not relabelled
    assert engine.calls[-1].voice == engine_voice("alloy")[0] and engine.calls[-1].language == "en-US"


def test_openai_wav_and_mp3_and_engine_voice_names(server, engine):
    r = post(f"{server.url}/v1/audio/speech", json={"model": "x", "input": "One two three.", "voice": "en-gb",
                                                   "response_format": "wav", "speed": 1.5})
    assert r.status_code == 200 and r.content[:4] == b"RIFF" and r.headers["content-type"] == "audio/wav"
    assert decode(r.content, AudioFormat("wav", "pcm_s16le", 0)).rate == 24000
    assert engine.calls[-1].voice == "en-gb" and engine.calls[-1].speed == 1.5
    r = post(f"{server.url}/v1/audio/speech", json={"model": "x", "input": "One two three.", "voice": "nova"})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg"  # mp3 is OpenAI's default
    assert r.content[:3] == b"ID3" or r.content[0] == 0xFF


@pytest.mark.parametrize("body, param", [({"voice": "alloy"}, "input"), ({"input": "x"}, "voice"),
                                         ({"input": "x", "voice": "alloy", "response_format": "ogg"}, "response_format"),
                                         ({"input": "x" * 4097, "voice": "alloy"}, "input"),
                                         ({"input": "x", "voice": "alloy", "speed": 9}, "speed")])
def test_openai_errors_have_openai_shape(server, body, param):
    r = post(f"{server.url}/v1/audio/speech", json={"model": "tts-1", **body})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param and err["message"]


def test_deepgram_mulaw_8000_raw(server, engine):
    text = "Press one for billing."
    r = post(f"{server.url}/v1/speak", params={"model": "aura-2-thalia-en", "encoding": "mulaw",
                                               "sample_rate": "8000", "container": "none"}, json={"text": text})
    assert r.status_code == 200 and r.headers["dg-request-id"] and r.headers["dg-char-count"] == str(len(text))
    assert r.content[:4] != b"RIFF"
    assert len(r.content) == pytest.approx(8000 * 0.06 * len(text), abs=80)  # one byte per 8 kHz sample
    check_audio(r.content, AudioFormat("raw", "mulaw", 8000), text, provider="t")
    assert engine.calls[-1].language == "en"


def test_deepgram_defaults_to_linear16_wav_24k(server):
    r = post(f"{server.url}/v1/speak", json={"text": "Hi there."})
    info = decode(r.content, AudioFormat("wav", "pcm_s16le", 0))
    assert r.headers["content-type"] == "audio/wav" and info.rate == 24000


@pytest.mark.parametrize("query", [{"encoding": "pcm"}, {"encoding": "mulaw", "sample_rate": "24000"},
                                   {"encoding": "mp3", "container": "wav"}])
def test_deepgram_errors_have_deepgram_shape(server, query):
    r = post(f"{server.url}/v1/speak", params=query, json={"text": "Hi."})
    assert r.status_code == 400
    body = r.json()
    assert body["err_code"] == "INVALID_QUERY_PARAMETER" and body["err_msg"] and body["request_id"]


def test_stats_count_requests_statuses_and_syntheses(server, engine):
    for _ in range(3):
        post(f"{server.url}/v1/speak", params={"encoding": "linear16", "container": "none"}, json={"text": "Same."})
    post(f"{server.url}/v1/speak", json={})
    stats = httpx.get(f"{server.url}/stats").json()
    assert stats["requests"] == 4 and stats["by_status"] == {"200": 3, "400": 1}
    assert stats["syntheses"] == {text_hash("Same."): 3}
    assert stats["engine_calls"] == 1 and len(engine.calls) == 1  # the LRU answered twice
    assert httpx.post(f"{server.url}/stats/reset").json()["requests"] == 0


# ------------------------------------------------------------------------------------- faults

def faulty(engine, fault: str, **kw) -> BackgroundServer:
    return BackgroundServer(ServeOptions(fault_rate=1.0, faults=(fault,), **kw), engine=engine)


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_status_faults(engine, fault):
    with faulty(engine, fault, retry_after_s=0.25) as srv:
        r = post(f"{srv.url}/v1/audio/speech", json={"model": "m", "input": "Hi.", "voice": "alloy"})
        stats = srv.stats()
    assert r.status_code == int(fault) and r.json()["error"]["message"]
    if fault == "429":
        assert r.headers["retry-after"] == "0.25" and r.headers["retry-after-ms"] == "250"
    assert stats["syntheses"] == {} and stats["faults"] == {fault: 1} and engine.calls == []


@pytest.mark.parametrize("fault", ["reset", "truncated"])
def test_connection_faults_break_the_transfer(engine, fault):
    with faulty(engine, fault) as srv:
        with pytest.raises(httpx.TransportError):
            post(f"{srv.url}/v1/speak", json={"text": "Hello there, caller."})
        assert srv.stats()["syntheses"] == {}
        assert httpx.get(f"{srv.url}/health").json() == {"ok": True}  # the server itself carries on


def test_html200_and_slow(engine):
    with faulty(engine, "html200") as srv:
        r = post(f"{srv.url}/v1/speak", json={"text": "Hi."})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    with faulty(engine, "slow", slow_ms=400) as srv, pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{srv.url}/v1/speak", json={"text": "Hi."}, timeout=0.1)


@pytest.mark.parametrize("api,request_kw,fmt", [
    ("openai", {"json": {"model": "m", "input": "Hello there, caller.", "voice": "alloy", "response_format": "pcm"}},
     AudioFormat("raw", "pcm_s16le", 24000)),
    ("openai", {"json": {"model": "m", "input": "Hello there, caller.", "voice": "alloy", "response_format": "wav"}},
     AudioFormat("wav", "pcm_s16le", 24000)),
    ("deepgram", {"params": {"encoding": "mulaw", "sample_rate": "8000", "container": "none"},
                  "json": {"text": "Hello there, caller."}}, AudioFormat("raw", "mulaw", 8000)),
    ("deepgram", {"params": {"encoding": "linear16", "container": "none"}, "json": {"text": "Hello there, caller."}},
     AudioFormat("raw", "pcm_s16le", 24000)),
])
def test_wrongformat_answers_200_with_the_requested_type_and_other_bytes(engine, api, request_kw, fmt):
    from narrate.errors import InvalidAudioError

    def problem(body: bytes) -> str | None:
        try:
            check_audio(body, fmt, "Hello there, caller.", provider="t")
        except InvalidAudioError as exc:
            return exc.message.split(": ", 1)[1]
        return None

    path = "/v1/audio/speech" if api == "openai" else "/v1/speak"
    problems = set()
    with faulty(engine, "wrongformat", seed=3) as srv:
        good_type = None
        for _ in range(6):  # the variant is picked at random: see several
            r = post(srv.url + path, **request_kw)
            assert r.status_code == 200 and int(r.headers["content-length"]) == len(r.content)
            good_type = good_type or r.headers["content-type"]
            assert r.headers["content-type"] == good_type  # the server lies about what it sends
            problems.add(problem(r.content))
        stats = srv.stats()
    assert None not in problems and len(problems) >= 2, problems  # every body refused, for more than one reason
    assert stats["syntheses"] == {} and stats["faults"] == {"wrongformat": 6}


def test_endless_streams_until_the_client_leaves(engine):
    with faulty(engine, "endless") as srv:
        received = 0
        with httpx.stream("POST", f"{srv.url}/v1/speak", json={"text": "Hi there."}, timeout=10) as r:
            assert r.status_code == 200 and "content-length" not in r.headers
            for chunk in r.iter_bytes():
                received += len(chunk)
                if received > 5_000_000:  # far more than 0.5 s of 24 kHz audio: it would never end
                    break
        deadline = time.monotonic() + 5
        while srv.stats()["by_status"].get("endless") != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert httpx.get(f"{srv.url}/health").json() == {"ok": True}  # the server let go and carries on
        assert srv.stats()["syntheses"] == {}


def test_drip_sends_the_true_length_one_byte_at_a_time_and_bills_only_a_complete_body(engine):
    with faulty(engine, "drip", drip_ms=100) as srv:
        started = time.monotonic()
        with httpx.stream("POST", f"{srv.url}/v1/speak", json={"text": "Hi."}, timeout=10) as r:
            declared = int(r.headers["content-length"])
            got = b""
            for chunk in r.iter_bytes():
                got += chunk
                if len(got) >= 5:
                    break
        elapsed = time.monotonic() - started
        assert declared > 1000 and len(got) == 5 and 0.35 <= elapsed < 3, elapsed  # ~100 ms per byte
        assert srv.stats()["syntheses"] == {}
    # A patient client gets all of it, and then it counts (a tiny body: 2 ms per byte).
    tiny = ToneEngine()
    with faulty(tiny, "drip", drip_ms=2) as srv:
        r = httpx.post(f"{srv.url}/v1/speak", params={"encoding": "mulaw", "sample_rate": "8000",
                                                      "container": "none"}, json={"text": "Hi"}, timeout=30)
        deadline = time.monotonic() + 5
        while not srv.stats()["syntheses"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(r.content) == int(r.headers["content-length"]) and srv.stats()["syntheses"] == {text_hash("Hi"): 1}


def test_unknown_fault_is_refused():
    from narrate.errors import NarrateError

    with pytest.raises(NarrateError, match="unknown fault"):
        ServeOptions(faults=("404",))


# ------------------------------------------------------------------------------- integration

def test_providers_through_faulty_server_pay_each_text_once():
    """OpenAI and Deepgram providers, 30 texts each, concurrently, 30% of requests faulted with every
    fault: every text ends with valid audio and was answered successfully exactly once."""
    try:
        from narrate.providers.espeak import create  # noqa: F401  (the real embedded engine)
        engine = None
    except ImportError:  # pragma: no cover - the engine lands separately
        engine = ToneEngine()
    # Every fault, the new ones too: a drip outlasts the 8 s attempt deadline, an endless body the size cap.
    options = ServeOptions(fault_rate=0.3, faults=FAULTS, slow_ms=200, retry_after_s=5, seed=7, drip_ms=500)
    with BackgroundServer(options, engine=engine) as srv, http.set_testing() as retries:
        common = dict(max_attempts=15, timeout_s=8, concurrency=8)
        providers = {
            "openai": create_provider(ProviderConfig("local-openai", "openai", base_url=f"{srv.url}/v1", **common)),
            "deepgram": create_provider(ProviderConfig("local-dg", "deepgram", base_url=srv.url, **common)),
        }
        jobs = [(kind, SynthesisRequest(f"Prompt number {i} for {kind}: please hold the line.",
                                        "alloy" if kind == "openai" else "aura-2-thalia-en", "en-US",
                                        telephony=i % 2 == 0))
                for kind in providers for i in range(30)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(lambda job: providers[job[0]].synthesize(job[1]), jobs))
        for p in providers.values():
            p.close()
        stats = srv.stats()

    for (kind, request), result in zip(jobs, results, strict=False):
        check_audio(result.audio, result.format, request.text, provider=kind)  # valid audio, every one
        assert result.request_id
    assert stats["syntheses"] == {text_hash(r.text): 1 for _, r in jobs}  # nobody paid twice
    assert sum(stats["faults"].values()) > 0 and len(retries) >= sum(
        n for f, n in stats["faults"].items() if f != "slow")
    assert all(r.wait_s >= 5.0 for r in retries if r.status == 429)  # Retry-After honoured (not slept)
    assert stats["requests"] == len(jobs) + len(retries)
