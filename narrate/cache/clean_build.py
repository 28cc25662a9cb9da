"""The record of a manifest's last clean build, kept in its build state (narrate.cache.state) as
"last": what the build read (its inputs' fingerprint, what each glob matched, local engines' model
signatures, the build_stamp, where each output folder resolved) and its report's summary. Here are
making that record (`clean_build_record`), checking the shape of one read back (`is_last`: one of
another narrate, or of a hostile cache folder, is no clean build), and whether the world it describes
is still the same (`still_clean`); the stat cache's half of the no-op check stays with BuildState.
Imports nothing heavy, as the no-op fast path needs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .stamps import build_stamp, file_signature, fingerprint, input_digests, matches


def is_last(last: Any) -> bool:
    """Whether a state's "last" is the shape `clean_build_record` makes: one of another narrate, or
    of a hostile cache folder, is no clean build (the next build does the work) rather than a crash."""
    if not isinstance(last, dict):
        return False
    inputs, globs, models, summary = last.get("inputs"), last.get("globs"), last.get("models"), last.get("summary")
    return (type(last.get("fingerprint")) is str and type(last.get("stamp")) is str
            and type(inputs) is list and all(type(name) is str for name in inputs)
            and isinstance(globs, dict) and isinstance(models, dict) and isinstance(summary, dict)
            and type(summary.get("segments")) is int and type(summary.get("outputs")) is int
            and type(summary.get("warnings")) is list and all(type(w) is str for w in summary["warnings"]))


def clean_build_record(inputs: list[Path], summary: dict[str, Any], globs: Sequence[str], models: Sequence[Path],
                       seen: Sequence[bytes] | None, folders: Mapping[str, str] | None) -> dict[str, Any] | None:
    """The record of a clean build (BuildState.remember_clean_build says what each part is), or None
    when an input is not what it was as the build began (`seen`): edited during the build."""
    names = [str(p) for p in inputs]
    now = input_digests(names)
    fp = fingerprint(names, now) if now is not None and now == seen else None
    return {"fingerprint": fp, "inputs": names, "globs": {pattern: matches(pattern) for pattern in globs},
            "models": {str(p): file_signature(str(p)) for p in models}, "stamp": build_stamp(),
            "summary": summary, "folders": dict(folders or {})} if fp else None


def still_clean(last: dict[str, Any]) -> bool:
    """Whether nothing the recorded clean build read has changed since: its inputs, what its globs
    match, its model files, narrate and its libraries (build_stamp), where its output folders lead."""
    if fingerprint(last["inputs"]) != last["fingerprint"]:
        return False
    globs, models = last.get("globs"), last.get("models")
    if not isinstance(globs, dict) or any(matches(pattern) != found for pattern, found in globs.items()):
        return False
    if not isinstance(models, dict) or any(file_signature(path) != known for path, known in models.items()):
        return False
    if last.get("stamp") != build_stamp():  # a front-end library or a local engine was upgraded
        return False
    folders = last.get("folders", {})  # absent from a state written before narrate recorded them
    return isinstance(folders, dict) and all(os.path.realpath(named) == known for named, known in folders.items())
