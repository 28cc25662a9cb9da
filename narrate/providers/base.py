"""The provider interface: text, voice and options in; audio bytes and their format out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

# AudioFormat lives in the audio layer (audio imports nothing from providers); re-exported here.
from ..audio.formats import AudioFormat

__all__ = ["AudioFormat", "Provider", "ProviderConfig", "ProviderLimits", "SynthesisRequest", "SynthesisResult",
           "VoiceInfo"]


@dataclass(frozen=True, slots=True)  # slots: one per planned sentence (~11,000 in a 10-hour book)
class SynthesisRequest:
    """Everything that changes the audio a provider returns. Hashed (via Provider.key_params) into the segment key."""

    text: str
    voice: str
    language: str
    model: str | None = None
    speed: float = 1.0
    # True when every output made from this segment is 8 kHz: REST providers then ask for G.711 natively.
    telephony: bool = False
    # Provider-specific extras from the manifest (`options:`), sorted pairs so the request stays hashable.
    options: tuple[tuple[str, str], ...] = ()
    # True when `text` is an SSML `<speak>` body compiled by narrate.text.markup (escaped, only the
    # elements the provider declares): sent only to providers whose class says `accepts_ssml = True`.
    ssml: bool = False
    # Pronunciations for this segment that go to the provider out of band (a PLS lexicon, Google's
    # customPronunciations, an ElevenLabs dictionary): (term, alphabet "ipa" | "x-sampa", phonetic form),
    # only those whose term the text holds, sorted. Part of the key, so one rule re-renders only its segments.
    lexicon: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class SynthesisResult:
    audio: bytes
    format: AudioFormat
    request_id: str | None = None
    billed_chars: int | None = None
    # Word timings where the provider returns them (ElevenLabs with-timestamps): (word, start s, end s)
    # from the start of `audio`. Kept in the cache entry for word-level captions (narrate.package.transcripts).
    words: tuple[tuple[str, float, float], ...] | None = None
    # True when the provider already ran audio.validate.check_audio on this very audio, for the
    # request it answers (RestProvider.audio_result): synthesis then does not decode and sniff it again.
    checked: bool = field(default=False, compare=False, repr=False)


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    languages: tuple[str, ...]
    gender: str | None = None  # "female" | "male" | "neutral", as the provider says; None when it does not
    description: str = ""
    styles: tuple[str, ...] = ()  # speaking styles the provider lists for the voice (Azure's StyleList...)


@dataclass(frozen=True)
class ProviderLimits:
    max_chars: int
    default_concurrency: int
    # Optional throttles (None = unlimited).
    requests_per_minute: int | None = None
    chars_per_minute: int | None = None


@runtime_checkable
class Provider(Protocol):
    """Optional class attributes read by narrate.text.markup.target_of (absent means False/empty):
    `accepts_ssml` (the provider takes an SSML body), `ssml_say_as` (interpret-as values it reads
    natively), `ssml_sub`, `ssml_phoneme`. Everything else in prompt markup is lowered to text. `local`: the
    engine speaks on this machine's cores (the build renders each segment as soon as it is spoken)."""

    name: str
    limits: ProviderLimits

    @property
    def contract_version(self) -> str:  # read-only here, so that a class attribute and a property both fit
        """Bump when the same request would now produce different audio (new endpoint version, new decoding)."""
        ...

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        """The request parameters that change the returned audio (format, rate, speed, model...). Never secrets,
        and never anything drawn from `request.text`: planning asks once per voice and settings, not per text."""
        ...

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        """Synthesize one segment: `request.text` (at most `limits.max_chars` characters) in
        `request.voice` -> audio bytes and their AudioFormat (container, encoding, sample rate in Hz),
        checked before they are returned (status, content type, sniffed codec, plausible duration).
        Raises ProviderError (`retryable` says whether the common policy may try again; REST
        providers have already retried) or InvalidAudioError; never returns unchecked bytes."""
        ...

    def voices(self) -> list[VoiceInfo]:
        ...

    def check_voice(self, voice: str, language: str) -> str | None:
        """None if the voice is usable, else a one-line reason (used by manifest validation)."""
        ...

    def close(self) -> None:
        ...


@dataclass
class ProviderConfig:
    """Provider settings from the manifest's `providers:` section plus the environment."""

    name: str
    kind: str  # which implementation: "espeak", "openai", "deepgram", ...
    base_url: str | None = None
    api_key_env: str | None = None
    api_key_file: str | None = None
    concurrency: int | None = None
    requests_per_minute: int | None = None
    chars_per_minute: int | None = None
    timeout_s: float | None = None
    max_attempts: int | None = None
    max_retry_time_s: float | None = None
    options: dict[str, object] = field(default_factory=dict)
    normalize: str | None = None  # "auto" | "on" | "off" (narrate.text.frontend.normalization_applies); None = auto
    root: str | None = None  # the manifest's folder: relative paths in `options` (Piper's voices_dir) start there
