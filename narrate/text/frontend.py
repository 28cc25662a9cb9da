"""What the text front-end contributes to a segment key, and whether narrate normalises for a provider.

The manifest's per-provider `normalize: auto | on | off` decides whether narrate says numbers
itself (normalize.normalize with a language) before hashing: `auto` turns it on for providers
that do not normalise well themselves (the embedded engine) and off for those that do (the REST
providers, which mark themselves with `normalizes_text = True`). The versions of the normaliser
and of the sentence splitter go into every segment key, so upgrading either re-synthesizes
deliberately (README, "Upgrading the text front-end").
"""

from __future__ import annotations

from typing import Any

from .normalize import NORMALIZER_VERSION
from .sentences import SPLITTER_VERSION

NORMALIZE_SETTINGS = ("auto", "on", "off")


def normalization_applies(provider: Any, setting: str | None = None) -> bool:
    """Whether narrate normalises numbers for this provider.

    setting: "on", "off" or "auto". None reads the provider's config (`provider.config.normalize`,
    where the manifest puts the per-provider setting), defaulting to "auto". "auto" is on unless
    the provider class says `normalizes_text = True`. Raises ValueError for any other setting.
    """
    if setting is None:
        setting = getattr(getattr(provider, "config", None), "normalize", None) or "auto"
    if setting not in NORMALIZE_SETTINGS:
        raise ValueError(f"normalize must be one of {', '.join(NORMALIZE_SETTINGS)}, not {setting!r}")
    if setting == "auto":
        return not getattr(provider, "normalizes_text", False)
    return setting == "on"


def key_material(normalized: bool) -> dict[str, str]:
    """The front-end's part of a segment key's header: {"normalizer": version or "off", "splitter": version}."""
    return {"normalizer": NORMALIZER_VERSION if normalized else "off", "splitter": SPLITTER_VERSION}
