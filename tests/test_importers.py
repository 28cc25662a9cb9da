"""Importers of existing prompt lists, and the imported manifests loading and building for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SHARED, narrate_in
from narrate.errors import ManifestError
from narrate.importers import dump_manifest, import_asterisk, import_freeswitch, spoken
from narrate.manifest import check_name, load_manifest

FIXTURES = ROOT / "tests" / "fixtures" / "importers"
TRANSCRIPT = FIXTURES / "core-sounds-en.txt"
MINI_PHRASES = FIXTURES / "phrase_mini.xml"
PHRASES = SHARED / "corpora" / "freeswitch-phrase" / "phrase_en.xml"


def test_stage_directions_are_not_spoken():
    assert spoken("[this is a simple beep tone]") == ""
    assert spoken("<beep descending>") == ""
    assert spoken("Transfer. [pause]  Please hold.") == "Transfer. Please hold."
    assert spoken("(sound of a bell) This is your wake-up call.") == "This is your wake-up call."
    # FreeSWITCH transcribes spoken asides in parentheses; a phrase that is only one is still a direction.
    assert spoken("Terribly wrong... (awkward!)", asides=True) == "Terribly wrong... (awkward!)"
    assert spoken("(long pause)", asides=True) == ""
    assert spoken("[music] Hello (there)", asides=True) == "Hello (there)"


def test_quotes_control_characters_and_spaces_are_tidied():
    assert spoken('  "Thank you."  ') == "Thank you."
    assert spoken("\u201cThank you.\u201d") == "Thank you."
    assert spoken('"Yes," he said, "no."') == '"Yes," he said, "no."'  # not one quoted text
    assert spoken("one\ttwo\x07three\r\n") == "one two three"


def _asterisk(text: str = TRANSCRIPT.read_text(), **kwargs):
    result = import_asterisk(text, source="core-sounds-en.txt", **kwargs)
    return result, result.manifest["libraries"][kwargs.get("library", "asterisk-sounds")]


def test_asterisk_transcript_library_settings():
    result, lib = _asterisk()
    assert result.manifest["version"] == 1 and list(result.manifest["libraries"]) == ["asterisk-sounds"]
    assert lib["output"] == "../output/asterisk-sounds" and lib["layout"] == "asterisk"
    assert lib["formats"] == ["ulaw", "wav"]
    assert lib["languages"] == {"en-US": {"voice": "en-us", "path": "en"}}
    _, gb = _asterisk(library="core", language="en-GB", voice="en-gb")
    assert gb["languages"] == {"en-GB": {"voice": "en-gb", "path": "en"}} and gb["output"] == "../output/core"


def test_asterisk_transcript_prompts():
    result, lib = _asterisk()
    prompts = lib["prompts"]
    assert len(prompts) == 29 and len(result.skipped) == 13
    assert prompts["agent-alreadyon"] == ("That agent is already logged on. "
                                          "Please enter your agent number followed by the pound key.")
    assert [prompts[f"digits/{n}"] for n in (7, 8, 9)] == ["seven", "eight", "nine"]  # .wav .gsm .ulaw dropped
    assert prompts["pbx-transfer"] == "Transfer. Please hold."
    assert prompts["wakeup-call"] == "This is your wake-up call."
    assert prompts["an-error-has-occured"] == "An error has occurred."
    assert prompts["tt-somethingwrong"] == "Something is terribly wrong: please try again later."  # 2nd colon is text
    assert prompts["queue-thankyou"] == "Thank you for your patience."  # quoted name and text
    assert prompts["queue-callswaiting"] == "calls waiting"
    assert prompts["vm-goodbye"] == "Goodbye, and thank you!"  # the later duplicate wins
    assert list(prompts)[:3] == ["agent-alreadyon", "agent-incorrect", "agent-loggedoff"]  # file order kept
    assert all(check_name(name) is None for name in prompts)


def test_asterisk_transcript_skips_with_reasons_and_lines():
    skipped = dict(_asterisk()[0].skipped)
    assert skipped["beep"] == "nothing to speak in '[this is a simple beep tone]' (line 11)"
    assert skipped["confbridge-leave"].startswith("nothing to speak in '<beep descending>'")
    for name in ("silence/1", "tt-monkeys", "vm-dots"):
        assert skipped[name].startswith("nothing to speak"), name
    assert skipped["vm-empty"] == "empty text (line 38)"
    assert skipped["line 39"] == "not a `name: text` line: 'this line has no colon'"
    assert skipped["line 40"].startswith("not a sound file name")
    assert "'..'" in skipped["../../etc/passwd"] and "absolute" in skipped["/etc/shadow"]
    assert "backslash" in skipped["digits\\8"]
    # a case twin: the later one wins, as a duplicate does and as in a sheet (was: the first won)
    assert skipped["letters/a"] == "same file as 'Letters/A' on case-insensitive filesystems: the later one wins (line 44)"
    assert skipped["vm-goodbye"] == "duplicate of line 34: the later one wins (line 45)"


def test_asterisk_bom_crlf_and_control_characters():
    result, lib = _asterisk("\ufeffdigits/1: one\r\ndigits/2:two\u2028two\x0c\r\nbad\x01name: x\r\n")
    assert lib["prompts"] == {"digits/1": "one", "digits/2": "two two"}
    assert result.skipped == [("bad\x01name", "control characters are not allowed in names (line 3)")]


def test_asterisk_file_without_prompts_is_an_error_naming_why():
    with pytest.raises(ManifestError) as err:
        import_asterisk("; only a comment\nbeep: [tone]\nno colon here\n", source="sounds.txt")
    text = str(err.value)
    assert text.startswith("sounds.txt: no `name: text` prompt found")
    assert "beep: nothing to speak in '[tone]' (line 2)" in text and "line 3: not a `name: text` line" in text


def test_freeswitch_small_file_exactly():
    result = import_freeswitch(MINI_PHRASES.read_text(), source=str(MINI_PHRASES), library="fs", voice="en-gb")
    assert result.manifest == {"version": 1, "libraries": {"fs": {
        "output": "../output/fs", "layout": "freeswitch", "formats": ["wav", "wav16"],
        "languages": {"en-US": {"voice": "en-gb", "path": "en"}, "pt-BR": {"voice": "pt-br", "path": "pt_BR"}},
        "prompts": {
            "digits/7": {"en-US": "Seven", "pt-BR": "Sete"},
            "digits/8": {"en-US": "Eight"},
            "ivr/ivr-welcome_to_freeswitch": {"en-US": "Welcome to FreeSWITCH."},
            "ivr/ivr-wrong_awkward": {"en-US": "Something went terribly wrong... (awkward!)"},
            "ivr/holidays/closed": {"en-US": "We are closed for the holiday & will reopen tomorrow."},
        }}}}
    assert result.skipped == [
        ("ivr/ivr-music", "nothing to speak in '[music plays]' (line 12)"),
        ("ivr/ivr-pause", "nothing to speak in '(long pause)' (line 13)"),
        ("ivr/ivr-empty", "empty text (line 14)"),
        ("ivr/ivr-dots", "nothing to speak in '...' (line 15)"),
        ("ivr/../../escape", "names may not contain '..', '.' or empty path segments (line 16)"),
        ("ivr", "<prompt> without a filename (line 17)"),
    ]


def test_freeswitch_language_without_language_wrapper_and_one_language_reads_plainly():
    xml = '<es><saludos><prompt phrase="Hola" filename="hola.wav"/></saludos></es>'
    lib = import_freeswitch(xml, source="x.xml", voice="es").manifest["libraries"]["freeswitch-sounds"]
    assert lib["languages"] == {"es-ES": {"voice": "es", "path": "es"}}
    assert lib["prompts"] == {"saludos/hola": "Hola"}


@pytest.mark.shared
def test_freeswitch_corpus_imports_every_prompt():
    text = PHRASES.read_text()
    result = import_freeswitch(text, source=str(PHRASES))
    lib = result.manifest["libraries"]["freeswitch-sounds"]
    prompts = lib["prompts"]
    assert text.count("<prompt ") == 1229
    # One file name appears twice in `directory` (a re-recording), and five conference entries are
    # tones or music (phrase="NULL"): 1,223 prompts, six skips.
    assert len(prompts) == 1223
    sound = 'record or copy that sound itself'
    assert result.skipped == [
        ("directory/dir-for_next", "duplicate of line 310: the later one wins (line 317)"),
        ("conference/conf-ack", f'a tone (phrase="NULL"), not speech: {sound} (line 327)'),
        ("conference/conf-nack", f'a tone (phrase="NULL"), not speech: {sound} (line 328)'),
        ("conference/conf-perpetual", f'a music (phrase="NULL"), not speech: {sound} (line 332)'),
        ("conference/conf-enter", f'a tone (phrase="NULL"), not speech: {sound} (line 333)'),
        ("conference/conf-exit", f'a tone (phrase="NULL"), not speech: {sound} (line 334)'),
    ]
    assert not any(t.strip().casefold() == "null" for t in prompts.values())
    per_category: dict[str, int] = {}
    for name in prompts:
        per_category[name.split("/")[0]] = per_category.get(name.split("/")[0], 0) + 1
    assert per_category == {"ascii": 58, "phonetic-ascii": 30, "digits": 57, "currency": 9, "time": 33,
                            "voicemail": 96, "directory": 25, "conference": 32, "ivr": 324, "misc": 40,
                            "base256": 519}
    assert prompts["ascii/35"] == "Pound" and prompts["phonetic-ascii/97"] != prompts["ascii/97"]
    assert prompts["ivr/ivr-terribly_wrong_awkward"].endswith("(awkward!)")
    assert lib["languages"] == {"en-US": {"voice": "en-us", "path": "en"}} and lib["layout"] == "freeswitch"
    assert all(check_name(name) is None and isinstance(t, str) and t.strip() for name, t in prompts.items())


@pytest.mark.shared
def test_dump_round_trips_and_keeps_each_text_on_one_line():
    manifest = import_freeswitch(PHRASES.read_text(), source=str(PHRASES)).manifest
    dumped = dump_manifest(manifest)
    assert yaml.safe_load(dumped) == manifest
    assert list(yaml.safe_load(dumped)["libraries"]["freeswitch-sounds"]) == [
        "output", "layout", "formats", "languages", "prompts"]  # not sorted
    lines = dumped.splitlines()
    prompt_lines = lines[lines.index("    prompts:") + 1:]
    assert len(prompt_lines) == 1223  # the 198-character phrase is not folded onto a second line
    assert "t: España" in dump_manifest({"t": "España"})  # UTF-8 kept, not escaped


@pytest.mark.parametrize("source", ["asterisk", "freeswitch"])
def test_imported_manifests_load_with_the_manifest_parser(source, tmp_path):
    if source == "asterisk":
        result = import_asterisk(TRANSCRIPT.read_text(), source=str(TRANSCRIPT))
        counts = [29]
    else:
        result = import_freeswitch(MINI_PHRASES.read_text(), source=str(MINI_PHRASES))
        counts = [6]  # texts: five en-US prompts and one pt-BR
    path = tmp_path / "manifests" / "imported.yaml"
    path.parent.mkdir()
    path.write_text(dump_manifest(result.manifest), encoding="utf-8")
    model = load_manifest(path)
    assert [len(lib.prompts) for lib in model.libraries] == counts


def test_hostile_xml_is_refused_at_the_parser():
    bomb = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            '<language><en><x><prompt phrase="&b;" filename="a.wav"/></x></en></language>')
    external = ('<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY f SYSTEM "file:///etc/passwd">]>\n'
                '<language><en><x><prompt phrase="&f;" filename="a.wav"/></x></en></language>')
    for hostile in (bomb, external):
        with pytest.raises(ManifestError, match="DOCTYPE/ENTITY declarations are not accepted"):
            import_freeswitch(hostile, source="bomb.xml")
    # The words in a comment are not a declaration.
    ok = '<!-- no <!DOCTYPE here --><language><en><x><prompt phrase="Hi" filename="hi.wav"/></x></en></language>'
    lib = import_freeswitch(ok, source="ok.xml").manifest["libraries"]["freeswitch-sounds"]
    assert lib["prompts"] == {"x/hi": "Hi"}


def test_broken_or_empty_xml_names_file_and_line():
    with pytest.raises(ManifestError) as err:
        import_freeswitch("<language>\n<en>\n<x>\n</en>", source="broken.xml")
    assert str(err.value).startswith("broken.xml:4: invalid XML: mismatched tag")
    with pytest.raises(ManifestError, match=r"^empty.xml: no <prompt phrase=\.\.\. filename=\.\.\.> found"):
        import_freeswitch('<language><en><x><prompt phrase="[beep]" filename="b.wav"/></x></en></language>',
                          source="empty.xml")


def test_importing_the_module_loads_no_parser_or_heavy_library():
    code = ("import sys, narrate.importers; "
            "print(sorted(m for m in ('yaml', 'numpy', 'xml.parsers.expat', 'narrate.manifest', 'httpx', 'click',"
            " 'ruamel', 'ruamel.yaml')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return narrate_in("-q", *args, cwd=cwd)


@pytest.mark.shared
@pytest.mark.slow
def test_cli_imports_and_builds_the_whole_freeswitch_corpus(tmp_path):
    """The acceptance test: import phrase_en.xml, build all of it offline, check every file."""
    imported = cli("import", "freeswitch", str(PHRASES), "--output", "out", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "skipped directory/dir-for_next: duplicate of line 310" in imported.stderr
    assert 'skipped conference/conf-perpetual: a music (phrase="NULL")' in imported.stderr
    manifest = tmp_path / "phrases.yaml"
    manifest.write_text(imported.stdout)
    built = cli("build", "--json", str(manifest), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)
    assert report["errors"] == [] and report["outputs_written"] == 2 * 1223
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert len(index["prompts"]) == 2 * 1223
    assert not any(r["name"].startswith(("conference/conf-ack", "conference/conf-perpetual")) for r in index["prompts"])
    sample = next(r for r in index["prompts"] if r["name"] == "ivr/ivr-welcome_to_freeswitch" and r["format"] == "wav")
    assert sample["file"] == "en/ivr/8000/ivr-welcome_to_freeswitch.wav"
    again = cli("build", "--json", str(manifest), cwd=tmp_path)
    assert json.loads(again.stdout)["synthesized"] == 0 and json.loads(again.stdout)["outputs_written"] == 0


def test_cli_import_asterisk(tmp_path):
    out = cli("import", "asterisk", str(TRANSCRIPT), "--library", "core", "--language", "en-GB", "--voice", "en-gb",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = yaml.safe_load(out.stdout)
    assert data["libraries"]["core"]["languages"] == {"en-GB": {"voice": "en-gb", "path": "en"}}
    assert len(data["libraries"]["core"]["prompts"]) == 29
    assert "skipped beep: nothing to speak in '[this is a simple beep tone]' (line 11)" in out.stderr


def test_asterisk_names_with_a_colon_survive_a_release_transcript():
    """A release archive's transcript says `12:30: half past` for a prompt named 12:30 (a name the
    README allows); reading it back used to give prompt `12` saying "30: half past"."""
    result = import_asterisk("12:30: half past\nhours:\ntt-wrong: Something is wrong: try again.\n", source="t.txt")
    prompts = next(iter(result.manifest["libraries"].values()))["prompts"]
    assert prompts == {"12:30": "half past", "tt-wrong": "Something is wrong: try again."}
    assert [why for _, why in result.skipped] == ["empty text (line 2)"]  # `hours:` names a prompt, no text
