"""A book (or a folder of articles) as a podcast: RSS 2.0 with the iTunes and Podcasting 2.0 tags.

Written with feedgen (RSS 2.0 and its `podcast` extension for the iTunes tags); the Podcasting 2.0
tags (`podcast:guid`, `podcast:transcript`, `podcast:chapters`, namespace
https://podcastindex.org/namespace/1.0) and Apple's current `itunes:explicit` values (`true` /
`false`; feedgen 1.0 writes the older yes/no/clean) come from a small feedgen extension here.
What each tag must hold is in ../shared/reference/publishing.md (Apple Podcasts: channel title,
description, language, itunes:image, itunes:category, itunes:explicit, itunes:author; item title,
enclosure url/length/type, guid, pubDate, itunes:duration).

Deterministic: no clock is read. lastBuildDate is the newest episode's pubDate, and GUIDs come
from the content's identity, so an unchanged rebuild writes the same bytes (DESIGN.md invariant 3).

GUIDs: the channel's `podcast:guid` is the Podcasting 2.0 rule, a UUIDv5 of the feed URL without
its scheme and trailing slashes in namespace ead4c236-bf58-58c6-a2c6-a6b28d128cb6
(podcast-namespace docs/tags/guid.md). An episode's guid is its front matter `guid:` if given, else
a UUIDv5 (in the channel's namespace) of its source file name: the article is the content's
identity, so fixing a typo re-encodes the audio but never makes the episode look new to listeners'
apps ("stable forever", Apple). The whole-book episode's is the UUIDv5 of "book".
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..manifest.publishing import FeedSettings
from ..plan.book_extras import episode_date, given_guid
from ..plan.books import BookJob, ChapterPlan
from ..text.front_matter import front_text

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
MIME = {".mp3": "audio/mpeg", ".m4a": "audio/x-m4a", ".m4b": "audio/x-m4a"}
TRANSCRIPT_TYPES = (("vtt", "text/vtt"), ("srt", "application/srt"))  # podcast:transcript types (namespace docs)
CHAPTERS_TYPE = "application/json+chapters"
DESCRIPTION_CHARS = 400  # an episode without a front matter description: its opening sentences, up to this


@dataclass(frozen=True)
class Episode:
    title: str
    description: str
    guid: str
    date: datetime
    audio: str  # output id of the enclosure
    links: str  # output id suffix of its transcripts: "-001" for chapter 1, "" for the whole book


# What XML 1.0 cannot carry (its Char production): C0 controls but tab, LF and CR; surrogates; U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]+")


def xml_text(text: str) -> str:
    """`text` as a feed can hold it: each run of characters XML 1.0 cannot carry (a front matter's
    "\\v") becomes one space, between words only."""
    if not _NOT_XML.search(text):
        return text
    return re.sub(" {2,}", " ", _NOT_XML.sub(" ", text)).strip()


def channel_guid(feed_url: str) -> str:
    """Podcasting 2.0 channel GUID: UUIDv5 of the feed URL with its scheme and trailing slashes removed."""
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, re.sub(r"^[a-zA-Z]+://", "", feed_url).rstrip("/")))


def _description(chapter: ChapterPlan) -> str:
    for name in ("description", "summary", "excerpt"):
        value = front_text(chapter.front.get(name))
        if value is not None and value.strip():
            return " ".join(value.split())
    text = ""
    for unit in chapter.written:
        if unit.text and not unit.heading:
            if text and len(text) + len(unit.text) + 1 > DESCRIPTION_CHARS:
                break
            text = f"{text} {unit.text}".strip()
    return text or chapter.title


def episodes(job: BookJob, feed: FeedSettings, channel: str) -> list[Episode]:
    """The feed's episodes, newest first (ties: later chapters first)."""
    space = uuid.UUID(channel)
    out: list[Episode] = []
    if feed.episodes == "book":
        first = job.chapters[0] if job.chapters else None
        when = episode_date(first.front if first else {}, feed.date) if feed.date is None else feed.date
        assert when is not None  # plan.book_extras checked it
        audio = "mp3" if "mp3" in job.outputs else "m4b"  # MP3 plays everywhere; an M4B is audio/x-m4a
        out.append(Episode(job.book.title, feed.description, str(uuid.uuid5(space, "book")), when, audio, ""))
        return out
    for i, ch in enumerate(job.chapters, 1):
        when = episode_date(ch.front, feed.date)
        assert when is not None  # plan.book_extras checked it
        guid = given_guid(ch) or str(uuid.uuid5(space, ch.source.name))
        out.append(Episode(ch.title, _description(ch), guid, when, f"chapter-{i:03d}", f"-{i:03d}"))
    return sorted(out, key=lambda e: (e.date, e.audio), reverse=True)


def _url(feed: FeedSettings, rel: str) -> str:
    return feed.base_url + quote(Path(rel).name)


def _extension() -> tuple[type, type]:
    from feedgen.ext.base import BaseEntryExtension, BaseExtension
    from lxml import etree

    class Podcast2(BaseExtension):  # type: ignore[misc]
        def __init__(self) -> None:
            self.values: dict[str, Any] = {}

        def set(self, **values: Any) -> None:
            self.values.update(values)

        def extend_ns(self) -> dict[str, str]:
            return {"podcast": PODCAST_NS}

        def extend_rss(self, rss: Any) -> Any:
            channel = rss[0]
            explicit = etree.SubElement(channel, f"{{{ITUNES_NS}}}explicit")
            explicit.text = "true" if self.values["explicit"] else "false"
            etree.SubElement(channel, f"{{{PODCAST_NS}}}guid").text = self.values["guid"]
            return rss

    class Podcast2Entry(BaseEntryExtension):  # type: ignore[misc]
        def __init__(self) -> None:
            self.links: list[tuple[str, dict[str, str]]] = []

        def link(self, tag: str, **attrs: str) -> None:
            self.links.append((tag, attrs))

        def extend_rss(self, item: Any) -> Any:
            for tag, attrs in self.links:
                etree.SubElement(item, f"{{{PODCAST_NS}}}{tag}", attrs)
            return item

    return Podcast2, Podcast2Entry


def render_feed(job: BookJob, sizes: dict[str, int], seconds: dict[str, float]) -> bytes:
    """The feed's bytes. `sizes` and `seconds`: byte length and duration of each audio output id."""
    from feedgen.feed import FeedGenerator

    feed = job.book.feed
    assert feed is not None
    self_url = feed.base_url + quote(feed.file)
    guid = channel_guid(self_url)
    items = episodes(job, feed, guid)
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcast2", *_extension())
    fg.title(xml_text(feed.title))
    fg.description(xml_text(feed.description))
    fg.link(href=self_url, rel="self")
    fg.link(href=feed.link, rel="alternate")  # after "self": feedgen's RSS <link> is the last link set
    fg.language(feed.language)
    fg.generator("narrate")
    if feed.copyright:
        fg.copyright(xml_text(feed.copyright))
    image = feed.image_url or (_url(feed, job.outputs["artwork"]) if "artwork" in job.outputs else None)
    if image:
        fg.image(url=image, title=xml_text(feed.title), link=feed.link)
        fg.podcast.itunes_image(image)
    if feed.author:
        fg.podcast.itunes_author(xml_text(feed.author))
    if feed.owner_email:
        fg.podcast.itunes_owner(name=xml_text(feed.author or feed.title), email=feed.owner_email)
    fg.podcast.itunes_category(dict(zip(("cat", "sub"), feed.category, strict=False)), replace=True)
    fg.podcast.itunes_type("episodic")
    fg.podcast2.set(explicit=feed.explicit, guid=guid)
    fg.lastBuildDate(max((e.date for e in items), default=feed.date or datetime(1970, 1, 1, tzinfo=UTC)))
    for ep in items:
        entry = fg.add_entry(order="append")
        entry.title(xml_text(ep.title))
        entry.description(xml_text(ep.description))
        entry.guid(ep.guid, permalink=False)
        entry.published(ep.date)
        rel = job.outputs[ep.audio]
        entry.enclosure(_url(feed, rel), str(sizes[ep.audio]), MIME.get(Path(rel).suffix, "audio/mpeg"))
        entry.podcast.itunes_duration(round(seconds[ep.audio]))
        for kind, mime in TRANSCRIPT_TYPES:
            if f"{kind}{ep.links}" in job.outputs:
                entry.podcast2.link("transcript", url=_url(feed, job.outputs[f"{kind}{ep.links}"]), type=mime)
        if f"json{ep.links}" in job.outputs:
            entry.podcast2.link("chapters", url=_url(feed, job.outputs[f"json{ep.links}"]), type=CHAPTERS_TYPE)
    data: bytes = fg.rss_str(pretty=True)
    return data
