"""Source-level rewrites before Markdown parsing: syntax that no markdown-it plugin parses.

Each rewrite is a linear scan with bounded patterns (no regular expression here can backtrack over
more than a few hundred characters), so hostile input costs time in proportion to its size.

- `drop_esm`: MDX `import ... from '...'` / `export const ...` paragraphs (Docusaurus).
- `strip_templates`: Hugo `{{< x >}}` / `{{% x %}}`, Liquid/Jinja `{% x %}`, `{{ x }}`, `{# x #}`,
  mdBook `{{#include x}}`: the tags go, paired tags keep their inner prose; `{% raw %}` keeps its
  content, `{% comment %}` drops it.
- `strip_attributes`: `## Title {#custom-id}`, attr_list `{ .class #id }`, kramdown `{: .x}` `{:toc}`.
- `unfold_tabs`: MkDocs Material content tabs (`=== "Label"` and a body indented 4 spaces) become
  the label as a short paragraph and the body at the tab's own indentation.
- `flatten_nesting`: containers nested deeper than narrate reads are read as if less nested
  (issue 9 item 15: markdown-it drops whatever lies past its nesting limit, without a word).
"""

from __future__ import annotations

import re

MAX_MARKERS = 8  # block quote / list markers kept on one line
MAX_CONTAINERS = 8  # `:::` containers open at once
MAX_INDENT = 32  # columns of leading indentation kept; deeper lines become siblings at this depth

_ESM = re.compile(r"\A(?:import\s+(?:[\w*${},\s]{1,500}\s+from\s+)?['\"][^'\"\n]{1,500}['\"]|"
                  r"export\s+(?:const|let|var|function|default|class|async|\{|\*))")
_OPENER = re.compile(r"\{\{[<%]?|\{[%#]")
_CLOSER = {"{{<": ">}}", "{{%": "%}}", "{{": "}}", "{%": "%}", "{#": "#}"}
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}\Z")
_END_COMMENT = re.compile(r"\{%-?\s*endcomment\s*-?%\}")
MAX_TAG = 500  # characters in one template tag; a longer "tag" is not one
MAX_COMMENT = 20_000  # characters in one {% comment %} block
_HEADING_ID = re.compile(r"^([ \t]{0,3}#{1,6}[ \t].*?)[ \t]*\{#[^{}\s]{1,200}\}[ \t]*$", re.M)
_ATTR_ITEM = r"(?:[.#][\w\-:]{1,100}|[\w\-]{1,100}=(?:\"[^\"\n]{0,200}\"|'[^'\n]{0,200}'|[^\s}]{1,200}))"
_ATTRS = re.compile(r"[ \t]*\{:[^{}\n]{0,300}\}|[ \t]*\{[ \t]*" + _ATTR_ITEM + r"(?:[ \t]+" + _ATTR_ITEM +
                    r"){0,20}[ \t]*\}")
_TAB = re.compile(r"^([ ]*)===[!+]{0,2}[ \t]+\"([^\"\n]*)\"[ \t]*$")
_PREFIX = re.compile(r"(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)))+[ \t]?")
_FENCE_OPEN = re.compile(r"[ \t]{0,3}:{3,}[ \t]*([^:\s].*)\Z")
_FENCE_CLOSE = re.compile(r"[ \t]{0,3}:{3,}[ \t]*\Z")
_MARKER = re.compile(r">|[-+*]|\d{1,9}[.)]")


def drop_esm(source: str) -> str:
    """Remove MDX module paragraphs (they start at column 0 with `import`/`export` and end at a
    blank line). Prose such as "import the data first" is kept: an import needs a quoted module."""
    if "import" not in source and "export" not in source:
        return source
    paragraphs = re.split(r"(\n[ \t]*\n)", source)
    return "".join("" if _ESM.match(p) else p for p in paragraphs)


def strip_templates(source: str) -> str:
    """Template tags removed, `{% raw %}` content kept, `{% comment %}` content dropped. A tag is an
    opener and its closer within MAX_TAG characters and no blank line; an opener without one is
    left for the final scrub. Linear: each opener costs one bounded `str.find`."""
    if "{{" not in source and "{%" not in source and "{#" not in source:
        return source
    out: list[str] = []
    pos = 0
    for m in _OPENER.finditer(source):
        i = m.start()
        if i < pos:
            continue
        closer = _CLOSER[m.group(0)]
        j = source.find(closer, m.end(), m.end() + MAX_TAG)
        if j < 0 or _BLANK_LINE.search(source, i, j):
            continue
        end = j + len(closer)
        tag = source[i:end]
        if _COMMENT.match(tag):
            close = _END_COMMENT.search(source, end, end + MAX_COMMENT)
            if close:
                end = close.end()
        out += [source[pos:i], " "]
        pos = end
    out.append(source[pos:])
    return "".join(out)


def strip_mdbook(source: str) -> str:
    """mdBook directives (`{{#include file.rs}}`, `{{#rustdoc_include ...}}`): never spoken."""
    return re.sub(r"\{\{#[^{}\n]{0,500}\}\}", " ", source) if "{{#" in source else source


def strip_attributes(source: str) -> str:
    """Heading ids `{#id}`, attr lists `{ .c #id k=v }` and kramdown IALs `{: ...}` removed."""
    if "{" not in source:
        return source
    return _ATTRS.sub("", _HEADING_ID.sub(r"\1", source))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def unfold_tabs(source: str) -> str:
    """`=== "Adults"` + indented body -> `Adults:` + the body dedented by 4 (nested tabs work too)."""
    if "===" not in source:
        return source
    lines = source.split("\n")
    out: list[str] = []
    dedent_stack: list[int] = []  # body indentation of each open tab, innermost last
    for line in lines:
        while dedent_stack and line.strip() and _indent(line) < dedent_stack[-1]:
            dedent_stack.pop()
        removed = 4 * len(dedent_stack)
        line = line[min(removed, _indent(line)):]
        m = _TAB.match(line)
        if m:
            label = m.group(2).strip()
            out += [f"{m.group(1)}{label}:" if label else "", ""]
            dedent_stack.append(removed + len(m.group(1)) + 4)
            continue
        out.append(line)
    return "\n".join(out)


def flatten_nesting(source: str) -> str:
    """Cap each line's container prefix at MAX_MARKERS block quote / list markers and its
    indentation at MAX_INDENT columns, so nothing lies past markdown-it's nesting limit. Deeper
    content is read as if it were that deep; no text is removed. `:::` containers opened more than
    MAX_CONTAINERS deep lose their fences (a title stays as a line of text)."""
    out = []
    containers: list[bool] = []  # per open `:::` container: were its fences kept?
    kept_open = 0
    check_fences = ":::" in source
    for line in source.split("\n"):
        if check_fences and ":::" in line[:8]:
            if _FENCE_CLOSE.match(line):
                if containers:
                    if not containers.pop():
                        continue
                    kept_open -= 1
            elif m := _FENCE_OPEN.match(line):
                kept = kept_open < MAX_CONTAINERS
                containers.append(kept)
                kept_open += kept
                if not kept:
                    line = re.sub(r"\A[\w\-]*\s*\[?|\]\s*\Z", "", m.group(1))
        if len(line) > MAX_INDENT and line[:MAX_INDENT + 1].isspace():
            line = " " * MAX_INDENT + line.lstrip(" \t")
        if ">" in line[:MAX_INDENT + 2 * MAX_MARKERS] or len(line) > MAX_INDENT:
            m = _PREFIX.match(line)
            if m and (m.end() > MAX_INDENT + 2 * MAX_MARKERS or len(_MARKER.findall(m.group(0))) > MAX_MARKERS):
                markers = _MARKER.findall(m.group(0))[:MAX_MARKERS]
                lead = min(_indent(line), MAX_INDENT)
                line = " " * lead + " ".join(markers) + " " + line[m.end():]
        out.append(line)
    return "\n".join(out)
