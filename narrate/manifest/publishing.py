"""A book's `transcripts:` and `feed:` sections, resolved: defaults filled in, cross-key rules checked.

`resolve_publishing` is pure (core.py calls it); `check_artwork` reads the artwork's header
(resolve.py calls it). Apple's artwork rule: square JPEG or PNG, 1400 x 1400 to 3000 x 3000 px
(Apple Podcasts Connect, "Podcast artwork requirements"; ../shared/reference/publishing.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import model as m

if TYPE_CHECKING:
    from .loader import Key
from .problems import Adds

ARTWORK_MIN_PX, ARTWORK_MAX_PX = 1400, 3000
# The earliest year of a feed date. RSS 2.0's pubDate is an RFC 822 date, whose current form RFC 5322
# 3.3 takes "any numeric year 1900 or later", of four digits or more: year 1 came out as
# "Mon, 01 Jan 1 00:00:00 +0000", which readers refuse.
MIN_YEAR = 1900
# Apple Podcasts' categories and the subcategories each may have (Apple Podcasts Connect, "Apple Podcasts
# categories", the 2019 list of 19 categories still current).
APPLE_SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden",
                "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News",
             "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences",
                "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby",
               "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}
APPLE_CATEGORIES = tuple(APPLE_SUBCATEGORIES)
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")  # RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
# What RFC 3986 lets a URL hold as it is (unreserved, reserved and `%`); anything else is percent-encoded.
_URL_SAFE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# A language tag's shape (BCP 47: a 2-3 letter language, then subtags), as RSS 2.0's <language> takes it.
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")



@dataclass(frozen=True)
class TranscriptSettings:
    formats: tuple[str, ...] = m.TRANSCRIPT_FORMATS
    cues: str = "sentence"  # "sentence" | "word"


@dataclass(frozen=True)
class FeedSettings:
    base_url: str  # ends with "/"
    description: str
    title: str
    author: str | None
    link: str
    language: str
    category: tuple[str, ...]  # (category,) or (category, subcategory)
    explicit: bool
    episodes: str  # "chapters" | "book"
    file: str = "feed.xml"
    image_url: str | None = None  # artwork given as a URL
    image_file: Path | None = None  # local artwork, published beside the feed
    date: datetime | None = None
    owner_email: str | None = None
    copyright: str | None = None


def parse_date(value: Any) -> datetime | None:
    """A front matter or manifest date -> an aware datetime (naive means UTC), or None if unreadable.
    Takes datetime, date, ISO 8601 text ("2024-05-01", "2024-05-01T10:00:00+02:00", "...Z") and RFC 2822
    text ("Sat, 15 Jun 2024 09:30:00 +0200", as RSS writes pubDate: articles moved from a feed keep it)."""
    from datetime import UTC, date
    from email.utils import parsedate_to_datetime

    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            try:
                when = parsedate_to_datetime(value.strip())
            except (TypeError, ValueError, IndexError):
                return None
    else:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def normal_url(url: str) -> str:
    """`url` with its scheme, and an http(s) URL's host, in lower case: both are case-insensitive
    (RFC 3986 3.1, 3.2.2; 6.2.2.1 makes lower case the normal form), so `HTTPS://EXAMPLE.ORG/Pod/` is
    `https://example.org/Pod/`. The rest (path, query: case-sensitive) and text of no scheme are kept."""
    found = _SCHEME.match(url)
    if found is None:
        return url
    scheme, rest = found.group(1).lower(), url[found.end():]
    if scheme in ("http", "https"):
        host = re.match(r"[^/?#]*", rest)
        end = host.end() if host else 0
        if "@" not in rest[:end]:  # user info is case-sensitive (and refused in a feed)
            rest = rest[:end].lower() + rest[end:]
    return f"{scheme}://{rest}"


def date_problem(when: datetime) -> str | None:
    """Why a readable date cannot be an RSS date (before MIN_YEAR), or None."""
    if when.year >= MIN_YEAR:
        return None
    return (f"a date before {MIN_YEAR} ({when.date().isoformat()}): RSS dates (RFC 5322 3.3) start in {MIN_YEAR}; "
            "write the real publication date, like 2024-05-01")


def ascii_url(url: str) -> str:
    """`url` as RFC 3986 wants it in a feed: the host IDNA-encoded, and the path's non-ASCII and
    unsafe characters percent-encoded (UTF-8); escapes already there are kept. ASCII URLs are unchanged."""
    from urllib.parse import quote, urlsplit, urlunsplit

    if _URL_SAFE.match(url):
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = quote(host, safe="")
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe="/%:@!$&'()*+,;=~"), parts.query, parts.fragment))


def resolve_publishing(c: Adds, spec: m.Book, key: Key, *, title: str, author: str | None, language: str,
                       formats: tuple[str, ...], root: Path) -> tuple[TranscriptSettings | None, FeedSettings | None]:
    """(transcripts, feed) of one book; problems go to `c` under `key` (books.<name>)."""
    feed = _feed(c, spec.feed, (*key, "feed"), title, author, language, formats, root) if spec.feed else None
    if spec.transcripts is False:
        if feed is not None:
            c.add((*key, "transcripts"), "a feed links each episode's transcript: transcripts cannot be false")
        return None, feed
    if spec.transcripts is None:
        return (TranscriptSettings() if feed else None), feed
    t = spec.transcripts
    return TranscriptSettings(tuple(dict.fromkeys(t.formats or m.TRANSCRIPT_FORMATS)), t.cues or "sentence"), feed


def _feed(c: Adds, f: m.Feed, key: Key, title: str, author: str | None, language: str,
          formats: tuple[str, ...], root: Path) -> FeedSettings:
    base_url, link, image = (normal_url(u) if u is not None else None for u in (f.base_url, f.link, f.image))
    assert base_url is not None
    if not _URL.match(base_url) or "?" in base_url or "#" in base_url:
        c.add((*key, "base_url"), "not an http(s) URL of a folder (no query or fragment)")
    elif why := _url_problem(base_url):
        c.add((*key, "base_url"), why)
    if link is not None and not _URL.match(link):
        c.add((*key, "link"), "not an http(s) URL")
    elif link is not None and (why := _url_problem(link)):
        c.add((*key, "link"), why)
    for name, url in (("base_url", base_url), ("link", link), ("image", image)):
        if url is not None and _URL.match(url) and "@" in url.split("/", 3)[2]:  # user:password@host
            c.add((*key, name), "a URL with a user name or password: it would be published in the feed; "
                                "give the public URL")
    if f.language is not None and not _LANGUAGE_TAG.match(f.language):  # RSS 2.0: a language code, not a name
        c.add((*key, "language"), "not a language tag like en-US")
    if f.owner_email is not None and not _EMAIL.match(f.owner_email):  # itunes:owner's address, written as given
        c.add((*key, "owner_email"), "not an e-mail address like ada@example.org")
    if f.file is not None and (not _FILE_NAME.match(f.file) or not f.file.endswith(".xml")):
        c.add((*key, "file"), "a plain file name ending in .xml, like feed.xml")
    if not f.description.strip():
        c.add((*key, "description"), "empty text")
    episodes = f.episodes or "chapters"
    needs = ("chapters",) if episodes == "chapters" else ("mp3", "m4b")
    if not set(needs) & set(formats):
        c.add((*key, "episodes"), f"episodes: {episodes} needs `{' or '.join(needs)}` in the book's formats "
                                  "(the enclosures)")
    category = tuple(f.category or ("Arts", "Books"))
    if not 1 <= len(category) <= 2 or not all(part.strip() for part in category):
        c.add((*key, "category"), "a category and at most one subcategory, like [Arts, Books]")
    elif category[0] not in APPLE_CATEGORIES:
        c.add((*key, "category"), f"{category[0]!r} is not an Apple Podcasts category (" + ", ".join(APPLE_CATEGORIES) + ")")
    elif len(category) == 2 and category[1] not in (subs := APPLE_SUBCATEGORIES[category[0]]):
        c.add((*key, "category"), f"{category[1]!r} is not an Apple Podcasts subcategory of {category[0]} ("
                                  + ", ".join(subs) + ")" if subs else
                                  f"{category[0]} has no subcategories in Apple Podcasts: give [{category[0]}]")
    when = None
    if f.date is not None:
        when = parse_date(f.date)
        if when is None:
            c.add((*key, "date"), "not an ISO 8601 date like 2024-05-01")
        elif why := date_problem(when):
            c.add((*key, "date"), why)
    image_url = image_file = None
    if image is not None:
        if image.startswith(("http://", "https://")):
            image_url = ascii_url(image) if not _url_problem(image) else image
            if not _URL.match(image) or not image.endswith((".jpg", ".png")):
                # Apple Podcasts: "The URL must end in .jpg or .png"; feedgen drops itunes:image otherwise,
                # `.PNG` too (podcast.py compares the case as written), and the feed had no artwork.
                c.add((*key, "image"), "not an http(s) URL ending in .jpg or .png" + (
                    " in lower case (Apple Podcasts' rule; a feed would carry no artwork)"
                    if _URL.match(image) and image.lower().endswith((".jpg", ".png")) else ""))
            elif why := _url_problem(image):
                c.add((*key, "image"), why)
        else:
            image_file = root / image
    base = base_url if base_url.endswith("/") else base_url + "/"
    base = base if _url_problem(base) else ascii_url(base)  # a refused URL (c has it) is not encoded
    page = ascii_url(link) if link and not _url_problem(link) else link or base
    return FeedSettings(base_url=base, description=f.description, title=f.title or title, author=f.author or author,
                        link=page, language=f.language or language, category=category,
                        explicit=bool(f.explicit), episodes=episodes, file=f.file or "feed.xml",
                        image_url=image_url, image_file=image_file, date=when, owner_email=f.owner_email,
                        copyright=f.copyright)


def _url_problem(url: str) -> str | None:
    """Why an http(s) URL (of _URL's shape) cannot be published, or None: its host or port does not
    parse (a port past 65535), or a `%` starts no escape of two hex digits."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # urllib's words: "Port out of range 0-65535", "Invalid IPv6 URL"
        return f"not a URL: {exc}"
    if not parts.hostname or "%" in parts.netloc:
        return "not a URL: no host name" if not parts.hostname else "not a URL: a host name holds no %-escape"
    if port == 0:
        return "not a URL: port 0"
    if _BAD_ESCAPE.search(url):
        return "not a URL: a % that starts no escape (write a literal % as %25)"
    return None


def artwork_problem(path: Path) -> str | None:
    """Why `path` is not Apple Podcasts artwork (square, 1400-3000 px), reading only its header; or None."""
    import imagesize

    try:
        width, height = imagesize.get(str(path))
    except (OSError, ValueError):
        return "cannot read the image's size"
    if width <= 0 or height <= 0:
        return "cannot read the image's size"
    if width != height or not ARTWORK_MIN_PX <= width <= ARTWORK_MAX_PX:
        return (f"artwork is {width}x{height} px; Apple Podcasts needs a square image of "
                f"{ARTWORK_MIN_PX} to {ARTWORK_MAX_PX} px")
    return None


def cover_size_problem(path: Path, min_px: int) -> str | None:
    """Why the cover at `path` is not square or is under `min_px` a side (ACX: 2400 x 2400), reading only
    its header; None if it is fine or its size cannot be read (check_cover judged the file already)."""
    import imagesize

    try:
        width, height = imagesize.get(str(path))
    except (OSError, ValueError):
        return None
    if width <= 0 or height <= 0 or (width == height and width >= min_px):
        return None
    return f"{path.name} is {width}x{height} px; ACX needs a square cover of at least {min_px}x{min_px} px"


def check_artwork(c: Adds, feed: FeedSettings | None, cover: Path | None, key: Key) -> FeedSettings | None:
    """The feed with its local artwork resolved (given `image:` file, else the book's cover) and
    checked (PNG/JPEG via `check_cover`, then the size rule). `cover` was checked already."""
    from .inputs import check_cover

    if feed is None or feed.image_url is not None:
        return feed
    if feed.image_file is None and cover is None:
        c.add((*key, "feed", "image"), "Apple Podcasts needs artwork: give `image:` (a URL or a file) or the book a "
                                       "`cover:`")
        return feed
    art = (feed.image_file or cover or Path()).resolve()
    where = (*key, "feed", "image") if feed.image_file is not None else (*key, "cover")
    why = check_cover(art) if feed.image_file is not None else None
    if why:
        c.add(where, f"{art.name}: {why}")
    elif why := artwork_problem(art):
        c.add(where, why)
    return replace(feed, image_file=art)
