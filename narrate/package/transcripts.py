"""Captions and chapter lists timed from the assembled audio: WebVTT, SRT, Podcasting 2.0 JSON chapters.

Timings are not estimated: assembly (`narrate.package.assemble`) records where each unit (a
sentence-sized segment) starts and ends in its chapter, in samples, as it streams them, after the
head silence and with every pause narrate inserts. A cue runs from its unit's start to the end of
its last unit; cue text is the written text (`narrate.text.written`), never the spoken respelling.
A sentence longer than MAX_CUE_CHARS is shown as several cues within its span (`readable`).

Formats: WebVTT (W3C, "WebVTT: The Web Video Text Tracks Format": `WEBVTT` header, cues
`HH:MM:SS.mmm --> HH:MM:SS.mmm`, `&`, `<`, `>` escaped), SRT (numbered cues, `HH:MM:SS,mmm`; see
`srt_text` for its `<`), and
JSON chapters (Podcasting 2.0 namespace, chapters/jsonChapters.md: `{"version": "1.2.0",
"chapters": [{"startTime": seconds, "title": ...}]}`).

Word cues (`cues: word`): where a cache entry holds the provider's word timings (`words`:
[[word, start_s, end_s], ...] relative to its audio), each word becomes a cue, shifted by what
silence trimming cut from the segment's head; units without them, or whose timings cannot be true
(`_word_cues`), keep one sentence cue.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..plan.books import BookJob, ChapterPlan


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


def _ms(samples: int, rate: int) -> int:
    return round(samples * 1000 / rate)


def chapter_cues(chapter: ChapterPlan, spans: Sequence[int], rate: int, offset: int = 0,
                 words: Callable[[int], list[tuple[str, float, float]] | None] | None = None) -> list[Cue]:
    """One cue per written sentence of `chapter`. `spans` is [start0, end0, start1, end1, ...] in
    samples from the chapter's start (one pair per unit); `offset` (samples) is added to all.
    `words(i)`: unit i's word timings in seconds from the unit's start, or None (sentence cue)."""
    cues: list[Cue] = []
    for i, written in enumerate(chapter.written):
        start, end = spans[2 * i] + offset, spans[2 * i + 1] + offset
        timed = words(i) if words else None
        word_cues = _word_cues(timed, _ms(start, rate), _ms(end, rate)) if timed else None
        if word_cues:
            cues += word_cues
        elif written.text is None and cues:
            cues[-1] = Cue(cues[-1].start_ms, _ms(end, rate), cues[-1].text)  # the sentence goes on
        elif written.text:
            cues.append(Cue(_ms(start, rate), _ms(end, rate), written.text))
    return [part for cue in cues for part in readable(cue)]


# Two lines of 42 characters: the common subtitle guideline (Netflix Timed Text Style Guide, English:
# "Characters per line: 42", at most two lines). Players wrap a cue's one line themselves.
MAX_CUE_CHARS = 84
_CLAUSE_END = (",", ";", ":", "\u2014", ")")


def readable(cue: Cue, limit: int = MAX_CUE_CHARS) -> list[Cue]:
    """`cue` as the fewest cues of at most `limit` characters, of about equal length, cut between words
    (after a clause's comma, semicolon or dash where one is near), each timed by its share of the
    characters within the cue's span: the first starts where the sentence does, the last ends where it does."""
    text = _one_line(cue.text)
    if len(text) <= limit:
        return [cue]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        left = -(-len(rest) // limit)  # cues still needed
        want = -(-len(rest) // left)
        spaces = [i for i, c in enumerate(rest[:limit + 1]) if c == " "]
        if not spaces:  # one word longer than a cue (a URL as written): cut inside it
            parts.append(rest[:limit])
            rest = rest[limit:].lstrip()
            continue
        clauses = [i for i in spaces if rest[i - 1] in _CLAUSE_END and abs(i - want) <= limit // 4]
        cut = min(clauses or spaces, key=lambda i: abs(i - want))
        parts.append(rest[:cut])
        rest = rest[cut + 1:].lstrip()
    parts.append(rest)
    span, total = cue.end_ms - cue.start_ms, sum(len(p) for p in parts)
    out, done = [], 0
    for part in parts:
        start = cue.start_ms + span * done // total
        done += len(part)
        out.append(Cue(start, cue.start_ms + span * done // total, part))
    return out


def _word_cues(timed: Sequence[tuple[str, float, float]], base: int, last: int) -> list[Cue] | None:
    """A unit's word cues (`timed` in seconds from its start at `base` ms; it ends at `last` ms), or
    None where the provider's timings cannot be true: not finite numbers, negative, a word ending
    before it starts, starting before the word before it or at or past the end of the unit's audio,
    or an empty word. Such a unit keeps its sentence cue rather than captions at impossible times
    (a NaN or an infinity raised, a cue past the audio showed over the next sentences)."""
    cues: list[Cue] = []
    for word, a, b in timed:
        text = _one_line(str(word))
        if not (isinstance(a, float | int) and isinstance(b, float | int) and math.isfinite(a) and math.isfinite(b)
                and 0 <= a <= b and text):
            return None
        start, end = base + round(a * 1000), min(last, base + round(b * 1000))
        if start >= last or (cues and start < cues[-1].start_ms):
            return None
        cues.append(Cue(start, end, text))
    return cues


def _clock(ms: int, sep: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def _one_line(text: str) -> str:
    return " ".join(text.split())  # a blank line would end the cue


def webvtt(cues: list[Cue]) -> str:
    out = ["WEBVTT", ""]
    for n, cue in enumerate(cues, 1):
        text = _one_line(cue.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out += [str(n), f"{_clock(cue.start_ms, '.')} --> {_clock(cue.end_ms, '.')}", text, ""]
    return "\n".join(out)


# Any run of hyphens before `>`: replacing `-->` once left `--->` as `-->`.
_ARROW = re.compile(r"-{2,}>")
# SRT has no escape: players read `<i>`, `<b>`, `<u>`, `<font ...>` (and drop other tag-like text,
# "MyValue<String>" showing "MyValue"), and `{n8}`-style overrides, while `&lt;` is shown as
# those four characters by many (MPC-HC, set-top players). A `<` that could open a tag (a letter,
# `/`, `!` or `?` after it) and a `{` before a backslash are written with a space after them.
_SRT_TAG = re.compile(r"<(?=[A-Za-z/!?])|\{(?=\\)")


def srt_text(text: str) -> str:
    """A cue's text as SRT shows it: one line, no timing arrow, nothing a player reads as a tag."""
    text = _ARROW.sub("->", _one_line(text))  # the timing line's arrow, never in a cue's text
    return _SRT_TAG.sub(lambda m: m.group(0) + " ", text) if "<" in text or "{" in text else text


def srt(cues: list[Cue]) -> str:
    out = []
    for n, cue in enumerate(cues, 1):
        text = srt_text(cue.text)
        out += [str(n), f"{_clock(cue.start_ms, ',')} --> {_clock(cue.end_ms, ',')}", text, ""]
    return "\n".join(out)


def json_chapters(marks: list[tuple[int, str]]) -> str:
    """Podcasting 2.0 JSON chapters from (start ms, title), startTime in seconds."""
    chapters = [{"startTime": round(ms / 1000, 3), "title": _one_line(title)} for ms, title in marks]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, indent=1, ensure_ascii=False) + "\n"


def section_marks(chapter: ChapterPlan, spans: Sequence[int], rate: int) -> list[tuple[int, str]]:
    """A chapter file's own chapters: its title at 0, then each later heading where it starts."""
    marks = [(0, chapter.title)]
    for i, written in enumerate(chapter.written):
        if i and written.heading and written.text:
            marks.append((_ms(spans[2 * i], rate), written.text))
    return marks


def render(job: BookJob, spans: list[list[int]], samples: list[int], rate: int,
           words: Callable[[int, int], list[tuple[str, float, float]] | None] | None = None,
           head: int | None = None) -> dict[str, str]:
    """Output id -> text of every transcript output in `job.outputs` (see narrate.plan.book_extras).
    `spans[c]` and `samples[c]` are chapter c's unit spans and length; `words(c, i)` as in chapter_cues;
    `head` the head room tone in samples as assembled (default: the profile's `head_s`)."""
    texts: dict[str, str] = {}
    offsets = [sum(samples[:c]) for c in range(len(samples))]  # chapter starts in the whole-book stream
    # Spans are in the chapter file, after its head room tone; in the whole book only the first
    # chapter has that head (narrate.package.assemble), so the others' spans move back by it.
    if head is None:
        head = int(round(job.book.profile.head_s * rate))
    shifts = [offsets[c] - (head if c else 0) for c in range(len(samples))]
    book_cues: list[Cue] = []
    for c, chapter in enumerate(job.chapters):
        unit_words = (lambda i, c=c: words(c, i)) if words else None
        cues = chapter_cues(chapter, spans[c], rate, words=unit_words)
        book_cues += [Cue(q.start_ms + _ms(shifts[c], rate), q.end_ms + _ms(shifts[c], rate), q.text) for q in cues]
        n = f"{c + 1:03d}"
        if f"vtt-{n}" in job.outputs:
            texts[f"vtt-{n}"] = webvtt(cues)
        if f"srt-{n}" in job.outputs:
            texts[f"srt-{n}"] = srt(cues)
        if f"json-{n}" in job.outputs:
            texts[f"json-{n}"] = json_chapters(section_marks(chapter, spans[c], rate))
    marks = [(_ms(offsets[c], rate), ch.title) for c, ch in enumerate(job.chapters)]
    for oid, make in (("vtt", lambda: webvtt(book_cues)), ("srt", lambda: srt(book_cues)),
                      ("json", lambda: json_chapters(marks))):
        if oid in job.outputs:
            texts[oid] = make()
    return texts


def is_transcript(oid: str) -> bool:
    return oid.split("-", 1)[0] in ("vtt", "srt", "json")


def duration_of(oid: str, seconds: dict[str, float]) -> float:
    """The lock's `duration` of a text output: that of the audio it describes (0 for the feed, artwork)."""
    if "-" in oid and is_transcript(oid):
        return seconds.get(f"chapter-{oid.split('-', 1)[1]}", 0.0)
    return seconds.get("mp3", seconds.get("m4b", 0.0)) if is_transcript(oid) else 0.0


def valid_spans(value: Any, job: BookJob, samples: Any) -> list[list[int] | None]:
    """The lock's recorded spans per chapter, each kept only if it could be true: one (start, end)
    pair per unit, integers, in order, within the chapter's recorded length (a hand-edited lock
    cannot put a cue anywhere else; a chapter without trustworthy spans is streamed again)."""
    n = len(job.chapters)
    if not isinstance(value, list) or len(value) != n or not isinstance(samples, list) or len(samples) != n:
        return [None] * n

    def fits(v: Any, units: int, length: Any) -> bool:
        return (isinstance(v, list) and len(v) == 2 * units and isinstance(length, int)
                and all(type(x) is int for x in v) and all(0 <= a <= b for a, b in zip([0, *v], [*v, length], strict=True)))

    return [v if fits(v, len(ch.units), length) else None
            for v, ch, length in zip(value, job.chapters, samples, strict=True)]
