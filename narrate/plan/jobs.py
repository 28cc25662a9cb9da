"""What a plan is made of: segments, output files, prompt jobs, the plan. Plain data."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import NamedTuple

from ..manifest import Settings
from ..providers.base import SynthesisRequest

# Bump when rendering (trim, level, resampling, encoders) changes the bytes of an output.
RENDER_VERSION = "2"  # 2: levels measured with the trail padding (package.render._measure_delivered)


@dataclass(frozen=True, slots=True)  # slots: a 10-hour book holds ~11,000, through its assembly
class Segment:
    key: str
    provider: str  # provider config name (for concurrency and error messages)
    request: SynthesisRequest
    key_head: str = ""  # canonical JSON hashed with the text: stored so any entry's key can be re-derived


class OutputFile(NamedTuple):
    """One output file of a job. A named tuple, not a dataclass: a one-edit rebuild at 50,000 prompts
    makes 100,000 of them for the carried prompts alone (plan.carry), each a tuple, not an object
    with its own dict."""

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
    # () in a job carried over from the lock (plan.carry): such a job is current, never rendered.
    pauses: tuple[int, ...] = ()

    @property
    def record(self) -> str:
        """What the author wrote (canonical Unicode), as shown in locks, indexes, transcripts and plans."""
        return self.written or self.text

    @property
    def spoken(self) -> str | None:
        """The text sent to the provider when the lexicon or normalisation changed it, else None."""
        return self.text if self.text != self.record else None

    @functools.cached_property  # asked for per output by planning, checks, index and owners: made once
    def id(self) -> str:
        return f"{self.library}/{self.language}/{self.name}"


@dataclass
class Plan:
    segments: dict[str, Segment] = field(default_factory=dict)
    jobs: list[PromptJob] = field(default_factory=list)
    # Jobs taken from the lock, current (plan.carry): never rendered; their keys are in `carried_keys`.
    carried: set[str] = field(default_factory=set)
    carried_keys: set[str] = field(default_factory=set)
    contexts: dict[str, str] = field(default_factory=dict)  # job id -> planning context, where it has one

    def keys(self) -> set[str]:
        """Every segment key the plan's prompts speak, planned or carried."""
        return self.segments.keys() | self.carried_keys
