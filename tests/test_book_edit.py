"""The one-edit path of book assembly (issue 12 item 5): what an edit spends beyond encoding its chapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrate.audio.pcm import Pcm
from narrate.audio.stream import WavStreamWriter
from narrate.package.speech import stream_units
from narrate.plan.books import ChapterPlan

RATE = 44100


def test_a_chapters_energy_is_the_exact_sum_of_squares_without_blas(tmp_path, monkeypatch):
    loud = np.full(RATE, -32768, dtype=np.int16)  # full scale: 2**30 per sample
    quiet = np.arange(-1000, 1000, dtype=np.int16)
    units = {"a": Pcm(loud, RATE), "b": Pcm(quiet, RATE)}
    plan = ChapterPlan(Path("one.md"), "One", [("a", 150), ("b", 500)])
    real_dot = np.dot
    monkeypatch.setattr(np, "dot", lambda x, y: real_dot(x, y) if x.dtype == np.int64 else pytest.fail("float dot"))
    spans: list[int] = []
    with WavStreamWriter(tmp_path / "c.wav", RATE) as wav:
        at, energy = stream_units(plan, units.__getitem__, RATE, 100, wav, None, (0, 0), spans, lambda n: None)
    assert energy == RATE * 2**30 + sum(i * i for i in range(-1000, 1000)) == 47_352_681_105_400
    assert at == RATE + round(0.15 * RATE) + 2000  # the last unit's pause is not played
    assert spans == [100, 100 + RATE, 100 + RATE + round(0.15 * RATE), 100 + at]

