"""Findings of a third newcomer's trial (3 December 2026): small validation gaps, each seen through
the CLI (`narrate validate`/`build`: exit code and a message naming file:line:key). Each test failed
before its fix."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from conftest import narrate_in
from test_trial_findings2 import BOOK, _square_png

LIBRARY = """\
version: 1
libraries:
  shop:
    output: sounds
    formats: [ulaw]
    layout: flat
    languages: {en-US: en-us}
    prompts:
      NAME: Hello there.
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles/old-roads.md").write_text("# Old Roads\n\nThe old roads wind through the hills.\n")
    (tmp_path / "articles/cafe.md").write_text("# Cafe Nights\n\nA cafe at night is warm.\n")
    (tmp_path / "art.png").write_bytes(_square_png(1400))
    (tmp_path / "m.yaml").write_text(BOOK)
    return tmp_path


def _refused(root: Path, command: str, *args: str, env: dict[str, str] | None = None) -> str:
    """The stderr of a `narrate <command>` that must refuse the manifest (exit 2, no traceback)."""
    done = narrate_in(command, *args, "m.yaml", cwd=root, env=env)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    return done.stderr


@pytest.mark.parametrize(("credits", "key", "shown"), [
    ("{opening: 5}", "opening", "5"), ("{closing: 2.5}", "closing", "2.5"),
])
def test_credits_that_are_a_number_are_refused_at_their_line(book, credits, key, shown):
    """`credits: {opening: 5}` was read aloud as "five": credits are the words to speak, and a bare number
    there is a mistake (a length, a chapter), not credits; every other text of a book was strict already."""
    (book / "m.yaml").write_text(BOOK + f"    credits: {credits}\n")
    err = _refused(book, "validate")
    assert err.startswith(f"error: m.yaml:12: books.notes.credits.{key}: expected text, got a number ({shown})"), err


@pytest.mark.parametrize("name", ["a:b", "C:menu/welcome", "z:"])
def test_a_prompt_name_with_a_drive_letter_gives_the_real_reason(tmp_path, name):
    """`a:b` was refused as "absolute paths are not allowed": it is no absolute path on any system; on
    Windows `a:` is a drive, so the file would be written on drive A:, outside the output folder."""
    (tmp_path / "m.yaml").write_text(LIBRARY.replace("NAME", f"'{name}'"))
    err = _refused(tmp_path, "validate")
    drive = name[0].upper()
    assert err.startswith(f"error: m.yaml:9: libraries.shop.prompts.{name}: {name[:2]!r} names drive {drive}: on "
                          "Windows"), err
    assert "absolute" not in err


def test_an_absolute_prompt_name_is_still_called_absolute(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY.replace("NAME", "/etc/welcome"))
    assert "libraries.shop.prompts./etc/welcome: absolute paths are not allowed" in _refused(tmp_path, "validate")


@pytest.mark.parametrize(("output", "cache"), [
    (".narrate-cache", None),  # the cache folder itself
    (".narrate-cache/book", None),  # inside it
    ("store", "store/cache"),  # holding it ($NARRATE_CACHE)
])
def test_an_output_folder_overlapping_the_cache_is_refused_by_validate_as_by_build(book, output, cache):
    """`output: .narrate-cache` passed `narrate validate`; only `build` refused it (exit 2), and without
    a line. Both refuse it now, at the output key's line, with one message."""
    (book / "m.yaml").write_text(BOOK.replace("output: out", f"output: {output}"))
    env = {"NARRATE_CACHE": str(book / cache)} if cache else None
    cache_dir = book / (cache or ".narrate-cache")
    message = (f"error: m.yaml:9: books.notes.output: {book / output} overlaps the segment cache {cache_dir}; "
               "give the output its own folder, or the cache another (--cache-dir or $NARRATE_CACHE)")
    checked = _refused(book, "validate", env=env)
    assert checked.startswith(message), checked
    built = _refused(book, "build", env=env)
    assert built.startswith(message), built
    assert not (cache_dir / "state").exists()  # nothing was built


def test_a_cache_dir_given_to_build_is_checked_at_the_output_line(book):
    err = _refused(book, "build", "--cache-dir", "out/cache")
    assert err.startswith(f"error: m.yaml:9: books.notes.output: {book / 'out'} overlaps the segment cache "
                          f"{book / 'out/cache'}"), err

FEED = BOOK + "    feed: {base_url: 'BASE', link: 'LINK', description: d, image: IMAGE, date: 2024-05-02}\n"


def test_an_uppercase_url_scheme_is_accepted_and_written_lowercased(book):
    """`base_url: HTTPS://EXAMPLE.ORG/` was refused as "not an http(s) URL"; schemes (and host names) are
    case-insensitive (RFC 3986 3.1, 3.2.2), so it is accepted and written in the normal lower case,
    the path as given (paths are case-sensitive)."""
    (book / "m.yaml").write_text(FEED.replace("BASE", "HTTPS://EXAMPLE.ORG/Pod/").replace("LINK", "Http://Example.org/Site")
                                 .replace("IMAGE", "'HTTPS://EXAMPLE.ORG/Art.png'"))
    done = narrate_in("build", "--json", "m.yaml", cwd=book)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["errors"] == []
    channel = ET.parse(book / "out/feed.xml").getroot().find("channel")
    assert channel is not None
    assert channel.findtext("link") == "http://example.org/Site"
    urls = [e.get("url") for e in channel.iter("enclosure")]
    assert urls and all(u.startswith("https://example.org/Pod/") for u in urls), urls
    images = {e.get("href") for e in channel.iter("{http://www.itunes.com/dtds/podcast-1.0.dtd}image")}
    assert images == {"https://example.org/Art.png"}


@pytest.mark.parametrize("url", ["ftp://example.org/x/", "HTTPS:/example.org/x/", "HTTPX://example.org/x/"])
def test_a_scheme_that_is_not_http_stays_refused(book, url):
    (book / "m.yaml").write_text(FEED.replace("BASE", url).replace("LINK", "https://example.org/")
                                 .replace("IMAGE", "art.png"))
    err = _refused(book, "validate")
    assert err.startswith("error: m.yaml:12: books.notes.feed.base_url: not an http(s) URL"), err


@pytest.mark.parametrize("date", ["0001-01-01", "1899-12-31", "'1066-10-14T09:00:00+00:00'",
                                  "'Sat, 01 Jan 0100 00:00:00 +0000'"])
def test_a_feed_date_before_1900_is_refused_at_its_line(book, date):
    """`date: 0001-01-01` gave pubDate "Mon, 01 Jan 1 00:00:00 +0000": RFC 5322 3.3 (which RSS 2.0's
    RFC 822 dates follow) takes "any numeric year 1900 or later", written with 4 digits."""
    (book / "m.yaml").write_text(FEED.replace("BASE", "https://e.org/x/").replace("LINK", "https://e.org/")
                                 .replace("IMAGE", "art.png").replace("2024-05-02", date))
    err = _refused(book, "validate")
    assert err.startswith("error: m.yaml:12: books.notes.feed.date: a date before 1900"), err


@pytest.mark.parametrize("key", ["date", "pubDate"])
def test_a_front_matter_date_before_1900_is_refused_at_its_line(book, key):
    (book / "m.yaml").write_text(FEED.replace("BASE", "https://e.org/x/").replace("LINK", "https://e.org/")
                                 .replace("IMAGE", "art.png"))
    (book / "articles/cafe.md").write_text(f"---\ntitle: Cafe\n{key}: 0001-01-01\n---\n# Cafe\n\nWarm.\n")
    for command in ("validate", "build"):
        err = _refused(book, command)
        assert "error: articles/cafe.md:3: books.notes.feed: a date before 1900 (0001-01-01)" in err, err


def test_a_date_in_1900_is_published(book):
    (book / "m.yaml").write_text(FEED.replace("BASE", "https://e.org/x/").replace("LINK", "https://e.org/")
                                 .replace("IMAGE", "art.png").replace("2024-05-02", "1900-01-01"))
    done = narrate_in("build", "m.yaml", cwd=book)
    assert done.returncode == 0, done.stderr
    dates = [e.text for e in ET.parse(book / "out/feed.xml").iter("pubDate")]
    assert dates == ["Mon, 01 Jan 1900 00:00:00 +0000"] * 2


def test_a_book_episode_dated_before_1900_by_its_first_chapter_is_refused(book):
    """With `episodes: book` and no feed.date, the first chapter's front matter dates the one episode."""
    (book / "m.yaml").write_text(FEED.replace("BASE", "https://e.org/x/").replace("LINK", "https://e.org/")
                                 .replace("IMAGE", "art.png").replace("date: 2024-05-02", "episodes: book"))
    (book / "articles/cafe.md").write_text("---\ntitle: Cafe\ndate: 1492-10-12\n---\n# Cafe\n\nWarm.\n")
    err = _refused(book, "validate")
    assert "error: articles/cafe.md:3: books.notes.feed: a date before 1900 (1492-10-12)" in err, err


def test_an_image_url_ending_in_upper_case_png_is_refused_at_its_line(book):
    """`image: https://e.org/Art.PNG` passed validation, then feedgen dropped itunes:image (it takes
    `.jpg`/`.png` as written): the feed went out with no artwork, which Apple Podcasts refuses."""
    (book / "m.yaml").write_text(FEED.replace("BASE", "https://e.org/x/").replace("LINK", "https://e.org/")
                                 .replace("IMAGE", "'https://e.org/Art.PNG'"))
    err = _refused(book, "validate")
    assert err.startswith("error: m.yaml:12: books.notes.feed.image: not an http(s) URL ending in .jpg or .png in "
                          "lower case"), err


@pytest.mark.parametrize(("command", "says_cached"), [("check", False), ("validate", False), ("build", True)])
def test_a_stopped_command_says_it_cached_only_if_it_synthesizes(capfd, command, says_cached):
    """`narrate check` stopped by Ctrl-C said "everything synthesized so far is cached": it synthesizes
    nothing, so a user would think a build had been under way."""
    import types

    import click

    from narrate.cli import app

    def stopped() -> None:
        raise KeyboardInterrupt

    with click.Context(click.Command(command), info_name=command):
        assert app._call(types.SimpleNamespace(verbose=False), stopped) == 130
    err = capfd.readouterr().err
    assert err.startswith("stopped by SIGINT: child processes ended"), err
    assert ("everything synthesized so far is cached" in err) is says_cached, err
