"""Data-safety holes (DESIGN.md invariant 8: a build touches only files it wrote, as recorded in the lock
with matching bytes; a hand-edited or hostile lock cannot make it replace or delete anything else),
each reproduced through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import narrate_in

IVR = """\
version: 1
libraries:
  shop:
    output: out
    layout: asterisk
    formats: [wav]
    languages: {en-US: {voice: en-us, path: en}}
    prompts:
      hello: Hello there.
      notes: Some notes.
"""
NOTES = "out/en/notes.wav"
MINE = b"RIFF my own recording, not narrate's"


def build(root: Path, manifest: str = "m.yaml") -> tuple[int, dict]:
    done = narrate_in("build", "--json", manifest, cwd=root)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    report["errors"] = [e["message"] for e in report["errors"]]
    return done.returncode, report


def claim(lock: Path, section: str, kind: str, entry: str, oid: str, rel: str, **rec: object) -> None:
    """Add to `lock` an output record naming `rel`, as a hand edit (or a hostile pull request) would."""
    data = json.loads(lock.read_text())
    entries = data["manifests"].setdefault(section, {"books": {}, "prompts": {}})[kind]
    body = entries.setdefault(entry, {"outputs": {}, "recipe": "0" * 32, "segments": [], "text": "x"})
    body["outputs"][oid] = {"bytes": 1, "duration": 1.0, "file": rel, "sha256": "0" * 64, **rec}
    lock.write_text(json.dumps(data))


# -- 1. a lock's record counts as narrate's claim only while the file holds the bytes it records

@pytest.mark.parametrize("where", ["own entry", "another entry", "a gone manifest's section"])
def test_a_lock_record_naming_a_users_file_does_not_let_a_build_overwrite_it(tmp_path, where):
    (tmp_path / "m.yaml").write_text(IVR)
    (tmp_path / NOTES).parent.mkdir(parents=True)
    (tmp_path / NOTES).write_bytes(MINE)
    code, report = build(tmp_path)
    assert code == 1 and (tmp_path / NOTES).read_bytes() == MINE  # the foreign-file rule, as before
    section, entry = {"own entry": ("m.yaml", "shop/en-US/notes"), "another entry": ("m.yaml", "shop/en-US/old"),
                      "a gone manifest's section": ("gone.yaml", "shop/en-US/notes")}[where]
    claim(tmp_path / "narrate.lock", section, "prompts", entry, "wav", NOTES)
    for _ in range(2):  # hashed once, the user's file must not become narrate's in the build state either
        code, report = build(tmp_path)
        assert (tmp_path / NOTES).read_bytes() == MINE
        assert code == 1
        assert any(e.startswith(f"shop/en-US/notes: {NOTES} exists and ") for e in report["errors"]), \
            report["errors"]
    (tmp_path / NOTES).unlink()  # the user moves it away: the prompt is written, nothing paid again
    code, report = build(tmp_path)
    assert code == 0 and report["synthesized"] == 0 and NOTES in report["written"]


@pytest.mark.parametrize("text", ["Some notes.", "Some other notes."])
def test_a_file_put_over_an_output_in_a_fresh_clone_is_kept_and_named(tmp_path, text):
    """Without the build state (a fresh clone) only the lock says whose a file is, and it records other
    bytes. Its prompt unchanged, the build hashes the file to see that it is stale: that digest must not
    make the file narrate's in the build state for the next build either."""
    (tmp_path / "m.yaml").write_text(IVR)
    assert build(tmp_path)[0] == 0
    shutil.rmtree(tmp_path / ".narrate-cache" / "state")
    (tmp_path / NOTES).write_bytes(MINE)  # a studio take committed over narrate's
    (tmp_path / "m.yaml").write_text(IVR.replace("Some notes.", text))
    for _ in range(2):
        code, report = build(tmp_path)
        assert code == 1 and (tmp_path / NOTES).read_bytes() == MINE
        assert (f"shop/en-US/notes: {NOTES} exists and holds other bytes than narrate.lock records (edited since "
                "narrate wrote it, or not narrate's): left as it is; move or delete it, then build again (the audio is "
                "cached)") in report["errors"]


def test_a_file_put_over_an_output_after_the_lock_was_lost_is_kept(tmp_path):
    """The build state knows narrate wrote there, but no lock record names the file: only its signature
    as narrate left it would make it narrate's (as before), and it has another."""
    (tmp_path / "m.yaml").write_text(IVR)
    assert build(tmp_path)[0] == 0
    (tmp_path / "narrate.lock").unlink()
    (tmp_path / NOTES).write_bytes(MINE)
    code, report = build(tmp_path)
    assert code == 1 and (tmp_path / NOTES).read_bytes() == MINE
    assert any(e.startswith(f"shop/en-US/notes: {NOTES} exists and narrate did not write it (not in narrate.lock)")
               for e in report["errors"]), report["errors"]


def test_narrates_own_output_is_still_rewritten_without_the_build_state(tmp_path):
    """A fresh clone (no build state): the lock's record holds for the file it records, bytes and all."""
    (tmp_path / "m.yaml").write_text(IVR)
    assert build(tmp_path)[0] == 0
    before = (tmp_path / NOTES).read_bytes()
    shutil.rmtree(tmp_path / ".narrate-cache" / "state")
    (tmp_path / "m.yaml").write_text(IVR.replace("Some notes.", "Some other notes."))
    code, report = build(tmp_path)
    assert code == 0, report["errors"]
    assert report["written"] == [NOTES] and (tmp_path / NOTES).read_bytes() != before


BOOK = """\
version: 1
books:
  guide:
    title: A Small Guide
    sources: ch/*.md
    output: out/guide
    formats: [chapters, mp3]
"""
PLAYLIST = "out/guide/guide.m3u"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch/01.md").write_text("# First\n\nThis is the first chapter.\n")
    (tmp_path / "ch/02.md").write_text("# Second\n\nThe second chapter.\n")
    (tmp_path / "book.yaml").write_text(BOOK)
    return tmp_path


def test_a_lock_record_naming_a_users_file_where_a_book_output_goes_does_not_let_a_build_overwrite_it(book):
    mine = b"#EXTM3U\n# my own playlist\n"
    (book / PLAYLIST).parent.mkdir(parents=True)
    (book / PLAYLIST).write_bytes(mine)
    code, report = build(book, "book.yaml")
    assert code == 1 and (book / PLAYLIST).read_bytes() == mine  # the foreign-file rule, as before
    claim(book / "narrate.lock", "book.yaml", "books", "guide", "m3u", PLAYLIST)
    code, report = build(book, "book.yaml")
    assert (book / PLAYLIST).read_bytes() == mine
    assert code == 1
    assert any(e.startswith(f"books/guide: {PLAYLIST} exists and holds other bytes") for e in report["errors"]), \
        report["errors"]
    assert build(book, "book.yaml")[0] == 1 and (book / PLAYLIST).read_bytes() == mine  # the claim is not kept
    assert (book / "out/guide/guide.mp3").is_file()  # the book's other outputs are made



def test_a_lock_edited_to_drop_found_does_not_make_a_file_found_in_place_removable(tmp_path):
    """The build state remembers the files a build found in place: a lock whose `"found": true` was taken
    out (by hand, by a bad merge) does not make dropping the prompt delete the user's copy."""
    (tmp_path / "first").mkdir()
    (tmp_path / "first/m.yaml").write_text(IVR)
    assert build(tmp_path / "first")[0] == 0
    copy = (tmp_path / "first" / NOTES).read_bytes()
    (tmp_path / "m").mkdir()
    (tmp_path / "m/m.yaml").write_text(IVR)
    (tmp_path / "m" / NOTES).parent.mkdir(parents=True)
    (tmp_path / "m" / NOTES).write_bytes(copy)  # put there by hand: found, not written
    assert build(tmp_path / "m")[0] == 0
    lock = tmp_path / "m/narrate.lock"
    data = json.loads(lock.read_text())
    record = data["manifests"]["m.yaml"]["prompts"]["shop/en-US/notes"]["outputs"]["wav"]
    assert record.pop("found") is True
    lock.write_text(json.dumps(data))
    (tmp_path / "m/m.yaml").write_text(IVR.replace("      notes: Some notes.\n", ""))
    code, report = build(tmp_path / "m")
    assert code == 0 and report["removed"] == []
    assert (tmp_path / "m" / NOTES).read_bytes() == copy
    assert any(NOTES in w and "did not write" in w for w in report["warnings"]), report["warnings"]

# -- 3. a book output found in place, with the bytes the build would write, is recorded as found

def test_a_book_output_found_in_place_is_recorded_as_found_and_kept_when_the_book_is_dropped(tmp_path):
    """As for prompts (tests/test_found_outputs.py): a copy of a built book put in place by hand (or by
    another manifest writing that folder) is found, not written, and dropping the book keeps it."""
    first, m = tmp_path / "first", tmp_path / "m"
    for root in (first, m):
        (root / "ch").mkdir(parents=True)
        (root / "ch/01.md").write_text("# First\n\nThis is the first chapter.\n")
        (root / "ch/02.md").write_text("# Second\n\nThe second chapter.\n")
        (root / "book.yaml").write_text(BOOK)
    assert build(first, "book.yaml")[0] == 0
    shutil.copytree(first / "out", m / "out")
    copies = {p.relative_to(m).as_posix(): p.read_bytes() for p in (m / "out").rglob("*") if p.is_file()}
    code, report = build(m, "book.yaml")
    assert code == 0 and report["written"] == [], report["written"]
    records = json.loads((m / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["guide"]["outputs"]
    assert {r["file"]: r.get("found") for r in records.values()} == dict.fromkeys(copies, True)
    (m / "book.yaml").write_text(IVR)  # the book dropped (a library now)
    code, report = build(m, "book.yaml")
    assert code == 0 and report["removed"] == []
    assert {rel: (m / rel).read_bytes() for rel in copies} == copies
    assert any(PLAYLIST in w and "did not write" in w for w in report["warnings"]), report["warnings"]


# -- 4. narrate's own defaults pass narrate's own check

def test_a_custom_profile_book_at_22050_hz_with_the_default_bitrate_passes_narrate_check(tmp_path):
    """The custom profile's AAC default was 128 kbps whatever the sample rate; at 22.05 kHz ffmpeg's AAC
    tops out near 80 and speech with pauses averaged 49 kbps, under `check`'s floor of half of 128."""
    (tmp_path / "ch").mkdir()
    for i in (1, 2):  # short lines between headings: pauses, which cost the encoder almost nothing
        (tmp_path / f"ch/0{i}.md").write_text(f"# Chapter {i}\n\n" + "\n\n".join(f"## Part {j}\n\nYes.\n\nNo."
                                                                             for j in range(6)) + "\n")
    (tmp_path / "book.yaml").write_text(BOOK.replace("formats: [chapters, mp3]", "formats: [m4b]\n    profile: custom\n"
                                                     "    audio: {sample_rate: 22050}"))
    assert build(tmp_path, "book.yaml")[0] == 0
    done = narrate_in("check", "book.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "meet the custom profile" in done.stdout + done.stderr


# -- 2. sibling manifests writing one output folder: neither's index.json listing is lost

SIBLING = """\
version: 1
libraries:
  s:
    output: ../out
    formats: [ulaw]
    languages: {{en-US: en-us}}
    prompts:
{prompts}
"""


def _index(root: Path) -> dict[str, str]:
    """file -> the prompt's name, for each row of out/index.json."""
    return {row["file"]: row["name"] for row in json.loads((root / "out/index.json").read_text())["prompts"]}


def test_sibling_manifests_writing_one_folder_each_keep_the_others_rows_in_index_json(tmp_path):
    for name, prompts in (("a", {"hello": "Hello from A.", "menu": "Press one."}), ("b", {"other": "Other from B."})):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ivr.yaml").write_text(SIBLING.format(prompts="\n".join(f"      {k}: {v}"
                                                                                  for k, v in prompts.items())))
    both = {"en_US/hello.ulaw": "hello", "en_US/menu.ulaw": "menu", "en_US/other.ulaw": "other"}
    assert build(tmp_path / "a", "ivr.yaml")[0] == 0
    assert build(tmp_path / "b", "ivr.yaml")[0] == 0
    assert _index(tmp_path) == both  # b's build kept a's rows
    assert build(tmp_path / "a", "ivr.yaml")[0] == 0
    assert _index(tmp_path) == both  # and a's, b's
    manifest = tmp_path / "a/ivr.yaml"
    manifest.write_text(manifest.read_text().replace("      menu: Press one.\n", "").replace("Hello from A.", "Hi."))
    code, report = build(tmp_path / "a", "ivr.yaml")
    assert code == 0 and report["removed"] == ["../out/en_US/menu.ulaw"]
    assert _index(tmp_path) == {"en_US/hello.ulaw": "hello", "en_US/other.ulaw": "other"}  # a's dropped prompt goes
    manifest.write_text(manifest.read_text().replace("Hi.", "Hi there."))  # a one-edit build of a
    assert build(tmp_path / "a", "ivr.yaml")[0] == 0
    assert _index(tmp_path) == {"en_US/hello.ulaw": "hello", "en_US/other.ulaw": "other"}
