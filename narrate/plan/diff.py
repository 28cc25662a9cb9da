"""Plan against the lock: prompts and book chapters added, changed and removed since the last build."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .prompts import PromptJob

if TYPE_CHECKING:  # books pull in the Markdown stack, which a prompt library never needs
    from .books import BookJob


@dataclass
class LockDiff:
    """Prompts and chapters added, changed and removed against the lock file, like `terraform plan`.
    Items are (id, text) for added and removed, (id, old text, new text) for changed."""

    added: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0


def diff_lock(jobs: list[PromptJob], locked: Mapping[str, Mapping[str, Any]], books: Sequence[BookJob] = (),
              locked_books: Mapping[str, Mapping[str, Any]] | None = None) -> LockDiff:
    diff = LockDiff()
    for job in jobs:
        entry = locked.get(job.id)
        if entry is None:
            diff.added.append((job.id, job.record))
        elif entry.get("recipe") != job.recipe or entry.get("text") != job.record or \
                sorted(entry.get("outputs", {})) != sorted(o.format for o in job.outputs):
            diff.changed.append((job.id, entry.get("text", ""), job.record))
        else:
            diff.unchanged += 1
    live = {job.id for job in jobs}
    diff.removed = sorted((k, v.get("text", "")) for k, v in locked.items() if k not in live)
    # Books, chapter by chapter (`sources` in the lock: chapter file -> [title, digest of its segments]).
    locked_books = locked_books or {}
    for book in books:
        before = locked_books.get(book.book.name, {}).get("sources", {})
        now = {ch.source.name: ch for ch in book.chapters}
        for name, ch in now.items():
            chapter_id = f"{book.id}/{name}"
            if name not in before:
                diff.added.append((chapter_id, ch.title))
            elif before[name][1] != ch.digest():
                diff.changed.append((chapter_id, before[name][0], ch.title))
            else:
                diff.unchanged += 1
        diff.removed += [(f"{book.id}/{n}", old[0]) for n, old in sorted(before.items()) if n not in now]
    live_books = {b.book.name for b in books}
    for name, entry in sorted(locked_books.items()):
        if name not in live_books:
            diff.removed += [(f"books/{name}/{n}", old[0]) for n, old in sorted(entry.get("sources", {}).items())]
    return diff
