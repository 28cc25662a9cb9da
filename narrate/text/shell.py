"""Shell notation in English documentation, as developers say it (English only; other languages unchanged).
Engines said these as symbols or dropped them ("~/.bashrc", "$HOME", "%PATH%" were left as written):

- A path in the home directory: "~/.bashrc" "tilde slash dot bashrc", "~/.config/nvim/init.lua" "tilde
  slash dot config slash nvim slash init dot lua". Only after "~/": "~5" stays "about five" (signs.py).
- A shell variable: "$HOME", "${XDG_CONFIG_HOME}" "dollar HOME", "dollar XDG_CONFIG_HOME". A variable
  is in braces, holds an underscore, or is one of the common ones (_VARIABLES): "$AAPL" is a ticker, "$5"
  an amount, both left to the later passes.
- A Windows variable: "%PATH%", "%AppData%" "percent PATH percent".
"""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile

_HOME_PATH = lazy_compile(r"(?<![\w~/])~/((?:[\w.-]*\w)?(?:/[\w.-]*\w)*)")
_VARIABLES = frozenset({"HOME", "PATH", "USER", "SHELL", "PWD", "TERM", "LANG", "EDITOR", "VISUAL", "PAGER",
                        "TMPDIR", "TEMP", "TMP", "HOSTNAME", "DISPLAY", "CC", "CXX", "CFLAGS", "LDFLAGS", "GOPATH"})
_VARIABLE = lazy_compile(r"(?<![\w$])\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Z][A-Z0-9_]*))(?![\w{])")
# A name with a letter anywhere: "%1st%" said at once, as "%first%" (its ordinal read) would be on a second run.
_WINDOWS_VARIABLE = lazy_compile(r"(?<![\w%])%((?=\w*[A-Za-z_])[A-Za-z0-9_]+)%(?![\w%])")
HINT = lazy_compile(r"~/|\$\{?[A-Za-z_]|%\w*[A-Za-z_]\w*%")


def _path(path: str) -> str:
    """ "~/.config/init.lua" after its "~/": "dot config slash init dot lua"."""
    return " slash ".join(re.sub(r"\.", " dot ", part).strip() for part in path.split("/"))


def _variable(m: re.Match[str]) -> str:
    braced, bare = m.groups()
    # "$CXX0" as "$CXX": its digits become words ("CXX zero"), and a second reading would find "$CXX"
    if bare and "_" not in bare and bare.rstrip("0123456789") not in _VARIABLES:
        return m.group(0)
    return f"dollar {braced or bare}"


def replace_shell(text: str, lang: Lang) -> str:
    """`text` with the shell notation of the module docstring said (English only)."""
    if lang.code != "en" or not HINT.search(text):
        return text
    if "~/" in text:
        text = _HOME_PATH.sub(lambda m: "tilde slash" + (f" {_path(m.group(1))}" if m.group(1) else ""), text)
    if "$" in text:
        text = _VARIABLE.sub(_variable, text)
    if "%" in text:
        text = _WINDOWS_VARIABLE.sub(r"percent \1 percent", text)
    return text
