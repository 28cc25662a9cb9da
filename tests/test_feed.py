"""Issue 12 item 4: a book or a folder of articles as a podcast feed (RSS 2.0, iTunes, Podcasting 2.0)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import narrate_in
from narrate.manifest.publishing import APPLE_CATEGORIES
from narrate.package.feed import channel_guid

FFMPEG = __import__("imageio_ffmpeg").get_ffmpeg_exe()
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0",
      "atom": "http://www.w3.org/2005/Atom"}
BASE = "https://example.org/casts/notes/"
# Enclosure types Apple Podcasts accepts (Apple Podcasts Connect, "Supported audio and video formats").
APPLE_ENCLOSURE_TYPES = {"audio/mpeg", "audio/x-m4a", "audio/mp4", "video/mp4", "video/quicktime", "video/x-m4v",
                         "application/pdf"}

FEED = f"""version: 1
books:
  notes:
    title: Field Notes
    author: Ada Writer
    sources: articles/*.md
    output: out/notes
    formats: [chapters]
    feed:
      base_url: {BASE}
      description: Short articles, read aloud.
      image: art.png
      category: [Technology]
      owner_email: ada@example.org
"""

ART1 = """---
title: Tiny Rivers
date: 2024-05-01
description: About rivers & streams.
---
# Tiny Rivers

Rivers start small. They grow as they go.
"""
ART2 = """---
date: 2024-06-15T09:30:00+02:00
---
# Old Roads

Roads remember every traveller. Some are older than any map.
"""


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of the given size (PNG spec: signature, IHDR, IDAT, IEND)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


@pytest.fixture
def site(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "rivers.md").write_text(ART1)
    (tmp_path / "articles" / "roads.md").write_text(ART2)
    (tmp_path / "art.png").write_bytes(png(1400, 1400))
    (tmp_path / "book.yaml").write_text(FEED)
    return tmp_path


def local(url: str, out: Path) -> Path:
    assert url.startswith(BASE), url
    return out / unquote(url[len(BASE):])


def seconds_of(path: Path) -> float:
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "8000", "-"],
                         capture_output=True, check=True).stdout
    return len(raw) / 2 / 8000


def validate_feed(data: bytes, out: Path) -> ET.Element:
    """Check a feed against RSS 2.0 (rssboard.org spec: channel title, link, description; each item a
    title or description; enclosure url, length, type) and Apple Podcasts' requirements
    (../shared/reference/publishing.md). Returns the channel element."""
    import imagesize

    root = ET.fromstring(data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    for tag in ("title", "link", "description", "language"):
        assert (channel.findtext(tag) or "").strip(), tag
    assert channel.find("atom:link[@rel='self']", NS).get("href") == BASE + "feed.xml"
    assert (channel.findtext("itunes:author", namespaces=NS) or "").strip()
    assert channel.findtext("itunes:explicit", namespaces=NS) in ("true", "false")
    category = channel.find("itunes:category", NS)
    assert category is not None and category.get("text") in APPLE_CATEGORIES
    art = channel.find("itunes:image", NS).get("href")
    assert art.lower().endswith((".png", ".jpg", ".jpeg"))
    width, height = imagesize.get(str(local(art, out)))  # the published file, by its header
    assert width == height and 1400 <= width <= 3000
    assert channel.find("image/url").text == art
    guids = []
    items = channel.findall("item")
    assert items
    for item in items:
        assert (item.findtext("title") or "").strip()
        enclosure = item.find("enclosure")
        assert enclosure.get("type") in APPLE_ENCLOSURE_TYPES
        audio = local(enclosure.get("url"), out)
        assert int(enclosure.get("length")) == audio.stat().st_size > 0
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false" and guid.text
        guids.append(guid.text)
        assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None  # RFC 822 with a zone
        duration = item.findtext("itunes:duration", namespaces=NS)
        assert duration.isdigit() and abs(int(duration) - seconds_of(audio)) <= 1
        (vtt,) = item.findall("podcast:transcript[@type='text/vtt']", NS)
        assert local(vtt.get("url"), out).read_text().startswith("WEBVTT\n")
        (srt,) = item.findall("podcast:transcript[@type='application/srt']", NS)
        assert local(srt.get("url"), out).read_text().startswith("1\n00:00:00,")
        (chapters,) = item.findall("podcast:chapters", NS)
        assert chapters.get("type") == "application/json+chapters"
        assert json.loads(local(chapters.get("url"), out).read_text())["version"] == "1.2.0"
    assert len(set(guids)) == len(guids)
    return channel


def test_channel_guid_is_the_podcasting_2_rule():
    # The podcast namespace's own example: podnews.net/rss -> 9b024349-... (docs/tags/guid.md).
    assert channel_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert channel_guid("http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_article_folder_feed_validates(site):
    done = narrate_in("build", "--json", "book.yaml", cwd=site)
    assert done.returncode == 0, done.stderr
    out = site / "out" / "notes"
    data = (out / "feed.xml").read_bytes()
    channel = validate_feed(data, out)
    assert channel.findtext("title") == "Field Notes" and channel.findtext("language") == "en-US"
    assert channel.findtext("link") == BASE
    assert channel.findtext("description") == "Short articles, read aloud."
    assert channel.findtext("itunes:author", namespaces=NS) == "Ada Writer"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.find("itunes:category", NS).get("text") == "Technology"
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == "ada@example.org"
    assert channel.find("itunes:image", NS).get("href") == BASE + "cover.png"
    assert (out / "cover.png").read_bytes() == (site / "art.png").read_bytes()
    assert channel.findtext("podcast:guid", namespaces=NS) == channel_guid(BASE + "feed.xml")
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Old Roads", "Tiny Rivers"]  # newest first
    assert [i.findtext("pubDate") for i in items] == ["Sat, 15 Jun 2024 09:30:00 +0200", "Wed, 01 May 2024 00:00:00 +0000"]
    assert channel.findtext("lastBuildDate") == "Sat, 15 Jun 2024 09:30:00 +0200"  # from content, not the clock
    assert items[1].findtext("description") == "About rivers & streams."  # front matter
    assert items[0].findtext("description") == "Roads remember every traveller. Some are older than any map."
    assert items[0].find("enclosure").get("url") == BASE + "roads.mp3"
    assert items[0].find("podcast:transcript", NS).get("url") == BASE + "roads.vtt"


@pytest.mark.slow
def test_unchanged_rebuild_leaves_the_feed_bytes_and_a_clean_rebuild_matches(site):
    assert narrate_in("build", "book.yaml", cwd=site).returncode == 0
    feed = site / "out" / "notes" / "feed.xml"
    first, mtime = feed.read_bytes(), feed.stat().st_mtime_ns
    again = json.loads(narrate_in("build", "--json", "book.yaml", cwd=site).stdout)
    assert again["outputs_written"] == 0 and feed.read_bytes() == first and feed.stat().st_mtime_ns == mtime
    shutil.rmtree(site / "out")
    (site / "narrate.lock").unlink()
    assert narrate_in("build", "book.yaml", cwd=site).returncode == 0  # from the cache, on another "day"
    assert feed.read_bytes() == first


@pytest.mark.slow
def test_an_edit_keeps_guids_and_updates_length(site):
    assert narrate_in("build", "book.yaml", cwd=site).returncode == 0
    out = site / "out" / "notes"
    before = ET.fromstring((out / "feed.xml").read_bytes()).find("channel")
    (site / "articles" / "roads.md").write_text(ART2.replace("older than any map", "older than every map we have"))
    done = json.loads(narrate_in("build", "--json", "book.yaml", cwd=site).stdout)
    assert "out/notes/feed.xml" in done["written"] and "out/notes/rivers.mp3" not in done["written"]
    after = validate_feed((out / "feed.xml").read_bytes(), out)
    assert [i.findtext("guid") for i in after.findall("item")] == [i.findtext("guid") for i in before.findall("item")]
    assert after.findall("item")[0].find("enclosure").get("length") != before.findall("item")[0].find("enclosure").get("length")


def test_front_matter_guid_wins(site):
    (site / "articles" / "rivers.md").write_text(ART1.replace("date:", "guid: rivers-2024\ndate:"))
    assert narrate_in("build", "book.yaml", cwd=site).returncode == 0
    items = ET.fromstring((site / "out" / "notes" / "feed.xml").read_bytes()).findall("channel/item")
    assert items[1].findtext("guid") == "rivers-2024"


def test_whole_book_as_one_episode_with_an_artwork_url(site):
    (site / "book.yaml").write_text(FEED.replace("formats: [chapters]", "formats: [mp3]").replace(
        "image: art.png", "image: https://cdn.example.org/art.jpg\n      episodes: book\n      date: 2024-07-01\n"
                          "      explicit: true").replace("category: [Technology]", "category: [Arts, Books]"))
    done = narrate_in("build", "--json", "book.yaml", cwd=site)
    assert done.returncode == 0, done.stderr
    out = site / "out" / "notes"
    assert sorted(p.name for p in out.iterdir()) == ["feed.xml", "notes.chapters.json", "notes.mp3", "notes.srt",
                                                    "notes.vtt"]
    channel = ET.fromstring((out / "feed.xml").read_bytes()).find("channel")
    assert channel.find("itunes:image", NS).get("href") == "https://cdn.example.org/art.jpg"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "true"
    (category,) = channel.findall("itunes:category", NS)
    assert category.get("text") == "Arts" and [c.get("text") for c in category] == ["Books"]
    (item,) = channel.findall("item")
    assert item.findtext("title") == "Field Notes"
    assert item.find("enclosure").get("url") == BASE + "notes.mp3"
    assert int(item.find("enclosure").get("length")) == (out / "notes.mp3").stat().st_size
    assert item.findtext("pubDate") == "Mon, 01 Jul 2024 00:00:00 +0000"
    chapters = json.loads((out / "notes.chapters.json").read_text())["chapters"]
    assert [c["title"] for c in chapters] == ["Tiny Rivers", "Old Roads"]


def test_recipes_do_not_depend_on_where_the_project_lives(site, tmp_path_factory):
    from narrate.manifest import load_manifest
    from narrate.plan.books import plan_books
    from narrate.prepare import load_lexicon, make_providers

    def recipes(root):
        manifest = load_manifest(root / "book.yaml")
        (job,) = plan_books(manifest, make_providers(manifest)[0], load_lexicon(manifest))
        return job.recipe, job.recipes

    moved = tmp_path_factory.mktemp("elsewhere") / "site"
    shutil.copytree(site, moved)
    assert recipes(site) == recipes(moved)
    (moved / "art.png").write_bytes(png(1500, 1500))
    assert recipes(site)[1]["feed"] != recipes(moved)[1]["feed"]  # the artwork's bytes do count


@pytest.mark.slow
def test_a_book_of_m4b_only_is_one_audio_x_m4a_episode(site):
    (site / "book.yaml").write_text(FEED.replace("formats: [chapters]", "formats: [m4b]").replace(
        "image: art.png", "image: art.png\n      episodes: book\n      date: 2024-07-01"))
    done = narrate_in("build", "--json", "book.yaml", cwd=site)
    assert done.returncode == 0, done.stderr
    out = site / "out" / "notes"
    (item,) = validate_feed((out / "feed.xml").read_bytes(), out).findall("item")
    assert item.find("enclosure").get("type") == "audio/x-m4a"
    assert item.find("enclosure").get("url") == BASE + "notes.m4b"


def test_a_number_as_front_matter_title_or_description_is_their_text(site):
    # `title: 1984` is an int to YAML: it was ignored, and the heading (or nothing) titled the episode.
    (site / "articles" / "rivers.md").write_text(ART1.replace("title: Tiny Rivers", "title: 1984").replace(
        "description: About rivers & streams.", "description: 42").replace("# Tiny Rivers\n", ""))
    done = narrate_in("build", "book.yaml", cwd=site)
    assert done.returncode == 0, done.stderr
    items = ET.fromstring((site / "out" / "notes" / "feed.xml").read_bytes()).findall("channel/item")
    assert [i.findtext("title") for i in items] == ["Old Roads", "1984"]
    assert items[1].findtext("description") == "42"
    assert (site / "out" / "notes" / "rivers.mp3").is_file()  # an episode is named after its file


def test_urls_in_the_feed_are_ascii_as_rfc_3986_needs():
    """A base_url, link or artwork URL with non-ASCII letters is percent-encoded (path) or IDNA-encoded
    (host) in the feed: RSS 2.0 elements hold URLs, and `café` went into every enclosure as it was."""
    from narrate.manifest.publishing import ascii_url

    assert ascii_url("https://example.org/podcasts/café/") == "https://example.org/podcasts/caf%C3%A9/"
    assert ascii_url("https://bücher.example/casts/") == "https://xn--bcher-kva.example/casts/"
    assert ascii_url("https://example.org:8443/a%20b/ü.png") == "https://example.org:8443/a%20b/%C3%BC.png"
    assert ascii_url(BASE) == BASE


@pytest.mark.slow
def test_a_non_ascii_base_url_gives_encoded_enclosures(site):
    (site / "book.yaml").write_text(FEED.replace(BASE, "https://example.org/casts/café/"))
    assert narrate_in("build", "book.yaml", cwd=site).returncode == 0
    data = (site / "out" / "notes" / "feed.xml").read_bytes()
    channel = ET.fromstring(data).find("channel")
    urls = [channel.find("atom:link", NS).get("href"), channel.findtext("link")]
    urls += [item.find("enclosure").get("url") for item in channel.findall("item")]
    assert urls[0] == "https://example.org/casts/caf%C3%A9/feed.xml" and all(u.isascii() for u in urls), urls
    assert channel.findtext("podcast:guid", namespaces=NS) == channel_guid(urls[0])


@pytest.mark.slow
def test_an_episodes_url_outlives_other_articles_and_its_own_title(site):
    """An episode's files are named after its article's file, not its place or title: deleting an earlier
    article renumbered every later episode (02-old-roads.mp3 became 01-old-roads.mp3, a dead link in the
    copies of the feed apps hold), and a retitled article moved its enclosure."""
    assert narrate_in("build", "book.yaml", cwd=site).returncode == 0
    out = site / "out" / "notes"

    def urls() -> dict[str, str]:
        items = ET.fromstring((out / "feed.xml").read_bytes()).find("channel").findall("item")
        return {i.findtext("guid"): i.find("enclosure").get("url") for i in items}

    before = urls()
    assert sorted(before.values()) == [BASE + "rivers.mp3", BASE + "roads.mp3"]
    (site / "articles" / "roads.md").write_text(ART2.replace("# Old Roads", "# Older Roads"))
    (site / "articles" / "rivers.md").unlink()
    done = json.loads(narrate_in("build", "--json", "book.yaml", cwd=site).stdout)
    after = urls()
    assert list(after.items()) == [(guid, url) for guid, url in before.items() if url.endswith("roads.mp3")]
    assert sorted(done["removed"]) == [f"out/notes/rivers{ext}" for ext in (".chapters.json", ".mp3", ".srt", ".vtt")]
    validate_feed((out / "feed.xml").read_bytes(), out)


def test_a_feed_episode_m4b_is_media_kind_podcast(site):
    """The audiobook profile's M4B published as a feed's episode was tagged media kind 2 (Audiobook)."""
    from mutagen.mp4 import MP4

    (site / "book.yaml").write_text(FEED.replace("formats: [chapters]", "formats: [m4b]").replace(
        "image: art.png", "image: art.png\n      episodes: book\n      date: 2024-07-01"))
    done = narrate_in("build", "book.yaml", cwd=site)
    assert done.returncode == 0, done.stderr
    tags = MP4(site / "out" / "notes" / "notes.m4b").tags
    assert tags["stik"] == [21] and tags["pcst"] is True
