"""Prompts carried over from the last build: a one-edit rebuild plans the prompt it changed.

Planning a prompt (front-end output from the memo, one request and key per chunk, its recipe) costs
~35 us: 0.35 s of a one-edit rebuild at 10,000 prompts, 1.5 s at 50,000, for prompts whose plan is
the one in the lock. A prompt's plan (segment keys, recipe, spoken text, output files) is a pure
function of its written text and its *planning context*: a digest of everything else it depends on
(`plan_context`). So when the last build planned a prompt under the same context and wrote its lock
entry for the same written text, that entry is its plan, and the prompt is taken from it instead of
planned, provided that:

- the lock is the file narrate wrote (`LockFile.ours`): a lock edited by hand or checked out is
  never taken on trust;
- the build state records, for this prompt, the context of the build that wrote its entry
  (`narrate.cache.state.BuildState.plan_contexts`, kept only after a build without errors);
- the entry's text is the written text exactly (after a canonical-Unicode change, planned again);
- the prompt's layout writes its name as given (`_FrontEnd.templates`), so its files follow from
  the context;
- its output files are the entry's, unchanged (as `prepare.files_current` checks): a carried prompt is never
  rendered. One that is not current is planned in full, so the renderer sees only full plans
  (their pauses, requests).

Builds write the same bytes with carrying or without (tests/test_plan_carry.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from stat import S_ISREG
from typing import TYPE_CHECKING, Any

from ..manifest import Library, PromptText
from .jobs import RENDER_VERSION, OutputFile, PromptJob

if TYPE_CHECKING:
    from ..cache.state import BuildState

CARRY_VERSION = 1
_new_job, _new_out = object.__new__, tuple.__new__


def plan_context(front: str, heads: Sequence[str], rendering: str, templates: Sequence[tuple[str, str, str]],
                 provider: str, telephony: bool) -> str:
    """sha256 hex of a prompt's planning context: `front`, the text front-end's memo context (narrate's
    code, the text libraries, the lexicon, the language, the provider's markup target and character
    limit: plan.memo.context_digest); `heads`, the canonical request headers hashed into its segment
    keys (provider and its contract version, voice, model, every key parameter: KeyMaker); the rendering
    settings; the output path templates; the provider config's name and whether requests are for
    telephony."""
    material = [CARRY_VERSION, RENDER_VERSION, front, list(heads), rendering, [list(t) for t in templates],
                provider, telephony]
    return hashlib.sha256(json.dumps(material, separators=(",", ":")).encode()).hexdigest()


class Carry:
    """What a plan may carry over: `entries`, the prompts of the lock narrate wrote (job id -> entry);
    `contexts`, the planning context each entry was written under (job id -> digest); `stats`, the
    build state whose stat cache says whether an output file is the one an entry records, unchanged
    (as `prepare.files_current` does); `root`, the manifest's folder, as a string."""

    def __init__(self, entries: Mapping[str, Any], contexts: Mapping[str, str], stats: BuildState, root: str) -> None:
        self.entries, self.contexts, self.stats = entries, contexts, stats
        self._prefix = f"{root}{os.sep}"

    def job(self, ident: str, context: str, lib: Library, prompt: PromptText,
            templates: Sequence[tuple[str, str, str]]) -> PromptJob | None:
        """The prompt's job taken from its lock entry, or None when it must be planned. `templates`:
        [(format, head, tail)], its output paths being head + name + tail (`_FrontEnd.templates`)."""
        if self.contexts.get(ident) != context:
            return None
        entry = self.entries.get(ident)
        if entry is None:
            return None
        written = entry.get("text")
        if written != prompt.text:
            return None
        recorded = entry.get("outputs", {})
        if len(recorded) != len(templates):  # a format added or dropped: the entry must be rewritten
            return None
        # Each output a regular file with the recorded sha256 (BuildState.regular_sha256, inlined with its
        # OutputFile made here: this runs for every output of every carried prompt, 100,000 at 50,000).
        name, prefix, known_files, lstat = prompt.name, self._prefix, self.stats.entries, os.lstat
        outputs = []
        for fmt, head, tail in templates:
            rel = f"{head}{name}{tail}"
            rec = recorded.get(fmt)
            if not rec or rec["file"] != rel:
                return None
            try:
                st = lstat(prefix + rel)
            except OSError:
                return None
            if not S_ISREG(st.st_mode):
                return None
            known = known_files.get(rel)
            # The whole signature (mtime, ctime, size, inode), compared field by field (no tuples made: this
            # runs 100,000 times at 50,000 prompts): a file edited in place has a new ctime, a replaced one a
            # new inode; either is hashed again (BuildState._digest).
            if known is not None and known[1] == st.st_mtime_ns and known[3] == st.st_ctime_ns \
                    and known[0] == st.st_size and known[4] == st.st_ino:
                digest = known[2]
            else:
                digest = self.stats.digest_of(prefix + rel, rel, st, rec["sha256"])
            if digest != rec["sha256"]:
                return None
            outputs.append(_new_out(OutputFile, (rel, fmt)))  # OutputFile(rel, fmt) without its Python __new__
        # PromptJob(...) with its fields set directly: a frozen dataclass's __init__ sets each through
        # object.__setattr__, ~2 us a job, 20 ms of a one-edit rebuild at 10,000 prompts. The same object.
        job = _new_job(PromptJob)
        job.__dict__.update(library=lib.name, name=name, language=prompt.language,
                            text=entry.get("spoken") or written, segments=tuple(entry["segments"]),
                            settings=prompt.settings, outputs=tuple(outputs), recipe=entry["recipe"],
                            written=written, pauses=(), id=ident)  # `id`: the cached property, known already
        return job
