"""A book's settings beyond the common ones: how its Markdown is read (`markdown:` and the older
keys), and its audio: profile (narrate.audio.profiles), pauses, per-chapter voices and pauses,
retail sample, credits and the metadata listeners' apps show. Pure: problems go to the checker
under `books.<name>`."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..audio import profiles
from . import model as m
from .loader import Key
from .problems import Adds
from .resolved import BookMeta, ChapterSettings, Pauses, SampleSpec


def resolve_book_audio(c: Adds, spec: m.Book, key: Key) -> dict[str, Any]:
    """The Book fields this module owns: profile, meta, pauses, chapter_specs, sample and credits."""
    if isinstance(spec.level, m.Level) and (spec.level.target_dbov is not None or spec.level.peak_dbfs is not None):
        c.add((*key, "level"), "a book's levels come from its `profile:`; set them with `profile: custom` and "
                               "`audio: {loudness, peak}` (`level: false` leaves sentences as synthesized)")
    profile = _profile(c, spec, key)
    pauses = _pauses(Pauses(), spec.pauses)
    chapters = {}
    for file, chapter in (spec.chapters or {}).items():
        voice = chapter.voice.strip() if chapter.voice is not None else None
        if voice == "":
            c.add((*key, "chapters", file, "voice"), "empty voice")
        chapters[file] = ChapterSettings(voice or None, _pauses(pauses, chapter.pauses))
    sample = None
    if spec.sample is not None:
        sample = SampleSpec(spec.sample.chapter or 1, float(spec.sample.start_s or 0.0), float(spec.sample.length_s or 180.0),
                            lines=(c.lines.line((*key, "sample", "start_s")), c.lines.line((*key, "sample", "length_s"))))
        low, high = profile.sample_range_s
        if profile.name == "audiobook" and not low <= sample.length_s <= high:
            c.add((*key, "sample", "length_s"), f"ACX retail samples are {low:g} to {high:g} seconds long")
    credits = spec.credits
    for which in ("opening", "closing"):
        words = getattr(credits, which) if credits else None
        if words is not None and _FILE_NAME.fullmatch(words.strip()):
            c.add((*key, "credits", which), f"{words.strip()!r} looks like a file name; credits are the words to "
                                            "speak, written here (it would be read aloud as a path)")
    return {"profile": profile, "meta": _meta(spec), "pauses": pauses, "chapter_specs": chapters, "sample": sample,
            "opening_credits": credits.opening if credits else None,
            "closing_credits": credits.closing if credits else None}


# One word ending in a text file's extension: a path where the credits' words belong.
_FILE_NAME = re.compile(r"\S+\.(?:md|markdown|mdx|txt|text|html?)", re.IGNORECASE)
# MPEG audio bit rates LAME can write at constant bit rate: MPEG-1 (32-48 kHz), MPEG-2 (16-24 kHz).
_MPEG1_KBPS = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_MPEG2_KBPS = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)


def _profile(c: Adds, spec: m.Book, key: Key) -> profiles.Profile:
    """The book's profile; `audio:` numbers only with `profile: custom` (the others' are the platforms')."""
    name = spec.profile or "audiobook"
    audio = spec.audio
    if name != "custom":
        if audio is not None:
            c.add((*key, "audio"), f"the {name} profile's numbers are its platform's requirements; "
                                   "use `profile: custom` to set them")
        return profiles.PROFILES[name]
    if audio is None:
        return profiles.CUSTOM
    rate = audio.sample_rate
    if rate is not None and rate not in m.SAMPLE_RATES:
        c.add((*key, "audio", "sample_rate"), "not one of " + ", ".join(map(str, m.SAMPLE_RATES)))
    allowed = _MPEG2_KBPS if (rate or 44100) < 32000 else _MPEG1_KBPS
    if audio.bitrate is not None and audio.bitrate not in allowed and (rate is None or rate in m.SAMPLE_RATES):
        c.add((*key, "audio", "bitrate"), f"{audio.bitrate} kbps is not an MPEG bit rate at {rate or 44100} Hz; "
                                          "one of " + ", ".join(map(str, allowed)))
    profile = profiles.custom(bitrate=audio.bitrate, sample_rate=rate,
                              loudness=None if audio.loudness is None else float(audio.loudness),
                              peak=None if audio.peak is None else float(audio.peak),
                              head_s=None if audio.head_s is None else float(audio.head_s),
                              tail_s=None if audio.tail_s is None else float(audio.tail_s))
    asked = audio.bitrate if audio.bitrate in allowed and (rate is None or rate in m.SAMPLE_RATES) else None  # else refused
    m4b = "m4b" in (spec.formats or m.BOOK_FORMATS)
    if m4b and asked is not None and asked > (most := profiles.aac_max_kbps(profile.sample_rate)):
        c.add((*key, "audio", "bitrate"), f"{asked} kbps is more than the M4B's AAC can carry at "
                                          f"{profile.sample_rate} Hz mono (at most {most:g} kbps: 6144 bits per 1024-sample "
                                          "frame); lower it, raise sample_rate, or leave m4b out of formats")
    if profile.loudness > profile.peak - profiles.MIN_HEADROOM_DB:
        c.add((*key, "audio", "loudness" if audio.loudness is not None else "peak"),
              f"{profile.loudness:g} LUFS is less than {profiles.MIN_HEADROOM_DB:g} dB under the peak "
              f"({profile.peak:g} dBTP): speech held under the peak limiter stops about 9.5 dB below its ceiling, so "
              "the files could not reach that loudness; lower `loudness` or raise `peak`")
    return profile


def _pauses(base: Pauses, spec: m.Pauses | None) -> Pauses:
    if spec is None:
        return base
    return replace(base, **spec.model_dump(exclude_none=True))


def _meta(spec: m.Book) -> BookMeta:
    series = spec.series
    return BookMeta(narrator=spec.narrator, year=spec.year, description=spec.description, publisher=spec.publisher,
                    genre=spec.genre or "Audiobook", copyright=spec.copyright, series=series.name if series else None,
                    series_position=None if series is None or series.position is None else float(series.position))


def markdown_settings(c: Adds, spec: m.Book, key: Key) -> dict[str, str]:
    """MarkdownOptions values: the older book keys (code, tables, footnotes), then `markdown:`.
    A key given both ways with different meanings is an error rather than a silent choice."""
    given = {k: v for k in ("code", "tables", "footnotes") if (v := getattr(spec, k)) is not None}
    if given.get("tables") == "skip":
        given["tables"] = "notice"  # a table is never dropped without a word (MarkdownOptions.from_settings)
    for k, v in (spec.markdown.model_dump(exclude_none=True) if spec.markdown else {}).items():
        if k in given and given[k] != v:
            c.add((*key, "markdown", k), f"{k} is also given as books.{key[-1]}.{k} ({getattr(spec, k)}); keep one")
        given[k] = v
    return given
