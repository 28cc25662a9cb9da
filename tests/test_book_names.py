"""A book's files and episodes must each be one of a kind: a book named as a chapter's file would be
(`01-intro`), two chapters of one file name in two folders (one feed guid), a `guid:` given twice,
and an `order:` list naming an ambiguous or repeated file were all built with exit 0 and lost a file,
an episode or a chapter. Each is refused before anything is synthesized (exit 2, nothing written)."""

from __future__ import annotations

from pathlib import Path

from conftest import assert_clean_failure, narrate_in
from test_feed import png

BOOK = """\
version: 1
books:
  {name}: {{title: Bk, author: T, sources: {sources}, language: en-US, voice: en-us, formats: {formats},
           output: out/bk{extra}}}
"""
FEED = ", profile: podcast, feed: {base_url: 'https://example.org/bk/', description: D, image: art.png}"


def project(tmp_path: Path, chapters: dict[str, str], **fields: str) -> Path:
    for rel, text in chapters.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    values = {"name": "bk", "sources": "ch/*.md", "formats": "[chapters]", "extra": "", **fields}
    (tmp_path / "narrate.yaml").write_text(BOOK.format(**values))
    return tmp_path


def refused(root: Path, *fragments: str) -> None:
    for command in ("validate", "build"):  # validate reports all that build refuses before synthesizing
        done = narrate_in("-q", command, "narrate.yaml", cwd=root)
        assert_clean_failure(done, 2, *fragments)
    assert not (root / "out").exists()
    assert not (root / ".narrate-cache").exists() or not list((root / ".narrate-cache").glob("??/??/*.val"))


def test_a_book_named_as_a_chapter_file_is_refused(tmp_path):
    root = project(tmp_path, {"ch/01.md": "# Intro\n\nFirst.\n", "ch/02.md": "# Two\n\nSecond.\n"},
                   name="01-intro", formats="[chapters, mp3]")
    refused(root, "books.01-intro: out/bk/01-intro.mp3 would be written twice (as the chapter ch/01.md and the "
                  "book's MP3): rename "
                  "the book or the chapter whose title (a feed episode: whose file name) gives that name")


def test_names_that_differ_only_in_case_collide_too(tmp_path):
    root = project(tmp_path, {"ch/01.md": "# Intro\n\nFirst.\n"}, name="01-INTRO", formats="[chapters, mp3]")
    refused(root, "books.01-INTRO: out/bk/01-INTRO.mp3 would be written twice (as the chapter ch/01.md and the "
                  "book's MP3)")


def with_art(root: Path) -> Path:
    (root / "art.png").write_bytes(png(1400, 1400))
    return root


def test_two_chapters_of_one_file_name_would_share_a_guid(tmp_path):
    root = with_art(project(tmp_path, {"a/intro.md": "---\ndate: 2024-01-01\n---\n# A\n\nPart A.\n",
                                       "b/intro.md": "---\ndate: 2024-02-01\n---\n# B\n\nPart B.\n"},
                            sources="[a/intro.md, b/intro.md]", extra=FEED))
    refused(root, "b/intro.md:1: books.bk.feed: its file name is also", "a/intro.md's, and an episode's guid comes "
            "from it: two episodes with one guid are one episode to podcast apps; give this chapter a `guid:`")


def test_one_guid_given_twice_is_refused_and_own_guids_pass_the_check(tmp_path):
    root = with_art(project(tmp_path, {"ch/01.md": "---\ndate: 2024-01-01\nguid: same\n---\n# A\n\nPart A.\n",
                                       "ch/02.md": "---\ndate: 2024-02-01\nguid: same\n---\n# B\n\nPart B.\n"},
                            extra=FEED))
    refused(root, "ch/02.md:3: books.bk.feed: its front matter `guid: same` is also")
    (root / "ch/02.md").write_text("---\ndate: 2024-02-01\nguid: other\n---\n# B\n\nPart B.\n")
    done = narrate_in("-q", "build", "narrate.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    feed = (root / "out/bk/feed.xml").read_text()
    assert ">same</guid>" in feed and ">other</guid>" in feed


def test_an_order_list_naming_an_ambiguous_or_repeated_file_is_refused(tmp_path):
    root = project(tmp_path, {"a/intro.md": "# A\n\nPart A.\n", "b/intro.md": "# B\n\nPart B.\n",
                              "b/end.md": "# End\n\nThe end.\n"},
                   sources="[a/*.md, b/*.md]", extra=", order: [intro.md, end.md, end.md]")
    refused(root, "books.bk.order: 'intro.md' names 2 of the sources (in different folders): give them distinct "
                  "file names")
    done = narrate_in("-q", "build", "narrate.yaml", cwd=root)
    assert "books.bk.order: 'end.md' is listed twice; list each chapter once" in done.stderr


def test_credits_in_a_feed_without_a_date_are_named_as_credits(tmp_path):
    root = with_art(project(tmp_path, {"ch/01.md": "---\ndate: 2024-01-01\n---\n# A\n\nPart A.\n"},
                            extra=FEED + ', credits: {opening: "Bk, by T."}'))
    refused(root, "books.bk.feed.date: the opening credits are an episode of the feed too and have no front "
                  "matter: set feed.date (ISO 8601)")


def test_a_chapter_with_nothing_to_speak_is_named(tmp_path):
    root = project(tmp_path, {"ch/01.md": "# One\n\nFirst.\n", "ch/02.md": "```\ncode only\n```\n"})
    for _ in range(2):  # the no-op replay says it too
        done = narrate_in("-q", "build", "narrate.yaml", cwd=root)
        assert done.returncode == 0, done.stderr
        assert "warning: ch/02.md: books.bk.sources: nothing to speak in this chapter: its file will be silence" \
            in done.stderr


def test_a_source_the_order_list_leaves_out_is_named(tmp_path):
    root = project(tmp_path, {"ch/01.md": "# One\n\nFirst.\n", "ch/02.md": "# Two\n\nSecond.\n",
                              "ch/03.md": "# Three\n\nThird.\n"}, extra=", order: [03.md, 01.md]")
    done = narrate_in("-q", "build", "narrate.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "books.bk.order: ch/02.md is among the sources but not in the order list: not built" in done.stderr
    assert done.stderr.count("warning:") == 1
    assert sorted(p.name for p in (root / "out/bk").iterdir() if p.suffix == ".mp3") == ["01-three.mp3", "02-one.mp3"]


def test_page_bundles_in_a_feed_are_named_after_their_folders(tmp_path):
    """Hugo page bundles (posts/<slug>/index.md, each with its own `guid:`) in a feed: episodes are named after
    their article's file, and an `index.md` after its folder, so the bundles do not all become index.mp3."""
    root = with_art(project(tmp_path, {"posts/rivers/index.md": "---\ndate: 2024-01-01\nguid: r\n---\n# A\n\nPart A.\n",
                                       "posts/old-roads/_index.md": "---\ndate: 2024-02-01\nguid: o\n---\n# B\n\nB.\n",
                                       "posts/notes.md": "---\ndate: 2024-03-01\n---\n# C\n\nPart C.\n"},
                            sources="[posts/*/*index.md, posts/notes.md]", extra=FEED))
    done = narrate_in("-q", "build", "narrate.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (root / "out" / "bk").glob("*.mp3")) == ["notes.mp3", "old-roads.mp3", "rivers.mp3"]
