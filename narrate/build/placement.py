"""Placing a rendered prompt's files in its output folder, through the build's outbox: files a
worker wrote to temp files beside their targets, or bytes rendered here, each checked to stay in its
folder and not to replace a file narrate did not write (ownership.foreign_files); a refusal is
reported for the prompt, a write failure stops spending. A mixin of build.render.PromptRenderer,
whose state (`pb`, `folders`, `outbox`, `guard`, `report`, `lock`) it uses."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from ..errors import NarrateError
from ..outcome import BuildReport
from ..plan import PromptJob
from ..prepare import PlannedBuild

# One output file as the build records it: (written, not already there; sha256 hex; bytes; seconds).
Written = tuple[bool, str, int, float]


class OutputPlacement:
    """The placing half of PromptRenderer: its files to their targets, refusals reported."""

    pb: PlannedBuild
    folders: dict[str, Any]
    guard: Any
    outbox: Any
    lock: threading.Lock
    report: BuildReport
    _found_files: set[str] | None

    def _found(self, path: str, fmt: str, old: Any) -> bool:
        """Whether an output already holding the bytes the build would write (so not written) is one
        that narrate did not write for this manifest: a file not narrate's (ownership.foreign_files), or
        one its lock records as found. Recorded so (`"found": true`), it is never removed
        (narrate.removal): another manifest writing to this folder, or the user, put it there."""
        if path in self.pb.foreign:
            return True
        recorded = old.get("outputs") if isinstance(old, dict) else None
        rec = recorded.get(fmt) if isinstance(recorded, dict) else None
        if isinstance(rec, dict) and rec.get("file") == path:
            return rec.get("found") is True
        with self.lock:  # rare (a file its own entry does not record): `published` changes the entries under it
            if self._found_files is None:
                self._found_files = {r.file for r in self.pb.lock.recorded_outputs() if r.found}
            return path in self._found_files

    def _write_here(self, job: PromptJob, rendered: list[Any]) -> list[Written] | None:
        """Queue files rendered ahead (their bytes are here) in the outbox; None after a failure (reported)."""
        from ..package.prompt_files import holds_bytes

        root = self.pb.manifest.root
        folder = self.folders[job.library]
        clash = [out.path for out, file in zip(job.outputs, rendered, strict=False)
                 if out.path in self.pb.foreign and not holds_bytes(str(root / out.path), file.data)]
        if clash:
            self._foreign(job, clash)
            return None
        files: list[Written] = []
        for out, file in zip(job.outputs, rendered, strict=False):
            try:
                changed, _ = self.outbox.put(root / out.path, file.data, within=folder)
            except (OSError, NarrateError) as exc:
                self._refused(job, exc, (root / out.path).parent)
                return None
            files.append((changed, file.sha256 or hashlib.sha256(file.data).hexdigest(), len(file.data),
                          file.duration))
        return files

    def _write_failed(self, exc: OSError, folder: Any) -> None:
        """An output could not be written (here, in a worker, or by the outbox): stop spending."""
        from ..synth import write_failure

        self.guard.fail(write_failure(exc, "output", folder))

    def _refused(self, job: PromptJob, exc: OSError | NarrateError, folder: Path) -> None:
        """A file of `job` cannot be placed: a full disk or permissions (OSError) stops spending, the
        segments staying cached; an OutputPathError (a link or `..` leaving the output folder) is
        reported for this prompt."""
        if isinstance(exc, OSError):
            self._write_failed(exc, folder)
        else:
            with self.lock:
                self.report.errors.append(f"{job.id}: {exc}")

    def _foreign(self, job: PromptJob, paths: list[str]) -> None:
        """Files of `job` that narrate did not write and that hold other bytes (ownership.foreign_files):
        kept as they are, and the prompt reported; its audio stays cached for the next build."""
        from ..outcome import foreign_message

        recorded = (self.pb.lock.prompts.get(job.id) or {}).get("outputs", {})
        recs = [rec for rec in recorded.values() if isinstance(rec, dict)] if isinstance(recorded, dict) else []
        found = {rec.get("file") for rec in recs if rec.get("found") is True}
        claimed = {rec.get("file") for rec in recs if rec.get("found") is not True}
        with self.lock:
            self.report.errors.append(foreign_message(job.id, paths, found=set(paths) <= found,
                                                      recorded=set(paths) <= claimed))

    def _targets(self, job: PromptJob) -> list[Path] | None:
        """Where the job's files go, each checked to stay in its output folder (missing folders made);
        None after a failure (reported)."""
        from ..fsutil import output_path

        root = self.pb.manifest.root
        folder = self.folders[job.library]
        targets = []
        for out in job.outputs:
            try:
                targets.append(output_path(folder, root / out.path))
            except (OSError, NarrateError) as exc:  # a folder that cannot be made, or a path leaving it
                self._refused(job, exc, (root / out.path).parent)
                return None
        return targets

    def ahead_targets(self, job: PromptJob) -> tuple[str, ...] | None:
        """The job's files' paths for a worker to write them ahead (checked, folders made, as `_targets`
        does), or None if one cannot be placed now: its bytes then come back, and its own render
        reports why (a write failure has stopped the outputs, a path leaving its folder...)."""
        from ..fsutil import output_path

        if self.guard.outputs_failed:
            return None
        root, folder = self.pb.manifest.root, self.folders[job.library]
        try:
            return tuple(str(output_path(folder, root / out.path)) for out in job.outputs)
        except (OSError, NarrateError):
            return None

    def _publish_temps(self, job: PromptJob, files: Any) -> list[Written] | None:
        """Queue the temp files a worker wrote for `job` (a list of prompt_files.WrittenFile, or the
        WriteError that stopped them) in the outbox; None after a failure (reported, temp files removed)."""
        from ..package.prompt_files import WriteError, remove_temps

        if isinstance(files, WriteError):  # a full disk, found by the worker: stop spending
            self._write_failed(files.as_oserror(), files.folder)
            return None
        if self.guard.outputs_failed:  # another prompt's write failed meanwhile: publish nothing more
            remove_temps(files)
            return None
        clash = [out.path for out, f in zip(job.outputs, files, strict=True) if f.tmp is not None and out.path in self.pb.foreign]
        if clash:
            remove_temps(files)
            self._foreign(job, clash)
            return None
        for f in files:
            if f.tmp is not None:
                self.outbox.put_temp(Path(f.tmp), Path(f.target))
        return [(f.tmp is not None, f.sha256, f.size, f.duration) for f in files]


def _in_temps(files: Any) -> bool:
    """Whether a prompt rendered ahead is in temp files (WrittenFile records, or the WriteError that stopped
    them), not bytes still to write (RenderedFile)."""
    from ..package.prompt_files import WriteError, WrittenFile

    return isinstance(files, WriteError) or (bool(files) and isinstance(files[0], WrittenFile))


def _drop_ahead(ahead: tuple[Any, Any] | None) -> None:
    """Remove the temp files of a prompt rendered ahead that will not be published."""
    from ..package.prompt_files import WriteError, remove_temps

    if ahead is not None and _in_temps(ahead[0]) and not isinstance(ahead[0], WriteError):
        remove_temps(ahead[0])
