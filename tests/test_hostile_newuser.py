"""A new user's and an attacker's mistakes found by a fresh pair of eyes (branch hnewuser): each is
refused with exit 2, one located line, no traceback, and nothing outside narrate's folders changed."""

from __future__ import annotations

import shutil

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot

LIBRARY = ("version: 1\nlibraries:\n  lib:\n    output: {output}\n    layout: {{pattern: \"{{name}}.db\"}}\n"
           "    formats: [wav]\n    languages:\n      en-US: {{voice: en-us}}\n    prompts:\n"
           "      welcome: Hello.\n      cache: This prompt would be written over the cache index.\n")


def _without(shot: dict, *folders: str) -> dict:
    return {k: v for k, v in shot.items() if not any(k == f or k.startswith(f + "/") for f in folders)}


def test_output_folder_that_is_the_cache_is_refused_before_it_overwrites_the_index(tmp_path):
    """`output: .narrate-cache` with a `{name}.db` layout wrote the prompt `cache` over cache.db: the
    next `cache stats` found a WAV there, moved it aside and recovered 0 entries (the paid audio lost)."""
    (tmp_path / "m.yaml").write_text(LIBRARY.format(output=".narrate-cache"))
    before = snapshot(tmp_path)
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "error: m.yaml:4: libraries.lib.output: ", f"{tmp_path / '.narrate-cache'} overlaps "
                         f"the segment cache {tmp_path / '.narrate-cache'}; give the output its own folder")
    assert not (tmp_path / ".narrate-cache" / "welcome.db").exists()
    assert _without(snapshot(tmp_path), ".narrate-cache") == before


def test_cache_inside_an_output_folder_is_refused(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY.format(output="out"))
    cache = tmp_path / "out" / "cache"
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path, env={"NARRATE_CACHE": str(cache)})
    assert_clean_failure(done, 2, "libraries.lib.output: ", f"overlaps the segment cache {cache}")
    assert not (tmp_path / "out").exists()  # no prompt file written, and the cache not even opened
    done = narrate_in("-q", "build", "m.yaml", "--cache-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert_clean_failure(done, 2, "libraries.lib.output: ", "overlaps the segment cache")


def test_output_beside_the_cache_still_builds(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY.format(output="out"))
    done = narrate_in("-q", "build", "m.yaml", "--cache-dir", str(tmp_path / "outcache"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["cache.db", "index.json", "welcome.db"]


def test_a_book_whose_output_folder_holds_its_chapters_is_refused(tmp_path):
    """`sources: ch/*` and `output: ch`: the first build wrote 01-one.mp3 and g.m3u beside the chapter,
    and every build after an edit read them as chapters (`ch/01-one.mp3:1: not valid UTF-8`; a UTF-8
    g.m3u would have been read aloud)."""
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text("# One\n\nHello world.\n")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  g:\n    sources: ch/*\n    output: ch\n"
                                     "    formats: [chapters]\n")
    before = snapshot(tmp_path)
    for command in ("validate", "build"):
        done = narrate_in(command, "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, f"m.yaml:4: books.g.sources: {tmp_path / 'ch' / '01-one.md'} is in the output "
                             "folder of books.g; keep chapters and outputs in separate folders")
    assert _without(snapshot(tmp_path), ".narrate-cache") == before


def test_a_chapter_inside_a_library_output_folder_is_refused(tmp_path):
    (tmp_path / "out" / "notes").mkdir(parents=True)
    (tmp_path / "out" / "notes" / "01.md").write_text("# One\n\nHello world.\n")
    (tmp_path / "m.yaml").write_text(
        "version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n    languages:\n"
        "      en-US: {voice: en-us}\n    prompts:\n      hi: Hi.\nbooks:\n  g:\n    sources: out/notes/*.md\n"
        "    output: books\n    formats: [chapters]\n")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:12: books.g.sources: ", "is in the output folder of libraries.ivr")


SAMPLE_BOOK = ("version: 1\nbooks:\n  guide:\n    sources: ch/*.md\n    output: out\n    formats: [chapters]\n"
               "    sample: {chapter: 1, start_s: 30, length_s: 180}\n")


@pytest.mark.slow
def test_a_sample_that_starts_after_its_chapter_ends_is_a_located_error_and_the_rest_is_built(tmp_path):
    """The README's `sample: {chapter: 1, start_s: 30, length_s: 180}` on a 3-second chapter failed the
    whole book during assembly: exit 1, `error: books/guide: sample: no whole sentence ... fits`, no line,
    and no chapter file written. It is the manifest's mistake: located (file:line: key), exit 2, the
    chapter file still written; and once the lock knows the chapter's length, refused before anything
    is synthesized or encoded (and by validate)."""
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text("# One\n\nA short chapter.\n")
    (tmp_path / "m.yaml").write_text(SAMPLE_BOOK)
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "error: m.yaml:7: books.guide.sample.start_s: 30 s is past the end of chapter 1, "
                                  "whose speech is ", " s long: start the sample within it")
    assert "books/guide:" not in done.stderr
    assert (tmp_path / "out" / "01-one.mp3").is_file() and not (tmp_path / "out" / "guide-sample.mp3").exists()
    shutil.rmtree(tmp_path / ".narrate-cache")
    before = snapshot(tmp_path)
    for command in ("validate", "build"):
        done = narrate_in("-q", command, "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, "error: m.yaml:7: books.guide.sample.start_s: 30 s is past the end of chapter 1")
    # Refused at plan time: nothing synthesized into the (emptied) cache, nothing written.
    assert not list((tmp_path / ".narrate-cache").rglob("*.val")) and _without(snapshot(tmp_path), ".narrate-cache") == \
        _without(before, ".narrate-cache")
    (tmp_path / "m.yaml").write_text(SAMPLE_BOOK.replace("start_s: 30", "start_s: 0"))
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out" / "guide-sample.mp3").is_file()


@pytest.mark.slow
def test_a_sample_too_short_for_any_sentence_names_length_s(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text("# One\n\nA short chapter with a sentence of some length in it.\n")
    (tmp_path / "m.yaml").write_text(SAMPLE_BOOK.replace("output: out\n", "output: out\n    profile: podcast\n")
                                     .replace("start_s: 30, length_s: 180", "start_s: 0,\n      length_s: 1.2"))
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "error: m.yaml:9: books.guide.sample.length_s: no whole sentence of chapter 1 fits "
                                  "from start_s 0 s within 1.2 s (with the head and tail room tone)")
    assert (tmp_path / "out" / "01-one.mp3").is_file()


MERGED = """\
version: 1
libraries:
  sales: &base
    output: out/sales
    formats: [wav]
    languages:
      en-US: {voice: en-us}
    prompts:
      welcome: Hello.
  support:
    output: out/support
    <<: *base
    prompts:
      hours: We are open.
"""


def test_yaml_merge_keys_work_as_in_pyyaml(tmp_path):
    """`<<: *base` was read as a key named "<<": `libraries.support.<<: unknown key` and three
    `missing required key` lines. The mapping's own keys win wherever they stand; lines stay exact."""
    from narrate.manifest import load_manifest

    (tmp_path / "m.yaml").write_text(MERGED)
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "m.yaml: ok (2 libraries, 2 prompts, 0 books)\n", "")
    support = load_manifest(tmp_path / "m.yaml").libraries[1]
    assert (support.output, support.formats) == (tmp_path / "out" / "support", ("wav",))
    assert [(p.name, p.line) for p in support.prompts] == [("hours", 14)]
    (tmp_path / "m.yaml").write_text(MERGED.replace("formats: [wav]", "formats: [wov]"))
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.stderr == ("error: m.yaml:5: libraries.sales.formats: unknown format 'wov' (did you mean 'wav'?)\n"
                           "error: m.yaml:5: libraries.support.formats: unknown format 'wov' (did you mean 'wav'?)\n")


def test_a_list_of_merges_takes_the_first_mapping_that_has_a_key(tmp_path):
    from narrate.manifest.loader import load_yaml_text

    doc = load_yaml_text("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  y: 3\n", "m.yaml")
    assert doc.data["c"] == {"x": 1, "y": 3, "z": 2} and doc.problems == []
    assert (doc.lines.line(("c", "x")), doc.lines.line(("c", "y")), doc.lines.line(("c", "z"))) == (1, 5, 2)


def test_a_merge_of_text_is_a_located_problem(tmp_path):
    (tmp_path / "m.yaml").write_text(MERGED.replace("<<: *base", "<<: oops"))
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:12: libraries.support.<<: a merge key (<<) takes a mapping or a list of "
                         "mappings")


@pytest.mark.parametrize("folder", ["..", ".", "../.."])
def test_package_output_above_the_project_is_refused(tmp_path, folder):
    """`package: {output: ..}` wrote the archives and SHA256SUMS above the project, over a SHA256SUMS
    of the user's there; library and book outputs already had to be folders of their own."""
    project = tmp_path / "a" / "b"
    project.mkdir(parents=True)
    (project / "m.yaml").write_text(f"version: 1\npackage: {{output: \"{folder}\"}}\nlibraries:\n  lib:\n"
                                    "    output: out\n    formats: [wav]\n    languages:\n      en-US: {voice: en-us}\n"
                                    "    prompts:\n      welcome: Hello.\n")
    (project / "SHA256SUMS").write_text("mine\n")
    before = snapshot(tmp_path)
    for command in ("validate", "package"):
        done = narrate_in(command, "m.yaml", cwd=project)
        assert_clean_failure(done, 2, "m.yaml:2: package.output: output must be a dedicated folder, not the "
                             "manifest's folder or above")
    assert snapshot(tmp_path) == before


OWN_FILES = ("version: 1\nlibraries:\n  lib:\n    output: out\n    layout: {{pattern: \"{pattern}\"}}\n"
             "    formats: [wav]\n    languages:\n      en-US: {{voice: en-us}}\n    prompts:\n      other: Bye.\n"
             "      {name}: Hello.\n")


@pytest.mark.parametrize(("pattern", "name", "reason"), [
    ("{name}.json", "index", "the layout puts this prompt's file on the library's index.json"),
    ("{name}.{ext}", ".narrate-tmp-1-host-abc", "a file or folder named .narrate-... is narrate's temp file"),
    ("{name}.{ext}", "ivr/.narrate-work-1-host-abc/x", "a file or folder named .narrate-... is narrate's temp file"),
    (".narrate-tmp-{name}.{ext}", "welcome", "a file or folder named .narrate-... is narrate's temp file"),
])
def test_a_prompt_file_on_narrates_own_files_is_refused(tmp_path, pattern, name, reason):
    """A prompt named `index` under `{name}.json` was written, then overwritten by index.json on every
    build (each rewriting the other); one named like a temp file is removed by a later build."""
    (tmp_path / "m.yaml").write_text(OWN_FILES.format(pattern=pattern, name=name))
    before = snapshot(tmp_path)
    for command in ("validate", "build"):
        done = narrate_in(command, "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, f"m.yaml:11: libraries.lib.prompts.{name}: {reason}")
    assert _without(snapshot(tmp_path), ".narrate-cache") == before
