"""The internal audio representation: mono 16-bit signed PCM samples at a known rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Pcm:
    samples: np.ndarray  # int16, mono
    rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0

    @classmethod
    def silence(cls, seconds: float, rate: int) -> Pcm:
        return cls(np.zeros(int(round(seconds * rate)), dtype=np.int16), rate)
