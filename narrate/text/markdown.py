"""Markdown -> speakable text, with a real CommonMark parser (markdown-it-py) and its plugins.

What is read: headings (as chapter and section titles), paragraphs, list items (ordered ones with
their numbers: "1. Unplug the phone."), block quotes, callouts (GitHub/DocFX alerts, MkDocs
admonitions, Docusaurus `:::` containers: a label such as "Note:" or the custom title, then the
body), MkDocs content tabs (the label, then the body), the text children of HTML and JSX
components, link text, inline code, image alt text, footnotes (at the end of the chapter), and
tables (a notice, or row by row as "header: value" pairs). URLs are read as their host ("example
dot org") and e-mail addresses as said ("help at example dot org").
What is never read: fenced and indented code (or a short notice), HTML tags and attributes, front
matter (YAML `---` or TOML `+++`: parsed for the title), MDX import/export, template tags (Hugo,
Liquid, Jinja, mdBook `{{#include ...}}`), heading ids and attribute lists, emphasis marks,
footnote reference marks, task-list boxes, emoji and icon shortcodes (or their names, by option).
No sequence in md_speech.MARKUP_SEQUENCES ever reaches the spoken text, whatever the input.
Pauses are not written into the text: the assembly adds them after headings and paragraphs.
Prompt markup (narrate.text.markup's SSML subset) is the exception: a block holding it keeps it as
markup source (Block.markup) for chapter.py to compile per provider; `speakable_text` shows it
lowered, each break as "[break N ms]".

Modules: md_source (rewrites before parsing), md_walk (tokens -> blocks), md_html (HTML/JSX
text), md_speech (URLs, emoji, the final scrub).
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from ..errors import MarkupError
from . import md_myst, md_obsidian, md_source
from .lazy_re import lazy_compile
from .markup import Break, Node, is_markup, lower, parse
from .md_options import FEATURES, MarkdownOptions
from .md_texmath import texmath_brackets
from .md_walk import CODE_NOTICE, TABLE_NOTICE, Block, speakable, walk
from .normalize import normalize

__all__ = ["CODE_NOTICE", "TABLE_NOTICE", "Block", "MarkdownOptions", "SpeakableDoc", "markdown_to_speakable",
           "speakable_text", "split_front_matter"]

MAX_NESTING = 100  # markdown-it levels; md_source.flatten_nesting keeps every document well below


@dataclass
class SpeakableDoc:
    title: str | None  # as tags, playlists, chapter lists and feeds show it: written, markup stripped
    blocks: list[Block] = field(default_factory=list)
    front_matter: dict[str, Any] = field(default_factory=dict)
    # What chapter file names are made from (plan.books.slug): a heading's text as narrate first took
    # it, before `title` was the written one ("When a less than b" for "# When a < b"). Kept, so that
    # no published file is renamed.
    named: str | None = None


@lru_cache(maxsize=16)
def parser(dialect: str) -> Any:
    """The markdown-it parser for a dialect (cached: building one costs more than parsing a page)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    features = FEATURES[dialect]
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING}).enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    if "alerts" in features:
        md.options["alerts"] = True
    if "tasklists" in features:
        md.options["tasklists"] = True
    if "deflists" in features:  # `Term` then `: Definition` lines (Python-Markdown, kramdown, goldmark, MyST)
        from mdit_py_plugins.deflist import deflist_plugin

        md.use(deflist_plugin)
    if "math" in features:
        from mdit_py_plugins.dollarmath import dollarmath_plugin

        md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
        md.use(texmath_brackets)  # `\(...\)` and `\[...\]` too (md_texmath.py)
    if "admonitions" in features:
        from mdit_py_plugins.admon import admon_plugin

        md.use(admon_plugin)
    if "containers" in features:
        from mdit_py_plugins.container import container_plugin

        md.use(container_plugin, "any", validate=lambda params, *_: bool(params.strip()))
    return md


def split_front_matter(source: str) -> tuple[dict[str, Any], str]:
    """(front matter, body). YAML between `---` lines, TOML between `+++` lines, or a JSON object from a
    `{` line to a `}` line, at the very top.
    Malformed front matter, or YAML whose aliases expand it past narrate.text.front_matter's bounds,
    is {} and still never spoken; a `{` block that is no JSON object is the body's."""
    import json
    import re

    for pattern, kind in ((r"\A\+\+\+[ \t]*\n(.*?)\n\+\+\+[ \t]*(?:\n|\Z)", "toml"),
                          (r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", "yaml")):
        m = re.match(pattern, source, re.DOTALL)
        if not m:
            continue
        try:
            if kind == "toml":
                data = tomllib.loads(m.group(1))
            else:
                from .front_matter import load_front_matter

                data = load_front_matter(m.group(1))  # bounded: aliases cannot blow it up
        except Exception:  # malformed front matter is still never spoken
            data = {}
        return (data if isinstance(data, dict) else {}), source[m.end():]
    m = re.match(r"\A\{[ \t]*\n(.*?)\n\}[ \t]*(?:\n|\Z)", source, re.DOTALL)
    if m:  # Hugo's JSON front matter: an object from the first line; only if it is one (a body may open so)
        try:
            found = json.loads(m.group(0))
        except ValueError:
            found = None
        if isinstance(found, dict):
            return found, source[m.end():]
    return {}, source


def prepare(body: str, dialect: str) -> str:
    """The source rewrites (md_source) a dialect needs, in order."""
    features = FEATURES[dialect]
    body = md_source.drop_toc_markers(body)  # before wikilinks (`[[_TOC_]]`) and attribute lists (`{:toc}`)
    if "myst" in features:  # first: its rewrites make `:::` containers, which the later passes must see
        body = md_myst.rewrite_myst(body)
    if "wikilinks" in features:
        body = md_obsidian.rewrite_obsidian(body)
    if "mdx" in features:
        body = md_source.drop_esm(body)
    if "templates" in features:
        body = md_source.strip_snippets(md_source.strip_templates(body))
    body = md_source.strip_mdbook(body)
    if "alerts" in features:  # DocFX writes GitHub's alerts and its own includes
        body = md_source.strip_docfx(body)
    if "attributes" in features:
        body = md_source.strip_attributes(body)
    if "tabs" in features:
        body = md_source.unfold_tabs(body)
    return md_source.bound_brackets(md_source.flatten_nesting(body))


def markdown_to_speakable(source: str, options: MarkdownOptions | None = None, *, path: str = "<string>",
                          **settings: str | None) -> SpeakableDoc:
    """A chapter's speakable document. `options` defaults to MarkdownOptions(); the older keyword
    settings (`code=`, `tables=`, `footnotes=`, `images=`) still work and override it. `path` is
    for messages only. Raises ValueError for an unknown option value."""
    opts = options or MarkdownOptions()
    if settings:
        base = {k: getattr(opts, k) for k in ("dialect", "alerts", "emoji", "tables", "code", "footnotes", "images")}
        opts = MarkdownOptions.from_settings(**{**base, **settings})
    front, body = split_front_matter(source)
    line0 = source.count("\n", 0, len(source) - len(body))
    body = body.replace("\x00", "")  # markdown-it would make each NUL a U+FFFD, then spoken and captioned
    blocks, notes = walk(parser(opts.dialect).parse(prepare(body, opts.dialect)), opts, path, line0)
    from .front_matter import front_text

    front_title = _front_title(given) if (given := front_text(front.get("title"))) is not None else None
    headings = [b for b in blocks if b.kind == "heading"]
    if front_title is not None:
        title: str | None = front_title
        named: str | None = front_title
        spoken_title = speakable(front_title, opts)
        if spoken_title and not headings:
            blocks.insert(0, Block("heading", spoken_title, 1, written=front_title))  # only in front matter
    else:  # the first top-level heading, else the first heading at all
        first = next((b for b in headings if b.level == 1), headings[0] if headings else None)
        named = title_text(written(first)) if first else None
        title = title_text(written(replace(first, text=first.written or first.text))) if first else None
    if opts.footnotes == "end" and notes:
        blocks.append(Block("heading", "Notes", 2))
        blocks.extend(notes)
    return SpeakableDoc(title=title, blocks=blocks, front_matter=front, named=named)


_TAG = lazy_compile(r"</?[A-Za-z][^<>\n]{0,300}>")


def _front_title(given: str) -> str | None:
    """A front matter title as shown: prompt markup in it as written (`<sub>`'s text, never a tag, which
    tags, file names, chapter lists and feeds showed); markup it cannot read has its tags scrubbed,
    as its spoken heading does."""
    if is_markup(given):
        try:
            return title_text(written(Block("heading", given, 1, True)))
        except MarkupError:
            return title_text(_TAG.sub(" ", given))
    return title_text(given)


def title_text(text: str) -> str | None:
    """A chapter title as tags, playlists and feeds show it: each control character (a NUL ends a
    title in ID3 and MP4 readers, an ESC reaches a terminal) and each run of white space made one
    space, trimmed; None when nothing is left."""
    cleaned = " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())
    return cleaned or None


def written(block: Block) -> str:
    """A block's text as written: for markup, its text runs and the elements' own text, no tags."""
    if not block.markup:
        return block.text
    return normalize("".join(n if isinstance(n, str) else " " if isinstance(n, Break) else n.text
                             for n in parse(block.text)))


def said(block: Block, language: str = "en") -> str:
    """A block's text with markup lowered for a plain-text engine in `language`; breaks "[break N ms]"."""
    if not block.markup:
        return block.text
    out: list[str] = []
    run: list[Node] = []
    for node in parse(block.text):
        if isinstance(node, Break):
            out += [lower(run, language), f"[break {node.ms} ms]"]
            run = []
        else:
            run.append(node)
    return normalize(" ".join([*out, lower(run, language)]))


def speakable_text(doc: SpeakableDoc, language: str = "en") -> str:
    """The text a listener will hear, for `narrate text`: one block per paragraph (markup lowered
    for a plain-text engine in `language`)."""
    out = []
    for block in doc.blocks:
        if block.kind == "heading":
            out.append(f"{'#' * block.level} {said(block, language)}")
        elif block.kind == "notice":
            out.append(f"[{block.text}]")
        else:
            out.append(said(block, language))
    return "\n\n".join(out) + "\n"

