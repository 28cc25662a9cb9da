"""The manifest's JSON Schema, generated from the same key tables the validator uses."""

from __future__ import annotations

from typing import Any

from . import manifest as m

_STR = {"type": "string"}


def _settings_props() -> dict[str, Any]:
    return {
        "provider": {**_STR, "description": m.SETTINGS_KEYS["provider"]},
        "voice": {**_STR, "description": m.SETTINGS_KEYS["voice"]},
        "model": {**_STR, "description": m.SETTINGS_KEYS["model"]},
        "speed": {"type": "number", "minimum": 0.25, "maximum": 4.0, "description": m.SETTINGS_KEYS["speed"]},
        "options": {"type": "object", "description": m.SETTINGS_KEYS["options"],
                    "additionalProperties": {"type": ["string", "number", "boolean", "null"]}},
        "level": {"description": m.SETTINGS_KEYS["level"], "oneOf": [
            {"const": False}, _obj({"target_dbov": {"type": "number", "minimum": -60, "maximum": 0},
                                    "peak_dbfs": {"type": "number", "minimum": -30, "maximum": 0}}, m.LEVEL_KEYS)]},
        "silence": {"description": m.SETTINGS_KEYS["silence"], "oneOf": [
            {"const": False}, _obj({"trim": {"type": "boolean"},
                                    "threshold_dbov": {"type": "number", "minimum": -96, "maximum": -10},
                                    "lead_ms": {"type": "integer", "minimum": 0},
                                    "trail_ms": {"type": "integer", "minimum": 0}}, m.SILENCE_KEYS)]},
    }


def _obj(props: dict[str, Any], descriptions: dict[str, str], required: list[str] | None = None) -> dict[str, Any]:
    for key, desc in descriptions.items():
        props.setdefault(key, {}).setdefault("description", desc)
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def manifest_schema() -> dict[str, Any]:
    settings = _settings_props()
    text = {"type": ["string", "number"]}
    lang_entry = {"oneOf": [text, _obj({"text": text, **settings}, m.PROMPT_LANG_KEYS, ["text"])]}
    prompt_settings = {k: v for k, v in settings.items() if k in m.PROMPT_SETTINGS_KEYS}
    prompt = {"oneOf": [text, {"type": "object", "properties": prompt_settings,
                               "additionalProperties": lang_entry}]}
    language = {"oneOf": [_STR, {"type": "null"}, _obj({"path": _STR, **settings}, m.LANGUAGE_KEYS)]}
    library = _obj({
        "output": _STR, "layout": {"enum": list(m.LAYOUTS)},
        "formats": {"type": "array", "items": {"enum": list(m.FORMAT_RATES)}, "minItems": 1},
        "languages": {"type": "object", "additionalProperties": language, "minProperties": 1},
        "prompts": {"type": "object", "additionalProperties": prompt},
        "missing_translation": {"enum": list(m.MISSING_POLICIES)},
        "version": {"type": ["string", "number"]}, "license": _STR,
        "platform": {"enum": list(m.PLATFORMS)}, **settings,
    }, m.LIBRARY_KEYS, ["output", "formats", "languages", "prompts"])
    book = _obj({
        "title": _STR, "author": _STR, "cover": _STR, "language": _STR, "output": _STR,
        "sources": {"oneOf": [_STR, {"type": "array", "items": _STR}]},
        "order": {"oneOf": [_STR, {"type": "array", "items": _STR}]},
        "formats": {"type": "array", "items": {"enum": list(m.BOOK_FORMATS)}},
        "code": {"enum": ["skip", "notice"]}, "tables": {"enum": ["skip", "notice"]},
        "footnotes": {"enum": ["end", "skip"]}, **settings,
    }, m.BOOK_KEYS, ["sources", "output"])
    provider = _obj({
        "kind": {"enum": list(m.PROVIDER_KINDS)}, "base_url": _STR, "api_key_env": _STR, "api_key_file": _STR,
        "concurrency": {"type": "integer", "minimum": 1}, "requests_per_minute": {"type": "integer", "minimum": 1},
        "chars_per_minute": {"type": "integer", "minimum": 1}, "timeout_s": {"type": "number"},
        "max_attempts": {"type": "integer", "minimum": 1}, "max_retry_time_s": {"type": "number"},
        "options": {"type": "object"},
    }, m.PROVIDER_KEYS)
    top = _obj({
        "version": {"const": m.MANIFEST_VERSION},
        "defaults": _obj(dict(settings), m.SETTINGS_KEYS),
        "providers": {"type": "object", "additionalProperties": provider},
        "lexicon": {"oneOf": [_STR, {"type": "object"}]},
        "libraries": {"type": "object", "additionalProperties": library},
        "books": {"type": "object", "additionalProperties": book},
        "budget": _obj({"max_chars": {"type": "integer", "minimum": 0}}, m.BUDGET_KEYS),
        "prices": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}},
        "cache": _obj({"remote": _STR}, m.CACHE_KEYS),
        "package": _obj({"output": _STR, "formats": {"type": "array", "items": {"enum": ["tar.gz", "zip"]}},
                         "epoch": {"type": "integer", "minimum": 0}, "on_build": {"type": "boolean"}},
                        m.PACKAGE_KEYS),
    }, m.TOP_KEYS)
    top["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    top["title"] = "narrate manifest"
    return top
