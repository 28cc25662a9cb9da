"""What every REST provider shares, built on http.RestClient: the manifest's limits over the
provider's defaults (`effective_limits`), one retrying client with its throttle, credential checks,
option lookup, and validation of an audio body before anything can cache it (`RestProvider`). The
provider modules (azure, deepgram, elevenlabs, google, openai, polly) subclass RestProvider; the
sending itself (retries, deadlines, logging, masking) stays in http.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from ..errors import ProviderError, UsageError
from . import secrets
from .base import AudioFormat, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult
from .http import Classify, RestClient
from .policy import RetryPolicy
from .responses import billed_chars_of, default_classify, request_id_of, url_secrets
from .throttle import Throttle

T = TypeVar("T")



def effective_limits(defaults: ProviderLimits, config: ProviderConfig) -> ProviderLimits:
    """The provider's documented defaults with the manifest's overrides applied."""
    return ProviderLimits(
        max_chars=defaults.max_chars,
        default_concurrency=config.concurrency or defaults.default_concurrency,
        requests_per_minute=config.requests_per_minute or defaults.requests_per_minute,
        chars_per_minute=config.chars_per_minute or defaults.chars_per_minute,
    )


class RestProvider:
    """What every REST provider shares: limits, one RestClient, option lookup, response validation."""

    name: str
    contract_version: str
    limits: ProviderLimits
    # These services read numbers, dates and currency themselves: `normalize: auto` leaves the text alone.
    normalizes_text = True

    def __init__(self, config: ProviderConfig, *, kind: str, defaults: ProviderLimits, base_url: str,
                 transport: httpx.BaseTransport | None,
                 auth: Callable[[], tuple[dict[str, str], dict[str, str]]] | None,
                 classify: Classify = default_classify,
                 sign: Callable[[httpx.Request], None] | None = None) -> None:
        self.name = kind  # the kind goes into segment keys; the config name into messages
        self.config = config
        self.label = config.name
        self.limits = effective_limits(defaults, config)
        self.base_url = base_url.rstrip("/")
        if self.base_url:
            secrets.register(*url_secrets(self.base_url))
        throttle = Throttle(self.limits.requests_per_minute, self.limits.chars_per_minute)
        self.http = RestClient(config.name, base_url=self.base_url, policy=RetryPolicy.from_config(config),
                               timeout_s=config.timeout_s, concurrency=self.limits.default_concurrency,
                               throttle=throttle if throttle.active else None, transport=transport,
                               auth=auth, classify=classify, sign=sign)

    def credential_problem(self) -> str | None:
        """None when this provider's credentials can be found, else the one-line reason naming the
        variable or file to set (never a value). Looks the key up as the first request would, so a
        key found now is the one used (and is registered for masking)."""
        try:
            self.http.auth_now()
        except UsageError as exc:
            return str(exc)
        return None

    def credential_source(self) -> str | None:
        """Where this provider's key was read from (a variable or a file), for a refusal's message."""
        from .keys import source_of

        return source_of(self.config.name)

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET `url` through the retrying client and parse its JSON body (voice lists and the like).
        Raises ProviderError (not retried) when the body is not JSON."""
        import json

        def handle(response: httpx.Response) -> Any:
            try:
                return json.loads(response.content)
            except (ValueError, UnicodeDecodeError):
                raise ProviderError(f"GET {url}: the answer is not JSON", provider=self.label,
                                    request_id=request_id_of(response)) from None

        return self.http.call("GET", url, params=params, handle=handle)

    def option(self, request: SynthesisRequest, key: str, default: str | None = None) -> str | None:
        """A synthesis option: the prompt's `options:` first, then the provider config's."""
        for k, v in request.options:
            if k == key:
                return v
        value = self.config.options.get(key)
        return default if value is None else str(value)

    def number_option(self, request: SynthesisRequest, key: str, cast: Callable[[str], T]) -> T | None:
        value = self.option(request, key)
        if value is None or value == "":
            return None
        try:
            return cast(value)
        except ValueError:
            raise UsageError(f"provider {self.label}: option {key}={value!r} is not a {cast.__name__}") from None

    @staticmethod
    def body_cap(request: SynthesisRequest, fmt: AudioFormat, *, base64: bool = False) -> int:
        """The largest response body accepted for `request` in `fmt` (audio.limits.max_body_bytes)."""
        from ..audio.limits import max_body_bytes

        return max_body_bytes(request.text, fmt, speed=request.speed, base64=base64)

    def audio_result(self, data: bytes, fmt: AudioFormat, request: SynthesisRequest, response: httpx.Response,
                     *, content_type: str | None = None) -> SynthesisResult:
        """Validate (sniff and decode) the body before anyone can cache it; InvalidAudioError is retried."""
        from ..audio.validate import check_audio

        rid = request_id_of(response)
        check_audio(data, fmt, request.text, provider=self.label, content_type=content_type, request_id=rid,
                    speed=request.speed)
        return SynthesisResult(audio=data, format=fmt, request_id=rid, billed_chars=billed_chars_of(response),
                               checked=True)

    def close(self) -> None:
        self.http.close()

