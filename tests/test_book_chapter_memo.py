"""A book's unchanged chapters are not read through the text front-end again (narrate.plan.chapter_memo),
and the memo never changes a build: outputs and lock are the bytes a build without it makes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import narrate.plan.books as books
from conftest import narrate
from narrate.cache import SegmentCache
from narrate.errors import ManifestError
from narrate.manifest import load_manifest
from narrate.package.pieces import STORE_DIR
from narrate.plan.chapter_memo import ChapterMemo, Reading, decode_reading, encode_reading
from narrate.prepare import load_lexicon, make_providers, prepare_build
from test_book_incremental import CHAPTERS, EDITED

MANIFEST = ("version: 1\nbooks:\n  guide:\n    title: Guide\n    author: A. Writer\n    sources: ch/*.md\n"
            "    formats: [chapters, mp3, m4b]\n    transcripts: {formats: [vtt]}\n    output: out\n")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    (root / "ch").mkdir(parents=True)
    for name, text in CHAPTERS.items():
        (root / "ch" / name).write_text(text)
    (root / "book.yaml").write_text(MANIFEST)
    return root


def memo_files(root: Path) -> list[Path]:
    return sorted((root / ".narrate-cache").rglob("*.chapters"))


def signature(job) -> tuple:
    chapters = [(c.source, c.title, c.units, c.after_ms, c.written, c.front, c.shown, c.named) for c in job.chapters]
    return chapters, job.outputs, job.recipes, job.recipe, {k: s.request for k, s in job.segments.items()}


def plan_in_process(root: Path, monkeypatch) -> tuple[list, list[str]]:
    """prepare_build's book jobs, and the chapters it parsed (ran through the front-end)."""
    parsed: list[str] = []
    real = books.markdown_to_speakable
    monkeypatch.setattr(books, "markdown_to_speakable", lambda text, *a, path, **k: parsed.append(Path(path).name)
                        or real(text, *a, path=path, **k))
    manifest = load_manifest(root / "book.yaml")
    cache = SegmentCache(root / ".narrate-cache")
    try:
        planned = prepare_build(manifest, cache)
    finally:
        cache.close()
    monkeypatch.setattr(books, "markdown_to_speakable", real)
    return planned.books, parsed


def plan_without_memo(root: Path):
    manifest = load_manifest(root / "book.yaml")
    providers, _ = make_providers(manifest)
    return books.plan_books(manifest, providers, load_lexicon(manifest))


def test_an_edit_reads_only_the_edited_chapter_and_plans_as_without_the_memo(book, monkeypatch):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0
    assert len(memo_files(book)) == 1
    (book / "ch" / "02-two.md").write_text(EDITED)
    jobs, parsed = plan_in_process(book, monkeypatch)
    assert parsed == ["02-two.md"]
    assert [signature(j) for j in jobs] == [signature(j) for j in plan_without_memo(book)]


def test_an_edit_builds_the_bytes_of_a_fresh_build_of_the_edited_book(book, tmp_path):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0
    (book / "ch" / "02-two.md").write_text(EDITED)
    done = narrate("build", "book.yaml", cwd=book)
    assert done.returncode == 0, done.stderr
    fresh = tmp_path / "fresh"  # the same segments, no memo, no pieces, no lock: a cold assembly
    shutil.copytree(book / "ch", fresh / "ch")
    shutil.copy(book / "book.yaml", fresh / "book.yaml")
    shutil.copytree(book / ".narrate-cache", fresh / ".narrate-cache",
                    ignore=shutil.ignore_patterns("state", STORE_DIR))
    assert not memo_files(fresh)
    done = narrate("build", "book.yaml", cwd=fresh)
    assert done.returncode == 0, done.stderr
    files = {p.name: p.read_bytes() for p in (book / "out").iterdir()}
    assert files == {p.name: p.read_bytes() for p in (fresh / "out").iterdir()}
    assert (book / "narrate.lock").read_bytes() == (fresh / "narrate.lock").read_bytes()


def _edit_a_text(memo: Path) -> None:
    data = memo.read_text()
    assert "second chapter" in data
    memo.write_text(data.replace("second chapter", "third chapter"))  # still JSON, still the shape


@pytest.mark.parametrize("damage", [_edit_a_text, lambda p: p.write_bytes(b"\x00garbage{["),
                                    lambda p: p.write_text(p.read_text()[: len(p.read_text()) // 2])])
def test_a_damaged_memo_is_never_trusted(book, monkeypatch, damage):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0
    (memo,) = memo_files(book)
    damage(memo)
    jobs, parsed = plan_in_process(book, monkeypatch)
    assert "02-two.md" in parsed  # read again, not taken from the damaged entry
    assert [signature(j) for j in jobs] == [signature(j) for j in plan_without_memo(book)]
    texts = [s.request.text for j in jobs for s in j.segments.values()]
    assert any("second chapter" in t for t in texts) and not any("third chapter is short" in t for t in texts)


def test_reading_values_round_trip_and_refuse_any_change():
    reading = Reading("Title", "named", [("One.", False, 400), ("<s>Two.</s>", True, 0)], [("One.", 1), (None, 0)],
                      {"date": "2024-01-02"})
    value = json.loads(json.dumps(encode_reading(reading)))
    assert decode_reading(value) == reading
    for path, bad in (((1, 2, 0, 0), "One!"), ((1, 2, 0, 2), -1), ((1, 0), 5), ((0,), "0" * 32), ((1, 4), [])):
        broken = json.loads(json.dumps(value))
        where = broken
        for i in path[:-1]:
            where = where[i]
        where[path[-1]] = bad
        assert decode_reading(broken) is None, path
    assert decode_reading([value[0], value[1][:4]]) is None
    assert decode_reading("x") is None and decode_reading(None) is None
    dated = Reading("T", None, [], [], {"when": __import__("datetime").date(2024, 1, 2)})
    assert encode_reading(dated) is None  # a YAML date does not survive JSON: not memoised


@pytest.mark.parametrize("setting", ["    markdown: {code: notice}\n", "    voice: en-gb\n",
                                     "    pauses: {sentence_ms: 900}\n"])
def test_a_memo_is_not_reused_under_another_reading_setting(book, monkeypatch, setting):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0
    (book / "book.yaml").write_text(MANIFEST + setting)
    jobs, parsed = plan_in_process(book, monkeypatch)
    assert sorted(parsed) == sorted(CHAPTERS)
    assert [signature(j) for j in jobs] == [signature(j) for j in plan_without_memo(book)]


READ_APART = """
import sys
import narrate.plan.books as books
from narrate.manifest import load_manifest
from narrate.plan.chapter_memo import ChapterMemo
from narrate.prepare import load_lexicon, make_providers
here = []
real = books._read_chapter
books._read_chapter = lambda *args: here.append(1) or real(*args)  # in the child too: its count is its own
manifest = load_manifest(sys.argv[1])
providers, _ = make_providers(manifest)
jobs = books.plan_books(manifest, providers, load_lexicon(manifest), ChapterMemo("s"), apart=True)
chapters = [(c.source, c.title, c.units, c.after_ms, c.written, c.front, c.shown, c.named) for c in jobs[0].chapters]
print(len(here), sorted(m for m in sys.modules if m in ("narrate.text.markdown", "narrate.text.chapter", "markdown_it")))
print(repr((chapters, jobs[0].outputs, jobs[0].recipes, jobs[0].recipe)))
"""


def test_a_build_reads_its_chapters_in_a_child_and_plans_the_same_book(book):
    """`narrate build` reads a book's chapters in a forked child (plan.apart): its own process never
    loads the Markdown stack, whose modules and heap stayed resident beside every ffmpeg encode (issue
    12: the process tree within 100 MB). The plan is the one read in-process."""
    (book / "ch" / "04-four.md").write_text("---\ntitle: Four\ndate: 2024-05-01\n---\n\n# Fourth\n\n"
                                            "It costs $5 on 3 May 2024. See https://example.org.\n")
    done = subprocess.run([sys.executable, "-c", READ_APART, str(book / "book.yaml")], capture_output=True,
                          text=True, timeout=120, cwd=book,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 0, done.stderr
    seen, planned = done.stdout.split("\n", 1)
    assert seen == "0 []"  # no chapter read in the build's process, nothing of the reader loaded
    (job,) = plan_without_memo(book)
    chapters = [(c.source, c.title, c.units, c.after_ms, c.written, c.front, c.shown, c.named) for c in job.chapters]
    assert planned.strip() == repr((chapters, job.outputs, job.recipes, job.recipe))
    assert len(job.chapters) == 4 and job.chapters[3].front["date"].isoformat() == "2024-05-01"


def test_a_chapter_the_child_cannot_read_fails_as_it_does_in_process(book):
    (book / "ch" / "02-two.md").write_text("# Two\n\nSay <say-as interpret-as=\"characters\">ab</say-as\n")
    manifest = load_manifest(book / "book.yaml")
    providers, _ = make_providers(manifest)
    raised = []
    for apart in (True, False):
        with pytest.raises(ManifestError) as exc:
            books.plan_books(manifest, providers, load_lexicon(manifest), ChapterMemo("s"), apart=apart)
        raised.append([str(p) for p in exc.value.problems])
    assert raised[0] == raised[1] and "02-two.md" in raised[0][0]
