"""Per-chapter voices and pauses (issue 12 item 6): `voice:` and pause lengths (after headings,
paragraphs, between sentences, between chapters) per book and per chapter, in the plan (segment
keys and pauses) and in the assembled audio (exact lengths in samples, from the lock)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import narrate
from narrate.manifest import load_manifest
from narrate.package.grid import Layout
from narrate.plan.books import BookJob, plan_books
from narrate.prepare import load_lexicon, make_providers

CH1 = "# First Steps\n\nOne sentence here. Another one.\n\nA second paragraph.\n"
CH2 = "# Second Thoughts\n\nThe second chapter.\n"


def write_book(root: Path, extra: str) -> Path:
    (root / "ch").mkdir(exist_ok=True)
    (root / "ch" / "01-one.md").write_text(CH1)
    (root / "ch" / "02-two.md").write_text(CH2)
    (root / "book.yaml").write_text("version: 1\nbooks:\n  guide:\n    title: Guide\n    sources: ch/*.md\n"
                                    f"    formats: [chapters, mp3]\n    output: out\n{extra}")
    return root


def plan(root: Path) -> BookJob:
    manifest = load_manifest(root / "book.yaml")
    providers, _ = make_providers(manifest)
    (job,) = plan_books(manifest, providers, load_lexicon(manifest))
    return job


def test_defaults_are_the_old_pauses_and_the_language_voice(tmp_path):
    job = plan(write_book(tmp_path, ""))
    assert [p for _, p in job.chapters[0].units] == [800, 150, 500, 500]
    assert {s.request.voice for s in job.segments.values()} == {"en-us"}
    assert [ch.after_ms for ch in job.chapters] == [2000, 2000]


def test_book_and_chapter_pauses_and_voices(tmp_path):
    job = plan(write_book(tmp_path, "    voice: en-gb\n"
                                    "    pauses: {heading_ms: 1200, paragraph_ms: 700, sentence_ms: 300, chapter_ms: 2500}\n"
                                    "    chapters:\n"
                                    "      02-two.md: {voice: en-us, pauses: {heading_ms: 400, chapter_ms: 3000}}\n"))
    one, two = job.chapters
    assert [p for _, p in one.units] == [1200, 300, 700, 700] and one.after_ms == 2500
    assert [p for _, p in two.units] == [400, 700] and two.after_ms == 3000  # the rest inherited from the book
    voices = [[job.segments[k].request.voice for k, _ in ch.units] for ch in job.chapters]
    assert voices == [["en-gb"] * 4, ["en-us"] * 2]


def test_a_chapter_voice_changes_only_that_chapters_keys(tmp_path):
    before = plan(write_book(tmp_path, ""))
    after = plan(write_book(tmp_path, "    chapters:\n      ch/02-two.md: {voice: en-gb}\n"))  # a path works too
    assert [k for k, _ in after.chapters[0].units] == [k for k, _ in before.chapters[0].units]
    assert not {k for k, _ in after.chapters[1].units} & {k for k, _ in before.chapters[1].units}
    assert after.recipes["chapter-001"] == before.recipes["chapter-001"]
    assert after.recipes["chapter-002"] != before.recipes["chapter-002"]


def lock(root: Path) -> dict:
    return json.loads((root / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["guide"]


def build(root: Path) -> dict:
    done = narrate("build", "--json", "book.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return lock(root)


def test_pauses_are_exact_in_the_audio(tmp_path):
    """Each changed pause lengthens the files by its change, up to the frame grid that makes the
    whole-book files joinable (narrate.package.grid): one paragraph pause inside chapter 1 (+400 ms;
    the chapter file within 2 ms), one chapter pause between the chapters of the whole book (+1000
    ms; chapter 2 then starts 1.4 s later, within one grid block of 9216 samples, 0.21 s)."""
    base = build(write_book(tmp_path, ""))
    rate = base["rate"]
    changed = build(write_book(tmp_path, "    pauses: {paragraph_ms: 900, chapter_ms: 3000}\n"))
    assert changed["rate"] == rate
    longer = changed["outputs"]["chapter-001"]["duration"] - base["outputs"]["chapter-001"]["duration"]
    assert abs(longer - 0.4) < 0.002
    # chapter 2 has one paragraph: its last pause is never played (the tail replaces it)
    assert changed["outputs"]["chapter-002"]["duration"] == base["outputs"]["chapter-002"]["duration"]
    block = Layout(rate).block
    assert 0 <= changed["samples"][0] - base["samples"][0] - round(1.4 * rate) < block
    assert 0 <= changed["chapters"][1][1] - base["chapters"][1][1] - 1400 < block * 1000 / rate + 1

def test_an_unknown_chapter_or_book_voice_stops_validate_and_build_at_its_line(tmp_path):
    """A chapter's `voice:` is checked as the book's is, before anything is synthesized (it was not:
    validate said ok and the build paid for every other segment, then failed that chapter's)."""
    from conftest import assert_clean_failure, narrate_in

    write_book(tmp_path, "    voice: en-gbb\n    chapters:\n      02-two.md: {voice: en-uss}\n")
    for command in ("validate", "build"):
        done = narrate_in(command, "book.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, "book.yaml:8: books.guide.voice: voice 'en-gbb' for espeak")
        assert_clean_failure(done, 2, "book.yaml:10: books.guide.chapters.02-two.md.voice: voice 'en-uss' for espeak",
                             "did you mean en-US")
    assert not (tmp_path / "out").exists()  # refused before synthesis: nothing rendered
