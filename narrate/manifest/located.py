"""Where a manifest's problems go while its files are resolved (narrate.manifest.resolve), and the one
gate every input file a manifest names passes before anything opens it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem, utf8_problem
from ..errors import shown as show
from .inputs import input_problem, outside_problem

if TYPE_CHECKING:
    from .loader import Key, LineTable


class Located:
    """Problems and warnings of one manifest file, each located by its key path (or a given line)."""


    def __init__(self, file: str, lines: LineTable, problems: list[Problem]) -> None:
        self.file, self.lines, self.problems = file, lines, problems
        self.warnings: list[Problem] = []

    def add(self, key: Key, message: str, *, line: int | None = None) -> None:
        from .problems import key_path

        self.problems.append(Problem(self.file, self.lines.line(key) if line is None else line, key_path(key), message))

    def warn(self, key: Key, message: str) -> None:
        from .problems import key_path

        self.warnings.append(Problem(self.file, self.lines.line(key), key_path(key), message))


def checked_input(c: Located, key: Key, written: str | Path, path: Path, project: Path, *, limit: int) -> bool:
    """True if the input file `path` (as `written` in the manifest) may be read: inside `project`
    after symlinks (`inputs.outside_problem`), a regular file, at most `limit` bytes. Otherwise the
    problem goes to `c` under `key`. Every file a manifest names as content passes through here
    before anything opens it."""
    why = utf8_problem(path)
    if why:
        c.add(key, f"{show(written)}: {why}")
        return False
    why = outside_problem(path, project)
    if why:
        c.add(key, f"{show(written)} {why}")
        return False
    why = input_problem(path, limit=limit)
    if why:
        c.add(key, f"{show(written)}: {why}")
        return False
    return True
