"""An input edited while a build runs: the build used the old text, so it must not be recorded as
the last clean build of the new one. It was (the record was made from the files as they were at the
end), and every later `narrate build` said "up to date" and `build --check` exited 0 over outputs of
the old text, until the manifest changed again. Now the inputs' digests are taken as the build
begins (and the manifest's against the bytes it was parsed from), and a build whose inputs are not
those at its end records nothing: the next one does the work."""

from __future__ import annotations

import json

import pytest

import narrate.build as builder
from conftest import narrate_in
from narrate.cache import SegmentCache
from narrate.cache.state import BuildState
from narrate.manifest import load_manifest

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages: {en-US: en-us}
    prompts:
      hello: Hello there.
      bye: Goodbye.
"""
BOOK = """\
version: 1
books:
  bk: {title: Bk, author: T, sources: ch/*.md, language: en-US, voice: en-us, formats: [chapters], output: out/bk}
"""


def _build_in_process(root, edit_when: str, edit) -> None:
    manifest = load_manifest(root / "m.yaml")
    if edit_when == "after load":
        edit()
    real = builder.prepare_build

    def planning_then_edit(*args, **kwargs):
        planned = real(*args, **kwargs)
        if edit_when == "during build":
            edit()
        return planned

    builder.prepare_build = planning_then_edit
    try:
        with SegmentCache(root / ".narrate-cache") as cache:
            report = builder.build(manifest, cache)
    finally:
        builder.prepare_build = real
    assert not report.errors


@pytest.mark.parametrize("edit_when", ["after load", "during build"])
def test_a_manifest_edited_during_the_build_is_built_again(tmp_path, edit_when):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    _build_in_process(tmp_path, edit_when,
                      lambda: (tmp_path / "m.yaml").write_text(MANIFEST.replace("Hello there.", "Welcome back.")))
    assert BuildState(tmp_path / ".narrate-cache", tmp_path / "m.yaml").unchanged_summary(tmp_path) is None
    check = narrate_in("build", "--check", "m.yaml", cwd=tmp_path)
    assert check.returncode == 1, check.stderr  # out of date: it would rewrite hello
    done = json.loads(narrate_in("build", "--json", "m.yaml", cwd=tmp_path).stdout)["manifests"][0]
    assert done["synthesized"] == 1 and done["outputs_written"] == 1
    rows = {r["name"]: r["text"] for r in json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]}
    assert rows["hello"] == "Welcome back."


def test_a_chapter_edited_during_the_build_is_built_again(tmp_path):
    (tmp_path / "m.yaml").write_text(BOOK)
    (tmp_path / "ch").mkdir()
    chapter = tmp_path / "ch" / "01.md"
    chapter.write_text("# One\n\nFirst words.\n")
    _build_in_process(tmp_path, "during build", lambda: chapter.write_text("# One\n\nOther words.\n"))
    assert BuildState(tmp_path / ".narrate-cache", tmp_path / "m.yaml").unchanged_summary(tmp_path) is None
    done = json.loads(narrate_in("build", "--json", "m.yaml", cwd=tmp_path).stdout)["manifests"][0]
    assert done["synthesized"] == 1 and done["outputs_written"] >= 1


def test_an_unedited_build_is_still_a_no_op_next_time(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    _build_in_process(tmp_path, "never", lambda: None)
    assert BuildState(tmp_path / ".narrate-cache", tmp_path / "m.yaml").unchanged_summary(tmp_path) is not None
