"""YAML text -> plain data plus a line table, with bounded work.

PyYAML's loaders forget line numbers and silently keep the last of two duplicate keys. We let
libyaml (the C parser) compose the node tree and build the data ourselves: plain dicts, lists and
scalars, and a `LineTable` that maps each key path to its 1-based line. Duplicate keys become
problems, not silent overwrites; only YAML's safe scalars are built (no tags, no objects).

Aliases are the one way a small file becomes a huge document ("billion laughs": 332 bytes expand
to 10^9 nodes). libyaml composes an alias as a second reference to one node, so the cost only
appears when we build the data: we count every node built beyond the nodes written and stop at
MAX_ALIAS_NODES, and we stop at MAX_DEPTH nesting levels (before Python's recursion limit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ManifestError, Problem
from .names import show
from .resolve import MAX_MANIFEST_BYTES, read_input

try:  # libyaml is in every PyYAML wheel; the pure-Python parser is a slow fallback.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

# Nodes that alias expansion may add to a document. A 10,000-prompt manifest written with anchors
# for shared settings adds a few per prompt; a million extra nodes is ~1 s of work and ~200 MB.
MAX_ALIAS_NODES = 1_000_000
# Nesting levels of mappings and lists. Manifests nest about 7 deep; Python's default recursion
# limit is 1,000 frames.
MAX_DEPTH = 100

Key = tuple[str | int, ...]


class LineTable(dict[Key, int]):
    """Key path (`("libraries", "shop", "layout")`, list items by index) -> 1-based line.

    The line of a missing path is the line of its nearest recorded ancestor.
    """

    def line(self, path: Key) -> int | None:
        for end in range(len(path), -1, -1):
            found = self.get(path[:end])
            if found is not None:
                return found
        return None


@dataclass
class YamlDocument:
    """Parsed YAML: plain data, where each key came from, and structural problems (duplicates...)."""

    path: str
    data: Any
    lines: LineTable
    problems: list[Problem] = field(default_factory=list)


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:null")
_constructor = yaml.SafeLoader("")  # scalar construction only (ints, floats, bools, nulls)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag in _SCALAR_TAGS:
        return _constructor.construct_object(node, deep=True)
    return node.value  # strings, dates (text to us) and unknown tags


class _Bomb(Exception):
    def __init__(self, line: int, where: str, message: str) -> None:
        self.line, self.where, self.message = line, where, message


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lines = LineTable()
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.extra = 0  # nodes built again through an alias

    def build(self, node: yaml.Node, key: Key, depth: int) -> Any:
        if id(node) in self.seen:
            self.extra += 1
            if self.extra > MAX_ALIAS_NODES:
                raise _Bomb(node.start_mark.line + 1, _where(key),
                            f"YAML aliases expand to more than {MAX_ALIAS_NODES:,} extra nodes; refusing to expand")
        else:
            self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if depth > MAX_DEPTH:
            raise _Bomb(node.start_mark.line + 1, _where(key), f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.SequenceNode):
            out: list[Any] = []
            for i, item in enumerate(node.value):
                self.lines[(*key, i)] = item.start_mark.line + 1
                out.append(self.build(item, (*key, i), depth + 1))
            return out
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(self.path, key_line, _where(key), "keys must be plain text"))
                continue
            name = _scalar(key_node)
            if name is None:
                name = "null"
            elif not isinstance(name, str):
                name = key_node.value if isinstance(name, bool) else str(name)
            child = (*key, name)
            if name in mapping:
                self.problems.append(Problem(self.path, key_line, _where(child),
                                             f"duplicate key (first defined on line {self.lines[child]})"))
                continue
            self.lines[child] = key_line
            mapping[name] = self.build(value_node, child, depth + 1)
        return mapping


def _where(key: Key) -> str:
    return show(".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in key).replace(".[", "["))


def load_yaml_text(text: str, path: str) -> YamlDocument:
    """Parse YAML text. Syntax errors and expansion bombs raise ManifestError; duplicates are returned."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or str(exc)
        raise ManifestError([Problem(path, line, "", f"invalid YAML: {show(reason)}")]) from None
    except yaml.YAMLError as exc:  # e.g. more than one document
        raise ManifestError([Problem(path, None, "", f"invalid YAML: {show(exc)}")]) from None
    if node is None:
        raise ManifestError([Problem(path, 1, "", "the file is empty")])
    builder = _Builder(path)
    builder.lines[()] = node.start_mark.line + 1
    try:
        data = builder.build(node, (), 0)
    except _Bomb as bomb:
        raise ManifestError([Problem(path, bomb.line, bomb.where, bomb.message)]) from None
    return YamlDocument(path, data, builder.lines, builder.problems)


def load_yaml_file(path: Path, display: str | None = None, *, limit: int = MAX_MANIFEST_BYTES) -> YamlDocument:
    """Read (bounded, regular files only) and parse a YAML file; bad bytes are located ManifestErrors."""
    shown = display or str(path)
    raw = read_input(path, limit=limit, display=shown)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ManifestError([Problem(shown, line, "", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ManifestError([Problem(shown, line, "", "contains a NUL byte (is this a binary file?)")])
    return load_yaml_text(text, shown)
