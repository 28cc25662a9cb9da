"""markdown-it tokens -> spoken blocks: headings, paragraphs, list numbers, callout labels, tables,
HTML/JSX text children, footnotes. The options object is markdown.MarkdownOptions.

Prompt markup (narrate.text.markup's SSML subset) in a paragraph, heading, list item, quote, HTML
block or footnote is kept: that block's text is then markup source (Block.markup), its text runs
made speakable here and its elements left for chapter.py to compile per provider. Malformed markup
is a ManifestError located at the chapter's line. In table cells the subset's tags are dropped like
other HTML (their text is read)."""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ManifestError, MarkupError, Problem
from .lazy_re import lazy_compile
from .markup import INTERPRET_AS, MAX_BREAK_MS, Break, Node, Target, escape_text, parse, to_ssml
from .md_code import agree_article, code_words, named_before
from .md_html import SSML_TAG, html_pieces, img_alt, is_badge, listing, ssml_tag
from .md_math import math_shown, math_words
from .md_speech import shown, spoken
from .normalize import normalize

CODE_NOTICE = "Code example omitted."
TABLE_NOTICE = "Table omitted."
_WORD = lazy_compile(r"\w")
_ANGLE = lazy_compile(r"<(?=\S)(?!=\s)|(?<=\S)>")  # "<T>", "a<b"; not " <= ": md_speech says it
_CONTAINER = lazy_compile(r"\A\s*([\w\-]*)\s*(?:\[(.*)\]|(.*))\Z", re.S)
_EVERYTHING = Target(True, frozenset(INTERPRET_AS), True, True)  # to write markup back out unchanged
_AT = lazy_compile(r"line (\d+), column \d+: (.*)", re.S)
# A subset tag in the paragraph's source that markdown-it did not take as HTML (a quote or `>` missing).
_RAW_TAG = lazy_compile(r"(?<![\\`])<(/?)(break|say-as|phoneme)(?![\w-])")
_CODE_SPAN = lazy_compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
# A callout marker opening a block quote that markdown-it's GitHub alerts do not take: another type
# (Obsidian's `[!info]`, `[!bug]`), a fold mark or a title on its line (`> [!warning]- Mind the step`).
_CALLOUT = lazy_compile(r"\A\[!([A-Za-z][\w-]{0,40})\][+-]?[ \t]*")
# GitHub's first callouts (2022), still common in READMEs: `> **Note**` or `> **Warning**` on its own line.
_BOLD_CALLOUT = lazy_compile(r"\A\*\*(Note|Tip|Important|Warning|Caution)\*\*:?[ \t]*(?:\n|\Z)")


@dataclass
class Block:
    """One spoken unit of structure. `level` is the heading level (1-6), 0 otherwise."""

    kind: Literal["heading", "paragraph", "notice"]
    text: str
    level: int = 0
    markup: bool = False  # text is markup source (narrate.text.markup), its runs already speakable
    # The text as written, for captions (narrate.text.written): markup source too when `markup`;
    # "" where it is `text` (notices, tables' notice, labels made here).
    written: str = ""


@dataclass
class _State:
    options: Any
    path: str = "<string>"  # for located markup errors
    line0: int = 0  # lines before the parsed body (front matter)
    blocks: list[Block] = field(default_factory=list)
    notes: list[Block] = field(default_factory=list)
    heading: int = 0
    quote_start: bool = False  # the next inline is a block quote's first line (a callout's marker?)
    in_footnote: int = 0
    in_title: bool = False
    in_term: bool = False
    title_wanted: bool = True
    prefix: str = ""  # an ordered list item's number, spoken before its first paragraph
    shown_prefix: str = ""  # the same as written (a term's label keeps its `<`, its code)
    numbers: list[bool] = field(default_factory=list)  # per open list: ordered?
    table: list[list[tuple[str, str]]] | None = None  # cells (as spoken, as written) per row
    header_rows: int = 0
    captions: list[str] = field(default_factory=list)  # per open Rust book <Listing>: said at its end
    gap_ms: int = 0  # breaks since the last words: paragraphs of breaks alone add up into one pause


def _label(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".:!?" else text + ":"


# Typewriter dashes, as smart punctuation (Pandoc, MkDocs, Hugo, Jekyll) renders them: ` -- ` an en
# dash, `---` an em dash; engines pause at a dash but read "--" as nothing. A flag (`--release`) stays.
_DASHES = lazy_compile(r"(?<=\s)-{2,3}(?=\s)|(?<=\w)---(?=\w)")


def _dash(m: re.Match[str]) -> str:
    return "\u2014" if len(m.group(0)) == 3 else "\u2013"


def _piece(child: Any, images: str, written: bool = False) -> str:
    """A child's text as spoken, or `written` as a caption shows it (a `<` and code as written)."""
    t = child.type
    if written and t in ("text", "code_inline", "math_inline", "math_inline_double"):
        return f" {math_shown(child.content)} " if t.startswith("math") else str(child.content)
    if t == "text":  # a `<` here is literal (tags are html_inline): "&lt;tag&gt;" is read "tag"
        text = _ANGLE.sub(" ", child.content) if "<" in child.content else str(child.content)
        return _DASHES.sub(_dash, text) if "--" in text else text
    if t == "code_inline":
        return code_words(child.content)
    if t in ("math_inline", "math_inline_double"):
        return f" {math_words(child.content)} "
    if t in ("softbreak", "hardbreak"):
        return " "
    if t == "image" and images == "alt" and child.children:
        if is_badge(str(child.attrs.get("src", ""))):
            return " "
        return "".join(c.content for c in child.children if c.type in ("text", "code_inline"))
    if t == "html_inline" and child.content.lower().startswith("<br"):
        return " "
    if t == "html_inline" and images == "alt" and child.content[:4].lower() == "<img":
        alt = html.escape(img_alt(child.content), quote=False)  # decoded once, as the callers decode it again
        return f" {alt} " if alt else ""
    return ""  # html_inline tags, footnote refs, emphasis and link marks: never spoken; text between them is.


def _inline_raw(token: Any, images: str, written: bool = False) -> str:
    pieces: list[str] = []
    tail = ""  # the last words said, across emphasis and links
    children = token.children or []
    closing = False  # the next text's ")" closes brackets whose content was dropped
    for i, child in enumerate(children):
        if not written and child.type == "code_inline":
            if named_before(tail, child.content):
                continue  # "the double colon `::` operator": the symbols are named once
            after = children[i + 1] if i + 1 < len(children) else None
            if (pieces and pieces[-1].endswith(" (") and after is not None and after.type == "text"
                    and after.content.startswith(")") and named_before(tail[:-2], child.content)):
                pieces[-1] = pieces[-1][:-2]  # "a semicolon (`;`)": the name once, and no empty brackets
                closing = True
                continue
        piece = _piece(child, images, written)
        if closing:
            piece, closing = piece[1:], False
        if not written and child.type == "code_inline" and pieces:
            pieces[-1] = agree_article(pieces[-1], piece)  # "a `!`" is "an exclamation mark"
        pieces.append(piece)
        tail = (tail + piece)[-60:]
    return html.unescape("".join(pieces))


def _inline(s: _State, token: Any) -> tuple[str, bool, str]:
    """(raw text, is markup source, raw text as written) of an inline token. Markup source keeps the
    subset's tags as written, escapes the text between them, and keeps line breaks so errors keep
    their line; its written form is markup source too."""
    children = token.children or []
    subs: list[bool] = []
    images = s.options.images
    if "<" not in token.content or not any(c.type == "html_inline" and ssml_tag(c.content, subs) for c in children):
        if "<" in token.content:
            _refuse_unparsed(s, token, [])
        return _inline_raw(token, images), False, _inline_raw(token, images, True)
    subs, parts, shown_parts, tags = [], [], [], []
    for child in children:
        if child.type == "html_inline" and ssml_tag(child.content, subs):
            parts.append(child.content)
            shown_parts.append(child.content)
            tags.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
            shown_parts.append("\n")
        else:
            parts.append(escape_text(html.unescape(_piece(child, images))))
            shown_parts.append(escape_text(html.unescape(_piece(child, images, True))))
    _refuse_unparsed(s, token, tags)
    return "".join(parts), True, "".join(shown_parts)


def _refuse_unparsed(s: _State, token: Any, tags: list[str]) -> None:
    """A `<break`, `<say-as` or `<phoneme` in the source that markdown-it did not parse as a tag
    (outside code spans, not backslash-escaped) is malformed markup, not text to read aloud."""
    raw = token.content
    if not _RAW_TAG.search(raw):
        return
    code = [(m.start(), m.end()) for m in _CODE_SPAN.finditer(raw)] if "`" in raw else []
    tags = [t for t in tags if SSML_TAG.match(t) and SSML_TAG.match(t).group(2) != "sub"]  # type: ignore[union-attr]
    for m in _RAW_TAG.finditer(raw):
        if any(a <= m.start() < b for a, b in code):
            continue
        if tags and raw.startswith(tags[0], m.start()):
            tags.pop(0)
            continue
        line = _first_line(s, token) + raw.count("\n", 0, m.start())
        raise ManifestError([Problem(s.path, line, "", f"markup: <{m.group(1)}{m.group(2)}> is not a well-formed tag "
                                                       "(check its quotes and closing >)")])


def _first_line(s: _State, token: Any) -> int:
    return s.line0 + (token.map[0] if token.map else 0) + 1


def _speakable_markup(s: _State, source: str, line: int) -> str:
    """Markup source with its text runs made speakable (URLs, emoji, the markup scrub) and its
    elements written back in canonical form; "" when it holds neither a word nor an element.
    Raises ManifestError at `line` (the source's first line in the chapter) for malformed markup."""
    try:
        nodes: tuple[Node, ...] = parse(source)
    except MarkupError as exc:
        m = _AT.match(exc.message)
        at, reason = (line + int(m.group(1)) - 1, m.group(2)) if m else (line, exc.message)
        raise ManifestError([Problem(s.path, at, "", f"markup: {reason}")]) from None
    for node in nodes:
        if isinstance(node, Break):
            s.gap_ms += node.ms
            if s.gap_ms > MAX_BREAK_MS:
                raise ManifestError([Problem(s.path, line, "", f"markup: breaks in a row add up to {s.gap_ms} ms "
                                                               f"(paragraphs of breaks alone count together); "
                                                               f"at most {MAX_BREAK_MS // 1000} s in one place")])
        elif not isinstance(node, str) or _WORD.search(node):
            s.gap_ms = 0
    if all(isinstance(n, str) and not _WORD.search(n) for n in nodes):
        return ""
    return to_ssml(nodes, "und", _EVERYTHING, lambda t: spoken(t, emoji=s.options.emoji))


def _shown_markup(source: str) -> str:
    """Markup source with its text runs as a caption shows them (md_speech.shown), elements kept."""
    return to_ssml(parse(source), "und", _EVERYTHING, shown)


def speakable(raw: str, options: Any) -> str:
    """A raw string from the document as the engine will get it; "" when it holds no word."""
    text = normalize(spoken(raw, emoji=options.emoji))
    return text if _WORD.search(text) else ""


def _emit(state: _State, kind: Literal["heading", "paragraph", "notice"], raw: str, level: int = 0,
          markup_line: int = 0, written: str | None = None) -> None:
    """`markup_line`: raw is markup source starting at that chapter line (0: plain text). `written`:
    the raw text as written (markup source too when raw is), for captions; None: `raw`."""
    text = _speakable_markup(state, raw, markup_line) if markup_line else speakable(raw, state.options)
    if not text:
        return
    if not markup_line:
        state.gap_ms = 0
    given = raw if written is None else written
    block = Block(kind, text, level, bool(markup_line), _shown_markup(given) if markup_line else shown(given))
    if state.in_footnote:
        state.notes.append(block)
    else:
        state.blocks.append(block)


def _table_blocks(state: _State, rows: list[list[tuple[str, str]]]) -> None:
    if state.options.tables == "notice":
        state.blocks.append(Block("notice", TABLE_NOTICE))
        return
    header = [(speakable(c, state.options), shown(w)) for c, w in rows[0]] if state.header_rows and rows else []
    for row in rows[1 if header else 0:]:
        pairs, shown_pairs = [], []
        for i, (cell, cell_written) in enumerate(row):
            value = speakable(cell, state.options)
            name, shown_name = header[i] if i < len(header) else ("", "")
            if value:
                pairs.append(f"{name}: {value}" if name else value)
                written = shown(cell_written)
                shown_pairs.append(f"{shown_name}: {written}" if shown_name else written)
        if pairs:
            text, written = "; ".join(pairs), "; ".join(shown_pairs)
            end = "" if text[-1] in ".!?" else "."
            state.blocks.append(Block("paragraph", text + end, written=written + ("" if written[-1:] in ".!?" else ".")))


def _callout(s: _State, token: Any) -> Any:
    """A block quote's first paragraph that opens with a callout marker: its label (the title on the
    marker's line, else the type as "Info:" unless alerts are dropped) is emitted, and the rest of the
    paragraph returned as a token to read; None when it opens with no marker."""
    children = token.children or []
    bold = _BOLD_CALLOUT.match(token.content)
    if bold:
        cut = next((i for i, c in enumerate(children) if c.type in ("softbreak", "hardbreak")), len(children))
        if s.options.alerts == "label":
            _emit(s, "paragraph", bold.group(1) + ":")
        rest = copy.copy(token)
        rest.children, rest.content = children[cut + 1:], token.content.partition("\n")[2]
        return rest
    m = _CALLOUT.match(token.content)
    if m is None or not children or children[0].type != "text" or not children[0].content.startswith(m.group(0)):
        return None
    cut = next((i for i, c in enumerate(children) if c.type in ("softbreak", "hardbreak")), len(children))
    first = copy.copy(children[0])
    first.content = first.content[m.end():]
    title = copy.copy(token)
    title.children, title.content = [first, *children[1:cut]], token.content.split("\n", 1)[0][m.end():]
    label, _, label_written = _inline(s, title)
    if not label.strip() and s.options.alerts == "label":
        label = label_written = m.group(1).replace("-", " ").replace("_", " ").capitalize()
    if label.strip():
        _emit(s, "paragraph", _label(label), written=_label(label_written))
    rest = copy.copy(token)
    rest.children, rest.content = children[cut + 1:], token.content.partition("\n")[2]
    return rest


def walk(tokens: list[Any], options: Any, path: str = "<string>", line0: int = 0) -> tuple[list[Block], list[Block]]:
    """(blocks, footnote paragraphs) for a token stream from markdown.parser(). `path` and `line0`
    (lines before the parsed text) locate markup errors: ManifestError("path:line: markup: ...")."""
    s = _State(options, path, line0)
    for tok in tokens:
        t = tok.type
        if s.table is not None:  # inside a table: collect cells only
            if t == "table_close":
                _table_blocks(s, s.table)
                s.table = None
            elif t == "tr_open":
                s.table.append([])
            elif t == "inline" and s.table:
                s.table[-1].append((_inline_raw(tok, options.images), _inline_raw(tok, options.images, True)))
            elif t == "thead_open":
                s.header_rows = 1
            continue
        if s.quote_start and t not in ("inline", "paragraph_open"):
            s.quote_start = False
        if t == "table_open":
            s.table, s.header_rows = [], 0
        elif t == "inline":
            if s.quote_start:
                s.quote_start = False
                tok = _callout(s, tok) or tok
            raw, is_markup, written = _inline(s, tok)
            at = _first_line(s, tok) if is_markup else 0
            if s.in_term:  # a definition list's term: said before its first definition, "Term: ..."
                s.prefix = f"{s.prefix} {_label(raw)}".strip()
                s.shown_prefix = f"{s.shown_prefix} {_label(written)}".strip()
            elif s.in_title:
                if s.title_wanted:
                    _emit(s, "paragraph", _label(raw), markup_line=at, written=_label(written))
            elif s.heading:
                _emit(s, "heading", raw, s.heading, markup_line=at, written=written)
            else:
                if s.prefix:
                    raw, written = s.prefix + " " + raw, s.shown_prefix + " " + written
                s.prefix = s.shown_prefix = ""
                _emit(s, "paragraph", raw, markup_line=at, written=written)
        elif t == "blockquote_open":
            s.quote_start = True
        elif t in ("dt_open", "dt_close"):
            s.in_term = t == "dt_open"
        elif t == "heading_open":
            s.heading = int(tok.tag[1])
        elif t == "heading_close":
            s.heading = 0
        elif t in ("fence", "code_block"):
            if options.code == "notice":
                s.blocks.append(Block("notice", CODE_NOTICE))
        elif t in ("math_block", "math_block_label", "math_block_eqno"):
            _emit(s, "paragraph", math_words(tok.content), written=math_shown(tok.content))
        elif t == "html_block":
            content = tok.content
            if content.startswith("<Listing") and (found := listing(content)):
                s.captions.append(found[1])
                _emit(s, "paragraph", found[0])
            elif content.startswith("</Listing>") and s.captions:
                _emit(s, "paragraph", s.captions.pop())
            for paragraph, is_markup, line in html_pieces(content, options.images, options.alerts == "label"):
                _emit(s, "paragraph", paragraph, markup_line=_first_line(s, tok) + line - 1 if is_markup else 0)
        elif t in ("bullet_list_open", "ordered_list_open"):
            s.numbers.append(t == "ordered_list_open")
        elif t in ("bullet_list_close", "ordered_list_close"):
            s.numbers.pop() if s.numbers else None
        elif t == "list_item_open":
            s.prefix = s.shown_prefix = f"{tok.info}." if s.numbers and s.numbers[-1] and tok.info else ""
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
