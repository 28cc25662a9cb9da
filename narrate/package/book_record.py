"""What a book assembly leaves behind once its files are made (narrate.package.assemble makes them):
the outputs published, each only if its bytes changed, their lock records, and the piece store rid
of the chapter encodes the book no longer uses."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..fsutil import holds_file, publish, sha256_file
from ..plan.books import BookJob
from .book_units import ChapterSlot
from .pieces import PieceStore
from .transcripts import duration_of


def publish_outputs(job: BookJob, root: Path, out_dir: Path, produced: Mapping[str, Path], kept: Mapping[str, Any],
                    seconds: dict[str, float], skip: Collection[str] = (), *, foreign: Collection[str] = (),
                    kept_foreign: list[str] | None = None,
                    digests: Mapping[str, str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Each output's lock record, and the paths whose bytes changed. A kept output keeps its record; the
    others are published from `produced` (temporary files beside `out_dir`). `skip`: outputs not made
    (the lock lacks them, so the next build tries again). `foreign`: paths there that narrate did not
    write; one is left as it is (DESIGN.md invariant 8): holding the very bytes the build made, it is
    recorded as found in place (`"found": true`, never removed: narrate.removal), as a prompt's is;
    else it is kept out of the records (the next build tries again) and appended to `kept_foreign`.
    `digests`: the sha256 of produced files hashed as they were written (the others are read back)."""
    written: list[str] = []
    outputs: dict[str, Any] = {}
    for oid, rel in job.outputs.items():
        if oid in skip:
            continue
        if oid in kept:
            outputs[oid] = dict(kept[oid])
            continue
        tmp = produced[oid]
        digest = (digests or {}).get(oid) or sha256_file(tmp)
        size = tmp.stat().st_size
        found = rel in foreign
        if found and not holds_file(root / rel, size, digest):
            if kept_foreign is not None:
                kept_foreign.append(rel)
            continue
        if not found and publish(tmp, root / rel, within=out_dir, tmp_sha256=digest):
            written.append(rel)
        outputs[oid] = {"file": rel, "sha256": digest, "bytes": size,
                        "duration": round(seconds[oid] if oid in seconds else duration_of(oid, seconds), 3),
                        "recipe": job.recipes[oid]}
        if found:
            outputs[oid]["found"] = True
    return outputs, written


def forget_old_pieces(store: PieceStore, chapters: Iterable[ChapterSlot], previous: Mapping[str, Any]) -> list[str]:
    """The chapter encodes this book now uses; those its last build used and it no longer does are
    removed from the store (an edited chapter's old encodes; silences are shared and tiny: kept).
    Names from the lock are only ever looked up in the store (`PieceStore.forget`)."""
    used = sorted({name for ch in chapters for name in (f"{ch.speech_key}.mp3", f"{ch.aac_key}.aac")})
    old = previous.get("pieces")
    for name in set(old) - set(used) if isinstance(old, list) and all(isinstance(n, str) for n in old) else ():
        store.forget(name)
    return used

