"""Renames that meet the disk: a prompt renamed in case only (`Welcome` -> `welcome`): on a case-insensitive disk (macOS, Windows)
both names are one file: the new output holds the bytes already (not rewritten), and removing the old
name as an orphan would delete the new output. Simulated here with a hard link: two names, one file."""

from __future__ import annotations

import os

from conftest import narrate_in

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    layout: flat
    languages: {{en-US: en-us}}
    prompts:
      {name}: Welcome to the shop.
"""


def test_a_case_only_rename_never_deletes_the_file_both_names_reach(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST.format(name="Welcome"))
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    old = tmp_path / "out/ulaw/en-US/Welcome.ulaw"
    new = tmp_path / "out/ulaw/en-US/welcome.ulaw"
    os.link(old, new)  # what a case-insensitive disk shows: the new name reaches the old file
    (tmp_path / "m.yaml").write_text(MANIFEST.format(name="welcome"))
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert old.exists() and os.path.samefile(old, new)


def test_on_a_case_sensitive_disk_the_old_name_is_removed(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST.format(name="Welcome"))
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    (tmp_path / "m.yaml").write_text(MANIFEST.format(name="welcome"))
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    names = sorted(p.name for p in (tmp_path / "out/ulaw/en-US").iterdir())
    assert names == ["welcome.ulaw"]


PATTERN = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    layout: {{pattern: "{{lang}}/{{name}}"}}
    languages: {{en-US: en-us}}
    prompts:
      {name}: Help.
"""


def test_a_rename_across_a_file_and_a_folder_builds_at_once(tmp_path):
    """`help` -> `help/main` needs a folder where the file `help` is (and back): the orphan in the way is
    removed before rendering, so the first build after the rename succeeds."""
    for name, present in (("help", "out/en-US/help"), ("help/main", "out/en-US/help/main"), ("help", "out/en-US/help")):
        (tmp_path / "m.yaml").write_text(PATTERN.format(name=name))
        done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / present).is_file()
