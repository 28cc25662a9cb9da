"""Importer fixes (issue 13 item 6): FreeSWITCH tones and music skipped and reported, `--language`
honoured, a voice of each file's language, and every changed text reported."""

from __future__ import annotations

import pytest
import yaml

from conftest import ROOT, assert_clean_failure, narrate_in
from narrate.errors import ManifestError
from narrate.importers import Change, import_asterisk, import_freeswitch

FIXTURES = ROOT / "tests" / "fixtures" / "importers"
MINI_PHRASES = FIXTURES / "phrase_mini.xml"
TRANSCRIPT = FIXTURES / "core-sounds-en.txt"

TONES = """\
<language>
  <en>
    <conference>
      <prompt phrase="NULL" filename="conf-ack.wav" type="tone"/>
      <prompt phrase="NULL" filename="conf-perpetual.wav" type="music"/>
      <prompt phrase="You are now in the conference." filename="conf-welcome.wav"/>
      <prompt phrase="NULL" filename="conf-placeholder.wav"/>
      <prompt phrase="Hold music follows" filename="conf-hold.wav" type="music"/>
    </conference>
  </en>
</language>
"""


def test_tones_and_music_are_skipped_and_reported_never_spoken_as_null():
    result = import_freeswitch(TONES, source="t.xml")
    assert result.manifest["libraries"]["freeswitch-sounds"]["prompts"] == {
        "conference/conf-welcome": "You are now in the conference."}
    assert result.skipped == [
        ("conference/conf-ack", 'a tone (phrase="NULL"), not speech: record or copy that sound itself (line 4)'),
        ("conference/conf-perpetual", 'a music (phrase="NULL"), not speech: record or copy that sound itself (line 5)'),
        ("conference/conf-placeholder", 'no words (phrase="NULL"), not speech: record or copy that sound itself (line 7)'),
        ("conference/conf-hold",
         'a music (phrase="Hold music follows"), not speech: record or copy that sound itself (line 8)'),
    ]


def test_freeswitch_language_option_selects_one_language():
    xml = MINI_PHRASES.read_text()
    for given in ("pt_BR", "pt-BR", "PT-br"):
        lib = import_freeswitch(xml, source="m.xml", language=given).manifest["libraries"]["freeswitch-sounds"]
        assert lib["languages"] == {"pt-BR": {"voice": "pt-br", "path": "pt_BR"}}, given
        assert lib["prompts"] == {"digits/7": "Sete"}
    english = import_freeswitch(xml, source="m.xml", language="en-US").manifest["libraries"]["freeswitch-sounds"]
    assert list(english["languages"]) == ["en-US"] and len(english["prompts"]) == 5
    with pytest.raises(ManifestError, match=r"^m.xml: no language 'fr' in this file; it has: en, pt_BR$"):
        import_freeswitch(xml, source="m.xml", language="fr")


def test_each_language_gets_a_voice_of_its_own():
    lib = import_freeswitch(MINI_PHRASES.read_text(), source="m.xml").manifest["libraries"]["freeswitch-sounds"]
    assert lib["languages"] == {"en-US": {"voice": "en-us", "path": "en"}, "pt-BR": {"voice": "pt-br", "path": "pt_BR"}}
    french = import_asterisk("bonjour: Bonjour.\n", source="fr.txt", language="fr-FR").manifest
    assert french["libraries"]["asterisk-sounds"]["languages"] == {"fr-FR": {"voice": "fr-fr", "path": "fr"}}


def test_every_changed_text_is_reported():
    result = import_asterisk(TRANSCRIPT.read_text(), source="core-sounds-en.txt")
    assert result.changed == [
        Change("an-error-has-occured", "An error has occurred. (Symlink to 'an-error-has-occurred')",
               "An error has occurred.", 9),
        Change("pbx-transfer", "Transfer. [pause] Please hold.", "Transfer. Please hold.", 25),
        Change("wakeup-call", "(sound of a bell) This is your wake-up call.", "This is your wake-up call.", 29),
        Change("hello-world", '"Hello world."', "Hello world.", 30),
        Change("queue-thankyou", '"Thank you for your patience."', "Thank you for your patience.", 31),
    ]
    xml = '<en><x><prompt phrase="[beep] Leave a message (after the tone)" filename="m.wav"/></x></en>'
    assert [str(c) for c in import_freeswitch(xml, source="x.xml").changed] == [
        "x/m: '[beep] Leave a message (after the tone)' -> 'Leave a message (after the tone)' (line 1)"]


def test_cli_reports_changes_tones_and_honours_language(tmp_path):
    (tmp_path / "t.xml").write_text(TONES.replace("</en>", "</en><fr><x><prompt phrase='Bonjour' filename='b.wav'/>"
                                                  "</x></fr>"), encoding="utf-8")
    done = narrate_in("-q", "import", "freeswitch", "t.xml", "--language", "fr", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load(done.stdout)["libraries"]["freeswitch-sounds"]
    assert data["languages"] == {"fr-FR": {"voice": "fr-fr", "path": "fr"}} and data["prompts"] == {"x/b": "Bonjour"}
    assert done.stderr == ""
    everything = narrate_in("-q", "import", "freeswitch", "t.xml", cwd=tmp_path)
    assert ('skipped conference/conf-ack: a tone (phrase="NULL"), not speech: record or copy that sound itself (line 4)'
            in everything.stderr.splitlines())
    asterisk = narrate_in("-q", "import", "asterisk", str(TRANSCRIPT), cwd=tmp_path)
    assert ("changed pbx-transfer: 'Transfer. [pause] Please hold.' -> 'Transfer. Please hold.' (line 25)"
            in asterisk.stderr.splitlines())
    missing = narrate_in("-q", "import", "freeswitch", "t.xml", "--language", "de", cwd=tmp_path)
    assert_clean_failure(missing, 2, "t.xml: no language 'de' in this file; it has: en, fr")


def test_imported_voices_validate_with_the_embedded_engine(tmp_path):
    (tmp_path / "m.xml").write_text(MINI_PHRASES.read_text(), encoding="utf-8")
    done = narrate_in("-q", "import", "freeswitch", "m.xml", "--output", "out", cwd=tmp_path)
    (tmp_path / "m.yaml").write_text(done.stdout, encoding="utf-8")
    valid = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert valid.returncode == 0, valid.stderr


def test_asterisk_language_comes_from_the_transcript_name():
    from narrate.importers import language_from_name

    names = ("core-sounds-fr.txt", "core-sounds-en_GB.txt", "extra-sounds-es.txt", "CORE-SOUNDS-EN.TXT", "sounds.txt")
    assert [language_from_name(n) for n in names] == ["fr-FR", "en-GB", "es-ES", "en-US", None]


def test_cli_asterisk_french_transcript_gets_a_french_voice(tmp_path):
    (tmp_path / "core-sounds-fr.txt").write_text("bonjour: Bonjour.\nvm-goodbye: Au revoir [bip].\n", encoding="utf-8")
    done = narrate_in("-q", "import", "asterisk", "core-sounds-fr.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lib = yaml.safe_load(done.stdout)["libraries"]["asterisk-sounds"]
    assert lib["languages"] == {"fr-FR": {"voice": "fr-fr", "path": "fr"}}
    assert lib["prompts"] == {"bonjour": "Bonjour.", "vm-goodbye": "Au revoir."}
    assert done.stderr.splitlines() == ["changed vm-goodbye: 'Au revoir [bip].' -> 'Au revoir.' (line 2)"]
    given = narrate_in("-q", "import", "asterisk", "core-sounds-fr.txt", "--language", "fr-CA", cwd=tmp_path)
    assert yaml.safe_load(given.stdout)["libraries"]["asterisk-sounds"]["languages"] == {
        "fr-CA": {"voice": "fr-ca", "path": "fr"}}


def test_a_lone_cr_ends_an_asterisk_line(tmp_path):
    text = "; old Mac file\rhello: Hello.\rbye: Goodbye.\rnot a prompt line\r"
    result = import_asterisk(text, source="t.txt")
    assert result.manifest["libraries"]["asterisk-sounds"]["prompts"] == {"hello": "Hello.", "bye": "Goodbye."}
    assert result.skipped == [("line 4", "not a `name: text` line: 'not a prompt line'")]
    (tmp_path / "t.txt").write_bytes(text.encode())
    done = narrate_in("-q", "import", "asterisk", "t.txt", cwd=tmp_path)
    assert done.returncode == 0 and len(yaml.safe_load(done.stdout)["libraries"]["asterisk-sounds"]["prompts"]) == 2


@pytest.mark.parametrize("given,tag,path", [("fr_FR", "fr-FR", "fr"), ("EN-us", "en-US", "en"), ("pt_br", "pt-BR", "pt"),
                                            ("fr", "fr", "fr")])
def test_asterisk_language_is_written_as_a_tag_in_its_usual_case(tmp_path, given, tag, path):
    """`--language fr_FR` (Asterisk's own folder spelling) is the tag fr-FR, with fr's folder."""
    (tmp_path / "t.txt").write_text("hello: Bonjour.\n", encoding="utf-8")
    done = narrate_in("-q", "import", "asterisk", "t.txt", "--language", given, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lib = yaml.safe_load(done.stdout)["libraries"]["asterisk-sounds"]
    assert lib["languages"] == {tag: {"voice": tag.lower(), "path": path}}


@pytest.mark.parametrize("given", ["english", "xx-YY", "en US", ""])
def test_asterisk_language_that_is_no_tag_is_refused_before_a_manifest_is_printed(tmp_path, given):
    (tmp_path / "t.txt").write_text("hello: Hello.\n", encoding="utf-8")
    done = narrate_in("-q", "import", "asterisk", "t.txt", "--language", given, cwd=tmp_path)
    assert_clean_failure(done, 2, "--language", repr(given), "not a language tag like en-US")
    assert done.stdout == ""


@pytest.mark.parametrize("kind,source", [("asterisk", "t.txt"), ("freeswitch", "p.xml")])
def test_an_import_voice_the_embedded_engine_lacks_is_refused_with_a_hint(tmp_path, kind, source):
    (tmp_path / "t.txt").write_text("hello: Hello.\n", encoding="utf-8")
    phrase = '<prompt phrase="Hello." filename="hello.wav"/>'
    (tmp_path / "p.xml").write_text(f"<language><en><ivr>{phrase}</ivr></en></language>", encoding="utf-8")
    done = narrate_in("-q", "import", kind, source, "--voice", "en-uss", cwd=tmp_path)
    assert_clean_failure(done, 2, "--voice", "'en-uss'", "eSpeak NG has no voice", "did you mean")
    assert done.stdout == ""
    good = narrate_in("-q", "import", kind, source, "--voice", "en-gb", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert next(iter(yaml.safe_load(good.stdout)["libraries"].values()))["languages"]["en-US"]["voice"] == "en-gb"
