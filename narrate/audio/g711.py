"""G.711 mu-law and A-law via the stdlib's C `audioop` (or the `audioop-lts` package on 3.13+).

One import site, so the 3.11/3.12 DeprecationWarning is silenced once and nowhere else. Encoding
goes through a 65,536-entry table that audioop itself fills once per process (every 16-bit input,
so the bytes are audioop's exactly): a numpy lookup is ten times faster than audioop per prompt.
"""

from __future__ import annotations

import functools
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


@functools.cache
def _table(law: str) -> np.ndarray:
    """Code byte for each 16-bit sample, indexed by the sample's bits as uint16 (audioop's output)."""
    every = np.arange(-32768, 32768, dtype=np.int16)
    coded = (audioop.lin2ulaw if law == "ulaw" else audioop.lin2alaw)(every.tobytes(), 2)
    table = np.empty(65536, dtype=np.uint8)
    table[every.view(np.uint16)] = np.frombuffer(coded, dtype=np.uint8)
    return table


def _encode(samples: np.ndarray, law: str) -> bytes:
    return _table(law)[np.ascontiguousarray(samples, dtype=np.int16).view(np.uint16)].tobytes()


def ulaw_encode(samples: np.ndarray) -> bytes:
    """ITU-T G.711 mu-law, one byte per sample (audioop.lin2ulaw's bytes)."""
    return _encode(samples, "ulaw")


def alaw_encode(samples: np.ndarray) -> bytes:
    """ITU-T G.711 A-law, one byte per sample (audioop.lin2alaw's bytes)."""
    return _encode(samples, "alaw")


def ulaw_decode(data: bytes) -> np.ndarray:
    return _from_native(audioop.ulaw2lin(data, 2))


def alaw_decode(data: bytes) -> np.ndarray:
    return _from_native(audioop.alaw2lin(data, 2))
