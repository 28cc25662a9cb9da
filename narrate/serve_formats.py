"""The OpenAI and Deepgram TTS shapes `narrate serve` speaks: voices, formats and how each is rendered.

OpenAI: `response_format` mp3, opus, aac, flac, wav or pcm (headerless 24 kHz s16le); voices are
spread over the engine's English voices. Deepgram: `encoding` linear16, mulaw, alaw, mp3 or flac with
the documented sample rates and `container` wav or none; `aura-2-<name>-<lang>` models map to a voice
variant of the language. Compressed formats go through ffmpeg.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .audio.encode import encode, wav_bytes
from .audio.ffmpeg import run_ffmpeg
from .audio.formats import OutputFormat
from .audio.pcm import Pcm

OPENAI_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
# OpenAI's built-in voices, spread over the engine's English voices so they sound different.
OPENAI_VOICES: dict[str, str] = {
    "alloy": "en-us", "ash": "en-us+m3", "ballad": "en-gb+m2", "coral": "en-us+f2", "echo": "en-gb",
    "fable": "en-gb-x-rp", "onyx": "en-us+m1", "nova": "en-us+f3", "sage": "en-gb+f2", "shimmer": "en-us+f4",
    "verse": "en-us+m2", "marin": "en-gb+f3", "cedar": "en-gb+m3",
}
OPENAI_PCM_RATE = 24000  # OpenAI's `pcm` is headerless 24 kHz s16le
FFMPEG_ARGS = {"mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"], "flac": ["-c:a", "flac", "-f", "flac"],
               "opus": ["-c:a", "libopus", "-b:a", "32k", "-f", "ogg"], "aac": ["-c:a", "aac", "-b:a", "64k", "-f", "adts"]}
CONTENT_TYPES = {"mp3": "audio/mpeg", "flac": "audio/flac", "opus": "audio/ogg", "aac": "audio/aac", "wav": "audio/wav",
                 "pcm": "application/octet-stream"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param = status, message, param


def check_text(payload: dict, key: str, limit: int) -> str:
    """The text to speak, checked as the real API checks it (present, within `limit` characters:
    OpenAI 4,096, Deepgram 2,000), and Unicode a synthesizer can take: JSON may spell a lone
    surrogate (\\ud800), which no UTF-8 encoder accepts."""
    text = payload.get(key)
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, f"'{key}' is required", key)
    if len(text) > limit:
        raise ApiError(400, f"'{key}' is longer than {limit} characters", key)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ApiError(400, f"'{key}' holds a lone surrogate (\\u{ord(text[exc.start]):04x}): not Unicode text",
                       key) from None
    return text


def check_speed(value: Any) -> float:
    try:
        speed = float(value)
    except (TypeError, ValueError):
        raise ApiError(400, "speed must be a number", "speed") from None
    if not 0.25 <= speed <= 4.0:
        raise ApiError(400, "speed must be between 0.25 and 4.0", "speed")
    return speed


def engine_voice(voice: str, language: str | None = None) -> tuple[str, str]:
    """(engine voice, language) for an OpenAI voice name, a Deepgram model, or an engine voice name."""
    if voice in OPENAI_VOICES:
        return OPENAI_VOICES[voice], "en-US"
    parts = voice.split("-")
    if voice.startswith("aura") and len(parts) >= 3:  # aura-2-thalia-en / aura-asteria-en
        name, lang = parts[-2], parts[-1]
        variants = ("", "+f2", "+m3", "+f3", "+m1", "+f4", "+m2")
        pick = variants[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(variants)]
        return f"{lang}{pick}", lang
    return voice, language or (voice.split("+")[0] if voice else "en-US")


def ffmpeg_encode(pcm: Pcm, fmt: str) -> bytes:
    done = run_ffmpeg(["-f", "wav", "-i", "pipe:0", *FFMPEG_ARGS[fmt], "pipe:1"], input=wav_bytes(pcm), timeout=60)
    if done.returncode != 0:
        raise ApiError(500, f"ffmpeg could not encode {fmt}")
    return done.stdout


def render_wrong(pcm: Pcm, variant: str, rate: int) -> bytes:
    """A body in `variant` ("mp3", "wav", "pcm", "mulaw"; see serve_faults.wrong_choices) at `rate`."""
    if variant == "mp3":
        return ffmpeg_encode(pcm, "mp3")
    encoding, container = {"wav": ("pcm_s16le", "wav"), "pcm": ("pcm_s16le", "raw"), "mulaw": ("mulaw", "raw")}[variant]
    return encode(pcm, OutputFormat(variant, "", rate, encoding, container))


def render_openai(pcm: Pcm, response_format: str) -> bytes:
    if response_format == "pcm":
        return encode(pcm, OutputFormat("pcm", "pcm", OPENAI_PCM_RATE, "pcm_s16le", "raw"))
    if response_format == "wav":
        return encode(pcm, OutputFormat("wav", "wav", OPENAI_PCM_RATE, "pcm_s16le", "wav"))
    return ffmpeg_encode(pcm, response_format)


DEEPGRAM_RATES = {"linear16": {8000, 16000, 24000, 32000, 48000}, "mulaw": {8000, 16000}, "alaw": {8000, 16000},
                  "mp3": {22050}, "flac": {8000, 16000, 22050, 24000, 32000, 48000}}


def deepgram_format(query: dict[str, str]) -> tuple[str, str, int]:
    """(encoding, container, sample_rate) from /v1/speak's query, with the documented defaults."""
    encoding = query.get("encoding", "linear16")
    if encoding not in DEEPGRAM_RATES:
        raise ApiError(400, f"unsupported encoding {encoding!r} (narrate serve: {', '.join(DEEPGRAM_RATES)})", "encoding")
    default_rate = {"mp3": 22050, "mulaw": 8000, "alaw": 8000}.get(encoding, 24000)
    try:
        rate = int(query.get("sample_rate", default_rate))
    except ValueError:
        raise ApiError(400, "sample_rate must be an integer", "sample_rate") from None
    if rate not in DEEPGRAM_RATES[encoding]:
        raise ApiError(400, f"sample_rate {rate} is not supported for {encoding}", "sample_rate")
    container = query.get("container", "wav" if encoding in ("linear16", "mulaw", "alaw") else "none")
    if container not in ("wav", "none") or (container == "wav" and encoding not in ("linear16", "mulaw", "alaw")):
        raise ApiError(400, f"container {container!r} is not supported for {encoding}", "container")
    return encoding, container, rate


def render_deepgram(pcm: Pcm, encoding: str, container: str, rate: int) -> tuple[bytes, str]:
    if encoding in ("mp3", "flac"):
        from .audio.resample import resample
        return ffmpeg_encode(resample(pcm, rate), encoding), CONTENT_TYPES[encoding]
    codec = {"linear16": "pcm_s16le", "mulaw": "mulaw", "alaw": "alaw"}[encoding]
    data = encode(pcm, OutputFormat(encoding, "", rate, codec, "wav" if container == "wav" else "raw"))
    if container == "wav":
        return data, "audio/wav"
    return data, {"linear16": "audio/l16", "mulaw": "audio/basic", "alaw": "audio/x-alaw-basic"}[encoding]
