"""A book's `order:` file (mdBook's SUMMARY.md and the like): the Markdown files its links name, in
link order. Parsed as CommonMark (markdown-it), so every form of link counts: inline, `<angle
brackets>`, reference-style, with a title, a `#fragment` or a `?query`, percent-encoded. Pure: text
in, link paths out (narrate.manifest.resolve reads the file and resolves the paths)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    from ..text.markdown import MAX_NESTING

    return MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})


def link_paths(text: str) -> list[str]:
    """The local `.md` files (any case of the extension) `text` links to, in link order, as written
    relative to the file: fragment and query dropped, percent-decoded. Links with a scheme or a host
    (`https://...`, `//host/...`) are not local files and are left out; so are duplicates."""
    from ..text.md_source import bound_brackets, flatten_nesting

    found: list[str] = []
    tokens = _parser().parse(bound_brackets(flatten_nesting(text)))  # as chapters: bounded work on any text
    for token in tokens:
        for child in token.children or ():
            if child.type != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            try:
                parts = urlsplit(href)
            except ValueError:  # `//[host`: a malformed address, not a file either
                continue
            if parts.scheme or parts.netloc:
                continue
            path = unquote(parts.path)
            if path.lower().endswith(".md"):
                found.append(path)
    return list(dict.fromkeys(found))
