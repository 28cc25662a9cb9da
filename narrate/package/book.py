"""Book containers: chapter MP3s with ID3 tags, a whole-book MP3 with ID3 CHAP/CTOC, an M4B with
chapter marks, and an M3U playlist. The whole-book files and the chapter files are joined from a
book's kept encodes (narrate.package.mp3join, narrate.package.mp4); a file encoded whole (a retail
sample, credits) is encoded from a streamed WAV on disk. These write into a work folder;
narrate.package.assemble publishes the finished files atomically."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.formats import MP3_ARGS
from ..audio.stream import encode_with_ffmpeg
from ..manifest.inputs import MAX_COVER_BYTES, image_kind, read_input
from ..manifest.resolved import MEDIA_KIND_AUDIOBOOK, MEDIA_KIND_PODCAST, BookMeta
from .mp3join import PieceFacts
from .mp3join import join as join_mp3
from .mp4 import AacTrack, write_m4b_parts


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
    meta: BookMeta = BookMeta()
    media_kind: int = MEDIA_KIND_AUDIOBOOK  # the M4B's `stik` (Book.media_kind)


def _position(value: float) -> str:
    return f"{value:g}"


def _extra_tags(tags: BookTags) -> list[tuple[str, str]]:
    """(key, value) beyond title/album/artist/genre, in a fixed order, as ffmpeg's metadata keys name them.

    As ffmpeg's ID3v2 muxer writes them: composer as TCOM, date as TDRC, publisher as TPUB, copyright as
    TCOP, language as TLAN (its ISO 639-2 code, as ID3v2.4 defines the frame) and other keys as TXXX
    frames named by the key (the description is TXXX:DESCRIPTION in the whole-book MP3, and also COMM
    in chapter files); narrators go in composer, where Apple Books and most audiobook players look for
    them, and in TXXX:NARRATOR.
    Series follow Mp3tag's and Audiobookshelf's SERIES / SERIES-PART.
    """
    m = tags.meta
    out: list[tuple[str, str]] = []
    if m.narrator:
        out += [("composer", m.narrator), ("NARRATOR", m.narrator)]
    if m.year is not None:
        out.append(("date", str(m.year)))
    if m.description:
        out.append(("DESCRIPTION", m.description))
    for key, value in (("publisher", m.publisher), ("copyright", m.copyright), ("SERIES", m.series)):
        if value:
            out.append((key, value))
    if m.series_position is not None:
        out.append(("SERIES-PART", _position(m.series_position)))
    out.append(("language", iso639_2(tags.language)))  # TLAN: "three characters according to ISO-639-2"
    return out


def _cover_frame(cover: Path) -> Any:
    from mutagen.id3 import APIC, PictureType

    data = _cover_bytes(cover)
    mime = "image/png" if image_kind(data) == "png" else "image/jpeg"  # by its bytes, whatever the file is called
    return APIC(encoding=3, mime=mime, type=PictureType.COVER_FRONT, desc="Cover", data=data)


def _cover_bytes(cover: Path) -> bytes:
    """The cover the manifest named, read as it was resolved (no link swapped in since: `read_input`'s `pinned`)."""
    return read_input(cover, limit=MAX_COVER_BYTES, key_path="cover", pinned=True)


def _gain_args(codec_args: list[str], af: str) -> list[str]:
    """The encoder options with the file's level processing (an ffmpeg filter chain, narrate.package.levels)."""
    return [*codec_args, "-af", af] if af else list(codec_args)


def write_chapter_mp3(wav: Path, out: Path, tags: BookTags, chapter_title: str, track: int, total: int, *,
                      codec_args: list[str] | None = None, af: str = "") -> None:
    """One chapter (or credits, or sample) as an MP3 with ID3v2.4 tags; `af` (ffmpeg filters) applied while encoding."""
    encode_with_ffmpeg(wav, out, codec_args=_gain_args(codec_args or MP3_ARGS, af))
    tag_chapter_mp3(out, tags, chapter_title, track, total)


def join_chapter_mp3(pieces: Sequence[tuple[Path, PieceFacts]], out: Path, tags: BookTags, chapter_title: str,
                     track: int, total: int) -> str:
    """A chapter file joined from its encoded pieces (narrate.package.pieces) by copying their frames
    (narrate.package.mp3join), tagged as `write_chapter_mp3` tags: the tag is written into the empty
    file first, so that the audio is written once, after it. Returns the file's sha256."""
    out.write_bytes(b"")
    tag_chapter_mp3(out, tags, chapter_title, track, total)
    return join_mp3(pieces, out, append=True)


def tag_chapter_mp3(out: Path, tags: BookTags, chapter_title: str, track: int, total: int) -> None:
    """The ID3v2.4 tags of a chapter file (title, album, artist, track, language, genre, the book's
    metadata, the cover as APIC type 3)."""
    from mutagen.id3 import COMM, ID3, TALB, TCON, TIT2, TLAN, TPE1, TPE2, TRCK, TXXX, Frames

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=chapter_title))
    id3.add(TALB(encoding=3, text=tags.title))
    if tags.author:
        id3.add(TPE1(encoding=3, text=tags.author))
        id3.add(TPE2(encoding=3, text=tags.author))
    id3.add(TRCK(encoding=3, text=f"{track}/{total}"))
    id3.add(TLAN(encoding=3, text=iso639_2(tags.language)))
    id3.add(TCON(encoding=3, text=tags.meta.genre))
    frames = {"composer": "TCOM", "date": "TDRC", "publisher": "TPUB", "copyright": "TCOP"}
    for key, value in _extra_tags(tags):
        if key in frames:
            id3.add(Frames[frames[key]](encoding=3, text=value))
        elif key != "language":
            id3.add(TXXX(encoding=3, desc=key, text=value))
    if tags.meta.description:
        code = iso639_2(tags.language)  # ID3v2.4 structure 4: "XXX" when the language is not known
        id3.add(COMM(encoding=3, lang="XXX" if code == "und" else code, desc="", text=tags.meta.description))
    if tags.cover:
        id3.add(_cover_frame(tags.cover))
    _save_id3(id3, out)


def join_book_mp3(pieces: Sequence[tuple[Path, PieceFacts]], out: Path, tags: BookTags,
                  marks: list[ChapterMark]) -> str:
    """The whole book as one MP3 joined from its encoded pieces by copying their frames, under one
    LAME header with the first piece's delay and the last one's padding (narrate.package.mp3join),
    with its tags and ID3v2 CHAP/CTOC frames (`book_id3`). Returns the file's sha256."""
    return join_mp3(pieces, out, tag=book_id3(tags, marks))


def book_id3(tags: BookTags, marks: list[ChapterMark]) -> bytes:
    """The whole-book MP3's ID3v2.4 tag, frame by frame in the order ffmpeg's muxer writes them (text
    frames, the CTOC, the CHAP frames in time order, the cover): mutagen's `save`
    would sort the CHAP frames by size, and some players read that as the chapters' order."""
    from mutagen.id3 import CHAP, CTOC, TALB, TCON, TIT2, TPE1, TPE2, TXXX, CTOCFlags, Frames

    frames: list[Any] = [TIT2(encoding=3, text=tags.title), TALB(encoding=3, text=tags.title)]
    if tags.author:
        frames += [TPE1(encoding=3, text=tags.author), TPE2(encoding=3, text=tags.author)]
    frames.append(TCON(encoding=3, text=tags.meta.genre))
    named = {"composer": "TCOM", "date": "TDRC", "publisher": "TPUB", "copyright": "TCOP", "language": "TLAN"}
    frames += [Frames[named[key]](encoding=3, text=value) if key in named else TXXX(encoding=3, desc=key, text=value)
               for key, value in _extra_tags(tags)]
    ids = [f"ch{i}" for i in range(len(marks))]
    # A CTOC counts its entries in one byte (ID3v2 Chapter Frame Addendum 1.0): past 255 chapters the
    # top-level table lists ordered sub-tables of up to 255 chapters each.
    groups = [ids[i:i + 255] for i in range(0, len(ids), 255)]
    top = CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    if len(groups) == 1:
        frames.append(CTOC(element_id="toc", flags=top, child_element_ids=ids, sub_frames=[]))
    elif groups:
        subs = [f"toc{i}" for i in range(len(groups))]
        frames.append(CTOC(element_id="toc", flags=top, child_element_ids=subs, sub_frames=[]))
        frames += [CTOC(element_id=sub, flags=CTOCFlags.ORDERED, child_element_ids=group, sub_frames=[])
                   for sub, group in zip(subs, groups, strict=True)]
    frames += [CHAP(element_id=cid, start_time=m.start_ms, end_time=m.end_ms, start_offset=0xFFFFFFFF,
                    end_offset=0xFFFFFFFF, sub_frames=[TIT2(encoding=3, text=m.title)])
               for cid, m in zip(ids, marks, strict=True)]
    if tags.cover:
        frames.append(_cover_frame(tags.cover))
    body = b"".join(_frame_bytes(frame) for frame in frames)
    size = bytes((len(body) >> shift) & 0x7F for shift in (21, 14, 7, 0))  # "syncsafe" (ID3v2.4 section 6.2)
    return b"ID3\x04\x00\x00" + size + body


def join_m4b(parts: Sequence[Path], track: AacTrack, out: Path, tags: BookTags, marks: list[ChapterMark]) -> None:
    """The whole book as an M4B at `out` from its AAC parts (raw access units, `track` their sizes, the
    first part's encoder priming skipped by the edit list), copied as they are (narrate.package.mp4),
    then the iTunes tags that `tag_m4b` writes in the room left for them."""
    track = dataclasses.replace(track, language=iso639_2(tags.language))
    cover = tags.cover.stat().st_size if tags.cover else 0
    text = sum(len(v.encode("utf-8")) for v in (tags.title, tags.author or "", *(v for _, v in _extra_tags(tags))))
    write_m4b_parts(parts, out, track, marks, tag_room=8192 + 2 * text + cover)
    tag_m4b(out, tags)


def iso639_2(tag: str) -> str:
    """The ISO 639-2/T code of a BCP-47 tag's language ("en-US" -> "eng", "de" -> "deu"), as MP4 media
    headers carry it; "und" for a tag langcodes cannot map."""
    import langcodes

    try:
        return langcodes.Language.get(tag).to_alpha3()
    except (LookupError, ValueError):
        return "und"


def _frame_bytes(frame: Any) -> bytes:
    """One ID3v2.4 frame as stored (mutagen's public API saves whole tags: a tag of this frame alone,
    without its 10-byte header)."""
    from mutagen.id3 import ID3

    tag, buf = ID3(), io.BytesIO()
    tag.add(frame)
    tag.save(buf, v2_version=4, padding=lambda info: 0)
    return buf.getvalue()[10:]


def _save_id3(id3: Any, out: Path) -> None:
    id3.save(out, v2_version=4, padding=lambda info: 0)  # no padding: the same tags, the same bytes


def _freeform(value: str) -> Any:
    from mutagen.mp4 import MP4FreeForm

    return [MP4FreeForm(value.encode("utf-8"))]


def tag_m4b(path: Path, tags: BookTags) -> None:
    """Write the iTunes atoms listeners' apps read (mutagen keeps the chapters and fixes the chunk offsets)."""
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(path)
    if mp4.tags is None:
        mp4.add_tags()
    t = mp4.tags
    assert t is not None
    m = tags.meta
    t["\xa9nam"], t["\xa9alb"] = [tags.title], [tags.title]
    if tags.author:
        t["\xa9ART"], t["aART"] = [tags.author], [tags.author]
    t["\xa9gen"] = [m.genre]
    t["stik"] = [tags.media_kind]  # media kind: Audiobook (2) or Podcast (21)
    if tags.media_kind == MEDIA_KIND_PODCAST:
        t["pcst"] = True  # iTunes' podcast flag, set with media kind Podcast on episodes
    if m.narrator:
        t["\xa9wrt"] = [m.narrator]
        t["----:com.apple.iTunes:NARRATOR"] = _freeform(m.narrator)
    if m.year is not None:
        t["\xa9day"] = [str(m.year)]
    if m.description:
        t["desc"], t["ldes"] = [m.description[:255]], [m.description]
    if m.copyright:
        t["cprt"] = [m.copyright]
    for name, value in (("PUBLISHER", m.publisher), ("SERIES", m.series), ("LANGUAGE", tags.language),
                        ("SERIES-PART", None if m.series_position is None else _position(m.series_position))):
        if value:
            t[f"----:com.apple.iTunes:{name}"] = _freeform(value)
    if tags.cover:
        data = _cover_bytes(tags.cover)
        kind = MP4Cover.FORMAT_PNG if image_kind(data) == "png" else MP4Cover.FORMAT_JPEG  # by its bytes
        t["covr"] = [MP4Cover(data, imageformat=kind)]
    # Room that is left (narrate.package.mp4 leaves it) is kept, so the tags are written in place; mutagen
    # would otherwise trim large padding, moving (rewriting) the whole audio after it.
    mp4.save(padding=lambda info: info.padding if info.padding >= 0 else info.get_default_padding())


def m3u(entries: list[tuple[str, float, str]]) -> str:
    """#EXTM3U playlist of (file, seconds, title)."""
    lines = ["#EXTM3U"]
    for file, seconds, title in entries:
        lines += [f"#EXTINF:{round(seconds)},{' '.join(title.split())}", file]  # one line per entry
    return "\n".join(lines) + "\n"
