"""Settings inheritance, one step at a time: defaults -> library -> language -> prompt ->
prompt-in-language (and defaults -> book). Each step takes the settings below it and the keys the
manifest sets at that level; a key left out inherits. Split out of `core` (the cross-key rules), which
calls it for each level; problems in a level's settings are located at its keys.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import shown as show
from . import model as m
from .loader import Key
from .problems import hint_for
from .resolved import Level, Settings, Silence

if TYPE_CHECKING:
    from .core import Checker

_SETTINGS_SET = frozenset(m.Settings.model_fields)


def overlay(c: Checker, base: Settings, spec: m.PromptSettings, key: Key, providers: set[str]) -> Settings:
    """`base` with the settings `spec` sets (one inheritance step)."""
    given = spec.model_fields_set & _SETTINGS_SET
    if not given:
        return base  # the common case: a prompt that only has text
    changes: dict[str, Any] = {}
    if spec.provider is not None:
        if spec.provider not in providers and spec.provider not in m.PROVIDER_KINDS:
            c.add((*key, "provider"), f"unknown provider {show(repr(spec.provider))}",
                  hint_for(spec.provider, sorted(providers | set(m.PROVIDER_KINDS))))
        else:
            changes["provider"] = spec.provider
    for name in ("voice", "model"):
        value = getattr(spec, name) if name in given else None
        if value is not None:
            if not value.strip():
                c.add((*key, name), f"empty {name}")
            else:
                changes[name] = value.strip()
    if spec.speed is not None:
        changes["speed"] = float(spec.speed)
    if spec.options is not None:
        merged = dict(base.options)
        for name, value in spec.options.items():
            if isinstance(value, (dict, list)):
                c.add((*key, "options", name), "options must be plain values")
            else:
                merged[str(name)] = "" if value is None else str(value)
        changes["options"] = tuple(sorted(merged.items()))
    if spec.level is False:
        changes["level"] = replace(base.level, enabled=False)
    elif isinstance(spec.level, m.Level):
        lv = spec.level
        changes["level"] = Level(target_dbov=base.level.target_dbov if lv.target_dbov is None else float(lv.target_dbov),
                                 peak_dbfs=base.level.peak_dbfs if lv.peak_dbfs is None else float(lv.peak_dbfs))
    if spec.silence is False:
        changes["silence"] = Silence(trim=False, lead_ms=0, trail_ms=0)
    elif isinstance(spec.silence, m.Silence):
        sv, s = spec.silence, base.silence
        changes["silence"] = Silence(
            trim=s.trim if sv.trim is None else sv.trim,
            threshold_dbov=s.threshold_dbov if sv.threshold_dbov is None else float(sv.threshold_dbov),
            lead_ms=s.lead_ms if sv.lead_ms is None else sv.lead_ms,
            trail_ms=s.trail_ms if sv.trail_ms is None else sv.trail_ms)
    return replace(base, **changes) if changes else base
