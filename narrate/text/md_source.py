"""Source-level rewrites before Markdown parsing: syntax that no markdown-it plugin parses.

Each rewrite is a linear scan with bounded patterns (no regular expression here can backtrack over
more than a few hundred characters), so hostile input costs time in proportion to its size.

- `drop_esm`: MDX `import ... from '...'` / `export const ...` paragraphs (Docusaurus).
- `strip_templates`: Hugo `{{< x >}}` / `{{% x %}}`, Liquid/Jinja `{% x %}`, `{{ x }}`, `{# x #}`,
  mdBook `{{#include x}}`: the tags go, paired tags keep their inner prose; `{% raw %}` keeps its
  content, `{% comment %}` drops it, `{% highlight %}` and Hugo's `highlight`/`code` are code blocks,
  Hugo's `figure` is its image's alt text and its caption.
- `strip_snippets`: MkDocs snippets `--8<-- "file.md"` (includes).
- `strip_docfx`: DocFX `[!INCLUDE[..](..)]`, `[!code-..[..](..)]`, `[!div ...]`, `[!VIDEO ...]`.
- `strip_attributes`: `## Title {#custom-id}`, attr_list `{ .class #id }`, kramdown `{: .x}` `{:toc}`,
  abbreviation definitions `*[HTML]: ...`.
- `unfold_tabs`: MkDocs Material content tabs (`=== "Label"` and a body indented 4 spaces) become
  the label as a short paragraph and the body at the tab's own indentation.
- `flatten_nesting`: containers nested deeper than narrate reads are read as if less nested
  (issue 9 item 15: markdown-it drops whatever lies past its nesting limit, without a word).
- `bound_brackets`: in a paragraph with a pathological number of `[` (more than MAX_OPEN_BRACKETS
  that can open nothing, or nested past MAX_BRACKET_DEPTH), those are escaped: markdown-it spends
  ~0.3 ms on each (a 100,000-`[` line took 29 s); an escaped `[` reads as an unmatched one.
"""

from __future__ import annotations

import html
import re

from .lazy_re import lazy_compile

MAX_MARKERS = 8  # block quote / list markers kept on one line
MAX_CONTAINERS = 8  # `:::` containers open at once
MAX_INDENT = 32  # columns of leading indentation kept; deeper lines become siblings at this depth

_ESM = lazy_compile(r"\A(?:import\s+(?:[\w*${},\s]{1,500}\s+from\s+)?['\"][^'\"\n]{1,500}['\"]|"
                    r"export\s+(?:const|let|var|function|default|class|async|\{|\*))")
_OPENER = lazy_compile(r"\{\{[<%]?|\{[%#]")
_CLOSER = {"{{<": ">}}", "{{%": "%}}", "{{": "}}", "{%": "%}", "{#": "#}"}
_BLANK_LINE = lazy_compile(r"\n[ \t]*\n")
_COMMENT = lazy_compile(r"\{%-?\s*comment\s*-?%\}\Z")
_END_COMMENT = lazy_compile(r"\{%-?\s*endcomment\s*-?%\}")
_HIGHLIGHT = lazy_compile(r"\{%-?\s*highlight\b|\{\{[<%]\s*(?:highlight|code)\b")
_END_HIGHLIGHT = lazy_compile(r"\{%-?\s*endhighlight\s*-?%\}|\{\{[<%]\s*/\s*(?:highlight|code)\s*[>%]\}\}")
_FIGURE = lazy_compile(r"\{\{[<%]\s*figure\b")
_PARAM = lazy_compile(r"(\w+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|`([^`]*)`)")


def _figure_html(tag: str) -> str:
    """`{{< figure src="a.png" alt="A cat" caption="Our cat" >}}` as the HTML it renders: its alt text
    and caption are read (with `images: alt`), its attributes never."""
    params = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _PARAM.finditer(tag)}
    alt = html.escape(params.get("alt", ""))
    caption = " ".join(html.escape(params[k], quote=False) for k in ("title", "caption", "attr") if params.get(k))
    caption = re.sub(r"[*`]|(?<!\w)_|_(?!\w)", "", caption)  # its Markdown marks
    return f'\n\n<figure><img alt="{alt}"><figcaption>{caption}</figcaption></figure>\n\n'


MAX_TAG = 500  # characters in one template tag; a longer "tag" is not one
MAX_COMMENT = 20_000  # characters in one {% comment %} block
_HEADING_ID = lazy_compile(r"^([ \t]{0,3}#{1,6}[ \t].*?)[ \t]*\{#[^{}\s]{1,200}\}[ \t]*$", re.M)
_ATTR_ITEM = r"(?:[.#][\w\-:]{1,100}|[\w\-]{1,100}=(?:\"[^\"\n]{0,200}\"|'[^'\n]{0,200}'|[^\s}]{1,200}))"
# Never right after `_`, `^` or `\`: `\sum_{i=1}` is math, not an attribute list.
_ATTRS = lazy_compile(r"(?<![_^\\])(?:[ \t]*\{:[^{}\n]{0,300}\}|[ \t]*\{[ \t]*" + _ATTR_ITEM + r"(?:[ \t]+" + _ATTR_ITEM +
                      r"){0,20}[ \t]*\})")
_ABBREVIATION = lazy_compile(r"^[ \t]{0,3}\*\[[^\[\]\n]{1,200}\]:.*$", re.M)
_SPAN = lazy_compile(r"(?<![!\\])\[([^\[\]\n]{1,300})\](?=\{[ \t]*[.#\w])(?=\{[^{}\n]{1,300}\})")
_DIV = lazy_compile(r"^([ \t]{0,3}:{3,}[ \t]*)\{[ \t]*\.([\w-]{1,60})[^{}\n]{0,300}\}[ \t]*$", re.M)
_TAB = lazy_compile(r"^([ ]*)===[!+]{0,2}[ \t]+\"([^\"\n]*)\"[ \t]*$")
_PREFIX = lazy_compile(r"(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)))+[ \t]?")
_FENCE_OPEN = lazy_compile(r"[ \t]{0,3}:{3,}[ \t]*([^:\s].*)\Z")
_FENCE_CLOSE = lazy_compile(r"[ \t]{0,3}:{3,}[ \t]*\Z")
_MARKER = lazy_compile(r">|[-+*]|\d{1,9}[.)]")
MAX_OPEN_BRACKETS = 32  # `[` that open nothing, per paragraph, before they are escaped
MAX_BRACKET_DEPTH = 8  # nested `[`; deeper means no link at all (none nests that deep), so all are escaped
_PARAGRAPHS = lazy_compile(r"(\n[ \t]*\n)")
_BACKTICKS = lazy_compile(r"`+")


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
        elif _FIGURE.match(tag):  # Hugo's figure: an image and its caption, as an HTML <figure> is read
            out += [source[pos:i], _figure_html(tag)]
            pos = end
            continue
        elif _HIGHLIGHT.match(tag) and (close := _END_HIGHLIGHT.search(source, end, end + MAX_COMMENT)):
            # Liquid `{% highlight ruby %}` / Hugo `{{< highlight go >}}`: code, read as a code block is
            code = source[end:close.start()].strip("\n")
            fence = "~" * max([3] + [len(run) + 1 for run in re.findall(r"~{3,}", code)])
            out += [source[pos:i], f"\n\n{fence}\n{code}\n{fence}\n\n"]
            pos = close.end()
            continue
        out += [source[pos:i], " "]
        pos = end
    out.append(source[pos:])
    return "".join(out)


_SNIPPET = r"[ \t]*;?-{1,3}8<-{1,3}"
_SNIPPET_LINE = lazy_compile(r"^" + _SNIPPET + r"[ \t]+(?:\"[^\"\n]{0,500}\"|'[^'\n]{0,500}'|\S{1,500})[ \t]*$", re.M)
_SNIPPET_BLOCK = lazy_compile(r"^" + _SNIPPET + r"[ \t]*\n(?:[^\n]{0,500}\n){0,100}?" + _SNIPPET + r"[ \t]*$", re.M)


_TOC_MARKER = lazy_compile(r"^[ \t]{0,3}(?:\[toc\]|\[\[_?toc_?\]\]|\$\{toc\}|\{\{<\s*toc\s*>\}\})[ \t]*$", re.M | re.I)
_KRAMDOWN_TOC = lazy_compile(r"^[ \t]{0,3}(?:[*+-]|\d{1,9}\.)[ \t][^\n]{0,200}\n[ \t]*\{:[ \t]*\.?toc[ \t]*\}[ \t]*$", re.M)
_KRAMDOWN_EXTENSION = lazy_compile(r"\{::[a-z]{1,30}(?:[ \t][^{}\n]{0,300})?/?\}|\{:/[a-z]{0,30}\}")


def drop_toc_markers(source: str) -> str:
    """Table-of-contents markers render as a list of the headings, never as words: `[TOC]`
    (Python-Markdown, Typora), `[[_TOC_]]` (GitLab), `[[toc]]` (VuePress), `${toc}`, Hugo `{{< toc >}}`,
    kramdown's `* TOC` + `{:toc}` list. Also kramdown's extensions: `{::comment}...{:/comment}` goes
    with its content, `{::nomarkdown}` and the like leave a space (it was "withraw" for "with raw")."""
    if "toc" in source.lower():
        source = _KRAMDOWN_TOC.sub("", _TOC_MARKER.sub("", source))
    if "{:" in source:
        source = _KRAMDOWN_EXTENSION.sub(" ", _drop_kramdown_comments(source))
    return source


def _drop_kramdown_comments(source: str) -> str:
    """`{::comment}...{:/comment}` removed; linear: each closer is searched for once, from its opener."""
    out, pos = [], 0
    while (start := source.find("{::comment}", pos)) >= 0:
        end = source.find("{:/comment}", start)
        if end < 0:
            break  # no closer after this opener: none after any later one either
        out.append(source[pos:start])
        pos = end + len("{:/comment}")
    return "".join(out) + source[pos:]


def strip_snippets(source: str) -> str:
    """MkDocs snippets (pymdownx.snippets) include other files: `--8<-- "file.md"`, a block of file
    names between two `--8<--` lines, and `;--8<--` (escaped): never spoken (was "--eight --")."""
    if "8<-" not in source:
        return source
    return _SNIPPET_LINE.sub("", _SNIPPET_BLOCK.sub("", source))


def strip_mdbook(source: str) -> str:
    """mdBook directives (`{{#include file.rs}}`, `{{#rustdoc_include ...}}`): never spoken."""
    return re.sub(r"\{\{#[^{}\n]{0,500}\}\}", " ", source) if "{{#" in source else source


# DocFX: includes and code includes (`[!INCLUDE[title](file.md)]`, `[!code-csharp[](Program.cs)]`) and
# `[!div class="..."]`, `[!VIDEO url]` markers, inline or on a quote's line.
_DOCFX = lazy_compile(r"\[!(?i:include|code(?:-[\w+#-]{1,30})?)\[[^\[\]\n]{0,300}\]\([^()\n]{0,500}\)\]|"
                      r"\[!(?i:div|video)[ \t][^\[\]\n]{0,500}\]")


def strip_docfx(source: str) -> str:
    """DocFX includes and markers (_DOCFX): never spoken (`[!INCLUDE[t](f.md)]` was read "INCLUDEt]")."""
    return _DOCFX.sub(" ", source) if "[!" in source else source


def strip_attributes(source: str) -> str:
    """Heading ids `{#id}`, attr lists `{ .c #id k=v }`, kramdown IALs `{: ...}` and abbreviation
    definitions (`*[HTML]: Hyper Text Markup Language`: Python-Markdown, PHP Markdown Extra, kramdown;
    rendered as nothing but a tooltip) removed."""
    if "*[" in source:
        source = _ABBREVIATION.sub("", source)
    if "{" not in source:
        return source
    if "]{" in source:  # a Pandoc span, `[small caps]{.smallcaps}`: its text
        source = _SPAN.sub(r"\1", source)
    if ":::" in source:  # a Pandoc div, `::: {.warning}`: its first class names it, as `::: warning`
        source = _DIV.sub(r"\1\2", source)
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


def bound_brackets(source: str) -> str:
    """In a paragraph where more than MAX_OPEN_BRACKETS `[` can open no link, image or footnote (no
    `]` closes them in the paragraph) or are nested deeper than MAX_BRACKET_DEPTH, escape (`\\[`)
    those that open nothing, or every `[` when the nesting is that deep. Other paragraphs are
    returned unchanged; code spans are left alone. Linear in the source's length."""
    if source.count("[") <= MAX_OPEN_BRACKETS:
        return source
    parts = _PARAGRAPHS.split(source)
    for i in range(0, len(parts), 2):
        if parts[i].count("[") > MAX_OPEN_BRACKETS:
            parts[i] = _escape_open_brackets(parts[i])
    return "".join(parts)


def _escape_open_brackets(text: str) -> str:
    run_at: dict[int, int] = {}  # backtick run start -> its length
    runs: dict[int, list[int]] = {}  # run length -> run starts in order, to find a code span's closer
    for m in _BACKTICKS.finditer(text):
        run_at[m.start()] = len(m.group(0))
        runs.setdefault(len(m.group(0)), []).append(m.start())
    taken: dict[int, int] = {}  # run length -> index of the first run of that length not yet passed
    stack: list[int] = []
    brackets: list[int] = []  # every `[` outside code spans and escapes
    closer: dict[int, int] = {}  # a matched `[` -> its `]`
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "`" and i in run_at:
            k = run_at[i]
            starts, j = runs[k], taken.get(k, 0)
            while j < len(starts) and starts[j] <= i:
                j += 1
            taken[k] = j + 1
            i = starts[j] + k if j < len(starts) else i + k  # past the closing run: a code span is text
            continue
        if c == "[":
            brackets.append(i)
            stack.append(i)
        elif c == "]" and stack:
            closer[stack.pop()] = i
        i += 1
    if len(stack) <= MAX_OPEN_BRACKETS and _depth(closer) <= MAX_BRACKET_DEPTH:
        return text
    # An unmatched `[` reads the same escaped. Past MAX_BRACKET_DEPTH every `[` goes: escaping only the
    # deep ones would leave each outer `[` scanning past all of them (depth x length); link syntax
    # left as text is still read as its text (md_speech).
    chosen = brackets if _depth(closer) > MAX_BRACKET_DEPTH else stack
    out, last = [], 0
    for at in chosen:
        out += [text[last:at], "\\"]
        last = at
    out.append(text[last:])
    return "".join(out)


def _depth(closer: dict[int, int]) -> int:
    """The deepest nesting of matched bracket pairs (unmatched `[` do not count)."""
    events = sorted([(a, 1) for a in closer] + [(b, -1) for b in closer.values()])
    depth = deepest = 0
    for _, step in events:
        depth += step
        deepest = max(deepest, depth)
    return deepest
