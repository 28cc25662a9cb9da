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
byte-identical to a full one. A full index keeps the rows other manifests writing the same folder
wrote (`other_rows`); an index that holds such rows is never spliced.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Collection
from json.decoder import scanstring  # type: ignore[attr-defined]  # C scanner, not in typeshed
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import OutputPathError
from ..fsutil import Signature, read_regular, signature, write_if_changed
from ..package.index import index_head, index_text
from ..plan import PromptJob, manifest_relative

if TYPE_CHECKING:
    from ..manifest import Library, PromptText
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


def write_index(pb: PlannedBuild, lib: Library, changed: set[str], dropped: Collection[str] = ()) -> bool:
    """Write `lib`'s index.json if its bytes change; returns whether it was written. `changed`: ids
    of the prompts whose lock entry this build set or removed (the others' rows are kept when the
    conditions in the module doc hold); `dropped`: the files those removed entries recorded."""
    path = lib.output / "index.json"
    if _foreign_index(pb, path):
        raise OutputPathError(f"{manifest_relative(pb.manifest, path)} exists and narrate did not write it (it is not "
                              "a narrate index): left as it is; move or delete it, then build again")
    spliced = _spliced(pb, lib, changed)
    data, was = spliced if spliced is not None else (None, None)  # `was`: the index as read, its signature then
    if data is None:
        rows = _rows(pb, lib, [j for j in pb.plan.jobs if j.library == lib.name])
        others = other_rows(pb, lib, path, dropped)
        if others:  # not spliced next time: a splice replaces every row of a changed prompt's name and language
            pb.shared_indexes.add(os.path.relpath(path, pb.manifest.root))
        data = index_text(index_head(lib), rows + others).encode("utf-8")
    lib.output.mkdir(parents=True, exist_ok=True)
    return write_if_changed(path, data, within=lib.output, was=was)


MAX_INDEX_BYTES = 512 * 1024 * 1024


def other_rows(pb: PlannedBuild, lib: Library, path: Path, dropped: Collection[str] = ()) -> list[dict[str, Any]]:
    """The rows of the index.json at `path` that other manifests wrote, to keep beside this build's own.

    Sibling projects may write one output folder (a/ivr.yaml and b/ivr.yaml both at ../out, each with its own
    lock): each build's index lists its own prompts and keeps the others' rows, so that neither listing is lost.
    A row is another manifest's if its file is none this library writes or its lock recorded (`dropped`: the
    entries this build removed) and is still a regular file in the folder (a prompt the other manifest dropped
    takes its row with it when its file goes). Not read when the index is as this manifest's last clean build
    wrote it with its own rows only (the build state's index digest and signature)."""
    root = pb.manifest.root
    rel = os.path.relpath(path, root)
    if rel in pb.stats.index_digests and pb.stats.unchanged(root, rel):
        return []
    raw = read_regular(path, MAX_INDEX_BYTES)
    try:
        data = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):
        return []
    old = data.get("prompts") if isinstance(data, dict) else None
    if not isinstance(old, list):
        return []
    cut = manifest_relative(pb.manifest, lib.output)
    own = {out.path for job in pb.plan.jobs if job.library == lib.name for out in job.outputs} | set(dropped)
    for job_id, entry in pb.lock.prompts.items():
        if job_id.startswith(lib.name + "/"):
            own.update(rec["file"] for rec in entry.get("outputs", {}).values() if isinstance(rec, dict))
    kept: dict[str, dict[str, Any]] = {}
    for row in old:
        if not (isinstance(row, dict) and all(isinstance(row.get(k), str) for k in ("name", "language", "format", "file"))):
            continue
        name = row["file"]
        if not name or "\0" in name or os.path.isabs(name) or ".." in Path(name).parts or f"{cut}/{name}" in own:
            continue
        try:
            if stat.S_ISREG(os.lstat(lib.output / name).st_mode):
                kept.setdefault(name, row)
        except OSError:
            continue
    return list(kept.values())


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


def _extras(lib: Library) -> dict[tuple[str, str], PromptText]:
    """The prompts of `lib` with a note or a fallback, by (name, language): shown, never keyed."""
    return {(p.name, p.language): p for p in lib.prompts if p.note or p.fallback_from}


def _rows(pb: PlannedBuild, lib: Library, jobs: list[PromptJob],
          extras: dict[tuple[str, str], PromptText] | None = None) -> list[dict[str, Any]]:
    """The index rows of `jobs` (all of `lib`), from their lock entries; a job without one has none.
    `extras`: `_extras(lib)`, when the caller made it already (one walk of the library, not one a call)."""
    cut = len(manifest_relative(pb.manifest, lib.output)) + 1
    if extras is None:
        extras = _extras(lib)
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


def _row_at(data: bytes, start: int) -> tuple[tuple[str, str], int]:
    """(name, language) of the row line beginning at `start`, and the offset just past its newline."""
    end = data.index(b"\n", start)
    return _row_place(data[start:end].decode("utf-8")), end + 1  # UnicodeDecodeError is a ValueError


def _find(data: bytes, lo: int, hi: int, target: tuple[str, str]) -> int:
    """The offset of the first row in data[lo:hi] (row lines, each ending in a newline; a row holds no
    newline: JSON escapes them) whose (name, language) is not below `target`; `hi` if none. Bisection
    over offsets: ~log2(n) rows are read, and no row is split out."""
    while lo < hi:
        mid = (lo + hi) // 2
        start = max(data.rfind(b"\n", lo, mid) + 1, lo)  # the row holding `mid` (rfind's -1 + 1 is 0: from lo)
        place, after = _row_at(data, start)
        if place < target:
            lo = after
        else:
            hi = start
    return lo


def _spliced(pb: PlannedBuild, lib: Library, changed: set[str]) -> tuple[bytes, tuple[bytes, Signature]] | None:
    """The new index made from the old one's bytes, with those bytes and their file's signature (for
    write_if_changed, which then need not read them again), or None when it must be made in full.
    Bytes, not text: the file read as text was decoded and newline-translated whole (~50 ms at 20,000
    prompts), and the unchanged rows are copied once, by the final join."""
    root = pb.manifest.root
    rel = os.path.relpath(lib.output / "index.json", root)
    if not (pb.lock.ours and pb.stats.index_digests.get(rel) == index_digest(lib) and pb.stats.unchanged(root, rel)):
        return None
    try:
        with open(lib.output / "index.json", "rb") as f:
            st = os.fstat(f.fileno())
            old = f.read()
    except OSError:
        return None
    if len(old) != st.st_size:  # it changed while read: made in full
        return None
    head = (json.dumps(index_head(lib), ensure_ascii=False)[:-1] + _OPEN).encode("utf-8")
    close = _CLOSE.encode("utf-8")
    if not (old.startswith(head) and old.endswith(close)) or len(old) <= len(head) + len(close):
        return None  # not the layout, or no rows (nothing to keep)
    rows_end = len(old) - len(close) + 1  # each row line ends in a newline: the last one in the close's first
    jobs = {j.id: j for j in pb.plan.jobs if j.library == lib.name and j.id in changed}
    extras = _extras(lib)  # once: each changed prompt's rows below would walk the library again
    places = []
    for job_id in changed:
        library, _, rest = job_id.partition("/")
        language, _, name = rest.partition("/")
        if library == lib.name:
            places.append((name, language, job_id))
    places.sort()
    view = memoryview(old)  # kept rows are sliced without copying; the join copies them once
    parts: list[bytes | memoryview] = []

    def keep(start: int, end: int) -> None:  # old rows [start, end), each then ending ",\n"
        if start < end:
            parts.extend((view[start:end - 1], b",\n") if end == rows_end else (view[start:end],))

    kept = len(head)  # old[kept:rows_end] is not yet in `parts`
    try:
        for name, language, job_id in places:
            lo = _find(old, kept, rows_end, (name, language))
            hi = lo
            while hi < rows_end:
                place, after = _row_at(old, hi)
                if place != (name, language):
                    break
                hi = after
            job = jobs.get(job_id)
            new = _rows(pb, lib, [job], extras) if job is not None else []
            new.sort(key=lambda r: r["format"])
            keep(kept, lo)
            parts += [(" " + json.dumps(r, ensure_ascii=False) + ",\n").encode("utf-8") for r in new]
            kept = hi
    except ValueError:  # a line that is not one row: make it in full
        return None
    keep(kept, rows_end)
    if not parts:
        return None
    parts[-1] = parts[-1][:-2]  # the last row ends without ",\n" (it is b",\n" itself, or a new row)
    return b"".join([head, *parts, close]), (old, signature(st))
