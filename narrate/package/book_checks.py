"""A book's problems that need more than its manifest: what planning finds (feed dates, guids, names
written twice) and a retail sample that the chapter's recorded length rules out.

A chapter's speech length is known once its sentences are synthesized and laid out; the last build
records it in the lock (`parts`: each chapter's digest and length on the book's grid). Where that
record still holds for the sample's chapter (the same sentences at the same rate and head), a
`sample.start_s` past its end is refused before anything is synthesized or encoded; otherwise the
assembly finds it (narrate.package.assemble) and reports the same located problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..audio.profiles import Profile
from ..cache.lock import LockFile
from ..errors import ManifestError, NarrateError, Problem
from ..manifest import Book, Manifest
from ..manifest.resolved import SampleSpec
from ..plan.books import BookJob, check_chapters, plan_books
from .grid import Layout

LAYOUT_VERSION = 3  # lock entries' "layout": 2 is the frame grid of narrate.package.grid; 3 adds the trim


def book_head(profile: Profile) -> int:
    """The head room tone of every file of a book, in samples on its grid."""
    return Layout(profile.sample_rate).head(round(profile.head_s * profile.sample_rate))


def book_layout(book: Book) -> list[Any]:
    """The lock's `layout`: everything beyond a chapter's units (their keys and pauses, ChapterPlan.digest)
    that sets its recorded speech length and unit spans: the grid's rate, the head room tone (spans start
    after it) and the silence trim of each sentence (its threshold only while trimming). Nothing else:
    levels, the tail, tags and encoder settings change bytes, not timing, and must not cost a re-stream."""
    silence = book.settings.silence
    return [LAYOUT_VERSION, book.profile.sample_rate, book_head(book.profile),
            silence.threshold_dbov if silence.trim else None]


def recorded_lengths(previous: Mapping[str, Any], layout: list[Any], digests: Sequence[str]) -> list[int | None]:
    """Each chapter's speech length (samples) as the last build's lock entry records it, where that
    chapter had the same sentences (`digests`, ChapterPlan.digest) in the same `layout` (book_layout);
    else None."""
    parts = previous.get("parts")
    if previous.get("layout") != layout or not isinstance(parts, list) \
            or len(parts) != len(digests):
        return [None] * len(digests)
    return [part[1] if isinstance(part, list) and len(part) == 2 and part[0] == digest and type(part[1]) is int
            and part[1] >= 0 else None for part, digest in zip(parts, digests, strict=True)]


def sample_refusal(spec: SampleSpec, speech_s: float, *, past_end: bool) -> tuple[str, int | None, str]:
    """(key, manifest line, message) for a sample that holds no whole sentence of its chapter, whose
    speech is `speech_s` long: `start_s` at or past its end, else (`past_end` False) a first sentence
    from `start_s` longer than `length_s` allows."""
    if past_end:
        return ("start_s", spec.lines[0], f"{spec.start_s:g} s is past the end of chapter {spec.chapter}, whose "
                                          f"speech is {speech_s:.1f} s long: start the sample within it")
    return ("length_s", spec.lines[1], f"no whole sentence of chapter {spec.chapter} fits from start_s {spec.start_s:g} s "
                                       f"within {spec.length_s:g} s (with the head and tail room tone): start it "
                                       "elsewhere or make it longer")


def short_sample(job: BookJob, entry: Mapping[str, Any]) -> tuple[str, int | None, str] | None:
    """(key, manifest line, message) when the retail sample in the lock `entry` (made or kept) is
    shorter than its profile allows: it holds whole sentences up to `length_s`, so a `length_s` near
    the least, or a short chapter, makes one that `narrate check` refuses."""
    spec, profile = job.book.sample, job.book.profile
    rec = entry.get("outputs", {}).get("sample")
    if spec is None or profile.name != "audiobook" or not isinstance(rec, dict):
        return None
    low, high = profile.sample_range_s
    seconds = rec.get("duration")
    if not isinstance(seconds, (int, float)) or seconds >= low:
        return None
    return ("length_s", spec.lines[1], f"{rec['file']} is {seconds:.1f} s (whole sentences from start_s {spec.start_s:g} s "
                                       f"within length_s {spec.length_s:g} s, with room tone); ACX retail samples are "
                                       f"{low:g} to {high:g} s: raise length_s or start it where more speech follows")


def sample_problems(jobs: Sequence[BookJob], lock_books: Mapping[str, Any], named: str) -> list[Problem]:
    """The samples that start past the end of their chapter, as the lock records the chapter's length."""
    problems = []
    for job in jobs:
        spec, index, previous = job.book.sample, job.sample_chapter, lock_books.get(job.book.name)
        if spec is None or index is None or not isinstance(previous, dict):
            continue
        rate = job.book.profile.sample_rate
        raw = recorded_lengths(previous, book_layout(job.book), [ch.digest() for ch in job.chapters])[index]
        if raw is not None and round(spec.start_s * rate) >= raw:
            key, line, message = sample_refusal(spec, raw / rate, past_end=True)
            problems.append(Problem(named, line, f"books.{job.book.name}.sample.{key}", message))
    return problems


def check_books(manifest: Manifest, providers: Mapping[str, Any], lexicon: Any) -> list[Problem]:
    """What `narrate validate` reports for the books beyond the manifest: each chapter's problems,
    then what planning refuses (as `narrate build` would, before synthesizing), then samples past
    their chapter's end as the lock beside the manifest records it."""
    problems = check_chapters(manifest)
    if problems or not manifest.books:
        return problems
    try:
        jobs = plan_books(manifest, providers, lexicon)
    except ManifestError as exc:
        return exc.problems
    try:
        books = LockFile.for_manifest(manifest.path).books
    except NarrateError:  # an unreadable lock is the build's to report; validate checks the inputs
        return []
    return sample_problems(jobs, books, manifest.named)
