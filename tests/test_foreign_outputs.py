"""Files in the output folders that narrate did not write (DESIGN.md invariant 8, touch only your own
files): a team moving to narrate often has studio recordings, or an index.json of its own, where the
library's outputs go. A build never replaces one with other bytes: the prompt (or the index) is
reported, exit 1, the file kept; its audio stays cached. A file holding the very bytes the build
would write is kept and recorded as found, not written (a lost lock, a copy put there by hand: a later
build never removes it, tests/test_found_outputs.py), and narrate's own outputs are rewritten as always."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import narrate_in

MANIFEST = """\
version: 1
libraries:
  shop:
    output: sounds
    formats: [ulaw]
    layout: flat
    languages: {en-US: en-us}
    prompts:
      hello: Hello there.
      bye: Goodbye.
"""
RECORDING = b"studio recording, not narrate's"
HELLO = Path("sounds/ulaw/en-US/hello.ulaw")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "m.yaml").write_text(MANIFEST)
    return tmp_path


def build(root: Path):
    done = narrate_in("build", "--json", "m.yaml", cwd=root)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    report["errors"] = [e["message"] for e in report["errors"]]
    return done, report


def test_a_recording_already_at_an_output_path_is_kept_and_the_prompt_reported(project):
    (project / HELLO).parent.mkdir(parents=True)
    (project / HELLO).write_bytes(RECORDING)
    done, report = build(project)
    assert done.returncode == 1
    assert (project / HELLO).read_bytes() == RECORDING
    assert ("shop/en-US/hello: sounds/ulaw/en-US/hello.ulaw exists and narrate did not write it (not in "
            "narrate.lock): left as it is; move or delete it, then build again (the audio is cached)") in report["errors"]
    assert (project / "sounds/ulaw/en-US/bye.ulaw").exists()  # the other prompts are built
    assert not list((project / HELLO).parent.glob(".*tmp*"))  # no temp file left beside it
    (project / HELLO).unlink()  # the user moves it away: the next build pays nothing
    done, report = build(project)
    assert done.returncode == 0 and report["synthesized"] == 0 and report["outputs_written"] == 1


def test_a_file_with_the_bytes_the_build_would_write_is_kept_and_recorded_as_found(project):
    build(project)
    kept = (project / HELLO).read_bytes()
    for gone in ("narrate.lock", ".narrate-cache/state", "sounds"):
        shutil.rmtree(project / gone) if (project / gone).is_dir() else (project / gone).unlink()
    (project / HELLO).parent.mkdir(parents=True)
    (project / HELLO).write_bytes(kept)  # a lost lock: the outputs are still narrate's bytes
    done, report = build(project)
    assert done.returncode == 0, report["errors"]
    assert report["written"] == ["sounds/ulaw/en-US/bye.ulaw"] and report["outputs_unchanged"] == 1
    entries = json.loads((project / "narrate.lock").read_text())["manifests"]["m.yaml"]["prompts"]
    assert entries["shop/en-US/hello"]["outputs"]["ulaw"]["found"] is True  # not written: never removed
    assert "found" not in entries["shop/en-US/bye"]["outputs"]["ulaw"]


def test_narrate_rewrites_its_own_outputs_even_without_the_lock(project):
    build(project)
    (project / "narrate.lock").unlink()  # the build state still knows the files narrate left
    (project / "m.yaml").write_text(MANIFEST.replace("Hello there.", "Hello again."))
    done, report = build(project)
    assert done.returncode == 0, report["errors"]
    assert "sounds/ulaw/en-US/hello.ulaw" in report["written"]


def test_an_index_json_of_the_team_is_kept(project):
    (project / "sounds").mkdir()
    (project / "sounds/index.json").write_text('{"mine": true}\n')
    done, report = build(project)
    assert done.returncode == 1
    assert (project / "sounds/index.json").read_text() == '{"mine": true}\n'
    assert ("libraries.shop: sounds/index.json exists and narrate did not write it (it is not a narrate "
            "index): left as it is; move or delete it, then build again") in report["errors"]


def test_narrates_index_json_is_rewritten_when_the_state_is_lost(project):
    build(project)
    shutil.rmtree(project / ".narrate-cache" / "state")
    (project / "m.yaml").write_text(MANIFEST.replace("Goodbye.", "Goodbye now."))
    done, report = build(project)
    assert done.returncode == 0, report["errors"]
    assert "Goodbye now." in (project / "sounds/index.json").read_text()


def test_a_recording_is_kept_when_the_prompt_renders_from_the_cache(project):
    build(project)  # cached; then the outputs, the lock and the state are gone and a recording is put there
    for gone in ("narrate.lock", ".narrate-cache/state", "sounds"):
        shutil.rmtree(project / gone) if (project / gone).is_dir() else (project / gone).unlink()
    (project / HELLO).parent.mkdir(parents=True)
    (project / HELLO).write_bytes(RECORDING)
    done, report = build(project)
    assert done.returncode == 1 and report["synthesized"] == 0
    assert (project / HELLO).read_bytes() == RECORDING
    assert report["errors"][0].startswith("shop/en-US/hello: sounds/ulaw/en-US/hello.ulaw exists and narrate did not")
    assert not [p for p in (project / HELLO).parent.iterdir() if p.name not in ("hello.ulaw", "bye.ulaw")]


def test_two_foreign_files_of_one_prompt_are_named_together(project):
    (project / "m.yaml").write_text(MANIFEST.replace("formats: [ulaw]", "formats: [ulaw, wav]"))
    for fmt in ("ulaw", "wav"):
        (project / f"sounds/{fmt}/en-US").mkdir(parents=True)
        (project / f"sounds/{fmt}/en-US/hello.{fmt}").write_bytes(RECORDING)
    done, report = build(project)
    assert done.returncode == 1
    assert ("shop/en-US/hello: sounds/ulaw/en-US/hello.ulaw, sounds/wav/en-US/hello.wav exist and narrate did not "
            "write them (not in narrate.lock): left as they are; move or delete them, then build again (the audio "
            "is cached)") in report["errors"]
