"""Piper without the extra: voice resolution, keys with the model digests, phoneme input, the missing-extra error.

The model files here are stand-ins (an ONNX-looking first byte and a real-shaped config): nothing in
these tests loads a network, so they run where piper-tts is not installed. test_piper_build.py
speaks with a real voice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate, snapshot
from narrate.errors import ProviderError, VoiceError
from narrate.plan.prompts import KeyMaker
from narrate.providers.base import ProviderConfig, SynthesisRequest
from narrate.providers.piper import PiperProvider, create
from narrate.providers.piper_engine import phoneme_text
from narrate.providers.piper_voices import file_sha256, is_path, list_voices, resolve

CONFIG = {"audio": {"sample_rate": 22050, "quality": "medium"}, "espeak": {"voice": "en-us"},
          "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8}, "phoneme_type": "espeak",
          "phoneme_id_map": {"_": [0], "w": [35], "ɪ": [74], "n": [26], " ": [3], "ˈ": [120], "c": [16],
                             "ç": [40], "̧": [141]},
          "num_speakers": 1, "speaker_id_map": {}, "language": {"code": "en_US"}, "dataset": "fake"}


def fake_voice(folder: Path, name: str = "en_US-fake-medium", config: dict | None = None,
               model: bytes = b"\x08\x07" + bytes(200)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.onnx"
    path.write_bytes(model)
    (folder / f"{name}.onnx.json").write_text(json.dumps(CONFIG if config is None else config), encoding="utf-8")
    return path


# ---------------------------------------------------------------- resolution


def test_a_path_relative_to_the_manifest_folder_resolves_with_its_config(tmp_path):
    model = fake_voice(tmp_path / "voices")
    files = resolve("voices/en_US-fake-medium.onnx", root=tmp_path, voices_dir=None)
    assert (files.name, files.model, files.config) == ("en_US-fake-medium", model, model.with_suffix(".onnx.json"))
    assert (files.sample_rate, files.language, files.phoneme_type, files.num_speakers) == (22050, "en-US", "espeak", 1)
    assert files.source == "path"


def test_a_name_is_found_in_voices_dir_and_its_subfolders(tmp_path):
    model = fake_voice(tmp_path / "piper" / "en" / "en_US" / "fake" / "medium")
    files = resolve("en_US-fake-medium", root=tmp_path, voices_dir=tmp_path / "piper")
    assert files.model == model and files.source == "voices_dir"
    assert [v.name for v in list_voices(tmp_path / "piper")][:1] == ["en_US-fake-medium"]


def test_a_missing_voice_names_where_it_looked_and_suggests_close_names(tmp_path):
    fake_voice(tmp_path / "voices", "de_DE-zebra-low")
    with pytest.raises(VoiceError) as err:
        resolve("de_DE-zebr-low", root=tmp_path, voices_dir=tmp_path / "voices")
    assert err.value.message == (f"no Piper voice 'de_DE-zebr-low' in the voices_dir ({tmp_path / 'voices'}) "
                                 "or an installed voice package")
    assert err.value.hint == "did you mean de_DE-zebra-low?"
    with pytest.raises(VoiceError) as err:
        resolve("voices/nothing.onnx", root=tmp_path, voices_dir=None)
    assert (err.value.message, err.value.hint) == ("Piper model 'voices/nothing.onnx' not found",
                                                   f"no file at {tmp_path / 'voices' / 'nothing.onnx'}")


def test_the_same_name_twice_in_voices_dir_is_ambiguous(tmp_path):
    fake_voice(tmp_path / "voices" / "a")
    fake_voice(tmp_path / "voices" / "b")
    with pytest.raises(VoiceError, match="is in the voices_dir more than once"):
        resolve("en_US-fake-medium", root=tmp_path, voices_dir=tmp_path / "voices")


@pytest.mark.parametrize("voice", ["../elsewhere/en_US-fake-medium.onnx", "{outside}/en_US-fake-medium.onnx",
                                   "../elsewhere/../elsewhere/en_US-fake-medium.onnx"])
def test_a_model_outside_the_manifest_folder_and_voices_dir_is_refused(tmp_path, voice):
    root = tmp_path / "project"
    root.mkdir()
    fake_voice(tmp_path / "elsewhere")
    with pytest.raises(VoiceError, match="is outside the manifest's folder and the voices_dir"):
        resolve(voice.format(outside=tmp_path / "elsewhere"), root=root, voices_dir=None)


def test_a_link_inside_the_folder_that_leads_out_is_refused(tmp_path):
    root = tmp_path / "project"
    (root / "voices").mkdir(parents=True)
    model = fake_voice(tmp_path / "elsewhere")
    (root / "voices" / "en_US-fake-medium.onnx").symlink_to(model)
    (root / "voices" / "en_US-fake-medium.onnx.json").symlink_to(model.with_suffix(".onnx.json"))
    with pytest.raises(VoiceError, match="outside"):
        resolve("voices/en_US-fake-medium.onnx", root=root, voices_dir=None)
    with pytest.raises(VoiceError, match="not a regular file in its folder"):  # found by name, config leads out
        (root / "voices" / "en_US-fake-medium.onnx").unlink()
        (root / "voices" / "en_US-fake-medium.onnx").write_bytes(b"\x08\x07" + bytes(200))
        resolve("en_US-fake-medium", root=root, voices_dir=root / "voices")


def test_a_voices_dir_outside_the_manifest_folder_is_allowed(tmp_path):
    """The provider's voices_dir is the user's own setting: models may live there (~/piper-voices)."""
    model = fake_voice(tmp_path / "shared-voices")
    files = resolve(str(model), root=tmp_path / "project", voices_dir=tmp_path / "shared-voices")
    assert files.model == model


@pytest.mark.parametrize("setup,voice,message", [
    (lambda d: (d / "notes.onnx").write_text("hello, I am text\n" * 10) and fake_config(d, "notes"),
     "notes.onnx", "notes.onnx is not a Piper model (not an ONNX file)"),
    (lambda d: (d / "tiny.onnx").write_bytes(b"\x08") and fake_config(d, "tiny"),
     "tiny.onnx", "tiny.onnx is not a Piper model (not an ONNX file)"),
    (lambda d: (d / "folder.onnx").mkdir(), "folder.onnx", "folder.onnx is not a Piper model (a regular .onnx file)"),
    (lambda d: (d / "alone.onnx").write_bytes(b"\x08\x07" + bytes(200)), "alone.onnx",
     "Piper model alone.onnx has no config beside it (alone.onnx.json)"),
    (lambda d: fake_voice(d, "badjson") and (d / "badjson.onnx.json").write_text("{not json"), "badjson.onnx",
     "the config of Piper model badjson.onnx is not valid JSON (JSONDecodeError)"),
    (lambda d: fake_voice(d, "list", config=[1, 2]), "list.onnx", "the config of Piper model list.onnx is not a JSON object"),
    (lambda d: fake_voice(d, "norate", config={**CONFIG, "audio": {"sample_rate": "fast"}}), "norate.onnx",
     "the config of Piper model norate.onnx has no plausible audio.sample_rate"),
    (lambda d: fake_voice(d, "huge", config={**CONFIG, "audio": {"sample_rate": 10**9}}), "huge.onnx",
     "the config of Piper model huge.onnx has no plausible audio.sample_rate"),
    (lambda d: fake_voice(d, "nomap", config={**CONFIG, "phoneme_id_map": {}}), "nomap.onnx",
     "the config of Piper model nomap.onnx has no phoneme_id_map"),
    (lambda d: None, "en US joe", "'en US joe' is not a Piper voice name or model path"),
])
def test_files_that_are_not_a_voice_are_refused_with_one_line(tmp_path, setup, voice, message):
    setup(tmp_path)
    with pytest.raises(VoiceError) as err:
        resolve(voice, root=tmp_path, voices_dir=None)
    assert err.value.message == message


def fake_config(folder: Path, name: str) -> Path:
    path = folder / f"{name}.onnx.json"
    path.write_text(json.dumps(CONFIG), encoding="utf-8")
    return path


def test_a_huge_config_is_not_read(tmp_path):
    fake_voice(tmp_path, "big")
    (tmp_path / "big.onnx.json").write_bytes(b" " * ((1 << 20) + 1))
    with pytest.raises(VoiceError, match="is over 1 MiB"):
        resolve("big.onnx", root=tmp_path, voices_dir=None)


def test_what_is_a_path():
    assert [is_path(v) for v in ("en_US-joe-medium", "voices/x.onnx", "x.onnx", "X.ONNX", "a\\b")] == \
        [False, True, True, True, True]


# ---------------------------------------------------------------- keys


def provider(tmp_path: Path, **options) -> PiperProvider:
    p = PiperProvider(ProviderConfig(name="local", kind="piper", options=options, root=str(tmp_path)))
    p._contract = "piper-test/1"  # the real one names the installed piper-tts and onnxruntime
    return p


def test_key_holds_both_digests_and_changes_with_the_model_or_its_config(tmp_path):
    model = fake_voice(tmp_path / "voices")
    request = SynthesisRequest(text="Thank you for calling.", voice="en_US-fake-medium", language="en-US")
    keys = lambda: KeyMaker().key(provider(tmp_path, voices_dir="voices"), request)  # noqa: E731
    params = provider(tmp_path, voices_dir="voices").key_params(request)
    assert params == {"rate": 22050, "encoding": "pcm_s16le", "speed": 1.0, "model_sha256": file_sha256(model),
                      "config_sha256": file_sha256(model.with_suffix(".onnx.json"))}
    first = keys()
    assert keys() == first
    model.write_bytes(b"\x08\x07" + bytes(201))  # a retrained or replaced model
    second = keys()
    assert second != first
    config = json.loads(model.with_suffix(".onnx.json").read_text())
    config["inference"]["noise_scale"] = 0.5
    model.with_suffix(".onnx.json").write_text(json.dumps(config))
    assert keys() not in (first, second)


def test_key_does_not_hold_the_model_path(tmp_path):
    """Moving the voices folder (and pointing voices_dir at it) costs nothing."""
    fake_voice(tmp_path / "a")
    request = SynthesisRequest(text="Hello.", voice="en_US-fake-medium", language="en-US")
    one = KeyMaker().key(provider(tmp_path, voices_dir="a"), request)
    (tmp_path / "a").rename(tmp_path / "b")
    assert KeyMaker().key(provider(tmp_path, voices_dir="b"), request) == one


def test_speaker_option_of_a_multi_speaker_voice(tmp_path):
    fake_voice(tmp_path, "multi", config={**CONFIG, "num_speakers": 3, "speaker_id_map": {"p1": 0, "p2": 1, "p3": 2}})
    p = provider(tmp_path)
    request = SynthesisRequest(text="Hi.", voice="multi.onnx", language="en-US", options=(("speaker", "p2"),))
    assert p.key_params(request)["speaker"] == 1
    bad = SynthesisRequest(text="Hi.", voice="multi.onnx", language="en-US", options=(("speaker", "p9"),))
    assert p.key_params(bad)["unresolved_voice"] == "Piper voice multi has no speaker 'p9'"
    with pytest.raises(ProviderError, match="has no speaker 'p9'"):
        p.synthesize(bad)


def test_check_voice_reports_language_and_missing_voices(tmp_path):
    fake_voice(tmp_path / "voices")
    p = provider(tmp_path, voices_dir="voices")
    assert p.check_voice("en_US-fake-medium", "en-US") is None
    assert p.check_voice("en_US-fake-medium", "es-US") == "en_US-fake-medium is a en-US voice, not es-US"
    assert p.check_voice("nobody", "en-US").startswith("no Piper voice 'nobody' in the voices_dir")
    assert provider(tmp_path, voices_dir="nope").check_voice("en_US-fake-medium", "en-US") == \
        f"providers.local.options.voices_dir '{tmp_path / 'nope'}' is not a folder"


# ---------------------------------------------------------------- phoneme input


MAP = CONFIG["phoneme_id_map"]


def test_lexicon_ipa_becomes_a_phoneme_block_for_the_term_only():
    lexicon = (("Nguyen", "ipa", "wˈɪn"),)
    assert phoneme_text("Ask Nguyen, not Nguyenx.", lexicon, MAP, True) == "Ask [[ wˈɪn ]], not Nguyenx."
    assert phoneme_text("Ask Nguyen.", lexicon, MAP, False) == "Ask Nguyen."  # a voice not phonemized by eSpeak
    assert phoneme_text("Ask Nguyen.", (("Nguyen", "x-sampa", "w I n"),), MAP, True) == "Ask Nguyen."


def test_text_cannot_smuggle_phonemes():
    assert phoneme_text("Press [[ wɪn ]] now", (), MAP, True) == "Press [ [ wɪn ] ] now"


def test_a_symbol_the_voice_lacks_is_an_error_not_a_silent_drop():
    with pytest.raises(ProviderError, match=r"no phoneme 'ʀ' \(U\+0280\) in the IPA form 'ʀɪn' of the lexicon term 'Rin'"):
        phoneme_text("Rin", (("Rin", "ipa", "ʀɪn"),), MAP, True)


def test_a_composed_symbol_is_tried_decomposed():
    no_composed = {k: v for k, v in MAP.items() if k != "ç"}
    assert phoneme_text("Fac", (("Fac", "ipa", "ç"),), no_composed, True) == "[[ ç ]]".replace("ç", "c\u0327")


# ---------------------------------------------------------------- the extra


def test_create_names_the_extra_when_it_is_missing(monkeypatch):
    from narrate.errors import UsageError
    from narrate.providers import piper

    monkeypatch.setattr(piper, "missing_extra", lambda: "piper")
    with pytest.raises(UsageError) as err:
        create(ProviderConfig(name="local", kind="piper"))
    assert str(err.value) == ("provider local: Piper needs the `piper` extra (piper is not installed) "
                              "(hint: pip install 'narrate-build[piper]')")


BLOCKER = """\
import importlib.abc, sys
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("piper", "onnxruntime"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, _Block())
"""


def test_validate_without_the_extra_exits_2_naming_it(tmp_path):
    """Where piper-tts is not installed (simulated here, so the test runs everywhere)."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(BLOCKER)
    manifest = tmp_path / "ivr.yaml"
    manifest.write_text("version: 1\nproviders:\n  local: {kind: piper}\ndefaults: {provider: local, voice: en_US-joe-medium}\n"
                        "libraries:\n  main:\n    output: out\n    formats: [ulaw]\n    languages: {en-US: {}}\n"
                        "    prompts:\n      hi: Hello.\n")
    before = snapshot(tmp_path)
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")])),
           "PYTHONDONTWRITEBYTECODE": "1"}
    for command in ("validate", "build"):
        done = narrate(command, str(manifest), env=env)
        assert_clean_failure(done, 2, "provider local: Piper needs the `piper` extra",
                             "pip install 'narrate-build[piper]'")
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------- the lexicon, compiled for Piper (item 3)

LEXICON = {"Nguyen": {"say": "win", "ipa": "wɪn"}, "SQL": {"say": "sequel", "x-sampa": '"si:kw@l', "case_sensitive": True},
           "PPO": "P P O"}
PROMPTS = {"ask": "Ask Nguyen about the order.", "report": "Your SQL report is ready.",
           "plan": "Your PPO plan is active.", "bye": "Goodbye."}


def plan_piper(tmp_path: Path, lexicon: dict):
    from narrate.manifest import load_manifest
    from narrate.plan import plan_manifest
    from narrate.text import Lexicon

    fake_voice(tmp_path / "voices")
    path = tmp_path / "m.yaml"
    path.write_text(json.dumps({"version": 1, "providers": {"p": {"kind": "piper", "options": {"voices_dir": "voices"}}},
                                "libraries": {"shop": {"output": "out", "formats": ["wav"],
                                                       "languages": {"en-US": {"voice": "en_US-fake-medium",
                                                                               "provider": "p"}},
                                                       "prompts": PROMPTS}}}, ensure_ascii=False), encoding="utf-8")
    manifest = load_manifest(path)
    p = PiperProvider(manifest.provider_config("p"))
    p._contract = "piper-test/1"
    plan = plan_manifest(manifest, {"p": p}, Lexicon.from_mapping(lexicon, source="lex"))
    return plan, {job.name: job for job in plan.jobs}


def test_ipa_rules_reach_piper_beside_the_text_and_respellings_in_it(tmp_path):
    plan, jobs = plan_piper(tmp_path, LEXICON)
    request = {name: plan.segments[job.segments[0]].request for name, job in jobs.items()}
    assert (request["ask"].text, request["ask"].lexicon) == ("Ask Nguyen about the order.", (("Nguyen", "ipa", "wɪn"),))
    # X-SAMPA is not converted for Piper: SQL is respelled; PPO has only a respelling.
    assert (request["report"].text, request["report"].lexicon) == ("Your sequel report is ready.", ())
    assert (request["plan"].text, request["plan"].lexicon) == ("Your P P O plan is active.", ())
    assert phoneme_text(request["ask"].text, request["ask"].lexicon, MAP, True) == "Ask [[ wɪn ]] about the order."


@pytest.mark.parametrize("rule,changed", [
    ({"Nguyen": {"say": "nwen", "ipa": "ŋwiən"}}, {"ask"}),
    ({"Nguyen": {"say": "nuh win", "ipa": "wɪn"}}, set()),  # Piper hears the IPA: the respelling is not key material
    ({"SQL": {"say": "ess cue ell", "x-sampa": "Es kju: El", "case_sensitive": True}}, {"report"}),
    ({"PPO": "preferred provider"}, {"plan"}),
])
def test_changing_one_rule_rerenders_only_the_segments_with_its_term(tmp_path, rule, changed):
    _, before = plan_piper(tmp_path / "a", LEXICON)
    _, after = plan_piper(tmp_path / "b", {**LEXICON, **rule})
    assert {name for name in before if before[name].segments != after[name].segments} == changed


def test_a_model_changed_after_planning_is_not_spoken_under_the_old_key(tmp_path):
    """The worker hashes the bytes it loads: audio from a new model never lands under the old model's key."""
    from narrate.providers.piper_engine import speak

    model = fake_voice(tmp_path)
    digests = (file_sha256(model), file_sha256(model.with_suffix(".onnx.json")))
    model.write_bytes(b"\x08\x07" + bytes(300))  # replaced between plan and synthesis
    with pytest.raises(ProviderError) as err:
        speak(str(model), str(model.with_suffix(".onnx.json")), digests, "Hello.", None, 1.0, ())
    assert (err.value.message, err.value.hint) == (
        "Piper model en_US-fake-medium.onnx changed during the build (its digest is in the keys)", "run the build again")


def test_voices_lists_a_manifests_voices_dir(tmp_path):
    pytest.importorskip("piper", reason="the `piper` extra is not installed (pip install 'narrate-build[piper]')")
    fake_voice(tmp_path / "voices", "es_MX-fake-low", config={**CONFIG, "language": {"code": "es_MX"},
                                                               "audio": {"sample_rate": 16000, "quality": "low"}})
    (tmp_path / "m.yaml").write_text("version: 1\nproviders:\n  local: {kind: piper, options: {voices_dir: voices}}\n"
                                     "libraries:\n  l:\n    output: out\n    formats: [wav]\n    provider: local\n"
                                     "    languages: {es-MX: {voice: es_MX-fake-low}}\n    prompts: {hola: Hola.}\n")
    done = narrate("voices", "--manifest", str(tmp_path / "m.yaml"), "--provider", "local", "--language", "es")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        "es_MX-fake-low           es-MX                -        fake, low, 16000 Hz; voices_dir"]


def test_a_missing_voice_names_the_voices_for_the_prompts_language(tmp_path):
    fake_voice(tmp_path / "voices", "de_DE-fake-low", config={**CONFIG, "language": {"code": "de_DE"}})
    p = provider(tmp_path, voices_dir="voices")
    where = f"in the voices_dir ({tmp_path / 'voices'}) or an installed voice package"
    # No `voice:` in the manifest: the language tag stands in for it.
    assert p.check_voice("de-de", "de-DE") == f"no Piper voice 'de-de' {where}; voices for de-DE: de_DE-fake-low"
    assert p.check_voice("de_DE-fake-lo", "de-DE") == \
        f"no Piper voice 'de_DE-fake-lo' {where}; did you mean de_DE-fake-low?; voices for de-DE: de_DE-fake-low"
    assert p.check_voice("fi-fi", "fi-FI") == \
        f"no Piper voice 'fi-fi' {where}; no voice for fi-FI is installed (the README says how to fetch one)"


@pytest.mark.parametrize("voice,message", [
    ("voices/a\x00b.onnx", "Piper voice 'voices/a\\x00b.onnx' cannot be read: embedded null byte"),
    ("a/" * 3000 + "x.onnx", "cannot be read: File name too long"),
])
def test_a_path_the_system_refuses_is_a_voice_error(tmp_path, voice, message):
    with pytest.raises(VoiceError) as err:
        resolve(voice, root=tmp_path, voices_dir=None)
    assert message in err.value.message


def test_validation_locates_a_bad_voice_at_its_prompt_without_the_extra(tmp_path):
    """check_voices, as `validate` and `build` run it, on the provider itself (the CLI test needs the extra)."""
    from narrate.errors import ManifestError
    from narrate.manifest import load_manifest
    from narrate.voice_check import check_voices

    fake_voice(tmp_path / "elsewhere")
    (tmp_path / "project").mkdir()
    path = tmp_path / "project" / "m.yaml"
    path.write_text("version: 1\nproviders:\n  local: {kind: piper}\nlibraries:\n  l:\n    output: out\n"
                    "    formats: [wav]\n    provider: local\n    languages:\n      en-US: {}\n    prompts:\n"
                    "      inside: {en-US: {text: Hi., voice: nobody}}\n"
                    "      outside: {en-US: {text: Hi., voice: ../elsewhere/en_US-fake-medium.onnx}}\n")
    manifest = load_manifest(path)
    with pytest.raises(ManifestError) as err:
        check_voices(manifest, {"local": PiperProvider(manifest.provider_config("local"))})
    lines = [str(p) for p in err.value.problems]
    assert lines[0].startswith(f"{path}:12: libraries.l.prompts.inside.en-US.voice: voice 'nobody' for local: "
                               "no Piper voice 'nobody' in a voices_dir (none is set) or an installed voice package")
    assert lines[1] == (f"{path}:13: libraries.l.prompts.outside.en-US.voice: voice '../elsewhere/en_US-fake-medium.onnx' "
                        "for local: Piper model '../elsewhere/en_US-fake-medium.onnx' is outside the manifest's folder "
                        "and the voices_dir (hint: put the model and its .onnx.json in the voices_dir "
                        "(providers.<name>.options.voices_dir) or under the manifest's folder) "
                        "(used by libraries.l.prompts.outside.en-US, line 13)")
