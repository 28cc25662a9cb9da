"""Obsidian (and Foam, Dendron, MkDocs roamlinks) notes, rewritten before parsing as a reader sees
them rendered:

- a wikilink is its text: `[[Other Note]]` -> "Other Note", `[[Other Note|the alias]]` -> "the alias",
  `[[Note#Heading]]` -> "Note Heading", `[[Note#^block-id]]` -> "Note";
- an embed (`![[diagram.png]]`, `![[Other Note]]`) shows another file: never spoken;
- a comment (`%%hidden%%` on one line, or `%%` lines around a block) is never rendered: never spoken.

Linear, bounded patterns; code spans and fences are not told apart (as with template tags): a
wikilink or `%%` pair inside code is rare and reads the same either way.
"""

from __future__ import annotations

import re

from .lazy_re import lazy_compile

# Not after a word or a bracket (R's `x[[1]]`, nested lists in code), not inside a format string
# (`printf("%%d%%")`): a comment's `%%` stands at a word's edge.
_EMBED = lazy_compile(r"(?<![\w\]])!\[\[[^\[\]\n]{1,500}\]\]")
_WIKILINK = lazy_compile(r"(?<![\w\]\[])\[\[([^\[\]|\n]{1,300})(?:\|([^\[\]\n]{0,300}))?\]\]")
_INLINE_COMMENT = lazy_compile(r"(?<!\S)%%(?=\S)[^%\n]{1,2000}(?<=\S)%%(?!\S)")
_BLOCK_COMMENT = lazy_compile(r"^[ \t]*%%[ \t]*\n(?:.*\n){0,2000}?[ \t]*%%[ \t]*$", re.M)


def _link_text(m: re.Match[str]) -> str:
    if m.group(2) and m.group(2).strip():
        return m.group(2).strip()
    target = m.group(1).split("#^", 1)[0]
    note, _, heading = target.partition("#")
    note = note.strip().rsplit("/", 1)[-1].removesuffix(".md")
    return " ".join(p for p in (note, heading.replace("#", " ").strip()) if p)


def rewrite_obsidian(source: str) -> str:
    if "[[" in source:
        source = _WIKILINK.sub(_link_text, _EMBED.sub(" ", source))
    if "%%" in source:
        source = _INLINE_COMMENT.sub(" ", _BLOCK_COMMENT.sub("", source))
    return source
