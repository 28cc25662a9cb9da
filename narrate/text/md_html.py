"""Raw HTML and JSX/MDX component blocks: their text children are read, their tags and attributes
never (`<TabItem label="Windows">Use Ctrl + C to copy.</TabItem>` -> "Use Ctrl + C to copy.").

Not read: comments, `<script>`, `<style>`, `<pre>`/`<code>` blocks (code), `<svg>`, `<math>`,
`<template>`, and MDX `{expressions}`. Block-level and unknown (component) tags end a paragraph;
inline tags such as `<b>` or `<kbd>` do not.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SILENT = {"script", "style", "pre", "svg", "math", "template", "noscript", "textarea", "iframe"}
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q", "s", "samp",
           "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr", "del", "ins", "font", "br", "img"}
_EXPRESSION = re.compile(r"\{[^{}\n]{0,500}\}")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.silent = 0

    def _break(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SILENT:
            self.silent += 1
        elif tag == "br":
            self.current.append(" ")
        elif tag not in _INLINE:
            self._break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in _INLINE:
            self.current.append(" ")
        elif tag not in _SILENT:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SILENT:
            self.silent = max(0, self.silent - 1)
        elif tag not in _INLINE:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self.current.append(data)


def html_paragraphs(markup: str) -> list[str]:
    """The text children of an HTML/JSX block, one string per paragraph (entities decoded)."""
    parser = _Text()
    # JSX component names are case-sensitive, HTMLParser lower-cases them: harmless, none is silent.
    parser.feed(_EXPRESSION.sub(" ", markup))
    parser.close()
    parser._break()
    return parser.paragraphs
