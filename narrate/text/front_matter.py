"""A chapter's YAML front matter, read within bounds.

Front matter comes from any Markdown file a book names, so it is read like a manifest is
(narrate.manifest.loader, which this layer cannot import): aliases may not expand it past
MAX_NODES nodes nor nest it past MAX_DEPTH levels (a 1 KB "billion laughs" is 9**9 strings once
anything walks it, as the feed's recipe does). A page's front matter has tens of nodes.

A date PyYAML cannot construct (`date: 2024-02-30`) stays the text as written, so the feed names it
as unreadable instead of the whole front matter (title, guid, description) being dropped unseen.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_NODES = 10_000
MAX_DEPTH = 50


class _Loader(yaml.SafeLoader):
    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:  # a date that does not exist: keep the author's text
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _expanded(node: yaml.Node, memo: dict[int, int], depth: int) -> int:
    """Nodes `node` stands for once aliases are expanded (memoised per node, as aliases share them);
    MAX_NODES + 1 once past either bound (an alias cycle is past MAX_DEPTH)."""
    if depth > MAX_DEPTH:
        return MAX_NODES + 1
    if id(node) in memo:
        return memo[id(node)]
    size = 1
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    for child in children:
        size += _expanded(child, memo, depth + 1)
        if size > MAX_NODES:
            break
    memo[id(node)] = size
    return size


def load_front_matter(text: str) -> Any:
    """The YAML document `text` as Python data, or None when it is empty or past the bounds.
    Raises yaml.YAMLError (or RecursionError) when it does not parse."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None or _expanded(node, {}, 0) > MAX_NODES:
            return None
        return loader.construct_document(node)
    finally:
        loader.dispose()


def front_text(value: Any) -> str | None:
    """A front-matter field read as text (`title: 1984` is a number to YAML, and a title): text as
    it is, an int or a float as Python writes it (a float's written trailing zeros are lost); None
    for anything else (a list, a mapping, a date, a boolean)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None

