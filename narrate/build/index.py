"""A library's index.json, made in full or, after a small change, by replacing only the changed rows.

The file (narrate.package.index) is the library's head, then one row per output file, one row per
line, sorted by (name, language, format); a row is ` ` + `json.dumps(row, ensure_ascii=False)`.
Making all rows again costs ~20 us a row (0.2 s at 10,000 prompts, 1 s at 50,000), so a build
that rendered a few prompts splices: it keeps the lines of every other prompt and replaces those
of the prompts whose lock entry this build changed or removed, found by bisection.

Splicing is only done when the old lines are known to be what a full build would write for the
prompts it keeps: the lock was read as narrate wrote it (`LockFile.ours`), index.json is still the
file the last clean build recorded in the build state (size, mtime, ctime, inode), the library's
head and its notes and fallbacks (the only row fields from outside the lock entry and the plan)
have the digest recorded with it, and the old text has exactly the full layout. Anything else makes
the index again in full. tests/test_incremental_index.py checks that a spliced index is
byte-identical to a full one.
"""

from __future__ import annotations

import hashlib
import json
import os
from json.decoder import scanstring  # type: ignore[attr-defined]  # C scanner, not in typeshed
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import OutputPathError
from ..fsutil import write_if_changed
from ..package.index import index_head, index_text
from ..plan import PromptJob, manifest_relative

if TYPE_CHECKING:
    from ..manifest import Library
    from ..prepare import PlannedBuild

_OPEN = ', "prompts": [\n'
_CLOSE = "\n]}\n"
_NAME = ' {"name": '


def index_digest(lib: Library) -> str:
    """sha256 hex of what an index row takes from outside the plan and the lock: the library's head
    and each prompt's note and fallback language (only prompts that have one)."""
    extras = [[p.name, p.language, p.note, p.fallback_from] for p in lib.prompts if p.note or p.fallback_from]
    data = json.dumps([index_head(lib), extras], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def write_index(pb: PlannedBuild, lib: Library, changed: set[str]) -> bool:
    """Write `lib`'s index.json if its bytes change; returns whether it was written. `changed`: ids
    of the prompts whose lock entry this build set or removed (the others' rows are kept when the
    conditions in the module doc hold)."""
    path = lib.output / "index.json"
    if _foreign_index(pb, path):
        raise OutputPathError(f"{manifest_relative(pb.manifest, path)} exists and narrate did not write it (it is not "
                              "a narrate index): left as it is; move or delete it, then build again")
    text = _spliced(pb, lib, changed)
    if text is None:
        text = index_text(index_head(lib), _rows(pb, lib, [j for j in pb.plan.jobs if j.library == lib.name]))
    lib.output.mkdir(parents=True, exist_ok=True)
    return write_if_changed(path, text.encode("utf-8"), within=lib.output)


def _foreign_index(pb: PlannedBuild, path: Path) -> bool:
    """Whether an index.json is there that narrate did not write (DESIGN.md invariant 8): neither
    recorded in the build state as narrate left it, nor beginning as narrate's indexes do."""
    root = pb.manifest.root
    if not os.path.lexists(path) or os.path.islink(path) or pb.stats.unchanged(root, os.path.relpath(path, root)):
        return False  # a link is the writer's (fsutil.output_path): replaced itself, never its target
    head = b'{"library": '  # as index_text begins: narrate's index, of this library or of one that was here
    try:
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW | os.O_NONBLOCK)) as f:
            return f.read(len(head)) != head
    except OSError:
        return True


def _rows(pb: PlannedBuild, lib: Library, jobs: list[PromptJob]) -> list[dict[str, Any]]:
    """The index rows of `jobs` (all of `lib`), from their lock entries; a job without one has none."""
    cut = len(manifest_relative(pb.manifest, lib.output)) + 1
    # Notes and fallbacks: shown, never keyed (only the few prompts that have one are looked up).
    extras = {(p.name, p.language): p for p in lib.prompts if p.note or p.fallback_from}
    entries = pb.lock.prompts
    rows = []
    for job in jobs:
        entry = entries.get(job.id)
        if not entry:
            continue  # failed this time; the next build fills it in
        recs = entry["outputs"]
        row: dict[str, Any] | None = None
        for out in job.outputs:
            rec = recs.get(out.format)
            if not rec:
                continue
            if row is None:  # the job's part of its rows, made once for all its formats
                row = {"name": job.name, "language": job.language, "text": job.record}
                if job.spoken is not None:  # the lexicon or normaliser changed it (DESIGN.md 2.12)
                    row["spoken"] = job.spoken
                source = extras.get((job.name, job.language)) if extras else None
                if source is not None and source.note:
                    row["note"] = source.note
                if source is not None and source.fallback_from:
                    row["fallback_from"] = source.fallback_from
            rows.append({**row, "file": rec["file"][cut:], "format": out.format,
                         "duration": rec["duration"], "sha256": rec["sha256"]})
    return rows


def _row_place(line: str) -> tuple[str, str]:
    """(name, language) of one row line as index_text writes it; ValueError if it is not one."""
    if not line.startswith(_NAME):
        raise ValueError(line[:40])
    name, end = scanstring(line, len(_NAME) + 1)
    if not line.startswith(', "language": "', end):
        raise ValueError(line[:40])
    language, _ = scanstring(line, end + len(', "language": "'))
    return name, language


def _find(text: str, lo: int, target: tuple[str, str]) -> int:
    """The offset in `text` (rows, each ending ",\n"; a row holds no newline: JSON escapes them) of the
    first row at or after the row start `lo` whose (name, language) is not below `target`; len(text)
    if none. Bisection over offsets: ~log2(n) rows are read, and no row is split out."""
    hi = len(text)
    while lo < hi:
        mid = (lo + hi) // 2
        start = text.rfind("\n", lo, mid) + 1 or lo  # the row holding `mid` (rfind's -1 + 1 is 0: from lo)
        start = max(start, lo)
        if _row_place(text[start:text.index("\n", start)]) < target:
            lo = text.index("\n", start) + 1
        else:
            hi = start
    return lo


def _spliced(pb: PlannedBuild, lib: Library, changed: set[str]) -> str | None:
    """The new index text made from the old one, or None when it must be made in full."""
    root = pb.manifest.root
    rel = os.path.relpath(lib.output / "index.json", root)
    if not (pb.lock.ours and pb.stats.index_digests.get(rel) == index_digest(lib) and pb.stats.unchanged(root, rel)):
        return None
    try:
        old = (lib.output / "index.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    head = json.dumps(index_head(lib), ensure_ascii=False)[:-1] + _OPEN
    if not (old.startswith(head) and old.endswith(_CLOSE)) or len(old) <= len(head) + len(_CLOSE):
        return None  # not the layout, or no rows (nothing to keep)
    text = old[len(head):-len(_CLOSE)] + ",\n"  # each row ends ",\n", the last one too, until joined
    jobs = {j.id: j for j in pb.plan.jobs if j.library == lib.name and j.id in changed}
    places = []
    for job_id in changed:
        library, _, rest = job_id.partition("/")
        language, _, name = rest.partition("/")
        if library == lib.name:
            places.append((name, language, job_id))
    places.sort()
    parts, kept = [], 0  # text[kept:] is not yet in `parts`
    try:
        for name, language, job_id in places:
            lo = _find(text, kept, (name, language))
            hi = lo
            while hi < len(text) and _row_place(text[hi:text.index("\n", hi)]) == (name, language):
                hi = text.index("\n", hi) + 1
            job = jobs.get(job_id)
            new = _rows(pb, lib, [job]) if job is not None else []
            new.sort(key=lambda r: r["format"])
            parts.append(text[kept:lo])
            parts += [" " + json.dumps(r, ensure_ascii=False) + ",\n" for r in new]
            kept = hi
    except ValueError:  # a line that is not one row: make it in full
        return None
    parts.append(text[kept:])
    body = "".join(parts)
    if not body:
        return None
    return head + body[:-2] + _CLOSE
