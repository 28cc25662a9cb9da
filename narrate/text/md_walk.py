"""markdown-it tokens -> spoken blocks: headings, paragraphs, list numbers, callout labels, tables,
HTML/JSX text children, footnotes. The options object is markdown.MarkdownOptions."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .md_html import html_paragraphs
from .md_speech import spoken
from .normalize import normalize

CODE_NOTICE = "Code example omitted."
TABLE_NOTICE = "Table omitted."
_WORD = re.compile(r"\w")
_ANGLE = re.compile(r"<(?=\S)|(?<=\S)>")
_CONTAINER = re.compile(r"\A\s*([\w\-]*)\s*(?:\[(.*)\]|(.*))\Z", re.S)


@dataclass
class Block:
    """One spoken unit of structure. `level` is the heading level (1-6), 0 otherwise."""

    kind: Literal["heading", "paragraph", "notice"]
    text: str
    level: int = 0


@dataclass
class _State:
    options: Any
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    heading: int = 0
    in_footnote: int = 0
    in_title: bool = False
    title_wanted: bool = True
    prefix: str = ""  # an ordered list item's number, spoken before its first paragraph
    numbers: list[bool] = field(default_factory=list)  # per open list: ordered?
    table: list[list[str]] | None = None
    header_rows: int = 0


def _label(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".:!?" else text + ":"


def _inline_raw(token: Any, images: str) -> str:
    parts: list[str] = []
    for child in token.children or []:
        t = child.type
        if t == "text":  # a `<` here is literal (tags are html_inline): "&lt;tag&gt;" is read "tag"
            parts.append(_ANGLE.sub(" ", child.content) if "<" in child.content else child.content)
        elif t == "code_inline":
            parts.append(child.content.replace("<", " ").replace(">", " "))
        elif t in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif t == "image" and images == "alt" and child.children:
            parts.append("".join(c.content for c in child.children if c.type in ("text", "code_inline")))
        elif t == "html_inline" and child.content.lower().startswith("<br"):
            parts.append(" ")
        # html_inline tags, footnote refs, emphasis and link marks: never spoken; text between them is.
    return html.unescape("".join(parts))


def speakable(raw: str, options: Any) -> str:
    """A raw string from the document as the engine will get it; "" when it holds no word."""
    text = normalize(spoken(raw, emoji=options.emoji))
    return text if _WORD.search(text) else ""


def _emit(state: _State, kind: Literal["heading", "paragraph", "notice"], raw: str, level: int = 0) -> None:
    text = speakable(raw, state.options)
    if not text:
        return
    if state.in_footnote:
        state.notes.append(text)
    else:
        state.blocks.append(Block(kind, text, level))


def _table_blocks(state: _State, rows: list[list[str]]) -> None:
    if state.options.tables == "notice":
        state.blocks.append(Block("notice", TABLE_NOTICE))
        return
    header = [speakable(c, state.options) for c in rows[0]] if state.header_rows and rows else []
    for row in rows[1 if header else 0:]:
        pairs = []
        for i, cell in enumerate(row):
            value = speakable(cell, state.options)
            name = header[i] if i < len(header) else ""
            if value:
                pairs.append(f"{name}: {value}" if name else value)
        if pairs:
            text = "; ".join(pairs)
            state.blocks.append(Block("paragraph", text if text[-1] in ".!?" else text + "."))


def walk(tokens: list[Any], options: Any) -> tuple[list[Block], list[str]]:
    """(blocks, footnote texts) for a token stream from markdown.parser()."""
    s = _State(options)
    for tok in tokens:
        t = tok.type
        if s.table is not None:  # inside a table: collect cells only
            if t == "table_close":
                _table_blocks(s, s.table)
                s.table = None
            elif t == "tr_open":
                s.table.append([])
            elif t == "inline" and s.table:
                s.table[-1].append(_inline_raw(tok, options.images))
            elif t == "thead_open":
                s.header_rows = 1
            continue
        if t == "table_open":
            s.table, s.header_rows = [], 0
        elif t == "inline":
            raw = _inline_raw(tok, options.images)
            if s.in_title:
                if s.title_wanted:
                    _emit(s, "paragraph", _label(raw))
            elif s.heading:
                _emit(s, "heading", raw, s.heading)
            else:
                raw, s.prefix = (s.prefix + " " + raw if s.prefix else raw), ""
                _emit(s, "paragraph", raw)
        elif t == "heading_open":
            s.heading = int(tok.tag[1])
        elif t == "heading_close":
            s.heading = 0
        elif t in ("fence", "code_block"):
            if options.code == "notice":
                s.blocks.append(Block("notice", CODE_NOTICE))
        elif t == "html_block":
            for paragraph in html_paragraphs(tok.content):
                _emit(s, "paragraph", paragraph)
        elif t in ("bullet_list_open", "ordered_list_open"):
            s.numbers.append(t == "ordered_list_open")
        elif t in ("bullet_list_close", "ordered_list_close"):
            s.numbers.pop() if s.numbers else None
        elif t == "list_item_open":
            s.prefix = f"{tok.info}." if s.numbers and s.numbers[-1] and tok.info else ""
        elif t == "footnote_block_open":
            s.in_footnote += 1
        elif t == "footnote_block_close":
            s.in_footnote -= 1
        elif t == "admonition_open":
            tag = str((tok.meta or {}).get("tag", ""))
            # A custom title is content; the type's own name ("Note") is a label the options may drop.
            s.title_wanted = options.alerts == "label" or tok.content.strip() != tag.title()
        elif t == "alert_open":
            s.title_wanted = options.alerts == "label"
        elif t in ("admonition_title_open", "alert_title_open"):
            s.in_title = True
        elif t in ("admonition_title_close", "alert_title_close"):
            s.in_title, s.title_wanted = False, True
        elif t.startswith("container_") and t.endswith("_open"):
            m = _CONTAINER.match(tok.info)
            name, title = (m.group(1), (m.group(2) or m.group(3) or "").strip()) if m else ("", "")
            if title:
                _emit(s, "paragraph", _label(title))
            elif name and options.alerts == "label":
                _emit(s, "paragraph", _label(name.replace("-", " ").replace("_", " ").capitalize()))
    return s.blocks, s.notes
