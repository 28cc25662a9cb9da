"""One lexicon compiled per provider (issue 15 item 3): phonetic forms (ipa, x-sampa) beside respellings;
the exact request each provider receives; and, for every provider, changing one rule re-synthesizes
only the segments that contain its term."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET

import httpx
import pytest

from conftest import assert_clean_failure, narrate_in
from narrate.errors import ManifestError
from narrate.manifest import load_manifest
from narrate.plan import plan_manifest
from narrate.providers.base import ProviderConfig
from narrate.providers.registry import create_provider
from narrate.text import Lexicon
from narrate.text.lexicon_compile import alphabets_for, inline_phonemes, lexicon_mode
from test_providers_support import KEY, Script, audio_response, google_json, raw_mulaw, raw_pcm, wav_mulaw

LEXICON = {
    "Nguyen": {"say": "win", "ipa": "wɪn"},
    "SQL": {"say": "sequel", "x-sampa": '"si:kw@l', "case_sensitive": True},
    "PPO": "P P O",
}
# formats [wav]: every output is 8 kHz, so segments are telephony requests (G.711 / 8 kHz PCM).
PROMPTS = {"ask": "Ask Nguyen about the order.", "report": "Your SQL report is ready.",
           "plan": "Your PPO plan is active.", "bye": "Goodbye."}
VOICES = {"espeak": "en-us", "openai": "alloy", "deepgram": "aura-2-thalia-en", "elevenlabs": "21m00Tcm4TlvDq8ikWAM",
          "google": "en-US-Neural2-F", "azure": "en-US-AvaNeural", "polly": "Joanna"}
MODES = {"espeak": "respell", "openai": "respell", "deepgram": "respell", "elevenlabs": "respell",
         "google": "custom-pronunciations", "azure": "ssml-phoneme", "polly": "pls"}


@pytest.fixture(autouse=True)
def keys(monkeypatch, tmp_path):
    for var in ("OPENAI_API_KEY", "DEEPGRAM_API_KEY", "ELEVENLABS_API_KEY", "GOOGLE_API_KEY", "AZURE_SPEECH_KEY"):
        monkeypatch.setenv(var, KEY)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-example-123")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


def manifest_text(kind: str, lexicon: dict, options: dict | None = None) -> str:
    provider = {"kind": kind, **({"options": options} if options else {})}
    data = {"version": 1, "providers": {"p": provider}, "lexicon": lexicon,
            "libraries": {"shop": {"output": "out", "formats": ["wav"],
                                   "languages": {"en-US": {"voice": VOICES[kind], "provider": "p"}},
                                   "prompts": {name: {"en-US": text} for name, text in PROMPTS.items()}}}}
    return json.dumps(data, ensure_ascii=False)  # JSON is YAML


def plan_for(tmp_path, kind: str, lexicon: dict, transport=None, options: dict | None = None):
    if kind == "polly":
        pytest.importorskip("botocore")
    path = tmp_path / f"{kind}-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(manifest_text(kind, lexicon, options), encoding="utf-8")
    manifest = load_manifest(path)
    provider = create_provider(manifest.provider_config("p"), transport=transport)
    plan = plan_manifest(manifest, {"p": provider}, Lexicon.from_mapping(lexicon, source="lex"))
    jobs = {job.name: job for job in plan.jobs}
    return provider, plan, jobs


def keys_by_prompt(jobs) -> dict[str, tuple[str, ...]]:
    return {name: job.segments for name, job in jobs.items()}


# ------------------------------------------------------------------------------------------ parsing


def test_rules_carry_phonetic_forms_and_respellings():
    lex = Lexicon.from_mapping({"Nguyen": {"ipa": "wɪn"}, "SQL": {"say": "sequel", "x-sampa": '"si:kw@l'}},
                               source="lex")
    rules = {r.term: r for r in lex.rules}
    assert (rules["Nguyen"].replacement, rules["Nguyen"].ipa, rules["Nguyen"].xsampa) == ("Nguyen", "wɪn", None)
    assert (rules["SQL"].replacement, rules["SQL"].ipa, rules["SQL"].xsampa) == ("sequel", None, '"si:kw@l')
    text = "Ask Nguyen about sql."
    assert lex.apply(text, "en-US") == "Ask Nguyen about sequel."
    assert lex.apply(text, "en-US", keep=("ipa", "x-sampa")) == "Ask Nguyen about sql."
    assert lex.apply(text, "en-US", keep=("ipa",)) == "Ask Nguyen about sequel."  # no IPA for SQL: respelled
    assert lex.phonetic_entries(text, "en-US", ("ipa", "x-sampa")) == (("Nguyen", "ipa", "wɪn"),
                                                                       ("sql", "x-sampa", '"si:kw@l'))
    assert lex.phonetic_entries("Goodbye.", "en-US", ("ipa",)) == ()


def test_inline_phonemes_wraps_terms_in_plain_text_and_markup():
    lex = Lexicon.from_mapping(LEXICON, source="lex")
    assert inline_phonemes("Ask Nguyen & co.", "en-US", lex, ("ipa",)) == \
        'Ask <phoneme alphabet="ipa" ph="wɪn">Nguyen</phoneme> &amp; co.'
    marked = 'Call <say-as interpret-as="digits">42</say-as> for Nguyen.<break time="300ms"/>'
    assert inline_phonemes(marked, "en-US", lex, ("ipa",)) == (
        'Call <say-as interpret-as="digits">42</say-as> for <phoneme alphabet="ipa" ph="wɪn">Nguyen</phoneme>.'
        '<break time="300ms"/>')
    assert inline_phonemes("Goodbye.", "en-US", lex, ("ipa",)) == "Goodbye."


@pytest.mark.parametrize("kind,mode", sorted(MODES.items()))
def test_each_provider_declares_its_mechanism(kind, mode):
    if kind == "polly":
        pytest.importorskip("botocore")
    provider = create_provider(ProviderConfig("p", kind))
    assert lexicon_mode(provider) == mode
    flash = create_provider(ProviderConfig("p", "elevenlabs", options={"model": "eleven_flash_v2"}))
    assert lexicon_mode(flash) == "dictionary" and alphabets_for(flash) == ("ipa",)


def test_manifest_rules_are_checked_with_their_key_path(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(manifest_text("openai", {"Nguyen": {"case_sensitive": True}, "SQL": {"ipa": "  "},
                                             "PPO": {"x-sampa": "<b>"}}))
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    text = str(info.value)
    assert "lexicon.Nguyen: a rule needs say, ipa or x-sampa" in text
    assert "lexicon.SQL.ipa: a phonetic form is a non-empty string without < or >" in text
    assert "lexicon.PPO.x-sampa: a phonetic form is a non-empty string without < or >" in text
    done = narrate_in("validate", str(path))
    assert_clean_failure(done, 2, "lexicon.Nguyen: a rule needs say, ipa or x-sampa")


# ------------------------------------------------------------------- the exact request per provider


def test_polly_pls_lexicon(tmp_path):
    script = Script([httpx.Response(200, json={}), audio_response(raw_pcm(8000), "audio/pcm")])  # 8 kHz outputs
    provider, plan, jobs = plan_for(tmp_path, "polly", LEXICON, script.transport)
    segment = plan.segments[jobs["ask"].segments[0]]
    assert segment.request.text == "Ask Nguyen about the order."
    assert segment.request.lexicon == (("Nguyen", "ipa", "wɪn"),)
    provider.synthesize(segment.request)
    put, speech = script.requests
    name = str(put.url).rsplit("/", 1)[1]
    assert put.method == "PUT" and json.loads(put.content)["Content"].count("<lexeme>") == 1
    assert "<grapheme>Nguyen</grapheme><phoneme>wɪn</phoneme>" in json.loads(put.content)["Content"]
    assert json.loads(speech.content) == {"Engine": "standard", "OutputFormat": "pcm", "SampleRate": "8000",
                                          "Text": "Ask Nguyen about the order.", "TextType": "text",
                                          "VoiceId": "Joanna", "LexiconNames": [name]}
    report = plan.segments[jobs["report"].segments[0]].request
    assert report.text == "Your SQL report is ready." and report.lexicon == (("SQL", "x-sampa", '"si:kw@l'),)
    plan_seg = plan.segments[jobs["plan"].segments[0]].request
    assert plan_seg.text == "Your P P O plan is active." and plan_seg.lexicon == ()


def test_azure_ssml_phoneme(tmp_path):
    script = Script([audio_response(raw_mulaw(), "audio/basic")])
    provider, plan, jobs = plan_for(tmp_path, "azure", LEXICON, script.transport)
    segment = plan.segments[jobs["ask"].segments[0]]
    assert segment.request.ssml and segment.request.lexicon == ()
    provider.synthesize(segment.request)
    body = script.requests[0].content.decode()
    assert body == ("<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang=\"en-US\">"
                    "<voice name=\"en-US-AvaNeural\">Ask <phoneme alphabet=\"ipa\" ph=\"wɪn\">Nguyen</phoneme> "
                    "about the order.</voice></speak>")
    ET.fromstring(body)
    report = plan.segments[jobs["report"].segments[0]].request.text
    assert report == 'Your <phoneme alphabet="x-sampa" ph="&quot;si:kw@l">SQL</phoneme> report is ready.'
    assert plan.segments[jobs["plan"].segments[0]].request.text == "Your P P O plan is active."


def test_google_custom_pronunciations(tmp_path):
    reply = httpx.Response(200, content=google_json(wav_mulaw()), headers={"content-type": "application/json"})
    script = Script([reply])
    provider, plan, jobs = plan_for(tmp_path, "google", LEXICON, script.transport)
    provider.synthesize(plan.segments[jobs["ask"].segments[0]].request)
    body = json.loads(script.requests[0].content)
    assert body["input"] == {"text": "Ask Nguyen about the order.", "customPronunciations": {"pronunciations": [
        {"phrase": "Nguyen", "phoneticEncoding": "PHONETIC_ENCODING_IPA", "pronunciation": "wɪn"}]}}
    report = provider.body(plan.segments[jobs["report"].segments[0]].request)
    assert report["input"]["customPronunciations"]["pronunciations"] == [
        {"phrase": "SQL", "phoneticEncoding": "PHONETIC_ENCODING_X_SAMPA", "pronunciation": '"si:kw@l'}]
    assert provider.body(plan.segments[jobs["bye"].segments[0]].request)["input"] == {"text": "Goodbye."}


def test_elevenlabs_dictionary_on_phoneme_models(tmp_path):
    listing = httpx.Response(200, json={"pronunciation_dictionaries": [], "has_more": False})
    added = httpx.Response(200, json={"id": "dict123", "version_id": "ver456", "name": "x"})
    script = Script([listing, added, audio_response(raw_mulaw()), audio_response(raw_mulaw())])
    provider, plan, jobs = plan_for(tmp_path, "elevenlabs", LEXICON, script.transport,
                                    options={"model": "eleven_flash_v2"})
    request = plan.segments[jobs["ask"].segments[0]].request
    provider.synthesize(request)
    provider.synthesize(request)  # the dictionary is found once per process
    listed, add, speech, again = script.requests
    assert listed.method == "GET" and listed.url.path == "/v1/pronunciation-dictionaries"
    assert add.method == "POST" and add.url.path == "/v1/pronunciation-dictionaries/add-from-file"
    assert add.headers["content-type"].startswith("multipart/form-data; boundary=")
    form = add.content.decode()
    assert 'name="name"\r\n\r\nnarrate-' in form and "<grapheme>Nguyen</grapheme><phoneme>wɪn</phoneme>" in form
    body = json.loads(speech.content)
    assert body["text"] == "Ask Nguyen about the order."
    assert body["pronunciation_dictionary_locators"] == [{"pronunciation_dictionary_id": "dict123",
                                                          "version_id": "ver456"}]
    assert json.loads(again.content) == body
    # X-SAMPA is not an ElevenLabs alphabet: SQL is respelled.
    assert plan.segments[jobs["report"].segments[0]].request.text == "Your sequel report is ready."


def test_elevenlabs_dictionary_already_in_the_account(tmp_path):
    provider, plan, jobs = plan_for(tmp_path, "elevenlabs", LEXICON, None, options={"model": "eleven_turbo_v2"})
    request = plan.segments[jobs["ask"].segments[0]].request
    name = provider.dictionaries  # find the content-addressed name the store will look for
    from narrate.providers.pls import digest_name, pls_document

    wanted = digest_name("narrate-", pls_document("en-US", "ipa", [("Nguyen", "wɪn")]), 24)
    listing = httpx.Response(200, json={"pronunciation_dictionaries": [
        {"id": "old1", "latest_version_id": "v1", "name": "something else"},
        {"id": "d9", "latest_version_id": "v9", "name": wanted}], "has_more": False})
    script = Script([listing, audio_response(raw_mulaw())])
    provider = create_provider(ProviderConfig("p", "elevenlabs", options={"model": "eleven_turbo_v2"}),
                               transport=script.transport)
    provider.synthesize(request)
    assert name is not None and [r.method for r in script.requests] == ["GET", "POST"]
    assert json.loads(script.requests[1].content)["pronunciation_dictionary_locators"] == [
        {"pronunciation_dictionary_id": "d9", "version_id": "v9"}]


@pytest.mark.parametrize("kind", ["openai", "deepgram", "elevenlabs", "espeak"])
def test_respelling_providers_hear_the_respelling(tmp_path, kind):
    if kind == "espeak":
        pytest.importorskip("espeakng_loader")
    replies = {"openai": audio_response(raw_pcm(24000)), "deepgram": audio_response(raw_mulaw(), "audio/basic"),
               "elevenlabs": audio_response(raw_mulaw())}
    script = Script([replies.get(kind, audio_response(raw_mulaw()))])
    provider, plan, jobs = plan_for(tmp_path, kind, LEXICON, script.transport)
    requests = {name: plan.segments[job.segments[0]].request for name, job in jobs.items()}
    assert [requests[n].text for n in ("ask", "report", "plan")] == [
        "Ask win about the order.", "Your sequel report is ready.", "Your P P O plan is active."]
    assert all(r.lexicon == () and not r.ssml for r in requests.values())
    if kind != "espeak":
        provider.synthesize(requests["ask"])
        sent = script.requests[0].content.decode()
        assert "Ask win about the order." in sent and "Nguyen" not in sent


# ------------------------------------------- one rule changed: only the segments with its term change


def changed(tmp_path, kind: str, new_rule: dict, options: dict | None = None) -> set[str]:
    _, _, before = plan_for(tmp_path, kind, LEXICON, options=options)
    _, _, after = plan_for(tmp_path, kind, {**LEXICON, **new_rule}, options=options)
    a, b = keys_by_prompt(before), keys_by_prompt(after)
    return {name for name in a if a[name] != b[name]}


KINDS = [("espeak", None), ("openai", None), ("deepgram", None), ("elevenlabs", None),
         ("elevenlabs", {"model": "eleven_flash_v2"}), ("google", None), ("azure", None), ("polly", None)]


@pytest.mark.parametrize("kind,options", KINDS)
def test_changing_one_phonetic_rule_rerenders_only_its_segments(tmp_path, kind, options):
    if kind == "espeak":
        pytest.importorskip("espeakng_loader")
    # A new IPA form (and respelling) for Nguyen: only "ask" holds the term.
    assert changed(tmp_path, kind, {"Nguyen": {"say": "nwen", "ipa": "ŋwiən"}}, options) == {"ask"}
    # A new X-SAMPA form and respelling for SQL: only "report".
    assert changed(tmp_path, kind, {"SQL": {"say": "ess cue ell", "x-sampa": "Es kju: El",
                                            "case_sensitive": True}}, options) == {"report"}
    # A respelling-only rule: only "plan".
    assert changed(tmp_path, kind, {"PPO": "preferred provider"}, options) == {"plan"}


@pytest.mark.parametrize("kind,options,expected", [
    ("polly", None, set()), ("google", None, set()), ("azure", None, set()),
    ("elevenlabs", {"model": "eleven_flash_v2"}, set()),
    ("openai", None, {"ask"}), ("deepgram", None, {"ask"}), ("elevenlabs", None, {"ask"})])
def test_the_compiled_form_is_the_key_material(tmp_path, kind, options, expected):
    """Changing only Nguyen's respelling re-renders nothing where its IPA is what the provider gets."""
    assert changed(tmp_path, kind, {"Nguyen": {"say": "nuh win", "ipa": "wɪn"}}, options) == expected


def test_cli_plan_shows_one_change_for_one_rule(tmp_path):
    pytest.importorskip("espeakng_loader")
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent(manifest_text("espeak", LEXICON)))
    assert narrate_in("-q", "build", str(path)).returncode == 0
    path.write_text(manifest_text("espeak", {**LEXICON, "PPO": "preferred provider"}))
    done = narrate_in("plan", "--json", str(path))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["to_synthesize"] == 1 and result["changed"] == ["shop/en-US/plan"]


@pytest.mark.parametrize("kind,text,entries", [
    ("polly", "Ask Nguyen about the order.", (("Nguyen", "ipa", "wɪn"),)),
    ("google", "Ask Nguyen about the order.", (("Nguyen", "ipa", "wɪn"),)),
    ("azure", "Ask win about the order.", ()),  # chapters are plain text: Azure respells there
    ("openai", "Ask win about the order.", ())])
def test_books_get_the_same_mechanism_out_of_band(tmp_path, kind, text, entries):
    from narrate.plan.books import plan_books

    if kind == "polly":
        pytest.importorskip("botocore")
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "one.md").write_text("# One\n\nAsk Nguyen about the order.\n\nGoodbye.\n")
    path = tmp_path / "m.yaml"
    path.write_text(json.dumps({"version": 1, "providers": {"p": {"kind": kind}}, "lexicon": LEXICON,
                                "books": {"b": {"title": "B", "sources": "ch/*.md", "formats": ["m4b"], "output": "out",
                                                "provider": "p", "voice": VOICES[kind], "language": "en-US"}}},
                               ensure_ascii=False), encoding="utf-8")
    manifest = load_manifest(path)
    provider = create_provider(manifest.provider_config("p"))
    (job,) = plan_books(manifest, {"p": provider}, Lexicon.from_mapping(LEXICON, source="lex"))
    requests = {seg.request.text: seg.request for seg in job.segments.values()}
    assert requests[text].lexicon == entries
    assert requests["Goodbye."].lexicon == ()


@pytest.mark.parametrize("kind,line", [("polly", "Ask Nguyen about the order."), ("openai", "Ask win about the order.")])
def test_cli_text_shows_what_each_provider_is_sent(tmp_path, kind, line):
    if kind == "polly":
        pytest.importorskip("botocore")
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "one.md").write_text("# One\n\nAsk Nguyen about the order.\n")
    path = tmp_path / "m.yaml"
    path.write_text(json.dumps({"version": 1, "providers": {"p": {"kind": kind}}, "lexicon": LEXICON,
                                "books": {"b": {"title": "B", "sources": "ch/*.md", "formats": ["m4b"], "output": "out",
                                                "provider": "p", "voice": VOICES[kind], "language": "en-US"}}},
                               ensure_ascii=False), encoding="utf-8")
    done = narrate_in("text", str(tmp_path / "ch" / "one.md"), "--manifest", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Title: One", "", "One", "", line]
