"""The commands a user runs, end to end on the embedded engine, checked with real decoders."""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ROOT, narrate_in

FFMPEG = __import__("imageio_ffmpeg").get_ffmpeg_exe()

SMALL = """\
version: 1
libraries:
  shop:
    output: out/shop
    layout: asterisk
    formats: [ulaw, wav]
    languages:
      en-US: {voice: en-us, path: en}
      es-US: {voice: es-419, path: es}
    prompts:
      welcome: {en-US: Welcome to the shop., es-US: Bienvenido a la tienda.}
      goodbye: {en-US: Goodbye., es-US: Adiós.}
      only-english: Press one for sales.
"""


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(SMALL)
    return path


def build_json(path: Path, *extra: str) -> tuple[int, dict]:
    done = narrate_in("-q", "build", "--json", *extra, str(path))
    return done.returncode, json.loads(done.stdout)


@pytest.mark.slow
def test_demo_builds_offline_and_decodes(tmp_path):
    """The README's main job, in a copy of the repository's manifests."""
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests",
                    ignore=shutil.ignore_patterns(".narrate-cache", "narrate.lock"))
    shutil.copytree(ROOT / "content", tmp_path / "content")
    (tmp_path / ".git").mkdir()  # a work tree like the repository's: demo.yaml reads ../content inside it
    code, report = build_json(tmp_path / "manifests" / "demo.yaml")
    assert code == 0 and report["errors"] == [] and report["synthesized"] == report["segments"]
    out = tmp_path / "output"
    probe = subprocess.run([FFMPEG, "-hide_banner", "-f", "mulaw", "-ar", "8000", "-ac", "1", "-i",
                            str(out / "asterisk" / "es" / "welcome.ulaw"), "-f", "null", "-"], capture_output=True, text=True)
    assert probe.returncode == 0 and "pcm_mulaw" in probe.stderr
    probe = subprocess.run([FFMPEG, "-hide_banner", "-i", str(out / "connect" / "mulaw-wav" / "en-US" / "menu_main.wav"),
                            "-f", "null", "-"], capture_output=True, text=True)
    assert "pcm_mulaw ([7][0][0][0]" in probe.stderr and "8000 Hz, mono" in probe.stderr
    with wave.open(str(out / "freeswitch" / "en" / "us" / "northwind" / "ivr" / "16000" / "welcome.wav")) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (16000, 2, 1)
        assert 2.0 < w.getnframes() / 16000 < 10.0
    chapters = subprocess.run([FFMPEG, "-hide_banner", "-i", str(out / "books" / "patient-guide" / "patient-guide.m4b")],
                              capture_output=True, text=True).stderr
    assert chapters.count("Chapter #") == 3 and "Caring for Your Teeth at Home" in chapters
    code, again = build_json(tmp_path / "manifests" / "demo.yaml")
    assert code == 0 and again["synthesized"] == 0 and again["outputs_written"] == 0


def test_json_report_and_noop_fast_path(project):
    code, first = build_json(project)
    assert code == 0
    for key in ("segments", "cached", "synthesized", "chars_synthesized", "outputs_written", "outputs_unchanged",
                "outputs_removed", "errors"):
        assert key in first
    assert (first["segments"], first["synthesized"], first["outputs_written"]) == (5, 5, 10)
    mtimes = {p: p.stat().st_mtime_ns for p in project.parent.rglob("*") if p.is_file()}
    code, second = build_json(project)
    assert (second["synthesized"], second["outputs_written"], second["outputs_unchanged"]) == (0, 0, 10)
    assert {p: p.stat().st_mtime_ns for p in project.parent.rglob("*") if p.is_file() and ".narrate-cache" not in str(p)} == \
        {p: m for p, m in mtimes.items() if ".narrate-cache" not in str(p)}
    # The fast path must notice a deleted output and rebuild it from the cache.
    (project.parent / "out" / "shop" / "es" / "goodbye.ulaw").unlink()
    code, third = build_json(project)
    assert (third["synthesized"], third["outputs_written"]) == (0, 1)
    # ... and a deleted index.json.
    (project.parent / "out" / "shop" / "index.json").unlink()
    code, index_run = build_json(project)
    assert code == 0 and (project.parent / "out" / "shop" / "index.json").is_file()
    # ... and a changed lexicon file, though the manifest's bytes did not change.
    lexicon = project.parent / "lex.yaml"
    lexicon.write_text("shop: store\n")
    project.write_text("lexicon: lex.yaml\n" + SMALL)
    code, fourth = build_json(project)
    assert fourth["synthesized"] == 1  # "Welcome to the shop." is the only text with the term
    lexicon.write_text("shop: boutique\n")
    code, fifth = build_json(project)
    assert fifth["synthesized"] == 1  # only the lexicon changed: the fast path must not hide it


def test_check_names_each_segment_with_the_prompts_that_speak_it(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw]\n"
        "    languages: {en-US: {voice: en-us, path: en}}\n    prompts:\n"
        "      hold: Please hold.\n      wait: Please hold.\n      again: Please hold.\n      bye: Goodbye.\n")
    done = narrate_in("-q", "build", "--check", "m.yaml", cwd=tmp_path)
    lines = sorted(line.split(" [")[0] for line in done.stderr.splitlines() if line.startswith("would synthesize"))
    assert done.returncode == 1
    assert lines == ["would synthesize ivr/en-US/bye", "would synthesize ivr/en-US/hold (+2 more)"]


def test_check_exit_codes(project):
    done = narrate_in("-q", "build", "--check", str(project))
    assert done.returncode == 1 and "would synthesize" in done.stderr and not (project.parent / "out").exists()
    assert narrate_in("-q", "build", str(project)).returncode == 0
    done = narrate_in("-q", "build", "--check", str(project))
    assert done.returncode == 0 and "up to date" in done.stderr
    project.write_text(SMALL.replace("Goodbye.", "Bye now."))
    done = narrate_in("-q", "build", "--check", project.name, cwd=project.parent)
    assert done.returncode == 1 and "would write out/shop/en/goodbye.ulaw" in done.stderr


def test_check_names_files_from_where_it_runs(tmp_path):
    # The manifest in a subfolder writing to ../out: the lines name out/..., not ../out/... (which from
    # the project's root would be outside it).
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "shop.yaml").write_text(SMALL.replace("output: out", "output: ../out"))
    done = narrate_in("-q", "build", "--check", "manifests/shop.yaml", cwd=tmp_path)
    assert done.returncode == 1 and "would write out/shop/en/goodbye.ulaw" in done.stderr, done.stderr


def test_offline_lists_missing_segments_and_fails(project):
    done = narrate_in("-q", "build", "--offline", str(project))
    assert done.returncode == 1
    assert "not in the cache (offline): shop/en-US/welcome" in done.stderr
    assert not list((project.parent / "out").rglob("*.ulaw"))


def test_offline_writes_every_output_whose_segments_are_cached(project):
    assert narrate_in("-q", "build", str(project)).returncode == 0
    project.write_text(SMALL.replace("Goodbye.", "Bye now."))
    goodbye = project.parent / "out" / "shop" / "en" / "goodbye.ulaw"
    old_goodbye = goodbye.read_bytes()
    welcome = project.parent / "out" / "shop" / "en" / "welcome.ulaw"
    welcome.unlink()  # an output to write again from cached segments
    done = narrate_in("-q", "build", "--offline", str(project))
    assert done.returncode == 1
    offline = [line for line in done.stderr.splitlines() if "not in the cache" in line]
    assert len(offline) == 1 and offline[0].startswith("error: not in the cache (offline): shop/en-US/goodbye"), offline
    assert welcome.is_file()  # written from the cache
    assert goodbye.read_bytes() == old_goodbye  # its new text is not cached: the old file stays


def test_budget_stops_before_any_request(project):
    done = narrate_in("-q", "build", "--max-chars", "20", str(project))
    assert done.returncode == 2 and "over the budget of 20" in done.stderr
    assert not (project.parent / ".narrate-cache").exists() or not list((project.parent / "out").rglob("*.ulaw"))


def test_an_offline_build_spends_nothing_so_no_budget_refuses_it(project):
    assert narrate_in("-q", "build", str(project)).returncode == 0
    project.write_text(SMALL.replace("Goodbye.", "Bye now."))
    done = narrate_in("-q", "build", "--offline", "--max-chars", "0", str(project))
    assert done.returncode == 1 and "over the budget" not in done.stderr, done.stderr
    assert "not in the cache (offline): shop/en-US/goodbye" in done.stderr


def test_budget_bounds_the_whole_command_not_each_manifest(tmp_path):
    """`build a.yaml b.yaml --max-chars N` synthesizes at most N characters in all."""
    paths = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        paths.append(tmp_path / name / "shop.yaml")
        paths[-1].write_text(SMALL)
    need = json.loads(narrate_in("plan", "--json", str(paths[0])).stdout)["chars_by_provider"]["espeak"]
    done = narrate_in("-q", "build", "--json", "--max-chars", str(need + need // 2), *map(str, paths))
    assert done.returncode == 2, done.stderr
    data = json.loads(done.stdout)
    assert data["chars_synthesized"] == need and [m["manifest"] for m in data["manifests"]] == [str(paths[0])]
    assert f"over the budget of {need // 2:,} ({need:,} of --max-chars {need + need // 2:,} spent" in done.stderr
    assert not (tmp_path / "b" / "out").exists()


def test_plan_shows_diff_costs_and_translations(project):
    assert narrate_in("-q", "build", str(project)).returncode == 0
    project.write_text(SMALL.replace("Goodbye.", "Bye now.").replace("      only-english: Press one for sales.\n", "")
                       + "      new-one: {en-US: Brand new., es-US: Nuevo.}\n")
    done = narrate_in("plan", str(project))
    assert done.returncode == 0
    assert "+ shop/en-US/new-one" in done.stdout and "~ shop/en-US/goodbye" in done.stdout
    assert "- shop/en-US/only-english" in done.stdout
    assert "Plan: 2 to add, 1 to change, 1 to remove." in done.stdout
    data = json.loads(narrate_in("plan", "--json", str(project)).stdout)
    assert data["to_synthesize"] == 3 and data["chars_by_provider"] == {"espeak": len("Bye now.Brand new.Nuevo.")}
    assert data["cost_usd"] == 0.0 and data["removed"] == ["shop/en-US/only-english"]
    assert data["outputs_to_remove"] == ["out/shop/en/only-english.ulaw", "out/shop/en/only-english.wav"]
    assert narrate_in("plan", "--max-chars", "5", str(project)).returncode == 1


def test_validate_reports_translations_and_bad_voices(project):
    done = narrate_in("validate", str(project))
    assert done.returncode == 0 and "1 missing in es-US: only-english" in done.stderr
    assert "1 only in en-US: only-english" in done.stderr
    project.write_text(SMALL.replace("voice: es-419", "voice: es-marsian"))
    done = narrate_in("validate", str(project))
    assert done.returncode == 2 and "shop.yaml:9: libraries.shop.languages.es-US.voice: voice 'es-marsian'" in done.stderr
    assert "(used by libraries.shop.prompts.welcome.es-US, line 11)" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("content, expected", [
    ("libraries: {shop: {output: o, formats: [ulaw], languages: {en-US: en-us}, prompts: {a: ''}}}\n",
     "shop.yaml:1: libraries.shop.prompts.a: empty text"),
    ("libraries:\n  shop: [1]\n", "shop.yaml:2: libraries.shop: expected a mapping, got a list"),
    ("", "shop.yaml:1: the file is empty"),
    ("a: [\n", "invalid YAML"),
])
def test_bad_manifests_exit_2_with_location(project, content, expected):
    project.write_text(content)
    done = narrate_in("build", str(project))
    assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr
    verbose = narrate_in("-v", "build", str(project))
    assert verbose.returncode == 2 and "Traceback" in verbose.stderr


def test_voices_and_schema():
    done = narrate_in("voices", "--language", "es")
    assert done.returncode == 0 and "roa/es-419" in done.stdout and "gmw/en-US" not in done.stdout
    schema = json.loads(narrate_in("schema").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == json.loads((ROOT / "docs" / "manifest.schema.json").read_text()), \
        "docs/manifest.schema.json is stale: regenerate it with `narrate schema`"
    jsonschema.validate(yaml.safe_load((ROOT / "manifests" / "demo.yaml").read_text()), schema)


def test_unwritable_output_is_a_clean_error_and_keeps_the_cache(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    (tmp_path / "m.yaml").write_text(SMALL.replace("output: out/shop", "output: out/shop"))
    done = narrate_in("-q", "build", "--json", str(tmp_path / "m.yaml"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"error: cannot write the output folder {tmp_path / 'out/shop/en'}: Not a directory; " in done.stderr
    first = json.loads(done.stdout)
    assert first["synthesized"] == 0 and first["outputs_written"] == 0  # found before paying anything
    blocker.unlink()
    again = json.loads(narrate_in("-q", "build", "--json", str(tmp_path / "m.yaml")).stdout)
    assert again["synthesized"] == first["segments"] and again["outputs_written"] == 10
