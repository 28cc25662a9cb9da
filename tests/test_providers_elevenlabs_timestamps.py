"""ElevenLabs `/with-timestamps` (issue 12 item 3): request and response against elevenlabs-openapi.json,
word timings from the character alignment, and a body that is not that JSON refused and retried."""

from __future__ import annotations

import base64
import json

import pytest

from narrate.errors import InvalidAudioError
from narrate.providers import elevenlabs, http
from narrate.providers.base import ProviderConfig, SynthesisRequest
from test_providers_support import KEY, SPECS, Script, audio_response, raw_pcm, schema_validator

PATH = "/v1/text-to-speech/{voice_id}/with-timestamps"
VOICE = "21m00Tcm4TlvDq8ikWAM"
TEXT = "Hi there."


@pytest.fixture(scope="module")
def spec():
    with open(SPECS / "elevenlabs-openapi.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)


def alignment(text: str) -> dict:
    starts = [round(0.05 * i, 2) for i in range(len(text))]
    return {"characters": list(text), "character_start_times_seconds": starts,
            "character_end_times_seconds": [round(s + 0.05, 2) for s in starts]}


def reply(body: dict):
    import httpx

    return httpx.Response(200, json=body, headers={"request-id": "el-7"})


def provider_with(replies):
    script = Script(replies)
    return elevenlabs.create(ProviderConfig("el", "elevenlabs", options={"timestamps": True}),
                             transport=script.transport), script


@pytest.mark.shared
def test_with_timestamps_request_and_response_match_the_spec(spec):
    body = {"audio_base64": base64.b64encode(raw_pcm()).decode(), "alignment": alignment(TEXT),
            "normalized_alignment": alignment(TEXT)}
    schema_validator(spec, "AudioWithTimestampsResponseModel").validate(body)
    provider, script = provider_with([reply(body)])
    result = provider.synthesize(SynthesisRequest(TEXT, VOICE, "en-US"))
    req = script.requests[0]
    op = spec["paths"][PATH]["post"]
    assert req.url.path == PATH.format(voice_id=VOICE) and dict(req.url.params) == {"output_format": "pcm_24000"}
    (fmt_param,) = [p for p in op["parameters"] if p["name"] == "output_format"]
    assert "pcm_24000" in fmt_param["schema"]["enum"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema_validator(spec, ref).validate(json.loads(req.content))
    assert result.audio == raw_pcm() and result.request_id == "el-7"
    assert result.words == (("Hi", 0.0, 0.1), ("there.", 0.15, 0.45))


def test_timestamps_change_the_segment_key():
    request = SynthesisRequest(TEXT, VOICE, "en-US")
    plain = elevenlabs.create(ProviderConfig("el", "elevenlabs")).key_params(request)
    timed = elevenlabs.create(ProviderConfig("el", "elevenlabs", options={"timestamps": True})).key_params(request)
    assert plain["endpoint"] == "v1/text-to-speech" and timed["endpoint"] == "v1/text-to-speech/with-timestamps"


def test_audio_instead_of_json_is_refused_and_retried():
    with http.set_testing() as retries:
        provider, script = provider_with([audio_response(raw_pcm())])  # raw audio, as the plain endpoint sends
        with pytest.raises(InvalidAudioError, match="with-timestamps response is not JSON with audio_base64"):
            provider.synthesize(SynthesisRequest(TEXT, VOICE, "en-US"))
    assert len(script.requests) > 1 and retries


def test_missing_or_broken_alignment_keeps_the_audio():
    body = {"audio_base64": base64.b64encode(raw_pcm()).decode(), "alignment": None}
    provider, _ = provider_with([reply(body)])
    result = provider.synthesize(SynthesisRequest(TEXT, VOICE, "en-US"))
    assert result.audio == raw_pcm() and result.words is None
    assert elevenlabs.words_from_alignment({"characters": ["a", "b"], "character_start_times_seconds": [0.0],
                                            "character_end_times_seconds": [0.1, 0.2]}) is None
    assert elevenlabs.words_from_alignment({"characters": [" ", "a", " "], "character_start_times_seconds": [0, 0.1, 0.2],
                                            "character_end_times_seconds": [0.1, 0.2, 0.3]}) == (("a", 0.1, 0.2),)
