"""The lock's layout, one entry per line: encoding it, and saving a lock narrate wrote by splicing.

`narrate.cache.lock.LockFile.save` writes each manifest's entries with `json_object_lines` (keys
sorted, one entry a line, the C encoder doing the work). A lock narrate wrote itself is saved
without encoding or walking the entries it keeps: `find_entries` finds their lines in the bytes read,
and `splice_entries` replaces, removes and inserts only the lines of the entries a build changed, found by
bisection (as narrate.build.index splices index.json). The bytes are those a full encoding writes
(tests/test_incremental_plan.py).
"""

from __future__ import annotations

import json
from json.decoder import scanstring  # type: ignore[attr-defined]  # C scanner, not in typeshed
from typing import Any, cast


def json_object_lines(entries: dict[str, Any], indent: str = " ",
                      known: dict[str, tuple[object, str]] | None = None) -> str:
    """A JSON object with one entry per line, keys sorted: a one-word edit is a one-line diff, and
    the C encoder does the work (json's `indent` falls back to a pure-Python encoder, 10x slower).
    `known`: key -> (value object, its whole line as this function wrote it, with or without the
    comma); a value that is that very object is not encoded again."""
    if not entries:
        return "{}"
    known = known or {}
    parts = []
    for k, v in sorted(entries.items()):
        seen = known.get(k)
        if seen is not None and seen[0] is v:
            line = seen[1]
            parts.append(line if line.endswith(",") else line + ",")
        else:
            parts.append(f"{indent}{_quoted(k)}: {json.dumps(v, sort_keys=True, ensure_ascii=False)},")
    parts[-1] = parts[-1][:-1]
    return "{\n" + "\n".join(parts) + "\n" + indent[:-1] + "}"


def _quoted(key: str) -> str:
    """json.dumps(key, ensure_ascii=False), without the call for the common printable-ASCII key."""
    if key.isascii() and key.isprintable() and '"' not in key and "\\" not in key:
        return f'"{key}"'
    return json.dumps(key, ensure_ascii=False)


def entry_texts(text: str, manifest_name: str, prompts: dict[str, Any]) -> dict[str, tuple[object, str]]:
    """Each prompt entry's line in a lock narrate wrote (one entry per line, keys sorted, as `save`
    writes it): key -> (the parsed entry, its line). {} if the layout is not exactly that."""
    head = f" {json.dumps(manifest_name)}: {{\n"
    at = text.find(head)
    if at < 0:
        return {}
    start = text.find('\n  "prompts": {\n', at)
    if start < 0:
        return {}
    start += len('\n  "prompts": {\n')
    end = text.find("\n  }", start)
    if end < 0:
        return {}
    lines = text[start:end].split("\n")
    keys = sorted(prompts)
    if len(lines) != len(keys):
        return {}
    found: dict[str, tuple[object, str]] = {}
    for i, (key, line) in enumerate(zip(keys, lines, strict=True)):
        prefix = f"   {_quoted(key)}: "
        last = i == len(keys) - 1
        if not line.startswith(prefix) or line.endswith(",") == last:
            return {}
        found[key] = (prompts[key], line)
    # The first and last entries must be exactly what this narrate's encoder writes: a lock written by a
    # version that encoded entries otherwise is encoded again, in full.
    for key in {keys[0], keys[-1]}:
        line = found[key][1]
        if line[len(_quoted(key)) + 5:].removesuffix(",") != json.dumps(prompts[key], sort_keys=True, ensure_ascii=False):
            return {}
    return found


def find_entries(raw: bytes, manifest_name: str, read: dict[str, Any]) -> tuple[int, int] | None:
    """Where the prompt entry lines of `manifest_name` are in the bytes of a lock narrate wrote,
    raw[start:end] (one line per entry of `read`, keys sorted, as `save` writes it); None when it is
    not the layout `entry_texts` accepts, as far as its line count and its first and last lines show
    (a lock narrate wrote, `LockFile.ours`, is that layout throughout but for an older encoder's lines)."""
    if not read:
        return None
    at = raw.find(f" {json.dumps(manifest_name)}: {{\n".encode())
    start = raw.find(b'\n  "prompts": {\n', at) if at >= 0 else -1
    if start < 0:
        return None
    start += len(b'\n  "prompts": {\n')
    end = raw.find(b"\n  }", start)
    if end < 0 or raw.count(b"\n", start, end) + 1 != len(read):
        return None
    last_start = max(start, raw.rfind(b"\n", start, end) + 1)
    for key, at in {(min(read), start), (max(read), last_start)}:  # one line when there is one entry
        line = raw[at:raw.index(b"\n", at)].decode("utf-8")
        if line.endswith(",") == (at == last_start) or not line.startswith(f"   {_quoted(key)}: "):
            return None
        if line[len(_quoted(key)) + 5:].removesuffix(",") != json.dumps(read[key], sort_keys=True, ensure_ascii=False):
            return None  # as entry_texts: entries this narrate's encoder wrote
    return start, end


def splice_entries(raw: bytes | None, where: tuple[int, int] | None, read: dict[str, Any],
             now: dict[str, Any]) -> list[bytes | memoryview] | None:
    """The bytes of `json_object_lines(now, indent="   ", known=entry_texts(...))` (in parts, to
    join), made by replacing, removing and inserting only the lines of the entries that are not the
    very objects `read` (found by bisection, as index.json is spliced) and copying the others' bytes
    once, by the caller's join. `raw`: the lock's bytes; `where`: the entry lines' place in
    it (`find_entries`). None when it cannot be spliced (the caller encodes in full)."""
    if raw is None or where is None:
        return None
    if not now:
        return [b"{}"]
    start, end = where  # raw[end] is the newline after the last line, which has no comma
    edits = [(k, v) for k, v in now.items() if read.get(k) is not v]
    added = sum(1 for k, _ in edits if k not in read)
    if len(now) - added != len(read):  # some removed
        edits += [(k, None) for k in read.keys() - now.keys()]
    edits.sort(key=lambda kv: kv[0])
    view = memoryview(raw)
    parts: list[bytes | memoryview] = [b"{\n"]

    def keep(a: int, b: int) -> None:  # the lines raw[a:b], each then ending ",\n"
        if a < b:
            parts.extend((view[a:end], b",\n") if b == end + 1 else (view[a:b],))

    kept = start  # raw[kept:end + 1] is not yet in `parts`
    try:
        for key, value in edits:
            lo = _line_at_or_after(raw, kept, end + 1, key)
            hi = lo
            if lo <= end and _line_key(raw, lo) == key:
                hi = raw.index(b"\n", lo) + 1
            keep(kept, lo)
            if value is not None:
                parts.append(f"   {_quoted(key)}: {json.dumps(value, sort_keys=True, ensure_ascii=False)},\n".encode())
            kept = hi
    except ValueError:  # a line that is not one entry: encode in full
        return None
    keep(kept, end + 1)
    if len(parts) == 1:
        return [b"{}"]
    parts[-1] = parts[-1][:-2]  # the last line has no ",\n" (it is b",\n" itself, or a new line)
    parts.append(b"\n  }")
    return parts


def _line_key(raw: bytes, at: int) -> str:
    """The key of the entry line beginning at `at` (`   "key": {...}`); ValueError if it is not one."""
    if not raw.startswith(b'   "', at):
        raise ValueError(at)
    line = raw[at:raw.index(b"\n", at)].decode("utf-8")
    key, after = scanstring(line, 4)
    if not line.startswith(": ", after):
        raise ValueError(at)
    return cast(str, key)


def _line_at_or_after(raw: bytes, lo: int, hi: int, key: str) -> int:
    """The offset of the first line in raw[lo:hi] (entry lines sorted by key, each ending in a newline)
    whose key is not below `key`; `hi` if none. ~log2(n) lines are read."""
    while lo < hi:
        mid = (lo + hi) // 2
        start = max(raw.rfind(b"\n", lo, mid) + 1, lo)
        if _line_key(raw, start) < key:
            lo = raw.index(b"\n", start) + 1
        else:
            hi = start
    return lo
