"""How a book's Markdown is read (MarkdownOptions) and what each dialect parses (FEATURES), apart from the
reader itself (narrate.text.markdown): a build plans its books with these, and reads their chapters in a
child process (narrate.plan.apart), so that its own process never loads the Markdown stack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Dialect = Literal["auto", "commonmark", "gfm", "mkdocs", "docusaurus", "hugo", "jekyll", "myst", "obsidian"]
# GFM's bare-URL autolinks are not parsed (mdit-py-plugins' gfm_autolink is quadratic on text full of
# colons: 4,000 `:a:` took 5.6 s): md_speech says every URL in any text as its host instead.
# `$...$` math as GitHub, MyST, Obsidian and Pandoc write it (and `\(...\)`, `\[...\]` as MathJax
# does); money never opens it ("$5 and $10").
_GFM = frozenset({"alerts", "tasklists", "math"})
# What each dialect adds to CommonMark (+ tables and footnotes, which narrate always reads).
FEATURES: dict[str, frozenset[str]] = {
    "commonmark": frozenset(),
    "gfm": _GFM,
    "mkdocs": frozenset({"admonitions", "tabs", "attributes", "tasklists", "templates", "deflists"}),
    "docusaurus": _GFM | {"containers", "mdx", "attributes"},
    "hugo": _GFM | {"templates", "attributes", "deflists"},
    "jekyll": _GFM | {"templates", "attributes", "deflists"},
    "myst": frozenset({"myst", "containers", "attributes", "tasklists", "math", "deflists"}),  # Sphinx / Jupyter Book
    "obsidian": _GFM | {"wikilinks"},  # its callouts are read with GitHub's alerts (md_walk._callout)
}
# `auto` is every dialect's rules at once. They never conflict: each rule fires only on syntax that
# no other dialect gives another meaning (`!!!`, `???`, `===` + quoted label, `:::`, `[!NOTE]`,
# `{{<`, `{%`, MDX `import ... from '...'`). The one trade: an indented block right after
# `!!! note` is an admonition body, not CommonMark's code block. Detecting the dialect from the
# text instead would save nothing and could guess wrong on a page that mixes two of them.
FEATURES["auto"] = frozenset().union(*FEATURES.values())

@dataclass(frozen=True)
class MarkdownOptions:
    """How a Markdown chapter is read. The defaults are what a listener should hear.

    dialect: which generators' syntax is parsed (see FEATURES; `auto` = all of them).
    alerts: "label" reads a callout's type ("Note:"), "drop" leaves it out (custom titles are read).
    emoji: "drop" or "name" (`unicodedata.name`, lower case: "grinning face").
    tables: "notice" says TABLE_NOTICE; "rows" reads each row as "header: value" pairs.
    code: "skip" or "notice" (CODE_NOTICE) for code blocks; inline code is always read.
    footnotes: "end" (under a "Notes" heading at the end) or "skip"; images: "alt" or "skip".
    Raises ValueError for a value outside these.
    """

    dialect: Dialect = "auto"
    alerts: Literal["label", "drop"] = "label"
    emoji: Literal["drop", "name"] = "drop"
    tables: Literal["notice", "rows"] = "notice"
    code: Literal["skip", "notice"] = "skip"
    footnotes: Literal["end", "skip"] = "end"
    images: Literal["alt", "skip"] = "alt"

    def __post_init__(self) -> None:
        allowed = {"dialect": FEATURES, "alerts": ("label", "drop"), "emoji": ("drop", "name"),
                   "tables": ("notice", "rows"), "code": ("skip", "notice"), "footnotes": ("end", "skip"),
                   "images": ("alt", "skip")}
        for name, values in allowed.items():
            if getattr(self, name) not in values:
                raise ValueError(f"markdown {name} must be one of {', '.join(values)}, not {getattr(self, name)!r}")

    @classmethod
    def from_settings(cls, **settings: str | None) -> MarkdownOptions:
        """From the older book settings (`code`, `tables`, `footnotes`...), None meaning the default.
        `tables: skip` reads as "notice": a table is never dropped without a word (issue 11)."""
        given = {k: v for k, v in settings.items() if v is not None}
        if given.get("tables") == "skip":
            given["tables"] = "notice"
        return cls(**given)  # type: ignore[arg-type]
