"""Warnings repeated by YAML aliases, said once.

A node anchored once and used through aliases (`b: *same`, `c: *same`) is one piece of YAML: the advice
about it (numbers that disagree, a fallback text) was printed once per use, each at the anchor's
line, so one fix looked like N problems. Here the warnings whose key paths differ only by an alias use
of one node, at one line with one message, become one, at the anchor's key, saying how often the
node is used. The loader records the alias uses (`YamlDocument.aliases`). No pydantic: this runs on
the replayed (memoised) path too.
"""

from __future__ import annotations

from ..errors import Problem
from .loader import Key

MAX_NESTED_ALIASES = 64  # an alias inside an anchored node inside another...: bounded by MAX_DEPTH anyway
_LISTED = 3


def _dotted(key: Key) -> str:
    """A key path as warnings spell it (`libraries.shop.prompts.b`, list items `[1]`)."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _anchored(path: str, aliases: dict[str, str]) -> str:
    """`path` with each leading alias use replaced by where its node was first built."""
    for _ in range(MAX_NESTED_ALIASES):
        cuts = [i for i, ch in enumerate(path) if ch in ".["] + [len(path)]
        prefix = next((path[:i] for i in reversed(cuts) if path[:i] in aliases), None)
        if prefix is None:
            break
        path = aliases[prefix] + path[len(prefix):]
    return path


def fold_alias_repeats(problems: list[Problem], aliases: dict[Key, Key]) -> list[Problem]:
    """`problems` with those that one aliased node repeats folded into one, at the anchor's key, saying
    `(used N times through a YAML anchor: also <the other key paths>)`. Order is kept."""
    if not aliases or len(problems) < 2:
        return problems
    dotted = {_dotted(alias): _dotted(first) for alias, first in aliases.items()}
    groups: dict[tuple[str, int | None, str, str, str | None], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.file, p.line, _anchored(p.key_path, dotted), p.message, p.hint), []).append(p)
    out = []
    for (file, line, anchored, message, hint), same in groups.items():
        paths = list(dict.fromkeys(p.key_path for p in same))
        if len(paths) == 1:
            out.append(same[0])
            continue
        shown = anchored if anchored in paths else paths[0]  # the anchor's own use, if it is warned about
        others = [path for path in paths if path != shown]
        listed = ", ".join(others[:_LISTED]) + (f" and {len(others) - _LISTED} more" if len(others) > _LISTED else "")
        out.append(Problem(file, line, shown, f"{message} (used {len(paths)} times through a YAML anchor: also {listed})",
                           hint))
    return out
