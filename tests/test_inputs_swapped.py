"""Inputs swapped while a build runs: a chapter, cover, feed artwork or license that passed the project
check when the manifest was resolved is read again (to speak, tag or package it) seconds or minutes
later. A link to a secret swapped in meanwhile must be refused at that read, not spoken or embedded
(narrate.manifest.inputs: `read_input(..., pinned=True)`, `moved_problem`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import narrate.manifest.resolve as resolve
import narrate.plan.books as books
from conftest import ROOT, narrate_in
from narrate.errors import ManifestError
from narrate.manifest.inputs import moved_problem, read_input

SECRET = b"The password is hunter2."
COVER = ROOT / "content" / "patient-guide" / "cover.png"
BOOK = """\
version: 1
books:
  guide:
    title: Guide
    sources: ch/*.md
    cover: cover.png
    formats: [chapters, m4b]
    output: out/guide
"""


def swap_for_link(path: Path, target: Path) -> None:
    path.unlink()
    path.symlink_to(target)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_bytes(SECRET)
    proj = tmp_path / "proj"
    (proj / "ch").mkdir(parents=True)
    (proj / "ch" / "01.md").write_text("# One\n\nThe first chapter.\n")
    (proj / "cover.png").write_bytes(COVER.read_bytes())
    (proj / "book.yaml").write_text(BOOK)
    return proj


def all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink())


# ---------------------------------------------------------------- the read


def test_a_file_swapped_for_a_link_after_it_was_resolved_is_refused(project):
    chapter = Path(os.path.realpath(project / "ch" / "01.md"))  # as resolve keeps it
    swap_for_link(chapter, project.parent / "secret.txt")
    assert read_input(chapter, limit=1000) == SECRET  # what an unpinned read would have published
    with pytest.raises(ManifestError, match="changed during the build: it now resolves to .*secret.txt"):
        read_input(chapter, limit=1000, pinned=True)


def test_a_folder_swapped_for_a_link_is_refused(project):
    chapter = Path(os.path.realpath(project / "ch" / "01.md"))
    elsewhere = project.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "01.md").write_bytes(SECRET)
    os.rename(project / "ch", project / "ch-old")
    (project / "ch").symlink_to(elsewhere)
    with pytest.raises(ManifestError, match="changed during the build"):
        read_input(chapter, limit=1000, pinned=True)


def test_a_file_replaced_between_the_open_and_the_check_is_refused(project):
    chapter = Path(os.path.realpath(project / "ch" / "01.md"))
    other = os.stat(project.parent / "secret.txt")  # what was opened: another inode than the one there now
    assert moved_problem(chapter, other) == "was replaced while narrate read it; inputs must stay in place while narrate runs"
    assert moved_problem(chapter, os.stat(chapter)) is None
    assert read_input(chapter, limit=1000, pinned=True) == b"# One\n\nThe first chapter.\n"


# ---------------------------------------------------------------- through the CLI


def test_a_chapter_swapped_after_the_manifest_was_resolved_is_never_spoken(project, monkeypatch):
    resolved = resolve._resolve

    def then_swap(*args, **kwargs):  # the swap lands between the project check and the chapter's read
        resolved(*args, **kwargs)
        swap_for_link(project / "ch" / "01.md", project.parent / "secret.txt")

    monkeypatch.setattr(resolve, "_resolve", then_swap)
    done = narrate_in("-q", "build", "book.yaml", cwd=project)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "books.guide.sources: changed during the build: it now resolves to" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
    assert not (project / "out").exists()


def test_a_cover_swapped_during_the_build_is_never_embedded(project, monkeypatch):
    planned = books.plan_books

    def then_swap(*args, **kwargs):  # the swap lands after planning, before the tags are written
        jobs = planned(*args, **kwargs)
        swap_for_link(project / "cover.png", project.parent / "secret.txt")
        return jobs

    monkeypatch.setattr(books, "plan_books", then_swap)  # prepare imports it when it plans
    done = narrate_in("-q", "build", "book.yaml", cwd=project)
    assert done.returncode != 0, done.stderr[-3000:]
    assert "cover: changed during the build: it now resolves to" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
    assert SECRET not in all_bytes(project / "out")
