"""The `books:` section: a book's chapters, how its Markdown is read, its audio profile, metadata,
credits, sample, pauses, transcripts and podcast feed (one pydantic model each)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictStr

from .fields import FALSE, LIST, MAPPING, ONE_OR_MANY, TEXT, Choice, Either, Omittable, Range, SpokenWords, TagText
from .sections import Section, Settings

BOOK_FORMATS = ("mp3", "m4b", "chapters")


FileList = Annotated[Annotated[StrictStr, TEXT] | Annotated[list[StrictStr], LIST],
                     Either("a glob or a list of files", TEXT, LIST)]
DIALECTS = ("auto", "commonmark", "gfm", "mkdocs", "docusaurus", "hugo", "jekyll", "myst", "obsidian")


class MarkdownSettings(Section):
    """How a book's Markdown is read (narrate.text.markdown.MarkdownOptions); unset keys keep the defaults."""

    dialect: Omittable[Annotated[str, Choice(*DIALECTS)]] = Field(
        None, description="whose syntax is parsed: " + " | ".join(DIALECTS) + " (default auto: all of them)")
    alerts: Omittable[Annotated[str, Choice("label", "drop")]] = Field(
        None, description="callouts: label (say \"Note:\") or drop the label")
    emoji: Omittable[Annotated[str, Choice("drop", "name")]] = Field(
        None, description="emoji: drop, or say their names")
    tables: Omittable[Annotated[str, Choice("notice", "rows")]] = Field(
        None, description="tables: notice (say one is skipped) or rows (\"header: value\" pairs)")
    code: Omittable[Annotated[str, Choice("skip", "notice")]] = Field(
        None, description="code blocks: skip, or notice (say that one is skipped)")
    footnotes: Omittable[Annotated[str, Choice("end", "skip")]] = Field(
        None, description="footnotes: read at the end of the chapter, or skip")
    images: Omittable[Annotated[str, Choice("alt", "skip")]] = Field(
        None, description="images: read their alt text, or skip")


TRANSCRIPT_FORMATS = ("vtt", "srt", "chapters")
EPISODE_KINDS = ("chapters", "book")


class Transcripts(Section):
    """Captions and chapter lists timed from the assembled audio (narrate.package.transcripts)."""

    formats: Omittable[Annotated[list[Annotated[str, Choice(*TRANSCRIPT_FORMATS, what="transcript format")]],
                                 ONE_OR_MANY]] = Field(
        None, description="vtt (WebVTT) | srt | chapters (Podcasting 2.0 JSON chapters); default all three")
    cues: Omittable[Annotated[str, Choice("sentence", "word")]] = Field(
        None, description="one cue per sentence (default), or per word where the provider returned word timings")


class Feed(Section):
    """A podcast feed (RSS 2.0 with the iTunes and Podcasting 2.0 tags) of the book (narrate.package.feed)."""

    base_url: StrictStr = Field(description="public URL of the book's output folder: enclosure, transcript and "
                                            "artwork URLs are made from it")
    file: Omittable[StrictStr] = Field(None, description="feed file name in the book's output folder (default feed.xml)")
    title: Omittable[TagText] = Field(None, description="podcast title (default: the book's title)")
    description: TagText = Field(description="podcast description (required by RSS 2.0 and Apple Podcasts)")
    author: Omittable[TagText] = Field(None, description="itunes:author (default: the book's author)")
    link: Omittable[StrictStr] = Field(None, description="the podcast's web site (default: base_url)")
    image: Omittable[StrictStr] = Field(
        None, description="artwork: an https URL, or a PNG/JPEG file relative to the manifest, square, 1400 to 3000 "
                          "px, published beside the feed (default: the book's cover)")
    language: Omittable[StrictStr] = Field(None, description="language tag (default: the book's language)")
    category: Omittable[Annotated[list[StrictStr], ONE_OR_MANY]] = Field(
        None, description="Apple Podcasts category, then an optional subcategory: [Technology] or "
                          "[Arts, Books] (default [Arts, Books])")
    explicit: Omittable[StrictBool] = Field(None, description="itunes:explicit (default false)")
    episodes: Omittable[Annotated[str, Choice(*EPISODE_KINDS)]] = Field(
        None, description="chapters: one episode per chapter or article (default) | book: the whole book as one")
    date: Omittable[StrictStr] = Field(
        None, description="publication date (ISO 8601) of episodes whose front matter has no `date:`")
    owner_email: Omittable[StrictStr] = Field(None, description="itunes:owner email")
    copyright: Omittable[TagText] = Field(None, description="channel copyright line")


BOOK_PROFILES = ("audiobook", "podcast", "custom")  # narrate.audio.profiles
SAMPLE_RATES = (22050, 24000, 32000, 44100, 48000)


class AudioNumbers(Section):
    """The numbers of the `custom` profile (each optional: unset keys keep the custom defaults)."""

    bitrate: Omittable[Annotated[int, Range(32, 320)]] = Field(
        None, description="MP3 (constant) and AAC bit rate, kbps: an MPEG bit rate such as 64, 96, 128, 192 (default 128)")
    sample_rate: Omittable[Annotated[int, Range(8000, 48000)]] = Field(
        None, description="sample rate of every file, Hz: " + ", ".join(map(str, SAMPLE_RATES)) + " (default 44100)")
    loudness: Omittable[Annotated[float, Range(-40, -5)]] = Field(
        None, description="integrated loudness, LUFS (ITU-R BS.1770), accepted within 1 LU (default -18)")
    peak: Omittable[Annotated[float, Range(-12, 0)]] = Field(None, description="true peak ceiling, dBTP (default -1)")
    head_s: Omittable[Annotated[float, Range(0, 10)]] = Field(
        None, description="silence before the speech of every file, seconds (default 0.5)")
    tail_s: Omittable[Annotated[float, Range(0, 30)]] = Field(
        None, description="silence after the speech of every file, seconds (default 1)")


class Credits(Section):
    """Opening and closing credits, spoken and written as their own files (ACX asks for both)."""

    opening: Omittable[SpokenWords] = Field(None, description="opening credits: the words to speak (Markdown), not a file name")
    closing: Omittable[SpokenWords] = Field(None, description="closing credits: the words to speak (Markdown), not a file name")


class Sample(Section):
    """A retail sample: whole sentences of one chapter, from `start_s`, at most `length_s` long."""

    chapter: Omittable[Annotated[int, Range(1, 100_000)]] = Field(
        None, description="the chapter it is cut from, counting from 1 (default 1)")
    start_s: Omittable[Annotated[float, Range(0, 360_000)]] = Field(
        None, description="where in the chapter's speech it starts, seconds (default 0)")
    length_s: Omittable[Annotated[float, Range(1, 3600)]] = Field(
        None, description="its longest length, seconds (default 180; the audiobook profile needs 60 to 300)")


class Pauses(Section):
    """Pause lengths, ms (narrate.text.chapter has the defaults)."""

    heading_ms: Omittable[Annotated[int, Range(0, 60_000)]] = Field(None, description="after a heading (default 800)")
    paragraph_ms: Omittable[Annotated[int, Range(0, 60_000)]] = Field(
        None, description="after a paragraph (default 500)")
    sentence_ms: Omittable[Annotated[int, Range(0, 60_000)]] = Field(
        None, description="between sentences of a paragraph (default 150)")
    chapter_ms: Omittable[Annotated[int, Range(0, 60_000)]] = Field(
        None, description="after a chapter, before the next, in the whole-book files (default 2000)")


class Series(Section):
    """The series a book belongs to."""

    name: TagText = Field(description="series name")
    position: Omittable[Annotated[float, Range(0, 100_000)]] = Field(None, description="the book's number in the series")


class ChapterSettings(Section):
    """Settings of one chapter, by its file name (or its path relative to the manifest)."""

    voice: Omittable[StrictStr] = Field(None, description="voice of this chapter")
    pauses: Omittable[Pauses] = Field(None, description="pause lengths in this chapter: {heading_ms, paragraph_ms, "
                                                        "sentence_ms, chapter_ms}")


class Book(Settings):
    """A narrated book: Markdown chapters -> MP3/M4B with chapter marks."""

    title: Omittable[TagText] = Field(None, description="book title (default: the book's name)")
    author: Omittable[TagText] = Field(None, description="author named in tags and feeds")
    sources: FileList = Field(description="Markdown chapter files: a glob or a list of globs, relative to the manifest")
    order: Omittable[FileList] = Field(None, description="chapter order: 'name' (sorted by file name), a SUMMARY.md-style "
                                                         "file whose links give the order, or an explicit list of file names")
    cover: Omittable[StrictStr] = Field(None, description="cover image (PNG or JPEG), relative to the manifest")
    language: Omittable[StrictStr] = Field(None, description="language tag of the book's text (default en-US)")
    output: StrictStr = Field(description="output directory of the book, relative to the manifest")
    formats: Omittable[Annotated[list[Annotated[str, Choice(*BOOK_FORMATS, what="book format")]], ONE_OR_MANY]] = Field(
        None, description="book outputs: mp3 | m4b | chapters (default all three)")
    code: Omittable[Annotated[str, Choice("skip", "notice")]] = Field(
        None, description="code blocks: skip, or notice (say that one is skipped)")
    tables: Omittable[Annotated[str, Choice("skip", "notice")]] = Field(
        None, description="tables: skip, or notice (say that one is skipped)")
    footnotes: Omittable[Annotated[str, Choice("end", "skip")]] = Field(
        None, description="footnotes: read at the end of the chapter, or skip")
    markdown: Omittable[MarkdownSettings] = Field(
        None, description="how the chapters' Markdown is read: {dialect, alerts, emoji, tables, code, footnotes, images}")
    transcripts: Omittable[Annotated[Annotated[Literal[False], FALSE] | Annotated[Transcripts, MAPPING],
                                     Either("a mapping or false", FALSE, MAPPING)]] = Field(
        None, description="WebVTT/SRT captions and JSON chapters: {formats, cues}, or false (default: on with a feed)")
    feed: Omittable[Feed] = Field(
        None, description="podcast feed: {base_url, description, title, author, link, image, language, category, "
                          "explicit, episodes, date, owner_email, copyright, file}")
    profile: Omittable[Annotated[str, Choice(*BOOK_PROFILES, what="profile")]] = Field(
        None, description="what the files are made for: audiobook (ACX/Audible, the default) | podcast | custom")
    audio: Omittable[AudioNumbers] = Field(
        None, description="the custom profile's numbers: {bitrate, sample_rate, loudness, peak, head_s, tail_s}")
    credits: Omittable[Credits] = Field(None, description="opening and closing credits as their own files: {opening, closing}")
    sample: Omittable[Sample] = Field(None, description="a retail sample file: {chapter, start_s, length_s}")
    narrator: Omittable[TagText] = Field(None, description="narrator named in tags")
    year: Omittable[Annotated[int, Range(1000, 9999)]] = Field(None, description="year of publication")
    description: Omittable[TagText] = Field(None, description="description (ID3 comment, MP4 description)")
    publisher: Omittable[TagText] = Field(None, description="publisher")
    genre: Omittable[TagText] = Field(None, description="genre (default Audiobook)")
    copyright: Omittable[TagText] = Field(None, description="copyright notice")
    series: Omittable[Series] = Field(None, description="series: {name, position}")
    pauses: Omittable[Pauses] = Field(None, description="pause lengths: {heading_ms, paragraph_ms, sentence_ms, chapter_ms}")
    chapters: Omittable[dict[str, ChapterSettings]] = Field(
        None, description="per chapter, by file name: {voice, pauses}")
