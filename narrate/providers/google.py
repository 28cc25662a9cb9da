"""Google Cloud Text-to-Speech `POST https://texttospeech.googleapis.com/v1/text:synthesize`.

Auth: GOOGLE_ACCESS_TOKEN (OAuth2 `Authorization: Bearer`, e.g. from `gcloud auth print-access-token`)
or GOOGLE_API_KEY (sent as the `X-Goog-Api-Key` header, never in the URL, so it cannot end up in a
log or proxy). With `api_key_env`/`api_key_file`, option `auth: bearer` or `auth: key` says which it
is (default: bearer if the variable name contains TOKEN, else key). Option `project` sets
`x-goog-user-project` (needed with user credentials).

The answer is JSON `{"audioContent": base64}`; MULAW and LINEAR16 both come with a WAV header.
Telephony segments ask for MULAW at 8 kHz, others LINEAR16 at 24 kHz. Options: `pitch`,
`volume_gain_db`, `effects_profile` (e.g. telephony-class-application).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import httpx

from ..errors import InvalidAudioError, ProviderError, UsageError
from .base import AudioFormat, Provider, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo
from .http import key_base_url, request_id_of
from .keys import Credential, require_key
from .languages import language_mismatch, locale_of
from .rest_provider import RestProvider

KIND = "google"
BASE_URL = "https://texttospeech.googleapis.com"
TOKEN_ENV, KEY_ENV = "GOOGLE_ACCESS_TOKEN", "GOOGLE_API_KEY"
MAX_BYTES = 5000
# The limit is 5,000 BYTES of UTF-8 text per request (proto comment on SynthesisInput; quotas page). A
# character is at most 4 bytes, so 1,250 characters always fit whatever the script; the exact byte
# count is checked again before sending. 1,000 requests/min per project is the default quota
# (quotas page, 2025; lower for Studio 500 and Chirp3 200: set requests_per_minute for those);
# Google documents no concurrency cap, and 10 in flight at ~0.5 s each is about that rate.
LIMITS = ProviderLimits(max_chars=MAX_BYTES // 4, default_concurrency=10, requests_per_minute=1000)


# CustomPronunciationParams.PhoneticEncoding (cloud_tts.proto v1).
PHONETIC_ENCODINGS = {"ipa": "PHONETIC_ENCODING_IPA", "x-sampa": "PHONETIC_ENCODING_X_SAMPA"}


class GoogleProvider(RestProvider):
    contract_version = "google-tts-v1.1"
    # narrate.text.lexicon_compile: phonetic forms go in input.customPronunciations (the phrase stays in the text).
    lexicon_mode = "custom-pronunciations"
    # SSML through input.ssml (cloud.google.com/text-to-speech/docs/ssml): say-as characters, cardinal,
    # ordinal and telephone need no extra attributes; digits, date, time and currency are lowered.
    accepts_ssml, ssml_say_as, ssml_sub, ssml_phoneme = True, ("characters", "cardinal", "ordinal", "telephone"), \
        True, True

    def __init__(self, config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, kind=KIND, defaults=LIMITS, base_url=config.base_url or BASE_URL,
                         transport=transport, auth=self._auth)

    def _credential(self) -> tuple[Credential, str]:
        cfg = self.config
        if cfg.api_key_env or cfg.api_key_file:
            cred = require_key(cfg, ())
            auth = str(cfg.options.get("auth") or ("bearer" if "TOKEN" in (cfg.api_key_env or "").upper() else "key"))
            if auth not in ("bearer", "key"):
                raise UsageError(f"provider {self.label}: option auth must be bearer or key, not {auth!r}")
            return cred, auth
        cred = require_key(cfg, (TOKEN_ENV, KEY_ENV))
        return cred, "bearer" if cred.source == TOKEN_ENV else "key"

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        cred, auth = self._credential()
        headers = {"authorization": f"Bearer {cred.value}"} if auth == "bearer" else {"x-goog-api-key": cred.value}
        project = self.config.options.get("project")
        if project:
            headers["x-goog-user-project"] = str(project)
        return headers, {}

    @staticmethod
    def encoding(request: SynthesisRequest) -> tuple[dict[str, Any], AudioFormat]:
        if request.telephony:
            return {"audioEncoding": "MULAW", "sampleRateHertz": 8000}, AudioFormat("wav", "mulaw", 8000)
        return {"audioEncoding": "LINEAR16", "sampleRateHertz": 24000}, AudioFormat("wav", "pcm_s16le", 24000)

    def body(self, request: SynthesisRequest) -> dict[str, Any]:
        audio_config, _ = self.encoding(request)
        if request.speed != 1.0:
            audio_config["speakingRate"] = request.speed
        pitch = self.number_option(request, "pitch", float)
        if pitch is not None:
            audio_config["pitch"] = pitch
        gain = self.number_option(request, "volume_gain_db", float)
        if gain is not None:
            audio_config["volumeGainDb"] = gain
        profile = self.option(request, "effects_profile")
        if profile:
            audio_config["effectsProfileId"] = [profile]
        voice: dict[str, Any] = {"languageCode": request.language}
        if request.voice and request.voice != "default":
            voice["name"] = request.voice
        text_input: dict[str, Any] = {"ssml": f"<speak>{request.text}</speak>"} if request.ssml \
            else {"text": request.text}
        if request.lexicon:  # the lexicon's phonetic forms for the terms this text holds
            text_input["customPronunciations"] = {"pronunciations": [
                {"phrase": term, "phoneticEncoding": PHONETIC_ENCODINGS[alphabet], "pronunciation": form}
                for term, alphabet, form in request.lexicon]}
        return {"input": text_input, "voice": voice, "audioConfig": audio_config}

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        body = self.body(request)
        key: dict[str, object] = {"endpoint": "v1/text:synthesize", "language": request.language,
                                  "audioConfig": json.dumps(body["audioConfig"], sort_keys=True)}
        base = key_base_url(self.base_url, BASE_URL)  # never credentials: keys are stored and shared
        if base is not None:
            key["base_url"] = base
        if request.ssml:
            key["markup"] = "ssml"
        return key

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        size = len(request.text.encode("utf-8")) + (len("<speak></speak>") if request.ssml else 0)
        if size > MAX_BYTES:
            raise ProviderError(f"text is {size} bytes; Google takes at most {MAX_BYTES} bytes per request",
                                provider=self.label)
        _, fmt = self.encoding(request)

        def handle(response: httpx.Response) -> SynthesisResult:
            audio = self._audio_content(response)
            return self.audio_result(audio, fmt, request, response)

        # The audio arrives base64-encoded inside JSON: 4/3 of its size.
        return self.http.call("POST", "/v1/text:synthesize", json_body=self.body(request), chars=len(request.text),
                              handle=handle, max_bytes=self.body_cap(request, fmt, base64=True))

    def _audio_content(self, response: httpx.Response) -> bytes:
        def invalid(why: str) -> InvalidAudioError:
            return InvalidAudioError(f"HTTP {response.status_code} but {why}", provider=self.label,
                                     status=response.status_code, request_id=request_id_of(response), retryable=True)

        try:
            payload = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            ctype = response.headers.get("content-type", "?")
            raise invalid(f"the body is not JSON ({ctype})") from None
        content = payload.get("audioContent") if isinstance(payload, dict) else None
        if not isinstance(content, str) or not content:
            raise invalid("no audioContent in the JSON body")
        try:
            return base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("audioContent is not base64") from None

    def voices(self) -> list[VoiceInfo]:
        """GET /v1/voices: `{"voices": [{"name", "languageCodes", "ssmlGender", "naturalSampleRateHertz"}]}`
        (cloud_tts.proto ListVoicesResponse)."""
        data = self.get_json("/v1/voices")
        found = []
        for v in (data.get("voices") if isinstance(data, dict) else None) or []:
            if not isinstance(v, dict) or not v.get("name"):
                continue
            gender = str(v.get("ssmlGender") or "").lower()
            rate = v.get("naturalSampleRateHertz")
            found.append(VoiceInfo(str(v["name"]), tuple(str(x) for x in v.get("languageCodes") or ()),
                                   gender if gender in ("female", "male", "neutral") else None,
                                   f"{rate} Hz" if rate else ""))
        return found

    def check_voice(self, voice: str, language: str) -> str | None:
        if voice in ("", "default"):
            return None  # Google picks a voice for languageCode
        if locale_of(voice) is None:
            return "Google voice names look like en-US-Neural2-F (see GET /v1/voices)"
        return language_mismatch(voice, language)


def create(config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> Provider:
    return GoogleProvider(config, transport=transport)
