"""Azure AI Speech `POST https://{region}.tts.speech.microsoft.com/cognitiveservices/v1` with an SSML body.

Key: AZURE_SPEECH_KEY (header `Ocp-Apim-Subscription-Key`) and AZURE_SPEECH_REGION (or option
`region`, or a full `base_url` such as a custom domain). The format is chosen with
`X-Microsoft-OutputFormat`: `raw-8khz-8bit-mono-mulaw` for telephony segments, otherwise
`riff-24khz-16bit-mono-pcm` (neural voices are 24 kHz natively; the RIFF header lets a truncated body
be detected). Speed becomes `<prosody rate="+N%">`. The region is not part of the segment key: the
same voice renders the same way everywhere.
"""

from __future__ import annotations

import os
from xml.sax.saxutils import escape, quoteattr

import httpx

from ..errors import UsageError
from .base import AudioFormat, Provider, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo
from .http import public_base_url
from .keys import require_key
from .languages import language_mismatch, locale_of
from .rest_provider import RestProvider

KIND = "azure"
KEY_ENVS = ("AZURE_SPEECH_KEY",)
REGION_ENV = "AZURE_SPEECH_REGION"
DEFAULT_VOICE = "en-US-AvaMultilingualNeural"
# No per-request character cap on REST, but audio past 10 minutes is cut off (speech-services-quotas-and-
# limits.md); 5,000 characters is about 5-6 minutes of speech. S0 allows 200 transactions/s by default,
# so concurrency, not rate, is the limit that matters; 20 in flight is well inside it and leaves room
# for 429s during Azure's autoscaling. The free tier F0 allows 20 transactions per 60 s: set
# `requests_per_minute: 20` there.
LIMITS = ProviderLimits(max_chars=5000, default_concurrency=20)


def ssml(request: SynthesisRequest, voice: str) -> str:
    text = request.text if request.ssml else escape(request.text)  # an SSML body is escaped already
    if request.speed != 1.0:
        text = f"<prosody rate={quoteattr(f'{(request.speed - 1) * 100:+.0f}%')}>{text}</prosody>"
    return (f"<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang={quoteattr(request.language)}>"
            f"<voice name={quoteattr(voice)}>{text}</voice></speak>")


class AzureProvider(RestProvider):
    contract_version = "azure-tts-v1.1"
    # narrate.text.lexicon_compile: phonetic forms become <phoneme alphabet="ipa|x-sampa"> in the SSML body.
    lexicon_mode = "ssml-phoneme"
    # say-as values Azure reads without a format attribute (speech-synthesis-markup-pronunciation.md);
    # date and time need format=, currency is not listed: those are lowered by narrate.
    accepts_ssml, ssml_say_as, ssml_sub, ssml_phoneme = True, ("digits", "characters", "telephone", "cardinal",
                                                               "ordinal"), True, True

    def __init__(self, config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        # The region may come from the environment; it is resolved per request so that planning needs none.
        super().__init__(config, kind=KIND, defaults=LIMITS, base_url=config.base_url or "",
                         transport=transport, auth=self._auth)

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        return {"ocp-apim-subscription-key": require_key(self.config, KEY_ENVS).value}, {}

    def credential_problem(self) -> str | None:
        """The key, then the region (both needed before the first request)."""
        problem = super().credential_problem()
        if problem is None:
            try:
                self.endpoint()
            except UsageError as exc:
                return str(exc)
        return problem

    def endpoint(self) -> str:
        if self.config.base_url:
            return f"{self.base_url}/cognitiveservices/v1"
        region = str(self.config.options.get("region") or os.environ.get(REGION_ENV, "")).strip()
        if not region:
            raise UsageError(f"provider {self.label}: no Azure region: set {REGION_ENV}",
                             hint=f"or options.region / base_url in providers.{self.label}")
        return f"https://{region}.tts.speech.microsoft.com/cognitiveservices/v1"

    @staticmethod
    def output_format(request: SynthesisRequest) -> tuple[str, AudioFormat]:
        if request.telephony:
            return "raw-8khz-8bit-mono-mulaw", AudioFormat("raw", "mulaw", 8000)
        return "riff-24khz-16bit-mono-pcm", AudioFormat("wav", "pcm_s16le", 24000)

    def voice(self, request: SynthesisRequest) -> str:
        return request.voice if request.voice and request.voice != "default" else DEFAULT_VOICE

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        key: dict[str, object] = {"endpoint": "cognitiveservices/v1", "output_format": self.output_format(request)[0],
                                  "ssml": ssml(SynthesisRequest("", self.voice(request), request.language,
                                                                speed=request.speed), self.voice(request))}
        if self.config.base_url:
            key["base_url"] = public_base_url(self.base_url)
        if request.ssml:
            key["markup"] = "ssml"
        return key

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        output_format, fmt = self.output_format(request)

        def handle(response: httpx.Response) -> SynthesisResult:
            return self.audio_result(response.content, fmt, request, response,
                                     content_type=response.headers.get("content-type"))

        return self.http.call("POST", self.endpoint(), content=ssml(request, self.voice(request)).encode("utf-8"),
                              headers={"content-type": "application/ssml+xml", "x-microsoft-outputformat": output_format},
                              chars=len(request.text), handle=handle, max_bytes=self.body_cap(request, fmt))

    def voices(self) -> list[VoiceInfo]:
        """GET /cognitiveservices/voices/list (rest-text-to-speech.md): a JSON list of {ShortName,
        Locale, Gender, StyleList, SecondaryLocaleList, LocaleName, VoiceType}."""
        url = self.endpoint().removesuffix("/cognitiveservices/v1") + "/cognitiveservices/voices/list"
        data = self.get_json(url)
        found = []
        for v in data if isinstance(data, list) else []:
            if not isinstance(v, dict) or not v.get("ShortName"):
                continue
            langs = tuple(str(x) for x in [v.get("Locale"), *(v.get("SecondaryLocaleList") or [])] if x)
            gender = str(v.get("Gender") or "").lower() or None
            description = " ".join(str(v[k]) for k in ("LocaleName", "VoiceType") if v.get(k))
            found.append(VoiceInfo(str(v["ShortName"]), langs, gender, description,
                                   tuple(str(s) for s in v.get("StyleList") or ())))
        return found

    def check_voice(self, voice: str, language: str) -> str | None:
        if voice in ("", "default"):
            return None
        if locale_of(voice) is None:
            return "Azure voice names look like en-US-AvaMultilingualNeural"
        if "Multilingual" in voice:
            return None  # multilingual voices speak other languages too
        return language_mismatch(voice, language)


def create(config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> Provider:
    return AzureProvider(config, transport=transport)
