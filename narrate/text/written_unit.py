"""One unit's written text (narrate.text.written makes them), apart from the Markdown stack that reads
it: a build's plan keeps them while its chapters are read in a child process (narrate.plan.apart)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WrittenUnit:
    """One unit's written text; `text` is None where the unit continues the previous cue.
    `heading` is the level (1-6) of a heading block's first unit, else 0."""

    text: str | None
    heading: int = 0
