"""Findings of a newcomer's trial and an attack on the code that landed on 3 December 2026: each test
failed before its fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrate.cache import state_journal
from narrate.cache.stamps import input_digests
from narrate.cache.state import BuildState
from narrate.outcome import noop_report


def _state(project: Path) -> BuildState:
    return BuildState(project / ".narrate-cache", project / "m.yaml")


def _clean_state(project: Path) -> BuildState:
    """A state whose last clean build is recorded (m.yaml its one input)."""
    (project / "m.yaml").write_text("version: 1\n")
    s = _state(project)
    s.remember_clean_build([project / "m.yaml"], {"segments": 1, "outputs": 0, "warnings": []},
                           seen=input_digests([str(project / "m.yaml")]))
    s.save()
    return s


# A `last` (the last clean build) of another shape: another narrate's, or a hostile cache folder's.
FOREIGN_LAST = [
    {"x": 1},
    {"fingerprint": "a", "inputs": 5},
    {"fingerprint": "a", "inputs": ["m.yaml"], "globs": [], "models": {}, "stamp": "s", "summary": {}},
    {"fingerprint": None, "inputs": [1], "globs": {}, "models": {}, "stamp": "s", "summary": {}},
]


@pytest.mark.parametrize("last", FOREIGN_LAST)
def test_a_journal_line_with_a_foreign_last_build_is_no_clean_build(tmp_path, last):
    s = _clean_state(tmp_path)
    assert noop_report(tmp_path / "m.yaml", tmp_path / ".narrate-cache") is not None
    base_id = json.loads(s.path.read_text())["id"]
    state_journal.journal_path(s.path).write_text(state_journal.header(base_id) + json.dumps({"last": last}) + "\n")
    assert _state(tmp_path).unchanged_summary(tmp_path) is None
    assert noop_report(tmp_path / "m.yaml", tmp_path / ".narrate-cache") is None


@pytest.mark.parametrize("last", FOREIGN_LAST)
def test_a_base_with_a_foreign_last_build_is_no_clean_build(tmp_path, last):
    s = _clean_state(tmp_path)
    doc = json.loads(s.path.read_text())
    doc["last"] = last
    s.path.write_text(json.dumps(doc))
    assert _state(tmp_path).unchanged_summary(tmp_path) is None


def test_a_clean_build_whose_summary_is_not_narrates_is_no_clean_build(tmp_path):
    s = _clean_state(tmp_path)
    doc = json.loads(s.path.read_text())
    doc["last"]["summary"] = {"segments": "many"}
    s.path.write_text(json.dumps(doc))
    assert noop_report(tmp_path / "m.yaml", tmp_path / ".narrate-cache") is None


# -- a language tag of the right form that no registry knows (`xx-YY`) built `xx_YY/` folders silently

LIBRARY = """\
version: 1
libraries:
  x:
    output: out
    formats: [ulaw]
    languages:
      en-US: {{voice: en-us}}
      {tag}: {{voice: en-us}}
    prompts:
      hi: {{en-US: Hello}}
"""


@pytest.mark.parametrize("tag", ["xx-YY", "zz", "qq"])
def test_an_unregistered_language_tag_is_refused_at_its_line(write, tag):
    from narrate.errors import ManifestError
    from narrate.manifest import load_manifest

    with pytest.raises(ManifestError) as info:
        load_manifest(write("m.yaml", LIBRARY.format(tag=tag)))
    shown = [str(p) for p in info.value.problems]
    assert len(shown) == 1 and f"m.yaml:8: libraries.x.languages.{tag}: " in shown[0] \
        and "not a registered language tag" in shown[0], shown


@pytest.mark.parametrize("tag", ["es-419", "zh-Hant", "en-US-x-acme", "fr-CA", "qaa"])
def test_registered_and_private_use_tags_stay_accepted(write, tag):
    from narrate.manifest import load_manifest

    assert tag in load_manifest(write("m.yaml", LIBRARY.format(tag=tag))).libraries[0].languages


def test_a_book_in_an_unregistered_language_is_refused(write):
    from narrate.errors import ManifestError
    from narrate.manifest import load_manifest

    write("ch/01.md", "# One\n\nHello.\n")
    with pytest.raises(ManifestError) as info:
        load_manifest(write("m.yaml", "version: 1\nbooks:\n  b:\n    title: T\n    sources: ch/*.md\n"
                                      "    language: xx-YY\n    voice: en-us\n    output: out/b\n"))
    assert any("books.b.language" in str(p) and "not a registered language tag" in str(p)
               for p in info.value.problems), info.value.problems


def test_the_default_book_language_is_a_registered_tag(write):
    """A book without `language:` is not checked against langcodes' tables (their ~3 MB would stay
    resident through the assembly): its default, narrate's own, must be a tag they accept."""
    import langcodes

    from narrate.manifest import load_manifest
    from narrate.manifest.core import DEFAULT_BOOK_LANGUAGE, _tag_problem

    write("ch/01.md", "# One\n\nHello.\n")
    (book,) = load_manifest(write("m.yaml", "version: 1\nbooks:\n  b:\n    title: T\n    sources: ch/*.md\n"
                                            "    output: out/b\n")).books
    assert book.language == DEFAULT_BOOK_LANGUAGE
    assert langcodes.tag_is_valid(DEFAULT_BOOK_LANGUAGE) and _tag_problem(DEFAULT_BOOK_LANGUAGE, "en-US") is None


# -- files a manifest names, located in messages as the manifest is: from where narrate was run
# (`narrate validate manifests/books.yaml` named a chapter `../casts/ep.md`, a path from the manifest's
# folder that leads nowhere from the folder the user is in, and a lexicon `lex.yaml` for manifests/lex.yaml)

def _project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # a repository: the project folder whatever folder narrate runs from
    (tmp_path / "manifests").mkdir()
    (tmp_path / "casts").mkdir()
    (tmp_path / "casts" / "ep.md").write_text('# T\n\nHello <say-as interpret-as="bogus">x</say-as>.\n')
    (tmp_path / "manifests" / "lex.yaml").write_text("rules: [1, 2\n")
    (tmp_path / "manifests" / "books.yaml").write_text(
        "version: 1\nbooks:\n  b:\n    title: T\n    sources: ../casts/*.md\n    language: en-US\n"
        "    voice: en-us\n    output: ../out/b\n")
    (tmp_path / "manifests" / "lexm.yaml").write_text(
        "version: 1\nlexicon: lex.yaml\nlibraries:\n  x:\n    output: ../out\n    formats: [ulaw]\n"
        "    languages:\n      en-US: {voice: en-us}\n    prompts:\n      hi: Hello\n")
    return tmp_path


def test_a_chapter_is_named_from_where_narrate_runs(tmp_path):
    from conftest import narrate_in

    root = _project(tmp_path)
    done = narrate_in("validate", "manifests/books.yaml", cwd=root)
    assert done.returncode == 2
    assert done.stderr.startswith("error: casts/ep.md:3: markup: "), done.stderr
    done = narrate_in("validate", "books.yaml", cwd=root / "manifests")  # from the manifest's folder, as before
    assert done.stderr.startswith("error: ../casts/ep.md:3: markup: "), done.stderr


def test_a_lexicon_is_named_from_where_narrate_runs(tmp_path):
    from conftest import narrate_in

    root = _project(tmp_path)
    done = narrate_in("validate", "manifests/lexm.yaml", cwd=root)
    assert done.returncode == 2
    assert done.stderr.startswith("error: manifests/lex.yaml:2: invalid YAML"), done.stderr
    done = narrate_in("validate", "lexm.yaml", cwd=root / "manifests")
    assert done.stderr.startswith("error: lex.yaml:2: invalid YAML"), done.stderr


# -- two feed episodes on one file: said once, naming the two chapters' files (was said twice, as
# 'chapter-001 and chapter-003', names the user never wrote)

def test_two_episodes_on_one_file_are_named_by_their_files_once(tmp_path):
    from conftest import narrate_in

    (tmp_path / ".git").mkdir()
    for rel, guid in (("casts/ep-one.md", "one"), ("casts/ep-one/index.md", "bundle"), ("casts/ep-two.md", "two")):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f"---\ntitle: T\ndate: 2026-11-01\nguid: {guid}\n---\n# T\n\nHello.\n")
    (tmp_path / "m.yaml").write_text(
        "version: 1\nbooks:\n  casts:\n    title: C\n    author: A\n    sources: casts/**/*.md\n    language: en-US\n"
        "    voice: en-us\n    profile: podcast\n    formats: [chapters]\n    output: out/casts\n    feed:\n"
        "      base_url: https://example.org/c/\n      description: D.\n      category: [Technology]\n"
        "      image: https://example.org/art.png\n")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert "out/casts/ep-one.mp3 would be written twice" in errors[0] and "casts/ep-one.md" in errors[0] \
        and "casts/ep-one/index.md" in errors[0] and "chapter-00" not in errors[0], errors


# -- a manifest indented with a tab: libyaml says "found character that cannot start any token"

@pytest.mark.parametrize("indent", ["\t", "  \t"])
def test_a_line_indented_with_a_tab_is_said_to_be(write, indent):
    from narrate.errors import ManifestError
    from narrate.manifest import load_manifest

    text = LIBRARY.format(tag="es-US").replace("      hi: {en-US: Hello}\n", f"      hi: {{en-US: Hello}}\n{indent}bye: Bye\n")
    with pytest.raises(ManifestError) as info:
        load_manifest(write("m.yaml", text))
    shown = [str(p) for p in info.value.problems]
    assert len(shown) == 1 and "m.yaml:11: invalid YAML: " in shown[0] and "indented with a tab" in shown[0], shown


# -- a sheet row dropped for a later one on the same file: the message named the row kept as skipped

def test_the_row_a_case_insensitive_twin_replaces_is_the_one_named_skipped(tmp_path):
    from conftest import narrate_in

    (tmp_path / "s.csv").write_text("name,en-US\nWELCOME,Shouted.\nother,Other.\nwelcome,Quiet.\n")
    done = narrate_in("import", "csv", "s.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "welcome: Quiet." in done.stdout and "Shouted" not in done.stdout
    skipped = [line for line in done.stderr.splitlines() if line.startswith("skipped")]
    assert skipped == ["skipped WELCOME: same file as 'welcome' on case-insensitive filesystems: the later one wins "
                       "(line 4)"], done.stderr


# -- hangs: what the no-op check and the build state read must never block on (a FIFO), follow out of
# the cache (a link to /dev/zero), or read without bound. A chapter replaced by a FIFO after a clean
# build hung `narrate build` forever before the manifest (which refuses FIFOs) was even read.

def _never_blocks(call, fifo: Path):
    """Run `call` in a thread; if it is still blocked on `fifo` after 5 s, release it and fail."""
    import os
    import threading

    done: list = []
    worker = threading.Thread(target=lambda: done.append(call()), daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():  # blocked opening or reading the FIFO: give it a writer and an end
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(5)
        pytest.fail(f"blocked on the FIFO {fifo}")
    return done[0]


def test_the_noop_check_does_not_block_on_an_input_replaced_by_a_fifo(tmp_path):
    import os

    s = _clean_state(tmp_path)
    (tmp_path / "m.yaml").unlink()
    os.mkfifo(tmp_path / "m.yaml")
    assert _never_blocks(lambda: input_digests([str(tmp_path / "m.yaml")]), tmp_path / "m.yaml") is None
    assert _never_blocks(lambda: _state(tmp_path).unchanged_summary(tmp_path), tmp_path / "m.yaml") is None
    assert s.path.exists()


def test_input_digests_read_regular_files_through_links_and_refuse_devices(tmp_path):
    from narrate.cache.stamps import input_digests

    (tmp_path / "a.md").write_text("x")
    (tmp_path / "link.md").symlink_to(tmp_path / "a.md")  # a chapter may be a link inside the project
    assert input_digests([str(tmp_path / "link.md")]) == input_digests([str(tmp_path / "a.md")]) is not None
    assert input_digests(["/dev/zero"]) is None
    assert input_digests([str(tmp_path)]) is None  # a folder


def test_a_build_state_that_is_a_fifo_is_read_as_none_without_blocking(tmp_path):
    import os

    s = _clean_state(tmp_path)
    s.path.unlink()
    os.mkfifo(s.path)
    again = _never_blocks(lambda: _state(tmp_path), s.path)
    assert again.last is None and again.entries == {}


def test_a_build_state_that_is_a_link_is_not_followed(tmp_path):
    s = _clean_state(tmp_path)
    real = tmp_path / "elsewhere.json"
    s.path.rename(real)
    s.path.symlink_to(real)  # as a link to /dev/zero would be: read until memory ran out
    assert _state(tmp_path).last is None


def test_a_build_state_over_its_bound_is_read_as_none(tmp_path, monkeypatch):
    from narrate.cache import state as state_module

    s = _clean_state(tmp_path)
    assert _state(tmp_path).last is not None
    monkeypatch.setattr(state_module, "MAX_STATE_BYTES", s.path.stat().st_size - 1)
    state_module._LAST_READ.clear()
    assert _state(tmp_path).last is None


# -- a front-end memo whose last line is torn (a killed append): the next append began on that line,
# so its first entry was lost too and computed again by every build until the file was rewritten

@pytest.mark.parametrize("read", ["load", "source"])
def test_an_append_after_a_torn_memo_line_keeps_its_first_entry(tmp_path, read):
    from narrate.cache.memo_file import MemoFile

    path = tmp_path / "x.memo"
    path.write_text('{"narrate_memo": 1, "stamp": "S"}\n["c","a",[["A",false,0]]]\n["c","b",[["B",fa')
    memo = MemoFile(path)
    getattr(memo, read)("S")
    added = [("c", "d", [["D", False, 0]]), ("c", "e", [["E", False, 0]])]
    memo.save("S", {"c": {"a": [["A", False, 0]], "d": [["D", False, 0]], "e": [["E", False, 0]]}}, added)
    assert MemoFile(path).load("S") == {"c": {"a": [["A", False, 0]], "d": [["D", False, 0]], "e": [["E", False, 0]]}}
    source = MemoFile(path).source("S")
    assert source is not None and source.get("c", "d") == [["D", False, 0]]


# -- a 12-hour clock against a 24-hour one: "9 AM to 5 PM" and "de 9 h à 17 h" say the same hours

def test_a_twelve_hour_time_agrees_with_its_twenty_four_hour_form():
    from narrate.manifest.advice import prompt_warnings

    assert prompt_warnings({"en-US": "Our hours are 9 AM to 5 PM.", "fr-CA": "Nos heures sont de 9 h à 17 h."}) == []
    assert prompt_warnings({"en-US": "Open until 5:30 p.m., from 12 AM.", "de-DE": "Geöffnet bis 17:30, ab 0 Uhr."}) == []
    # the same hours written in the 12-hour way in both languages agree as before (the demo's hours/open)
    assert prompt_warnings({"en-US": "From 8 AM to 6 PM.", "es-US": "De 8 de la mañana a 6 de la tarde."}) == []
    # and other hours still disagree
    assert prompt_warnings({"en-US": "Open 9 AM to 5 PM.", "fr-CA": "Ouvert de 9 h à 18 h."}) == [
        (None, "the languages disagree on numbers: 5, 9 in en-US; 9, 18 in fr-CA")]


# -- "prompt(s) missing in xx" was the one warning with no line: located at the language's declaration

def test_prompts_missing_in_a_language_are_warned_at_that_languages_line(write):
    from narrate.manifest import load_manifest

    text = LIBRARY.format(tag="es-US").replace("      hi: {en-US: Hello}\n", "      hi: {en-US: Hello}\n      bye: Bye\n")
    warnings = [str(w) for w in load_manifest(write("m.yaml", text)).warnings]
    assert [w for w in warnings if "missing" in w] == [
        f"{write('m.yaml', text)}:8: libraries.x.languages.es-US: 2 prompt(s) missing in es-US: hi, bye"], warnings


# -- `cache prune` with one of two manifests of a folder (one narrate.lock, one .narrate-cache) dropped
# the other's paid segments as "unreferenced"

def _two_manifests(tmp_path: Path) -> Path:
    from conftest import narrate_in

    (tmp_path / ".git").mkdir()
    for name, text in (("a.yaml", "Alpha one."), ("b.yaml", "Bravo two.")):
        (tmp_path / name).write_text(
            f"version: 1\nlibraries:\n  {name[0]}:\n    output: out/{name[0]}\n    formats: [ulaw]\n"
            f"    languages:\n      en-US: {{voice: en-us}}\n    prompts:\n      hi: {text}\n")
        done = narrate_in("-q", "build", "-j", "1", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    return tmp_path


def test_prune_keeps_the_segments_of_the_other_manifests_of_its_lock(tmp_path):
    from conftest import narrate_in

    root = _two_manifests(tmp_path)
    done = narrate_in("cache", "prune", "--yes", "a.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "dropped 0 unreferenced entries" in done.stdout and "b.yaml" in done.stdout, done.stdout
    (root / "out" / "b" / "en_US" / "hi.ulaw").unlink()
    done = narrate_in("-q", "build", "--offline", "-j", "1", "b.yaml", cwd=root)  # nothing to synthesize
    assert done.returncode == 0, done.stderr


# -- `narrate check`: a manifest with no book said nothing at all (exit 0); a deleted book file was named
# from the manifest's folder (`../output/books/x.mp3`) when the manifest was named from another

def test_check_of_a_manifest_without_books_says_so(tmp_path):
    from conftest import narrate_in

    (tmp_path / "m.yaml").write_text(LIBRARY.format(tag="es-US"))
    done = narrate_in("check", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0 and "m.yaml: no books to check" in done.stderr, done


def test_check_names_a_missing_book_file_from_where_narrate_runs(tmp_path):
    from conftest import narrate_in

    (tmp_path / ".git").mkdir()
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01.md").write_text("# A\n\nHello.\n")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.yaml").write_text(
        "version: 1\nbooks:\n  b:\n    title: T\n    sources: ../ch/*.md\n    language: en-US\n    voice: en-us\n"
        "    formats: [mp3]\n    output: ../out/b\n")
    assert narrate_in("-q", "build", "-j", "1", "manifests/m.yaml", cwd=tmp_path).returncode == 0
    (tmp_path / "out" / "b" / "b.mp3").unlink()
    done = narrate_in("check", "manifests/m.yaml", cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.startswith("error: out/b/b.mp3: file: missing"), done.stderr
