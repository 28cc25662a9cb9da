"""A book's text outputs, written into assembly's work folder once its audio is encoded:
captions and JSON chapters (`transcripts`), the feed (`feed`), and the feed's artwork (a copy).

`narrate.package.assemble` calls `write_extras` with what it measured: each chapter's unit spans
(samples), its length, and the byte size of every audio output (fresh or kept). Only outputs
whose recipe changed (not in `kept`) are written; publishing them is assembly's job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..audio.decode import decode
from ..audio.level import trim_bounds
from ..cache import SegmentCache
from ..manifest.inputs import MAX_COVER_BYTES, read_input
from ..plan.books import BookJob
from .feed import render_feed
from .transcripts import is_transcript, render


def wants_spans(job: BookJob) -> bool:
    """Whether assembly must know where each unit starts (transcripts or a feed to write)."""
    return any(is_transcript(oid) or oid == "feed" for oid in job.outputs)


def word_timings(job: BookJob, cache: SegmentCache) -> Callable[[int, int], list[tuple[str, float, float]] | None]:
    """`words(chapter, unit)` for `cues: word`: the cached word timings of that unit, in seconds from
    the start of the unit as assembled (shifted by what silence trimming cut from its head), or None
    where the provider gave none or where the spoken text is not the written text (a caption shows
    what the author wrote: such a unit keeps its sentence cue)."""
    silence = job.book.settings.silence

    def words(c: int, i: int) -> list[tuple[str, float, float]] | None:
        chapter = job.chapters[c]
        key = chapter.units[i][0]
        written = chapter.written[i].text if i < len(chapter.written) else None
        entry = cache.get(key)
        if entry is None:
            return None
        raw = entry.meta.get("words")
        if not raw or not isinstance(raw, list) or written != job.segments[key].request.text:
            return None
        head = 0.0
        if silence.trim:
            pcm = decode(entry.audio, entry.format)
            head = trim_bounds(pcm, threshold_dbov=silence.threshold_dbov, keep_ms=20)[0] / pcm.rate
        try:
            timed = [(str(w), float(a), float(b)) for w, a, b in raw]
        except (TypeError, ValueError):
            return None
        # Checked before the shift, which moves a word that starts in the trimmed head to 0: a negative or
        # impossible timing from the provider must not pass as such a word (transcripts._word_cues checks the rest).
        if not all(math.isfinite(a) and math.isfinite(b) and 0 <= a <= b for _, a, b in timed):
            return None
        return [(w, max(0.0, a - head), max(0.0, b - head)) for w, a, b in timed]

    return words


def write_extras(job: BookJob, work: Path, kept: Mapping[str, Mapping[str, Any]], produced: Mapping[str, Path],
                 spans: list[list[int]], samples: list[int], rate: int, cache: SegmentCache,
                 chapter_samples: list[int] | None = None, head: int | None = None) -> dict[str, Path]:
    """Output id -> temp file in `work` for each stale text output of `job`. `samples`: each
    chapter's length in the whole-book stream; `chapter_samples`: the length of each chapter file
    (with its own head and tail room tone; default: the same); `head`: the head room tone in samples
    (default: the profile's)."""
    stale = [oid for oid in job.outputs if oid not in kept and (is_transcript(oid) or oid in ("feed", "artwork"))]
    out: dict[str, Path] = {}
    if not stale:
        return out
    t = job.book.transcripts
    words = word_timings(job, cache) if t is not None and t.cues == "word" else None
    texts = render(job, spans, samples, rate, words, head=head) if any(is_transcript(o) for o in stale) else {}
    for oid in stale:
        path = work / f"out-{oid}"
        if is_transcript(oid):
            path.write_text(texts[oid], encoding="utf-8")
        elif oid == "artwork":
            feed = job.book.feed
            assert feed is not None and feed.image_file is not None
            path.write_bytes(read_input(feed.image_file, limit=MAX_COVER_BYTES, key_path="feed.image", pinned=True))
        else:
            sizes = {oid: (produced[oid].stat().st_size if oid in produced else int(kept[oid]["bytes"]))
                     for oid in job.outputs if oid.startswith("chapter-") or oid in ("mp3", "m4b")}
            seconds = {f"chapter-{i:03d}": n / rate for i, n in enumerate(chapter_samples or samples, 1)}
            seconds["mp3"] = seconds["m4b"] = sum(samples) / rate
            path.write_bytes(render_feed(job, sizes, seconds))
        out[oid] = path
    return out
