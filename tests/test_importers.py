"""Importers of existing prompt lists, and the imported manifests building for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SHARED
from narrate.errors import ManifestError
from narrate.importers import dump_manifest, import_asterisk, import_freeswitch, spoken
from narrate.manifest import check_name, load_manifest

FIXTURE = ROOT / "tests" / "fixtures" / "core-sounds-en.txt"
PHRASES = SHARED / "corpora" / "freeswitch-phrase" / "phrase_en.xml"


def test_stage_directions_are_not_spoken():
    assert spoken("[this is a simple beep tone]") == ""
    assert spoken("Transfer (pause) please hold.") == "Transfer please hold."
    assert spoken('"Thank you."') == "Thank you."


def test_asterisk_transcript():
    result = import_asterisk(FIXTURE.read_text(), source=str(FIXTURE))
    lib = result.manifest["libraries"]["asterisk-sounds"]
    prompts = lib["prompts"]
    assert lib["layout"] == "asterisk" and lib["languages"] == {"en-US": {"voice": "en-us", "path": "en"}}
    assert prompts["digits/7"] == "seven"  # .wav suffix dropped
    assert prompts["pbx-transfer"] == "Transfer please hold."
    assert prompts["vm-goodbye"] == "Goodbye, and thank you!"  # the later duplicate wins
    assert prompts["queue-thankyou"] == "Thank you for your patience."  # quotes around name and text dropped
    skipped = dict(result.skipped)
    assert "nothing to speak" in skipped["beep"] and "nothing to speak" in skipped["silence/1"]
    assert "tt-monkeys" in skipped and "line 33" in skipped
    assert "'..'" in skipped["../../etc/passwd"] and "duplicate" in skipped["vm-goodbye"]
    assert all(check_name(n) is None for n in prompts)


def test_freeswitch_corpus_imports_every_prompt():
    result = import_freeswitch(PHRASES.read_text(), source=str(PHRASES))
    lib = result.manifest["libraries"]["freeswitch-sounds"]
    prompts = lib["prompts"]
    assert PHRASES.read_text().count("<prompt ") == 1229
    assert len(prompts) == 1228 and result.skipped == [("directory/dir-for_next", "duplicate name: the later prompt wins")]
    for category in ("ascii", "base256", "conference", "currency", "digits", "directory", "ivr", "misc",
                     "phonetic-ascii", "time", "voicemail"):
        assert any(name.startswith(category + "/") for name in prompts), category
    assert prompts["ascii/35"] == "Pound" and lib["layout"] == "freeswitch"
    assert yaml.safe_load(dump_manifest(result.manifest)) == result.manifest


def test_hostile_xml_is_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><language><en><x><prompt phrase="&a;" filename="a.wav"/></x></en></language>'
    with pytest.raises(ManifestError, match="DOCTYPE"):
        import_freeswitch(bomb, source="bomb.xml")
    with pytest.raises(ManifestError, match="invalid XML"):
        import_freeswitch("<language><en>", source="broken.xml")


def cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "narrate.cli", "-q", *args], cwd=cwd, capture_output=True,
                          text=True, env=env)


def test_cli_imports_and_builds_the_whole_freeswitch_corpus(tmp_path):
    """The issue's acceptance test: import phrase_en.xml, build all of it offline, check every file."""
    imported = cli("import", "freeswitch", str(PHRASES), "--output", "out", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "skipped directory/dir-for_next" in imported.stderr
    manifest = tmp_path / "phrases.yaml"
    manifest.write_text(imported.stdout)
    built = cli("build", "--json", str(manifest), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)
    assert report["errors"] == [] and report["outputs_written"] == 2 * 1228
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert len(index["prompts"]) == 2 * 1228
    sample = next(r for r in index["prompts"] if r["name"] == "ivr/ivr-welcome_to_freeswitch" and r["format"] == "wav")
    assert sample["file"] == "en/ivr/8000/ivr-welcome_to_freeswitch.wav"
    model = load_manifest(manifest)
    assert len(model.libraries[0].prompts) == 1228
    again = cli("build", "--json", str(manifest), cwd=tmp_path)
    assert json.loads(again.stdout)["synthesized"] == 0 and json.loads(again.stdout)["outputs_written"] == 0


def test_cli_import_asterisk(tmp_path):
    out = cli("import", "asterisk", str(FIXTURE), "--library", "core", "--language", "en-GB", "--voice", "en-gb",
              cwd=tmp_path)
    assert out.returncode == 0
    data = yaml.safe_load(out.stdout)
    assert data["libraries"]["core"]["languages"] == {"en-GB": {"voice": "en-gb", "path": "en"}}
    assert "skipped beep: nothing to speak" in out.stderr
