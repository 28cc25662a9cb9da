"""Manifest parsing and validation: every problem located by file, line and key path."""

from __future__ import annotations

import textwrap

import pytest

from narrate.errors import ManifestError
from narrate.manifest import check_name, load_manifest

GOOD = """\
version: 1
defaults:
  speed: 1.1
libraries:
  shop:
    output: out/shop
    layout: asterisk
    formats: [ulaw, wav]
    speed: 1.2
    languages:
      en-US: {voice: en-us, path: en}
      es-US: {voice: es-419, speed: 0.9}
    prompts:
      welcome:
        en-US: Welcome.
        es-US: Bienvenido.
      digits/1: one
      slow:
        speed: 0.8
        en-US: Slowly.
        es-US: {text: Despacio., speed: 0.7}
"""


def problems_of(write, text: str) -> list[str]:
    path = write("m.yaml", textwrap.dedent(text) if isinstance(text, str) else text)
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    return [str(p) for p in info.value.problems]


def test_good_manifest_and_inheritance(write):
    m = load_manifest(write("m.yaml", GOOD))
    (lib,) = m.libraries
    by = {(p.name, p.language): p for p in lib.prompts}
    assert by[("welcome", "en-US")].settings.speed == 1.2  # library overrides defaults
    assert by[("welcome", "es-US")].settings.speed == 0.9  # language overrides library
    assert by[("slow", "en-US")].settings.speed == 0.8  # prompt overrides language
    assert by[("slow", "es-US")].settings.speed == 0.7  # prompt-in-language overrides prompt
    assert by[("welcome", "es-US")].settings.voice == "es-419"
    # es-US has no `path:`: the asterisk layout names its folder as Asterisk does (issue 13)
    assert lib.languages["en-US"].path == "en" and lib.languages["es-US"].path == "es_US"
    # A plain string is the first language's text; the other language is reported missing.
    assert ("digits/1", "en-US") in by and ("digits/1", "es-US") not in by
    assert lib.missing == {"es-US": ["digits/1"]}
    assert any("missing in es-US" in str(w) for w in m.warnings)


def test_unknown_keys_get_did_you_mean_with_line(write):
    out = problems_of(write, GOOD.replace("    layout: asterisk", "    layuot: asterisk"))
    assert len(out) == 1
    assert out[0].endswith("/m.yaml:7: libraries.shop.layuot: unknown key (did you mean 'layout'?)")


def test_every_problem_reported_at_once(write):
    text = GOOD.replace("formats: [ulaw, wav]", "formats: [ulaw, wavv]").replace(
        "en-US: Welcome.", "en-US: ''").replace("speed: 0.8", "speed: 9")
    out = problems_of(write, text)
    joined = "\n".join(out)
    assert len(out) == 3, joined
    assert ":8: libraries.shop.formats: unknown format 'wavv' (did you mean 'wav'?)" in joined
    assert ":15: libraries.shop.prompts.welcome.en-US: empty text" in joined
    assert ":19: libraries.shop.prompts.slow.speed: 9 is out of range 0.25 to 4" in joined


@pytest.mark.parametrize("bad_name, reason", [
    ("../escape", "'..'"), ("/etc/passwd", "absolute"), ("a\\\\b", "backslash"),
    ("a//b", "empty path segments"), ("x/./y", "'.'"), ('"bell\\x07"', "control characters"),
    ('"nul\\0byte"', "control characters"),
])
def test_hostile_names_rejected(write, bad_name, reason):
    text = GOOD.replace("      digits/1: one", f"      {bad_name}: one")
    out = problems_of(write, text)
    assert len(out) == 1 and reason in out[0] and ":17: libraries.shop.prompts." in out[0], out


def test_check_name_accepts_normal_names():
    for name in ("welcome", "digits/7", "vm-intro", "menu/main.v2", "ivr/ivr-welcome_to_freeswitch"):
        assert check_name(name) is None


def test_duplicate_prompt_names(write):
    out = problems_of(write, GOOD.replace("      digits/1: one", "      digits/1: one\n      welcome: again"))
    assert len(out) == 1 and ":18: libraries.shop.prompts.welcome: duplicate key (first defined on line 14)" in out[0]


@pytest.mark.parametrize("text, expected", [
    ("", ":1: the file is empty"),
    ("- a\n- b\n", "the manifest must be a mapping, got a list"),
    ("libraries: [1, 2]\n", ":1: libraries: expected a mapping, got a list"),
    ("libraries:\n  a: {output: x\n", "invalid YAML"),
    ("version: 7\nlibraries: {}\n", ":1: version: unsupported manifest version 7"),
    ("version: 1\n", "nothing to build"),
])
def test_structural_errors(write, text, expected):
    out = problems_of(write, text)
    assert any(expected in p for p in out), out


def test_non_utf8_names_line(write):
    out = problems_of(write, b"version: 1\nlibraries:\n  x: caf\xe9\n")
    assert len(out) == 1 and "m.yaml:3: not valid UTF-8" in out[0]


def test_undeclared_language_and_asterisk_mulaw_wav(write):
    text = GOOD.replace("formats: [ulaw, wav]", "formats: [ulaw, mulaw-wav]").replace(
        "es-US: Bienvenido.", "es-US: Bienvenido.\n        fr-FR: Bienvenue.")
    out = "\n".join(problems_of(write, text))
    assert "libraries.shop.formats: format 'mulaw-wav' is not supported by the asterisk layout" in out
    assert "rejects G.711 in WAV" in out
    assert ":17: libraries.shop.prompts.welcome.fr-FR: language 'fr-FR' is not declared" in out


def test_api_keys_refused_in_manifest(write):
    text = GOOD + "providers:\n  cloud:\n    kind: openai\n    api_key: sk-not-here\n"
    out = "\n".join(problems_of(write, text))
    assert "providers.cloud.api_key: API keys never go in the manifest" in out
    assert "sk-not-here" not in out


def test_huge_text_rejected(write):
    out = problems_of(write, GOOD.replace("digits/1: one", "digits/1: " + "word " * 30_000))
    assert len(out) == 1 and "limit is 100,000" in out[0]


def test_missing_translation_error_and_fallback(write):
    out = problems_of(write, GOOD.replace("    speed: 1.2\n", "    speed: 1.2\n    missing_translation: error\n"))
    assert len(out) == 1 and "libraries.shop.prompts.digits/1.es-US: missing translation" in out[0]
    m = load_manifest(write("m.yaml", GOOD.replace("    speed: 1.2\n", "    speed: 1.2\n    missing_translation: fallback\n")))
    by = {(p.name, p.language): p for p in m.libraries[0].prompts}
    fb = by[("digits/1", "es-US")]
    assert fb.text == "one" and fb.fallback_from == "en-US" and fb.settings.voice == "es-419"


def test_overlapping_outputs(write):
    text = GOOD + "  other:\n    output: out/shop/sub\n    formats: [ulaw]\n    languages: {en-US: en-us}\n    prompts: {a: b}\n"
    out = "\n".join(problems_of(write, text))
    assert "libraries.other.output: overlaps the output of libraries.shop" in out


def test_demo_manifest_is_valid():
    from conftest import ROOT

    m = load_manifest(ROOT / "manifests" / "demo.yaml")
    assert [lib.name for lib in m.libraries] == ["northwind", "northwind-connect", "northwind-freeswitch"]
    assert not m.warnings
