"""Books: Markdown to speakable text on the real corpus, sentence segments, and the containers."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest
from mutagen.id3 import ID3

import narrate.package.assemble as books
import narrate.package.book_joins as joins
from conftest import ROOT, SHARED, narrate, shared_names
from narrate.cache import SegmentCache
from narrate.errors import NarrateError
from narrate.manifest import load_manifest
from narrate.package.assemble import build_book
from narrate.plan.books import plan_books
from narrate.prepare import load_lexicon, make_providers
from narrate.text import Lexicon
from narrate.text.chapter import chapter_units
from narrate.text.markdown import markdown_to_speakable, speakable_text

CORPUS = SHARED / "corpora" / "articles-rust-book" / "src"
FFMPEG = __import__("imageio_ffmpeg").get_ffmpeg_exe()


@pytest.mark.shared
@pytest.mark.parametrize("chapter", shared_names(CORPUS))
def test_corpus_chapters_speak_no_markup(chapter):
    source = (CORPUS / chapter).read_text()
    text = speakable_text(markdown_to_speakable(source, code="skip"))
    for marker in ("```", "{{#", "<Listing", "</Listing", "](", "|---", "[^", "<img", "<span"):
        assert marker not in text, marker
    assert not re.search(r"^\s*(fn |let |use |\$ cargo)", text, re.M), "code leaked into the text"
    assert len(text) > 200


@pytest.mark.shared
def test_structure_of_a_real_chapter():
    doc = markdown_to_speakable((CORPUS / "ch04-01-what-is-ownership.md").read_text())
    assert doc.title == "What Is Ownership?"
    headings = [(b.level, b.text) for b in doc.blocks if b.kind == "heading"]
    assert headings[0] == (2, "What Is Ownership?") and (3, "The Stack and the Heap") in headings
    text = speakable_text(doc)
    assert "String::from" in text  # inline code is read
    assert "{{#rustdoc_include" not in (CORPUS / "ch04-01-what-is-ownership.md").read_text() or "rustdoc" not in text


def test_footnotes_links_front_matter_html():
    source = """---
title: From Front Matter
draft: true
---
# Heading One

See [the docs](https://example.com) and ![a diagram](d.png) now.[^1] <span>Inline html</span> stays read.

<div class="warning">A raw HTML block is read as its text.</div><!-- never a comment -->

{{#include ../listings/ch01/main.rs}}

| a | b |
|---|---|
| 1 | 2 |

[^1]: The footnote text.
"""
    doc = markdown_to_speakable(source, tables="notice")
    assert doc.title == "From Front Matter" and doc.front_matter["draft"] is True
    text = speakable_text(doc)
    assert "See the docs and a diagram now. Inline html stays read." in text
    assert "A raw HTML block is read as its text." in text  # its text children, never its tags (issue 11)
    assert "warning" not in text and "comment" not in text and "include" not in text and "draft" not in text
    assert "[Table omitted.]" in text and text.rstrip().endswith("The footnote text.")
    toml = markdown_to_speakable('+++\ntitle = "Toml Title"\n+++\nBody text.')
    assert toml.title == "Toml Title" and speakable_text(toml).strip() == "# Toml Title\n\nBody text."


@pytest.mark.shared
def test_one_sentence_edit_changes_one_unit_on_a_real_chapter():
    source = (CORPUS / "ch04-01-what-is-ownership.md").read_text()
    sentence = "Keep at it!"
    assert source.count(sentence) == 1
    before = [u.text for u in chapter_units(markdown_to_speakable(source), 2000, "en-US", None)]
    after = [u.text for u in chapter_units(markdown_to_speakable(source.replace(sentence, "Keep going!")), 2000, "en-US", None)]
    assert len(before) == len(after) > 100
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [before.index("Keep at it!")]


def test_lexicon_applies_to_books():
    doc = markdown_to_speakable("# Cargo\n\nRun Cargo now. Nothing else.")
    lex = Lexicon.from_mapping({"Cargo": "car go"}, source="lex")
    assert [u.text for u in chapter_units(doc, 2000, "en-US", lex)] == ["car go", "Run car go now.", "Nothing else."]


BOOK = """\
version: 1
books:
  guide:
    title: A Small Guide
    author: Test Author
    sources: ch/*.md
    cover: cover.png
    formats: [chapters, mp3, m4b]
    output: out/guide
"""


@pytest.fixture
def book(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text("# First Steps\n\nThis is the first chapter. It is short.\n")
    (tmp_path / "ch" / "02-two.md").write_text("# Second Thoughts\n\nThe second chapter has one paragraph. And a final line.\n")
    (tmp_path / "cover.png").write_bytes((ROOT / "content" / "patient-guide" / "cover.png").read_bytes())
    (tmp_path / "book.yaml").write_text(BOOK)
    return tmp_path


def ffmpeg_chapters(path: Path) -> list[tuple[float, str]]:
    out = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    starts = [float(s) for s in re.findall(r"Chapter #\d+:\d+: start ([\d.]+)", out)]
    titles = re.findall(r"Chapter #.*\n\s+Metadata:\n\s+title\s+: (.*)", out) or \
        re.findall(r"Chapter #.*\n\s+title\s+: (.*)", out)
    return list(zip(starts, titles, strict=True))


def test_book_outputs_through_the_cli(book):
    done = narrate("build", "--json", "book.yaml", cwd=book)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == [] and report["outputs_written"] == 5
    out = book / "out" / "guide"
    assert sorted(p.name for p in out.iterdir()) == ["01-first-steps.mp3", "02-second-thoughts.mp3", "guide.m3u",
                                                      "guide.m4b", "guide.mp3"]
    lock = json.loads((book / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["guide"]
    second_start = lock["chapters"][1][1] / 1000
    for container in ("guide.m4b", "guide.mp3"):
        chapters = ffmpeg_chapters(out / container)
        assert [t for _, t in chapters] == ["First Steps", "Second Thoughts"], container
        assert chapters[0][0] == 0 and abs(chapters[1][0] - second_start) < 0.01
    tags = ID3(out / "guide.mp3")
    chaps = tags.getall("CHAP")
    assert [c.start_time for c in chaps] == sorted(c.start_time for c in chaps)
    data = (out / "guide.mp3").read_bytes()[:4096]
    assert data.index(b"CHAP\x00") < data.rindex(b"CHAP\x00") and tags.getall("CTOC")[0].child_element_ids == ["ch0", "ch1"]
    chapter_tags = ID3(out / "02-second-thoughts.mp3")
    assert str(chapter_tags["TIT2"]) == "Second Thoughts" and str(chapter_tags["TALB"]) == "A Small Guide"
    assert str(chapter_tags["TPE1"]) == "Test Author" and str(chapter_tags["TRCK"]) == "2/2"
    assert chapter_tags.getall("APIC")[0].data == (book / "cover.png").read_bytes()
    playlist = (out / "guide.m3u").read_text().splitlines()
    assert playlist[0] == "#EXTM3U" and playlist[2] == "01-first-steps.mp3" and playlist[3].endswith(",Second Thoughts")
    # Incremental: nothing to do, then one sentence edited costs one segment.
    again = json.loads(narrate("build", "--json", "book.yaml", cwd=book).stdout)
    assert again["synthesized"] == 0 and again["outputs_written"] == 0
    (book / "ch" / "02-two.md").write_text("# Second Thoughts\n\nThe second chapter has one paragraph. And a last line.\n")
    edited = json.loads(narrate("build", "--json", "book.yaml", cwd=book).stdout)
    assert edited["synthesized"] == 1
    assert "out/guide/01-first-steps.mp3" not in edited["written"]  # its bytes did not change


def test_text_command(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\n```rust\nfn main() {}\n```\n\nSome `code` here.\n")
    done = narrate("text", "a.md", "--code", "notice", cwd=tmp_path)
    assert done.returncode == 0 and "[Code example omitted.]" in done.stdout and "Some code here." in done.stdout
    assert "fn main" not in done.stdout


def test_text_command_takes_every_markdown_setting_a_book_has(tmp_path):
    """`--tables rows` (a book's `markdown: {tables: rows}`) and the other book settings preview
    without a manifest; with one, an option that the book's settings would override is refused."""
    from conftest import assert_clean_failure, narrate_in

    (tmp_path / "a.md").write_text("# T\n\n| Plan | Price |\n|---|---|\n| Basic | 5 |\n\n> [!TIP]\n> Call us. :smile:\n")
    done = narrate_in("text", "a.md", "--tables", "rows", "--alerts", "drop", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Title: T\n\n# T\n\nPlan: Basic; Price: 5.\n\nCall us.\n"
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b:\n    sources: '*.md'\n    output: out\n")
    refused = narrate_in("text", "a.md", "--manifest", "m.yaml", "--tables", "rows", cwd=tmp_path)
    assert_clean_failure(refused, 2, "--tables: a book's markdown: settings apply with --manifest")


def test_failed_assembly_leaves_no_partial_file(book, monkeypatch):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0
    cache = SegmentCache(book / ".narrate-cache")
    job = plan_one(book)
    before = {p.name: p.read_bytes() for p in (book / "out" / "guide").iterdir()}
    cache.delete(job.keys()[-1])
    with pytest.raises(NarrateError, match="missing from the cache"):
        build_book(job, cache, book)
    cache.close()
    after = {p.name: p.read_bytes() for p in (book / "out" / "guide").iterdir()}
    assert after == before  # no temp or partial files, old outputs untouched


def test_plan_shows_chapters_added_changed_removed(book):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0
    (book / "ch" / "02-two.md").write_text("# Second Thoughts\n\nA changed sentence.\n")
    (book / "ch" / "01-one.md").unlink()
    (book / "ch" / "03-three.md").write_text("# Third Way\n\nBrand new.\n")
    done = narrate("plan", "book.yaml", cwd=book)
    assert done.returncode == 0, done.stderr
    assert "+ books/guide/03-three.md  'Third Way'" in done.stdout
    assert "~ books/guide/02-two.md" in done.stdout and "- books/guide/01-one.md  'First Steps'" in done.stdout
    assert "Plan: 1 to add, 1 to change, 1 to remove." in done.stdout


def plan_one(root: Path) -> books.BookJob:
    manifest = load_manifest(root / "book.yaml")
    providers, _ = make_providers(manifest)
    (job,) = plan_books(manifest, providers, load_lexicon(manifest))
    return job


@pytest.mark.shared
def test_one_sentence_edit_is_one_new_segment_key_on_a_real_chapter(tmp_path):
    source = (CORPUS / "ch04-01-what-is-ownership.md").read_text()
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "ownership.md").write_text(source)
    (tmp_path / "book.yaml").write_text(
        "version: 1\nbooks:\n  rust:\n    title: Ownership\n    sources: ch/*.md\n"
        "    formats: [m4b]\n    output: out\n")
    before = plan_one(tmp_path)
    (tmp_path / "ch" / "ownership.md").write_text(source.replace("Keep at it!", "Keep going!"))
    after = plan_one(tmp_path)
    assert len(after.keys()) == len(before.keys()) > 100
    (added,) = set(after.segments) - set(before.segments)
    (dropped,) = set(before.segments) - set(after.segments)
    assert after.segments[added].request.text == "Keep going!"
    assert before.segments[dropped].request.text == "Keep at it!"
    assert [i for i, (a, b) in enumerate(zip(before.keys(), after.keys(), strict=True)) if a != b] == \
        [after.keys().index(added)]
    assert after.recipes["m4b"] != before.recipes["m4b"] and after.recipe != before.recipe


EDITED = "# Second Thoughts\n\nThe second chapter has one paragraph. And a last line.\n"


def lock_entry(root: Path) -> dict:
    return json.loads((root / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["guide"]


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture
def encodes(monkeypatch) -> list[str]:
    """Records every encode and join build_book starts for its outputs: "chapter <track>" (a chapter file
    joined from its pieces), "join_book_mp3" or "join_m4b" (the whole-book joins), and "encode <n>"
    (chapter n's speech encoded; see tests/test_book_incremental.py)."""
    calls: list[str] = []

    def spy(name, real):
        def run(*args, **kwargs):
            calls.append(f"chapter {args[4]}" if name == "join_chapter_mp3" else
                         f"encode {int(args[0].stem.split('-')[1])}" if name == "encode_speech" else
                         name)
            return real(*args, **kwargs)
        return run

    for mod, name in ((joins, "join_chapter_mp3"), (joins, "join_book_mp3"), (joins, "join_m4b"),
                      (books, "encode_speech")):
        monkeypatch.setattr(mod, name, spy(name, getattr(mod, name)))
    return calls


def rebuild(root: Path, previous: dict) -> tuple[dict, list[str]]:
    cache = SegmentCache(root / ".narrate-cache")
    try:
        entry, written = build_book(plan_one(root), cache, root, previous=previous)
    finally:
        cache.close()
    return json.loads(json.dumps(entry)), written


def test_an_edit_re_encodes_only_what_it_changes_and_matches_a_clean_build(book, encodes):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0
    out = book / "out" / "guide"
    last, last_entry = files(out), lock_entry(book)
    (book / "ch" / "02-two.md").write_text(EDITED)
    assert narrate("build", "book.yaml", cwd=book).returncode == 0  # synthesizes the new sentence, renders everything
    clean, clean_entry = files(out), lock_entry(book)
    for name, data in last.items():  # back to the files the last build left
        (out / name).write_bytes(data)
    entry, written = rebuild(book, last_entry)
    assert sorted(encodes) == ["chapter 2", "join_book_mp3", "join_m4b"]  # chapter 1 is not re-encoded
    assert entry == clean_entry and files(out) == clean  # incremental == clean, byte for byte
    assert sorted(written) == sorted(f"out/guide/{n}" for n in clean if clean[n] != last[n])
    assert "out/guide/02-second-thoughts.mp3" in written and "out/guide/01-first-steps.mp3" not in written


def test_only_a_deleted_or_altered_output_is_rebuilt(book, encodes):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0
    out = book / "out" / "guide"
    before, entry = files(out), lock_entry(book)
    untouched = (out / "02-second-thoughts.mp3").stat().st_mtime_ns
    assert rebuild(book, entry) == (entry, []) and encodes == []  # all current: nothing streamed or encoded
    (out / "01-first-steps.mp3").unlink()
    (out / "guide.m4b").write_bytes(b"edited by hand")
    again, written = rebuild(book, entry)
    assert sorted(encodes) == ["chapter 1", "join_m4b"]
    assert again == entry and files(out) == before
    assert sorted(written) == ["out/guide/01-first-steps.mp3", "out/guide/guide.m4b"]
    assert (out / "02-second-thoughts.mp3").stat().st_mtime_ns == untouched


def test_work_folders_of_dead_builds_are_removed(book):
    assert narrate("build", "book.yaml", cwd=book).returncode == 0
    out = book / "out" / "guide"
    host = socket.gethostname()
    dead = out / f".narrate-work-4194305-{host}-abc123"  # above any pid_max: no such process
    live = out / f".narrate-work-{os.getpid()}-{host}-abc123"
    elsewhere = out / ".narrate-work-4194305-another-host-abc123"  # may be a live build on that host
    old = out / ".narrate-work-4194305-another-host-def456"
    for folder in (dead, live, elsewhere, old):
        folder.mkdir()
        (folder / "book.wav").write_bytes(b"RIFF")
    os.utime(old, (time.time() - 3 * 86400,) * 2)
    rebuild(book, lock_entry(book))
    assert live.exists() and elsewhere.exists() and not dead.exists() and not old.exists()
    assert len(list(out.glob(".narrate-work-*"))) == 2  # and the build's own folder is gone
