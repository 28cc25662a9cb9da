"""Findings of a second newcomer's trial and attack (3 December 2026): books and article folders,
hostile names and paths, interruptions. Each test failed before its fix."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import narrate_in

BOOK = """\
version: 1
books:
  notes:
    title: Field Notes
    author: Me
    sources: articles/*.md
    language: en-US
    voice: en-us
    output: out
    formats: [chapters, mp3]
    transcripts: {formats: [vtt]}
"""
MINE = b"a studio recording, not narrate's"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles/old-roads.md").write_text("# Old Roads\n\nThe old roads wind through the hills.\n")
    (tmp_path / "articles/cafe.md").write_text("# Cafe Nights\n\nA cafe at night is warm.\n")
    (tmp_path / "m.yaml").write_text(BOOK)
    return tmp_path


def _build(root: Path) -> tuple[int, dict]:
    done = narrate_in("build", "--json", "m.yaml", cwd=root)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    report["errors"] = [e["message"] for e in report["errors"]]
    return done.returncode, report


@pytest.mark.parametrize("name", ["notes.mp3", "01-cafe-nights.mp3", "01-cafe-nights.vtt", "notes.m3u"])
def test_a_book_build_keeps_a_file_it_did_not_write_in_its_output_folder(book, name):
    """DESIGN.md invariant 8: a book's output folder may hold the team's own files (an output folder
    pointed at a shared or home folder); a book build never replaced them (prompts were protected)."""
    (book / "out").mkdir()
    (book / "out" / name).write_bytes(MINE)
    code, report = _build(book)
    assert (book / "out" / name).read_bytes() == MINE
    assert code == 1
    assert any(f"out/{name} exists and narrate did not write it" in e for e in report["errors"]), report["errors"]
    assert (book / "out/02-old-roads.mp3").exists()  # the book's other files are made
    assert not [p for p in (book / "out").iterdir() if p.name.startswith(".")]  # no temp left behind
    (book / "out" / name).unlink()  # moved away: the next build pays nothing and writes that file
    code, report = _build(book)
    assert code == 0, report["errors"]
    assert report["synthesized"] == 0 and report["written"] == [f"out/{name}"]


def test_a_lost_lock_adopts_the_books_own_files(book):
    code, _ = _build(book)
    assert code == 0
    for gone in ("narrate.lock", ".narrate-cache/state"):
        p = book / gone
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    code, report = _build(book)
    assert code == 0, report["errors"]
    assert report["written"] == []


def _limited_build(root: Path, max_bytes: int) -> subprocess.CompletedProcess:
    """`narrate build --json` with every file it writes limited to `max_bytes` (`ulimit -f`: a write
    past it fails with EFBIG, "File too large", as a full disk fails with ENOSPC)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return subprocess.run([sys.executable, "-m", "narrate.cli", "-q", "build", "--json", "m.yaml"], cwd=root,
                          capture_output=True, text=True, preexec_fn=limit, timeout=300)  # noqa: PLW1509


def test_a_book_that_cannot_be_written_is_reported_and_the_build_finishes(book):
    """A full disk while a book was assembled: the OSError left the build, so `--json` printed
    nothing, the message named no file or book ("error: File too large") and the lock was not saved."""
    for name in ("old-roads.md", "cafe.md"):  # a few seconds of speech: its WAV outgrows the limit
        (book / "articles" / name).write_text("# T\n\n" + "A sentence of some length to say aloud. " * 6 + "\n")
    code, _ = _build(book)
    assert code == 0
    before = {p.name: p.read_bytes() for p in (book / "out").iterdir()}
    (book / "articles/cafe.md").write_text((book / "articles/cafe.md").read_text() + "\nOne more sentence.\n")
    done = _limited_build(book, 200_000)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    [message] = [e["message"] for e in report["errors"]]
    assert message.startswith("books/notes: cannot assemble the book") and "File too large" in message, message
    assert report["synthesized"] == 1  # the new sentence is paid once, and cached
    assert {p.name: p.read_bytes() for p in (book / "out").iterdir()} == before  # nothing half-written
    code, report = _build(book)
    assert code == 0 and report["synthesized"] == 0, report["errors"]


def test_a_retail_sample_shorter_than_acx_allows_is_warned_at_its_line(book):
    """`sample: {length_s: 60}` (the least `validate` accepts) made a sample of whole sentences under
    60 s, which `narrate check` then refused: the build said nothing. Now it warns at the sample's line,
    with the length made, as long as the sample is under ACX's 60 s."""
    (book / "m.yaml").write_text(BOOK + "    sample: {chapter: 1, start_s: 0, length_s: 60}\n")
    code, report = _build(book)
    assert code == 0, report["errors"]
    [warning] = [w for w in report["warnings"] if "sample" in w]
    assert warning.startswith("m.yaml:12: books.notes.sample.length_s: out/notes-sample.mp3 is ")
    assert "ACX retail samples are 60 to 300 s" in warning
    seconds = float(warning.split(" is ")[1].split(" s")[0])
    assert 3 < seconds < 10  # the whole first chapter: a sentence, with head and tail room tone
    check = narrate_in("check", "m.yaml", cwd=book)
    assert check.returncode == 1 and "notes-sample.mp3: duration" in check.stderr  # what the warning foretold


@pytest.mark.parametrize(("book_name", "article", "reserved"), [
    ("notes", "nul.md", "out/nul.mp3"),       # a feed episode is named after its article's file
    ("notes", "Com1.md", "out/com1.mp3"),
    ("aux", "cafe.md", "out/aux.mp3"),        # the whole-book files after the book
])
def test_a_book_file_windows_cannot_hold_is_warned_as_a_prompts_is(book, book_name, article, reserved):
    """A prompt named CON is warned of (a Windows checkout or host cannot hold the file); a book's
    outputs named NUL.mp3 or AUX.m4b were not."""
    (book / "art.png").write_bytes(_square_png(1400))
    (book / "articles" / article).write_text("---\ndate: 2024-05-01\n---\n# Hi\n\nHello there.\n")
    (book / "m.yaml").write_text(BOOK.replace("  notes:", f"  {book_name}:") + "    feed: {base_url: 'https://e.org/x/', "
                                 "description: d, image: art.png, date: 2024-05-02}\n")
    done = narrate_in("validate", "m.yaml", cwd=book)
    assert done.returncode == 0, done.stderr
    [line] = [w for w in done.stderr.splitlines() if "Windows" in w]
    assert line.startswith(f"warning: m.yaml: books.{book_name}: ") and f" {reserved}, " in line, line
    assert "are not file names on Windows (" in line and "is a reserved device name" in line
    assert line.endswith(f"rename the article articles/{article}" if book_name == "notes" else "rename the book")


def test_book_files_windows_can_hold_are_not_warned(book):
    done = narrate_in("validate", "m.yaml", cwd=book)
    assert done.returncode == 0 and "Windows" not in done.stderr, done.stderr


def _square_png(px: int) -> bytes:
    """A valid PNG header of px x px (narrate reads artwork sizes from the header)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = zlib.compress(b"".join(b"\0" + b"\0\0\0" * px for _ in range(px)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", px, px, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


@pytest.mark.parametrize("kind", ["book", "library"])
def test_an_output_folder_whose_link_moved_is_built_again(tmp_path, kind):
    """`output: site/current/podcast` where `site/current` is a link to a release folder, repointed to a
    new, empty release: nothing in the manifest changed, so the no-op fast path said '0 written, N
    unchanged' and the new folder stayed empty (it watched the old release's files, where the path
    resolved at the last build)."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles/a.md").write_text("# A\n\nHello there.\n")
    for release in ("r1", "r2"):
        (tmp_path / "site" / release).mkdir(parents=True)
    (tmp_path / "site/current").symlink_to("r1")
    manifest = (BOOK.replace("output: out", "output: site/current/podcast") if kind == "book" else
                "version: 1\nlibraries:\n  shop:\n    output: site/current/sounds\n    formats: [ulaw]\n"
                "    layout: flat\n    languages: {en-US: en-us}\n    prompts: {hello: Hello there.}\n")
    (tmp_path / "m.yaml").write_text(manifest)
    code, report = _build(tmp_path)
    assert code == 0, report["errors"]
    made = sorted(p.relative_to(tmp_path / "site/r1") for p in (tmp_path / "site/r1").rglob("*") if p.is_file())
    assert made
    (tmp_path / "site/current").unlink()
    (tmp_path / "site/current").symlink_to("r2")  # deploy: the link now names an empty release
    code, report = _build(tmp_path)
    assert code == 0, report["errors"]
    assert report["synthesized"] == 0  # the audio is cached: nothing paid again
    assert sorted(p.relative_to(tmp_path / "site/r2") for p in (tmp_path / "site/r2").rglob("*") if p.is_file()) == made
    code, report = _build(tmp_path)  # and now nothing to do
    assert code == 0 and report["outputs_written"] == 0


FEED = BOOK + "    feed: {base_url: 'URL', description: d, image: art.png, date: 2024-05-02}\n"


@pytest.mark.parametrize("url", ["https://bücher.example:99999/x/", "https://example.org:0x50/x/",
                                 "https://example.org/%zz/", "https://exa%mple.org/x/"])
def test_a_base_url_that_is_no_url_is_refused_at_its_line(book, url):
    """A non-ASCII base_url with a port past 65535 was an internal error (exit 70: 'Port out of range');
    an ASCII one, and a broken %-escape, went into every enclosure URL as written."""
    (book / "art.png").write_bytes(_square_png(1400))
    (book / "m.yaml").write_text(FEED.replace("URL", url))
    done = narrate_in("validate", "m.yaml", cwd=book)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: m.yaml:12: books.notes.feed.base_url: "), done.stderr
    assert "internal error" not in done.stderr


def test_characters_urls_cannot_hold_are_percent_encoded_in_the_feed(book):
    """Non-ASCII was percent-encoded in enclosure URLs, but ASCII that no URL may hold (`"<>{}|^` and
    backquote) went out as written: feed readers cannot fetch such an enclosure."""
    (book / "art.png").write_bytes(_square_png(1400))
    (book / "m.yaml").write_text(FEED.replace("URL", 'https://example.org/a"<b>{c}|^`d/'))
    code, report = _build(book)
    assert code == 0, report["errors"]
    from xml.etree import ElementTree as ET

    urls = [e.get("url") for e in ET.parse(book / "out/feed.xml").iter("enclosure")]
    assert urls and all(u.startswith("https://example.org/a%22%3Cb%3E%7Bc%7D%7C%5E%60d/") for u in urls), urls


@pytest.mark.parametrize(("change", "where", "message"), [
    ("sources: []", "6: books.notes.sources", "no chapter file: `sources:` lists none"),
    ("sources: [articles/*.md]\n    order: []", "7: books.notes.order",
     "no chapter file: the order lists none of the sources"),
    ("sources: folder.md", "6: books.notes.sources", "'folder.md' matches only folders, not chapter files"),
])
def test_a_book_without_chapters_is_refused_at_its_line(book, change, where, message):
    """A book whose sources or order give no chapter was 'ok' to validate; building it with an MP3 or
    M4B was an internal error (exit 70, IndexError), and with chapters only it wrote an empty playlist."""
    (book / "folder.md").mkdir()
    (book / "m.yaml").write_text(BOOK.replace("sources: articles/*.md", change).replace("[chapters, mp3]",
                                                                                        "[chapters, mp3, m4b]"))
    for command in ("validate", "build"):
        done = narrate_in(command, "m.yaml", cwd=book)
        assert done.returncode == 2, done.stderr
        assert f"error: m.yaml:{where}: {message}" in done.stderr, done.stderr
    assert not (book / "out").exists()


@pytest.mark.parametrize(("setting", "where"), [
    ("    feed: {base_url: 'https://e.org/x/', description: d, image: out/cover.png, date: 2024-05-02}\n",
     "m.yaml:12: books.notes.feed.image"),
    ("    cover: out/cover.png\n", "m.yaml:12: books.notes.cover"),
])
def test_an_input_in_the_output_folder_is_refused(book, setting, where):
    """Artwork kept in the book's output folder, where the feed publishes `cover.png`: narrate adopted it
    (its bytes were the copy's), and when the feed named other artwork it removed it as an orphan: the
    user's only copy. Every input a manifest names is now refused there, as chapters were."""
    (book / "out").mkdir()
    (book / "out/cover.png").write_bytes(_square_png(1400))
    (book / "m.yaml").write_text(BOOK + setting)
    done = narrate_in("validate", "m.yaml", cwd=book)
    assert done.returncode == 2
    assert f"error: {where}: out/cover.png is in the output folder of books.notes; keep inputs and outputs in " \
           "separate folders" in done.stderr, done.stderr


def test_a_lexicon_in_an_output_folder_is_refused(book):
    (book / "out").mkdir()
    (book / "out/lexicon.yaml").write_text("Cafe: Caffay\n")
    (book / "m.yaml").write_text(BOOK.replace("books:", "lexicon: out/lexicon.yaml\nbooks:"))
    done = narrate_in("validate", "m.yaml", cwd=book)
    assert done.returncode == 2
    assert "error: m.yaml:2: lexicon: out/lexicon.yaml is in the output folder of books.notes" in done.stderr, done.stderr


@pytest.mark.parametrize("rate", [44100, 22050])
def test_a_custom_book_without_room_tone_passes_its_own_check(book, rate):
    """`audio: {head_s: 0, tail_s: 0}` built files whose tail measured ~0.1 s (a file ends on whole MP3
    and AAC frames), and `narrate check` refused narrate's own files: 'tail: 0.10 s of silence, outside 0
    to 0.1 s'. The tail it accepts now allows for the shortest tail the frame grid writes."""
    audio = f"{{head_s: 0, tail_s: 0, sample_rate: {rate}, bitrate: 64}}"
    (book / "m.yaml").write_text(BOOK.replace("[chapters, mp3]", "[chapters, mp3, m4b]")
                                 + f"    profile: custom\n    audio: {audio}\n")
    code, report = _build(book)
    assert code == 0, report["errors"]
    done = narrate_in("check", "m.yaml", cwd=book)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("extra", "message"), [
    ("    credits: {opening: Hello from us.}\n",
     "books.notes.feed.date: the opening credits are an episode of the feed too"),
    ("", "books.notes.feed.date: the book's episode needs a publication date"),
])
def test_a_feed_date_problem_names_the_manifest(book, extra, message):
    """A missing feed date for credits (or a book-as-one-episode) was located at the output folder
    (`error: /tmp/.../out: books.notes.feed.date: ...`), a path that is no file to open."""
    (book / "art.png").write_bytes(_square_png(1400))
    episodes = ", episodes: book" if not extra else ""
    (book / "m.yaml").write_text(BOOK + extra + "    feed: {base_url: 'https://e.org/x/', description: d, "
                                 f"image: art.png{episodes}}}\n")
    for name in ("old-roads.md", "cafe.md"):  # no date of their own either
        (book / "articles" / name).write_text("---\ntitle: T\n---\n# T\n\nHello.\n")
    done = narrate_in("validate", "m.yaml", cwd=book)
    assert done.returncode == 2
    assert f"error: m.yaml: {message}" in done.stderr, done.stderr
