"""Hostile input paths: a manifest may name as content (spoken, packaged, published) only regular
files inside its project folder, after symlinks (narrate.manifest.inputs). The project folder is
the git work tree holding the manifest, else the manifest's own folder.

Each CLI test asserts exit 2, one located line, no traceback, the secret nowhere in the output,
and nothing written (a snapshot of the whole tmp folder before and after).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate, narrate_in, snapshot
from narrate.manifest.inputs import outside_problem, project_root

SECRET = "hunter2"

LIB = """\
version: 1
libraries:
  shop:
    output: out/shop
    formats: [ulaw]
    license: {license}
    languages: {{en-US: en-us}}
    prompts:
      welcome: Welcome.
"""

BOOK = """\
version: 1
books:
  guide:
    title: Guide
    output: out/guide
    sources: {sources}
"""


def refused_everywhere(root: Path, proj: Path, *fragments: str, commands: tuple[tuple[str, ...], ...],
                       env: dict[str, str] | None = None) -> None:
    """Every command exits 2 with a located line holding `fragments`, never shows the secret, writes nothing."""
    before = snapshot(root)
    for command in commands:
        done = narrate("-q", *command, cwd=proj, env=env, timeout=120)
        assert_clean_failure(done, 2, *fragments)
        assert SECRET not in done.stdout + done.stderr
        assert snapshot(root) == before, command


def book_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "chapters").mkdir(parents=True)
    (proj / "chapters" / "01.md").write_text("# One\n\nThe first chapter.\n")
    (proj / "m.yaml").write_text(BOOK.format(sources="chapters/*.md"))
    return proj


# ---------------------------------------------------------------- the two reproductions


def test_license_proc_self_environ_is_never_packaged(tmp_path):
    """Reproduction 1: `license: /proc/self/environ`, then `package` with a secret in the environment."""
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "m.yaml").write_text(LIB.format(license="/proc/self/environ"))
    real = os.path.realpath(proj)
    refused_everywhere(tmp_path, proj, "m.yaml:6: libraries.shop.license: /proc/self/environ resolves outside the "
                       f"project folder {real}; inputs must be inside it",
                       commands=(("package", "m.yaml"), ("validate", "m.yaml"), ("plan", "m.yaml"),
                                 ("build", "m.yaml")),
                       env={"MY_SECRET_TOKEN": SECRET})
    assert not (proj / "out").exists() and not (proj / "packages").exists()


def test_symlinked_chapter_to_a_secret_outside_is_refused(tmp_path):
    """Reproduction 2: a chapter that is a symlink to a file outside the project."""
    (tmp_path / "secret.txt").write_text(f"The password is {SECRET}.\n")
    proj = book_project(tmp_path)
    (proj / "chapters" / "02.md").symlink_to(tmp_path / "secret.txt")
    real = os.path.realpath(proj)
    refused_everywhere(tmp_path, proj, "m.yaml:6: books.guide.sources: chapters/02.md resolves outside the project "
                       f"folder {real}; inputs must be inside it",
                       commands=(("validate", "m.yaml"), ("plan", "m.yaml"), ("build", "m.yaml"),
                                 ("text", "chapters/01.md", "--manifest", "m.yaml")))


def test_symlinked_chapter_folder_pointing_outside_is_refused(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "02.md").write_text(f"{SECRET}\n")
    proj = book_project(tmp_path)
    (proj / "chapters" / "more").symlink_to(tmp_path / "elsewhere")
    (proj / "m.yaml").write_text(BOOK.format(sources="chapters/**/*.md"))
    refused_everywhere(tmp_path, proj, "m.yaml:6: books.guide.sources: chapters/more/02.md resolves outside",
                       commands=(("validate", "m.yaml"),))


# ---------------------------------------------------------------- inside is fine


def test_symlink_pointing_inside_the_project_is_allowed(tmp_path):
    proj = book_project(tmp_path)
    (proj / "drafts").mkdir()
    (proj / "drafts" / "two.md").write_text("# Two\n\nThe second chapter.\n")
    (proj / "chapters" / "02.md").symlink_to("../drafts/two.md")
    done = narrate_in("-q", "plan", "--json", "m.yaml", cwd=proj)
    assert done.returncode == 0, done.stderr
    done = narrate_in("text", "chapters/02.md", "--manifest", "m.yaml", cwd=proj)
    assert done.returncode == 0, done.stderr
    assert "The second chapter." in done.stdout


def test_sibling_folder_inside_a_git_work_tree_is_allowed(tmp_path):
    """Like the repository's manifests/demo.yaml reading ../content/...: fine inside one git work tree."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "01.md").write_text("# One\n\nFrom the content folder.\n")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.yaml").write_text(BOOK.format(sources="../content/*.md"))
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path / "manifests")
    assert done.returncode == 0, done.stderr


def test_sibling_folder_without_git_is_refused(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "01.md").write_text("# One\n\nFrom the content folder.\n")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.yaml").write_text(BOOK.format(sources="../content/*.md"))
    real = os.path.realpath(tmp_path / "manifests")
    refused_everywhere(tmp_path, tmp_path / "manifests",
                       "m.yaml:6: books.guide.sources: ../content/01.md resolves outside the project folder "
                       f"{real}; inputs must be inside it", commands=(("validate", "m.yaml"), ("plan", "m.yaml")))


def test_sibling_folder_without_git_is_allowed_from_the_project_folder(tmp_path):
    """An unpacked archive or a container image without `.git`: run from the project folder, the
    manifests/ folder may read ../content/ (the working folder holds both)."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "01.md").write_text("# One\n\nFrom the content folder.\n")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.yaml").write_text(BOOK.format(sources="../content/*.md"))
    done = narrate_in("validate", "manifests/m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert project_root(tmp_path / "manifests", tmp_path) == Path(os.path.realpath(tmp_path))
    assert project_root(tmp_path / "manifests", tmp_path / "content") == Path(os.path.realpath(tmp_path / "manifests"))


def test_dev_zero_as_a_chapter_is_refused(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "m.yaml").write_text(BOOK.format(sources="/dev/zero"))
    refused_everywhere(tmp_path, proj, "m.yaml:6: books.guide.sources: /dev/zero resolves outside the project folder",
                       commands=(("validate", "m.yaml"), ("build", "m.yaml")))


def test_dev_zero_is_refused_even_when_the_project_is_the_whole_machine():
    assert outside_problem("/dev/zero", Path("/")) == "resolves to /dev/zero, a special file, not a regular file"
    assert outside_problem("/proc/self/environ", Path("/")).startswith("resolves to /proc/")


# ---------------------------------------------------------------- every other input the manifest names


@pytest.mark.parametrize(("extra", "line", "where"), [
    ("    cover: ../secret.png\n", 7, "books.guide.cover: ../secret.png"),
    ("    order: ../secret.md\n", 7, "books.guide.order: ../secret.md"),
    ("    feed:\n      base_url: https://example.com/g/\n      description: A guide.\n      image: ../secret.png\n",
     10, "books.guide.feed.image: ../secret.png"),
])
def test_book_inputs_outside_are_refused(tmp_path, extra, line, where):
    (tmp_path / "secret.png").write_text(SECRET)
    (tmp_path / "secret.md").write_text(SECRET)
    proj = book_project(tmp_path)
    (proj / "m.yaml").write_text(BOOK.format(sources="chapters/*.md") + extra)
    refused_everywhere(tmp_path, proj, f"m.yaml:{line}: {where} resolves outside the project folder",
                       commands=(("validate", "m.yaml"),))


def test_lexicon_file_symlinked_outside_is_refused(tmp_path):
    (tmp_path / "lex.yaml").write_text(f"{SECRET}: x\n")
    proj = book_project(tmp_path)
    (proj / "lex.yaml").symlink_to(tmp_path / "lex.yaml")
    (proj / "m.yaml").write_text(BOOK.format(sources="chapters/*.md") + "lexicon: lex.yaml\n")
    refused_everywhere(tmp_path, proj, "m.yaml:7: lexicon: lex.yaml resolves outside the project folder",
                       commands=(("validate", "m.yaml"), ("text", "chapters/01.md", "--manifest", "m.yaml")))


def test_license_symlinked_outside_is_refused(tmp_path):
    (tmp_path / "LICENSE").write_text(SECRET)
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "LICENSE").symlink_to(tmp_path / "LICENSE")
    (proj / "m.yaml").write_text(LIB.format(license="LICENSE"))
    refused_everywhere(tmp_path, proj, "m.yaml:6: libraries.shop.license: LICENSE resolves outside",
                       commands=(("package", "m.yaml"),))


# ---------------------------------------------------------------- units


def test_project_root_is_the_nearest_git_work_tree(tmp_path):
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert project_root(deep) == Path(os.path.realpath(deep))
    (tmp_path / "a" / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    assert project_root(deep) == Path(os.path.realpath(tmp_path / "a"))
    (deep / ".git").mkdir()
    assert project_root(deep) == Path(os.path.realpath(deep))


def test_outside_problem_follows_links(tmp_path):
    proj = Path(os.path.realpath(tmp_path)) / "p"
    proj.mkdir()
    (proj / "in.md").write_text("x")
    (proj / "link.md").symlink_to(proj / "in.md")
    (proj / "out.md").symlink_to(tmp_path / "x.md")
    assert outside_problem(proj / "in.md", proj) is None
    assert outside_problem(proj / "link.md", proj) is None
    assert outside_problem(proj / "out.md", proj) == (f"resolves outside the project folder {proj}; "
                                                      "inputs must be inside it")
    assert outside_problem(proj / ".." / "p2" / "a.md", proj) is not None  # a prefix is not a parent


@pytest.mark.parametrize("command", ["build", "plan", "validate", "check"])
def test_a_manifest_in_a_symlink_loop_is_named_not_an_internal_error(tmp_path, command):
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    done = narrate_in(command, "loop1", cwd=tmp_path)
    assert_clean_failure(done, 2, "loop1: cannot read file: too many levels of symbolic links")
