"""Prompt markup (issue 11, item 3): the SSML subset parsed once, compiled per provider, and what
reaches segment keys, request bodies and rendered files."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest

from conftest import narrate_in, serve_process
from fakes import FakeProvider
from narrate.manifest import load_manifest
from narrate.plan import plan_manifest
from narrate.providers import azure, deepgram, elevenlabs, espeak, google, openai
from narrate.providers.base import ProviderConfig, SynthesisRequest
from narrate.text.markup import PLAIN, Break, Phoneme, Piece, SayAs, Sub, check, compile_pieces, parse, target_of
from test_providers_support import KEY, Script, audio_response, google_json, wav_pcm

TARGETS = {"azure": target_of(azure.AzureProvider), "google": target_of(google.GoogleProvider),
           "espeak": target_of(espeak.EspeakProvider), "openai": target_of(openai.OpenAIProvider)}


def test_parse_builds_the_tree():
    text = ('Call <say-as interpret-as="telephone">555-0100</say-as>,<break time="1.5s"/>'
            '<sub alias="World Wide Web">WWW</sub> &lt;3 AT&T <phoneme alphabet="ipa" ph="t&quot;">to</phoneme>'
            '<break strength="weak"/><break/>')
    assert parse(text) == ("Call ", SayAs("telephone", "555-0100"), ",", Break(1500), Sub("World Wide Web", "WWW"),
                           " <3 AT&T ", Phoneme("ipa", 't"', "to"), Break(500), Break(750))
    assert parse("no markup & no parse") == ("no markup & no parse",)  # without "<" the text is taken as written
    assert parse("Welcome to <Shop>") == ("Welcome to <Shop>",)  # no subset tag: plain text, as before markup
    assert parse('<break time="250ms"/>') == (Break(250),)


def test_capability_flags():
    assert [TARGETS[k].ssml for k in ("azure", "google", "espeak", "openai")] == [True, True, True, False]
    for cls in (openai.OpenAIProvider, deepgram.DeepgramProvider, elevenlabs.ElevenLabsProvider):
        assert cls.accepts_ssml is False and target_of(cls) == PLAIN


# (markup, expected per target: (text, ssml?)). English lowering comes from the normaliser.
CASES = [
    ('Press <say-as interpret-as="digits">2024</say-as> now.', {
        "azure": ('Press <say-as interpret-as="digits">2024</say-as> now.', True),
        "google": ("Press two zero two four now.", False), "espeak": ("Press two zero two four now.", False),
        "openai": ("Press two zero two four now.", False)}),
    ('Code <say-as interpret-as="characters">AB12</say-as>.', {
        "azure": ('Code <say-as interpret-as="characters">AB12</say-as>.', True),
        "google": ('Code <say-as interpret-as="characters">AB12</say-as>.', True),
        "espeak": ('Code <say-as interpret-as="characters">AB12</say-as>.', True),
        "openai": ("Code A B one two.", False)}),
    ('Call <say-as interpret-as="telephone">1-800-555-0199</say-as>.', {
        "azure": ('Call <say-as interpret-as="telephone">1-800-555-0199</say-as>.', True),
        "google": ('Call <say-as interpret-as="telephone">1-800-555-0199</say-as>.', True),
        "espeak": ("Call one, eight zero zero, five five five, zero one nine nine.", False),
        "openai": ("Call one, eight zero zero, five five five, zero one nine nine.", False)}),
    ('<say-as interpret-as="cardinal">1234</say-as> items', {
        "azure": ('<say-as interpret-as="cardinal">1234</say-as> items', True),
        "google": ('<say-as interpret-as="cardinal">1234</say-as> items', True),
        "espeak": ("one thousand two hundred thirty-four items", False),
        "openai": ("one thousand two hundred thirty-four items", False)}),
    ('the <say-as interpret-as="ordinal">3</say-as> floor', {
        "azure": ('the <say-as interpret-as="ordinal">3</say-as> floor', True),
        "google": ('the <say-as interpret-as="ordinal">3</say-as> floor', True),
        "espeak": ("the third floor", False), "openai": ("the third floor", False)}),
    ('on <say-as interpret-as="date">2024-05-01</say-as>', dict.fromkeys(TARGETS, ("on May first, twenty twenty-four", False))),
    ('at <say-as interpret-as="time">14:30</say-as>', dict.fromkeys(TARGETS, ("at two thirty PM", False))),
    ('pay <say-as interpret-as="currency">$12.50</say-as>', dict.fromkeys(TARGETS, ("pay twelve dollars and fifty cents",
                                                                                   False))),
    ('Visit the <sub alias="World Wide Web">WWW</sub>.', {
        "azure": ('Visit the <sub alias="World Wide Web">WWW</sub>.', True),
        "google": ('Visit the <sub alias="World Wide Web">WWW</sub>.', True),
        "espeak": ("Visit the World Wide Web.", False), "openai": ("Visit the World Wide Web.", False)}),
    ('say <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme>', {
        "azure": ('say <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme>', True),
        "google": ('say <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme>', True),
        "espeak": ("say tomato", False), "openai": ("say tomato", False)}),
    # Escaping: text and attribute values that hold & < > " come out escaped, never as markup.
    ('A &amp; B &lt;b&gt; <sub alias="R &amp; D &quot;lab&quot;">R&amp;D</sub>', {
        "azure": ('A &amp; B &lt;b&gt; <sub alias="R &amp; D &quot;lab&quot;">R&amp;D</sub>', True),
        "google": ('A &amp; B &lt;b&gt; <sub alias="R &amp; D &quot;lab&quot;">R&amp;D</sub>', True),
        "espeak": ('A & B <b> R & D "lab"', False), "openai": ('A & B <b> R & D "lab"', False)}),
]


@pytest.mark.parametrize("markup,expected", CASES, ids=[c[0][:30] for c in CASES])
@pytest.mark.parametrize("kind", list(TARGETS))
def test_compiled_per_provider(markup, expected, kind):
    assert compile_pieces(markup, "en-US", TARGETS[kind]) == [Piece(*expected[kind])]


@pytest.mark.parametrize("kind", list(TARGETS))
def test_breaks_cut_pieces_for_every_provider(kind):
    text = ('<break time="1s"/>One.<break time="500ms"/><break strength="x-weak"/>Two '
            '<say-as interpret-as="characters">B</say-as>.<break time="2s"/>')
    second = ('Two <say-as interpret-as="characters">B</say-as>.', True) if kind != "openai" else ("Two B.", False)
    # Leading and trailing breaks are the render settings' lead/trail; consecutive ones add up.
    assert compile_pieces(text, "en-US", TARGETS[kind]) == [Piece("One.", False, 750), Piece(*second, 0)]


def test_lowering_follows_the_language():
    assert compile_pieces('Marque <say-as interpret-as="telephone">555 0100</say-as>', "es-US", PLAIN) == [
        Piece("Marque cinco cinco cinco, cero uno cero cero", False)]
    assert compile_pieces('der <say-as interpret-as="ordinal">3</say-as> Stock', "de-DE", PLAIN) == [
        Piece("der dritte Stock", False)]


def test_an_ssml_body_is_well_formed_xml():
    import xml.etree.ElementTree as ET

    body = compile_pieces('x &lt;/speak&gt; <sub alias="&quot;/&gt;&lt;script&gt;">y</sub> &amp;', "en-US",
                          TARGETS["azure"])[0].text
    root = ET.fromstring(f"<speak>{body}</speak>")  # parses: nothing escaped its attribute or element
    assert [e.tag for e in root] == ["sub"] and root[0].get("alias") == '"/><script>'


# ---- keys ----------------------------------------------------------------------------------------

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out/shop
    formats: [wav]
    languages:
      en-US: {voice: en-us}
    prompts:
      a: 'One.<break time="1s"/>Two.'
      b: 'One.<break time="1000ms"/>Two.'
      c: 'One.<break time="700ms"/>Two.'
      d: 'Visit the <sub alias="World Wide Web">WWW</sub>.'
      e: Visit the World Wide Web.
      f: 'Visit the <sub alias="World Wide Web">W W W</sub>.'
"""


class SsmlFake(FakeProvider):
    accepts_ssml, ssml_say_as, ssml_sub = True, ("characters",), True


@pytest.fixture
def jobs(tmp_path):
    def make(provider):
        (tmp_path / "m.yaml").write_text(MANIFEST)
        plan = plan_manifest(load_manifest(tmp_path / "m.yaml"), {"espeak": provider})
        return plan, {j.name: j for j in plan.jobs}
    return make


def test_keys_hold_the_compiled_form_and_pauses_hold_the_recipe(jobs):
    plan, by = jobs(FakeProvider())
    # Spellings that compile the same share keys and recipes; another pause shares keys, not the recipe.
    assert by["a"].segments == by["b"].segments == by["c"].segments and len(by["a"].segments) == 2
    assert by["a"].pauses == (1000, 0) and by["c"].pauses == (700, 0)
    assert by["a"].recipe == by["b"].recipe != by["c"].recipe
    assert [plan.segments[k].request.text for k in by["a"].segments] == ["One.", "Two."]
    # Lowered: sub -> its alias, the same segment as the plain text; the written text stays the record.
    assert by["d"].segments == by["e"].segments == by["f"].segments
    assert by["d"].record == 'Visit the <sub alias="World Wide Web">WWW</sub>.' and by["d"].text == "Visit the World Wide Web."
    assert not any(s.request.ssml or "<" in s.request.text for s in plan.segments.values())


def test_ssml_providers_key_the_ssml(jobs):
    plan, by = jobs(SsmlFake())
    d, f = (plan.segments[by[n].segments[0]].request for n in ("d", "f"))
    assert (d.text, d.ssml) == ('Visit the <sub alias="World Wide Web">WWW</sub>.', True)
    assert f.text == 'Visit the <sub alias="World Wide Web">W W W</sub>.' and by["d"].segments != by["f"].segments
    assert by["a"].segments == by["b"].segments  # breaks never reach an SSML provider's key either
    assert plan.segments[by["e"].segments[0]].request.ssml is False


def test_a_prompt_without_markup_keeps_its_key(jobs):
    plan, by = jobs(SsmlFake())
    plain_plan, plain = jobs(FakeProvider())
    assert by["e"].segments == plain["e"].segments and by["e"].recipe == plain["e"].recipe and by["e"].pauses == ()


def test_real_providers_flag_ssml_in_their_key_params(monkeypatch):
    req = SynthesisRequest('<say-as interpret-as="characters">AB</say-as>', "", "en-US", ssml=True)
    plain = SynthesisRequest('<say-as interpret-as="characters">AB</say-as>', "", "en-US")
    for provider in (azure.create(ProviderConfig("az", "azure")), google.create(ProviderConfig("g", "google")),
                     espeak.create(ProviderConfig("espeak", "espeak"))):
        assert provider.key_params(req)["markup"] == "ssml" and "markup" not in provider.key_params(plain)


# ---- request bodies ------------------------------------------------------------------------------

def test_google_sends_input_ssml(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    script = Script([httpx.Response(200, content=google_json(wav_pcm()), headers={"content-type": "application/json"})
                     for _ in range(2)])
    provider = google.create(ProviderConfig("g", "google"), transport=script.transport)
    (piece,) = compile_pieces('Call <say-as interpret-as="telephone">555-0100</say-as> &amp; go', "en-US",
                              target_of(provider))
    provider.synthesize(SynthesisRequest(piece.text, "en-US-Neural2-F", "en-US", ssml=piece.ssml))
    provider.synthesize(SynthesisRequest("Tom & <Jerry>", "en-US-Neural2-F", "en-US"))
    bodies = [json.loads(r.content)["input"] for r in script.requests]
    assert bodies == [{"ssml": '<speak>Call <say-as interpret-as="telephone">555-0100</say-as> &amp; go</speak>'},
                      {"text": "Tom & <Jerry>"}]


def test_azure_sends_the_ssml_inside_its_voice(monkeypatch):
    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")
    script = Script([audio_response(wav_pcm(), "audio/x-wav") for _ in range(2)])
    provider = azure.create(ProviderConfig("az", "azure"), transport=script.transport)
    (piece,) = compile_pieces('<sub alias="World Wide Web">WWW</sub> &lt;3', "en-US", target_of(provider))
    provider.synthesize(SynthesisRequest(piece.text, "en-US-AvaMultilingualNeural", "en-US", ssml=True))
    provider.synthesize(SynthesisRequest('<sub alias="x">y</sub>', "en-US-AvaMultilingualNeural", "en-US"))
    first, second = (r.content.decode() for r in script.requests)
    assert first.endswith("<voice name=\"en-US-AvaMultilingualNeural\">"
                          '<sub alias="World Wide Web">WWW</sub> &lt;3</voice></speak>')
    assert second.endswith('<voice name="en-US-AvaMultilingualNeural">&lt;sub alias="x"&gt;y&lt;/sub&gt;</voice></speak>')


def test_espeak_obeys_its_ssml():
    provider = espeak.create(ProviderConfig("espeak", "espeak"))
    spelled = provider.synthesize(SynthesisRequest('<say-as interpret-as="characters">ABC</say-as>', "en-US", "en-US",
                                                   ssml=True))
    read_out = provider.synthesize(SynthesisRequest('<say-as interpret-as="characters">ABC</say-as>', "en-US", "en-US"))
    word = provider.synthesize(SynthesisRequest("ABC", "en-US", "en-US"))
    # SSML mode spells the letters and says no tag; plain mode reads the tag's words aloud (longest).
    durations = [len(r.audio) for r in (word, spelled, read_out)]
    assert durations[0] < durations[1] < durations[2], durations


# ---- rendered silence ----------------------------------------------------------------------------

def zero_runs_ms(path: Path) -> list[float]:
    """Lengths (ms) of the runs of exactly-zero samples in a 16-bit mono WAV, longest first."""
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    zero = np.concatenate([[0], (x == 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(zero))
    return sorted(((edges[1::2] - edges[::2]) * 1000 / rate).tolist(), reverse=True)


PROMPTS = """\
    prompts:
      paused: 'For sales, press one.<break time="1200ms"/>For support, press two.'
      plain: For sales, press one. For support, press two.
"""


def test_cli_build_with_espeak_inserts_the_break(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  ivr:\n    output: out\n    layout: flat\n"
                                     "    formats: [wav]\n    languages:\n      en-US: {voice: en-us}\n" + PROMPTS)
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    paused, plain = (zero_runs_ms(next((tmp_path / "out").rglob(f"{n}.wav"))) for n in ("paused", "plain"))
    print("zero runs ms", paused[:3], plain[:2])
    assert abs(paused[0] - 1200) <= 20, paused[:3]
    assert plain[0] < 600 and paused[1] < 600  # the engine's own pauses are shorter: the break is the one above


@pytest.mark.slow
def test_build_through_serve_as_openai_inserts_the_break(tmp_path):
    pytest.importorskip("uvicorn")
    with serve_process(tmp_path) as url:
        (tmp_path / "m.yaml").write_text(
            f"version: 1\nproviders:\n  local:\n    kind: openai\n    base_url: {url}/v1\n    api_key_env: NO_KEY\n"
            "libraries:\n  ivr:\n    output: out\n    layout: flat\n    provider: local\n    formats: [wav]\n"
            "    languages:\n      en-US: {voice: alloy}\n" + PROMPTS.replace("one.<", 'one <say-as interpret-as="digits">'
                                                                               '12</say-as>.<'))
        done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path, env={"NO_KEY": "local-test-key"})
        assert done.returncode == 0, done.stderr[-3000:]
        runs = zero_runs_ms(next((tmp_path / "out").rglob("paused.wav")))
        assert abs(runs[0] - 1200) <= 20, runs[:3]
        from narrate.serve import text_hash

        billed = httpx.get(url + "/stats").json()["syntheses"]  # sha256(text)[:16] -> answers
        assert set(billed) == {text_hash(t) for t in ("For sales, press one one two.", "For support, press two.",
                                                       "For sales, press one. For support, press two.")}, billed


def test_an_ssml_body_too_long_for_a_request_is_lowered_and_split(tmp_path):
    words = " ".join(["Thank you for calling."] * 6)
    (tmp_path / "m.yaml").write_text(MANIFEST.replace("      a: ", f"      long: '{words} <sub alias=\"W\">X</sub>'\n"
                                                               "      a: "))
    plan = plan_manifest(load_manifest(tmp_path / "m.yaml"), {"espeak": SsmlFake(max_chars=60)})
    job = next(j for j in plan.jobs if j.name == "long")
    requests = [plan.segments[k].request for k in job.segments]
    assert len(requests) > 1 and not any(r.ssml for r in requests) and requests[-1].text.endswith("calling. W")
    assert all(len(r.text) <= 60 for r in requests)


@pytest.mark.parametrize("text,nodes", [
    ("<speak>Hello</speak>", ("Hello",)),
    ('<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">Press '
     '<break time="1s"/> one.</speak>', ("Press ", Break(1000), " one.")),
    (" <speak>Hi</speak>\n", (" Hi\n",)),
])
def test_an_ssml_speak_root_around_the_whole_text_is_taken_off(text, nodes):
    """A prompt copied from Polly or Azure SSML keeps its <speak> root: it said "speak Hello"."""
    assert parse(text) == nodes


@pytest.mark.parametrize("text,reason", [
    ("Hi <speak>there</speak>", "line 1, column 4: <speak> may only wrap the whole text"),
    ("<speak>Hi</speak> there", "line 1, column 18: nothing may follow </speak>"),
    ("<speak><speak>x</speak></speak>", "line 1, column 8: <speak> may only wrap the whole text"),
])
def test_a_speak_element_anywhere_else_is_a_located_error(text, reason):
    assert check(text) == reason
