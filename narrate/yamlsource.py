"""Read a YAML file into plain data that remembers where every key came from.

PyYAML's loaders forget line numbers and silently keep the last of two duplicate keys. We let
libyaml (the C parser) compose the node tree and build the data ourselves: mappings become
`SourceMap`s that know the line of each key, and duplicate keys become problems, not
silent overwrites. Only what YAML's safe schema allows is built (no tags, no objects).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ManifestError, Problem

try:  # libyaml is in every PyYAML wheel; the pure-Python parser is a slow fallback.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class SourceMap(dict):
    """A dict that remembers its own line and the line of each key (1-based)."""

    __slots__ = ("line", "key_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class SourceList(list):
    __slots__ = ("line", "item_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


@dataclass
class YamlDocument:
    path: str
    data: Any
    problems: list[Problem] = field(default_factory=list)


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_constructor = yaml.SafeLoader("")  # scalar construction only (ints, floats, bools, nulls)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == "tag:yaml.org,2002:str":
        return node.value
    if tag == _TIMESTAMP_TAG:  # dates are text to us (e.g. a book's date)
        return node.value
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
               "tag:yaml.org,2002:null"):
        return _constructor.construct_object(node, deep=True)
    return node.value


def _build(node: yaml.Node, path: str, where: str, problems: list[Problem]) -> Any:
    # Iterative would be faster for pathological depth, but manifests are shallow and libyaml
    # already refuses absurd nesting; recursion keeps this readable.
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    line = node.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode):
        out = SourceList(line)
        for i, item in enumerate(node.value):
            out.append(_build(item, path, f"{where}[{i}]", problems))
            out.item_lines.append(item.start_mark.line + 1)
        return out
    out_map = SourceMap(line)
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(Problem(path, key_node.start_mark.line + 1, where, "keys must be plain text"))
            continue
        key = _scalar(key_node)
        if key is None:
            key = "null"
        elif not isinstance(key, str):
            key = str(key) if not isinstance(key, bool) else key_node.value
        key_line = key_node.start_mark.line + 1
        child_where = f"{where}.{key}" if where else key
        if key in out_map:
            problems.append(Problem(path, key_line, child_where,
                                    f"duplicate key (first defined on line {out_map.key_lines[key]})"))
            continue
        out_map[key] = _build(value_node, path, child_where, problems)
        out_map.key_lines[key] = key_line
    return out_map


def load_yaml_text(text: str, path: str) -> YamlDocument:
    """Parse YAML text. Syntax errors raise ManifestError; structural problems are returned."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or str(exc)
        raise ManifestError([Problem(path, line, "", f"invalid YAML: {reason}")]) from None
    except yaml.YAMLError as exc:  # e.g. more than one document
        raise ManifestError([Problem(path, None, "", f"invalid YAML: {exc}")]) from None
    if node is None:
        raise ManifestError([Problem(path, 1, "", "the file is empty")])
    problems: list[Problem] = []
    data = _build(node, path, "", problems)
    return YamlDocument(path, data, problems)


def load_yaml_file(path: Path, display: str | None = None) -> YamlDocument:
    """Read and parse a YAML file; unreadable files and non-UTF-8 bytes are ManifestErrors."""
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError([Problem(shown, None, "", "file not found")]) from None
    except OSError as exc:
        raise ManifestError([Problem(shown, None, "", f"cannot read file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ManifestError([Problem(shown, line, "", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ManifestError([Problem(shown, line, "", "contains a NUL byte (is this a binary file?)")])
    return load_yaml_text(text, shown)
