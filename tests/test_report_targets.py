"""Files written where the user says (`build --report`, `report -o`, `export csv -o`, `cache export`)
never replace someone else's file: `narrate build --report narrate.yaml` replaced the manifest with
JUnit XML and exited 0 (and so for a chapter, the lexicon, the lock or cache.db). An existing file is
replaced only when it is of the kind being written (a report narrate wrote before), else exit 2 and
nothing written (narrate.replaceable.check_replaceable)."""

from __future__ import annotations

import json

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from narrate.errors import UsageError
from narrate.replaceable import check_replaceable

MANIFEST = """\
version: 1
libraries:
  ivr:
    output: out
    formats: [ulaw]
    languages: {en-US: en-us}
    prompts: {hello: Hello there.}
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    (tmp_path / "notes.md").write_text("# My notes\n")
    return tmp_path


@pytest.mark.parametrize("args", [
    ("build", "--report", "{victim}", "m.yaml"),
    ("report", "-o", "{victim}", "m.yaml"),
    ("export", "csv", "-o", "{victim}", "m.yaml"),
    ("cache", "export", "{victim}", "-m", "m.yaml"),
])
@pytest.mark.parametrize("victim", ["m.yaml", "notes.md", "narrate.lock"])
def test_a_report_never_replaces_another_file(project, args, victim):
    assert narrate_in("-q", "build", "m.yaml", cwd=project).returncode == 0
    before = (project / victim).read_bytes()
    done = narrate_in(*(a.format(victim=victim) for a in args), cwd=project)
    assert_clean_failure(done, 2, f"{victim} exists and is not", "not replaced")
    assert (project / victim).read_bytes() == before


@pytest.mark.parametrize(("args", "name"), [
    (("-q", "build", "--report", "{name}", "m.yaml"), "junit.xml"),
    (("report", "-o", "{name}", "m.yaml"), "review.html"),
    (("export", "csv", "--bom", "--delimiter", ";", "-o", "{name}", "m.yaml"), "texts.csv"),
    (("cache", "export", "{name}", "-m", "m.yaml"), "cache.tar"),
])
def test_a_report_replaces_its_own_kind(project, args, name):
    assert narrate_in("-q", "build", "m.yaml", cwd=project).returncode == 0
    for _ in range(2):  # the second run replaces what the first wrote
        done = narrate_in(*(a.format(name=name) for a in args), cwd=project)
        assert done.returncode == 0, done.stderr
    assert (project / name).stat().st_size > 0


def test_absent_and_empty_files_are_free_and_links_are_not(tmp_path):
    check_replaceable(tmp_path / "new.xml", "junit")
    (tmp_path / "empty.xml").write_bytes(b"")
    check_replaceable(tmp_path / "empty.xml", "junit")
    (tmp_path / "junit.xml").write_bytes(b"<?xml version='1.0'?>\n<testsuites/>\n")
    (tmp_path / "link.xml").symlink_to(tmp_path / "junit.xml")
    with pytest.raises(UsageError, match="link.xml exists and is not a JUnit XML report"):
        check_replaceable(tmp_path / "link.xml", "junit")
    (tmp_path / "folder.xml").mkdir()
    with pytest.raises(UsageError):
        check_replaceable(tmp_path / "folder.xml", "junit")


@pytest.mark.parametrize("state", ['{"my": "settings"}\n', "[1, 2]\n", "not json at all\n"])
def test_report_never_replaces_a_state_file_it_did_not_write(project, state):
    """`report -o config.html` kept its digests in `config.state.json` and replaced a file of the user's
    there, with exit 0. The state file is refused as the page is, before anything is written."""
    assert narrate_in("-q", "build", "m.yaml", cwd=project).returncode == 0
    (project / "config.state.json").write_text(state)
    before = snapshot(project)
    done = narrate_in("report", "-o", "config.html", "m.yaml", cwd=project)
    assert_clean_failure(done, 2, "config.state.json exists and is not a narrate review page's state",
                         "not replaced")
    assert snapshot(project) == before  # neither the page nor its previews were written


def test_report_replaces_its_own_state_and_an_empty_file(project):
    assert narrate_in("-q", "build", "m.yaml", cwd=project).returncode == 0
    (project / "page.state.json").write_text("")
    for _ in range(2):
        assert narrate_in("report", "-o", "page.html", "m.yaml", cwd=project).returncode == 0
    state = json.loads((project / "page.state.json").read_text())
    assert state["narrate_review"] == 1 and list(state["shown"]) == ["ivr/en-US/hello"]


def test_a_huge_file_in_the_state_files_place_is_not_read_and_not_replaced(project, monkeypatch):
    import narrate.review

    monkeypatch.setattr(narrate.review, "MAX_STATE_BYTES", 64)
    assert narrate_in("-q", "build", "m.yaml", cwd=project).returncode == 0
    big = '{"narrate_review": 1, "shown": {}, "baseline": null, "pad": "' + "x" * 100 + '"}'
    (project / "big.state.json").write_text(big)
    done = narrate_in("report", "-o", "big.html", "m.yaml", cwd=project)
    assert_clean_failure(done, 2, "big.state.json exists and is not a narrate review page's state")
    assert (project / "big.state.json").read_text() == big
