"""Helpers for the REST provider tests: audio bodies in every format providers send, and a scripted
httpx.MockTransport that records each request. (No tests here; imported by test_providers_*.py.)"""

from __future__ import annotations

import base64
import json
import logging
import math
import struct
from dataclasses import dataclass, field

import httpx
import numpy as np

from conftest import SHARED, require_shared
from narrate.audio.g711 import ulaw_encode

SPECS = SHARED / "reference" / "specs"
KEY = "sk-TEST-0123456789abcdef-SECRET"  # must never appear in a message or a log record

def samples(seconds: float, rate: int) -> np.ndarray:
    """A 220 Hz tone at about -10 dBFS: plausible level and length for a short prompt."""
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * math.pi * 220 * t) * 10000).astype(np.int16)


def tone(seconds: float, rate: int) -> bytes:
    """Raw s16le mono."""
    return samples(seconds, rate).astype("<i2").tobytes()


def raw_pcm(rate: int = 24000, seconds: float = 1.5) -> bytes:
    return tone(seconds, rate)


def raw_mulaw(rate: int = 8000, seconds: float = 1.5) -> bytes:
    return ulaw_encode(samples(seconds, rate))


def wav(data: bytes, rate: int, *, tag: int = 1, bits: int = 16, declared: int | None = None) -> bytes:
    """A RIFF WAVE file; `tag` 1 = PCM, 7 = mu-law. `declared` lies about the data size (truncation)."""
    size = len(data) if declared is None else declared
    block = bits // 8
    fmt = struct.pack("<HHIIHH", tag, 1, rate, rate * block, block, bits)
    return (b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + size) + b"WAVE"
            + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + data)


def wav_pcm(rate: int = 24000, seconds: float = 1.5) -> bytes:
    return wav(tone(seconds, rate), rate)


def wav_mulaw(rate: int = 8000, seconds: float = 1.5) -> bytes:
    return wav(raw_mulaw(rate, seconds), rate, tag=7, bits=8)


def google_json(audio: bytes) -> bytes:
    return json.dumps({"audioContent": base64.b64encode(audio).decode()}).encode()


HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>oops</body></html>"


@dataclass
class Script:
    """A MockTransport handler that answers from a list (the last reply repeats) and records requests."""

    replies: list
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    @property
    def count(self) -> int:
        return len(self.requests)


def audio_response(body: bytes, content_type: str = "application/octet-stream", **headers: str) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": content_type, **headers})


def error_response(status: int, body: dict | bytes, **headers: str) -> httpx.Response:
    if isinstance(body, dict):
        return httpx.Response(status, json=body, headers=headers)
    return httpx.Response(status, content=body, headers=headers)


def load_yaml(name: str) -> dict:
    import yaml

    require_shared()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(SPECS / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)


def schema_validator(spec: dict, schema_name: str):
    """A jsonschema validator for components.schemas[schema_name] that resolves the spec's local $refs."""
    import jsonschema

    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(schema)


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(r.getMessage() for r in self.records)
