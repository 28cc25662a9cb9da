"""Markdown -> speakable text, with a real CommonMark parser (markdown-it-py).

What is read: headings (as chapter and section titles), paragraphs, list items, block quotes,
link text, inline code, image alt text (`images="alt"`), footnotes (at the end of the chapter).
What is never read: fenced and indented code (or a short notice), tables (or a notice), raw
HTML, front matter (YAML `---` or TOML `+++`: parsed for the title), mdBook directives such as
`{{#include ...}}` and `<Listing>` tags, emphasis marks, footnote reference marks.
Pauses are not written into the text: the assembly adds them after headings and paragraphs.
"""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, Literal

from .normalize import normalize

_DIRECTIVE = re.compile(r"\{\{#[^}]*\}\}")
_TOML_FRONT = re.compile(r"\A\+\+\+[ \t]*\n(.*?)\n\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
_YAML_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
CODE_NOTICE = "Code example omitted."
TABLE_NOTICE = "Table omitted."


@dataclass
class Block:
    kind: Literal["heading", "paragraph", "notice"]
    text: str
    level: int = 0


@dataclass
class SpeakableDoc:
    title: str | None
    blocks: list[Block] = field(default_factory=list)
    front_matter: dict[str, Any] = field(default_factory=dict)


def _parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    return MarkdownIt("commonmark", {"html": True}).enable("table").use(footnote_plugin)


def split_front_matter(source: str) -> tuple[dict[str, Any], str]:
    """(front matter, body). YAML between `---` lines or TOML between `+++` lines, at the very top."""
    for pattern, kind in ((_TOML_FRONT, "toml"), (_YAML_FRONT, "yaml")):
        m = pattern.match(source)
        if not m:
            continue
        try:
            if kind == "toml":
                data = tomllib.loads(m.group(1))
            else:
                import yaml

                data = yaml.safe_load(m.group(1))
        except Exception:  # malformed front matter is still never spoken
            data = {}
        return (data if isinstance(data, dict) else {}), source[m.end():]
    return {}, source


def _inline_text(token: Any, images: str) -> str:
    parts: list[str] = []
    skip_depth = 0
    for child in token.children or []:
        t = child.type
        if t in ("text", "code_inline"):
            if not skip_depth:
                parts.append(child.content)
        elif t in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif t == "image":
            if images == "alt" and child.children:
                parts.append("".join(c.content for c in child.children if c.type in ("text", "code_inline")))
        elif t == "html_inline":
            continue  # tags are not spoken; text between them is
        elif t == "footnote_ref":
            continue
    text = html.unescape("".join(parts))
    return _DIRECTIVE.sub(" ", text)


def markdown_to_speakable(source: str, *, code: Literal["skip", "notice"] = "skip",
                          tables: Literal["skip", "notice"] = "skip",
                          footnotes: Literal["skip", "end"] = "end",
                          images: Literal["alt", "skip"] = "alt", path: str = "<string>") -> SpeakableDoc:
    front, body = split_front_matter(source)
    tokens = _parser().parse(body)
    blocks: list[Block] = []
    notes: list[str] = []
    in_table = in_footnote = 0
    heading_level = 0
    for i, tok in enumerate(tokens):
        t = tok.type
        if t == "table_open":
            in_table += 1
            if tables == "notice":
                blocks.append(Block("notice", TABLE_NOTICE))
        elif t == "table_close":
            in_table -= 1
        elif t == "footnote_block_open":
            in_footnote += 1
        elif t == "footnote_block_close":
            in_footnote -= 1
        elif t in ("fence", "code_block"):
            if code == "notice" and not in_table:
                blocks.append(Block("notice", CODE_NOTICE))
        elif t == "heading_open":
            heading_level = int(tok.tag[1])
        elif t == "inline" and not in_table:
            text = normalize(_inline_text(tok, images))
            if not text or not re.search(r"\w", text):
                continue
            if in_footnote:
                notes.append(text)
            elif heading_level:
                blocks.append(Block("heading", text, heading_level))
            else:
                blocks.append(Block("paragraph", text))
        elif t == "heading_close":
            heading_level = 0
    if footnotes == "end" and notes:
        blocks.append(Block("heading", "Notes", 2))
        blocks.extend(Block("paragraph", n) for n in notes)
    title = front.get("title") if isinstance(front.get("title"), str) else None
    if title is None:  # the first top-level heading, else the first heading at all
        headings = [b for b in blocks if b.kind == "heading"]
        title = next((b.text for b in headings if b.level == 1), headings[0].text if headings else None)
    return SpeakableDoc(title=title, blocks=blocks, front_matter=front)


def speakable_text(doc: SpeakableDoc) -> str:
    """The text a listener will hear, for `narrate text`: one block per paragraph."""
    out = []
    for block in doc.blocks:
        if block.kind == "heading":
            out.append(f"{'#' * block.level} {block.text}")
        elif block.kind == "notice":
            out.append(f"[{block.text}]")
        else:
            out.append(block.text)
    return "\n\n".join(out) + "\n"
