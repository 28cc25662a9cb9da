"""Planning: the manifest -> prompt and book jobs -> content-addressed segments, and the diff against
the lock. Pure: data in, data out (chapters are read through the manifest's bounded reader).

- `prompts`: prompt jobs, their output files and segment keys (`plan_manifest`).
- `books`: book jobs, one segment per sentence and one recipe per output (`plan_books`).
- `diff`: what changed since the lock (`diff_lock`), as `narrate plan` shows it.
- `costs`, `summary`: estimated cost per provider and the budget rule, shared by `plan` and `build`.
"""

from .diff import LockDiff, diff_lock
from .prompts import (
    KeyMaker,
    OutputFile,
    Plan,
    PromptJob,
    Segment,
    manifest_relative,
    plan_manifest,
    render_recipe,
    spoken_text,
)

__all__ = ["KeyMaker", "LockDiff", "OutputFile", "Plan", "PromptJob", "Segment", "diff_lock", "manifest_relative",
           "plan_manifest", "render_recipe", "spoken_text"]
