"""A manifest as an editable round-trip YAML document (ruamel.yaml), for `merge`.

Comments, key order, quoting, flow mappings, anchors and indentation stay as written. Two things
ruamel.yaml alone gets wrong for an editor of narrate's manifests:

- Plain scalars that YAML reads as numbers, booleans or dates (`010:`, `1.10:`, `0x1F: Hex`) are
  names and texts *as written* to narrate; ruamel gives 10, 1.1 and 31. Every plain scalar's text
  is recorded by its position, so that `written_key` gives a name back as written.
- A node written once with an anchor (`&greet`) and used again through an alias (`*greet`) is one
  object: editing it through one prompt would change the others. `own` gives the position being
  edited a copy of its own first (copy on write), leaving the other users as they were.
"""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any

from ..errors import ManifestError, Problem


@cache
def _constructor() -> type:
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.nodes import ScalarNode

    class WrittenConstructor(RoundTripConstructor):  # type: ignore[misc]
        """Records each plain scalar's text by (line, column), as narrate's own loader reads it."""

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, ScalarNode) and not node.style:
                self.loader.written_at[(node.start_mark.line, node.start_mark.column)] = node.value
            return super().construct_object(node, deep)

    return WrittenConstructor


_KEY_LINE = re.compile(r"^( *)[^\s#-][^#]*:(?:\s|$)")
_ITEM_LINE = re.compile(r"^( *)- ")


def guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, offset of a block sequence's dash under its key) as the file writes them,
    from its first nested key and first block sequence item; (2, 0) when it has none. Cheap, where
    ruamel's load_yaml_guess_indent parses the whole document a second time (7 s for 10,000 prompts)."""
    indent, offset = 0, -1
    previous = None  # indentation of the last key line
    for line in text.splitlines():
        key, item = _KEY_LINE.match(line), _ITEM_LINE.match(line)
        if item and offset < 0 and previous is not None:
            offset = max(0, len(item.group(1)) - previous)
        if key:
            width = len(key.group(1))
            if width and not indent:
                indent = width
            previous = width
        if indent and offset >= 0:
            break
    return indent or 2, max(offset, 0)


class Document:
    """`text` loaded for editing: `data` (ruamel's round-trip containers), then `dump()`."""

    def __init__(self, text: str, source: str) -> None:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        yaml = YAML(typ="rt")
        yaml.Constructor = _constructor()
        yaml.written_at = {}  # type: ignore[attr-defined]
        yaml.preserve_quotes = True  # 'Please hold.' stays single-quoted
        yaml.width = 1_000_000  # one line per text, as written
        indent, offset = guess_indent(text)  # the file's own indentation
        yaml.indent(mapping=indent, sequence=offset + 2, offset=offset)  # "- " then the item
        try:
            self.data = yaml.load(text)
        except YAMLError as exc:
            raise ManifestError([Problem(source, None, "", f"cannot edit this YAML: {exc}")]) from None
        self.yaml = yaml
        self.written_at: dict[tuple[int, int], str] = yaml.written_at  # type: ignore[attr-defined]
        self.refs: dict[int, int] = {}  # id of a mapping or list -> the places that hold it
        stack = [self.data]
        while stack:
            for child in _children(stack.pop()):
                seen = self.refs.get(id(child), 0)
                self.refs[id(child)] = seen + 1
                if not seen:
                    stack.append(child)

    def written_key(self, mapping: Any, key: Any) -> str:
        """A mapping key as written (`010`, not 10)."""
        if isinstance(key, str):
            return key
        found = self.written_at.get(tuple(mapping.lc.key(key)))
        return found if found is not None else str(key)

    def shared(self, obj: Any) -> bool:
        return self.refs.get(id(obj), 0) > 1

    def own(self, parent: Any, key: Any) -> Any:
        """`parent[key]`, first replaced by a copy of its own when other places hold it too (a YAML
        alias): the copy has no anchor, and the other places keep the node as it was."""
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        obj = parent[key]
        if not isinstance(obj, (dict, list)) or not self.shared(obj):
            return obj
        if isinstance(obj, dict):
            copy: Any = CommentedMap()
            for k, v in obj.items():  # merged keys (`<<: *base`) become the copy's own
                copy[k] = v
            if isinstance(obj, CommentedMap) and obj.fa.flow_style():
                copy.fa.set_flow_style()
        else:
            copy = CommentedSeq(obj)
        parent[key] = copy
        self.refs[id(obj)] -= 1
        self.refs[id(copy)] = 1
        for child in _children(copy):
            self.refs[id(child)] = self.refs.get(id(child), 0) + 1
        return copy

    def dump(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()


def _children(obj: Any) -> list[Any]:
    values = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, list) else ()
    return [v for v in values if isinstance(v, (dict, list))]
