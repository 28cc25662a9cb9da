"""G.711 mu-law and A-law via the stdlib's C `audioop` (or the `audioop-lts` package on 3.13+).

One import site, so the 3.11/3.12 DeprecationWarning is silenced once and nowhere else.
"""

from __future__ import annotations

import warnings

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop


# audioop works on native-endian samples; numpy's native int16 matches it on any machine.
def _native(samples: np.ndarray) -> bytes:
    return np.ascontiguousarray(samples, dtype=np.int16).tobytes()


def _from_native(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.int16).copy()


def ulaw_encode(samples: np.ndarray) -> bytes:
    return audioop.lin2ulaw(_native(samples), 2)


def alaw_encode(samples: np.ndarray) -> bytes:
    return audioop.lin2alaw(_native(samples), 2)


def ulaw_decode(data: bytes) -> np.ndarray:
    return _from_native(audioop.ulaw2lin(data, 2))


def alaw_decode(data: bytes) -> np.ndarray:
    return _from_native(audioop.alaw2lin(data, 2))
