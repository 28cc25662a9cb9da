"""ElevenLabs `POST /v1/text-to-speech/{voice_id}?output_format=...`.

Key: ELEVENLABS_API_KEY (header `xi-api-key`). Voices are voice IDs (e.g. 21m00Tcm4TlvDq8ikWAM).
Telephony segments ask for `ulaw_8000` (raw G.711 mu-law); others for `pcm_24000` (raw 16-bit;
44.1 kHz PCM needs the Pro plan). Options: `model` (model_id), `stability`, `similarity_boost`,
`style`, `use_speaker_boost` (voice_settings), `seed`, `apply_text_normalization`, `language_code`
(only Turbo/Flash v2.5 accept it, so it is never sent unless asked for), `timestamps` (true: the
`/with-timestamps` sibling endpoint, JSON with base64 audio and per-character `alignment`, from
which the words' timings are kept in the cache entry for word-level captions).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx

from ..errors import InvalidAudioError, ProviderError
from .base import AudioFormat, Provider, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo
from .elevenlabs_dictionary import DictionaryStore
from .http import default_classify, key_base_url
from .keys import require_key
from .rest_provider import RestProvider

KIND = "elevenlabs"
BASE_URL = "https://api.elevenlabs.io"
KEY_ENVS = ("ELEVENLABS_API_KEY",)
DEFAULT_MODEL = "eleven_multilingual_v2"  # the API's own default model_id
# Characters per request by model (docs models.mdx, 2025-08); over it: 400 max_character_limit_exceeded.
MAX_CHARS = {"eleven_v3": 3000, "eleven_flash_v2_5": 40000, "eleven_turbo_v2_5": 40000, "eleven_flash_v2": 30000,
             "eleven_turbo_v2": 30000, "eleven_multilingual_v2": 10000, "eleven_multilingual_v1": 10000}
# Concurrency 5 = the Creator plan's Multilingual v2 limit (docs models.mdx, 2025-08: Free 2, Starter 3,
# Creator 5, Pro 10, Scale/Business 15; Turbo/Flash double). Above it requests queue, then 429.
DEFAULT_CONCURRENCY = 5
# Models that read phoneme rules (docs best-practices/prompting/controls.mdx, 2025-08: "Flash v2, Turbo v2
# and English v1"); on the others lexicon rules are respelled in the text.
PHONEME_MODELS = frozenset({"eleven_flash_v2", "eleven_turbo_v2", "eleven_monolingual_v1"})
VOICE_SETTINGS = {"stability": float, "similarity_boost": float, "style": float, "use_speaker_boost": bool}
_VOICE_ID = re.compile(r"^[A-Za-z0-9]{20}$")


def classify(provider: str, response: httpx.Response) -> ProviderError:
    error = default_classify(provider, response)
    # 401 quota_exceeded (out of credits) and invalid_api_key are fatal already (4xx); say why.
    if "quota_exceeded" in error.message:
        error.hint = "the ElevenLabs account is out of credits: retrying cannot help"
    if "only_for_creator" in error.message:  # a 403 about one (professional) voice: the others still work
        error.account = False
    return error


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


class ElevenLabsProvider(RestProvider):
    contract_version = "elevenlabs-tts-v1.1"
    accepts_ssml = False  # prompt markup is lowered to plain text (narrate.text.markup)

    def __init__(self, config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        model = str(config.options.get("model") or DEFAULT_MODEL)
        # The longest text the configured model takes; v3 and unknown models get the smallest documented cap.
        defaults = ProviderLimits(max_chars=MAX_CHARS.get(model, 3000), default_concurrency=DEFAULT_CONCURRENCY)
        super().__init__(config, kind=KIND, defaults=defaults, base_url=config.base_url or BASE_URL,
                         transport=transport, auth=self._auth, classify=classify)
        # narrate.text.lexicon_compile: IPA forms go in a PLS pronunciation dictionary where the model reads them.
        self.lexicon_mode = "dictionary" if model in PHONEME_MODELS else "respell"
        self.dictionaries = DictionaryStore(self)

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        return {"xi-api-key": require_key(self.config, KEY_ENVS).value}, {}

    @staticmethod
    def output_format(request: SynthesisRequest) -> tuple[str, AudioFormat]:
        if request.telephony:
            return "ulaw_8000", AudioFormat("raw", "mulaw", 8000)
        return "pcm_24000", AudioFormat("raw", "pcm_s16le", 24000)

    def body(self, request: SynthesisRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"text": request.text,
                                "model_id": request.model or self.option(request, "model") or DEFAULT_MODEL}
        settings: dict[str, Any] = {}
        for name, kind in VOICE_SETTINGS.items():
            if kind is bool:
                flag = self.option(request, name)
                if flag is not None:
                    settings[name] = _bool(flag)
            elif (number := self.number_option(request, name, float)) is not None:
                settings[name] = number
        if request.speed != 1.0:
            settings["speed"] = request.speed
        if settings:
            body["voice_settings"] = settings
        seed = self.number_option(request, "seed", int)
        if seed is not None:
            body["seed"] = seed
        for name in ("apply_text_normalization", "language_code"):
            value = self.option(request, name)
            if value:
                body[name] = value
        return body

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        body = self.body(request)
        del body["text"]
        if "voice_settings" in body:  # key values must be hashable scalars
            body["voice_settings"] = json.dumps(body["voice_settings"], sort_keys=True)
        endpoint = "v1/text-to-speech/with-timestamps" if self.timestamps(request) else "v1/text-to-speech"
        key: dict[str, object] = {"endpoint": endpoint, "output_format": self.output_format(request)[0], **body}
        base = key_base_url(self.base_url, BASE_URL)  # never credentials: keys are stored and shared
        if base is not None:
            key["base_url"] = base
        return key

    def timestamps(self, request: SynthesisRequest) -> bool:
        return _bool(self.option(request, "timestamps") or "")

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        output_format, fmt = self.output_format(request)
        if self.timestamps(request):
            return self._with_timestamps(request, output_format, fmt)

        def handle(response: httpx.Response) -> SynthesisResult:
            # The spec types every 200 as audio/mpeg whatever the format, so the type is checked for HTML/JSON only.
            return self.audio_result(response.content, fmt, request, response,
                                     content_type=response.headers.get("content-type"))

        body = self.body(request)
        locators = self.dictionaries.locators_for(request)
        if locators:
            body["pronunciation_dictionary_locators"] = locators
        return self.http.call("POST", f"/v1/text-to-speech/{quote(request.voice, safe='')}", params={"output_format": output_format},  # noqa: E501
                              json_body=body, chars=len(request.text), handle=handle,
                              max_bytes=self.body_cap(request, fmt))

    def _with_timestamps(self, request: SynthesisRequest, output_format: str, fmt: AudioFormat) -> SynthesisResult:
        """`POST .../with-timestamps`: {audio_base64, alignment: {characters, character_start_times_seconds,
        character_end_times_seconds}} (AudioWithTimestampsResponseModel); a body that is not that JSON is
        an invalid response, retried like any other."""

        def handle(response: httpx.Response) -> SynthesisResult:
            try:
                data = response.json()
                audio = base64.b64decode(data["audio_base64"], validate=True)
            except (ValueError, KeyError, TypeError, binascii.Error):
                raise InvalidAudioError(f"{self.label} returned invalid audio: the with-timestamps response is not JSON "
                                        "with audio_base64", provider=self.label, retryable=True) from None
            result = self.audio_result(audio, fmt, request, response)
            return replace(result, words=words_from_alignment(data.get("alignment")))

        return self.http.call("POST", f"/v1/text-to-speech/{quote(request.voice, safe='')}/with-timestamps",
                              params={"output_format": output_format}, json_body=self.body(request),
                              chars=len(request.text), handle=handle, max_bytes=2 * self.body_cap(request, fmt))

    def voices(self) -> list[VoiceInfo]:
        """GET /v1/voices (the account's voices): {"voices": [{voice_id, name, labels: {gender, accent,
        description, use_case}, verified_languages: [{language, locale}]}]} (GetVoicesResponseModel)."""
        data = self.get_json("/v1/voices")
        found = []
        for v in (data.get("voices") if isinstance(data, dict) else None) or []:
            if not isinstance(v, dict) or not v.get("voice_id"):
                continue
            labels: dict[str, Any] = v["labels"] if isinstance(v.get("labels"), dict) else {}
            langs = tuple(dict.fromkeys(str(x.get("locale") or x.get("language")) for x in v.get("verified_languages")
                                        or [] if isinstance(x, dict) and (x.get("locale") or x.get("language"))))
            words = [str(v.get("name") or "")] + [str(labels[k]) for k in ("accent", "age", "description", "use_case")
                                                  if labels.get(k)]
            gender = str(labels.get("gender") or "").lower() or None
            found.append(VoiceInfo(str(v["voice_id"]), langs or ("multilingual",), gender, ", ".join(w for w in words if w)))
        return found

    def check_voice(self, voice: str, language: str) -> str | None:
        if _VOICE_ID.match(voice):
            return None
        return "ElevenLabs voices are 20-character voice IDs, e.g. 21m00Tcm4TlvDq8ikWAM (see GET /v1/voices)"


def words_from_alignment(alignment: Any) -> tuple[tuple[str, float, float], ...] | None:
    """Per-character alignment -> (word, start s, end s) for each whitespace-separated word; None if
    the alignment is missing or malformed (the audio is still good: captions fall back to sentences)."""
    try:
        chars = alignment["characters"]
        starts = alignment["character_start_times_seconds"]
        ends = alignment["character_end_times_seconds"]
        if not len(chars) == len(starts) == len(ends):
            return None
        words: list[tuple[str, float, float]] = []
        word, first, last = "", 0.0, 0.0
        for ch, a, b in zip(chars, starts, ends, strict=True):
            if str(ch).isspace():
                if word:
                    words.append((word, first, last))
                word = ""
                continue
            if not word:
                first = float(a)
            word += str(ch)
            last = float(b)
        if word:
            words.append((word, first, last))
        return tuple(words) or None
    except (KeyError, TypeError, ValueError):
        return None


def create(config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> Provider:
    return ElevenLabsProvider(config, transport=transport)
