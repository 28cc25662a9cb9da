"""Importers: existing prompt lists -> a narrate manifest (a dict, dumped as YAML).

Pure functions: text in, data out. Real transcripts are messy, so unreadable lines are skipped
with a reason rather than failing the whole import; only a file with no prompt at all is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ManifestError, Problem
from .manifest import check_name

# Stage directions are read by nobody: "[beep tone]", "(sound of a bell)".
_STAGE = re.compile(r"\[[^\]]*\]|\([^)]*\)")
_AUDIO_SUFFIX = re.compile(r"\.(wav|gsm|ulaw|alaw|ul|al|sln\d*|g722|g729|mp3)$", re.IGNORECASE)
_SPEAKABLE = re.compile(r"\w", re.UNICODE)
# Two-letter language codes in FreeSWITCH's phrase XML -> the BCP-47 tag for the manifest.
LANGUAGE_TAGS = {"en": "en-US", "es": "es-ES", "fr": "fr-FR", "de": "de-DE", "it": "it-IT", "pt": "pt-BR",
                 "ru": "ru-RU", "nl": "nl-NL", "sv": "sv-SE", "ja": "ja-JP", "zh": "zh-CN", "he": "he-IL"}


@dataclass
class ImportResult:
    manifest: dict[str, Any]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name or line, reason)


def spoken(text: str) -> str:
    """The words to say: stage directions removed, quotes and spaces tidied."""
    text = _STAGE.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def _library(name: str, layout: str, formats: list[str], languages: dict[str, dict[str, str]],
             prompts: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "libraries": {name: {
        "output": f"../output/{name}", "layout": layout, "formats": formats,
        "languages": languages, "prompts": prompts}}}


def _add(prompts: dict[str, Any], skipped: list[tuple[str, str]], name: str, text: str) -> None:
    why = check_name(name)
    if why:
        skipped.append((name, why))
        return
    words = spoken(text)
    if not _SPEAKABLE.search(words):
        skipped.append((name, "nothing to speak" + (f" ({text.strip()})" if text.strip() else "")))
        return
    if name in prompts:
        skipped.append((name, "duplicate name: the later line wins"))
    prompts[name] = words


def import_asterisk(text: str, *, source: str, library: str = "asterisk-sounds", language: str = "en-US",
                    voice: str = "en-us") -> ImportResult:
    """Asterisk's sound transcript (core-sounds-<lang>.txt): `name: text` lines, `;` comments."""
    prompts: dict[str, Any] = {}
    skipped: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(";") or line.startswith("#"):
            continue
        name, sep, rest = line.partition(":")
        if not sep or not name.strip():
            skipped.append((f"line {number}", "not a `name: text` line"))
            continue
        _add(prompts, skipped, _AUDIO_SUFFIX.sub("", name.strip().strip("\"'")), rest)
    if not prompts:
        raise ManifestError([Problem(source, None, "", "no `name: text` prompt found in this file")])
    manifest = _library(library, "asterisk", ["ulaw", "wav"],
                        {language: {"voice": voice, "path": language.split("-")[0]}}, prompts)
    return ImportResult(manifest, skipped)


def import_freeswitch(xml_text: str, *, source: str, library: str = "freeswitch-sounds",
                      voice: str = "en-us") -> ImportResult:
    """FreeSWITCH's phrase XML: <language><en><category><prompt phrase=".." filename="x.wav"/>."""
    from xml.etree import ElementTree

    if "<!DOCTYPE" in xml_text or "<!ENTITY" in xml_text:
        # Entity expansion ("billion laughs") is a denial of service; phrase files never need it.
        raise ManifestError([Problem(source, None, "", "DOCTYPE/ENTITY declarations are not accepted")])
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as exc:
        raise ManifestError([Problem(source, exc.position[0], "", f"invalid XML: {exc}")]) from None
    languages = [root] if root.tag != "language" else list(root)
    prompts: dict[str, Any] = {}
    skipped: list[tuple[str, str]] = []
    tags: dict[str, dict[str, str]] = {}
    for lang_el in languages:
        tag = LANGUAGE_TAGS.get(lang_el.tag, lang_el.tag)
        tags[tag] = {"voice": voice if len(tags) == 0 else lang_el.tag, "path": lang_el.tag}

        def walk(element: Any, folders: tuple[str, ...]) -> None:
            for child in element:
                if child.tag == "prompt":
                    filename = child.get("filename", "")
                    phrase = child.get("phrase", "")
                    stem = _AUDIO_SUFFIX.sub("", filename.strip())
                    if not stem:
                        skipped.append(("/".join(folders) or "?", "prompt without a filename"))
                        continue
                    _add_lang(prompts, skipped, "/".join((*folders, stem)), tag, phrase)
                else:
                    walk(child, (*folders, child.tag))

        walk(lang_el, ())
    if not prompts:
        raise ManifestError([Problem(source, None, "", "no <prompt phrase=... filename=...> found")])
    only = len(tags) == 1
    if only:  # one language: plain `name: text` entries read best
        prompts = {name: next(iter(by_lang.values())) for name, by_lang in prompts.items()}
    return ImportResult(_library(library, "freeswitch", ["wav", "wav16"], tags, prompts), skipped)


def _add_lang(prompts: dict[str, Any], skipped: list[tuple[str, str]], name: str, lang: str, text: str) -> None:
    entry: dict[str, Any] = {}
    _add(entry, skipped, name, text)
    if name in entry:
        if lang in prompts.get(name, {}):
            skipped.append((name, "duplicate name: the later prompt wins"))
        prompts.setdefault(name, {})[lang] = entry[name]


def dump_manifest(manifest: dict[str, Any]) -> str:
    import yaml

    header = "# Imported by `narrate import`. Review voices and output, then `narrate build` this file.\n"
    return header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=10_000)
