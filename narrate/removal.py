"""What a build may delete (DESIGN.md invariant 8): outputs the lock records that are no longer
built, and the temp files killed builds left. Nothing else, whatever the lock says.

A lock is a file anyone can edit (a pull request from a stranger, a bad merge), so a path in it
proves nothing alone. A recorded output is deleted only if it is inside the output folder the
manifest declares for the entry's library or book (any folder the manifest declares, when that
library or book was removed from it), reached without a symlink leaving that folder, a regular
file (not a link), and still holds the bytes the lock recorded, so that a file someone replaced
or edited is never lost. And it must be one the build wrote: a file the lock records as found in
place (narrate.cache.lock, version 2) was put there by another manifest writing to the same folder,
or by the user, and a file another manifest's section of the same lock, or another lock in reach of
the output folders (cache.lock_claims: sibling projects writing one folder) records is that manifest's.
Everything else gets one warning and stays.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path

from .cache.lock import LockFile, RecordedOutput
from .cache.lock_claims import claim_key, claimed_files, nearby_locks
from .errors import shown
from .fsutil import remove_and_prune, remove_stale_temps, sha256_file
from .manifest import Manifest


def output_folders(manifest: Manifest) -> dict[tuple[str, str], Path]:
    """("library" | "book", name) -> the output folder the manifest declares (resolved at load)."""
    folders = {("library", lib.name): lib.output for lib in manifest.libraries}
    folders.update({("book", book.name): book.output for book in manifest.books})
    return folders


def plan_removals(manifest: Manifest, lock: LockFile, planned: set[str], carried: Collection[str] = (),
                  found: Collection[str] = ()) -> tuple[dict[str, RecordedOutput], list[str]]:
    """The lock's outputs that this build does not produce: (the removable ones by path, one
    warning line per recorded file that stays, or per reason for many: `_left_alone`). Reads and
    hashes, deletes nothing. `carried`: ids of prompt entries whose recorded files are all in
    `planned` (plan.carry checked them), not walked. `found`: the files the build state says a build
    found in place (BuildState.found): kept even if the lock lost their `"found": true` (a hand edit,
    a bad merge)."""
    removable: dict[str, RecordedOutput] = {}
    stays: dict[tuple[str, str, str], list[str]] = {}  # (kind, owner, why) -> the files left alone
    folded: dict[str, str] | None = None  # made only if a recorded file is not planned
    others: dict[str, str] = {}  # file -> the other manifest (still there) whose section of this lock records it
    for rec in lock.recorded_outputs(skip=planned, skip_ids=carried):
        if rec.file in planned or rec.file in removable:
            continue
        if folded is None:
            folded = {rel.casefold(): rel for rel in planned}
            others = lock.files_of_other_manifests(lock.other_live_manifests())
        twin = folded.get(rec.file.casefold())
        if twin is not None and _same_file(manifest.root, rec.file, twin):
            continue  # a prompt renamed in case only, on a case-insensitive disk (macOS, Windows): one file
        if rec.found or rec.file in found or rec.file in others:
            why = ("narrate found in place and did not write" if rec.found or rec.file in found
                   else f"{shown(others[rec.file])} (in the same lock) records too")
            if os.path.lexists(os.path.join(manifest.root, rec.file)):
                stays.setdefault((rec.owner_kind, rec.owner, why), []).append(rec.file)
            continue
        path, reason = check_removable(manifest, rec)
        if path is not None:
            removable[rec.file] = rec
        elif reason:
            stays.setdefault((rec.owner_kind, rec.owner, reason), []).append(rec.file)
    if removable:  # read only when there is something to delete: most builds delete nothing
        claims = claimed_files(nearby_locks(output_folders(manifest).values(), lock.path))
        for rel, rec in list(removable.items()) if claims else ():
            other = claims.get(claim_key(os.path.join(manifest.root, rel)))
            if other is not None:
                del removable[rel]
                stays.setdefault((rec.owner_kind, rec.owner, f"{shown(other)} records too"), []).append(rel)
    return removable, [line for key, files in stays.items() for line in _left_alone(lock.path, *key, files)]


NAMED_ONE_A_LINE = 5  # files left alone for one reason: past this many, one line names 3 and counts the rest


def _left_alone(lock: Path, kind: str, owner: str, why: str, files: list[str]) -> list[str]:
    """The warnings for `files` the lock lists and the build leaves alone for one reason: a line each,
    or, for many (a library moved to another folder leaves every file behind), one line."""
    files = list(dict.fromkeys(files))
    if len(files) <= NAMED_ONE_A_LINE:
        return [f"{shown(lock)} lists {shown(f)} ({kind} {shown(owner)}), which {why}: left alone" for f in files]
    named = ", ".join(shown(f) for f in files[:3])
    return [f"{shown(lock)} lists {len(files):,} files of {kind} {shown(owner)}, each of which {why}: left alone "
            f"({named} and {len(files) - 3:,} more)"]


def _same_file(root: Path, a: str, b: str) -> bool:
    """Whether two output paths name one file (as `Welcome.ulaw` and `welcome.ulaw` do where names are
    case-insensitive): deleting the old name would delete the new output."""
    try:
        return os.path.samefile(os.path.join(root, a), os.path.join(root, b))
    except OSError:
        return False


def check_removable(manifest: Manifest, rec: RecordedOutput) -> tuple[Path | None, str]:
    """(the real path to unlink, "") if the build may delete this recorded output; else (None, why
    not), with an empty reason when the file is simply gone."""
    folders = output_folders(manifest)
    own = folders.get((rec.owner_kind, rec.owner))
    candidates = [own] if own is not None else list(folders.values())
    try:
        full = os.path.normpath(os.path.join(manifest.root, rec.file))
        folder = next((f for f in candidates if _under(full, os.path.abspath(f))), None)
        if folder is None:
            what = (f"the output folder of {rec.owner_kind} {shown(rec.owner)}" if own is not None
                    else "every output folder this manifest declares")
            return None, f"is outside {what}"
        real_folder = os.path.realpath(folder)
        real_parent = os.path.realpath(os.path.dirname(full))
        if not (real_parent == real_folder or _under(real_parent, real_folder)):
            return None, "is reached through a symlink that leaves its output folder"
        path = Path(real_parent, os.path.basename(full))
        st = os.lstat(path)
    except FileNotFoundError:
        return None, ""
    except (OSError, ValueError) as exc:
        return None, f"cannot be read ({getattr(exc, 'strerror', None) or exc})"
    if stat.S_ISLNK(st.st_mode):
        return None, "is a symlink"
    if not stat.S_ISREG(st.st_mode):
        return None, "is not a regular file"
    try:
        same = sha256_file(path) == rec.sha256
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if not same:
        return None, "changed since narrate wrote it"
    return path, ""


def remove_outputs(manifest: Manifest, lock_path: Path, records: list[RecordedOutput]) -> tuple[list[str], list[str]]:
    """Delete the outputs `plan_removals` found removable, each checked again right before (a
    build may run for minutes, and a file may change meanwhile), and the folders they leave empty
    (never the output folder itself). Returns (the lock paths removed, warnings). A record found in
    place is never removed, whoever passes it."""
    folders = [os.path.realpath(f) for f in output_folders(manifest).values()]
    removed, warnings = [], []
    for rec in records:
        if rec.found:
            continue
        path, reason = check_removable(manifest, rec)
        if path is None:
            if reason:
                warnings.append(f"{shown(lock_path)} lists {shown(rec.file)}, which {reason}: left alone")
            continue
        stop = next(Path(f) for f in folders if _under(str(path), f))
        if remove_and_prune(path, stop):
            removed.append(rec.file)
    return removed, warnings


def remove_stale_temps_of(manifest: Manifest) -> None:
    """Temp files and work folders killed builds left in this manifest's output folders (and beside
    its lock): only names that match narrate's whole pattern (fsutil.is_stale_temp)."""
    for folder in output_folders(manifest).values():
        if folder.is_dir():
            remove_stale_temps(folder)
    remove_stale_temps(manifest.root, recursive=False)


def _under(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)
