"""Provider kinds by name. Modules are imported lazily so `narrate build` on the embedded engine never imports httpx."""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import UsageError
from .base import Provider, ProviderConfig

# kind -> module under narrate.providers exposing `create(config, *, transport=None) -> Provider`
KINDS: dict[str, str] = {
    "espeak": "espeak",
    "openai": "openai",
    "deepgram": "deepgram",
    "elevenlabs": "elevenlabs",
    "google": "google",
    "azure": "azure",
    "polly": "polly",
    "piper": "piper",  # the `piper` extra: create() says how to install it when it is missing
}


def create_provider(config: ProviderConfig, *, transport: Any = None) -> Provider:
    module_name = KINDS.get(config.kind)
    if module_name is None:
        raise UsageError(f"unknown provider kind {config.kind!r}", hint=", ".join(sorted(KINDS)))
    module = importlib.import_module(f"narrate.providers.{module_name}")
    return module.create(config, transport=transport)
