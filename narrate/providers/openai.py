"""OpenAI `POST {base_url}/audio/speech`, and any OpenAI-compatible server through `base_url`.

Key: OPENAI_API_KEY (`Authorization: Bearer <key>`). With a `base_url` that is not api.openai.com
and no key set, no Authorization header is sent (local servers such as `narrate serve` need none).
`base_url` includes the version prefix, as in the official SDK: `http://127.0.0.1:8000/v1`.

OpenAI has no telephony encoding, so every segment asks for `pcm`: headerless 16-bit little-endian
mono at 24 kHz. The 8 kHz outputs are made locally. A compatible server whose `pcm` uses another rate
can say so with the option `sample_rate`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ..errors import ProviderError
from .base import AudioFormat, Provider, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo
from .http import default_classify, key_base_url
from .keys import find_key, require_key
from .rest_provider import RestProvider

KIND = "openai"
BASE_URL = "https://api.openai.com/v1"
KEY_ENVS = ("OPENAI_API_KEY",)
DEFAULT_MODEL = "gpt-4o-mini-tts"
# `input` maxLength 4096 (CreateSpeechRequest in openai/openai-openapi). gpt-4o-mini-tts also caps input at
# 2,000 tokens; 4,096 characters of English prose is about 900 tokens, so the character cap binds first.
# OpenAI documents no concurrency cap, only per-tier requests-per-minute limits answered with 429 and
# Retry-After; 8 in flight (a few seconds each) stays well under the lowest paid tier's RPM while still
# hiding latency. Raise `concurrency` (or set requests_per_minute) per your tier.
LIMITS = ProviderLimits(max_chars=4096, default_concurrency=8)

# The built-in voices named in CreateSpeechRequest.voice (openai-openapi, 2026-08).
VOICE_NAMES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse",
               "marin", "cedar")
VOICES = tuple(VoiceInfo(v, ("multilingual",)) for v in VOICE_NAMES)
# 429s that mean "add credit", not "slow down": never retried.
QUOTA_CODES = frozenset({"insufficient_quota", "credit_balance_exhausted", "organization_spend_limit_exceeded",
                         "project_spend_limit_exceeded", "organization_usage_limit_exceeded"})


def classify(provider: str, response: httpx.Response) -> ProviderError:
    error = default_classify(provider, response)
    err: dict[str, Any] = {}
    try:
        body = json.loads(response.content)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            err = body["error"]
    except (ValueError, UnicodeDecodeError):
        pass
    if response.status_code == 429 and ({err.get("type"), err.get("code")} & QUOTA_CODES):
        error.retryable, error.account = False, True
        error.hint = "the OpenAI account is out of quota or credit: retrying cannot help"
    # The server's own verdict wins, as in the official SDK.
    should_retry = response.headers.get("x-should-retry", "").lower()
    if should_retry in ("true", "false"):
        error.retryable = should_retry == "true"
    return error


class OpenAIProvider(RestProvider):
    contract_version = "openai-speech-v1.1"
    accepts_ssml = False  # prompt markup is lowered to plain text (narrate.text.markup)

    def __init__(self, config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, kind=KIND, defaults=LIMITS, base_url=config.base_url or BASE_URL,
                         transport=transport, auth=self._auth, classify=classify)
        self.official = httpx.URL(self.base_url).host == "api.openai.com"

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        cred = require_key(self.config, KEY_ENVS) if self.official else find_key(self.config, KEY_ENVS)
        return ({"authorization": f"Bearer {cred.value}"} if cred else {}), {}

    def model(self, request: SynthesisRequest) -> str:
        return request.model or self.option(request, "model") or DEFAULT_MODEL

    def sample_rate(self, request: SynthesisRequest) -> int:
        return self.number_option(request, "sample_rate", int) or 24000

    def body(self, request: SynthesisRequest) -> dict[str, Any]:
        voice: Any = {"id": request.voice} if request.voice.startswith("voice_") else request.voice
        body: dict[str, Any] = {"model": self.model(request), "input": request.text, "voice": voice,
                                "response_format": "pcm"}
        if request.speed != 1.0:
            body["speed"] = request.speed
        instructions = self.option(request, "instructions")
        if instructions:
            body["instructions"] = instructions
        return body

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        body = self.body(request)
        key: dict[str, object] = {"endpoint": "audio/speech", "model": body["model"], "format": "pcm",
                                  "sample_rate": self.sample_rate(request), "speed": request.speed,
                                  "instructions": body.get("instructions")}
        base = key_base_url(self.base_url, BASE_URL)
        if not self.official and base is not None:
            # Another server is another voice even under the same names (credentials never enter the key).
            key["base_url"] = base
        return key

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        fmt = AudioFormat("raw", "pcm_s16le", self.sample_rate(request))

        def handle(response: httpx.Response) -> SynthesisResult:
            return self.audio_result(response.content, fmt, request, response,
                                     content_type=response.headers.get("content-type"))

        return self.http.call("POST", "/audio/speech", json_body=self.body(request),
                              headers={"accept": "application/octet-stream"}, chars=len(request.text),
                              handle=handle, max_bytes=self.body_cap(request, fmt))

    def voices(self) -> list[VoiceInfo]:
        return list(VOICES)

    def check_voice(self, voice: str, language: str) -> str | None:
        if not self.official or voice in VOICE_NAMES or voice.startswith("voice_"):
            return None  # compatible servers have their own catalogues
        return f"OpenAI's voices are {', '.join(VOICE_NAMES)} (or a custom voice id voice_...)"


def create(config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> Provider:
    return OpenAIProvider(config, transport=transport)
