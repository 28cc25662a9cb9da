"""The manifest's base section and the settings every library, language, prompt and book shares:
provider, model, speed, options, level, silence and voice (narrate.manifest.model has the rest)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, WithJsonSchema

from .fields import FALSE, MAPPING, Either, Omittable, Range


class Section(BaseModel):
    """A mapping with a fixed set of keys: unknown keys are errors, and YAML types are taken as written."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


# ---------------------------------------------------------------- settings


class Level(Section):
    """Loudness normalisation of active speech (ITU-T P.56 style), then a peak limit."""

    target_dbov: Omittable[Annotated[float, Range(-60, 0)]] = Field(
        None, description="active speech level target in dBov (default -26)")
    peak_dbfs: Omittable[Annotated[float, Range(-30, 0)]] = Field(
        None, description="sample peak limit in dBFS (default -3)")


class Silence(Section):
    """Leading/trailing silence: trimmed at a threshold, then padded to fixed lengths."""

    trim: Omittable[StrictBool] = Field(None, description="trim leading/trailing silence (default true)")
    threshold_dbov: Omittable[Annotated[float, Range(-96, -10)]] = Field(
        None, description="silence threshold in dBov (default -50)")
    lead_ms: Omittable[Annotated[int, Range(0, 10_000)]] = Field(
        None, description="silence added before speech, ms (default 50)")
    trail_ms: Omittable[Annotated[int, Range(0, 10_000)]] = Field(
        None, description="silence added after speech, ms (default 250)")


# Synthesis options are passed to the provider as text; nested values are refused in core.py.
Options = Annotated[dict[str, Any], WithJsonSchema(
    {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}})]


class PromptSettings(Section):
    """The settings a single prompt may override (the voice belongs to its language)."""

    provider: Omittable[StrictStr] = Field(None, description="provider name: a key of `providers:` or a provider kind (default espeak)")  # noqa: E501
    model: Omittable[StrictStr] = Field(None, description="provider model")
    speed: Omittable[Annotated[float, Range(0.25, 4.0)]] = Field(
        None, description="speaking rate, 0.25 to 4.0 (default 1.0)")
    options: Omittable[Options] = Field(None, description="provider-specific synthesis options (mapping of plain values)")
    level: Omittable[Annotated[Annotated[Literal[False], FALSE] | Annotated[Level, MAPPING],
                               Either("a mapping or false", FALSE, MAPPING)]] = Field(
        None, description="loudness: {target_dbov, peak_dbfs}, or false to leave the level as synthesized")
    silence: Omittable[Annotated[Annotated[Literal[False], FALSE] | Annotated[Silence, MAPPING],
                                 Either("a mapping or false", FALSE, MAPPING)]] = Field(
        None, description="silence handling: {trim, threshold_dbov, lead_ms, trail_ms}, or false for none")


class Settings(PromptSettings):
    """Synthesis and processing settings, inherited defaults -> library -> language -> prompt -> prompt-in-language."""

    voice: Omittable[StrictStr] = Field(None, description="voice name for the provider")
