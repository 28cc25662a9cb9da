"""OpenAI /v1/audio/speech contract, checked against openai-openapi.yaml (CreateSpeechRequest)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from narrate.errors import ProviderError
from narrate.providers import http, openai
from narrate.providers.base import AudioFormat, ProviderConfig, SynthesisRequest
from test_providers_support import KEY, Script, audio_response, error_response, load_yaml, raw_pcm, schema_validator


@pytest.fixture(scope="module")
def spec():
    return load_yaml("openai-openapi.yaml")


@pytest.fixture(scope="module")
def body_schema(spec):
    return schema_validator(spec, "CreateSpeechRequest")


@pytest.fixture
def retries():
    with http.set_testing() as records:
        yield records


def run(request: SynthesisRequest, replies=None, **config):
    script = Script(replies or [audio_response(raw_pcm(), **{"x-request-id": "req_123"})])
    provider = openai.create(ProviderConfig("oa", "openai", **config), transport=script.transport)
    return provider, provider.synthesize(request), script.requests


@pytest.mark.parametrize("telephony", [True, False])
def test_request_matches_the_spec(spec, body_schema, monkeypatch, telephony):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    _, result, sent = run(SynthesisRequest("Your call is important to us.", "coral", "en-US", telephony=telephony))
    req = sent[0]
    assert req.method == "POST" and str(req.url) == "https://api.openai.com/v1/audio/speech"
    assert spec["servers"][0]["url"] + "/audio/speech" == str(req.url)
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["accept"] == "application/octet-stream"
    body = json.loads(req.content)
    body_schema.validate(body)
    assert body == {"model": "gpt-4o-mini-tts", "input": "Your call is important to us.", "voice": "coral",
                    "response_format": "pcm"}
    # No telephony format exists at OpenAI: always 24 kHz s16le, resampled locally.
    assert result.format == AudioFormat("raw", "pcm_s16le", 24000)
    assert result.request_id == "req_123"


def test_schema_would_reject_a_bad_body(body_schema):
    """The validator used above is live: an extra field or an out-of-range speed fails it."""
    with pytest.raises(jsonschema.ValidationError):
        body_schema.validate({"model": "tts-1", "input": "x", "voice": "alloy", "sample_rate": 8000})
    with pytest.raises(jsonschema.ValidationError):
        body_schema.validate({"model": "tts-1", "input": "x", "voice": "alloy", "speed": 9})


def test_speed_instructions_model_and_custom_voice(body_schema, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    request = SynthesisRequest("Hello.", "voice_abc123", "en-US", model="tts-1-hd", speed=1.5,
                               options=(("instructions", "Speak calmly."),))
    _, _, sent = run(request)
    body = json.loads(sent[0].content)
    body_schema.validate(body)
    assert body["voice"] == {"id": "voice_abc123"} and body["model"] == "tts-1-hd"
    assert body["speed"] == 1.5 and body["instructions"] == "Speak calmly."


def test_local_compatible_server_needs_no_key():
    _, result, sent = run(SynthesisRequest("Hi.", "af_bella", "en-US"), base_url="http://127.0.0.1:8880/v1",
                          options={"sample_rate": 22050})
    assert str(sent[0].url) == "http://127.0.0.1:8880/v1/audio/speech"
    assert "authorization" not in sent[0].headers
    assert result.format.sample_rate == 22050


def test_local_server_sends_the_key_when_one_is_set(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    _, _, sent = run(SynthesisRequest("Hi.", "alloy", "en-US"), base_url="http://127.0.0.1:8880/v1")
    assert sent[0].headers["authorization"] == f"Bearer {KEY}"


def test_official_endpoint_requires_a_key():
    from narrate.errors import UsageError

    with pytest.raises(UsageError, match="OPENAI_API_KEY"):
        run(SynthesisRequest("Hi.", "alloy", "en-US"))


@pytest.mark.parametrize("code", ["insufficient_quota", "credit_balance_exhausted"])
def test_insufficient_quota_429_is_fatal(monkeypatch, retries, code):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    quota = error_response(429, {"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota",
                                           "param": None, "code": code}}, **{"retry-after": "1"})
    with pytest.raises(ProviderError) as info:
        run(SynthesisRequest("Hi.", "alloy", "en-US"), [quota, audio_response(raw_pcm())])
    assert retries == [] and info.value.status == 429 and not info.value.retryable
    assert "quota" in str(info.value)


def test_rate_limit_429_is_retried(monkeypatch, retries):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    limited = error_response(429, {"error": {"message": "Rate limit reached", "type": "requests",
                                             "code": "rate_limit_exceeded"}}, **{"retry-after-ms": "1500"})
    _, result, sent = run(SynthesisRequest("Hi.", "alloy", "en-US"), [limited, audio_response(raw_pcm())])
    assert len(sent) == 2 and 1.5 <= retries[0].wait_s <= 1.65


def test_x_should_retry_header_wins(monkeypatch, retries):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    no = error_response(500, {"error": {"message": "do not"}}, **{"x-should-retry": "false"})
    with pytest.raises(ProviderError):
        run(SynthesisRequest("Hi.", "alloy", "en-US"), [no, audio_response(raw_pcm())])
    assert retries == []
    yes = error_response(409, {"error": {"message": "lock"}}, **{"x-should-retry": "true"})
    _, _, sent = run(SynthesisRequest("Hi.", "alloy", "en-US"), [yes, audio_response(raw_pcm())])
    assert len(sent) == 2


def test_key_params_and_voices():
    official = openai.create(ProviderConfig("oa", "openai"))
    local = openai.create(ProviderConfig("oa", "openai", base_url="http://user:pw@127.0.0.1:9/v1"))
    request = SynthesisRequest("Hi.", "alloy", "en-US")
    assert official.key_params(request) != local.key_params(request)
    assert local.key_params(request)["base_url"] == "http://127.0.0.1:9/v1"  # no credentials in keys
    assert official.key_params(request) != official.key_params(SynthesisRequest("Hi.", "alloy", "en-US", speed=2))
    assert len(official.voices()) == 13 and official.check_voice("alloy", "de-DE") is None
    assert official.check_voice("bella", "en-US") and local.check_voice("bella", "en-US") is None
    assert official.limits.max_chars == 4096
