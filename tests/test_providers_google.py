"""Google Cloud TTS v1 text:synthesize contract (hand-written from the v1 proto: no spec file is stored)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from narrate.errors import InvalidAudioError, ProviderError, UsageError
from narrate.providers import google, http
from narrate.providers.base import AudioFormat, ProviderConfig, SynthesisRequest
from test_providers_support import KEY, Captured, Script, google_json, raw_mulaw, wav, wav_pcm

# v1 AudioEncoding values and the request's top-level fields (cloud_tts.proto).
ENCODINGS = {"LINEAR16", "MP3", "OGG_OPUS", "MULAW", "ALAW"}
AUDIO_CONFIG_FIELDS = {"audioEncoding", "speakingRate", "pitch", "volumeGainDb", "sampleRateHertz", "effectsProfileId"}


@pytest.fixture
def retries():
    with http.set_testing() as records:
        yield records


def ok(telephony: bool) -> httpx.Response:
    audio = wav(raw_mulaw(), 8000, tag=7, bits=8) if telephony else wav_pcm()
    return httpx.Response(200, content=google_json(audio), headers={"content-type": "application/json"})


def run(request: SynthesisRequest, replies=None, **config):
    script = Script(replies or [ok(request.telephony)])
    provider = google.create(ProviderConfig("gg", "google", **config), transport=script.transport)
    return provider, provider.synthesize(request), script.requests


@pytest.mark.parametrize("telephony", [True, False])
def test_request_shape_with_api_key(monkeypatch, telephony):
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    handler = Captured()
    logging.getLogger("narrate.http").addHandler(handler)
    logging.getLogger("narrate.http").setLevel(logging.DEBUG)
    try:
        _, result, sent = run(SynthesisRequest("Para español, oprima dos.", "es-US-Neural2-A", "es-US",
                                               telephony=telephony))
    finally:
        logging.getLogger("narrate.http").removeHandler(handler)
    req = sent[0]
    assert req.method == "POST" and str(req.url) == "https://texttospeech.googleapis.com/v1/text:synthesize"
    assert req.headers["x-goog-api-key"] == KEY and "authorization" not in req.headers
    assert KEY not in str(req.url) and KEY not in handler.text()  # never in a URL, so never in a log
    body = json.loads(req.content)
    assert set(body) == {"input", "voice", "audioConfig"}
    assert body["input"] == {"text": "Para español, oprima dos."}
    assert body["voice"] == {"languageCode": "es-US", "name": "es-US-Neural2-A"}
    assert set(body["audioConfig"]) <= AUDIO_CONFIG_FIELDS and body["audioConfig"]["audioEncoding"] in ENCODINGS
    if telephony:
        assert body["audioConfig"] == {"audioEncoding": "MULAW", "sampleRateHertz": 8000}
        assert result.format == AudioFormat("wav", "mulaw", 8000)
        assert result.audio[:4] == b"RIFF"  # the decoded audioContent, WAV header included
    else:
        assert body["audioConfig"] == {"audioEncoding": "LINEAR16", "sampleRateHertz": 24000}
        assert result.format == AudioFormat("wav", "pcm_s16le", 24000)


def test_access_token_is_a_bearer_and_wins_over_the_key(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "other-key")
    monkeypatch.setenv("GOOGLE_ACCESS_TOKEN", KEY)
    _, _, sent = run(SynthesisRequest("Hi.", "en-US-Neural2-F", "en-US"), options={"project": "my-proj"})
    assert sent[0].headers["authorization"] == f"Bearer {KEY}" and "x-goog-api-key" not in sent[0].headers
    assert sent[0].headers["x-goog-user-project"] == "my-proj"


def test_configured_env_with_token_in_its_name_is_a_bearer(monkeypatch):
    monkeypatch.setenv("MY_GCP_TOKEN", KEY)
    _, _, sent = run(SynthesisRequest("Hi.", "en-US-Neural2-F", "en-US"), api_key_env="MY_GCP_TOKEN")
    assert sent[0].headers["authorization"] == f"Bearer {KEY}"


def test_missing_credentials_name_both_variables():
    with pytest.raises(UsageError, match="GOOGLE_ACCESS_TOKEN or GOOGLE_API_KEY"):
        run(SynthesisRequest("Hi.", "en-US-Neural2-F", "en-US"))


def test_speed_and_options(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    request = SynthesisRequest("Hi.", "en-US-Neural2-F", "en-US", speed=0.9, telephony=True,
                               options=(("pitch", "-2"), ("effects_profile", "telephony-class-application")))
    _, _, sent = run(request)
    config = json.loads(sent[0].content)["audioConfig"]
    assert config["speakingRate"] == 0.9 and config["pitch"] == -2.0
    assert config["effectsProfileId"] == ["telephony-class-application"]


def test_text_over_5000_bytes_is_refused_before_sending(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    provider = google.create(ProviderConfig("gg", "google"))
    assert provider.limits.max_chars * 4 <= 5000  # any 1,250 characters fit in 5,000 UTF-8 bytes
    script = Script([ok(True)])
    provider = google.create(ProviderConfig("gg", "google"), transport=script.transport)
    with pytest.raises(ProviderError, match="5001 bytes"):
        provider.synthesize(SynthesisRequest("€" * 1667, "en-US-Neural2-F", "en-US"))
    assert script.count == 0


@pytest.mark.parametrize("bad", [b'{"error": "nothing"}', b'{"audioContent": "***not base64***"}', b"<html>x</html>"])
def test_200_without_usable_audio_content_is_retried(monkeypatch, retries, bad):
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    replies = [httpx.Response(200, content=bad, headers={"content-type": "application/json"}), ok(True)]
    _, result, sent = run(SynthesisRequest("Hi.", "en-US-Neural2-F", "en-US", telephony=True), replies)
    assert len(sent) == 2 and isinstance(retries[0], http.RetryRecord)


def test_200_with_truncated_wav_inside_is_invalid(monkeypatch, retries):
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    data = raw_mulaw()
    short = wav(data[:100], 8000, tag=7, bits=8, declared=len(data))
    replies = [httpx.Response(200, content=google_json(short), headers={"content-type": "application/json"})]
    with pytest.raises(InvalidAudioError):
        run(SynthesisRequest("Hi there.", "en-US-Neural2-F", "en-US", telephony=True), replies, max_attempts=2)


def test_google_error_shape_and_fatal_invalid_argument(monkeypatch, retries):
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    err = httpx.Response(400, json={"error": {"code": 400, "status": "INVALID_ARGUMENT",
                                              "message": "Voice 'xx' does not exist."}})
    with pytest.raises(ProviderError, match="INVALID_ARGUMENT: Voice 'xx' does not exist"):
        run(SynthesisRequest("Hi.", "en-US-Neural2-F", "en-US"), [err])
    assert retries == []


def test_voice_checks_and_limits():
    provider = google.create(ProviderConfig("gg", "google"))
    assert provider.check_voice("en-GB-Neural2-A", "en-US") is None
    assert "not de-DE" in provider.check_voice("en-GB-Neural2-A", "de-DE")
    assert provider.check_voice("Wavenet", "en-US")
    assert provider.limits.requests_per_minute == 1000
    assert google.create(ProviderConfig("gg", "google", requests_per_minute=200)).limits.requests_per_minute == 200
