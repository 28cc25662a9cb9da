"""Amazon Polly `POST https://polly.{region}.amazonaws.com/v1/speech` (SynthesizeSpeech), signed with SigV4.

Credentials and region come from botocore (the `aws` extra): its resolver walks the standard AWS
chain (environment, shared credentials and config files with `AWS_PROFILE` or option `profile`,
web identity, container and instance roles), and `botocore.auth.SigV4Auth` signs each attempt
(the date is part of the signature). The request itself goes out through narrate's HTTP layer, so
retries, bounds, validation and logging are those of every REST provider. Region: option `region`,
else the chain's (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile). `base_url` replaces the endpoint
(a VPC endpoint, or moto in tests).

Request (botocore `data/polly/2016-06-10/service-2.json`): JSON `{Text, TextType, VoiceId, Engine,
OutputFormat, SampleRate, LexiconNames}`. Engine: option `engine`, one of standard (the API's
default), neural, long-form, generative; it must be one the voice supports. Audio: telephony
segments ask for `pcm` at 8000 Hz (raw signed 16-bit little-endian mono; the portable choice:
`mulaw` exists only in 2026 service models); others for the engine's native rate, 22050 Hz for
standard and 24000 Hz for the others, which Polly gives only as `mp3` (pcm is 8000 or 16000 Hz
only). Option `sample_rate: 16000` (or 8000) asks for lossless pcm instead. Speed becomes SSML
`<prosody rate="N%">` (Polly has no speed parameter).

Limits: 3,000 billed characters per request (6,000 in total with SSML tags; over it 400
TextLengthExceededException), given to the splitter as max_chars. Throttling is HTTP 400 with error
type ThrottlingException (x-amzn-ErrorType header, or `__type` in the body): retried by the common
policy like a 429. Default rates (docs.aws.amazon.com/polly/latest/dg/limits.html): standard 80 TPS
(burst 100), neural/long-form 8 TPS (burst 10); concurrency 8 keeps neural voices under theirs.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import httpx

from ..errors import ProviderError, UsageError
from . import secrets
from .base import AudioFormat, Provider, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo
from .http import default_classify, request_id_of
from .polly_lexicon import LexiconStore
from .rest_provider import RestProvider

KIND = "polly"
SERVICE = "polly"
ENGINES = ("standard", "neural", "long-form", "generative")
DEFAULT_VOICE = "Joanna"  # en-US, supported by every engine
# 3,000 billed characters per request (service-2.json, TextLengthExceededException).
MAX_CHARS = 3000
LIMITS = ProviderLimits(max_chars=MAX_CHARS, default_concurrency=8)
PCM_RATES = (8000, 16000)  # the only rates Polly gives as pcm (SampleRate doc in service-2.json)
MP3_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
# botocore data/_retry.json: these error codes are throttling, retried like 429 whatever the status.
THROTTLE_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestTimeout",
                            "RequestLimitExceeded"})
MAX_VOICE_PAGES = 20  # DescribeVoices pages at most (Polly has about 100 voices: one or two pages)
_VOICE_ID = re.compile(r"^[A-Z][A-Za-z-]{1,30}$")


def error_code(response: httpx.Response) -> str | None:
    """Polly's error code: the `x-amzn-ErrorType` header (`Code:uri`), else `__type`/`code` in the JSON body."""
    header = response.headers.get("x-amzn-errortype")
    if header:
        return header.split(":", 1)[0].strip() or None
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(body, dict):
        code = body.get("__type") or body.get("code") or body.get("Code")
        if isinstance(code, str) and code:
            return code.rsplit("#", 1)[-1]
    return None


# AWS's refusals of the credentials themselves (common errors of every service): no request can pass.
CREDENTIAL_CODES = frozenset({"UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException",
                              "AccessDeniedException", "IncompleteSignature", "MissingAuthenticationToken",
                              "InvalidClientTokenId", "SignatureDoesNotMatch", "NotAuthorized"})


def classify(provider: str, response: httpx.Response) -> ProviderError:
    """default_classify, plus Polly's throttling: HTTP 400 with ThrottlingException is retryable."""
    error = default_classify(provider, response)
    code = error_code(response)
    if code:
        try:
            body = json.loads(response.content)
            reason = body.get("message") or body.get("Message") if isinstance(body, dict) else None
        except (ValueError, UnicodeDecodeError):
            reason = None
        error.message = f"HTTP {response.status_code} {code}: {reason or code}"
        error.args = (error.message,)
    if code in THROTTLE_CODES:
        error.retryable = True
    elif code in CREDENTIAL_CODES:  # some come as 400: the credentials are refused, whatever the status
        error.retryable, error.account = False, True
    elif code == "LexiconNotFoundException":
        # narrate uploads each lexicon to the endpoint it synthesizes at, just before: a 404 means the
        # upload is not visible yet (lexicon updates are eventually consistent), so try again.
        error.retryable = True
        error.hint = "a lexicon narrate uploaded is not visible yet (Polly's lexicon updates are eventually consistent)"
    return error


def _botocore() -> Any:
    try:
        import botocore.session
    except ImportError:
        return None
    return botocore.session


class PollyProvider(RestProvider):
    contract_version = "polly-v1"
    # SSML (docs.aws.amazon.com/polly/latest/dg/supportedtags.html): say-as values read without extra
    # attributes; sub and phoneme (ipa, x-sampa). Breaks are narrate's own silence.
    accepts_ssml, ssml_say_as, ssml_sub, ssml_phoneme = True, ("characters", "cardinal", "ordinal", "digits",
                                                               "telephone"), True, True
    # Lexicon entries with a phonetic form go to Polly as a PLS lexicon (PutLexicon), named in LexiconNames.
    lexicon_mode = "pls"

    def __init__(self, config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, kind=KIND, defaults=LIMITS, base_url=config.base_url or "", transport=transport,
                         auth=None, classify=classify, sign=self._sign)
        self._session: Any = None
        self._lock = threading.RLock()
        self.lexicons = LexiconStore(self)

    # ------------------------------------------------------------------ credentials and signing

    def session(self) -> Any:
        """The botocore session (credential chain, region); UsageError when botocore is not installed."""
        with self._lock:
            return self._make_session()

    def _make_session(self) -> Any:
        if self._session is None:
            module = _botocore()
            if module is None:
                raise UsageError(f"provider {self.label}: Amazon Polly needs botocore (AWS credentials and signing)",
                                 hint="pip install 'narrate-build[aws]'")
            profile = self.config.options.get("profile")
            self._session = module.Session(profile=str(profile) if profile else None)
        return self._session

    def region(self) -> str:
        """Option `region`, else AWS_REGION (which botocore does not read), else botocore's
        (AWS_DEFAULT_REGION, the profile's `region`)."""
        region = str(self.config.options.get("region") or os.environ.get("AWS_REGION") or "").strip()
        if not region:
            region = str(self.session().get_config_variable("region") or "").strip()
        if not region:
            raise UsageError(f"provider {self.label}: no AWS region: set AWS_REGION",
                             hint=f"or options.region in providers.{self.label}, or region in the AWS profile")
        return region

    def credentials(self) -> Any:
        """Frozen credentials from the chain (refreshed by botocore when they expire)."""
        from botocore.exceptions import BotoCoreError

        try:
            with self._lock:  # the chain is resolved once, by one thread; botocore caches the result
                creds = self.session().get_credentials()
        except BotoCoreError as exc:  # a broken profile, a failed web-identity exchange...
            raise UsageError(f"provider {self.label}: AWS credentials: {secrets.mask(str(exc))}") from None
        if creds is None:
            raise UsageError(f"provider {self.label}: no AWS credentials: set AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
                             hint="any source of the standard AWS chain works: web identity, container or instance role")
        frozen = creds.get_frozen_credentials()
        secrets.register(frozen.secret_key, frozen.token)
        return frozen

    def credential_source(self) -> str | None:
        method = getattr(self._session and self._session.get_credentials(), "method", None)
        return f"the AWS credentials ({method})" if method else "the AWS credentials"

    def credential_problem(self) -> str | None:
        try:
            self.credentials()
            self.region()
        except UsageError as exc:
            return str(exc)
        return None

    def endpoint(self) -> str:
        return self.base_url or f"https://polly.{self.region()}.amazonaws.com"

    def _sign(self, request: httpx.Request) -> None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        aws = AWSRequest(method=request.method, url=str(request.url), data=request.content,
                         headers={"content-type": request.headers.get("content-type", "")}
                         if request.content else {})
        SigV4Auth(self.credentials(), SERVICE, self.region()).add_auth(aws)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in aws.headers:
                request.headers[name.lower()] = aws.headers[name]

    # ------------------------------------------------------------------ requests

    def engine(self, request: SynthesisRequest) -> str:
        engine = self.option(request, "engine") or "standard"
        if engine not in ENGINES:
            raise UsageError(f"provider {self.label}: option engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        return engine

    def output(self, request: SynthesisRequest) -> tuple[str, int, AudioFormat]:
        """(OutputFormat, SampleRate, what the bytes are)."""
        if request.telephony:
            return "pcm", 8000, AudioFormat("raw", "pcm_s16le", 8000)
        rate = self.number_option(request, "sample_rate", int)
        if rate is None:
            rate = 22050 if self.engine(request) == "standard" else 24000
        if rate in PCM_RATES:
            return "pcm", rate, AudioFormat("raw", "pcm_s16le", rate)
        if rate not in MP3_RATES:
            raise UsageError(f"provider {self.label}: sample_rate {rate} is not one Polly offers "
                             f"({', '.join(map(str, MP3_RATES))})")
        return "mp3", rate, AudioFormat("mp3", "mp3", rate)

    def voice(self, request: SynthesisRequest) -> str:
        return request.voice if request.voice and request.voice != "default" else DEFAULT_VOICE

    def text(self, request: SynthesisRequest) -> tuple[str, str]:
        """(Text, TextType): SSML when the request is SSML or its speed is not 1."""
        if not request.ssml and request.speed == 1.0:
            return request.text, "text"
        body = request.text if request.ssml else escape(request.text)
        if request.speed != 1.0:
            body = f"<prosody rate={quoteattr(f'{request.speed * 100:.0f}%')}>{body}</prosody>"
        return f"<speak>{body}</speak>", "ssml"

    def body(self, request: SynthesisRequest, lexicon_names: list[str] | None = None) -> dict[str, Any]:
        output, rate, _ = self.output(request)
        text, text_type = self.text(request)
        body: dict[str, Any] = {"Engine": self.engine(request), "OutputFormat": output, "SampleRate": str(rate),
                                "Text": text, "TextType": text_type, "VoiceId": self.voice(request)}
        language_code = self.option(request, "language_code")
        if language_code:  # only bilingual voices need it (service-2.json)
            body["LanguageCode"] = request.language if language_code in ("true", "True", "yes") else language_code
        if lexicon_names:
            body["LexiconNames"] = lexicon_names
        return body

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        output, rate, _ = self.output(request)
        key: dict[str, object] = {"endpoint": "v1/speech", "engine": self.engine(request), "output_format": output,
                                  "sample_rate": rate, "speed": request.speed}
        language_code = self.option(request, "language_code")
        if language_code:
            key["language_code"] = language_code
        if request.ssml:
            key["markup"] = "ssml"
        return key

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        _, _, fmt = self.output(request)
        names = self.lexicons.names_for(request)

        def handle(response: httpx.Response) -> SynthesisResult:
            return self.audio_result(response.content, fmt, request, response,
                                     content_type=response.headers.get("content-type"))

        return self.http.call("POST", f"{self.endpoint()}/v1/speech", json_body=self.body(request, names),
                              chars=len(request.text), handle=handle, max_bytes=self.body_cap(request, fmt))

    def voices(self) -> list[VoiceInfo]:
        """DescribeVoices (GET /v1/voices), every page; gender and engines as Polly reports them."""
        found: list[VoiceInfo] = []
        token: str | None = None
        for _ in range(MAX_VOICE_PAGES):
            params = {"IncludeAdditionalLanguageCodes": "true", **({"NextToken": token} if token else {})}

            def handle(response: httpx.Response) -> dict[str, Any]:
                try:
                    data = json.loads(response.content)
                except (ValueError, UnicodeDecodeError):
                    raise ProviderError("DescribeVoices answered something that is not JSON", provider=self.label,
                                        request_id=request_id_of(response)) from None
                return data if isinstance(data, dict) else {}

            page = self.http.call("GET", f"{self.endpoint()}/v1/voices", params=params, handle=handle)
            for v in page.get("Voices") or []:
                if not isinstance(v, dict) or not v.get("Id"):
                    continue
                langs = tuple(str(x) for x in [v.get("LanguageCode"), *(v.get("AdditionalLanguageCodes") or [])] if x)
                engines = ", ".join(str(e) for e in v.get("SupportedEngines") or [])
                gender = str(v["Gender"]).lower() if v.get("Gender") else None
                found.append(VoiceInfo(str(v["Id"]), langs, gender,
                                       f"{v.get('LanguageName', '')}; engines: {engines}".strip("; ")))
            token = page.get("NextToken")
            if not token:
                break
        return found

    def check_voice(self, voice: str, language: str) -> str | None:
        if voice in ("", "default") or _VOICE_ID.match(voice):
            return None
        return "Polly voices are names like Joanna, Lupe or Hans (see narrate voices --provider polly)"


def create(config: ProviderConfig, *, transport: httpx.BaseTransport | None = None) -> Provider:
    return PollyProvider(config, transport=transport)
