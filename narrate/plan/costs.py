"""Estimated synthesis cost from a price table (USD per million characters).

The defaults are list prices for each provider's common voices as published by mid-2026 (see
../shared/reference/providers.md); plans and voice families differ, so a manifest's `prices:`
(keyed by provider name or kind) overrides them. They are estimates for a budget gate, not bills.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .prompts import Segment

PRICES_AS_OF = "2026-08"
DEFAULT_PRICES: dict[str, float] = {
    "espeak": 0.0,  # embedded, offline
    "openai": 15.0,  # tts-1, measured $15 per 1M characters
    "deepgram": 30.0,  # Aura-2 list price, $0.030 per 1k characters
    "elevenlabs": 150.0,  # credit overage on Creator/Pro plans is roughly $0.15-0.30 per 1k characters
    "google": 16.0,  # Neural2 / WaveNet voices
    "azure": 15.0,  # neural voices, pay-as-you-go
    "polly": 16.0,  # neural voices (standard $4, generative $30 per 1M characters; providers.md, third-party)
    "piper": 0.0,  # local neural engine, offline
}


def price_for(provider: str, kind: str, prices: Mapping[str, float]) -> float | None:
    for name in (provider, kind):
        if name in prices:
            return prices[name]
    return DEFAULT_PRICES.get(kind)


def estimate(chars_by_provider: Mapping[str, int], kinds: Mapping[str, str],
             prices: Mapping[str, float]) -> dict[str, float | None]:
    """Cost per provider name; None where no price is known."""
    out: dict[str, float | None] = {}
    for provider, chars in chars_by_provider.items():
        price = price_for(provider, kinds.get(provider, provider), prices)
        out[provider] = None if price is None else round(chars * price / 1_000_000, 4)
    return out


def budget_for(option: int | None, manifest_max: int | None) -> int | None:
    """The character budget in force: `--max-chars` if given, else the manifest's `budget.max_chars`."""
    return option if option is not None else manifest_max


@dataclass(frozen=True)
class Spend:
    """What synthesizing the missing segments takes: characters and estimated USD per provider name."""

    chars_by_provider: dict[str, int]
    cost_usd_by_provider: dict[str, float | None]
    budget_chars: int | None

    @property
    def chars(self) -> int:
        return sum(self.chars_by_provider.values())

    @property
    def cost_usd(self) -> float:
        return round(sum(c for c in self.cost_usd_by_provider.values() if c), 4)

    @property
    def over_budget(self) -> bool:
        """The one budget rule for `plan` and `build`: more characters than the budget allows."""
        return self.budget_chars is not None and self.chars > self.budget_chars


def estimate_spend(missing: Iterable[Segment], kinds: Mapping[str, str], prices: Mapping[str, float],
                   budget_chars: int | None) -> Spend:
    """Characters and cost of synthesizing `missing`, per provider name (`kinds` maps names to kinds)."""
    chars: dict[str, int] = {}
    for seg in missing:
        chars[seg.provider] = chars.get(seg.provider, 0) + len(seg.request.text)
    return Spend(chars, estimate(chars, kinds, prices), budget_chars)
