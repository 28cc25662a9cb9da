"""Streaming one chapter's speech: its units and pauses into a WAV (and the retail sample's, when it
is taken from this chapter), with where each unit lands, for captions."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..audio.pcm import Pcm
from ..audio.stream import WavStreamWriter
from ..plan.books import ChapterPlan


def stream_units(chapter: ChapterPlan, unit: Callable[[str], Pcm], rate: int, head: int, speech: WavStreamWriter,
                 sample: WavStreamWriter | None, window: tuple[int, int], spans: list[int],
                 progress: Callable[[int], None]) -> tuple[int, float]:
    """One chapter's units (`unit(key)`: the processed audio at `rate`) and pauses into `speech`; the
    last unit's pause is never played (the next chapter's pause or the tail replaces it). Returns
    (samples written, sum of their squares, for the chapter's RMS without another pass). `spans`
    receives each unit's start and end sample in the chapter file, whose speech starts after `head`
    samples of room tone. The retail sample (`sample`) gets the head, then the chapter's whole
    sentences from `window` = (start, room) samples on, as many as fit in `room` (the caller adds
    the tail)."""
    start, room = window
    at = taken = 0
    energy = 0.0
    pending: Pcm | None = None  # a pause written to the sample only if another sentence follows
    taking = sample is not None
    if sample is not None:
        sample.write(Pcm(np.zeros(head, dtype=np.int16), rate))
    for n, (key, pause) in enumerate(chapter.units):
        pcm = unit(key)
        gap = Pcm.silence(pause / 1000 if n < len(chapter.units) - 1 else 0, rate)
        spans += [head + at, head + at + len(pcm.samples)]
        speech.write(pcm)
        speech.write(gap)
        # Integer dot product: exact, and not BLAS (whose threads, on a busy machine, made this 15x slower:
        # 9 ms against 0.6 ms per 3-second sentence). Equal to the float sum while a sentence is under
        # 2**53 / 2**30 samples (190 s at 44.1 kHz), where every partial sum is an exact float.
        x = pcm.samples.astype(np.int64)
        energy += float(np.dot(x, x))
        if taking and sample is not None and at >= start:
            needed = len(pcm.samples) + (len(pending.samples) if pending is not None else 0)
            if taken + needed <= room:
                for part in (pending, pcm):
                    if part is not None:
                        sample.write(part)
                taken, pending = taken + needed, gap
            else:
                taking = False
        at += len(pcm.samples) + len(gap.samples)
        progress(1)
    return at, energy
