"""A deterministic in-process provider for build tests: speech-like tones, counted calls."""

from __future__ import annotations

import io
import threading
import wave

import numpy as np

from narrate.errors import ProviderError
from narrate.providers.base import AudioFormat, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo


def tone_wav(text: str, rate: int = 22050) -> bytes:
    """About 60 ms per character of a modulated tone with a little silence at both ends."""
    n = int(rate * (0.2 + 0.06 * len(text)))
    t = np.arange(n) / rate
    seed = sum(map(ord, text)) % 200
    signal = 0.3 * np.sin(2 * np.pi * (180 + seed) * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    pad = np.zeros(int(rate * 0.1))
    pcm = (np.concatenate([pad, signal, pad]) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


class FakeProvider:
    name = "espeak"
    contract_version = "fake/1"

    def __init__(self, max_chars: int = 5000, fail_texts: set[str] | None = None) -> None:
        self.limits = ProviderLimits(max_chars=max_chars, default_concurrency=4)
        self.calls: list[str] = []
        self.fail_texts = fail_texts or set()
        self._lock = threading.Lock()

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        return {"rate": 22050, "speed": request.speed}

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        with self._lock:
            self.calls.append(request.text)
        if request.text in self.fail_texts:
            raise ProviderError("HTTP 400: bad request", provider="fake", status=400, request_id="req-1")
        return SynthesisResult(tone_wav(request.text), AudioFormat("wav", "pcm_s16le", 22050), "req-ok", len(request.text))

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("en-us", ("en-us",)), VoiceInfo("es-419", ("es-419",))]

    def check_voice(self, voice: str, language: str) -> str | None:
        return None if voice in ("en-us", "es-419") else f"unknown voice {voice!r}"

    def close(self) -> None:
        pass
