"""A book's text outputs beside its audio: captions (WebVTT, SRT), JSON chapters, the podcast feed
and its artwork. Names and recipes only; `narrate.package.transcripts` and `.feed` write them.

Output ids: `vtt-NNN`, `srt-NNN`, `json-NNN` per chapter file (when the book has `chapters`; no
`vtt-NNN`/`srt-NNN` for a chapter with nothing to speak, see CUE_FILES), `vtt`, `srt`, `json` for
the whole book (when it has `mp3` or `m4b`; no `vtt`/`srt` when no chapter has speech), `feed`, and `artwork` for a
local artwork file. Each recipe covers the audio its timings come from (the chapter's or the
book's recipe), the written text, and the settings; so an unchanged book rewrites none of them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ManifestError, Problem
from ..errors import shown as show
from ..fsutil import sha256_file
from ..manifest.inputs import MAX_COVER_BYTES, image_kind, read_input
from ..manifest.publishing import date_problem, parse_date

if TYPE_CHECKING:
    from .books import BookJob, ChapterPlan

EXTRAS_VERSION = "4"  # 2: long sentences as several cues, word timings checked, no `--->` in SRT text;
# 3: cue text as written (`x < y`, a URL, code), not its spoken form; 4: no tag-like `<` in SRT text
EXTENSIONS = {"vtt": ".vtt", "srt": ".srt", "json": ".chapters.json"}
FORMAT_IDS = {"vtt": "vtt", "srt": "srt", "chapters": "json"}
# Caption files, which a chapter with nothing to speak does not get: a WebVTT file of its header alone is
# valid but an SRT file of no cues is an empty file that players and ffmpeg refuse as invalid, and
# a caption track with no cue only misleads (a feed links none for that episode). planning warns,
# naming the chapter's file (narrate.plan.books.plan_books). Its JSON chapters (its title) are written.
CUE_FILES = ("vtt", "srt")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def episode_date(front: dict[str, Any], fallback: datetime | None) -> datetime | None:
    """An episode's publication date: front matter `date:` (or `pubDate:`), else the feed's `date:`."""
    for name in ("date", "pubDate"):
        if front.get(name) is not None:  # an empty `date:` (a template's) is no date: the feed's stands in
            return parse_date(front[name])
    return fallback


def name_extras(job: BookJob, named: str) -> None:
    """Add the book's transcript and feed outputs (paths and recipes) to `job`, and fold them into
    `job.recipe`. Raises ManifestError for a feed episode without a publication date (located in the
    manifest `named`, as messages name it, where the date is not a chapter's)."""
    book = job.book
    t, feed = book.transcripts, book.feed
    if t is None and feed is None:
        return
    # The artwork's bytes enter the feed's recipe below; its absolute path must not (a checkout moved to
    # another folder, as in CI, would otherwise make every book stale).
    settings = repr((t, replace(feed, image_file=None) if feed else None))
    ids = [FORMAT_IDS[f] for f in (t.formats if t else ())]
    if "chapters" in book.formats:
        for i, ch in enumerate(job.chapters, 1):
            stem = Path(job.outputs[f"chapter-{i:03d}"]).name.removesuffix(".mp3")
            for oid in ids if ch.units else [oid for oid in ids if oid not in CUE_FILES]:
                job.outputs[f"{oid}-{i:03d}"] = f"{job.prefix}/{stem}{EXTENSIONS[oid]}"
                job.recipes[f"{oid}-{i:03d}"] = _digest(EXTRAS_VERSION, oid, settings, job.recipes[f"chapter-{i:03d}"],
                                                        *ch.written_texts())
    whole = "mp3" in book.formats or "m4b" in book.formats
    written = [text for ch in job.chapters for text in (ch.title, *ch.written_texts(), "\x1e")]
    speech = any(ch.units for ch in job.chapters)
    for oid in [oid for oid in ids if speech or oid not in CUE_FILES] if whole else ():
        job.outputs[oid] = f"{job.prefix}/{book.name}{EXTENSIONS[oid]}"
        job.recipes[oid] = _digest(EXTRAS_VERSION, oid, settings, job.recipe, *written)
    if feed is not None:
        _check_dates(job, named)
        _check_guids(job)
        fronts = [repr(sorted((k, str(v)) for k, v in ch.front.items())) for ch in job.chapters]
        art = sha256_file(feed.image_file) if feed.image_file else ""
        job.outputs["feed"] = f"{job.prefix}/{feed.file}"
        # The feed names every output (enclosure and transcript URLs) and derives episode guids from the
        # chapters' file names: a renamed article must not leave the feed pointing at the old files.
        names = [*(f"{oid}={rel}" for oid, rel in sorted(job.outputs.items())), *(ch.source.name for ch in job.chapters)]
        job.recipes["feed"] = _digest(EXTRAS_VERSION, "feed", settings, job.recipe, art, *written, *fronts, *names)
        if feed.image_file is not None:
            job.outputs["artwork"] = f"{job.prefix}/{artwork_name(feed.image_file)}"
            job.recipes["artwork"] = _digest(EXTRAS_VERSION, "artwork", art)
    job.recipe = _digest(job.recipe, *(f"{oid}={job.recipes[oid]}" for oid in sorted(job.recipes)))


def artwork_name(path: Path) -> str:
    """The artwork's name beside the feed: cover.png / cover.jpg (one fixed name, whatever the source is called),
    by what the file holds (its first bytes), not by its extension: a PNG called art.jpg is published as cover.png."""
    head = read_input(path, limit=MAX_COVER_BYTES, key_path="feed.image", head=16)
    return "cover.png" if image_kind(head) == "png" else "cover.jpg"


def given_guid(chapter: ChapterPlan) -> str | None:
    """The episode guid a chapter's front matter gives (`guid:`, text or a number), or None."""
    given = chapter.front.get("guid")
    return str(given) if isinstance(given, (str, int)) and str(given).strip() else None


def _check_guids(job: BookJob) -> None:
    """Each chapter's episode has a guid of its own (podcast apps take two items with one guid for one
    episode): its front matter `guid:`, else one derived from its file name (package.feed.episodes;
    kept so, for feeds already published), so two chapters called `intro.md` in two folders, or
    one `guid:` given twice, are refused at the second chapter."""
    feed = job.book.feed
    assert feed is not None
    if feed.episodes == "book":
        return
    seen: dict[str, Path] = {}
    problems = []
    for ch in job.chapters:
        given = given_guid(ch)
        key = f"guid:{given}" if given is not None else f"name:{ch.source.name}"
        first = seen.setdefault(key, ch.source)
        if first != ch.source:
            why = (f"its front matter `guid: {given}` is also {show(str(first))}'s" if given is not None else
                   f"its file name is also {show(str(first))}'s, and an episode's guid comes from it")
            problems.append(Problem(show(ch.shown), _front_line(ch.source, "guid"), f"books.{job.book.name}.feed",
                                    f"{why}: two episodes with one guid are one episode to podcast apps; "
                                    "give this chapter a `guid:` of its own in its front matter"))
    if problems:
        raise ManifestError(problems)


def _front_problem(job: BookJob, ch: ChapterPlan, why: str) -> Problem:
    """`why` located at the chapter's front matter `date:` (else `pubDate:`)."""
    return Problem(show(ch.shown), _front_line(ch.source, "date" if "date" in ch.front else "pubDate"),
                   f"books.{job.book.name}.feed", why)


def _front_line(source: Path, key: str) -> int:
    """The line of `key:` in a chapter's front matter (1, its opening `---`, if not found). Read again only
    to locate a problem: the first 64 KiB of a file planning has just read."""
    try:
        with open(source, "rb") as fh:
            head = fh.read(1 << 16).decode("utf-8", "replace").splitlines()
    except OSError:
        return 1
    for n, text in enumerate(head[1:], 2):
        if text.strip() in ("---", "..."):
            break
        if re.match(rf"{re.escape(key)}\s*:", text):
            return n
    return 1


def _check_dates(job: BookJob, named: str) -> None:
    """Every episode has a publication date an RSS feed can carry; a chapter's own, from its front
    matter, is located there (feed.date was checked with the manifest)."""
    feed = job.book.feed
    assert feed is not None
    if feed.episodes == "book":
        first = job.chapters[0] if job.chapters else None
        when = episode_date(first.front if first else {}, None) if feed.date is None else feed.date
        if when is None:
            raise ManifestError([Problem(named, None, f"books.{job.book.name}.feed.date",
                                         "the book's episode needs a publication date: set feed.date (ISO 8601)")])
        if feed.date is None and first is not None and (why := date_problem(when)):
            raise ManifestError([_front_problem(job, first, why)])
        return
    problems = []
    for ch in job.chapters:
        when = episode_date(ch.front, feed.date)
        own = episode_date(ch.front, None)  # the front matter's, not feed.date standing in
        if own is not None and (why := date_problem(own)):
            problems.append(_front_problem(job, ch, why))
        if when is None:
            if not ch.source.is_absolute():  # credits: a bare name, no file and no front matter
                problems.append(Problem(named, None, f"books.{job.book.name}.feed.date",
                                        f"the {ch.title.lower()} are an episode of the feed too and have no front "
                                        "matter: set feed.date (ISO 8601)"))
                continue
            given = next((ch.front[k] for k in ("date", "pubDate") if k in ch.front), None)
            # feed.date stands in for a missing date only: an unreadable one is a mistake to correct.
            why = (f"unreadable `date:` in the front matter ({repr(given)[:80]}): write an ISO 8601 date like "
                   "2024-05-01 or 2024-05-01T09:30:00+02:00" if given is not None else
                   "no `date:` in the front matter; a feed episode needs an ISO 8601 publication date (or set "
                   "feed.date)")
            line = _front_line(ch.source, "date" if "date" in ch.front else "pubDate") if given is not None else 1
            problems.append(Problem(show(ch.shown), line, f"books.{job.book.name}.feed", why))
    if problems:
        raise ManifestError(problems)
