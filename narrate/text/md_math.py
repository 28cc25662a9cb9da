"""Math (`$a^2 + b^2$`, `$$E = mc^2$$`, a `$$` block: GitHub, MyST, Obsidian, Pandoc) read as a
person reads a simple formula aloud, never its dollar signs ("dollars") nor its LaTeX commands.

The formula's text is kept for the normaliser, which already says `^2` ("to the power of two"),
`=`, `≤` and numbers in the book's language; here only LaTeX is turned into that text: `\\frac{a}{b}`
-> "a over b", `\\sqrt{x}` -> "the square root of x", `x_{i}` -> "x sub i", Greek letters and common
operators by name, font and text commands by their argument, spacing commands and braces dropped.
The words are English, like the front-end's others ("less than", "Code example omitted.").
"""

from __future__ import annotations

import re

SYMBOLS = {
    "times": " times ",
    "cdot": " times ",
    "div": " divided by ",
    "pm": " plus or minus ",
    "mp": " minus or plus ",
    "le": " ≤ ",
    "leq": " ≤ ",
    "ge": " ≥ ",
    "geq": " ≥ ",
    "ne": " ≠ ",
    "neq": " ≠ ",
    "approx": " ≈ ",
    "equiv": " is equivalent to ",
    "infty": " infinity ",
    "sum": " the sum of ",
    "prod": " the product of ",
    "int": " the integral of ",
    "to": " to ",
    "rightarrow": " to ",
    "Rightarrow": " implies ",
    "in": " in ",
    "notin": " not in ",
    "subset": " subset of ",
    "cup": " union ",
    "cap": " intersection ",
    "partial": " partial ",
    "nabla": " nabla ",
    "ldots": " ... ",
    "cdots": " ... ",
    "dots": " ... ",
    "lim": " the limit ",
    "log": " log ",
    "ln": " natural log of ",
    "sin": " sine ",
    "cos": " cosine ",
    "tan": " tangent ",
    "exp": " exp ",
    "max": " max ",
    "min": " min ",
    "deg": " degrees ",
    "circ": " degrees ",
    "forall": " for all ",
    "exists": " there exists ",
    "neg": " not ",
    "land": " and ",
    "lor": " or ",
    "mid": " divides ",
}
GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Phi",
    "Psi",
    "Omega",
}
_ARG = r"\{([^{}]{0,200})\}"
_FRAC = re.compile(r"\\[dt]?frac\s*" + _ARG + r"\s*" + _ARG)
_SQRT = re.compile(r"\\sqrt\s*(?:\[([^\[\]{}]{1,20})\])?\s*" + _ARG)
_TEXT = re.compile(r"\\(?:text|mathrm|mathbf|mathit|mathsf|mathtt|mathcal|mathbb|operatorname|boldsymbol)\s*" + _ARG)
_SUB = re.compile(r"_\s*(?:" + _ARG + r"|(\w))")
_POWER = re.compile(r"\^\s*(?:" + _ARG + r"|([A-Za-z]))")
_BOUND = r"(?:" + _ARG + r"|(\\[A-Za-z]+|\w))"
_BIG = re.compile(r"\\(sum|prod|int)\s*_\s*" + _BOUND + r"(?:\s*\^\s*" + _BOUND + r")?")
_BIG_NAMES = {"sum": "the sum", "prod": "the product", "int": "the integral"}
_SPACING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)\b|\\[,;:! ]|\\q?quad\b|&|\\\\")
_COMPARISON = re.compile(r"\s*([<>]=?)\s*")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_SPACE = re.compile(r"\s+")


def _command(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in SYMBOLS:
        return SYMBOLS[name]
    return f" {name.lower()} " if name in GREEK else f" {name} "


def math_words(tex: str) -> str:
    """A formula's LaTeX as text to be read (see the module docstring)."""
    text = tex.strip()
    for _ in range(8):  # innermost first: \frac{\sqrt{x}}{2}
        before = text
        text = _TEXT.sub(r" \1 ", text)
        text = _BIG.sub(_big, text)
        text = _FRAC.sub(r" \1 over \2 ", text)
        text = _SQRT.sub(lambda m: f" the {_root(m.group(1))} root of {m.group(2)} ", text)
        text = _POWER.sub(_power, text)
        text = _SUB.sub(lambda m: f" sub {m.group(1) or m.group(2)} ", text)
        if text == before:
            break
    text = _COMMAND.sub(_command, _SPACING.sub(" ", text))
    text = _COMPARISON.sub(r" \1 ", text)  # `a<b`: a comparison is said only between spaces
    text = _SPACE.sub(" ", text.replace("{", " ").replace("}", " ")).strip()
    return text.replace(" ^", "^")  # `\sigma^2`: the normaliser reads a power only glued to its base


def _big(m: re.Match[str]) -> str:
    """`\\sum_{i=1}^{n}` -> "the sum from i=1 to n of", `\\sum_{k}` -> "the sum over k of"."""
    low, high = m.group(2) or m.group(3), m.group(4) or m.group(5)
    name = _BIG_NAMES[m.group(1)]
    return f" {name} from {low} to {high} of " if high else f" {name} over {low} of "


def _power(m: re.Match[str]) -> str:
    """`^{2}` -> `^2`, which the normaliser says ("to the power of two"); `^{n}`, `^n` -> "to the n"."""
    exponent = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
    return "^" + exponent if exponent.isdigit() else f" to the {exponent} "


def _root(index: str | None) -> str:
    return {None: "square", "2": "square", "3": "cube"}.get(index, f"{index}th")
