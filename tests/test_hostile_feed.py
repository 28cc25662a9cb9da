"""Malformed `feed:` and `transcripts:` sections, and articles a feed cannot use: a located one-line
message, exit 2, no traceback, and nothing written outside the folders narrate owns."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from test_feed import ART1, ART2, FEED, png


@pytest.fixture
def site(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "rivers.md").write_text(ART1)
    (tmp_path / "articles" / "roads.md").write_text(ART2)
    (tmp_path / "art.png").write_bytes(png(1400, 1400))
    (tmp_path / "small.png").write_bytes(png(600, 600))
    (tmp_path / "wide.png").write_bytes(png(2000, 1400))
    (tmp_path / "book.yaml").write_text(FEED)
    return tmp_path


def refused(root, manifest: str, *fragments: str) -> None:
    (root / "book.yaml").write_text(manifest)
    before = snapshot(root)
    for command in ("validate", "build"):  # validate reports all that build refuses before synthesizing
        done = narrate_in(command, "book.yaml", cwd=root)
        assert_clean_failure(done, 2, *fragments)
    after = {k: v for k, v in snapshot(root).items() if not k.startswith(".narrate-cache")}
    assert after == {k: v for k, v in before.items() if not k.startswith(".narrate-cache")}


@pytest.mark.parametrize(("change", "fragments"), [
    (("image: art.png", "image: small.png"),
     ("book.yaml:12: books.notes.feed.image: artwork is 600x600 px; Apple Podcasts needs a square image of 1400 to 3000 px",)),
    (("image: art.png", "image: wide.png"), ("books.notes.feed.image: artwork is 2000x1400 px",)),
    (("image: art.png", "image: missing.png"), ("books.notes.feed.image: missing.png:",)),
    (("base_url: https://example.org/casts/notes/", "base_url: example.org/notes"),
     ("book.yaml:10: books.notes.feed.base_url: not an http(s) URL of a folder",)),
    (("base_url: https://example.org/casts/notes/", "base_url: https://example.org/feed?id=3"),
     ("book.yaml:10: books.notes.feed.base_url: not an http(s) URL of a folder",)),
    (("base_url: https://example.org/casts/notes/", "base_url: https://ada:hunter2@example.org/casts/notes/"),
     ("book.yaml:10: books.notes.feed.base_url: a URL with a user name or password: it would be published",)),
    (("image: art.png", "image: https://ada@cdn.example.org/art.png"),
     ("book.yaml:12: books.notes.feed.image: a URL with a user name or password",)),
    (("image: art.png", "image: https://cdn.example.org/art.webp"),
     ("book.yaml:12: books.notes.feed.image: not an http(s) URL ending in .jpg or .png",)),
    (("category: [Technology]", "category: [Gardening]"),
     ("book.yaml:13: books.notes.feed.category: 'Gardening' is not an Apple Podcasts category",)),
    # Subcategories Apple lists only under one category (Apple Podcasts Connect's category list).
    (("category: [Technology]", "category: [Arts, Gardening]"),
     ("book.yaml:13: books.notes.feed.category: 'Gardening' is not an Apple Podcasts subcategory of Arts (Books, "
      "Design, Fashion & Beauty, Food, Performing Arts, Visual Arts)",)),
    (("category: [Technology]", "category: [Technology, Gadgets]"),
     ("book.yaml:13: books.notes.feed.category: Technology has no subcategories in Apple Podcasts",)),
    # RSS 2.0's <language> is a language code (and Apple reads it as one): `English` was published as written.
    (("      owner_email: ada@example.org\n", "      owner_email: ada@example.org\n      language: English\n"),
     ("book.yaml:15: books.notes.feed.language: not a language tag like en-US",)),
    (("owner_email: ada@example.org", "owner_email: ada at example"),
     ("book.yaml:14: books.notes.feed.owner_email: not an e-mail address like ada@example.org",)),
    (("formats: [chapters]", "formats: [mp3, m4b]"),
     ("books.notes.feed.episodes: episodes: chapters needs `chapters` in the book's formats",)),
    (("      owner_email: ada@example.org\n", "      owner_email: ada@example.org\n      explicit: maybe\n"),
     ("book.yaml:15: books.notes.feed.explicit:",)),
    (("    feed:\n", "    transcripts: false\n    feed:\n"),
     ("book.yaml:9: books.notes.transcripts: a feed links each episode's transcript",)),
    (("      description: Short articles, read aloud.\n", ""),
     ("book.yaml:9: books.notes.feed.description: missing required key",)),
    (("      image: art.png\n", "      image: art.png\n      date: someday\n"),
     ("books.notes.feed.date: not an ISO 8601 date",)),
])
def test_bad_feed_sections_are_located(site, change, fragments):
    refused(site, FEED.replace(*change), *fragments)


@pytest.mark.slow
def test_an_article_without_a_date_is_named(site):
    (site / "articles" / "roads.md").write_text(ART2.replace("date: 2024-06-15T09:30:00+02:00\n", "draft: true\n"))
    refused(site, FEED, "articles/roads.md:1: books.notes.feed: no `date:` in the front matter")


def test_a_cover_too_small_for_a_feed(site):
    (site / "cover.png").write_bytes(png(300, 300))
    refused(site, FEED.replace("      image: art.png\n", "").replace("    formats:", "    cover: cover.png\n    formats:"),
            "books.notes.cover: artwork is 300x300 px")


def test_an_unreadable_date_is_named(site):
    (site / "articles" / "roads.md").write_text(ART2.replace("date: 2024-06-15T09:30:00+02:00", "date: [2024, 6]"))
    refused(site, FEED, "articles/roads.md:2: books.notes.feed: unreadable `date:` in the front matter")


@pytest.mark.slow
def test_hand_edited_spans_in_the_lock_are_not_trusted(site):
    """Spans from the lock are used only when they could be true; otherwise the chapter is streamed again."""
    import json

    from narrate.cache import SegmentCache
    from narrate.package.assemble import build_book
    from test_transcripts import _plan

    assert narrate_in("build", "book.yaml", cwd=site).returncode == 0
    out = site / "out" / "notes"
    vtt = (out / "rivers.vtt").read_bytes()
    entry = json.loads((site / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["notes"]
    good = entry["spans"]
    bad = [["x"], [[1, 2], "no"], [[-5] * 6, good[1]], "garbage", [[10**30] * 6, good[1]],
           [list(reversed(good[0])), good[1]], [[True] * 6, good[1]], [[0] * 5 + [10**9], good[1]]]
    cache = SegmentCache(site / ".narrate-cache")
    try:
        for spans in bad:
            (out / "rivers.vtt").unlink()
            again, written = build_book(_plan(site), cache, site, previous={**entry, "spans": spans})
            assert written == ["out/notes/rivers.vtt"] and (out / "rivers.vtt").read_bytes() == vtt, spans
            assert again["spans"] == good
    finally:
        cache.close()


def test_an_unreadable_date_is_shown_and_feed_date_is_not_offered_in_its_place(site):
    """feed.date stands in for a missing `date:`, never for an unreadable one: the message said
    "(or set feed.date)" with feed.date already set."""
    (site / "articles" / "roads.md").write_text(ART2.replace("date: 2024-06-15T09:30:00+02:00", "date: 15 June 2024"))
    manifest = FEED.replace("      image: art.png\n", "      image: art.png\n      date: 2024-01-01\n")
    (site / "book.yaml").write_text(manifest)
    done = narrate_in("build", "book.yaml", cwd=site)
    assert_clean_failure(done, 2, "articles/roads.md:2: books.notes.feed: unreadable `date:` in the front matter "
                                  "('15 June 2024'): write an ISO 8601 date like 2024-05-01 or 2024-05-01T09:30:00+02:00")
    assert "feed.date" not in done.stderr


@pytest.mark.parametrize(("written", "shown"), [
    ("Sat, 15 Jun 2024 09:30:00 +0200", "Sat, 15 Jun 2024 09:30:00 +0200"),  # RFC 2822, as RSS itself writes it
    ("Sat, 15 Jun 2024 07:30:00 GMT", "Sat, 15 Jun 2024 07:30:00 +0000"),
    ("2024-06-15 09:30:00 +0200", "Sat, 15 Jun 2024 09:30:00 +0200"),  # Jekyll's own format
])
def test_front_matter_dates_in_the_forms_blogs_write(written, shown):
    from narrate.manifest.publishing import parse_date

    assert parse_date(written).strftime("%a, %d %b %Y %H:%M:%S %z") == shown


@pytest.mark.slow
def test_an_empty_date_takes_the_feeds(site):
    """`date:` left empty (a post template's) is no date: feed.date stands in, as for a missing one."""
    import xml.etree.ElementTree as ET

    (site / "articles" / "roads.md").write_text(ART2.replace("date: 2024-06-15T09:30:00+02:00", "date:"))
    (site / "book.yaml").write_text(FEED.replace("      image: art.png\n", "      image: art.png\n      date: 2024-01-02\n"))
    done = narrate_in("build", "book.yaml", cwd=site)
    assert done.returncode == 0, done.stderr
    items = ET.parse(site / "out" / "notes" / "feed.xml").getroot().findall("channel/item")
    assert [(i.findtext("title"), i.findtext("pubDate")) for i in items] == [
        ("Tiny Rivers", "Wed, 01 May 2024 00:00:00 +0000"), ("Old Roads", "Tue, 02 Jan 2024 00:00:00 +0000")]


@pytest.mark.slow
def test_control_characters_in_front_matter_leave_the_feed_well_formed(site):
    """XML 1.0 cannot carry C0 control characters: a front matter title "Bad\\vTitle" stopped the build with
    an internal error (exit 70) after the audio was written. Each becomes a space in the feed's text."""
    import xml.etree.ElementTree as ET

    (site / "articles" / "roads.md").write_text(ART2.replace("---\n#", 'title: "Old\\vRoads\\x01"\n'
                                                             'description: "Bell \\x07 and tab\\t"\n---\n#'))
    done = narrate_in("build", "book.yaml", cwd=site)
    assert done.returncode == 0, done.stderr
    items = ET.parse(site / "out" / "notes" / "feed.xml").getroot().findall("channel/item")
    assert [(i.findtext("title"), i.findtext("description")) for i in items][0] == ("Old Roads", "Bell and tab")
