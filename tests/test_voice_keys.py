"""A voice the provider refuses is reported at the `voice:` key that set it (defaults, library,
language or prompt-in-language), which may be far from the first prompt using it, and names
that prompt; once per key, however many prompts inherit it."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, narrate_in

BAD = "no voice or language 'marsian'"
MANIFEST = """\
version: 1
defaults:
  voice: DEFAULTS
libraries:
  shop:
    output: out
    formats: [ulaw]
    voice: LIBRARY
    languages:
      en-US: {voice: LANGUAGE}
      fr-FR: SHORTHAND
    prompts:
      hello: Hello.
      bye: Goodbye.
      help:
        en-US: {text: Help., voice: INLANGUAGE}
        fr-FR: Aide.
"""
# Each placeholder set to a bad voice in turn, the others to good ones: (line, key path, first prompt user).
WHERE = {
    "DEFAULTS": None,  # overridden by the library: no prompt uses it
    "LIBRARY": None,  # overridden by both languages
    "LANGUAGE": (10, "libraries.shop.languages.en-US.voice", "libraries.shop.prompts.hello.en-US, line 13"),
    "SHORTHAND": (11, "libraries.shop.languages.fr-FR", "libraries.shop.prompts.help.fr-FR, line 17"),
    "INLANGUAGE": (16, "libraries.shop.prompts.help.en-US.voice", "libraries.shop.prompts.help.en-US, line 16"),
}
GOOD = {"DEFAULTS": "en-us", "LIBRARY": "en-us", "LANGUAGE": "en-us", "SHORTHAND": "fr-fr", "INLANGUAGE": "en-us"}


def _manifest(bad: str) -> str:
    text = MANIFEST
    for name, good in sorted(GOOD.items(), key=lambda item: -len(item[0])):  # INLANGUAGE before LANGUAGE
        text = text.replace(name, "marsian" if name == bad else good)
    return text


@pytest.mark.parametrize("bad", [name for name, where in WHERE.items() if where])
def test_a_refused_voice_is_located_at_the_key_that_set_it(tmp_path, bad):
    line, key, user = WHERE[bad]
    (tmp_path / "m.yaml").write_text(_manifest(bad))
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, f"m.yaml:{line}: {key}: voice 'marsian' for espeak:", f"(used by {user})", BAD)
    assert done.stderr.count("error:") == 1, done.stderr  # once for the key, not once per prompt using it


def test_a_voice_inherited_from_defaults_is_located_there_once(tmp_path):
    text = _manifest("DEFAULTS").replace("    voice: en-us\n    languages:", "    languages:") \
        .replace("{voice: en-us}", "{}").replace("fr-FR: fr-fr", "fr-FR: {}").replace("{text: Help., voice: en-us}", "Help.")
    assert text.count("marsian") == 1 and "voice: en-us" not in text
    (tmp_path / "m.yaml").write_text(text)
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    for user in ("hello.en-US, line 12", "help.fr-FR, line 16"):
        assert_clean_failure(done, 2, "m.yaml:3: defaults.voice: voice 'marsian' for espeak:",
                             f"(used by libraries.shop.prompts.{user})")
    assert done.stderr.count("error:") == 2, done.stderr  # a line per language (each is checked for its own), not per prompt


def test_a_voice_made_from_the_language_tag_is_located_at_the_language(tmp_path):
    """Klingon (tlh) is a registered tag eSpeak NG has no voice for."""
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  shop:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages:\n      en-US: {}\n      tlh: {path: tlh}\n"
                                     "    prompts:\n      hello: {en-US: Hello., tlh: Hi.}\n")
    done = narrate_in("-q", "plan", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:8: libraries.shop.languages.tlh: voice 'tlh' for espeak:",
                         "(made from the language tag; set `voice:` here or above; used by libraries.shop.prompts.hello.tlh, "
                         "line 10)")


def test_a_book_voice_inherited_from_defaults_is_located_there(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text("# One\n\nA sentence.\n")
    (tmp_path / "book.yaml").write_text("version: 1\ndefaults:\n  voice: marsian\nbooks:\n  guide:\n    title: Guide\n"
                                        "    sources: ch/*.md\n    formats: [mp3]\n    output: out\n")
    done = narrate_in("-q", "validate", "book.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "book.yaml:3: defaults.voice: voice 'marsian' for espeak:", BAD, "(used by books.guide)")


def test_a_prompt_named_in_another_unicode_form_is_located_at_its_own_voice_key(tmp_path):
    decomposed = "cafe\u0301"  # NFD: the manifest keeps it as written, the prompt is named in NFC
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  shop:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {en-US: en-us}\n    prompts:\n      hello: Hello.\n"
                                     f"      {decomposed}:\n        en-US: {{text: Coffee., voice: marsian}}\n",
                                     encoding="utf-8")
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, f"m.yaml:10: libraries.shop.prompts.{decomposed}.en-US.voice: voice 'marsian'", BAD,
                         "(used by libraries.shop.prompts.caf\u00e9.en-US, line 10)")
