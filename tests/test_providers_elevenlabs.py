"""ElevenLabs /v1/text-to-speech/{voice_id} contract, checked against elevenlabs-openapi.json."""

from __future__ import annotations

import json

import pytest

from narrate.errors import ProviderError
from narrate.providers import elevenlabs, http
from narrate.providers.base import AudioFormat, ProviderConfig, SynthesisRequest
from test_providers_support import (
    KEY,
    SPECS,
    Script,
    audio_response,
    error_response,
    raw_mulaw,
    raw_pcm,
    schema_validator,
)

PATH = "/v1/text-to-speech/{voice_id}"
VOICE = "21m00Tcm4TlvDq8ikWAM"


@pytest.fixture(scope="module")
def spec():
    with open(SPECS / "elevenlabs-openapi.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)


@pytest.fixture
def retries():
    with http.set_testing() as records:
        yield records


def run(request: SynthesisRequest, replies=None, **config):
    body = raw_mulaw() if request.telephony else raw_pcm()
    script = Script(replies or [audio_response(body, "audio/mpeg", **{"request-id": "el-1", "character-cost": "20"})])
    provider = elevenlabs.create(ProviderConfig("el", "elevenlabs", **config), transport=script.transport)
    return provider, provider.synthesize(request), script.requests


@pytest.mark.parametrize("telephony", [True, False])
def test_request_matches_the_spec(spec, telephony):
    _, result, sent = run(SynthesisRequest("Welcome to Acme support.", VOICE, "en-US", telephony=telephony))
    req = sent[0]
    op = spec["paths"][PATH]["post"]
    assert req.method == "POST"
    assert (req.url.host, req.url.path) == ("api.elevenlabs.io", PATH.format(voice_id=VOICE))
    assert req.headers["xi-api-key"] == KEY and "authorization" not in req.headers
    assert {p["name"] for p in op["parameters"] if p["in"] == "header"} >= {"xi-api-key"}
    query = dict(req.url.params)
    (fmt_param,) = [p for p in op["parameters"] if p["name"] == "output_format"]
    assert set(query) == {"output_format"} and query["output_format"] in fmt_param["schema"]["enum"]
    body = json.loads(req.content)
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema_validator(spec, ref).validate(body)
    assert body == {"text": "Welcome to Acme support.", "model_id": "eleven_multilingual_v2"}
    if telephony:
        assert query["output_format"] == "ulaw_8000" and result.format == AudioFormat("raw", "mulaw", 8000)
    else:
        assert query["output_format"] == "pcm_24000" and result.format == AudioFormat("raw", "pcm_s16le", 24000)
    assert (result.request_id, result.billed_chars) == ("el-1", 20)


def test_options_become_typed_body_fields(spec):
    request = SynthesisRequest("Hi.", VOICE, "en-US", speed=1.1, telephony=True,
                               options=(("stability", "0.4"), ("use_speaker_boost", "true"), ("seed", "42")))
    provider, _, sent = run(request, options={"model": "eleven_flash_v2_5", "apply_text_normalization": "on"})
    body = json.loads(sent[0].content)
    ref = "Body_Text_to_speech_v1_text_to_speech__voice_id__post"
    schema_validator(spec, ref).validate(body)
    assert body["model_id"] == "eleven_flash_v2_5" and body["seed"] == 42
    assert body["voice_settings"] == {"stability": 0.4, "use_speaker_boost": True, "speed": 1.1}
    assert body["apply_text_normalization"] == "on"
    assert provider.limits.max_chars == 40000  # Flash v2.5's documented limit
    hash(tuple(sorted(provider.key_params(request).items())))  # key params stay hashable


def test_bad_option_names_the_option():
    from narrate.errors import UsageError

    provider = elevenlabs.create(ProviderConfig("el", "elevenlabs"))
    with pytest.raises(UsageError, match="stability='high'"):
        provider.key_params(SynthesisRequest("Hi.", VOICE, "en-US", options=(("stability", "high"),)))


def test_quota_exceeded_401_is_fatal(retries):
    quota = error_response(401, {"detail": {"status": "quota_exceeded",
                                            "message": "This request exceeds your quota of 10000."}})
    with pytest.raises(ProviderError) as info:
        run(SynthesisRequest("Hi.", VOICE, "en-US"), [quota, audio_response(raw_pcm())])
    assert retries == [] and info.value.status == 401 and "quota_exceeded" in info.value.message
    assert "credits" in str(info.value)


def test_too_many_concurrent_requests_429_is_retried(retries):
    busy = error_response(429, {"detail": {"status": "too_many_concurrent_requests", "message": "Too many"}})
    _, _, sent = run(SynthesisRequest("Hi.", VOICE, "en-US"), [busy, audio_response(raw_pcm())])
    assert len(sent) == 2 and retries[0].status == 429


def test_voice_checks_and_limits():
    provider = elevenlabs.create(ProviderConfig("el", "elevenlabs"))
    assert provider.check_voice(VOICE, "fr-FR") is None
    assert "voice IDs" in provider.check_voice("Rachel", "en-US")
    assert provider.limits.default_concurrency == 5 and provider.limits.max_chars == 10000
    # voices() now reads GET /v1/voices (tests/test_voices_cli.py): never called here without a transport.


def test_a_voice_only_for_higher_plans_does_not_stop_the_provider_but_a_refused_key_does():
    import httpx as _httpx

    from narrate.providers.elevenlabs import classify

    voice = classify("e", _httpx.Response(403, json={"detail": {"status": "only_for_creator+", "message": "upgrade"}}))
    assert voice.status == 403 and not voice.account and not voice.halt  # the other voices still work
    for status in ("invalid_api_key", "quota_exceeded"):
        refused = classify("e", _httpx.Response(401, json={"detail": {"status": status, "message": "no"}}))
        assert refused.account and refused.halt and not refused.retryable
