"""Issue 16.4: `narrate plan` and `build --check` tell the truth about books, and agree with what
`build` then writes."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in

BOOK = """version: 1
books:
  guide:
    title: Guide
    sources: ch/*.md
    output: out/guide
    formats: [chapters, mp3]
    transcripts: false
"""


@pytest.mark.slow
def test_plan_check_and_build_agree_on_a_new_and_an_edited_book(tmp_path):
    (tmp_path / "ch").mkdir()
    for i, title in enumerate(["One", "Two", "Three"], 1):
        (tmp_path / "ch" / f"0{i}.md").write_text(f"# {title}\n\nChapter {title.lower()} says hello.\n")
    (tmp_path / "book.yaml").write_text(BOOK)
    new = json.loads(narrate_in("plan", "--json", "book.yaml", cwd=tmp_path).stdout)
    everything = ["out/guide/01-one.mp3", "out/guide/02-two.mp3", "out/guide/03-three.mp3", "out/guide/guide.m3u",
                  "out/guide/guide.mp3"]
    assert new["outputs_to_write"] == everything
    built = json.loads(narrate_in("build", "--json", "book.yaml", cwd=tmp_path).stdout)
    assert sorted(built["written"]) == everything
    (tmp_path / "ch" / "02.md").write_text("# Two\n\nChapter two says goodbye.\n")
    plan = narrate_in("plan", "book.yaml", cwd=tmp_path)
    assert "~ books/guide/02.md  'Two' -> 'Two'" in plan.stdout, plan.stdout
    assert "  3 outputs to write, 0 to remove" in plan.stdout
    edited = json.loads(narrate_in("plan", "--json", "book.yaml", cwd=tmp_path).stdout)["outputs_to_write"]
    assert edited == ["out/guide/02-two.mp3", "out/guide/guide.m3u", "out/guide/guide.mp3"]
    check = narrate_in("build", "--check", "book.yaml", cwd=tmp_path)
    assert check.returncode == 1
    assert sorted(line.removeprefix("would write ") for line in check.stderr.splitlines()
                  if line.startswith("would write ")) == edited
    rebuilt = json.loads(narrate_in("build", "--json", "book.yaml", cwd=tmp_path).stdout)
    # The playlist is rendered again (its durations may change) and here comes out byte-identical.
    assert sorted(rebuilt["written"]) == ["out/guide/02-two.mp3", "out/guide/guide.mp3"]
