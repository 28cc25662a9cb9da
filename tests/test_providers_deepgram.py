"""Deepgram /v1/speak contract: the exact request, checked against deepgram-openapi.yml."""

from __future__ import annotations

import json

import pytest

from narrate.providers import deepgram, http
from narrate.providers.base import AudioFormat, ProviderConfig, SynthesisRequest
from test_providers_support import KEY, Script, audio_response, load_yaml, raw_mulaw, raw_pcm, schema_validator


@pytest.fixture(scope="module")
def spec():
    return load_yaml("deepgram-openapi.yml")


def enum(spec, name: str) -> dict[str, set[str]]:
    """{description: values} for a oneOf-of-enums parameter schema, e.g. sample rates per encoding."""
    schemas = spec["components"]["schemas"]
    out = {}
    for ref in schemas[name]["oneOf"]:
        sub = schemas[ref["$ref"].rsplit("/", 1)[1]]
        out[sub["description"]] = set(sub["enum"])
    return out


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("DEEPGRAM_API_KEY", KEY)


def run(request: SynthesisRequest, reply=None, **config):
    script = Script([reply or audio_response(raw_mulaw() if request.telephony else raw_pcm(), "audio/basic",
                                             **{"dg-request-id": "dg-1", "dg-char-count": "35"})])
    provider = deepgram.create(ProviderConfig("dg", "deepgram", **config), transport=script.transport)
    return provider, provider.synthesize(request), script.requests


@pytest.mark.parametrize("telephony", [True, False])
def test_request_matches_the_spec(spec, telephony):
    request = SynthesisRequest("Press one for sales.", "aura-2-thalia-en", "en-US", telephony=telephony)
    _, result, sent = run(request)
    assert len(sent) == 1
    req = sent[0]
    assert req.method == "POST"
    assert (req.url.scheme, req.url.host, req.url.path) == ("https", "api.deepgram.com", "/v1/speak")
    assert "/v1/speak" in spec["paths"]
    assert req.headers["authorization"] == f"Token {KEY}"
    assert req.headers["content-type"] == "application/json"
    body = json.loads(req.content)
    assert body == {"text": "Press one for sales."}
    schema_validator(spec, "SpeakV1Request").validate(body)

    query = dict(req.url.params)
    assert set(query) == {"model", "encoding", "sample_rate", "container"}
    documented = {p["name"] for p in spec["paths"]["/v1/speak"]["post"]["parameters"] if p["in"] == "query"}
    assert set(query) <= documented
    assert query["model"] in spec["components"]["schemas"]["V1SpeakPostParametersModel"]["enum"]
    encodings = set().union(*enum(spec, "V1SpeakPostParametersEncoding").values())
    assert query["encoding"] in encodings
    containers = set().union(*enum(spec, "V1SpeakPostParametersContainer").values())
    assert query["container"] in containers
    rates = {desc.split(".")[0].split("- ")[1]: vals for desc, vals in enum(spec, "V1SpeakPostParametersSampleRate").items()}
    assert query["sample_rate"] in rates[query["encoding"]]  # a rate this encoding takes

    if telephony:
        assert (query["encoding"], query["sample_rate"], query["container"]) == ("mulaw", "8000", "none")
        assert result.format == AudioFormat("raw", "mulaw", 8000)
    else:
        assert (query["encoding"], query["sample_rate"], query["container"]) == ("linear16", "24000", "none")
        assert result.format == AudioFormat("raw", "pcm_s16le", 24000)
    assert (result.request_id, result.billed_chars) == ("dg-1", 35)


def test_bare_voice_name_and_speed():
    _, _, sent = run(SynthesisRequest("Hola.", "celeste", "es-MX", speed=1.25, telephony=True))
    query = dict(sent[0].url.params)
    assert query["model"] == "aura-2-celeste-es" and query["speed"] == "1.25"
    _, _, sent = run(SynthesisRequest("Hi.", "asteria", "en-US", model="aura", telephony=True))
    assert sent[0].url.params["model"] == "aura-asteria-en"


def test_base_url_override_goes_into_the_key_and_the_request():
    request = SynthesisRequest("Hi.", "aura-2-thalia-en", "en-US", telephony=True)
    provider, _, sent = run(request, base_url="https://api.eu.deepgram.com")
    assert sent[0].url.host == "api.eu.deepgram.com"
    default = deepgram.create(ProviderConfig("dg", "deepgram"))
    assert provider.key_params(request) != default.key_params(request)


def test_key_params_cover_format_and_speed_but_never_the_key():
    provider = deepgram.create(ProviderConfig("dg", "deepgram"))
    base = SynthesisRequest("Hi.", "aura-2-thalia-en", "en-US")
    variants = [base, SynthesisRequest("Hi.", "aura-2-thalia-en", "en-US", telephony=True),
                SynthesisRequest("Hi.", "aura-2-thalia-en", "en-US", speed=1.1),
                SynthesisRequest("Hi.", "thalia", "es-ES")]
    keys = [json.dumps(provider.key_params(r), sort_keys=True) for r in variants]
    assert len(set(keys)) == len(keys)
    assert all(KEY not in k for k in keys)
    assert all(isinstance(v, (str, int, float, bool, type(None))) for v in provider.key_params(base).values())


def test_voices_and_check_voice():
    provider = deepgram.create(ProviderConfig("dg", "deepgram"))
    names = {v.name for v in provider.voices()}
    assert {"aura-2-thalia-en", "aura-2-celeste-es", "aura-asteria-en"} <= names
    assert provider.check_voice("aura-2-thalia-en", "en-GB") is None
    assert provider.check_voice("thalia", "en-US") is None
    assert provider.check_voice("aura-2-newvoice-en", "en-US") is None  # unknown but plausible
    assert "speaks en" in provider.check_voice("aura-2-thalia-en", "de-DE")
    assert provider.check_voice("Not A Voice!", "en-US")


def test_limits_cite_the_documented_defaults_and_take_overrides():
    assert deepgram.create(ProviderConfig("dg", "deepgram")).limits.default_concurrency == 15
    assert deepgram.create(ProviderConfig("dg", "deepgram")).limits.max_chars == 2000
    assert deepgram.create(ProviderConfig("dg", "deepgram", concurrency=3)).limits.default_concurrency == 3


def test_deepgram_error_json_with_request_id_in_body():
    from narrate.errors import ProviderError
    from test_providers_support import error_response

    reply = error_response(400, {"err_code": "INVALID_QUERY_PARAMETER", "err_msg": "bad model",
                                 "request_id": "body-rid"})
    with http.set_testing(), pytest.raises(ProviderError) as info:
        run(SynthesisRequest("Hi.", "aura-2-thalia-en", "en-US"), reply)
    assert info.value.request_id == "body-rid" and "INVALID_QUERY_PARAMETER" in info.value.message
