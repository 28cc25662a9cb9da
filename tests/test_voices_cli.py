"""`narrate voices` (issue 15 item 4): a header, --provider, --language prefixes (`es` matches es-US and
es-419; `es-US` now finds something), gender and styles where the provider says, --sample writing one
WAV per listed voice; REST providers list through their voice endpoints (MockTransport)."""

from __future__ import annotations

import json
import wave

import httpx
import pytest
from click.testing import CliRunner

from conftest import assert_clean_failure, narrate_in, snapshot
from narrate.cli import main
from narrate.cli.tools import filter_voices, language_matches
from narrate.providers.base import ProviderConfig, VoiceInfo
from narrate.providers.registry import create_provider
from test_providers_support import KEY, Script, audio_response, raw_pcm

HEADER = "VOICE"


@pytest.mark.parametrize("languages,prefix,expected", [
    (("es-US",), "es", True), (("es-419",), "es", True), (("es",), "es", True), (("es-US",), "es-US", True),
    (("es-us",), "ES_US", True), (("es-419",), "es-US", False), (("eo",), "e", False), (("en-US",), "es", False),
    (("en-IN", "hi-IN"), "hi", True)])
def test_language_prefix_matching(languages, prefix, expected):
    assert language_matches(languages, prefix) is expected


def test_a_region_no_voice_has_falls_back_to_the_language():
    voices = [VoiceInfo("roa/es", ("es",)), VoiceInfo("roa/es-419", ("es-419",)), VoiceInfo("gmw/en", ("en",))]
    assert filter_voices(voices, "es-US") == (voices[:2], "es")
    assert filter_voices(voices, "es-419") == ([voices[1]], "es-419")
    assert filter_voices(voices, "de") == ([], "de")
    assert filter_voices(voices, None) == (voices, None)


def test_cli_lists_with_a_header_and_language_prefix():
    pytest.importorskip("espeakng_loader")
    done = narrate_in("voices", "--language", "es")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["VOICE", "LANGUAGES", "GENDER", "STYLES", "/", "DESCRIPTION"]
    names = {line.split()[0] for line in lines[1:]}
    assert {"roa/es", "roa/es-419"} <= names and "gmw/en-US" not in names


def test_cli_language_with_region_no_longer_returns_nothing():
    pytest.importorskip("espeakng_loader")
    done = narrate_in("voices", "--language", "es-US")
    assert done.returncode == 0, done.stderr
    names = {line.split()[0] for line in done.stdout.splitlines()[1:]}
    assert {"roa/es", "roa/es-419"} <= names
    assert "no espeak voice for es-US; voices for es:" in done.stderr


def test_cli_no_voice_is_exit_1():
    pytest.importorskip("espeakng_loader")
    done = narrate_in("voices", "--language", "xx-YY")
    assert done.returncode == 1 and done.stderr.splitlines() == ["no espeak voices for xx-YY"]  # no "voices for xx:"


def test_cli_sample_writes_one_wav_per_listed_voice(tmp_path):
    pytest.importorskip("espeakng_loader")
    out = tmp_path / "samples"
    done = narrate_in("voices", "--language", "es-419", "--sample", "Hola, bienvenidos.", "--out", str(out))
    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.splitlines()[1:]]
    assert listed == ["roa/es-419"]
    files = sorted(p.name for p in out.iterdir())
    assert files == ["roa_es-419.wav"]
    with wave.open(str(out / files[0])) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        assert 0.5 < w.getnframes() / w.getframerate() < 5
    assert f"wrote {out / 'roa_es-419.wav'}" in done.stderr


def test_cli_sample_folder_relative_to_the_working_folder(tmp_path):
    """`--out samples` wrote into samples/samples/ (the relative folder counted twice)."""
    pytest.importorskip("espeakng_loader")
    done = narrate_in("voices", "--language", "es-419", "--sample", "Hola.", "--out", "samples", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["roa_es-419.wav"]


@pytest.mark.parametrize("text", ["", "x" * 301])
def test_cli_sample_text_is_bounded(tmp_path, text):
    before = snapshot(tmp_path)
    done = narrate_in("voices", "--sample", text, "--out", str(tmp_path / "s"))
    assert_clean_failure(done, 2, "--sample takes 1 to 300 characters of text")
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------ REST voice endpoints (MockTransport)


def test_google_lists_voices_from_its_endpoint(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    script = Script([httpx.Response(200, json={"voices": [
        {"name": "es-US-Neural2-A", "languageCodes": ["es-US"], "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000},
        {"name": "en-US-Neural2-D", "languageCodes": ["en-US"], "ssmlGender": "MALE"}]})])
    voices = create_provider(ProviderConfig("g", "google"), transport=script.transport).voices()
    req = script.requests[0]
    assert (req.method, str(req.url)) == ("GET", "https://texttospeech.googleapis.com/v1/voices")
    assert req.headers["x-goog-api-key"] == KEY
    assert voices == [VoiceInfo("es-US-Neural2-A", ("es-US",), "female", "24000 Hz"),
                      VoiceInfo("en-US-Neural2-D", ("en-US",), "male", "")]


def test_azure_lists_voices_with_styles(monkeypatch):
    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")
    script = Script([httpx.Response(200, json=[
        {"Name": "Microsoft Server Speech Text to Speech Voice (es-MX, DaliaNeural)", "ShortName": "es-MX-DaliaNeural",
         "Gender": "Female", "Locale": "es-MX", "LocaleName": "Spanish (Mexico)", "VoiceType": "Neural",
         "StyleList": ["cheerful", "sad"]},
        {"ShortName": "en-US-AvaMultilingualNeural", "Gender": "Female", "Locale": "en-US",
         "SecondaryLocaleList": ["es-ES", "fr-FR"], "VoiceType": "Neural"}])])
    voices = create_provider(ProviderConfig("a", "azure"), transport=script.transport).voices()
    req = script.requests[0]
    assert str(req.url) == "https://westeurope.tts.speech.microsoft.com/cognitiveservices/voices/list"
    assert req.method == "GET" and req.headers["ocp-apim-subscription-key"] == KEY
    assert voices == [VoiceInfo("es-MX-DaliaNeural", ("es-MX",), "female", "Spanish (Mexico) Neural", ("cheerful", "sad")),
                      VoiceInfo("en-US-AvaMultilingualNeural", ("en-US", "es-ES", "fr-FR"), "female", "Neural")]


def test_elevenlabs_lists_the_accounts_voices(monkeypatch):
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
    script = Script([httpx.Response(200, json={"voices": [
        {"voice_id": "21m00Tcm4TlvDq8ikWAM", "name": "Rachel", "category": "premade",
         "labels": {"accent": "american", "gender": "female", "use_case": "narration"},
         "verified_languages": [{"language": "en", "locale": "en-US", "model_id": "eleven_multilingual_v2"},
                                {"language": "es", "model_id": "eleven_multilingual_v2"}]},
        {"voice_id": "AZnzlk1XvdvUeBnXmlld", "name": "Domi", "labels": {}}]})])
    voices = create_provider(ProviderConfig("e", "elevenlabs"), transport=script.transport).voices()
    req = script.requests[0]
    assert (req.method, str(req.url), req.headers["xi-api-key"]) == ("GET", "https://api.elevenlabs.io/v1/voices", KEY)
    assert voices == [VoiceInfo("21m00Tcm4TlvDq8ikWAM", ("en-US", "es"), "female", "Rachel, american, narration"),
                      VoiceInfo("AZnzlk1XvdvUeBnXmlld", ("multilingual",), None, "Domi")]


def test_cli_lists_and_samples_a_rest_provider(monkeypatch, tmp_path):
    """The CLI over Google's voice list and synthesis (in process, MockTransport): prefix filter, gender, one WAV."""
    import base64

    from narrate.providers import registry
    from test_providers_support import wav_pcm

    monkeypatch.setenv("GOOGLE_API_KEY", KEY)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/voices":
            return httpx.Response(200, json={"voices": [
                {"name": "es-US-Neural2-A", "languageCodes": ["es-US"], "ssmlGender": "FEMALE"},
                {"name": "es-419-Test-B", "languageCodes": ["es-419"], "ssmlGender": "MALE"},
                {"name": "en-US-Neural2-D", "languageCodes": ["en-US"], "ssmlGender": "MALE"}]})
        body = json.loads(request.content)
        assert body["input"] == {"text": "Hola."} and body["voice"]["name"].startswith("es-")
        return httpx.Response(200, json={"audioContent": base64.b64encode(wav_pcm()).decode()})

    real = registry.create_provider
    monkeypatch.setattr(registry, "create_provider",
                        lambda cfg, transport=None: real(cfg, transport=httpx.MockTransport(handler)))
    out = tmp_path / "samples"
    result = CliRunner().invoke(main, ["voices", "--provider", "google", "--language", "es", "--sample", "Hola.",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0][0] == HEADER
    assert rows[1:] == [["es-419-Test-B", "es-419", "male"], ["es-US-Neural2-A", "es-US", "female"]]
    assert sorted(p.name for p in out.iterdir()) == ["es-419-Test-B.wav", "es-US-Neural2-A.wav"]


@pytest.mark.parametrize("kind,variable,path,status", [
    ("google", "GOOGLE_API_KEY", "/v1/voices", 401), ("azure", "AZURE_SPEECH_KEY", "/cognitiveservices/voices/list", 403),
    ("elevenlabs", "ELEVENLABS_API_KEY", "/v1/voices", 500)])
def test_cli_a_failing_voice_list_names_the_provider_and_a_refused_keys_variable(monkeypatch, kind, variable, path,
                                                                                  status):
    from narrate.providers import registry

    monkeypatch.setenv(variable, KEY)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)  # the key echoed back: it must still not be shown
        return httpx.Response(status, json={"error": {"message": f"no: {KEY}"}})

    real = registry.create_provider
    monkeypatch.setattr(registry, "create_provider",
                        lambda cfg, transport=None: real(cfg, transport=httpx.MockTransport(handler)))
    done = narrate_in("voices", "--provider", kind, "--sample", "Hello.")
    assert done.returncode == 1 and KEY not in done.stdout + done.stderr, done.stderr
    check = f"; check {variable}" if status < 500 else ""
    assert f"error: provider {kind}: listing voices: HTTP {status}: no: REDACTED" in done.stderr
    assert check in done.stderr and (status >= 500 or len(seen) == 1) and set(seen) == {path}, (done.stderr, seen)


def test_cli_a_refused_sample_stops_at_the_first_voice_and_names_the_variable(monkeypatch, tmp_path):
    from narrate.providers import registry

    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    synth = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/voices":
            return httpx.Response(200, json={"voices": [{"name": f"en-US-Test-{c}", "languageCodes": ["en-US"]}
                                                        for c in "ABCD"]})
        synth.append(request)
        return httpx.Response(403, json={"error": {"message": "billing disabled", "status": "PERMISSION_DENIED"}})

    real = registry.create_provider
    monkeypatch.setattr(registry, "create_provider",
                        lambda cfg, transport=None: real(cfg, transport=httpx.MockTransport(handler)))
    done = narrate_in("voices", "--provider", "google", "--sample", "Hello.", "--out", str(tmp_path / "s"))
    assert done.returncode == 1 and len(synth) == 1, (done.stderr, len(synth))
    assert ("error: provider google: sample of voice en-US-Test-A: HTTP 403 PERMISSION_DENIED: billing disabled; "
            "check GOOGLE_API_KEY") in done.stderr, done.stderr


def test_cli_rest_provider_without_a_key_is_a_clean_error():
    done = narrate_in("voices", "--provider", "elevenlabs")
    assert_clean_failure(done, 2, "provider elevenlabs: no API key: set ELEVENLABS_API_KEY")


def test_polly_voices_through_the_cli(monkeypatch, tmp_path):
    pytest.importorskip("botocore")
    from narrate.providers import registry

    for name, value in {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret-example-123",
                        "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                        "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(name, value)
    page = {"Voices": [{"Id": "Lupe", "Gender": "Female", "LanguageCode": "es-US", "LanguageName": "US Spanish",
                        "SupportedEngines": ["neural", "standard"]},
                       {"Id": "Joanna", "Gender": "Female", "LanguageCode": "en-US", "LanguageName": "US English",
                        "SupportedEngines": ["neural"]}]}
    script = Script([httpx.Response(200, json=page), audio_response(raw_pcm(16000), "audio/pcm")])
    real = registry.create_provider
    monkeypatch.setattr(registry, "create_provider", lambda cfg, transport=None: real(cfg, transport=script.transport))
    result = CliRunner().invoke(main, ["voices", "--provider", "polly", "--language", "es"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].split() == ["Lupe", "es-US", "female", "US", "Spanish;", "engines:",
                                                     "neural,", "standard"]
    assert len(result.stdout.splitlines()) == 2


def test_cli_takes_the_provider_from_a_manifest(tmp_path):
    """--manifest: a provider name of the manifest (here an OpenAI-compatible local server, which needs no key)."""
    path = tmp_path / "m.yaml"
    path.write_text("version: 1\nproviders:\n  local: {kind: openai, base_url: 'http://127.0.0.1:9/v1'}\n"
                    "libraries:\n  shop:\n    output: out\n    formats: [wav]\n"
                    "    languages: {en-US: {voice: alloy, provider: local}}\n"
                    "    prompts:\n      hi: Hello.\n")
    done = narrate_in("voices", "--manifest", str(path), "--provider", "local")
    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines()[1:]]
    assert len(names) == 13 and names[0] == "alloy" and "cedar" in names


def test_cli_columns_stay_apart_when_a_voice_lists_many_languages():
    pytest.importorskip("espeakng_loader")
    done = narrate_in("voices", "--language", "en-GB")
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    gender_at = header.index("GENDER")
    assert rows and all(row[gender_at - 1] == " " and row[gender_at:].split()[0] in ("male", "female", "-")
                        for row in rows), done.stdout
