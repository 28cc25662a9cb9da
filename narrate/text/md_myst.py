"""MyST (Sphinx, Jupyter Book) directives, roles and targets, rewritten before parsing into syntax the
walker already reads as a person reads the rendered page.

- A directive fence (```` ```{note} ````, `~~~{warning}`, `:::{tip}`) that renders as a callout or box
  becomes a `:::` container: its label ("Note:") or title (`{admonition} Title`, `{dropdown} Title`,
  `{tab-item} Label`), then its body. `{versionadded} 2.0` says "Added in version 2.0:" as Sphinx
  renders it. A figure or table directive keeps its caption or title and body. Its options
  (`:class: x` lines, a `---` YAML block) are never spoken.
- A code directive (`{code-block} python`, `{code-cell}`) is a code block like any other (skipped, or
  the code notice); a directive that renders no prose (`{toctree}`, `{include}`, `{eval-rst}`) is
  dropped; any other is kept as a code block, never read as prose it may not be.
- A role (``{py:func}`os.path.join` ``, ``{ref}`Install guide <install>` ``) is its text as inline code:
  the role's name never, an explicit title instead of its target, `~a.b.c` as Sphinx shows it (`c`).
- A target line (`(my-label)=`) is never spoken.

Linear: each line is looked at once; a directive's closing fence is searched from its opening line.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .lazy_re import lazy_compile

_OPEN = lazy_compile(r"^([ \t]{0,3})(`{3,}|~{3,}|:{3,})\{([\w:.+-]{1,60})\}[ \t]*(.*?)[ \t]*$")
_CLOSE = lazy_compile(r"^[ \t]{0,3}(`{3,}|~{3,}|:{3,})[ \t]*$")
_OPTION = lazy_compile(r"^[ \t]*:[\w-]{1,60}:(?:[ \t].*)?$")
_TARGET = lazy_compile(r"^[ \t]{0,3}\([^()\s]{1,200}\)=[ \t]*$", re.M)
_ROLE = lazy_compile(r"\{[\w:.+-]{1,60}\}(`+)([^`\n]{1,500}?)\1(?!`)")
_TITLED = lazy_compile(r"\A(.*\S)\s*<[^<>\n]{1,300}>\Z")
_COLONS = lazy_compile(r"^[ \t]*(:{3,})", re.M)

CALLOUTS = frozenset(
    {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error", "seealso", "todo", "see-also"}
)
TITLED = frozenset({"admonition", "dropdown", "tab-item", "card", "topic", "sidebar", "rubric", "grid-item-card"})
VERSIONS = {
    "versionadded": "Added in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
    "versionremoved": "Removed in version",
}
PROSE = frozenset(
    {
        "figure",
        "table",
        "list-table",
        "glossary",
        "only",
        "div",
        "container",
        "epigraph",
        "pull-quote",
        "highlights",
        "margin",
        "tab-set",
        "grid",
        "grid-item",
        "card-carousel",
    }
)
CODE = frozenset(
    {
        "code",
        "code-block",
        "sourcecode",
        "code-cell",
        "literalinclude",
        "jupyter-execute",
        "ipython",
        "doctest",
        "testcode",
        "math",
        "mermaid",
        "graphviz",
        "csv-table",
        "raw",
    }
)
SILENT = frozenset(
    {
        "toctree",
        "contents",
        "include",
        "eval-rst",
        "bibliography",
        "tableofcontents",
        "index",
        "only-html",
        "meta",
        "glue",
        "glue:figure",
    }
)
MAX_LINES = 20_000  # lines one directive may span; past that it is not one (left as written)
MAX_DEPTH = 8  # directives nested in directives rewritten; deeper ones are left as written


def _role(m: re.Match[str]) -> str:
    text = m.group(2).strip()
    titled = _TITLED.match(text)
    if titled:
        text = titled.group(1)
    elif text[:1] == "~":
        text = text[1:].rsplit(".", 1)[-1]
    text = text.lstrip("!")
    ticks = m.group(1)
    return f"{ticks}{text}{ticks}" if "`" not in text else text


def _body(lines: list[str]) -> list[str]:
    """A directive's content without its options (`:key: value` lines or a `---` YAML block first)."""
    i = 0
    if lines and lines[0].strip() == "---":
        end = next((j for j in range(1, len(lines)) if lines[j].strip() == "---"), None)
        if end is not None:
            i = end + 1
    while i < len(lines) and _OPTION.match(lines[i]):
        i += 1
    return lines[i:]


def _container(indent: str, info: str, body: list[str]) -> list[str]:
    colons = max([3] + [len(m.group(1)) + 1 for m in _COLONS.finditer("\n".join(body))])
    fence = indent + ":" * colons
    return [f"{fence}{info}", *body, fence]


def _rewrite(indent: str, name: str, args: str, body: list[str], depth: int) -> list[str]:
    key = name.lower()
    if key in CALLOUTS or key in TITLED or key in VERSIONS or key in PROSE:
        body = _rewrite_lines(body, depth + 1)  # their content is Markdown, with its own directives
    if key in CALLOUTS:
        return _container(indent, key, ([indent + args, ""] if args else []) + body)
    if key in TITLED:
        return _container(indent, f"{key} {args}" if args else key, body)
    if key in VERSIONS:
        return _container(indent, f"{key} {VERSIONS[key]} {args}".rstrip(), body)
    if key in PROSE:
        caption = [indent + args, ""] if args and key in ("table", "list-table") else []
        return ["", *caption, *body, ""]  # a figure's argument is its image: its caption is the body
    if key in SILENT:
        return [""]
    longest = max([3] + [len(run) + 1 for line in body for run in re.findall(r"~{3,}", line)])
    lang = args.split()[0] if key in CODE and args else ""
    return [f"{indent}{'~' * longest}{lang}", *body, f"{indent}{'~' * longest}"]


def rewrite_myst(source: str) -> str:
    """Directives, roles and targets rewritten as the module docstring says; other text unchanged."""
    if "{" not in source and ")=" not in source:
        return source
    if "}`" in source:
        source = _ROLE.sub(_role, source)
    if ")=" in source:
        source = _TARGET.sub("", source)
    if "{" not in source:
        return source
    return "\n".join(_rewrite_lines(source.split("\n"), 0))


def _rewrite_lines(lines: list[str], depth: int) -> list[str]:
    if depth > MAX_DEPTH:
        return lines
    closers = _closers(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        end = _closer_after(closers, m.group(2), i) if m else None
        if m is None or end is None:
            out.append(lines[i])
            i += 1
            continue
        indent, _, name, args = m.groups()
        out += _rewrite(indent, name, args, _body(lines[i + 1 : end]), depth)
        i = end + 1
    return out


def _closers(lines: list[str]) -> dict[tuple[str, int], list[int]]:
    """Line numbers of the lines that can close a fence, by (fence character, run length), in order:
    found once, so that a page of unclosed openers costs a lookup each, not a scan each."""
    found: dict[tuple[str, int], list[int]] = {}
    for j, line in enumerate(lines):
        m = _CLOSE.match(line)
        if m:
            found.setdefault((m.group(1)[0], len(m.group(1))), []).append(j)
    return found


def _closer_after(closers: dict[tuple[str, int], list[int]], fence: str, i: int) -> int | None:
    """The first line after line i (within MAX_LINES) that closes `fence`: the same character, a run as long or longer."""
    best = None
    for (char, length), at in closers.items():
        if char == fence[0] and length >= len(fence):
            k = bisect_right(at, i)
            if k < len(at) and at[k] < i + MAX_LINES and (best is None or at[k] < best):
                best = at[k]
    return best
