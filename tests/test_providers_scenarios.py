"""Failure scenarios, the same for every REST provider, through httpx.MockTransport with waits switched
off (http.set_testing records the waits instead). Each asserts how many requests went out."""

from __future__ import annotations

import logging

import httpx
import pytest

from narrate.errors import InvalidAudioError, ProviderError, UsageError
from narrate.providers import http
from narrate.providers.base import ProviderConfig, SynthesisRequest
from narrate.providers.registry import create_provider
from test_providers_support import (
    HTML,
    KEY,
    Captured,
    Script,
    audio_response,
    error_response,
    google_json,
    raw_mulaw,
    wav,
)

ENV = {"deepgram": {"DEEPGRAM_API_KEY": KEY}, "openai": {"OPENAI_API_KEY": KEY},
       "elevenlabs": {"ELEVENLABS_API_KEY": KEY}, "google": {"GOOGLE_API_KEY": KEY},
       "azure": {"AZURE_SPEECH_KEY": KEY, "AZURE_SPEECH_REGION": "westeurope"}}
VOICE = {"deepgram": "aura-2-thalia-en", "openai": "alloy", "elevenlabs": "21m00Tcm4TlvDq8ikWAM",
         "google": "en-US-Neural2-F", "azure": "en-US-AvaMultilingualNeural"}
KINDS = sorted(ENV)
TEXT = "Thank you for calling. Please hold."


def good(kind: str) -> httpx.Response:
    """A valid answer to the telephony request below (OpenAI has no telephony format: raw 24 kHz PCM)."""
    if kind == "openai":
        from test_providers_support import raw_pcm
        return audio_response(raw_pcm(), "application/octet-stream")
    if kind == "google":
        return httpx.Response(200, content=google_json(wav(raw_mulaw(), 8000, tag=7, bits=8)),
                              headers={"content-type": "application/json; charset=UTF-8"})
    return audio_response(raw_mulaw(), "audio/basic")


def expected_audio(kind: str) -> bytes:
    """What synthesize returns for good(kind): the body, or for Google the decoded audioContent."""
    return wav(raw_mulaw(), 8000, tag=7, bits=8) if kind == "google" else good(kind).content


def truncated(kind: str) -> httpx.Response:
    ok = good(kind)
    return httpx.Response(200, content=ok.content[: len(ok.content) // 2],
                          headers={**ok.headers, "content-length": str(len(ok.content))})


@pytest.fixture(autouse=True)
def env(monkeypatch):
    for values in ENV.values():
        for name, value in values.items():
            monkeypatch.setenv(name, value)


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


def synth(kind: str, script: Script, **config):
    provider = create_provider(ProviderConfig(name=f"my-{kind}", kind=kind, **config), transport=script.transport)
    try:
        return provider.synthesize(SynthesisRequest(TEXT, VOICE[kind], "en-US", telephony=True))
    finally:
        provider.close()


@pytest.mark.parametrize("kind", KINDS)
def test_429_with_retry_after_then_200(kind, retries, logs):
    script = Script([error_response(429, {"error": {"message": "Too many requests"}}, **{"retry-after": "3"}),
                     good(kind)])
    result = synth(kind, script)
    assert script.count == 2 and result.audio
    assert len(retries) == 1 and 3.0 <= retries[0].wait_s <= 3.3  # Retry-After honoured, not slept
    assert retries[0].provider == f"my-{kind}"
    assert KEY not in logs.text()
    assert [r.levelno for r in logs.records] == [logging.DEBUG] * len(logs.records)


@pytest.mark.parametrize("kind", KINDS)
def test_503_twice_then_200(kind, retries):
    script = Script([error_response(503, b"unavailable"), error_response(503, b"unavailable"), good(kind)])
    assert synth(kind, script).audio
    assert script.count == 3 and [r.status for r in retries] == [503, 503]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("failure", ["timeout", "reset", "truncated", "html200", "json200", "empty200"])
def test_bad_attempt_then_200(kind, failure, retries):
    first = {
        "timeout": httpx.ReadTimeout("timed out"),
        "reset": httpx.ReadError("[Errno 104] Connection reset by peer"),
        "truncated": truncated(kind),
        "html200": httpx.Response(200, content=HTML, headers={"content-type": "text/html"}),
        "json200": httpx.Response(200, json={"err_code": "X", "err_msg": "not audio"}),
        "empty200": httpx.Response(200, content=b"", headers={"content-type": "audio/basic"}),
    }[failure]
    script = Script([first, good(kind)])
    result = synth(kind, script)
    assert script.count == 2 and len(retries) == 1
    assert result.audio == expected_audio(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_html_with_200_every_time_fails_as_invalid_audio_and_is_never_returned(kind, retries):
    script = Script([httpx.Response(200, content=HTML, headers={"content-type": "text/html"})])
    with pytest.raises(InvalidAudioError) as info:
        synth(kind, script, max_attempts=3)
    assert script.count == 3
    assert info.value.status == 200 and "3 attempts" in str(info.value)


@pytest.mark.parametrize("kind", KINDS)
def test_400_is_fatal(kind, retries):
    script = Script([error_response(400, {"error": {"message": "bad voice"}}, **{"x-request-id": "rid-1"}),
                     good(kind)])
    with pytest.raises(ProviderError) as info:
        synth(kind, script)
    assert script.count == 1 and retries == []
    err = info.value
    assert (err.status, err.provider, err.request_id) == (400, f"my-{kind}", "rid-1")
    assert "HTTP 400" in err.message and "bad voice" in err.message and KEY not in str(err)


@pytest.mark.parametrize("kind", KINDS)
def test_persistent_5xx_stops_at_max_attempts(kind, retries):
    script = Script([error_response(500, b"boom")])
    with pytest.raises(ProviderError, match="HTTP 500.*4 attempts"):
        synth(kind, script, max_attempts=4)
    assert script.count == 4


@pytest.mark.parametrize("kind", KINDS)
def test_missing_key_is_a_clear_error_and_nothing_is_sent(kind, monkeypatch):
    for name in ENV[kind]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")
    script = Script([good(kind)])
    with pytest.raises(UsageError) as info:
        synth(kind, script)
    assert script.count == 0
    assert next(iter(ENV[kind])) in str(info.value)


@pytest.mark.parametrize("kind", KINDS)
def test_requests_per_minute_throttle_is_applied_per_attempt(kind, retries, monkeypatch):
    waited: list[int] = []
    monkeypatch.setattr("narrate.providers.throttle.Throttle.acquire", lambda self, chars=0: waited.append(chars))
    script = Script([error_response(503, b""), good(kind)])
    synth(kind, script, requests_per_minute=60)
    assert waited == [len(TEXT), len(TEXT)]
