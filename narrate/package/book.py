"""Book containers: chapter MP3s with ID3 tags, a whole-book MP3 with ID3 CHAP/CTOC, an M4B with
chapter marks, and an M3U playlist. Input is a streamed WAV on disk; nothing holds a whole book
in memory (one ffmpeg process reads the WAV). These write into a work folder; narrate.package.assemble
publishes the finished files atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..audio.formats import AAC_ARGS, MP3_ARGS
from ..audio.stream import encode_with_ffmpeg


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class BookTags:
    title: str
    author: str | None
    cover: Path | None
    language: str


def _escape_ffmeta(value: str) -> str:
    # FFMETADATA: '=', ';', '#', '\' and newlines must be escaped with a backslash.
    out = value.replace("\\", "\\\\")
    for ch in "=;#\n":
        out = out.replace(ch, "\\" + ch)
    return out


def ffmetadata(tags: BookTags, marks: list[ChapterMark]) -> str:
    lines = [";FFMETADATA1", f"title={_escape_ffmeta(tags.title)}", f"album={_escape_ffmeta(tags.title)}"]
    if tags.author:
        lines += [f"artist={_escape_ffmeta(tags.author)}", f"album_artist={_escape_ffmeta(tags.author)}"]
    lines.append("genre=Audiobook")
    for mark in marks:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={mark.start_ms}", f"END={mark.end_ms}",
                  f"title={_escape_ffmeta(mark.title)}"]
    return "\n".join(lines) + "\n"


def _cover_frame(cover: Path):
    from mutagen.id3 import APIC

    mime = "image/png" if cover.suffix.lower() == ".png" else "image/jpeg"
    return APIC(encoding=3, mime=mime, type=3, desc="Cover", data=cover.read_bytes())


def write_chapter_mp3(wav: Path, out: Path, tags: BookTags, chapter_title: str, track: int, total: int) -> None:
    from mutagen.id3 import ID3, TALB, TIT2, TLAN, TPE1, TRCK

    encode_with_ffmpeg(wav, out, codec_args=MP3_ARGS)
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=chapter_title))
    id3.add(TALB(encoding=3, text=tags.title))
    if tags.author:
        id3.add(TPE1(encoding=3, text=tags.author))
    id3.add(TRCK(encoding=3, text=f"{track}/{total}"))
    id3.add(TLAN(encoding=3, text=tags.language))
    if tags.cover:
        id3.add(_cover_frame(tags.cover))
    _save_id3(id3, out)


def write_book_mp3(wav: Path, out: Path, tags: BookTags, marks: list[ChapterMark], workdir: Path) -> None:
    """The whole book as one MP3 with ID3v2 CHAP frames and a CTOC, in time order.

    ffmpeg's MP3 muxer writes the chapters from FFMETADATA in order; mutagen would re-order the
    frames on save, which some players read as the chapter order.
    """
    meta = workdir / "book-mp3.ffmeta"
    meta.write_text(ffmetadata(tags, marks), encoding="utf-8")
    encode_with_ffmpeg(wav, out, codec_args=[*MP3_ARGS, "-id3v2_version", "4", "-write_id3v1", "0"],
                       metadata_path=str(meta), cover=str(tags.cover) if tags.cover else None)


def _save_id3(id3, out: Path) -> None:
    id3.save(out, v2_version=4, padding=lambda info: 0)  # no padding: the same tags, the same bytes


def write_m4b(wav: Path, out: Path, tags: BookTags, marks: list[ChapterMark], workdir: Path) -> None:
    meta = workdir / "chapters.ffmeta"
    meta.write_text(ffmetadata(tags, marks), encoding="utf-8")
    encode_with_ffmpeg(wav, out, codec_args=AAC_ARGS, metadata_path=str(meta),
                       cover=str(tags.cover) if tags.cover else None)


def m3u(entries: list[tuple[str, float, str]]) -> str:
    """#EXTM3U playlist of (file, seconds, title)."""
    lines = ["#EXTM3U"]
    for file, seconds, title in entries:
        lines += [f"#EXTINF:{round(seconds)},{' '.join(title.split())}", file]  # one line per entry
    return "\n".join(lines) + "\n"
