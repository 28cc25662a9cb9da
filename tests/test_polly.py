"""Amazon Polly (issue 15 item 1): SynthesizeSpeech contract against botocore's service model, SigV4
through botocore, engines, SSML, throttling, the 3,000-character limit, DescribeVoices and PLS
lexicons, with httpx.MockTransport; then an integration test against moto's Polly server on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from narrate.errors import ProviderError
from narrate.plan import KeyMaker
from narrate.providers import http, polly, secrets
from narrate.providers.base import AudioFormat, ProviderConfig, SynthesisRequest
from narrate.text import split_for_limit
from test_providers_support import Script, error_response, raw_pcm

pytest.importorskip("botocore")

SPEC = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "specs" / "polly-service-2.json"
ACCESS, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ENDPOINT = "https://polly.eu-west-1.amazonaws.com"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch, tmp_path):
    """Static credentials and a region; no profile files, and never the instance metadata service."""
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture
def retries():
    with http.set_testing() as records:
        yield records


def pcm_reply(rate: int = 8000) -> httpx.Response:
    return httpx.Response(200, content=raw_pcm(rate), headers={"content-type": "audio/pcm",
                                                                 "x-amzn-RequestCharacters": "12",
                                                                 "x-amzn-RequestId": "rid-1"})


def make(replies, **options):
    script = Script(list(replies))
    provider = polly.create(ProviderConfig("aws", "polly", options=options), transport=script.transport)
    return provider, script


def spec_shapes() -> dict:
    return json.loads(SPEC.read_text())["shapes"]


@pytest.mark.shared
def test_request_is_signed_and_matches_the_service_model():
    provider, script = make([pcm_reply()], engine="neural")
    result = provider.synthesize(SynthesisRequest("Press one for sales.", "Joanna", "en-US", telephony=True))
    req = script.requests[0]
    assert req.method == "POST" and str(req.url) == f"{ENDPOINT}/v1/speech"
    body = json.loads(req.content)
    assert body == {"Engine": "neural", "OutputFormat": "pcm", "SampleRate": "8000", "Text": "Press one for sales.",
                    "TextType": "text", "VoiceId": "Joanna"}
    shapes = spec_shapes()
    members = shapes["SynthesizeSpeechInput"]["members"]
    assert set(body) <= set(members) and set(shapes["SynthesizeSpeechInput"]["required"]) <= set(body)
    assert body["Engine"] in shapes["Engine"]["enum"] and body["OutputFormat"] in shapes["OutputFormat"]["enum"]
    auth = req.headers["authorization"]
    date = req.headers["x-amz-date"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS}/{date[:8]}/eu-west-1/polly/aws4_request, ")
    assert "SignedHeaders=content-type;host;x-amz-date, Signature=" in auth
    assert SECRET not in auth and "x-amz-security-token" not in req.headers
    assert result.format == AudioFormat("raw", "pcm_s16le", 8000)
    assert result.request_id == "rid-1" and result.billed_chars == 12


def test_signature_is_botocores(monkeypatch):
    """The Authorization header is exactly what botocore's SigV4Auth computes for the same request at
    the same instant (botocore's clock is pinned, so the two signatures share their timestamp)."""
    import datetime as dt

    import botocore.auth
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    instant = dt.datetime(2026, 11, 30, 23, 59, 59)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: instant)
    provider, script = make([pcm_reply()])
    provider.synthesize(SynthesisRequest("Hello.", "Joanna", "en-US", telephony=True))
    req = script.requests[0]
    assert req.headers["x-amz-date"] == "20261130T235959Z"
    aws = AWSRequest(method="POST", url=str(req.url), data=req.content,
                     headers={"content-type": "application/json"})
    SigV4Auth(Credentials(ACCESS, SECRET), "polly", "eu-west-1").add_auth(aws)
    assert req.headers["authorization"] == aws.headers["Authorization"]
    assert req.headers["authorization"].endswith("Signature=" + aws.headers["Authorization"].rsplit("=", 1)[1])


def test_session_token_is_sent_and_never_shown(monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FQoGZXIvYXdzEXAMPLETOKEN0123456789")
    provider, script = make([error_response(403, {"message": "token FQoGZXIvYXdzEXAMPLETOKEN0123456789 expired"},
                                            **{"x-amzn-ErrorType": "ExpiredTokenException"})])
    with pytest.raises(ProviderError) as info:
        provider.synthesize(SynthesisRequest("Hello.", "Joanna", "en-US", telephony=True))
    assert script.requests[0].headers["x-amz-security-token"] == "FQoGZXIvYXdzEXAMPLETOKEN0123456789"
    assert "FQoGZXIvYXdzEXAMPLETOKEN0123456789" not in str(info.value) and "REDACTED" in str(info.value)
    assert str(info.value).startswith("HTTP 403 ExpiredTokenException: token REDACTED expired")
    assert not info.value.retryable and script.count == 1


@pytest.mark.parametrize("engine,rate", [("standard", 22050), ("neural", 24000), ("long-form", 24000),
                                         ("generative", 24000)])
def test_engines_and_native_rates(engine, rate):
    provider, _ = make([], engine=engine)
    request = SynthesisRequest("Chapter one.", "Ruth", "en-US")
    body = provider.body(request)
    assert (body["Engine"], body["OutputFormat"], body["SampleRate"]) == (engine, "mp3", str(rate))
    assert provider.output(request)[2] == AudioFormat("mp3", "mp3", rate)
    assert provider.key_params(request) == {"endpoint": "v1/speech", "engine": engine, "output_format": "mp3",
                                            "sample_rate": rate, "speed": 1.0}
    telephony = provider.body(SynthesisRequest("Chapter one.", "Ruth", "en-US", telephony=True))
    assert (telephony["OutputFormat"], telephony["SampleRate"]) == ("pcm", "8000")


def test_pcm_16k_on_request_and_bad_settings_are_usage_errors():
    provider, script = make([pcm_reply(16000)], sample_rate=16000)
    result = provider.synthesize(SynthesisRequest("Hello there.", "Joanna", "en-US"))
    assert json.loads(script.requests[0].content)["SampleRate"] == "16000"
    assert result.format == AudioFormat("raw", "pcm_s16le", 16000)
    with pytest.raises(Exception, match="option engine must be one of standard, neural, long-form, generative"):
        make([], engine="turbo")[0].body(SynthesisRequest("Hi.", "Joanna", "en-US"))
    with pytest.raises(Exception, match="sample_rate 11025 is not one Polly offers"):
        make([], sample_rate=11025)[0].body(SynthesisRequest("Hi.", "Joanna", "en-US"))


def test_mp3_reply_is_decoded_and_checked():
    import imageio_ffmpeg

    mp3 = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le",
                          "-ar", "24000", "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-f", "mp3", "pipe:1"],
                         input=raw_pcm(24000), capture_output=True, check=True, timeout=60).stdout
    provider, _ = make([httpx.Response(200, content=mp3, headers={"content-type": "audio/mpeg"})], engine="neural")
    result = provider.synthesize(SynthesisRequest("Hello there.", "Ruth", "en-US"))
    assert result.format == AudioFormat("mp3", "mp3", 24000) and result.audio == mp3


def test_ssml_and_speed():
    provider, _ = make([])
    ssml = SynthesisRequest('Call <say-as interpret-as="telephone">555 0100</say-as>.', "Joanna", "en-US", ssml=True)
    assert provider.text(ssml) == ('<speak>Call <say-as interpret-as="telephone">555 0100</say-as>.</speak>', "ssml")
    fast = SynthesisRequest("Fish & chips <now>", "Joanna", "en-US", speed=1.25)
    assert provider.text(fast) == ('<speak><prosody rate="125%">Fish &amp; chips &lt;now&gt;</prosody></speak>', "ssml")
    assert provider.key_params(fast)["speed"] == 1.25
    assert provider.key_params(ssml)["markup"] == "ssml"
    # The markup compiler reads these flags (narrate.text.markup.target_of).
    assert polly.PollyProvider.accepts_ssml and polly.PollyProvider.ssml_phoneme and polly.PollyProvider.ssml_sub


def test_throttling_is_a_400_that_is_retried(retries):
    throttled = error_response(400, {"message": "Rate exceeded"},
                               **{"x-amzn-ErrorType": "ThrottlingException:http://internal.amazon.com/coral/"})
    provider, script = make([throttled, throttled, pcm_reply()])
    result = provider.synthesize(SynthesisRequest("Hello there.", "Joanna", "en-US", telephony=True))
    assert script.count == 3 and result.format.sample_rate == 8000
    assert [r.status for r in retries] == [400, 400]
    assert retries[0].reason == "HTTP 400 ThrottlingException: Rate exceeded"


def test_throttling_code_in_the_body_is_retried_too(retries):
    throttled = error_response(400, {"__type": "com.amazonaws.polly#ThrottlingException", "message": "slow down"})
    provider, script = make([throttled, pcm_reply()])
    provider.synthesize(SynthesisRequest("Hello there.", "Joanna", "en-US", telephony=True))
    assert script.count == 2 and retries[0].reason == "HTTP 400 ThrottlingException: slow down"


@pytest.mark.parametrize("code", ["TextLengthExceededException", "InvalidSsmlException", "EngineNotSupportedException"])
def test_other_400s_are_fatal(retries, code):
    provider, script = make([error_response(400, {"message": "nope"}, **{"x-amzn-ErrorType": code})])
    with pytest.raises(ProviderError) as info:
        provider.synthesize(SynthesisRequest("Hello there.", "Joanna", "en-US", telephony=True))
    assert script.count == 1 and not info.value.retryable and retries == []
    assert str(info.value) == f"HTTP 400 {code}: nope"


@pytest.mark.parametrize("status,code", [(403, "UnrecognizedClientException"), (400, "ExpiredTokenException"),
                                         (403, "InvalidSignatureException")])
def test_refused_credentials_stop_the_provider_and_name_the_chain(retries, status, code):
    """A refused AWS credential is about every request (ProviderError.account), whatever the status."""
    provider, script = make([error_response(status, {"message": "no"}, **{"x-amzn-ErrorType": code})])
    with pytest.raises(ProviderError) as info:
        provider.synthesize(SynthesisRequest("Hello there.", "Joanna", "en-US", telephony=True))
    assert script.count == 1 and info.value.account and info.value.halt and not info.value.retryable
    assert provider.credential_source().startswith("the AWS credentials")
    from narrate.providers.polly import classify

    other = classify("p", httpx.Response(400, json={"message": "nope"}, headers={"x-amzn-ErrorType": "InvalidSsmlException"}))
    assert not other.account and not other.halt  # about this text only


def test_the_splitter_gets_3000_characters():
    provider, _ = make([])
    assert provider.limits.max_chars == 3000
    text = " ".join(f"Sentence number {i} is about the shop and its opening hours." for i in range(150))
    chunks = split_for_limit(text, provider.limits.max_chars, "en-US")
    assert len(text) > 9000 and len(chunks) >= 4 and max(len(c) for c in chunks) <= 3000
    assert " ".join(chunks) == text


def test_describe_voices_reads_every_page():
    page1 = {"Voices": [{"Id": "Lupe", "Gender": "Female", "LanguageCode": "es-US", "LanguageName": "US Spanish",
                         "Name": "Lupe", "SupportedEngines": ["neural", "standard"]}], "NextToken": "t2"}
    page2 = {"Voices": [{"Id": "Aditi", "Gender": "Female", "LanguageCode": "en-IN", "LanguageName": "Indian English",
                         "Name": "Aditi", "AdditionalLanguageCodes": ["hi-IN"], "SupportedEngines": ["standard"]}]}
    provider, script = make([httpx.Response(200, json=page1), httpx.Response(200, json=page2)])
    voices = provider.voices()
    assert [(v.name, v.languages, v.gender, v.description) for v in voices] == [
        ("Lupe", ("es-US",), "female", "US Spanish; engines: neural, standard"),
        ("Aditi", ("en-IN", "hi-IN"), "female", "Indian English; engines: standard")]
    assert [str(r.url) for r in script.requests] == [
        f"{ENDPOINT}/v1/voices?IncludeAdditionalLanguageCodes=true",
        f"{ENDPOINT}/v1/voices?IncludeAdditionalLanguageCodes=true&NextToken=t2"]
    assert all(r.method == "GET" and r.headers["authorization"].startswith("AWS4-HMAC-SHA256 ")
               for r in script.requests)


def test_pls_lexicon_is_uploaded_once_and_named():
    entries = (("Nguyen", "ipa", "wɪn"),)
    put_ok = httpx.Response(200, json={})
    provider, script = make([put_ok, pcm_reply(), pcm_reply()])
    request = SynthesisRequest("Ask for Nguyen.", "Joanna", "en-US", telephony=True, lexicon=entries)
    provider.synthesize(request)
    provider.synthesize(SynthesisRequest("Nguyen again.", "Joanna", "en-US", telephony=True, lexicon=entries))
    put, speech, again = script.requests
    assert put.method == "PUT" and str(put.url).startswith(f"{ENDPOINT}/v1/lexicons/narrate")
    name = str(put.url).rsplit("/", 1)[1]
    assert len(name) == 20 and name.isalnum()
    assert json.loads(put.content) == {"Content": (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" '
        'xml:lang="en-US">\n  <lexeme><grapheme>Nguyen</grapheme><phoneme>wɪn</phoneme></lexeme>\n</lexicon>\n')}
    assert put.headers["authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert json.loads(speech.content)["LexiconNames"] == [name]
    assert json.loads(again.content)["LexiconNames"] == [name]  # the same lexicon: no second PutLexicon
    # The entries are key material; the lexicon name (which depends on nothing else) is not.
    key_a = KeyMaker().key(provider, request)
    key_b = KeyMaker().key(provider, SynthesisRequest("Ask for Nguyen.", "Joanna", "en-US", telephony=True,
                                                      lexicon=(("Nguyen", "ipa", "ŋwiən"),)))
    key_c = KeyMaker().key(provider, SynthesisRequest("Ask for Nguyen.", "Joanna", "en-US", telephony=True))
    assert len({key_a, key_b, key_c}) == 3


def test_lexicon_not_found_right_after_upload_is_retried(retries):
    missing = error_response(404, {"message": "Lexicon not found"}, **{"x-amzn-ErrorType": "LexiconNotFoundException"})
    provider, script = make([httpx.Response(200, json={}), missing, pcm_reply()])
    provider.synthesize(SynthesisRequest("Nguyen.", "Joanna", "en-US", telephony=True,
                                         lexicon=(("Nguyen", "ipa", "wɪn"),)))
    assert script.count == 3 and [r.status for r in retries] == [404]


def test_missing_credentials_region_and_botocore_are_named(monkeypatch):
    provider, _ = make([])
    assert provider.credential_problem() is None
    monkeypatch.delenv("AWS_REGION")
    assert make([])[0].credential_problem() == ("provider aws: no AWS region: set AWS_REGION (hint: or "
                                               "options.region in providers.aws, or region in the AWS profile)")
    assert make([], region="us-west-2")[0].credential_problem() is None
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    problem = make([], region="us-west-2")[0].credential_problem()
    assert problem.startswith("provider aws: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                              "or AWS_PROFILE")
    monkeypatch.setattr(polly, "_botocore", lambda: None)
    assert make([])[0].credential_problem() == ("provider aws: Amazon Polly needs botocore (AWS credentials and "
                                               "signing) (hint: pip install 'narrate-build[aws]')")


def test_profile_from_a_shared_credentials_file(monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    (tmp_path / "creds").write_text("[ivr]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret-123\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "creds"))
    provider, script = make([pcm_reply()], profile="ivr")
    provider.synthesize(SynthesisRequest("Hello there.", "Joanna", "en-US", telephony=True))
    assert "Credential=AKIDPROFILE/" in script.requests[0].headers["authorization"]
    assert secrets.mask("x profile-secret-123 y") == "x REDACTED y"


def test_check_voice():
    provider, _ = make([])
    assert provider.check_voice("Joanna", "en-US") is None and provider.check_voice("default", "en-US") is None
    assert provider.check_voice("en-us", "en-US") == ("Polly voices are names like Joanna, Lupe or Hans "
                                                     "(see narrate voices --provider polly)")


# ------------------------------------------------------- integration: moto's Polly server on 127.0.0.1


@pytest.fixture
def moto_polly(monkeypatch):
    """moto's Polly server in a thread on 127.0.0.1 (started and stopped here), with its backend reset.

    moto checks each SynthesizeSpeech (voice, output format, sample rate, text type, length, that
    every LexiconNames entry was put) and answers 8 zero bytes, which is not audio. `audio=True`
    replaces that placeholder, and only it, with a tone of the requested rate, so a whole build can
    run against the server; requests moto refuses are refused as before."""
    pytest.importorskip("moto")
    from moto.polly.responses import PollyResponse
    from moto.server import ThreadedMotoServer

    from conftest import free_port

    state = {"audio": False, "speech": []}
    original = PollyResponse.speech

    def speech(self):
        body, headers = original(self)
        if isinstance(headers, dict) and headers.get("Content-Type") == "audio/pcm":
            state["speech"].append(self.json)
            if state["audio"]:
                return raw_pcm(int(self.json.get("SampleRate", 16000))), headers
        return body, headers

    monkeypatch.setattr(PollyResponse, "speech", speech)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    httpx.post(f"{url}/moto-api/reset", timeout=10)
    try:
        yield url, state
    finally:
        server.stop()


def test_moto_describe_voices_and_put_lexicon(moto_polly):
    url, _ = moto_polly
    provider = polly.create(ProviderConfig("aws", "polly", base_url=url))
    voices = {v.name: v for v in provider.voices()}
    assert voices["Joanna"].languages[0] == "en-US" and voices["Joanna"].gender == "female"
    assert voices["Lupe"].languages[0] == "es-US"
    provider.lexicons.put("narrateTest1", "<lexicon/>")
    import botocore.session

    client = botocore.session.Session().create_client("polly", endpoint_url=url, region_name="eu-west-1")
    assert client.get_lexicon(Name="narrateTest1")["Lexicon"]["Content"] == "<lexicon/>"


def test_moto_accepts_the_request_and_narrate_refuses_its_placeholder_audio(moto_polly, retries):
    url, state = moto_polly
    provider = polly.create(ProviderConfig("aws", "polly", base_url=url, max_attempts=2))
    request = SynthesisRequest('Call <say-as interpret-as="digits">42</say-as> for Nguyen.', "Joanna", "en-US",
                               telephony=True, ssml=True, lexicon=(("Nguyen", "ipa", "wɪn"),))
    with pytest.raises(ProviderError) as info:
        provider.synthesize(request)
    # moto validated the signed request (its lexicon was put first) and answered 200 with 8 zero bytes:
    # not audio, so nothing reaches a cache.
    assert info.value.status == 200 and "returned invalid audio" in str(info.value)
    sent = state["speech"][0]
    assert sent["Text"] == '<speak>Call <say-as interpret-as="digits">42</say-as> for Nguyen.</speak>'
    assert sent["TextType"] == "ssml" and sent["LexiconNames"][0].startswith("narrate")
    import botocore.session

    client = botocore.session.Session().create_client("polly", endpoint_url=url, region_name="eu-west-1")
    content = client.get_lexicon(Name=sent["LexiconNames"][0])["Lexicon"]["Content"]
    assert "<grapheme>Nguyen</grapheme><phoneme>wɪn</phoneme>" in content


def test_moto_refusals_are_fatal_and_named(moto_polly, retries):
    url, _ = moto_polly
    provider = polly.create(ProviderConfig("aws", "polly", base_url=url))
    with pytest.raises(ProviderError) as info:
        provider.synthesize(SynthesisRequest("Hello.", "Nobody", "en-US", telephony=True))
    assert str(info.value).startswith("HTTP 400 InvalidParameterValue: Not one of ") and retries == []


def test_moto_build_end_to_end(moto_polly, tmp_path):
    """A whole build against the server: SSML prompt markup, a PLS lexicon, 8 kHz outputs, then a
    rebuild that sends nothing."""
    import wave

    from narrate.build import build
    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest

    url, state = moto_polly
    state["audio"] = True
    path = tmp_path / "m.yaml"
    path.write_text(json.dumps({
        "version": 1, "providers": {"aws": {"kind": "polly", "base_url": url, "options": {"engine": "neural"}}},
        "lexicon": {"Nguyen": {"say": "win", "ipa": "wɪn"}},
        "libraries": {"ivr": {"output": "out", "formats": ["wav"], "languages": {"en-US": {"voice": "Joanna",
                                                                                        "provider": "aws"}},
                              "prompts": {"hello": {"en-US": "Ask Nguyen."},
                                          "code": {"en-US": 'Your code is <say-as interpret-as="digits">42</say-as>.'},
                                          "bye": {"en-US": "Goodbye."}}}}}, ensure_ascii=False), encoding="utf-8")
    cache = SegmentCache(tmp_path / "cache")
    try:
        report = build(load_manifest(path), cache)
        assert report.errors == [] and report.synthesized == 3
        again = build(load_manifest(path), cache)
        assert again.synthesized == 0 and again.cached == 3
    finally:
        cache.close()
    texts = sorted((s["Text"], s["TextType"], tuple(s.get("LexiconNames", ()))) for s in state["speech"])
    assert [(t, k) for t, k, _ in texts] == [("<speak>Your code is <say-as interpret-as=\"digits\">42</say-as>.</speak>",
                                              "ssml"), ("Ask Nguyen.", "text"), ("Goodbye.", "text")]
    assert [bool(names) for _, _, names in texts] == [False, True, False]
    assert all(s["Engine"] == "neural" and s["SampleRate"] == "8000" for s in state["speech"])
    with wave.open(str(tmp_path / "out" / "en_US" / "hello.wav")) as w:
        assert (w.getframerate(), w.getsampwidth()) == (8000, 2) and w.getnframes() > 4000
