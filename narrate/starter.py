"""`narrate init`: a starter project (a manifest with one prompt library and one book, a lexicon,
two chapters, `.gitignore` lines for the cache and the outputs, the CI workflow, and the manifest's
JSON Schema as `narrate.schema.json`, which the manifest's first line points editors at).

The files are package data under `narrate/templates/init/`. Nothing is overwritten: if any file
the starter would write exists, or the folder already has a manifest (narrate.yml, or an imported
one), `StarterError` names them and nothing is written. `.gitignore` is
the exception: narrate's lines are appended to an existing one (once).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from .errors import StarterError, shown, utf8_problem
from .fsutil import output_path, write_atomic

# template (under templates/init) -> where it goes in the project
FILES = {
    "narrate.yaml": "narrate.yaml",
    "lexicon.yaml": "lexicon.yaml",
    "content/guide/01-welcome.md": "content/guide/01-welcome.md",
    "content/guide/02-next-steps.md": "content/guide/02-next-steps.md",
    "github-workflow.yml": ".github/workflows/narrate.yml",
}
GITIGNORE = "gitignore"
# Written from this narrate's own model rather than fetched from a URL: editors complete offline, and
# the schema matches the version that validates (`narrate schema > narrate.schema.json` after an upgrade).
SCHEMA = "narrate.schema.json"


# A YAML file whose top level has one of these keys is a manifest (narrate.manifest's top-level keys).
_MANIFEST_KEY = re.compile(rb"^(?:libraries|books)[ \t]*:", re.MULTILINE)
SNIFF_BYTES = 64 * 1024


def existing_manifests(folder: Path) -> list[str]:
    """The manifests already in `folder`: narrate.yaml or narrate.yml (what `build` finds without an
    argument), and any YAML file there with a top-level `libraries:` or `books:` (an imported one)."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
            continue
        if path.name.lower() in ("narrate.yaml", "narrate.yml"):
            found.append(path.name)
            continue
        try:
            with path.open("rb") as f:
                head = f.read(SNIFF_BYTES)
        except OSError:
            continue
        if _MANIFEST_KEY.search(head):
            found.append(path.name)
    return found


def _template(name: str) -> bytes:
    return resources.files("narrate").joinpath("templates", "init", *name.split("/")).read_bytes()


def write_starter(folder: Path) -> list[Path]:
    """Write the starter project into `folder` (created if missing); returns the paths written or
    changed, in order. Raises StarterError (nothing written) if any of the files exists."""
    folder = folder.resolve()
    why = utf8_problem(folder)
    if why:  # the manifest written there could not be loaded
        raise StarterError(f"{shown(str(folder))}: {why}")
    taken = [dest for dest in (*FILES.values(), SCHEMA) if (folder / dest).exists() or (folder / dest).is_symlink()]
    if taken:
        raise StarterError(f"{folder} already has {', '.join(taken)}; narrate init never overwrites",
                           hint="run it in an empty folder, or move those files away")
    manifests = existing_manifests(folder)
    if manifests:
        raise StarterError(f"{folder} already has a narrate manifest ({', '.join(manifests)}); narrate init never "
                           "writes a second project beside one", hint="build the one there, or run init in an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    # Every path is checked (no symlink leading out of `folder`) before the first is written, so a
    # refusal leaves no half-written project that the next `init` would refuse to complete.
    for dest in (*FILES.values(), SCHEMA, ".gitignore"):
        output_path(folder, Path(dest), create=False)
    written = []
    for source, dest in FILES.items():
        path = output_path(folder, Path(dest))
        write_atomic(path, _template(source), within=folder)
        written.append(path)
    schema = output_path(folder, Path(SCHEMA))
    write_atomic(schema, _schema_bytes(), within=folder)
    written.append(schema)
    ignore = _gitignore(folder)
    if ignore is not None:
        written.append(ignore)
    return written


def _schema_bytes() -> bytes:
    from .manifest.schema import manifest_schema

    return (json.dumps(manifest_schema(), indent=2) + "\n").encode()


def _gitignore(folder: Path) -> Path | None:
    """Append narrate's lines to `.gitignore` (created if missing); None if they are all there."""
    path = output_path(folder, Path(".gitignore"))
    old = path.read_bytes() if path.is_file() else b""
    have = {line.strip() for line in old.decode("utf-8", "replace").splitlines()}
    lines = _template(GITIGNORE).decode().splitlines()
    missing = [line for line in lines if line.startswith("#") or line.strip() not in have]
    if all(line.startswith("#") for line in missing):
        return None
    sep = b"" if not old or old.endswith(b"\n") else b"\n"
    gap = b"\n" if old else b""
    write_atomic(path, old + sep + gap + ("\n".join(missing) + "\n").encode(), within=folder)
    return path
