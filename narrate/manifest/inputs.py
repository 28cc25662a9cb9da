"""Where a manifest's input files may be: inside the project, as regular files.

A manifest names files whose content narrate speaks, packages or publishes (chapters, order
files, covers, feed artwork, lexicons, library licenses). A manifest may come from a pull request
in CI, so it must not be able to name `/proc/self/environ` or a symlink to `~/.ssh/id_rsa` and have
it published. `outside_problem` is the one test; `resolve` applies it to every such file before
anything reads it. Provider credentials (`api_key_file`) and local engine models are not published
content and are not checked here.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import shown as show

# Kernel and device trees: never content, whatever the project folder is (a manifest at / has the
# whole machine as its project).
_SPECIAL = ("/proc", "/sys", "/dev")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def project_root(manifest_folder: Path, working_folder: Path | None = None) -> Path:
    """The project folder of a manifest in `manifest_folder` (absolute): the work tree of the git
    repository holding it (nearest ancestor, itself included, with a `.git` entry: folder, or file
    for worktrees and submodules); outside git (an unpacked archive, a container image built
    without `.git`), the working folder (default: the current one) if the manifest lies inside it,
    so `manifests/` may still read `../content/`; else `manifest_folder` itself. Symlinks resolved."""
    folder = Path(os.path.realpath(manifest_folder))
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    cwd = os.path.realpath(working_folder if working_folder is not None else os.getcwd())
    return Path(cwd) if _inside(str(folder), cwd) else folder


def outside_problem(path: Path | str, project: Path) -> str | None:
    """Why the input file `path` may not be read: its real location (symlinks followed) is outside
    `project` (a real path, from `project_root`) or in /proc, /sys or /dev; or None.

    Uses realpath only: never opens the file. The caller still checks that it is a regular file.
    """
    real = os.path.realpath(path)
    if not _inside(real, str(project)):
        return f"resolves outside the project folder {show(project)}; inputs must be inside it"
    if any(_inside(real, special) for special in _SPECIAL):
        return f"resolves to {show(real)}, a special file, not a regular file"
    return None
