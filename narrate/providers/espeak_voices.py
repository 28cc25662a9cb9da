"""Which eSpeak NG voice a manifest's voice field names: identifiers, names and BCP-47 tags (with
RFC 4647 lookup and a few aliases), an optional +variant, and the languages a voice lists.
Re-exported by providers.espeak, whose engine holds the voice index."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from ..errors import VoiceError

if TYPE_CHECKING:
    from .espeak import _Engine

# BCP-47 tags whose espeak voice is not found by the tag itself or its primary language.
LANGUAGE_ALIASES = {
    "es-us": "es-419", "es-mx": "es-419", "es-ar": "es-419", "es-co": "es-419", "es-cl": "es-419",
    "es-pe": "es-419", "es-ve": "es-419", "es-es": "es", "en-au": "en-gb", "en-nz": "en-gb",
    "en-ie": "en-gb", "en-ca": "en-us", "fr-ca": "fr", "fr-fr": "fr", "pt-pt": "pt", "zh-cn": "cmn",
    "zh": "cmn", "zh-tw": "cmn", "zh-hans": "cmn", "zh-hant": "cmn", "zh-hk": "yue",
}
# Subtags a lookup may drop (RFC 4647 3.4): region ("AT", "419") and script ("Hant") only. A typo
# ("en-uss") or a made-up variant ("es-marsian") in a *voice* field is an error, not a silent "es".
_DROPPABLE = re.compile(r"[a-z]{2}|[0-9]{3}|[a-z]{4}")


def _lookup_keys(tag: str) -> list[str]:
    """tag, then its alias, then shorter forms (RFC 4647 lookup), dropping only well-formed subtags."""
    keys: list[str] = []
    parts = tag.split("-")
    while parts:
        key = "-".join(parts)
        keys += [key] + ([LANGUAGE_ALIASES[key]] if key in LANGUAGE_ALIASES else [])
        if len(parts) == 1 or not _DROPPABLE.fullmatch(parts[-1]):
            break
        parts.pop()
        while len(parts) > 1 and len(parts[-1]) == 1:  # a singleton ("x") never ends a tag
            parts.pop()
    return keys


def voice_languages(identifier: str) -> tuple[str, ...]:
    """The languages eSpeak NG lists for a voice identifier ("gmw/en-US" -> ("en-us", "en")), best first."""
    for info, _ in _engine().voices:
        if info.name == identifier:
            return info.languages
    return ()


def resolve_voice(voice: str) -> str:
    """The espeak voice identifier for a voice identifier, name or BCP-47 tag, with an optional +variant.

    Case-insensitive: "en-US", "gmw/en-us", "English (America)" -> "gmw/en-US"; "es-US" -> "roa/es-419";
    "en-us+F3" -> "gmw/en-US+f3". Raises VoiceError, with up to 3 close matches, when nothing fits.
    """
    index = _engine().index
    base, plus, variant = voice.strip().partition("+")
    key = base.strip().lower().replace("_", "-")
    found = next((f for f in map(index.find, _lookup_keys(key)) if f), None) if key else None
    if found is None:
        vocabulary = {**{k: v for k, v in index.by_id.items() if "/" not in k}, **index.by_description,
                      **index.by_language}
        # Prefixes first ("english" -> the English voices), then spelling neighbours.
        close = [k for k in vocabulary if key and k.startswith(key)] + difflib.get_close_matches(key, vocabulary, n=6)
        names = list(dict.fromkeys(vocabulary[c] for c in close))[:3]
        hint = ", ".join(f"{n.split('/')[-1]} ({index.descriptions[n]})" for n in names)
        raise VoiceError(f"eSpeak NG has no voice or language {voice!r}",
                         hint=f"did you mean {hint}?" if hint else "`narrate voices --provider espeak` lists them")
    if not plus:
        return found
    file = index.variants.get(variant.strip().lower())
    if file is None:
        close = difflib.get_close_matches(variant.strip().lower(), index.variants, n=3)
        raise VoiceError(f"eSpeak NG has no voice variant {variant!r} (in {voice!r})",
                         hint=f"did you mean {', '.join(index.variants[c] for c in close)}?" if close
                         else "variants include f1-f5, m1-m7, klatt")
    return f"{found}+{file}"


def _engine() -> _Engine:
    from .espeak import _Engine  # espeak imports this module: look the engine up when first needed

    return _Engine.get()
