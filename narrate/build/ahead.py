"""Rendering ahead: a segment's single-segment prompts rendered the moment it is spoken, and its
measured level(s) kept in its cache entry as it is stored (build.render writes the files in the
prompt's turn)."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from ..plan import PromptJob, Segment

if TYPE_CHECKING:
    from .render import PromptRenderer


class LevelAnnotator:
    """For synthesis: render a segment's single-segment prompts the moment it is spoken, with its audio
    (`package.render.render_segment`), and keep its measured level(s) in its cache entry as it is
    stored (so a later render never measures). The files wait in `renderer` for the prompt's turn;
    without a renderer only the levels are measured.

    A local engine that speaks in worker processes renders there too (`in_worker`: the segment is
    rendered where it was spoken, in the same request, and its audio is not sent back to a worker);
    otherwise `__call__` makes one worker call with the audio.

    With a renderer, a segment of any other provider (REST) is not sent to a worker here: its request
    slot would wait for a render worker busy with other prompts, and the requests would stall behind
    the renders. Its level is measured in the calling thread instead (decode, trim, P.56: about a
    millisecond) so that it is in the entry as stored (no rewrite of a stored entry later, no second
    measurement in the worker), and its audio is kept in `renderer` for its prompts' renders
    (`keep_fresh`), which then neither read the entry back nor measure."""

    def __init__(self, jobs: list[PromptJob], renderer: PromptRenderer | None = None,
                 local: Collection[str] = ()) -> None:
        self.renderer, self.local = renderer, local
        self.wanted: dict[str, list[PromptJob]] = {}
        for job in jobs:
            if len(job.segments) == 1 and not any(job.pauses):
                self.wanted.setdefault(job.segments[0], []).append(job)

    def _users(self, segment: Segment) -> list[PromptJob]:
        from ..package.render import level_memo

        users = self.wanted.get(segment.key, [])
        if self.renderer is None:  # one prompt per distinct level memo is enough to measure
            users = list({level_memo(j.settings, 1, ()): j for j in users}.values())
        return users

    def _specs(self, users: list[PromptJob]) -> list[tuple[Any, tuple[str, ...]]]:
        from ..package.render import Finish

        return [(Finish.of(j.settings), tuple(o.format for o in j.outputs) if self.renderer is not None else ())
                for j in users]

    def in_worker(self, segment: Segment) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
        """(function, args) for the provider to run on the segment's audio where it speaks it
        (function(audio, format, *args)), or None: nothing to render, or not this provider's to do."""
        from ..package.prompt_files import render_segment_to_temps
        from ..package.render import render_segment

        renderer = self.renderer
        if renderer is not None and segment.provider not in self.local:
            return None
        users = self._users(segment)
        if not users:
            return None
        if renderer is None:
            return render_segment, (self._specs(users),)
        # The worker writes the files to temp files beside their targets (the build's pid names them):
        # only records come back, and the prompt's render queues them for publishing.
        targets = [renderer.ahead_targets(job) for job in users]
        return render_segment_to_temps, (self._specs(users), targets, os.getpid())

    def __call__(self, segment: Segment, result: Any, rendered: tuple[bool, Any] | None = None) -> dict[str, Any]:
        """Header fields for the segment's entry. rendered: the outcome of `in_worker`'s function where the
        provider ran it ((True, value) or (False, None)); None: not run, so it runs here if it should."""
        from ..cache.entry import level_record
        from ..package.render import level_memo, render_segment
        from ..providers.espeak_pool import shared_pool

        renderer = self.renderer
        if renderer is not None and segment.provider not in self.local:
            return self._measured_here(segment, result, renderer)
        users = self._users(segment)
        if not users:
            return {}
        if rendered is None:
            try:
                rendered = True, shared_pool().call(render_segment, result.audio, result.format, self._specs(users))
            except Exception:
                rendered = False, None
        ok, value = rendered
        if not ok or value is None:  # only a saving: the prompt's own render measures and reports instead
            return {}
        levels = {}
        for job, (files, level) in zip(users, value, strict=True):
            memo = level_memo(job.settings, 1, ())
            if memo is not None and level is not None:
                levels[memo] = level_record(level)
            if renderer is not None:
                renderer.ahead[job.id] = (files, level)
        return {"levels": levels} if levels else {}

    def _measured_here(self, segment: Segment, result: Any, renderer: PromptRenderer) -> dict[str, Any]:
        from ..cache.entry import level_record
        from ..package.render import Finish, level_memo, measure_segment

        levels = {}
        for memo, job in {level_memo(j.settings, 1, ()): j for j in self.wanted.get(segment.key, [])}.items():
            if memo is None:
                continue
            try:
                levels[memo] = level_record(measure_segment(result.audio, result.format, Finish.of(job.settings)))
            except Exception:  # only a saving: the prompt's own render measures and reports instead
                continue
        extra = {"levels": levels} if levels else {}
        renderer.keep_fresh(segment.key, result.audio, result.format, extra)
        return extra
