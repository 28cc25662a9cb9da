"""Outputs a build found already in place, holding the very bytes it would write, and did not write
(DESIGN.md invariant 8: a build deletes only files it wrote). Such a file is recorded in the lock as
found (`"found": true`), and a later build that stops producing it leaves it where it is: another
manifest writing to the same folder, or the user, put it there. A build that deleted it took another
manifest's prompt out of a live prompt set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import narrate_in

IVR = """\
version: 1
libraries:
  s:
    output: ../out
    formats: [ulaw]
    languages: {{en-US: en-us}}
    prompts:
      {own}: {text}
      bye: Goodbye.
"""
BYE = Path("out/en_US/bye.ulaw")


def build(root: Path, manifest: str) -> dict:
    done = narrate_in("build", "--json", manifest, cwd=root)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def lock_outputs(lock: Path) -> dict[str, dict]:
    """file -> its output record, in every prompt entry of the lock."""
    data = json.loads(lock.read_text())
    return {rec["file"]: rec for section in data["manifests"].values() for entry in section["prompts"].values()
            for rec in entry["outputs"].values()}


@pytest.fixture
def two(tmp_path: Path) -> Path:
    """a/ivr.yaml and b/ivr.yaml, each with its own lock and cache, both writing ../out, both saying bye."""
    for name, own, text in (("a", "hello", "Hello from A."), ("b", "other", "Other from B.")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ivr.yaml").write_text(IVR.format(own=own, text=text))
    return tmp_path


@pytest.mark.parametrize("dropped", ["bye", "other"])
def test_a_file_another_manifest_wrote_is_not_removed_when_this_one_stops_building_it(two, dropped):
    build(two / "a", "ivr.yaml")
    said = (two / BYE).read_bytes()
    report = build(two / "b", "ivr.yaml")
    assert report["outputs_unchanged"] == 1  # a's bye: the same bytes, found there, not written
    assert lock_outputs(two / "b/narrate.lock")["../out/en_US/bye.ulaw"].get("found") is True
    assert "found" not in lock_outputs(two / "b/narrate.lock")["../out/en_US/other.ulaw"]  # b wrote that one
    assert "found" not in lock_outputs(two / "a/narrate.lock")["../out/en_US/bye.ulaw"]
    manifest = two / "b/ivr.yaml"
    manifest.write_text("\n".join(line for line in manifest.read_text().splitlines()
                                  if not line.strip().startswith(f"{dropped}:")) + "\n")
    report = build(two / "b", "ivr.yaml")
    assert (two / BYE).read_bytes() == said  # a still builds it: kept whichever of b's prompts went
    if dropped == "bye":
        assert "../out/en_US/bye.ulaw" not in lock_outputs(two / "b/narrate.lock")
        assert report["removed"] == []
    else:
        assert report["removed"] == ["../out/en_US/other.ulaw"]  # b wrote that one: it goes
        assert not (two / "out/en_US/other.ulaw").exists()
    report = build(two / "a", "ivr.yaml")  # a finds its file as it left it
    assert report["outputs_written"] == 0 and report["synthesized"] == 0


def test_a_file_the_user_put_there_is_never_deleted(tmp_path):
    """A copy of a built prompt put in place by hand (not written by any build) is found, not written:
    dropping the prompt later keeps it."""
    (tmp_path / "first").mkdir()
    (tmp_path / "first/ivr.yaml").write_text(IVR.format(own="hello", text="Hello."))
    build(tmp_path / "first", "ivr.yaml")
    copy = (tmp_path / BYE).read_bytes()
    (tmp_path / "m").mkdir()
    (tmp_path / "m/ivr.yaml").write_text(IVR.format(own="hello", text="Hello.").replace("../out", "sounds"))
    placed = tmp_path / "m/sounds/en_US/bye.ulaw"
    placed.parent.mkdir(parents=True)
    placed.write_bytes(copy)
    build(tmp_path / "m", "ivr.yaml")
    assert lock_outputs(tmp_path / "m/narrate.lock")["sounds/en_US/bye.ulaw"].get("found") is True
    (tmp_path / "m/ivr.yaml").write_text(IVR.format(own="hello", text="Hello.").replace("../out", "sounds")
                                         .replace("      bye: Goodbye.\n", ""))
    report = build(tmp_path / "m", "ivr.yaml")
    assert report["removed"] == [] and placed.read_bytes() == copy
    assert any("sounds/en_US/bye.ulaw" in w and "did not write" in w for w in report["warnings"]), report["warnings"]


def test_a_found_file_stays_found_when_its_prompt_is_rendered_again_to_the_same_bytes(two):
    """A change that leaves the bytes as they are (a new render recipe, a segment key) re-renders the prompt:
    the file is still not one this manifest wrote."""
    build(two / "a", "ivr.yaml")
    build(two / "b", "ivr.yaml")
    lock = two / "b/narrate.lock"
    data = json.loads(lock.read_text())
    data["manifests"]["ivr.yaml"]["prompts"]["s/en-US/bye"]["recipe"] = "0" * 32  # stale: rendered again
    lock.write_text(json.dumps(data))
    report = build(two / "b", "ivr.yaml")
    assert report["outputs_unchanged"] >= 1 and "../out/en_US/bye.ulaw" not in report["written"]
    assert lock_outputs(lock)["../out/en_US/bye.ulaw"].get("found") is True


# -- units: the lock format and removal.plan_removals

def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _record(file: str, data: bytes, **extra: object) -> dict:
    return {"file": file, "sha256": _sha(data), "bytes": len(data), "duration": 1.0, **extra}


def _lock_text(version: int, sections: dict[str, dict[str, dict]]) -> str:
    """A lock of `version` with, per manifest name, prompt entries {id: {format: record}}."""
    manifests = {name: {"books": {}, "prompts": {pid: {"outputs": outs, "recipe": "r", "segments": [], "text": "t"}
                                                 for pid, outs in prompts.items()}}
                 for name, prompts in sections.items()}
    return json.dumps({"narrate_lock": version, "manifests": manifests})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  s:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {en-US: en-us}\n    prompts:\n      kept: Kept.\n")
    (tmp_path / "out").mkdir()
    for name in ("wrote", "found", "theirs"):
        (tmp_path / "out" / f"{name}.ulaw").write_bytes(name.encode())
    return tmp_path


def _removals(folder: Path, text: str) -> tuple[set[str], list[str]]:
    from narrate.cache.lock import LockFile
    from narrate.manifest import load_manifest
    from narrate.removal import plan_removals

    (folder / "narrate.lock").write_text(text)
    manifest = load_manifest(folder / "m.yaml")
    removable, warnings = plan_removals(manifest, LockFile.for_manifest(folder / "m.yaml"), set())
    return set(removable), warnings


def test_removal_skips_found_records_and_files_another_section_records(folder):
    (folder / "n.yaml").write_text("version: 1\n")
    text = _lock_text(2, {
        "m.yaml": {"s/en-US/wrote": {"ulaw": _record("out/wrote.ulaw", b"wrote")},
                   "s/en-US/found": {"ulaw": _record("out/found.ulaw", b"found", found=True)},
                   "s/en-US/theirs": {"ulaw": _record("out/theirs.ulaw", b"theirs")}},
        "n.yaml": {"t/en-US/theirs": {"ulaw": _record("out/theirs.ulaw", b"theirs")}}})
    removable, warnings = _removals(folder, text)
    assert removable == {"out/wrote.ulaw"}
    assert any("out/found.ulaw" in w and "did not write: left alone" in w for w in warnings), warnings
    assert any("out/theirs.ulaw" in w and "n.yaml (in the same lock) records too" in w for w in warnings), warnings
    (folder / "n.yaml").unlink()  # the section of a manifest that is gone claims nothing
    assert _removals(folder, text)[0] == {"out/wrote.ulaw", "out/theirs.ulaw"}


def test_remove_outputs_never_deletes_a_found_record(folder):
    from narrate.cache.lock import RecordedOutput
    from narrate.manifest import load_manifest
    from narrate.removal import remove_outputs

    manifest = load_manifest(folder / "m.yaml")
    records = [RecordedOutput("library", "s", "out/found.ulaw", _sha(b"found"), found=True),
               RecordedOutput("library", "s", "out/wrote.ulaw", _sha(b"wrote"))]
    removed, _ = remove_outputs(manifest, folder / "narrate.lock", records)
    assert removed == ["out/wrote.ulaw"] and (folder / "out/found.ulaw").read_bytes() == b"found"


def test_a_version_1_lock_still_loads_and_its_records_are_narrates(folder):
    """Version 1 had no found records: each is one narrate wrote, removable as before; saved as version 2."""
    from narrate.cache.lock import LOCK_VERSION, LockFile

    text = _lock_text(1, {"m.yaml": {"s/en-US/wrote": {"ulaw": _record("out/wrote.ulaw", b"wrote")}}})
    assert _removals(folder, text) == ({"out/wrote.ulaw"}, [])
    lock = LockFile.for_manifest(folder / "m.yaml")
    assert lock.prompts["s/en-US/wrote"]["outputs"]["ulaw"]["file"] == "out/wrote.ulaw"
    lock.prompts["s/en-US/kept"] = lock.prompts.pop("s/en-US/wrote")
    assert lock.save()
    saved = json.loads((folder / "narrate.lock").read_text())
    assert LOCK_VERSION == 2 and saved["narrate_lock"] == 2 and list(saved["manifests"]["m.yaml"]["prompts"]) == [
        "s/en-US/kept"]


@pytest.mark.parametrize("version, found, message", [
    (3, None, "narrate_lock: expected lock version 1 or 2, found 3"),
    (True, None, "narrate_lock: expected lock version 1 or 2, found True"),
    (2, False, "outputs.ulaw.found: expected true, found true/false"),
    (2, "yes", "outputs.ulaw.found: expected true, found a string"),
])
def test_a_lock_of_another_version_or_a_bad_found_is_refused_located(folder, version, found, message):
    from narrate.errors import LockError

    extra = {} if found is None else {"found": found}
    text = _lock_text(version, {"m.yaml": {"s/en-US/wrote": {"ulaw": _record("out/wrote.ulaw", b"wrote", **extra)}}})
    with pytest.raises(LockError) as caught:
        _removals(folder, text)
    assert message in str(caught.value)


def test_a_found_file_stays_found_when_the_lock_is_lost_and_the_build_state_kept(two):
    """The build state (the stat cache) knew the found file's signature, and counted it narrate's once the
    lock was gone: b recorded a's file as written, and deleted it when its prompt went."""
    build(two / "a", "ivr.yaml")
    said = (two / BYE).read_bytes()
    build(two / "b", "ivr.yaml")
    (two / "b/narrate.lock").unlink()  # lost (a bad merge, a checkout); b/.narrate-cache/state is kept
    report = build(two / "b", "ivr.yaml")
    assert "../out/en_US/bye.ulaw" not in report["written"]
    assert lock_outputs(two / "b/narrate.lock")["../out/en_US/bye.ulaw"].get("found") is True
    manifest = two / "b/ivr.yaml"
    manifest.write_text(manifest.read_text().replace("      bye: Goodbye.\n", ""))
    report = build(two / "b", "ivr.yaml")
    assert report["removed"] == [] and (two / BYE).read_bytes() == said


def test_the_build_state_keeps_its_found_files_through_the_journal_and_a_rewrite(tmp_path):
    from narrate.cache.state import BuildState
    from narrate.cache.state_journal import journal_path

    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\n")
    state = BuildState(tmp_path / "cache", manifest)
    state.mark_found("out/a.ulaw", True)
    state.mark_found("out/b.ulaw", True)
    state.save()  # no base yet: written whole
    assert BuildState(tmp_path / "cache", manifest).found == {"out/a.ulaw", "out/b.ulaw"}
    again = BuildState(tmp_path / "cache", manifest)
    again.mark_found("out/a.ulaw", False)  # written by a build since: narrate's
    again.save()  # appended to the journal
    assert journal_path(again.path).exists()
    assert BuildState(tmp_path / "cache", manifest).found == {"out/b.ulaw"}
    journal_path(again.path).write_text(journal_path(again.path).read_text().replace('"found":["out/b.ulaw"]',
                                                                                     '"found":[7]'))
    assert BuildState(tmp_path / "cache", manifest).found == {"out/a.ulaw", "out/b.ulaw"}  # a bad line is not applied


def test_a_file_another_lock_nearby_records_is_not_removed(two):
    """b writes bye first, a finds it in place: b dropping bye must not delete what a's lock records."""
    build(two / "b", "ivr.yaml")
    said = (two / BYE).read_bytes()
    build(two / "a", "ivr.yaml")
    assert lock_outputs(two / "a/narrate.lock")["../out/en_US/bye.ulaw"].get("found") is True
    assert "found" not in lock_outputs(two / "b/narrate.lock")["../out/en_US/bye.ulaw"]  # b wrote it
    manifest = two / "b/ivr.yaml"
    manifest.write_text(manifest.read_text().replace("      bye: Goodbye.\n", ""))
    plan = json.loads(narrate_in("plan", "--json", "ivr.yaml", cwd=two / "b").stdout)
    assert plan["outputs_to_remove"] == []
    report = build(two / "b", "ivr.yaml")
    assert report["removed"] == [] and (two / BYE).read_bytes() == said
    assert any("../out/en_US/bye.ulaw" in w and "a/narrate.lock records too: left alone" in w
               for w in report["warnings"]), report["warnings"]
    assert "../out/en_US/bye.ulaw" not in lock_outputs(two / "b/narrate.lock")


def _claiming(folder: Path, manifest: str, file: str) -> None:
    folder.mkdir()
    (folder / "narrate.lock").write_text(json.dumps({"manifests": {manifest: {"prompts": {"p": {"outputs": {"u": {
        "file": file}}}}}}}) + "\n")


def test_a_lock_nearby_that_is_not_narrates_or_whose_manifest_is_gone_claims_nothing(two):
    """The control: with no other lock recording it, b's own file goes; a broken lock beside it, or the
    section of a manifest that is gone, changes nothing. A lock of any other shape may make a build keep
    a file, never delete one."""
    build(two / "b", "ivr.yaml")
    (two / "c").mkdir()
    (two / "c/narrate.lock").write_text('{"narrate_lock": 2, "manifests": [')
    _claiming(two / "e", "gone.yaml", "../out/en_US/bye.ulaw")  # no e/gone.yaml
    _claiming(two / "d", "x.yaml", "../out/en_US/other.ulaw")
    (two / "d/x.yaml").write_text("version: 1\n")
    manifest = two / "b/ivr.yaml"
    manifest.write_text(manifest.read_text().replace("      bye: Goodbye.\n", ""))
    report = build(two / "b", "ivr.yaml")
    assert report["removed"] == ["../out/en_US/bye.ulaw"] and not (two / BYE).exists()
    manifest.write_text(manifest.read_text().replace("      other: Other from B.\n", "      hi: Hi.\n"))
    report = build(two / "b", "ivr.yaml")
    assert report["removed"] == [] and (two / "out/en_US/other.ulaw").exists()  # d's lock records it


def test_a_found_file_is_not_replaced_with_other_bytes(two):
    """b found a's bye in place; b's bye changing its text must not overwrite a's prompt: the prompt is
    refused as for any file narrate did not write, its audio cached, a's file kept."""
    build(two / "a", "ivr.yaml")
    said = (two / BYE).read_bytes()
    build(two / "b", "ivr.yaml")
    manifest = two / "b/ivr.yaml"
    manifest.write_text(manifest.read_text().replace("Goodbye.", "Goodbye now."))
    done = narrate_in("build", "--json", "ivr.yaml", cwd=two / "b")
    report = json.loads(done.stdout)
    assert done.returncode == 1 and (two / BYE).read_bytes() == said
    assert [e["message"] for e in report["errors"]] == [
        "s/en-US/bye: ../out/en_US/bye.ulaw exists and narrate did not write it (narrate.lock records it as "
        "found in place): left as it is; move or delete it, then build again (the audio is cached)"]
    assert build(two / "a", "ivr.yaml")["outputs_written"] == 0
