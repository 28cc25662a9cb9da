"""Raw HTML and JSX/MDX component blocks: their text children are read, their tags and attributes
never, but for a tab's label (`<TabItem label="Windows">Use Ctrl + C to copy.</TabItem>` ->
"Windows:" then "Use Ctrl + C to copy.").

An `<img>` is read as its alt text, as a Markdown image is (`images: alt`, the default). Not read:
comments, `<script>`, `<style>`, `<pre>`/`<code>` blocks (code), `<svg>`, `<math>`,
`<template>`, and MDX `{expressions}`. Block-level and unknown (component) tags end a paragraph;
inline tags such as `<b>` or `<kbd>` do not.

The prompt markup subset (narrate.text.markup: `<break>`, `<say-as>`, `<phoneme>`, and `<sub>` with
an `alias`) is kept: a paragraph holding one is returned as markup source (text escaped, those tags
verbatim) for the caller to parse. Tag names are matched in lower case only: `<Break>` is a JSX
component, `<sub>` without alias is HTML subscript.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .lazy_re import lazy_compile
from .markup import escape_text

_SILENT = {"script", "style", "pre", "svg", "math", "template", "noscript", "textarea", "iframe"}
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q", "s", "samp",
           "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr", "del", "ins", "font", "br", "img"}
# A tab names a choice (`<TabItem value="mac" label="macOS">`): its label is read before its body, as
# MkDocs tabs' labels are. Docusaurus uses the value when there is no label.
_TABS = {"tabitem": ("label", "value"), "tab": ("label", "title", "value")}
# Callout components: Docusaurus `<Admonition type="tip" title="...">`, Nextra `<Callout type=...>`,
# Starlight `<Aside type=... title=...>`, Mintlify `<Note>`, `<Warning>`...: the title, else the type
# as a label ("Tip:", dropped with `alerts: drop`), then the body, as a `:::tip` container is read.
_CALLOUTS = {"admonition", "callout", "aside"}
_NAMED_CALLOUTS = {"note", "tip", "warning", "info", "caution", "danger", "important", "check"}
# `<![` opening no CDATA section: Python 3.11's HTMLParser raises AssertionError on it ("<p>a <![ b"
# crashed `narrate text` and builds): markup that makes nothing, so it goes.
_MARKED_SECTION = lazy_compile(r"<!\[(?!CDATA\[)")
_EXPRESSION = lazy_compile(r"\{[^{}\n]{0,500}\}")
SSML_TAG = lazy_compile(r"<(/?)(break|say-as|sub|phoneme)(?![\w-])")
_ALIAS = lazy_compile(r"\salias\s*=")


def ssml_tag(tag: str, subs: list[bool]) -> bool:
    """Whether the tag text `tag` (`<say-as ...>`, `</sub>`...) is one of the markup subset's. `subs`
    is the caller's stack of open `<sub>`s (True: markup), so an HTML `</sub>` closes an HTML `<sub>`."""
    m = SSML_TAG.match(tag)
    if m is None:
        return False
    if m.group(2) != "sub":
        return True
    if m.group(1):
        return subs.pop() if subs else True
    markup = _ALIAS.search(tag) is not None
    if not tag.rstrip().endswith("/>"):
        subs.append(markup)
    return markup


def _alt(attrs: list[tuple[str, str | None]]) -> str:
    """An `<img>`'s alt text, white space made single spaces ("" if it has none)."""
    return " ".join(next((value or "" for name, value in attrs if name == "alt"), "").split())


class _Tag(HTMLParser):
    """One start tag's attributes (entities decoded), for an inline `<img>` in Markdown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = attrs


_LISTING = lazy_compile(r"\A<Listing(?=[\s>])")
_MARKS = lazy_compile(r"[*`]|(?<!\w)_|_(?!\w)")


def listing(tag: str) -> tuple[str, str] | None:
    """The Rust book's `<Listing number="1-2" file-name="Cargo.toml" caption="...">` (mdbook-trpl) as
    it renders: ("Filename: Cargo.toml", said before the code; "Listing 1-2: <caption>", said after
    it), either "" when absent; None for another tag. The caption's Markdown marks are dropped."""
    if not _LISTING.match(tag):
        return None
    parser = _Tag()
    parser.feed(tag.strip().split("\n", 1)[0])
    parser.close()
    given = {name: " ".join((value or "").split()) for name, value in parser.attrs}
    caption = _MARKS.sub("", given.get("caption", ""))
    number = given.get("number", "")
    after = f"Listing {number}: {caption}" if number and caption else f"Listing {number}" if number else caption
    return (f"Filename: {given['file-name']}" if given.get("file-name") else "",
            after if not after or after[-1] in ".!?" else after + ".")


# A status badge (build passing, version, coverage, license): a picture of text that is not prose.
_BADGE = lazy_compile(r"shields\.io/|badgen\.net/|badge\.fury\.io/|/badges?/[^?#\s]*\.svg|[/.]badge\.svg|codecov\.io/.*/graph/",
                      re.I)


def is_badge(src: str) -> bool:
    """Whether an image source is a status badge (`img.shields.io/...`, `.../badge.svg`): never spoken."""
    return bool(src) and _BADGE.search(src) is not None


def img_alt(tag: str) -> str:
    """The alt text of a raw `<img ...>` tag as written inline in Markdown; "" for another tag or a badge."""
    if tag[:4].lower() != "<img":
        return ""
    parser = _Tag()
    parser.feed(tag)
    parser.close()
    return "" if is_badge(dict(parser.attrs).get("src") or "") else _alt(parser.attrs)


class _Text(HTMLParser):
    def __init__(self, images: str = "alt", labels: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.images = images
        self.labels = labels  # a callout component's type said as its label ("Tip:")
        self.paragraphs: list[tuple[str, bool, int]] = []
        self.current: list[tuple[str, bool]] = []  # (text, is a markup tag)
        self.first_line = 1
        self.silent = 0
        self.subs: list[bool] = []
        # Open markup elements by name: HTMLParser lower-cases end tags, so `</Break>` (a component's)
        # is markup only while a `<break>` of the subset is open.
        self.open: dict[str, int] = {}

    def _add(self, text: str, tag: bool = False) -> None:
        if not self.current:
            self.first_line = self.getpos()[0]
        self.current.append((text, tag))

    def _break(self) -> None:
        if any(tag for _, tag in self.current):  # markup source: newlines kept so errors keep their line
            self.paragraphs.append(("".join(t if tag else escape_text(t) for t, tag in self.current), True,
                                    self.first_line))
        else:
            text = " ".join("".join(t for t, _ in self.current).split())
            if text:
                self.paragraphs.append((text, False, self.first_line))
        self.current = []

    def _markup(self, closed: bool) -> bool:
        raw = self.get_starttag_text() or ""
        if not self.silent and ssml_tag(raw, self.subs):
            self._add(raw, True)
            m = SSML_TAG.match(raw)
            if m and not closed and m.group(2) != "sub":
                self.open[m.group(2)] = self.open.get(m.group(2), 0) + 1
            return True
        return False

    def _markup_end(self, tag: str) -> bool:
        if self.silent:
            return False
        if tag == "sub":
            return ssml_tag("</sub>", self.subs) if self.subs else False
        if self.open.get(tag):
            self.open[tag] -= 1
            return True
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._markup(False):
            return
        if tag in _SILENT:
            self.silent += 1
        elif tag == "img":  # a void element: `<img ...>` and `<img ... />` alike
            self._image(attrs)
        elif tag == "br":
            self._add(" ")
        elif tag not in _INLINE:
            self._break()
            if tag in _TABS and not self.silent:
                self._tab_label(tag, attrs)
            elif (tag in _CALLOUTS or tag in _NAMED_CALLOUTS) and not self.silent:
                self._callout_label(tag, attrs)

    def _callout_label(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        label = " ".join((given.get("title") or "").split())
        if not label and self.labels:
            label = tag if tag in _NAMED_CALLOUTS else " ".join((given.get("type") or "").split())
            label = label[:1].upper() + label[1:]
        if label:
            self._add(label if label[-1] in ".:!?" else label + ":")
            self._break()

    def _tab_label(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        label = next((" ".join((given[name] or "").split()) for name in _TABS[tag] if given.get(name)), "")
        if label:
            self._add(label if label[-1] in ".:!?" else label + ":")
            self._break()

    def _image(self, attrs: list[tuple[str, str | None]]) -> None:
        """An image is its alt text (with `images: alt`), as a Markdown image is; else a space."""
        badge = is_badge(dict(attrs).get("src") or "")
        alt = _alt(attrs) if self.images == "alt" and not self.silent and not badge else ""
        self._add(f" {alt} " if alt else " ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._markup(True):
            return
        if tag == "img":
            self._image(attrs)
        elif tag == "br" or tag in _INLINE:
            self._add(" ")
        elif tag not in _SILENT:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if self._markup_end(tag):
            self._add(f"</{tag}>", True)
        elif tag in _SILENT:
            self.silent = max(0, self.silent - 1)
        elif tag not in _INLINE:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self._add(data)


def html_pieces(markup: str, images: str = "alt", labels: bool = True) -> list[tuple[str, bool, int]]:
    """The text children of an HTML/JSX block, one (text, is markup source, first line in the block
    from 1) per paragraph; entities decoded in plain paragraphs, escaped again in markup ones. An
    `<img>` is its alt text with `images` "alt" (the book's `markdown.images`), nothing with "skip"."""
    parser = _Text(images, labels)
    # JSX component names are case-sensitive, HTMLParser lower-cases them: harmless, none is silent.
    parser.feed(_MARKED_SECTION.sub(" ", _EXPRESSION.sub(" ", markup)))
    parser.close()
    parser._break()
    return parser.paragraphs


def html_paragraphs(markup: str) -> list[str]:
    """The text children of an HTML/JSX block, one string per paragraph (entities decoded)."""
    return [text for text, is_markup, _ in html_pieces(markup) if not is_markup]
