"""MathJax's and Pandoc's LaTeX delimiters, `\\(...\\)` inline and `\\[...\\]` on lines of their own, as
math tokens like dollarmath's ("math_inline", "math_block"): CommonMark reads them as escaped brackets
around LaTeX, said ("y_i") and captioned as its source.

mdit-py-plugins' texmath "brackets" rules are not used: its block rule takes any paragraph opening
with `\\[` (a reference list's "\\[1\\] Smith, J. (2020)..." lost all but its "1").
"""

from __future__ import annotations

from typing import Any


def _inline(state: Any, silent: bool) -> bool:
    """`\\(x^2\\)`: the math between, on one paragraph's text."""
    start = state.pos
    if not state.src.startswith("\\(", start):
        return False
    end = state.src.find("\\)", start + 2)
    if end < 0 or not state.src[start + 2:end].strip():
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = state.src[start + 2:end]
        token.markup = "\\("
    state.pos = end + 2
    return True


def _block(state: Any, start_line: int, end_line: int, silent: bool) -> bool:
    """`\\[` ... `\\]` where the opening line starts with `\\[` and a line ends with `\\]` (the same line
    or a later one, before a blank line), with nothing after it."""
    if state.sCount[start_line] - state.blkIndent >= 4:  # an indented code block
        return False
    first = state.src[state.bMarks[start_line] + state.tShift[start_line]:state.eMarks[start_line]].rstrip()
    if not first.startswith("\\["):
        return False
    lines, line = [first[2:]], start_line
    while not lines[-1].endswith("\\]"):
        line += 1
        if line >= end_line:
            return False
        text = state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]].rstrip()
        if not text:
            return False
        lines.append(text)
    if "\\]" in lines[-1][:-2] or (len(lines) == 1 and not lines[0][:-2].strip()):
        return False  # "\[1\] Smith \]": a closing bracket before the end is no display math
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = "\n".join(lines)[:-2]
    token.markup = "\\["
    token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def texmath_brackets(md: Any) -> None:
    """Add the two rules to a markdown-it parser (before its escapes and fences)."""
    md.inline.ruler.before("escape", "math_inline_brackets", _inline)
    md.block.ruler.before("fence", "math_block_brackets", _block, {"alt": ["paragraph", "reference", "blockquote"]})
