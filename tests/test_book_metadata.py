"""Book metadata (issue 12 item 2), read back with mutagen: narrator, year, description, publisher,
genre, language, copyright, series and position in the chapter MP3s, the whole-book MP3 and the M4B;
media kind audiobook (stik 2); the cover as ID3 APIC type 3 (front cover) and MP4 `covr`."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from mutagen.id3 import ID3, PictureType
from mutagen.mp4 import MP4, MP4Cover

from conftest import ROOT, narrate
from narrate.manifest.resolved import BookMeta
from narrate.package.book import BookTags, ChapterMark, book_id3

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
COVER = ROOT / "content" / "patient-guide" / "cover.png"
BOOK = """\
version: 1
books:
  guide:
    title: A Small Guide
    author: Test Author
    narrator: Nora Reader
    year: 2026
    description: "A short guide; two chapters = one test."
    publisher: Northwind Press
    genre: Health
    language: en-GB
    copyright: © 2026 Northwind Dental
    series: {name: Northwind Guides, position: 2}
    sources: ch/*.md
    cover: cover.png
    formats: [chapters, mp3, m4b]
    output: out/guide
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("meta")
    (root / "ch").mkdir()
    (root / "ch" / "01-one.md").write_text("# First Steps\n\nThis is the first chapter.\n")
    (root / "ch" / "02-two.md").write_text("# Second Thoughts\n\nThe second chapter.\n")
    (root / "cover.png").write_bytes(COVER.read_bytes())
    (root / "book.yaml").write_text(BOOK)
    done = narrate("build", "--json", "book.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs_written"] == 5
    return root / "out" / "guide"


def text(tags: ID3, frame: str) -> str:
    return str(tags[frame])


@pytest.mark.parametrize("name", ["01-first-steps.mp3", "guide.mp3"])
def test_id3_frames(book, name):
    tags = ID3(book / name)
    assert tags.version == (2, 4, 0)
    assert text(tags, "TALB") == "A Small Guide" and text(tags, "TPE1") == "Test Author"
    assert text(tags, "TCOM") == "Nora Reader" and text(tags, "TXXX:NARRATOR") == "Nora Reader"
    assert str(tags["TDRC"]) == "2026"
    assert text(tags, "TXXX:DESCRIPTION") == "A short guide; two chapters = one test."
    if name != "guide.mp3":  # the whole book has the frames ffmpeg's ID3 muxer wrote: no COMM (book_id3)
        assert tags.getall("COMM")[0].text == ["A short guide; two chapters = one test."]
    assert text(tags, "TPUB") == "Northwind Press" and text(tags, "TCON") == "Health"
    assert text(tags, "TCOP") == "© 2026 Northwind Dental"
    assert text(tags, "TXXX:SERIES") == "Northwind Guides" and text(tags, "TXXX:SERIES-PART") == "2"
    assert text(tags, "TLAN") == "eng"  # ID3v2.4: "three characters according to ISO-639-2", not the BCP-47 tag
    pictures = tags.getall("APIC")
    assert len(pictures) == 1 and pictures[0].type == PictureType.COVER_FRONT == 3
    assert pictures[0].data == COVER.read_bytes() and pictures[0].mime == "image/png"


def test_whole_book_mp3_keeps_its_chapters_in_order(book):
    tags = ID3(book / "guide.mp3")
    assert [c.element_id for c in tags.getall("CHAP")] == ["ch0", "ch1"]
    assert tags.getall("CTOC")[0].child_element_ids == ["ch0", "ch1"]


def test_m4b_atoms(book):
    mp4 = MP4(book / "guide.m4b")
    t = mp4.tags
    assert t["stik"] == [2]  # media kind: Audiobook
    assert t["\xa9nam"] == ["A Small Guide"] and t["\xa9alb"] == ["A Small Guide"]
    assert t["\xa9ART"] == ["Test Author"] and t["aART"] == ["Test Author"]
    assert t["\xa9wrt"] == ["Nora Reader"] and t["\xa9day"] == ["2026"] and t["\xa9gen"] == ["Health"]
    assert t["desc"] == ["A short guide; two chapters = one test."] and t["ldes"] == t["desc"]
    assert t["cprt"] == ["© 2026 Northwind Dental"]
    freeform = {k.split(":")[-1]: bytes(v[0]).decode() for k, v in t.items() if k.startswith("----")}
    assert freeform == {"NARRATOR": "Nora Reader", "PUBLISHER": "Northwind Press", "SERIES": "Northwind Guides",
                        "SERIES-PART": "2", "LANGUAGE": "en-GB"}
    covers = t["covr"]
    assert len(covers) == 1 and bytes(covers[0]) == COVER.read_bytes()
    assert covers[0].imageformat == MP4Cover.FORMAT_PNG


def test_m4b_chapters_survive_the_tagging(book):
    out = subprocess.run([FFMPEG, "-hide_banner", "-i", str(book / "guide.m4b")], capture_output=True, text=True).stderr
    titles = re.findall(r"Chapter #.*\n\s+Metadata:\n\s+title\s+: (.*)", out)
    assert titles == ["First Steps", "Second Thoughts"]


def test_rebuild_is_byte_identical(book):
    """Tagging with mutagen after ffmpeg keeps the outputs reproducible: a forced re-render writes the same bytes."""
    root = book.parent.parent
    before = {p.name: p.read_bytes() for p in book.iterdir()}
    lock = root / "narrate.lock"
    saved = lock.read_text()
    try:
        lock.unlink()  # no record: every output is rendered again, and replaced only if its bytes changed
        done = narrate("build", "--json", "book.yaml", cwd=root)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["written"] == []
    finally:
        lock.write_text(saved)
    assert {p.name: p.read_bytes() for p in book.iterdir()} == before


def id3_of(tag: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """(frame id or TXXX:desc, text) of an ID3v2 tag's text frames, in stored order."""
    from mutagen.id3 import ID3

    path = tmp_path / "tag.id3"
    path.write_bytes(tag)
    return [(f.HashKey if f.FrameID == "TXXX" else f.FrameID, str(f)) for f in ID3(path).values()
            if f.FrameID.startswith("T")]


def test_the_book_tag_carries_every_field(tmp_path):
    meta = BookMeta(narrator="N = R", year=1999, description="line one\nline two", publisher="P#1", genre="Fiction",
                    copyright="(c) me", series="S;1", series_position=1.5)
    frames = dict(id3_of(book_id3(BookTags("T", "A", None, "de", meta), [ChapterMark("One", 0, 1000)]), tmp_path))
    assert frames == {"TIT2": "T", "TALB": "T", "TPE1": "A", "TPE2": "A", "TCON": "Fiction", "TCOM": "N = R",
                      "TXXX:NARRATOR": "N = R", "TDRC": "1999", "TXXX:DESCRIPTION": "line one\nline two",
                      "TPUB": "P#1", "TCOP": "(c) me", "TXXX:SERIES": "S;1", "TXXX:SERIES-PART": "1.5", "TLAN": "deu"}


def test_a_bare_book_has_audiobook_genre_and_no_empty_tags(tmp_path):
    frames = id3_of(book_id3(BookTags("T", None, None, "en"), []), tmp_path)
    assert frames == [("TIT2", "T"), ("TALB", "T"), ("TCON", "Audiobook"), ("TLAN", "eng")]


@pytest.mark.parametrize(("tag", "code", "comment"), [("es-419", "spa", "spa"), ("de-AT", "deu", "deu"),
                                                      ("x-klingon", "und", "XXX")])
def test_language_frames_are_iso_639_2(tmp_path, tag, code, comment):
    """TLAN holds ISO 639-2 codes and COMM's language field is one (ID3v2.4 frames 4.2.3 and structure
    4: "XXX" when not known); a Spanish book's description was filed as English ("eng")."""
    from narrate.package.book import tag_chapter_mp3

    out = tmp_path / "one.mp3"
    out.write_bytes(b"")
    tag_chapter_mp3(out, BookTags("T", None, None, tag, BookMeta(description="Una guía.")), "Uno", 1, 1)
    tags = ID3(out)
    assert tags.getall("TLAN")[0].text == [code]
    assert [(c.lang, c.text) for c in tags.getall("COMM")] == [(comment, ["Una guía."])]
    frames = dict(id3_of(book_id3(BookTags("T", None, None, tag), []), tmp_path))
    assert frames["TLAN"] == code
