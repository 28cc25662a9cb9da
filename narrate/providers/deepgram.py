"""Deepgram Aura / Aura-2: `POST /v1/speak?model=...&encoding=...` with `{"text": ...}`.

Key: DEEPGRAM_API_KEY (`Authorization: Token <key>`); optional when `base_url` is not a deepgram.com host. The voice is the model (`aura-2-thalia-en`); a
bare name (`thalia`) becomes `<model, default aura-2>-<name>-<primary language>`. Encoding, container and sample rate are
always sent: the docs (linear16/wav/24 kHz) and the spec (mp3) disagree on the defaults.
Telephony segments get raw G.711 mu-law at 8 kHz; others raw 16-bit PCM at 24 kHz (Aura's native rate).
Raw rather than WAV because a streamed (chunked) WAV header cannot know its data size.
"""  # noqa: E501

from __future__ import annotations

import re
from typing import Any

import httpx

from .base import AudioFormat, Provider, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo
from .http import key_base_url
from .keys import find_key, require_key
from .languages import same_language
from .rest_provider import RestProvider

KIND = "deepgram"
BASE_URL = "https://api.deepgram.com"
KEY_ENVS = ("DEEPGRAM_API_KEY",)
DEFAULT_VOICE = "aura-2-thalia-en"
# 2,000 characters per request (enforced by the official Python SDK's TextBuilder; the server's error is
# undocumented). 15 concurrent TTS REST requests per project on Pay-as-you-Go/Growth
# (developers.deepgram.com/reference/api-rate-limits); over it Deepgram answers 429.
LIMITS = ProviderLimits(max_chars=2000, default_concurrency=15)

# Aura-2 voices listed in the model enum of deepgram/deepgram-api-specs openapi.yml (2026-07 snapshot).
_AURA2 = {
    "en": "amalthea andromeda apollo arcas aries asteria athena atlas aurora callista cora cordelia delia draco "
          "electra harmonia helena hera hermes hyperion iris janus juno jupiter luna mars minerva neptune odysseus "
          "ophelia orion orpheus pandora phoebe pluto saturn selene thalia theia vesta zeus",
    "es": "agustina alvaro antonia aquila carina celeste diana estrella gloria javier luciano nestor olivia selena "
          "silvia sirio valerio",
    "de": "aurelia elara fabian julius kara lara viktoria",
    "nl": "beatrix cornelia daphne hestia lars leda rhea roman sander",
    "fr": "agathe hector",
    "it": "cesare cinzia demetra dionisio elio flavio livia maia melia perseo",
    "ja": "ama ebisu fujin izanami uzume",
}
_AURA1 = "angus arcas asteria athena helios hera luna orion orpheus perseus stella zeus"
VOICES = tuple(
    [VoiceInfo(f"aura-2-{n}-{lang}", (lang,)) for lang, names in _AURA2.items() for n in names.split()]
    + [VoiceInfo(f"aura-{n}-en", ("en",), description="Aura (first generation)") for n in _AURA1.split()]
)
_KNOWN = {v.name: v for v in VOICES}
_MODEL_RE = re.compile(r"^aura(-2)?-[a-z]+-[a-z]{2}$")


def model_for(request: SynthesisRequest) -> str:
    """The `model` query value: the voice if it is a full model name, else `<model or aura-2>-<voice>-<lang>`."""
    voice = request.voice or DEFAULT_VOICE
    if voice.startswith("aura"):
        return voice
    family = request.model or "aura-2"
    return f"{family}-{voice.lower()}-{request.language.split('-')[0].lower()}"


def audio_params(request: SynthesisRequest) -> tuple[dict[str, str], AudioFormat]:
    if request.telephony:
        return ({"encoding": "mulaw", "sample_rate": "8000", "container": "none"}, AudioFormat("raw", "mulaw", 8000))
    return ({"encoding": "linear16", "sample_rate": "24000", "container": "none"},
            AudioFormat("raw", "pcm_s16le", 24000))


class DeepgramProvider(RestProvider):
    contract_version = "deepgram-speak-v1.1"
    accepts_ssml = False  # prompt markup is lowered to plain text (narrate.text.markup)

    def __init__(self, config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, kind=KIND, defaults=LIMITS, base_url=config.base_url or BASE_URL,
                         transport=transport, auth=self._auth)

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        # A Deepgram-compatible server elsewhere (`narrate serve`, a proxy) may need no key.
        official = (httpx.URL(self.base_url).host or "").endswith("deepgram.com")
        cred = require_key(self.config, KEY_ENVS) if official else find_key(self.config, KEY_ENVS)
        return ({"authorization": f"Token {cred.value}"} if cred else {}), {}

    def query(self, request: SynthesisRequest) -> dict[str, str]:
        params, _ = audio_params(request)
        query = {"model": model_for(request), **params}
        if request.speed != 1.0:
            query["speed"] = f"{request.speed:g}"
        return query

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        key: dict[str, Any] = {"endpoint": "v1/speak", **self.query(request)}
        base = key_base_url(self.base_url, BASE_URL)  # never credentials: keys are stored and shared
        if base is not None:
            key["base_url"] = base
        return key

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        _, fmt = audio_params(request)

        def handle(response: httpx.Response) -> SynthesisResult:
            return self.audio_result(response.content, fmt, request, response,
                                     content_type=response.headers.get("content-type"))

        return self.http.call("POST", "/v1/speak", params=self.query(request), json_body={"text": request.text},
                              chars=len(request.text), handle=handle, max_bytes=self.body_cap(request, fmt))

    def voices(self) -> list[VoiceInfo]:
        return list(VOICES)

    def check_voice(self, voice: str, language: str) -> str | None:
        model = model_for(SynthesisRequest(text="", voice=voice, language=language))
        if not _MODEL_RE.match(model):
            return f"Deepgram voices are models like {DEFAULT_VOICE} (or a bare name such as thalia)"
        lang = model.rsplit("-", 1)[1]
        known = _KNOWN.get(model)
        if known is not None and not same_language(lang, language):
            return f"{model} speaks {lang}, not {language}"
        return None  # unknown but well-formed: Deepgram adds voices; the server has the final word


def create(config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> Provider:
    return DeepgramProvider(config, transport=transport)

