"""The lock file and the local stat cache.

`narrate.lock` (beside the manifest, committed to git) records, per manifest file, what each
output was built from: segment keys, render recipe, sha256, size and duration. JSON with sorted
keys and one entry per line-ish indentation, so a one-word edit is a small diff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CacheError
from .fsutil import write_if_changed

LOCK_NAME = "narrate.lock"
LOCK_VERSION = 1


@dataclass
class LockFile:
    path: Path
    manifest_name: str
    prompts: dict[str, dict[str, Any]] = field(default_factory=dict)
    books: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def for_manifest(cls, manifest_path: Path) -> "LockFile":
        path = manifest_path.parent / LOCK_NAME
        lock = cls(path, manifest_path.name)
        section = _read(path).get("manifests", {}).get(manifest_path.name, {})
        lock.prompts = section.get("prompts", {})
        lock.books = section.get("books", {})
        return lock

    def save(self) -> bool:
        """Write the lock if its content changed; other manifests' sections are kept."""
        data = _read(self.path)
        manifests = data.get("manifests", {})
        manifests[self.manifest_name] = {"prompts": self.prompts, "books": self.books}
        lines = ['{"narrate_lock": %d, "manifests": {' % LOCK_VERSION]
        for m, (name, section) in enumerate(sorted(manifests.items())):
            lines.append(f" {json.dumps(name)}: {{")
            for s, kind in enumerate(("books", "prompts")):
                lines.append(f'  "{kind}": ' + json_object_lines(section.get(kind, {}), indent="   ")
                             + ("," if s == 0 else ""))
            lines.append(" }" + ("," if m < len(manifests) - 1 else ""))
        lines.append("}}")
        return write_if_changed(self.path, ("\n".join(lines) + "\n").encode("utf-8"))

    def output_files(self) -> dict[str, str]:
        """Every output path recorded for this manifest -> its sha256."""
        files = {}
        for entry in self.prompts.values():
            for out in entry.get("outputs", {}).values():
                files[out["file"]] = out["sha256"]
        for entry in self.books.values():
            for out in entry.get("outputs", {}).values():
                files[out["file"]] = out["sha256"]
        return files


def json_object_lines(entries: dict[str, Any], indent: str = " ") -> str:
    """A JSON object with one entry per line, keys sorted: a one-word edit is a one-line diff, and
    the C encoder does the work (json's `indent` falls back to a pure-Python encoder, 10x slower)."""
    if not entries:
        return "{}"
    body = ",\n".join(f"{indent}{json.dumps(k, ensure_ascii=False)}: "
                      f"{json.dumps(v, sort_keys=True, ensure_ascii=False)}" for k, v in sorted(entries.items()))
    return "{\n" + body + "\n" + indent[:-1] + "}"


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise CacheError(f"{path}: unreadable lock file ({exc}); delete it to rebuild from the cache") from None
    if not isinstance(data, dict) or data.get("narrate_lock") != LOCK_VERSION:
        return {}
    return data
