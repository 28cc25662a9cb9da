"""`note:` per prompt (issue 13 item 4): kept in the model, export, index.json, review page and the
release transcript; never spoken and never part of a segment key (editing a note rebills nothing)."""

from __future__ import annotations

import json
import tarfile

from conftest import assert_clean_failure, narrate_in, snapshot
from narrate.manifest import load_manifest

MANIFEST = """\
version: 1
libraries:
  ivr:
    output: out
    formats: [wav]
    languages: {en-US: {voice: en-us, path: en}, es-ES: {voice: es, path: es}}
    prompts:
      enter-digit:
        en-US: Please enter your account number
        es-ES: Introduzca su número de cuenta
        note: followed by a digit, keep the pitch open
      goodbye: Goodbye.
"""


def test_note_is_on_every_language_of_the_prompt(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST, encoding="utf-8")
    prompts = load_manifest(tmp_path / "m.yaml").libraries[0].prompts
    assert [(p.name, p.language, p.note) for p in prompts] == [
        ("enter-digit", "en-US", "followed by a digit, keep the pitch open"),
        ("enter-digit", "es-ES", "followed by a digit, keep the pitch open"),
        ("goodbye", "en-US", None)]


def test_editing_a_note_rebills_nothing_and_reaches_index_review_and_transcript(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    first = narrate_in("build", "--json", "m.yaml", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["synthesized"] == 3
    path.write_text(MANIFEST.replace("keep the pitch open", "rising at the end"), encoding="utf-8")
    second = narrate_in("build", "--json", "m.yaml", cwd=tmp_path)
    report = json.loads(second.stdout)
    assert (report["synthesized"], report["outputs_written"], report["outputs_unchanged"]) == (0, 0, 3)
    rows = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))["prompts"]
    assert [(r["name"], r["language"], r.get("note")) for r in rows] == [
        ("enter-digit", "en-US", "followed by a digit, rising at the end"),
        ("enter-digit", "es-ES", "followed by a digit, rising at the end"), ("goodbye", "en-US", None)]
    assert narrate_in("report", "m.yaml", cwd=tmp_path).returncode == 0
    page = (tmp_path / "review" / "review.html").read_text(encoding="utf-8")  # review/ beside out/
    assert page.count('<div class="note" lang="">note: followed by a digit, rising at the end</div>') == 2
    packaged = narrate_in("package", "m.yaml", cwd=tmp_path)
    assert packaged.returncode == 0, packaged.stderr
    archive = next(line for line in packaged.stdout.splitlines() if "en-US" in line and line.endswith(".tar.gz"))
    with tarfile.open(archive) as tar:
        transcript = tar.extractfile("ivr-en-US.txt").read().decode()  # type: ignore[union-attr]
    assert transcript == ("; enter-digit: note: followed by a digit, rising at the end\n"
                          "enter-digit: Please enter your account number\n"
                          "goodbye: Goodbye.\n")


def test_a_bad_note_is_a_located_error(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST.replace("note: followed by a digit, keep the pitch open", "note: [1, 2]"), encoding="utf-8")
    before = snapshot(tmp_path)
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:11: libraries.ivr.prompts.enter-digit.note:")
    path.write_text(MANIFEST.replace("keep the pitch open", "x" * 2001), encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:11: libraries.ivr.prompts.enter-digit.note:", "2000")
    assert snapshot(tmp_path) == {**before, "m.yaml": snapshot(tmp_path)["m.yaml"]}
