"""Chapter titles in every place a player or an app shows them (ID3 and MP4 tags, the M3U playlist,
the JSON chapters, the feed) are the written title, markup stripped as captions show it: "# When a < b"
was titled "When a less than b" (its spoken form). File names keep the slug they always had, from
that spoken form: renaming them would orphan published files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from conftest import narrate_in
from narrate.plan.books import slug
from narrate.text.markdown import markdown_to_speakable

CHAPTERS = {
    "01.md": "# When a < b\n\nThe first chapter.\n",
    "02.md": "# Use `Vec<T>` & *C++*\n\nThe second chapter.\n",
    "03.md": "# Energy $E = mc^2$ at 5 km\n\nThe third chapter.\n",
}
TITLES = ["When a < b", "Use Vec<T> & C++", "Energy E = mc² at 5 km"]
# The files as every earlier build named them: from the title's spoken form.
FILES = ["01-when-a-less-than-b.mp3", "02-use-vec-of-t-c.mp3", "03-energy-e-mc-2-at-5-km.mp3"]


@pytest.mark.parametrize(("source", "title", "named"), [
    ("# When a < b\n\nText.\n", "When a < b", "When a less than b"),
    ("# Use `Vec<T>` now\n\nx\n", "Use Vec<T> now", "Use Vec of T now"),
    ("# $E=mc^2$ and *bold* [link](https://example.org)\n\nx\n", "E=mc² and bold link", "E=mc^2 and bold link"),
    ("# Plain Title\n\nx\n", "Plain Title", "Plain Title"),
    ("---\ntitle: A < B\n---\n\nText.\n", "A < B", "A < B"),  # front matter: as written, as before
])
def test_a_chapter_title_is_written_and_its_file_name_source_unchanged(source, title, named):
    doc = markdown_to_speakable(source)
    assert doc.title == title
    assert doc.named == named


def test_slugs_are_pinned():
    # Published file names, as earlier builds named them: a change here renames every book's chapter files.
    named = [markdown_to_speakable(text).named for text in CHAPTERS.values()]
    assert [f"{i:02d}-{slug(n or '')}.mp3" for i, n in enumerate(named, 1)] == FILES
    assert slug("Ça va? Déjà 100 %!") == "ca-va-deja-100"


BOOK = """version: 1
books:
  guide:
    title: A Small Guide
    sources: ch/*.md
    output: out/guide
    formats: [chapters, mp3]
    transcripts: {formats: [chapters]}
"""
FEED_BOOK = BOOK.replace("    transcripts:", """    feed:
      base_url: https://example.org/notes/
      description: Short articles, read aloud.
      date: 2024-05-01
      image: https://example.org/art.png
    transcripts:""")


def _built(tmp_path: Path, manifest: str) -> Path:
    (tmp_path / "ch").mkdir()
    for name, text in CHAPTERS.items():
        (tmp_path / "ch" / name).write_text(text, encoding="utf-8")
    (tmp_path / "book.yaml").write_text(manifest, encoding="utf-8")
    done = narrate_in("-q", "build", "book.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path / "out" / "guide"


def test_tags_playlist_and_chapters_show_the_written_title(tmp_path):
    out = _built(tmp_path, BOOK)
    assert sorted(p.name for p in out.glob("0*.mp3")) == FILES  # the names as before
    assert [str(ID3(out / name)["TIT2"]) for name in FILES] == TITLES
    book = ID3(out / "guide.mp3")
    assert [str(book[key].sub_frames["TIT2"]) for key in sorted(k for k in book if k.startswith("CHAP"))] == TITLES
    playlist = (out / "guide.m3u").read_text(encoding="utf-8").splitlines()
    assert [line.split(",", 1)[1] for line in playlist if line.startswith("#EXTINF:")] == TITLES
    chapters = json.loads((out / "guide.chapters.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in chapters["chapters"]] == TITLES


def test_the_feed_shows_the_written_title(tmp_path):
    out = _built(tmp_path, FEED_BOOK)
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    for title in TITLES:
        shown = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert f"<title>{shown}</title>" in feed, title
    assert "less than" not in feed and "plus plus" not in feed
