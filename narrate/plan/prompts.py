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
from collections.abc import Callable, Mapping
from itertools import chain
from pathlib import Path

from ..cache.entry import key_from  # the cache re-derives keys with the same function
from ..errors import ManifestError, Problem
from ..manifest import Library, Manifest, PromptText, Settings
from ..manifest.layouts import FORMAT_RATES
from ..providers.base import Provider, SynthesisRequest
from ..text import Lexicon, normalize, split_for_limit
from ..text.frontend import key_material, normalization_applies
from ..text.lexicon_compile import alphabets_for, inline_phonemes, out_of_band, segment_entries
from ..text.markup import PLAIN, compile_pieces, target_of
from .carry import Carry, plan_context
from .jobs import RENDER_VERSION, OutputFile, Plan, PromptJob, Segment
from .memo import Front, FrontMemo, context_digest, lexicon_digest

__all__ = ["RENDER_VERSION", "KeyMaker", "OutputFile", "Plan", "PromptJob", "Segment", "plan_manifest",
           "render_recipe", "spoken_text"]

class KeyMaker:
    """Computes segment keys; memoises the canonical header per voice/params so 10k keys are cheap."""

    def __init__(self) -> None:
        self._heads: dict[tuple[object, ...], tuple[bytes, str]] = {}
        self._normalized: dict[int, tuple[Provider, bool]] = {}  # id(provider) -> (provider, setting)
        self._by_shape: dict[tuple[object, ...], tuple[bytes, str]] = {}

    def key(self, provider: Provider, request: SynthesisRequest) -> str:
        return self.key_and_head(provider, request)[0]

    def key_and_head(self, provider: Provider, request: SynthesisRequest) -> tuple[str, bytes]:
        key, head, _ = self.key_and_heads(provider, request)
        return key, head

    def key_and_heads(self, provider: Provider, request: SynthesisRequest) -> tuple[str, bytes, str]:
        """(key, the canonical header hashed with the text, the same header as text)."""
        # A provider's key parameters never depend on the text (Provider.key_params): one header per
        # request-without-text, so 10,000 prompts in one voice ask the provider once, not 10,000 times.
        shape = (provider, request.voice, request.language, request.model, request.speed, request.telephony,
                 request.options, request.ssml, request.lexicon)
        heads = self._by_shape.get(shape)
        if heads is None:
            heads = self._by_shape[shape] = self._heads_for(provider, request)
        return key_from(heads[0], request.text), heads[0], heads[1]

    def _heads_for(self, provider: Provider, request: SynthesisRequest) -> tuple[bytes, str]:
        params = provider.key_params(request)
        known = self._normalized.get(id(provider))
        if known is None or known[0] is not provider:
            known = self._normalized[id(provider)] = (provider, normalization_applies(provider))
        normalized = known[1]
        memo = (provider.name, request.voice, request.model, tuple(sorted(params.items())), normalized,
                request.lexicon)
        heads = self._heads.get(memo)
        if heads is None:
            fields: dict[str, object] = {"provider": provider.name, "contract": provider.contract_version,
                                         "voice": request.voice, "model": request.model, "params": params,
                                         "text": key_material(normalized)}
            if request.lexicon:  # pronunciations sent out of band (a PLS lexicon...): only for segments with them
                fields["lexicon"] = [list(entry) for entry in request.lexicon]
            head = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()
            heads = self._heads[memo] = (head, head.decode())
        return heads


def render_recipe(segment_keys: tuple[str, ...], settings: Settings, pauses: tuple[int, ...] = ()) -> str:
    """Everything besides the format that decides an output's bytes."""
    return _recipe(segment_keys, _render_settings(settings), pauses)


def _render_settings(settings: Settings) -> str:
    """The rendering settings' part of a recipe: level, then silence."""
    lvl, sil = settings.level, settings.silence
    return (repr((lvl.enabled, lvl.target_dbov, lvl.peak_dbfs)) + "\x1f"
            + repr((sil.trim, sil.threshold_dbov, sil.lead_ms, sil.trail_ms)))


def _recipe(segment_keys: tuple[str, ...], rendering: str, pauses: tuple[int, ...]) -> str:
    parts = [RENDER_VERSION, *segment_keys, rendering]
    if any(pauses):  # only then: recipes of prompts without breaks stay what they were
        parts.append("pauses:" + ",".join(map(str, pauses)))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def plan_manifest(manifest: Manifest, providers: Mapping[str, Provider],
                  lexicon: Lexicon | None = None, memo: FrontMemo | None = None, carry: Carry | None = None) -> Plan:
    """Prompt jobs and their content-addressed segments, from the validated manifest. Pure.

    Each prompt in each language becomes a PromptJob (its output files, one per format, and its
    segment keys in order); texts over a provider's character limit are split at sentence
    boundaries first. A key is the sha256 of the spoken text (after normalisation and lexicon) and
    the request's provider, voice, model and parameters (DESIGN.md 2.1). Raises ManifestError for
    two prompts that would write one file. `memo` (plan.memo) holds the text front-end's output
    of earlier plans: a prompt found there skips normalisation; `carry` (plan.carry) the last
    build's lock: an unchanged prompt is taken from its entry. The jobs are the same either way,
    but for what only rendering reads: a carried job has no pauses and no requests in `segments`.
    """
    plan = Plan()
    keys = KeyMaker()
    front = _FrontEnd(lexicon, memo, carry)
    for lib in manifest.libraries:
        _plan_library(plan, keys, front, manifest, lib, providers)
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


class _FrontEnd:
    """The text front-end of one plan: written prompt text -> pieces and their chunks, through the memo."""

    def __init__(self, lexicon: Lexicon | None, memo: FrontMemo | None, carry: Carry | None = None) -> None:
        self.lexicon, self.memo, self.carry = lexicon, memo, carry
        self._plan_contexts: dict[tuple[int, str, str], tuple[Settings, str]] = {}
        self._contexts: dict[tuple[str, str], str] = {}
        self._lexicon_digest: str | None = None
        self._rendering: dict[int, tuple[Settings, str]] = {}  # prompts of a language share one Settings
        self._templates: dict[tuple[str, str], list[tuple[str, str, str]] | None] = {}

    def rendering(self, settings: Settings) -> str:
        """`_render_settings(settings)`, once per Settings object."""
        known = self._rendering.get(id(settings))
        if known is None or known[0] is not settings:
            known = self._rendering[id(settings)] = (settings, _render_settings(settings))
        return known[1]

    def templates(self, lib: Library, language: str, out_prefix: str) -> list[tuple[str, str, str]] | None:
        """[(format, head, tail)] such that a prompt's output path is head + name + tail, when the
        library's layout puts the name in as written (asterisk, and patterns that only use {name});
        None otherwise. Found once per library and language by probing `Library.file_path`."""
        where = (lib.name, language)
        if where not in self._templates:
            found: list[tuple[str, str, str]] | None = []
            for fmt in lib.formats:
                head, mark, tail = lib.file_path(language, "\0", fmt).partition("\0")
                if not mark or "\0" in tail or lib.file_path(language, "a/b c", fmt) != f"{head}a/b c{tail}" \
                        or lib.file_path(language, "x", fmt) != f"{head}x{tail}":
                    found = None
                    break
                assert found is not None
                found.append((fmt, f"{out_prefix}/{head}", tail))
            self._templates[where] = found
        return self._templates[where]

    def memo_context(self, memo: FrontMemo, prompt: PromptText, provider: Provider) -> str:
        """The memo context (plan.memo.context_digest) of `prompt`'s provider config and language."""
        where = (prompt.settings.provider, prompt.language)  # the config name: two configs may share a kind
        context = self._contexts.get(where)
        if context is None:
            if self._lexicon_digest is None:
                self._lexicon_digest = lexicon_digest(self.lexicon)
            context = context_digest(memo.stamp, self._lexicon_digest, prompt.language,
                                     normalization_applies(provider), target_of(provider),
                                     provider.limits.max_chars,
                                     (alphabets_for(provider), out_of_band(provider)) if self.lexicon else None)
            self._contexts[where] = context
        return context

    def plan_context(self, keys: KeyMaker, lib: Library, prompt: PromptText, provider: Provider,
                     telephony: bool, templates: list[tuple[str, str, str]]) -> str | None:
        """`prompt`'s planning context (plan.carry), once per Settings object and library; None without
        a memo (whose stamp covers narrate's code and the text libraries)."""
        memo, s = self.memo, prompt.settings
        if memo is None:
            return None
        where = (id(s), lib.name, prompt.language)
        known = self._plan_contexts.get(where)
        if known is None or known[0] is not s:
            voice = s.voice or prompt.language.lower()
            heads = [keys.key_and_heads(provider, SynthesisRequest(
                text="", voice=voice, language=prompt.language, model=s.model, speed=s.speed, telephony=telephony,
                options=s.options, ssml=ssml))[2] for ssml in (False, True)]
            context = plan_context(self.memo_context(memo, prompt, provider), heads, self.rendering(s),
                                   templates, s.provider, telephony)
            known = self._plan_contexts[where] = (s, context)
        return known[1]

    def pieces(self, prompt: PromptText, provider: Provider) -> Front:
        memo = self.memo
        if memo is None:
            return _front_end(prompt.text, prompt.language, provider, self.lexicon)
        context = self.memo_context(memo, prompt, provider)
        found = memo.get(context, prompt.text)
        if found is None:
            found = _front_end(prompt.text, prompt.language, provider, self.lexicon)
            memo.put(context, prompt.text, found)
        return found


def _front_end(text: str, language: str, provider: Provider, lexicon: Lexicon | None) -> Front:
    """Written prompt text -> [(piece, its chunks under the provider's character limit)]: markup
    compiled for the provider, lexicon and normalisation applied, over-long plain text split."""
    normalized = normalization_applies(provider)
    # The lexicon compiles per provider (narrate.text.lexicon_compile): phonetic forms inline as SSML
    # phonemes, out of band in the request, or (everywhere else) respelled in the text.
    keep = alphabets_for(provider) if lexicon is not None else ()
    band = keep if out_of_band(provider) else ()
    source = text
    if keep and not band and lexicon is not None:
        source = inline_phonemes(text, language, lexicon, keep)

    def speak(t: str) -> str:
        return spoken_text(t, language, None, normalized)

    def respell(alphabets: tuple[str, ...]) -> Callable[[str], str]:
        return lambda t: normalize(lexicon.apply(normalize(t), language, alphabets)) if lexicon else normalize(t)

    # Markup compiles per provider (narrate.text.markup); text without "<" is one plain piece, as before.
    pieces = compile_pieces(source, language, target_of(provider), speak, respell(keep))
    if any(p.ssml and len(p.text) > provider.limits.max_chars for p in pieces):
        # An SSML body is never cut (a cut could split an element): one too long for a request is lowered.
        pieces = compile_pieces(text, language, PLAIN, speak, respell(band))
    return [(piece, [piece.text] if piece.ssml else split_for_limit(piece.text, provider.limits.max_chars, language))
            for piece in pieces]


def _plan_library(plan: Plan, keys: KeyMaker, front: _FrontEnd, manifest: Manifest, lib: Library,
                  providers: Mapping[str, Provider]) -> None:
    # Native telephony requests only when every output of the library is 8 kHz.
    telephony = all(FORMAT_RATES[f] == 8000 for f in lib.formats)
    out_prefix = manifest_relative(manifest, lib.output)
    carry, memo = front.carry, front.memo
    # What a prompt's provider, path templates, planning context and memo context depend on: its Settings
    # object and language (each cached so by _FrontEnd too); looked up once per run of prompts that share
    # them (most of a library is one run), not four calls a prompt.
    shared: dict[tuple[int, str], tuple[Settings, Provider, list[tuple[str, str, str]] | None, str | None,
                                        str | None]] = {}
    # This loop runs for every prompt of the library, most of them carried: a carried prompt costs a lock
    # lookup and a stat per output here; its bookkeeping (carried ids and keys, memo entries kept, the
    # file-collision check) is done after the loop, in bulk.
    take = carry.job if carry is not None else None
    contexts, add_job, name, first = plan.contexts, plan.jobs.append, lib.name, len(plan.jobs)
    carried_ids: list[str] = []
    carried_keys: list[tuple[str, ...]] = []
    kept: list[str] = []  # written texts of carried prompts in a row under `kept_context`, for memo.keep
    kept_context: str | None = None
    last_s: Settings | None = None
    last_language = ""
    provider: Provider | None = None
    templates: list[tuple[str, str, str]] | None = None
    context = memo_context = None
    for prompt in lib.prompts:
        s, language = prompt.settings, prompt.language
        if s is not last_s or language != last_language:
            known = shared.get((id(s), language))
            if known is None or known[0] is not s:
                provider = providers[s.provider]
                templates = front.templates(lib, language, out_prefix)
                context = front.plan_context(keys, lib, prompt, provider, telephony, templates) if templates else None
                memo_context = front.memo_context(memo, prompt, provider) if memo is not None and context else None
                known = shared[(id(s), language)] = (s, provider, templates, context, memo_context)
            _, provider, templates, context, memo_context = known
            last_s, last_language = s, language
        job = None
        if context is not None:
            ident = f"{name}/{language}/{prompt.name}"
            job = take(ident, context, lib, prompt, templates) if take is not None and templates else None
            if job is not None:
                carried_ids.append(ident)
                carried_keys.append(job.segments)
                if memo_context is not None:  # memo.keep: the entry stays in the memo, kept in plan order
                    if memo_context != kept_context:
                        _keep(memo, kept_context, kept)
                        kept_context = memo_context
                    kept.append(prompt.text)
            else:
                contexts[ident] = context  # read for the prompts planned in full (build._remember_clean_build)
        if job is None:
            _keep(memo, kept_context, kept)
            assert provider is not None
            job = _plan_prompt(plan, keys, front, lib, prompt, provider, telephony,
                               _outputs(lib, prompt, templates, out_prefix))
        add_job(job)
    _keep(memo, kept_context, kept)
    plan.carried.update(carried_ids)
    plan.carried_keys.update(chain.from_iterable(carried_keys))
    _check_collisions(manifest, lib, plan.jobs[first:])


def _keep(memo: FrontMemo | None, context: str | None, texts: list[str]) -> None:
    """memo.keep(context, text) for each of `texts`, in order, then empty the list."""
    if memo is not None and context is not None and texts:
        memo.keep_all(context, texts)
    texts.clear()


def _check_collisions(manifest: Manifest, lib: Library, jobs: list[PromptJob]) -> None:
    """Raise ManifestError for two prompts of `lib` (`jobs`, in manifest order) that would write one file,
    compared case-folded, to catch collisions on any filesystem. All paths distinct (the usual case) is
    one set of them; only otherwise are the jobs walked to name each pair."""
    paths = [out.path for job in jobs for out in job.outputs]
    folded = "\0".join(paths).casefold().split("\0")  # one call: paths hold no NUL (output_path refuses it)
    if len(set(folded)) == len(folded) and len(folded) == len(paths):
        return
    claimed: dict[str, str] = {}
    problems: list[Problem] = []
    lines = {(p.name, p.language): p.line for p in lib.prompts}
    for job in jobs:
        ident = job.id
        for out in job.outputs:
            key = out.path.casefold()
            if claimed.setdefault(key, ident) != ident:
                problems.append(Problem(manifest.named, lines.get((job.name, job.language)),
                                        f"libraries.{lib.name}.prompts.{job.name}",
                                        f"writes the same file as {claimed[key]}: {out.path}"))
                claimed[key] = ident
    if problems:
        raise ManifestError(problems)


def _outputs(lib: Library, prompt: PromptText, templates: list[tuple[str, str, str]] | None,
             out_prefix: str) -> tuple[OutputFile, ...]:
    if templates is not None:
        name = prompt.name
        return tuple(OutputFile(f"{head}{name}{tail}", fmt) for fmt, head, tail in templates)
    return tuple(OutputFile(f"{out_prefix}/{lib.file_path(prompt.language, prompt.name, fmt)}", fmt)
                 for fmt in lib.formats)


def _plan_prompt(plan: Plan, keys: KeyMaker, front: _FrontEnd, lib: Library, prompt: PromptText,
                 provider: Provider, telephony: bool, outputs: tuple[OutputFile, ...]) -> PromptJob:
    s = prompt.settings
    voice = s.voice or prompt.language.lower()
    seg_keys: list[str] = []
    pauses: list[int] = []
    spoken: list[str] = []
    lexicon = front.lexicon
    band = alphabets_for(provider) if lexicon is not None and out_of_band(provider) else ()
    for piece, chunks in front.pieces(prompt, provider):
        spoken.append(piece.text)
        for chunk in chunks:
            entries = segment_entries(lexicon, chunk, prompt.language, band, piece.ssml) if band and lexicon else ()
            request = SynthesisRequest(text=chunk, voice=voice, language=prompt.language, model=s.model,
                                       speed=s.speed, telephony=telephony, options=s.options, ssml=piece.ssml,
                                       lexicon=entries)
            key, _, head = keys.key_and_heads(provider, request)
            if key not in plan.segments:
                plan.segments[key] = Segment(key, s.provider, request, head)
            seg_keys.append(key)
            pauses.append(0)
        if pauses:
            pauses[-1] = piece.pause_ms
    segs = tuple(seg_keys)
    gaps = tuple(pauses) if any(pauses) else ()
    text = " ".join(spoken)
    recipe = _recipe(segs, front.rendering(s), gaps)
    return PromptJob(lib.name, prompt.name, prompt.language, text, segs, s, outputs, recipe, normalize(prompt.text),
                     gaps)
