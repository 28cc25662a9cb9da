"""Manifest model -> prompt jobs -> content-addressed segments. Pure: no files, no network.

A segment's key hashes everything that changes the audio a provider returns (DESIGN.md 2.1):
the spoken text after normalisation and lexicon, provider kind and contract version, voice,
model and every parameter the provider reports through `key_params`. Never a prompt's name,
position or path, so renaming or moving a prompt costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..cache.entry import key_from  # the cache re-derives keys with the same function
from ..errors import ManifestError, Problem
from ..manifest import Library, Manifest, PromptText, Settings
from ..manifest.layouts import FORMAT_RATES
from ..providers.base import Provider, SynthesisRequest
from ..text import Lexicon, normalize, split_for_limit
from ..text.frontend import key_material, normalization_applies
from ..text.lexicon_compile import alphabets_for, inline_phonemes, out_of_band
from ..text.markup import PLAIN, compile_pieces, target_of

# Bump when rendering (trim, level, resampling, encoders) changes the bytes of an output.
RENDER_VERSION = "1"


@dataclass(frozen=True)
class Segment:
    key: str
    provider: str  # provider config name (for concurrency and error messages)
    request: SynthesisRequest
    key_head: str = ""  # canonical JSON hashed with the text: stored so any entry's key can be re-derived


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative to the manifest's folder, POSIX separators
    format: str


@dataclass(frozen=True)
class PromptJob:
    """One prompt in one language: its segments, rendered into one file per format."""

    library: str
    name: str
    language: str
    text: str  # the spoken text (after normalisation and lexicon)
    segments: tuple[str, ...]
    settings: Settings
    outputs: tuple[OutputFile, ...]
    recipe: str  # hash of segments + rendering settings: equal recipe and format, equal bytes
    written: str = ""  # what the author wrote: the record in locks, indexes and plans (DESIGN.md 2.12)
    # Silence (ms) after each segment, from prompt markup breaks; () when there is none. Part of the
    # recipe, never of a segment key: the same words share a segment whatever pause follows them.
    pauses: tuple[int, ...] = ()

    @property
    def record(self) -> str:
        """What the author wrote (canonical Unicode), as shown in locks, indexes, transcripts and plans."""
        return self.written or self.text

    @property
    def spoken(self) -> str | None:
        """The text sent to the provider when the lexicon or normalisation changed it, else None."""
        return self.text if self.text != self.record else None

    @property
    def id(self) -> str:
        return f"{self.library}/{self.language}/{self.name}"


@dataclass
class Plan:
    segments: dict[str, Segment] = field(default_factory=dict)
    jobs: list[PromptJob] = field(default_factory=list)


class KeyMaker:
    """Computes segment keys; memoises the canonical header per voice/params so 10k keys are cheap."""

    def __init__(self) -> None:
        self._heads: dict[tuple[object, ...], bytes] = {}

    def key(self, provider: Provider, request: SynthesisRequest) -> str:
        return self.key_and_head(provider, request)[0]

    def key_and_head(self, provider: Provider, request: SynthesisRequest) -> tuple[str, bytes]:
        params = provider.key_params(request)
        normalized = normalization_applies(provider)
        memo = (provider.name, request.voice, request.model, tuple(sorted(params.items())), normalized,
                request.lexicon)
        head = self._heads.get(memo)
        if head is None:
            fields: dict[str, object] = {"provider": provider.name, "contract": provider.contract_version, "voice": request.voice,
                      "model": request.model, "params": params, "text": key_material(normalized)}
            if request.lexicon:  # pronunciations sent out of band (a PLS lexicon...): only for segments with them
                fields["lexicon"] = [list(entry) for entry in request.lexicon]
            head = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()
            self._heads[memo] = head
        return key_from(head, request.text), head


def render_recipe(segment_keys: tuple[str, ...], settings: Settings, pauses: tuple[int, ...] = ()) -> str:
    """Everything besides the format that decides an output's bytes."""
    lvl, sil = settings.level, settings.silence
    parts = [RENDER_VERSION, *segment_keys, repr((lvl.enabled, lvl.target_dbov, lvl.peak_dbfs)),
             repr((sil.trim, sil.threshold_dbov, sil.lead_ms, sil.trail_ms))]
    if any(pauses):  # only then: recipes of prompts without breaks stay what they were
        parts.append("pauses:" + ",".join(map(str, pauses)))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def plan_manifest(manifest: Manifest, providers: Mapping[str, Provider],
                  lexicon: Lexicon | None = None) -> Plan:
    """Prompt jobs and their content-addressed segments, from the validated manifest. Pure.

    Each prompt in each language becomes a PromptJob (its output files, one per format, and its
    segment keys in order); texts over a provider's character limit are split at sentence
    boundaries first. A key is the sha256 of the spoken text (after normalisation and lexicon) and
    the request's provider, voice, model and parameters (DESIGN.md 2.1). Raises ManifestError for
    two prompts that would write one file.
    """
    plan = Plan()
    keys = KeyMaker()
    for lib in manifest.libraries:
        _plan_library(plan, keys, manifest, lib, providers, lexicon)
    return plan


def manifest_relative(manifest: Manifest, path: Path) -> str:
    """A path as recorded in plans and locks: relative to the manifest's folder, POSIX separators,
    so a lock file means the same on every machine and checkout."""
    return Path(os.path.relpath(path, manifest.root)).as_posix()


def spoken_text(text: str, language: str, lexicon: Lexicon | None, spoken: bool = False,
                keep: tuple[str, ...] = ()) -> str:
    """Canonical text, then the lexicon, then (`spoken`) numbers and symbols said in `language`.
    `keep`: alphabets of the phonetic forms the provider takes; terms with one stay as written."""
    text = normalize(text)
    text = normalize(lexicon.apply(text, language, keep)) if lexicon is not None else text
    return normalize(text, language) if spoken else text


def _plan_library(plan: Plan, keys: KeyMaker, manifest: Manifest, lib: Library,
                  providers: Mapping[str, Provider], lexicon: Lexicon | None) -> None:
    # Native telephony requests only when every output of the library is 8 kHz.
    telephony = all(FORMAT_RATES[f] == 8000 for f in lib.formats)
    out_prefix = manifest_relative(manifest, lib.output)
    claimed: dict[str, str] = {}  # case-folded path -> prompt id, to catch collisions on any filesystem
    problems: list[Problem] = []
    for prompt in lib.prompts:
        job = _plan_prompt(plan, keys, lib, prompt, providers, lexicon, telephony, out_prefix)
        for out in job.outputs:
            folded = out.path.casefold()
            if folded in claimed and claimed[folded] != job.id:
                problems.append(Problem(str(manifest.path), prompt.line, f"libraries.{lib.name}.prompts.{prompt.name}",
                                        f"writes the same file as {claimed[folded]}: {out.path}"))
            claimed[folded] = job.id
        plan.jobs.append(job)
    if problems:
        raise ManifestError(problems)


def _plan_prompt(plan: Plan, keys: KeyMaker, lib: Library, prompt: PromptText,
                 providers: Mapping[str, Provider], lexicon: Lexicon | None, telephony: bool,
                 out_prefix: str) -> PromptJob:
    s = prompt.settings
    provider = providers[s.provider]
    normalized = normalization_applies(provider)
    voice = s.voice or prompt.language.lower()
    seg_keys: list[str] = []
    pauses: list[int] = []
    spoken: list[str] = []
    # The lexicon compiles per provider (narrate.text.lexicon_compile): phonetic forms inline as SSML
    # phonemes, out of band in the request, or (everywhere else) respelled in the text.
    keep = alphabets_for(provider) if lexicon is not None else ()
    band = keep if out_of_band(provider) else ()
    source = prompt.text
    if keep and not band and lexicon is not None:
        source = inline_phonemes(prompt.text, prompt.language, lexicon, keep)

    # Markup compiles per provider (narrate.text.markup); text without "<" is one plain piece, as before.
    def say(t: str) -> str:
        return spoken_text(t, prompt.language, lexicon, normalized, keep)

    pieces = compile_pieces(source, prompt.language, target_of(provider), say)
    if any(p.ssml and len(p.text) > provider.limits.max_chars for p in pieces):
        # An SSML body is never cut (a cut could split an element): one too long for a request is lowered.
        pieces = compile_pieces(prompt.text, prompt.language, PLAIN,
                                lambda t: spoken_text(t, prompt.language, lexicon, normalized, band))
    for piece in pieces:
        spoken.append(piece.text)
        chunks = [piece.text] if piece.ssml else split_for_limit(piece.text, provider.limits.max_chars,
                                                                 prompt.language)
        for chunk in chunks:
            entries = lexicon.phonetic_entries(chunk, prompt.language, band) if band and lexicon else ()
            request = SynthesisRequest(text=chunk, voice=voice, language=prompt.language, model=s.model,
                                       speed=s.speed, telephony=telephony, options=s.options, ssml=piece.ssml,
                                       lexicon=entries)
            key, head = keys.key_and_head(provider, request)
            if key not in plan.segments:
                plan.segments[key] = Segment(key, s.provider, request, head.decode())
            seg_keys.append(key)
            pauses.append(0)
        if pauses:
            pauses[-1] = piece.pause_ms
    segs = tuple(seg_keys)
    gaps = tuple(pauses) if any(pauses) else ()
    text = " ".join(spoken)
    outputs = tuple(OutputFile(f"{out_prefix}/{lib.file_path(prompt.language, prompt.name, fmt)}", fmt)
                    for fmt in lib.formats)
    recipe = render_recipe(segs, s, gaps)
    return PromptJob(lib.name, prompt.name, prompt.language, text, segs, s, outputs, recipe, normalize(prompt.text),
                     gaps)
