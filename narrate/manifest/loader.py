"""YAML text -> plain data plus a line table, with bounded work.

PyYAML's loaders forget line numbers and silently keep the last of two duplicate keys. We let
libyaml (the C parser) compose the node tree and build the data ourselves: plain dicts, lists and
scalars, and a `LineTable` that maps each key path to its 1-based line. Duplicate keys become
problems, not silent overwrites; only YAML's safe scalars are built (no tags, no objects).

Aliases are the one way a small file becomes a huge document ("billion laughs": 332 bytes expand
to 10^9 nodes). libyaml composes an alias as a second reference to one node, so the cost only
appears when the data is built: before building, we size the expanded document over the distinct
nodes (memoised, microseconds) and refuse one that adds more than MAX_ALIAS_NODES, and we refuse
nesting beyond MAX_DEPTH levels (before Python's recursion limit; an alias cycle is caught so too).
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ManifestError, Problem
from ..errors import shown as show
from ..gcpause import paused_gc as paused_gc  # re-exported: narrate.manifest.paused_gc
from .inputs import MAX_MANIFEST_BYTES, not_utf8, read_input

try:  # libyaml is in every PyYAML wheel; the pure-Python parser is a slow fallback.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

# Nodes that alias expansion may add to a document beyond those written. A 10,000-prompt manifest
# that reuses an anchored settings mapping in every prompt adds ~3 nodes per use (30,000); building
# 100,000 extra nodes takes ~0.2 s and ~20 MB.
MAX_ALIAS_NODES = 100_000
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
    sha256: str = ""  # of the bytes read (load_yaml_file): what a build's record of its inputs must match
    # Key path of a mapping or list built again through a YAML alias -> where that node was first built:
    # advice about it is the same advice (problems.fold_alias_repeats), said once at the anchor.
    aliases: dict[Key, Key] = field(default_factory=dict)


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:null")
_constructor = yaml.SafeLoader("")  # scalar construction only (ints, floats, bools, nulls)
# The tags the builder reads (dates are text to it); any other, written with `!` (`!custom`, `!!binary`,
# `!!python/object`), is refused at its line: its value would otherwise be taken silently as plain text.
_READ_TAGS = frozenset({_STR_TAG, _MERGE_TAG, *_SCALAR_TAGS, "tag:yaml.org,2002:timestamp",
                        "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class WrittenInt(int):
    """An integer YAML read from text that says it otherwise (`010` is 8 in YAML 1.1, `9:30` is 570):
    a number where a number is meant, and its `written` text where text is (fields.NumText)."""

    written: str


class WrittenFloat(float):
    """A float whose text says more than its value (`1.10`, `1e3`): see WrittenInt."""

    written: str


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == _STR_TAG:  # most scalars: test it first
        return node.value
    if tag in _SCALAR_TAGS:
        value = _constructor.construct_object(node, deep=True)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) != node.value:
            value = (WrittenInt if isinstance(value, int) else WrittenFloat)(value)
            value.written = node.value
        return value
    return node.value  # strings, dates (text to us) and unknown tags


class _Bomb(Exception):
    def __init__(self, line: int, where: str, message: str) -> None:
        self.line, self.where, self.message = line, where, message


def expanded_size(node: yaml.Node, memo: dict[int, int], depth: int = 0) -> int:
    """Nodes in `node` once every alias is expanded, without expanding: each distinct node is sized
    once (`memo` by id), so a 332-byte alias bomb is measured in microseconds. A node nested deeper
    than MAX_DEPTH (or an alias cycle) raises _Bomb."""
    found = memo.get(id(node))
    if found is not None:
        return found
    if depth > MAX_DEPTH:
        raise _Bomb(node.start_mark.line + 1, "", f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, yaml.ScalarNode):
        size = 1
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(expanded_size(item, memo, depth + 1) for item in node.value)
    else:
        size = 1 + sum(expanded_size(k, memo, depth + 1) + expanded_size(v, memo, depth + 1) for k, v in node.value)
    memo[id(node)] = size
    return size


class _Builder:
    def __init__(self, path: str, *, anchors: bool = False, tags: bool = False) -> None:
        self.path = path
        self.tags = tags  # the text holds a `!`: a node may carry a tag the builder does not read
        self.lines = LineTable()
        self.problems: list[Problem] = []
        # With anchors in the text: each mapping or list node -> the key it was first built at (by id:
        # an alias is the anchored node itself), and each key it was built at again -> that first key.
        self.firsts: dict[int, Key] | None = {} if anchors else None
        self.aliases: dict[Key, Key] = {}

    def build(self, node: yaml.Node, key: Key, depth: int, *, alias: bool = True) -> Any:
        if self.tags and node.tag not in _READ_TAGS:
            self._unread_tag(node, key)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if depth > MAX_DEPTH:
            raise _Bomb(node.start_mark.line + 1, "", f"nested deeper than {MAX_DEPTH} levels")
        if self.firsts is not None and alias:  # not a merge (`<<: *base`): that mapping is another one
            first = self.firsts.setdefault(id(node), key)
            if first != key:
                self.aliases[key] = first
        lines = self.lines
        if isinstance(node, yaml.SequenceNode):
            out: list[Any] = []
            for i, item in enumerate(node.value):
                lines[key + (i,)] = item.start_mark.line + 1
                out.append(self.build(item, key + (i,), depth + 1))
            return out
        mapping: dict[str, Any] = {}
        pairs = node.value
        if any(k.tag == _MERGE_TAG for k, _ in pairs):
            mapping, pairs = self._merged(node, key, depth)
        explicit: set[str] = set()
        for key_node, value_node in pairs:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(self.path, key_line, _where(key), "keys must be plain text"))
                continue
            if self.tags and key_node.tag not in _READ_TAGS:
                self._unread_tag(key_node, key)
            name = _scalar(key_node)
            if name is None:
                name = "null"
            elif not isinstance(name, str):  # a key is a name: as written (`010:`, `1.10:`, `12:30:`, `yes:`)
                name = key_node.value
            child = key + (name,)
            if name in explicit:
                self.problems.append(Problem(self.path, key_line, _where(child),
                                             f"duplicate key (first defined on line {lines[child]})"))
                continue
            explicit.add(name)
            lines[child] = key_line
            mapping[name] = self.build(value_node, child, depth + 1)
        return mapping

    def _unread_tag(self, node: yaml.Node, key: Key) -> None:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!", 1)
        self.problems.append(Problem(self.path, node.start_mark.line + 1, _where(key),
                                     f"YAML tag {show(tag)} is not one narrate reads (it would take the value "
                                     "as plain text): remove the tag"))

    def _merged(self, node: yaml.Node, key: Key, depth: int) -> tuple[dict[str, Any], list[Any]]:
        """YAML merge keys (`<<: *defaults`, or `<<: [*a, *b]`), as PyYAML's safe_load reads them: the
        mapping's own keys win, then the first merged mapping that has the key. Returns the merged keys
        (their lines are the anchor's) and the mapping's own pairs, which are built after them."""
        merged: dict[str, Any] = {}
        own = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                own.append((key_node, value_node))
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in reversed(sources):  # the last first: an earlier mapping's keys and lines win
                if not isinstance(source, yaml.MappingNode):
                    self.problems.append(Problem(self.path, source.start_mark.line + 1, _where((*key, "<<")),
                                                 "a merge key (<<) takes a mapping or a list of mappings"))
                    continue
                merged.update(self.build(source, key, depth, alias=False))
        return merged, own


def _where(key: Key) -> str:
    return show(".".join(str(k) if not isinstance(k, int) else f"[{k}]" for k in key).replace(".[", "["))


def _first_alias_line(root: yaml.Node) -> int:
    """The line of the first node written once and used again (the alias that multiplies)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node.start_mark.line + 1
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in reversed(node.value) for v in reversed(pair))
    return root.start_mark.line + 1


def _tab_indented(text: str, index: int) -> bool:
    """Whether line `index` (0-based) of `text` has a tab in its indentation."""
    lines = text.split("\n", index + 1)
    row = lines[index] if index < len(lines) else ""
    return "\t" in row[:len(row) - len(row.lstrip(" \t"))]


# Line breaks to YAML 1.1 (NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR) that editors, git and grep show
# inside a line: the parser counts them, so each line after one was reported one too far down.
_UNSHOWN_BREAKS = ("\x85", "\u2028", "\u2029")


def _has_unshown_breaks(text: str) -> bool:
    return any(c in text for c in _UNSHOWN_BREAKS)


def _nodes(root: yaml.Node) -> list[yaml.Node]:
    """Every node under `root`, each once (aliases included)."""
    seen: set[int] = set()
    nodes, stack = [], [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in node.value for v in pair)
    return nodes


def _relined(mark: yaml.Mark, feeds: list[int]) -> yaml.Mark:
    """`mark` on the line editors show: counted by the line feeds before its index (a character
    index in both PyYAML parsers; the C parser's marks are read-only, so a new one)."""
    return yaml.Mark(mark.name, mark.index, bisect.bisect_left(feeds, mark.index), mark.column, None, 0)


def _line_feeds(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if c == "\n"]


MAX_PLAIN_KEY = 1024  # YAML 1.1 and 1.2, section "Implicit Keys": an implicit key is at most 1024 characters


def _long_plain_key(text: str, index: int) -> bool:
    """Whether line `index` (0-based) of `text` starts with a key longer than YAML allows (MAX_PLAIN_KEY),
    which a parser reports only as "mapping values are not allowed" or "could not find expected ':'"."""
    lines = text.split("\n", index + 1)
    row = lines[index] if index < len(lines) else ""
    key = row.lstrip(" -").split(": ", 1)[0]
    return len(key) > MAX_PLAIN_KEY and ": " in row


def load_yaml_text(text: str, path: str) -> YamlDocument:
    """Parse YAML text. Syntax errors and expansion bombs raise ManifestError; duplicates are returned."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and _has_unshown_breaks(text):
            mark = _relined(mark, _line_feeds(text))
        line = mark.line + 1 if mark else None
        reason = show(exc.problem or str(exc))
        if mark is not None and "tab" not in reason and _tab_indented(text, mark.line):  # libyaml may not say so
            reason += " (the line is indented with a tab: YAML indents with spaces only)"
        elif mark is not None and _long_plain_key(text, mark.line):
            reason += (f" (the key on this line is longer than {MAX_PLAIN_KEY:,} characters, YAML's limit for a key; "
                       "a prompt's name is a file name, at most 255 bytes)")
        raise ManifestError([Problem(path, line, "", f"invalid YAML: {reason}")]) from None
    except yaml.YAMLError as exc:  # e.g. more than one document
        raise ManifestError([Problem(path, None, "", f"invalid YAML: {show(exc)}")]) from None
    if node is None:
        raise ManifestError([Problem(path, 1, "", "the file is empty")])
    if _has_unshown_breaks(text):
        feeds = _line_feeds(text)
        for each in _nodes(node):
            each.start_mark = _relined(each.start_mark, feeds)
    if "&" in text:  # an alias needs an anchor: size the expanded document before building it
        memo: dict[int, int] = {}
        try:
            size = expanded_size(node, memo)
        except _Bomb as bomb:
            raise ManifestError([Problem(path, bomb.line, bomb.where, bomb.message)]) from None
        if size - len(memo) > MAX_ALIAS_NODES:
            line = _first_alias_line(node)
            raise ManifestError([Problem(path, line, "", f"YAML aliases of the node anchored here expand the document "
                                         f"by {size - len(memo):,} nodes; the limit is {MAX_ALIAS_NODES:,}")])
    builder = _Builder(path, anchors="&" in text, tags="!" in text)
    builder.lines[()] = node.start_mark.line + 1
    try:
        data = builder.build(node, (), 0)
    except _Bomb as bomb:
        raise ManifestError([Problem(path, bomb.line, bomb.where, bomb.message)]) from None
    return YamlDocument(path, data, builder.lines, builder.problems, aliases=builder.aliases)


def load_yaml_file(path: Path, display: str | None = None, *, limit: int = MAX_MANIFEST_BYTES) -> YamlDocument:
    """Read (bounded, regular files only) and parse a YAML file; bad bytes are located ManifestErrors."""
    shown = display or str(path)
    raw = read_input(path, limit=limit, display=shown)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ManifestError([Problem(shown, line, "", not_utf8(raw, exc))]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ManifestError([Problem(shown, line, "", "contains a NUL byte (is this a binary file?)")])
    doc = load_yaml_text(text, shown)
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    return doc
