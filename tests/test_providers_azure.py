"""Azure AI Speech REST contract (hand-written from rest-text-to-speech.md: Azure publishes no spec for it)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from narrate.errors import UsageError
from narrate.providers import azure
from narrate.providers.base import AudioFormat, ProviderConfig, SynthesisRequest
from test_providers_support import KEY, Script, audio_response, raw_mulaw, wav_pcm

NS = "{http://www.w3.org/2001/10/synthesis}"


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")


def run(request: SynthesisRequest, **config):
    body = raw_mulaw() if request.telephony else wav_pcm()
    script = Script([audio_response(body, "audio/x-wav", **{"x-requestid": "az-1"})])
    provider = azure.create(ProviderConfig("az", "azure", **config), transport=script.transport)
    return provider, provider.synthesize(request), script.requests


@pytest.mark.parametrize("telephony", [True, False])
def test_request_matches_the_docs(telephony):
    _, result, sent = run(SynthesisRequest("Tom & Jerry <3 \"IVR\"", "en-US-AvaMultilingualNeural", "en-US",
                                           telephony=telephony))
    req = sent[0]
    assert req.method == "POST"
    assert str(req.url) == "https://westeurope.tts.speech.microsoft.com/cognitiveservices/v1"
    assert req.headers["ocp-apim-subscription-key"] == KEY
    assert req.headers["content-type"] == "application/ssml+xml"
    assert 0 < len(req.headers["user-agent"]) < 255
    root = ET.fromstring(req.content)  # well-formed XML even with & < " in the text
    assert root.tag == f"{NS}speak" and root.get("version") == "1.0"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    voice = root.find(f"{NS}voice")
    assert voice.get("name") == "en-US-AvaMultilingualNeural" and voice.text == "Tom & Jerry <3 \"IVR\""
    if telephony:
        assert req.headers["x-microsoft-outputformat"] == "raw-8khz-8bit-mono-mulaw"
        assert result.format == AudioFormat("raw", "mulaw", 8000)
    else:
        assert req.headers["x-microsoft-outputformat"] == "riff-24khz-16bit-mono-pcm"
        assert result.format == AudioFormat("wav", "pcm_s16le", 24000)
    assert result.request_id == "az-1"


def test_speed_becomes_prosody_rate():
    _, _, sent = run(SynthesisRequest("Slowly.", "de-DE-KatjaNeural", "de-DE", speed=0.8))
    prosody = ET.fromstring(sent[0].content).find(f"{NS}voice/{NS}prosody")
    assert prosody.get("rate") == "-20%" and prosody.text == "Slowly."


def test_region_from_options_or_base_url(monkeypatch):
    monkeypatch.delenv("AZURE_SPEECH_REGION")
    _, _, sent = run(SynthesisRequest("Hi.", "en-US-AvaNeural", "en-US"), options={"region": "eastus"})
    assert sent[0].url.host == "eastus.tts.speech.microsoft.com"
    _, _, sent = run(SynthesisRequest("Hi.", "en-US-AvaNeural", "en-US"), base_url="https://my.cognitiveservices.azure.com")
    assert str(sent[0].url) == "https://my.cognitiveservices.azure.com/cognitiveservices/v1"
    with pytest.raises(UsageError, match="AZURE_SPEECH_REGION"):
        run(SynthesisRequest("Hi.", "en-US-AvaNeural", "en-US"))


def test_region_is_not_in_the_key_but_format_and_speed_are(monkeypatch):
    provider = azure.create(ProviderConfig("az", "azure"))
    request = SynthesisRequest("Hi.", "en-US-AvaNeural", "en-US")
    before = provider.key_params(request)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "eastus")
    assert provider.key_params(request) == before
    assert provider.key_params(SynthesisRequest("Hi.", "en-US-AvaNeural", "en-US", telephony=True)) != before
    assert provider.key_params(SynthesisRequest("Hi.", "en-US-AvaNeural", "en-US", speed=1.2)) != before


def test_voice_checks_and_limits():
    provider = azure.create(ProviderConfig("az", "azure"))
    assert provider.check_voice("en-US-AvaMultilingualNeural", "fr-FR") is None  # multilingual
    assert "not fr-FR" in provider.check_voice("en-US-AvaNeural", "fr-FR")
    assert provider.check_voice("Ava", "en-US")
    assert provider.limits.default_concurrency == 20
