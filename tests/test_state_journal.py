"""The build state saved as a journal (narrate.cache.state_journal): a one-edit build appends what it
changed instead of rewriting the whole state, and every read gives the state some build saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes import FakeProvider
from narrate.cache import state as state_module
from narrate.cache import state_journal
from narrate.cache.state import BuildState
from test_incremental_plan import MANIFEST, files, run


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider()
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: provider)
    return provider


def state_of(project: Path) -> BuildState:
    return BuildState(project / ".narrate-cache", project / "m.yaml")


def view(state: BuildState) -> tuple:
    return state.entries, state.last, state.index_digests, state.plan_contexts


def made(tmp_path: Path) -> tuple[BuildState, Path]:
    """A state saved once (its base), with three files recorded and two planning contexts."""
    for name in ("a", "b", "c"):
        (tmp_path / name).write_bytes(name.encode())
    s = state_of(tmp_path)
    for name in ("a", "b", "c"):
        s.record(tmp_path, name, name * 64)
    s.index_digests = {"out/index.json": "d1"}
    s.remember_plan_contexts({"lib/en-US/a": "ctx1", "lib/en-US/b": "ctx2"})
    s.save()
    return s, state_journal.journal_path(s.path)


def change(s: BuildState, root: Path) -> None:
    """A build's worth of change: a file rewritten, one forgotten, a context moved, one dropped."""
    (root / "b").write_bytes(b"bb")
    s.record(root, "b", "e" * 64)
    s.forget("c")
    s.index_digests = {"out/index.json": "d2"}
    s.remember_plan_contexts({"lib/en-US/a": "ctx3", "lib/en-US/new": "ctx1"})


def test_a_save_appends_a_line_and_leaves_the_base_alone(tmp_path):
    s, journal = made(tmp_path)
    base = s.path.read_bytes()
    change(s, tmp_path)
    s.save()
    assert s.path.read_bytes() == base
    lines = journal.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["base"] == json.loads(base)["id"]
    assert json.loads(lines[1])["carry"] == {"lib/en-US/a": "ctx3", "lib/en-US/new": "ctx1", "lib/en-US/b": None}
    assert view(state_of(tmp_path)) == view(s)


def test_a_torn_last_line_loses_that_build_only_and_the_next_save_compacts(tmp_path):
    s, journal = made(tmp_path)
    change(s, tmp_path)
    s.save()
    saved = view(state_of(tmp_path))
    with open(journal, "a") as f:  # a build killed in the middle of its append
        f.write('{"files":{"a":[1,2,"x",3,4]},"carry":{"lib/en-US/a":"ct')
    again = state_of(tmp_path)
    assert view(again) == saved
    again.remember_plan_contexts({"lib/en-US/a": "ctx9"})
    again.save()
    assert not journal.exists()  # compacted: nothing is appended after a torn line
    assert view(state_of(tmp_path)) == view(again)
    assert state_of(tmp_path).plan_contexts == {"lib/en-US/a": "ctx9"}


@pytest.mark.parametrize("bad", ["[1, 2]", '{"files": {"a": [1]}}', '{"carry": {"x": 3}}', "not json", '{"last": 5}'])
def test_a_bad_line_ends_the_journal_there(tmp_path, bad):
    s, journal = made(tmp_path)
    before = view(state_of(tmp_path))
    assert not journal.exists()  # the first save writes the base
    with open(journal, "a") as f:
        f.write(state_journal.header(json.loads(s.path.read_text())["id"]))
        f.write(bad + "\n" + state_journal.line({}, {"lib/en-US/a": "after"}, {}))
    assert view(state_of(tmp_path)) == before


def test_a_journal_of_another_base_is_ignored(tmp_path):
    s, journal = made(tmp_path)
    before = view(state_of(tmp_path))
    journal.write_text(state_journal.header("0" * 16) + state_journal.line({}, {"lib/en-US/a": "other"}, {}))
    assert view(state_of(tmp_path)) == before
    later = state_of(tmp_path)
    later.remember_plan_contexts({"lib/en-US/a": "ctx4"})
    later.save()  # not appended to a journal it did not read
    assert view(state_of(tmp_path)) == view(later) and not journal.exists()


def test_a_large_journal_is_compacted_into_the_base(tmp_path, monkeypatch):
    monkeypatch.setattr(state_journal, "COMPACT_MIN_BYTES", 300)
    s, journal = made(tmp_path)
    bases = {s.path.read_bytes()}
    for i in range(12):
        s = state_of(tmp_path)
        s.remember_plan_contexts({"lib/en-US/a": f"ctx-{i}", "lib/en-US/b": "ctx2"})
        s.save()
        bases.add(s.path.read_bytes())
        assert not journal.exists() or journal.stat().st_size <= 300
        assert state_of(tmp_path).plan_contexts["lib/en-US/a"] == f"ctx-{i}"
    assert 2 <= len(bases) < 12  # compacted now and then, not on every save


def test_two_builds_that_read_the_same_state_the_later_save_is_whole(tmp_path):
    s, journal = made(tmp_path)
    first, second = state_of(tmp_path), state_of(tmp_path)
    first.remember_plan_contexts({"lib/en-US/a": "first"})
    first.save()
    second.index_digests = {"out/index.json": "second"}
    second.record(tmp_path, "a", "f" * 64)
    second.save()  # its view of the contexts is as it read them, before the first's save
    assert view(state_of(tmp_path)) == view(second)
    assert state_of(tmp_path).plan_contexts == {"lib/en-US/a": "ctx1", "lib/en-US/b": "ctx2"}


def test_a_base_of_the_narrate_before_journals_is_read_and_compacted(tmp_path):
    s, journal = made(tmp_path)
    data = json.loads(s.path.read_text())
    del data["id"]
    s.path.write_text(json.dumps(data))
    state_module._LAST_READ.clear()
    old = state_of(tmp_path)
    assert view(old) == view(s)
    old.remember_plan_contexts({"lib/en-US/a": "ctx5"})
    old.save()
    assert "id" in json.loads(s.path.read_text()) and not journal.exists()


@pytest.mark.parametrize("kind", ["link", "folder"])
def test_a_journal_that_is_not_a_regular_file_is_never_read_nor_written_through(tmp_path, kind):
    s, journal = made(tmp_path)
    before = view(state_of(tmp_path))
    target = tmp_path / "elsewhere"
    target.write_text(state_journal.header(json.loads(s.path.read_text())["id"]))
    kept = target.read_bytes()
    if kind == "link":
        journal.symlink_to(target)
    else:
        journal.mkdir()
    assert view(state_of(tmp_path)) == before
    s = state_of(tmp_path)
    s.remember_plan_contexts({"lib/en-US/a": "ctx6"})
    s.save()
    assert target.read_bytes() == kept
    if kind == "link":
        assert not journal.exists()  # compaction removed the link, not its target
    assert state_of(tmp_path).plan_contexts == {"lib/en-US/a": "ctx6"}


# ---------------------------------------------------------------- whole builds

EDITS = [
    ("one text", lambda t: t.replace("Part III begins", "Part IV begins")),
    ("another text", lambda t: t.replace("Espere, por favor.", "Espere un momento, por favor.")),
    ("a prompt deleted", lambda t: t.replace('      nasa: {en-US: "NASA opens at 9 AM on 2024-05-01.", '
                                             'es-US: "Abrimos el 1 de mayo."}\n', "")),
    ("a prompt renamed", lambda t: t.replace("      price:", "      cost:")),
    ("the text back", lambda t: t.replace("Part IV begins", "Part III begins")),
]


def _hand_edit_lock(project: Path) -> None:
    lock = project / "narrate.lock"
    data = json.loads(lock.read_text())
    for entry in data["manifests"]["m.yaml"]["prompts"].values():
        entry["recipe"] = "0" * 32
    lock.write_text(json.dumps(data, indent=2))


def test_builds_through_the_journal_write_what_builds_with_a_whole_state_write(tmp_path, fake, monkeypatch):
    """Each edit, a killed build's torn line, a compaction, a hand-edited lock: the same bytes as a
    folder whose state is rewritten whole on every save."""
    journaled, whole = tmp_path / "a", tmp_path / "b"
    for folder in (journaled, whole):
        folder.mkdir()
    text = MANIFEST

    def both(step: str) -> None:
        for folder in (journaled, whole):
            (folder / "m.yaml").write_text(text)
            with monkeypatch.context() as m:
                if folder == whole:
                    m.setattr(state_module, "read_journal", lambda path, base_id: ([], 0, False))
                assert run(folder / "m.yaml").errors == [], step
        assert files(journaled) == files(whole), step

    both("first")
    for step, edit in EDITS:
        text = edit(text)
        both(step)
    journal = state_journal.journal_path(state_of(journaled).path)
    assert journal.is_file() and len(journal.read_text().splitlines()) >= 3
    with open(journal, "a") as f:
        f.write('{"files":{"out/shop/en/part.wav":[1,2,')  # a killed build
    text = text.replace("Part III begins", "Part V begins")
    both("after a torn line")
    monkeypatch.setattr(state_journal, "COMPACT_MIN_BYTES", 0)  # every save compacts from here
    text = text.replace("Part V begins", "Part VI begins")
    both("compacted")
    monkeypatch.undo()
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: fake)
    text = text.replace("Part VI begins", "Part VII begins")
    both("an edit after compaction")
    for folder in (journaled, whole):
        _hand_edit_lock(folder)
    text = text.replace("Espere un momento", "Espere dos momentos")
    both("a lock edited by hand")
    fresh = tmp_path / "c"
    fresh.mkdir()
    (fresh / "m.yaml").write_text(text)
    assert run(fresh / "m.yaml").errors == []
    assert files(fresh) == files(journaled)  # the same bytes as a cold build
