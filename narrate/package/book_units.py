"""The parts of a book assembly that do not depend on its order of work: how many ffmpeg processes
run at once (set by memory), one sentence's audio as the book wants it, whether a kept output is
still the file the last build wrote, and one chapter's place in the book (narrate.package.assemble
runs the assembly)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from ..audio.decode import decode
from ..audio.level import normalize as level_normalize
from ..audio.level import trim_silence
from ..audio.pcm import Pcm
from ..audio.resample import resample
from ..cache import SegmentCache
from ..errors import NarrateError
from ..fsutil import sha256_file
from ..manifest import Book
from ..plan.books import ChapterPlan

# How many ffmpeg processes run at once is set by memory, not by the cores (issue 14 item 3: the whole
# process tree, narrate and its ffmpeg children, within MEMORY_BUDGET_MB). Resident sets measured on
# a 1-hour book (bench/book.py, /proc VmRSS): imageio-ffmpeg's static ffmpeg holds ~29 MB for
# `-version` alone (its code pages) and 36 MB encoding a chapter to MP3 and AAC, whatever `-threads`;
# narrate itself ~71 MB while an ffmpeg child runs and 75 MB at its peak, the joins (no ffmpeg runs
# then: mutagen and langcodes load for the tags). Of the 71 MB, ~27 are shared libraries' pages
# (libpython, numpy, pydantic-core, libcrypto, sentencex) and ~41 the heap: Python's objects (~35,
# ~19 of them the modules' code: the text front-end and pydantic plan, numpy streams). So the tree
# peaks near 107 MB with one ffmpeg, the least there can be: encodes run one at a time on one core
# while narrate streams the next chapter on the other (on two cores, the streaming is the shorter
# half); a larger budget allows more, up to one per core and one. Measured again (issue 12 item 5, load
# 12-30 on 2 cores): the 1-hour book's narrate 74-75 MB, tree 106-107 MB; the 10-hour book's narrate 95 MB
# (its plan, ~620 bytes a sentence, and the M4B join's tables), tree 118 MB. Planning takes narrate from
# 36 to 52 MB (1-hour book), most of it the text front-end's modules (num2words, markdown-it, sentencex),
# resident through the encodes. Since a build reads its chapters in a forked child (plan.apart), narrate
# holds 62 MB beside its ffmpeg encode (35 MB) on the 1-hour bench book: tree 98 MB, the child counted by
# its private pages; narrate's own peak 80 MB at the joins, with no ffmpeg (3 December, load 10-17).
MEMORY_BUDGET_MB = 100
NARRATE_MB, FFMPEG_MB = 62, 40


def encode_workers(budget_mb: int = MEMORY_BUDGET_MB, cores: int | None = None) -> int:
    """ffmpeg processes a book assembly runs at once: as many as `budget_mb` (MB, the whole process tree)
    holds beside narrate itself, at least 1, at most one more than the cores."""
    fits = (budget_mb - NARRATE_MB) // FFMPEG_MB
    return max(1, min(fits, (cores or os.cpu_count() or 1) + 1))


ENCODE_WORKERS = encode_workers()


def unit_pcm(cache: SegmentCache, key: str, book: Book, rate: int) -> Pcm:
    entry = cache.get(key)
    if entry is None:
        # Dropped if it failed its check (a chapter the lock showed unchanged is checked only now): the
        # next build synthesizes it.
        raise NarrateError(f"segment {key[:12]} is missing from the cache or failed its check (see the "
                           f"warnings); build again to synthesize it")
    pcm = decode(entry.audio, entry.format)
    if book.settings.silence.trim:
        pcm = trim_silence(pcm, threshold_dbov=book.settings.silence.threshold_dbov, keep_ms=20)
    if book.settings.level.enabled:
        # The profile's level, never the telephony default: each sentence near the file's target, so
        # the file's own gain (set before encoding) stays small.
        pcm = level_normalize(pcm, book.profile.unit_level_dbov, book.profile.unit_peak_dbfs)
    # The profile's rate for the whole book, fixed before writing: sample counts (the frame grid,
    # chapter starts, durations) are exact and the same whichever chapters a build streams.
    return resample(pcm, rate)


# (root, rel, the sha256 its lock record expects) -> a regular file's sha256, else None (BuildState.regular_sha256)
Digester = Callable[[Path, str, "str | None"], "str | None"]


def still_there(root: Path, rel: str, rec: Mapping[str, Any], sha256_of: Digester | None = None) -> bool:
    """Whether `rel` is still the regular file of `rec` (its lock record): size, then sha256 (from
    `sha256_of`, the build's stat cache, when given)."""
    path = root / rel
    try:
        st = os.lstat(path)  # a link is never "still there": it may lead out, or to a FIFO
        if not (stat.S_ISREG(st.st_mode) and st.st_size == rec.get("bytes")):
            return False
        digest = sha256_of(root, rel, rec.get("sha256")) if sha256_of is not None else sha256_file(path)
        return digest is not None and digest == rec.get("sha256")
    except OSError:
        return False


def piece_key(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


class ChapterSlot:
    """One chapter's place in the book: its speech length (`raw`: units and pauses, before the grid's
    padding), where its units are (`spans`), and the keys of its encodes."""

    def __init__(self, plan: ChapterPlan, index: int, count: int, rate: int) -> None:
        self.plan, self.index = plan, index
        self.after = round(plan.after_ms * rate / 1000)
        self.lead = self.lead_next = 0  # AAC leads (grid.aac_lead): its part's, and the next part's from its pause
        self.first, self.last = index == 1, index == count
        self.raw: int | None = None
        self.spans: list[int] | None = None
        self.speech_key = self.aac_key = ""
        self.encoded: Future[None] | None = None
