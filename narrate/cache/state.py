"""Local build state, kept in the cache folder (never committed), one file per manifest.

- A stat cache: each output's size, mtime and sha256, like git's index, so a build stats files
  instead of hashing them.
- The fingerprint of the last clean build: narrate's own code plus the bytes of every input file
  (the manifest, its lexicon, book chapters...). When the fingerprint matches and every output
  still has the size and mtime narrate left it with, the build is a no-op without even parsing
  the YAML (the record itself: narrate.cache.clean_build). This module imports nothing heavy so that
  path stays fast.
The text front-end memo, beside the state file, is `narrate.cache.memo_file.MemoFile`; so is the
book chapters' memo (`.chapters`: narrate.plan.chapter_memo).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ..fsutil import sha256_file, write_if_changed
from ..gcpause import paused_gc
from .clean_build import clean_build_record, is_last, still_clean
from .state_journal import append as append_change
from .state_journal import apply as apply_change
from .state_journal import journal_path, read_journal, too_big
from .state_journal import line as change_line
from .state_journal import signature as journal_signature

STATE_VERSION = 2  # 2: stat entries carry ctime and inode too
MAX_STATE_BYTES = 1024 * 1024 * 1024  # ~3 million outputs; a larger file is not one narrate wrote: ignored
UNFINISHED = ".building"  # beside the build state while a build writes outputs: a killed build leaves it


def _same(known: list[Any], st: os.stat_result) -> bool:
    """A stat cache entry [size, mtime_ns, sha256, ctime_ns, inode] still describes the file `st`."""
    return bool(known[0] == st.st_size and known[1] == st.st_mtime_ns and known[3] == st.st_ctime_ns
                and known[4] == st.st_ino)


def default_cache_dir(manifest_path: Path) -> Path:
    """`$NARRATE_CACHE`, else `.narrate-cache/` beside the manifest."""
    env = os.environ.get("NARRATE_CACHE")
    return Path(env).expanduser() if env else manifest_path.resolve().parent / ".narrate-cache"


# The last state read in this process, by path: the signatures of its base and journal, what they held.
# `narrate build` reads the state twice (the no-op check, then the build): the second read is free.
_LAST_READ: dict[Path, tuple[tuple[Any, Any], _Read]] = {}


@dataclass
class _Read:
    """A state as read: the base file with its journal's good lines applied (state_journal)."""

    files: dict[str, list[Any]] = field(default_factory=dict)
    carry: dict[str, str] = field(default_factory=dict)  # prompt id -> planning context
    rest: dict[str, Any] = field(default_factory=dict)  # "last", "index"
    base_id: str | None = None  # None: no base this narrate writes (the next save writes one)
    base_size: int = 0
    base_sig: tuple[int, int, int, int] | None = None  # (size, mtime_ns, ctime_ns, inode) as read
    journal_end: int = 0  # bytes of the journal applied
    journal_ok: bool = False  # the journal was whole (or absent): the next save may append to it


def _read_state(path: Path) -> _Read:
    """The state if its base is one this narrate writes (version and entry shape), else empty."""
    journal = journal_path(path)
    try:
        # A regular file only, of bounded size, opened without blocking or following a link: a FIFO in
        # its place hung the build, a link to /dev/zero read until memory ran out.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_STATE_BYTES:
                raise ValueError
            base_sig = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            sig = (base_sig, journal_signature(journal))
            known = _LAST_READ.get(path)
            if known is not None and known[0] == sig:
                return known[1]
            with paused_gc():  # a list per stat entry (100,000 at 50,000 prompts), long-lived, no cycles
                data = json.loads(f.read(MAX_STATE_BYTES + 1))
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION or not isinstance(data.get("files"), dict) \
                or not all(type(e) is list and len(e) == 5 for e in data["files"].values()):
            raise ValueError
    except (OSError, ValueError, AttributeError, RecursionError):
        return _Read()
    base_id = data.get("id")
    read = _Read(data["files"], _contexts_by_id(data.get("carry")),
                 {"last": data.get("last"), "index": data.get("index"), "found": data.get("found")},
                 base_id if type(base_id) is str else None, st.st_size, base_sig)
    if read.base_id is not None:  # a base of an older narrate has no id, and no journal applies to it
        with paused_gc():
            changes, read.journal_end, read.journal_ok = read_journal(journal, read.base_id)
            for change in changes:
                apply_change(change, read.files, read.carry, read.rest)
    _LAST_READ.clear()
    _LAST_READ[path] = (sig, read)
    return read


def _contexts_by_id(carry: Any) -> dict[str, str]:
    """{context: [prompt ids]} as saved -> {prompt id: context}; {} if it is not that shape."""
    if not isinstance(carry, dict):
        return {}
    by_id: dict[str, str] = {}
    for context, ids in carry.items():
        if not isinstance(ids, list):
            return {}
        for ident in ids:
            if type(ident) is not str:
                return {}
            by_id[ident] = context
    return by_id


def state_file(cache_dir: Path, manifest_path: Path, suffix: str) -> Path:
    """Where a manifest's build state of one kind lives: `<cache>/state/<digest of its path><suffix>`."""
    # The path's own bytes: its UTF-8 as before, and a name that is not UTF-8 (b"caf\xe9.yaml") is
    # hashed too, so that the manifest's loader, not this digest, is what refuses it.
    digest = hashlib.sha256(os.fsencode(manifest_path.resolve())).hexdigest()[:16]
    return Path(cache_dir) / "state" / f"{digest}{suffix}"


MAX_STATES_READ = 10_000  # state files `built_manifests` reads; a larger state folder is not one narrate made


def built_manifests(cache_dir: Path) -> tuple[list[Path], list[str]]:
    """(the manifests, still there, that built with this cache folder; the names of the build states
    whose manifest cannot be named: no clean build recorded). A shared cache (`NARRATE_CACHE`) holds
    the paid segments of every project that builds with it: `cache prune` must count theirs as used."""
    found: list[Path] = []
    unnamed: list[str] = []
    try:
        states = sorted((Path(cache_dir) / "state").glob("*.json"))[:MAX_STATES_READ]
    except OSError:
        return found, unnamed
    for path in states:
        last = _read_state(path).rest.get("last")
        inputs = last["inputs"] if last is not None and is_last(last) else []
        manifest = Path(inputs[0]) if inputs else None
        # Its own state: the first input hashes to this file's name (a state cannot name another file).
        if manifest is None or state_file(cache_dir, manifest, ".json").name != path.name:
            unnamed.append(path.name)
        elif manifest.is_file():
            found.append(manifest)
    return found, unnamed


class BuildState:
    def __init__(self, cache_dir: Path, manifest_path: Path) -> None:
        self.path = state_file(cache_dir, manifest_path, ".json")
        self.memo_path = self.path.with_suffix(".memo")
        self.chapter_memo_path = self.path.with_suffix(".chapters")
        self.unfinished_marker = self.path.with_suffix(UNFINISHED)
        read = _read_state(self.path)
        self.entries: dict[str, list[Any]] = dict(read.files)  # entries are replaced, never changed
        last = read.rest.get("last")
        self.last: dict[str, Any] | None = last if is_last(last) else None
        # index.json (path relative to the manifest's folder) -> the digest of its head, notes and
        # fallbacks when the last clean build recorded it (narrate.build.index splices only then).
        index = read.rest.get("index")
        self.index_digests: dict[str, str] = dict(index) if isinstance(index, dict) else {}
        # Outputs the build found in place and did not write (their lock records say `"found": true`):
        # not narrate's, though their signatures are in the stat cache, should the lock be lost.
        found = read.rest.get("found")
        self.found: set[str] = {f for f in found if type(f) is str} if isinstance(found, list) else set()
        # Prompt id -> the planning context its lock entry was written under (narrate.plan.carry), as
        # of the last build without errors; stored as {context: [ids]} (a few contexts per library).
        self.plan_contexts: dict[str, str] = dict(read.carry)
        self._dirty = False
        # What this build changed, for the journal line `save` appends (state_journal).
        self._read = read
        self._touched: set[str] = set()
        self._carry_changes: dict[str, str | None] = {}
        self._saved_last, self._saved_index, self._saved_found = self.last, dict(self.index_digests), set(self.found)

    # -- stat cache
    # An entry is [size, mtime_ns, sha256, ctime_ns, inode] as narrate last wrote or hashed the file.
    # The whole signature must match to trust the sha256: a file replaced by same-size bytes (a new
    # inode, or a new ctime, which no user call can set back) is hashed again even when its mtime
    # was put back.

    # Every caller hashes a file to compare it with the sha256 a lock records (`expect`). A fresh digest
    # that is not that one is not kept: the stat cache holds the paths where narrate wrote a file, or found
    # the bytes its lock records, and an entry for any other (a user's file that a hand-edited lock claims)
    # would make `wrote` call it narrate's (narrate.ownership).

    def sha256(self, root: Path, rel: str, expect: str | None) -> str | None:
        """The file's sha256, from the stat cache when its signature matches, else by hashing it."""
        path = f"{root}{os.sep}{rel}"  # plain strings: this runs once per output on every build
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        return self._digest(path, rel, st, expect)

    def regular_sha256(self, root: Path | str, rel: str, expect: str | None) -> str | None:
        """`sha256` of a regular file, with one lstat(2); None if it is missing or not a regular file
        (a link, which may lead out of the folder, or a FIFO that never ends)."""
        path = f"{root}{os.sep}{rel}"
        try:
            st = os.lstat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return self._digest(path, rel, st, expect)

    def _digest(self, path: str, rel: str, st: os.stat_result, expect: str | None) -> str:
        """The sha256 of the file at `path` (`rel` in the stat cache) whose stat is `st`, kept in the
        stat cache only if it is `expect` (the digest the lock records for it)."""
        known = self.entries.get(rel)
        if known is not None and known[2] and known[0] == st.st_size and known[1] == st.st_mtime_ns \
                and known[3] == st.st_ctime_ns and known[4] == st.st_ino:
            return cast(str, known[2])
        digest = sha256_file(Path(path))
        if digest != expect:  # an entry of what narrate left there stays: its signature vouches for nothing now
            return digest
        self.entries[rel] = [st.st_size, st.st_mtime_ns, digest, st.st_ctime_ns, st.st_ino]
        self._dirty = True
        self._touched.add(rel)
        return digest

    digest_of = _digest  # for callers that stat the file themselves (plan.carry)

    def unchanged(self, root: Path, rel: str) -> bool:
        """Whether the file still has the signature recorded when narrate last wrote or hashed it."""
        known = self.entries.get(rel)
        if not known:
            return False
        try:
            st = os.stat(f"{root}{os.sep}{rel}")
        except OSError:
            return False
        return _same(known, st)

    def wrote(self, rel: str) -> bool:
        """Whether narrate wrote a file at `rel` (or found there the bytes its lock records), and not one
        found in place: the file there now may have been changed since (narrate.ownership)."""
        return rel in self.entries and rel not in self.found

    def record(self, root: Path, rel: str, digest: str) -> None:
        st = os.stat(f"{root}{os.sep}{rel}")
        self.entries[rel] = [st.st_size, st.st_mtime_ns, digest, st.st_ctime_ns, st.st_ino]
        self._dirty = True
        self._touched.add(rel)

    def record_signature(self, root: Path, rel: str) -> None:
        """Record a file narrate just wrote by its signature alone, its sha256 unknown (""): for the
        lock and index.json, which only the fast paths' "unchanged since" checks read, so a one-edit
        build does not read and hash them again (34 MB of lock at 50,000 prompts). `sha256` and
        `regular_sha256` hash such a file when asked."""
        st = os.stat(f"{root}{os.sep}{rel}")
        self.entries[rel] = [st.st_size, st.st_mtime_ns, "", st.st_ctime_ns, st.st_ino]
        self._dirty = True
        self._touched.add(rel)

    def mark_found(self, rel: str, found: bool) -> None:
        """Record whether the output `rel` was found in place (not narrate's) or written by this build."""
        if (rel in self.found) != found:
            (self.found.add if found else self.found.discard)(rel)
            self._dirty = True

    def forget(self, rel: str) -> None:
        if self.entries.pop(rel, None) is not None:
            self._dirty = True
            self._touched.add(rel)

    # -- last clean build

    def remember_clean_build(self, inputs: list[Path], summary: dict[str, Any], globs: Sequence[str] = (),
                             models: Sequence[Path] = (), *, seen: Sequence[bytes] | None,
                             folders: Mapping[str, str] | None = None) -> None:
        """Record the last clean build: its `inputs` (fingerprinted), what each of `globs` matched then
        (a file a glob newly finds is a change too), the signatures of `models` (local engines' model
        files, too big to hash each time), the build_stamp, and its report's `summary`. `seen`: the
        inputs' digests as the build began (input_digests); if an input is not what it was then (edited
        during the build), nothing is recorded and the next build does the work again. `folders`: each
        output folder as named -> where it resolved (Manifest.output_folders): a link on the way that
        now leads elsewhere is a change too."""
        self.last = clean_build_record(inputs, summary, globs, models, seen, folders)
        self._dirty = True

    def forget_clean_build(self) -> None:
        if self.last is not None or self.plan_contexts:
            self.last = None
            self.remember_plan_contexts({})
            self._dirty = True

    def change_plan_contexts(self, changes: dict[str, str | None]) -> None:
        """Set (or, for None, drop) the planning contexts of these prompts; the others' stay."""
        contexts, saved = self.plan_contexts, self._carry_changes
        for ident, context in changes.items():
            if contexts.get(ident) != context:
                if context is None:
                    del contexts[ident]
                else:
                    contexts[ident] = context
                saved[ident] = context
                self._dirty = True

    def remember_plan_contexts(self, contexts: dict[str, str]) -> None:
        if contexts != self.plan_contexts:
            old, changes = self.plan_contexts, self._carry_changes
            for ident, context in contexts.items():
                if old.get(ident) != context:
                    changes[ident] = context
            changes.update((ident, None) for ident in old if ident not in contexts)
            self.plan_contexts = contexts
            self._dirty = True

    def unchanged_summary(self, root: Path) -> dict[str, Any] | None:
        """The last clean build's summary if nothing it read or wrote has changed since and no build
        was killed since (its unfinished marker is gone), else None."""
        last = self.last
        if not last or not still_clean(last):
            return None
        if os.path.lexists(self.unfinished_marker):  # a killed build's temp files wait for a real build
            return None
        stat_of, prefix = os.stat, f"{root}{os.sep}"
        for rel, known in self.entries.items():
            try:
                st = stat_of(prefix + rel)
            except OSError:
                return None
            if not _same(known, st):
                return None
        return cast("dict[str, Any]", last["summary"])

    def save(self) -> None:
        """Append what this build changed to the journal (state_journal), or rewrite the base when
        there is no base of this narrate's, the journal is torn, another build wrote either since
        this one read them, or the journal has grown past its share of the base."""
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        read, journal = self._read, journal_path(self.path)
        rest: dict[str, Any] = {}
        if self.last != self._saved_last:
            rest["last"] = self.last
        if self.index_digests != self._saved_index:
            rest["index"] = self.index_digests
        if self.found != self._saved_found:
            rest["found"] = sorted(self.found)
        text = change_line({rel: self.entries.get(rel) for rel in sorted(self._touched)}, self._carry_changes, rest)
        end = None
        if read.base_id is not None and read.journal_ok and not too_big(read.journal_end + len(text), read.base_size) \
                and journal_signature(self.path) == read.base_sig:
            end = append_change(journal, text, read.base_id, read.journal_end)
        if end is None:
            self._compact(journal)
        else:
            self._read = _Read(base_id=read.base_id, base_size=read.base_size, base_sig=read.base_sig,
                               journal_end=end, journal_ok=True)
        _LAST_READ.clear()
        self._touched, self._carry_changes = set(), {}
        self._saved_last, self._saved_index, self._saved_found = self.last, dict(self.index_digests), set(self.found)
        self._dirty = False

    def _compact(self, journal: Path) -> None:
        """Rewrite the base whole under a new id, then drop the journal (a crash between the two leaves
        a journal of the old base, which no read applies)."""
        carry: dict[str, list[str]] = {}
        for ident, context in self.plan_contexts.items():
            carry.setdefault(context, []).append(ident)
        base_id = os.urandom(8).hex()
        doc = {"v": STATE_VERSION, "id": base_id, "files": self.entries, "last": self.last,
               "index": self.index_digests, "carry": carry, "found": sorted(self.found)}
        data = json.dumps(doc, separators=(",", ":")).encode()
        write_if_changed(self.path, data)
        with contextlib.suppress(OSError):  # gone, or a folder in its place: a journal no read applies
            os.unlink(journal)
        self._read = _Read(base_id=base_id, base_size=len(data), base_sig=journal_signature(self.path), journal_ok=True)
