"""A cover's image format comes from its bytes, not its file name: a PNG called art.jpg (or a JPEG
called art.png) is embedded with the right MP3 APIC MIME type and M4B `covr` format, and its feed
artwork is published under the right extension (cover.png / cover.jpg) and linked by that name."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4, MP4Cover

from conftest import narrate_in
from narrate.manifest.inputs import image_kind, image_problem
from narrate.plan.book_extras import artwork_name

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def _image(path: Path, codec: str) -> Path:
    """A 1400 x 1400 image (Apple's smallest podcast artwork) in `codec`, whatever `path` is called."""
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "color=red:s=1400x1400", "-frames:v", "1",
                    "-f", "image2", "-c:v", codec, str(path)], check=True, timeout=60)
    return path


def test_image_kind_reads_the_signature():
    assert image_kind(PNG_HEAD) == "png"
    assert image_kind(JPEG_HEAD) == "jpeg"
    assert image_kind(b"\xff\xd8") == "jpeg"
    for other in (b"", b"GIF89a", b"\x89PNG", b"RIFF....WEBP", b"\xff", b"<svg"):
        assert image_kind(other) is None


def test_image_kind_agrees_with_image_problem(tmp_path):
    png, jpeg = _image(tmp_path / "a.jpg", "png"), _image(tmp_path / "b.png", "mjpeg")
    assert image_kind(png.read_bytes()) == "png" and image_problem(png.read_bytes()) is None
    assert image_kind(jpeg.read_bytes()) == "jpeg" and image_problem(jpeg.read_bytes()) is None


@pytest.mark.parametrize(("name", "codec", "expected"), [
    ("art.jpg", "png", "cover.png"), ("art.png", "mjpeg", "cover.jpg"),
    ("art.JPEG", "png", "cover.png"), ("art", "png", "cover.png"),
])
def test_artwork_name_follows_the_bytes(tmp_path, name, codec, expected):
    assert artwork_name(_image(tmp_path / name, codec)) == expected


BOOK = """\
version: 1
books:
  bk:
    title: Bk
    author: T
    sources: ch/*.md
    cover: {cover}
    language: en-US
    voice: en-us
    profile: podcast
    formats: [chapters, m4b]
    output: out/bk
    feed: {{base_url: 'https://example.org/bk/', description: D{image}}}
"""

# (the cover's file name, what it really holds, its MIME type, its MP4 format, the artwork's published
# name, whether the feed names it as `image:` too: both ways to artwork)
CASES = {
    "png-named-jpg": ("art.jpg", "png", "image/png", MP4Cover.FORMAT_PNG, "cover.png", False),
    "jpeg-named-png": ("art.png", "mjpeg", "image/jpeg", MP4Cover.FORMAT_JPEG, "cover.jpg", True),
}


@pytest.fixture(scope="module", params=list(CASES))
def built(request, tmp_path_factory):
    name, codec, mime, fmt, artwork, as_image = CASES[request.param]
    root = tmp_path_factory.mktemp(request.param)
    (root / "ch").mkdir()
    (root / "ch" / "01.md").write_text("---\ndate: 2024-01-01\n---\n# A\n\nPart A.\n")
    data = _image(root / name, codec).read_bytes()
    (root / "narrate.yaml").write_text(BOOK.format(cover=name, image=f", image: {name}" if as_image else ""))
    done = narrate_in("build", "-q", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "out" / "bk", data, mime, fmt, artwork


def test_mp3_apic_mime_matches_the_bytes(built):
    out, data, mime, _, _ = built
    pictures = ID3(out / "01.mp3").getall("APIC")
    assert len(pictures) == 1
    assert pictures[0].data == data and pictures[0].mime == mime


def test_m4b_covr_format_matches_the_bytes(built):
    out, data, _, fmt, _ = built
    covers = MP4(out / "bk.m4b").tags["covr"]
    assert len(covers) == 1
    assert bytes(covers[0]) == data and covers[0].imageformat == fmt


def test_feed_artwork_extension_matches_the_bytes(built):
    out, data, _, _, artwork = built
    assert sorted(p.name for p in out.glob("cover.*")) == [artwork]
    assert (out / artwork).read_bytes() == data
    feed = (out / "feed.xml").read_text()
    assert re.findall(r'<itunes:image href="([^"]+)"', feed) == [f"https://example.org/bk/{artwork}"]
    assert f"<url>https://example.org/bk/{artwork}</url>" in feed


def test_lock_names_the_artwork_by_its_bytes_and_a_replan_is_clean(built):
    out, _, _, _, artwork = built
    root = out.parent.parent
    lock = json.loads((root / "narrate.lock").read_text())
    files = [o["file"] for o in _outputs(lock)]
    assert f"out/bk/{artwork}" in files and not [f for f in files if "cover." in f and f != f"out/bk/{artwork}"]
    done = narrate_in("plan", "--json", cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs_to_write"] == []


def _outputs(node):
    """Every lock entry of an output (a dict with a "file") anywhere in the lock."""
    if isinstance(node, dict):
        if isinstance(node.get("file"), str):
            yield node
        for value in node.values():
            yield from _outputs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _outputs(value)


def _png_header(width: int, height: int) -> bytes:
    """A PNG signature and IHDR chunk (8-bit RGB) claiming `width` x `height`, and nothing after it."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return PNG_HEAD[:8] + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))


@pytest.mark.parametrize(("content", "message"), [
    (lambda tmp: _png_header(100_000, 100_000), "100000x100000 px image: over 89,478,485 pixels"),
    (lambda tmp: _png_header(1400, 1400), "a PNG that ends before its image data"),
    (lambda tmp: _image(tmp / "whole.jpg", "mjpeg").read_bytes()[:-600], "a JPEG that ends before its image data"),
], ids=["bomb-header", "png-header-only", "jpeg-truncated"])
def test_a_cover_that_is_only_a_header_or_too_many_pixels_is_refused_at_its_line(tmp_path, content, message):
    """A header claiming 100000 x 100000 px with no image data was embedded as a cover: listeners'
    apps would try to decode 40 GB. A cover that ends before its data (a truncated download) too."""
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01.md").write_text("---\ndate: 2024-01-01\n---\n# A\n\nPart A.\n")
    (tmp_path / "art.png").write_bytes(content(tmp_path))
    (tmp_path / "narrate.yaml").write_text(BOOK.format(cover="art.png", image=""))
    done = narrate_in("validate", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "narrate.yaml:7: books.bk.cover" in done.stderr and message in done.stderr, done.stderr


def test_a_whole_cover_passes(tmp_path):
    from narrate.manifest.inputs import check_cover

    assert check_cover(_image(tmp_path / "a.png", "png")) is None
    assert check_cover(_image(tmp_path / "b.jpg", "mjpeg")) is None
