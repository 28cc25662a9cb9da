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

from .lazy_re import lazy_compile

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
_FRAC = lazy_compile(r"\\[dt]?frac\s*" + _ARG + r"\s*" + _ARG)
_SQRT = lazy_compile(r"\\sqrt\s*(?:\[([^\[\]{}]{1,20})\])?\s*" + _ARG)
_TEXT = lazy_compile(r"\\(?:text|mathrm|mathbf|mathit|mathsf|mathtt|mathcal|mathbb|operatorname|boldsymbol)\s*" + _ARG)
_SUB = lazy_compile(r"_\s*(?:" + _ARG + r"|(\w))")
_POWER = lazy_compile(r"\^\s*(?:" + _ARG + r"|([A-Za-z]))")
_BOUND = r"(?:" + _ARG + r"|(\\[A-Za-z]+|\w))"
_BIG = lazy_compile(r"\\(sum|prod|int)\s*_\s*" + _BOUND + r"(?:\s*\^\s*" + _BOUND + r")?")
_BIG_NAMES = {"sum": "the sum", "prod": "the product", "int": "the integral"}
_SPACING = lazy_compile(r"\\(?:left|right|big|Big|bigg|Bigg)\b|\\[,;:! ]|\\q?quad\b|&|\\\\")
_COMPARISON = lazy_compile(r"\s*([<>]=?)\s*")
_COMMAND = lazy_compile(r"\\([A-Za-z]+)")
_SPACE = lazy_compile(r"\s+")


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


# ---------------------------------------------------------------- the written form, for captions
#
# A caption shows a formula as it is printed, in plain characters, never its LaTeX source: "$x^2$"
# "x²", "\frac{a+b}{2}" "(a+b)/2", "\sqrt{x}" "√x", "\alpha_1" "α₁", "\le" "≤". A sub- or superscript
# that Unicode has no characters for keeps its mark ("x^(n+k)" is not "xⁿ⁺ᵏ": no superscript k).

SHOWN_SYMBOLS = {
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "mp": "∓", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "ne": "≠", "neq": "≠", "approx": "≈", "equiv": "≡", "infty": "∞", "sum": "∑", "prod": "∏", "int": "∫",
    "to": "→", "rightarrow": "→", "Rightarrow": "⇒", "in": "∈", "notin": "∉", "subset": "⊂", "cup": "∪",
    "cap": "∩", "partial": "∂", "nabla": "∇", "ldots": "…", "cdots": "⋯", "dots": "…", "deg": "°", "circ": "°",
    "forall": "∀", "exists": "∃", "neg": "¬", "land": "∧", "lor": "∨", "mid": "∣", "lt": "<", "gt": ">",
}
GREEK_LETTERS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
assert set(GREEK_LETTERS) == GREEK  # the spoken and the shown forms know the same letters
_SUPERSCRIPTS = dict(zip("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", strict=True))
_SUBSCRIPTS = dict(zip("0123456789+-=()aeoxhklmnpstijruv", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", strict=True))
_SCRIPT = lazy_compile(r"([\^_])\s*(?:" + _ARG + r"|(\\[A-Za-z]+|\w))")
_ROOTS = {None: "√", "2": "√", "3": "∛", "4": "∜"}


def _grouped(part: str) -> str:
    """A fraction's or root's operand, in parentheses when it is more than one term."""
    part = part.strip()
    return f"({part})" if re.search(r"[\s+\-*/=]", part) else part


def _script(m: re.Match[str]) -> str:
    mark, body = m.group(1), (m.group(2) if m.group(2) is not None else m.group(3)).strip()
    table = _SUPERSCRIPTS if mark == "^" else _SUBSCRIPTS
    if body and all(c in table for c in body.replace(" ", "")):
        return "".join(table[c] for c in body.replace(" ", ""))
    return f"{mark}{body}" if len(body) == 1 or body.startswith("\\") else f"{mark}({body})"


def math_shown(tex: str) -> str:
    """A formula's LaTeX as a caption shows it (see above)."""
    text = tex.strip()
    for _ in range(8):  # innermost first, as math_words
        before = text
        text = _TEXT.sub(r"\1", text)
        text = _FRAC.sub(lambda m: f"{_grouped(m.group(1))}/{_grouped(m.group(2))}", text)
        text = _SQRT.sub(lambda m: _ROOTS.get(m.group(1), f"{m.group(1)}√") + _grouped(m.group(2)), text)
        if text == before:
            break
    text = _COMMAND.sub(lambda m: SHOWN_SYMBOLS.get(m.group(1)) or GREEK_LETTERS.get(m.group(1)) or m.group(1),
                        _SPACING.sub(" ", text))
    for _ in range(4):  # `x^{2^{3}}`: inner scripts first
        text, n = _SCRIPT.subn(_script, text)
        if not n:
            break
    text = _SPACE.sub(" ", text.replace("{", "").replace("}", ""))
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text)).strip()
