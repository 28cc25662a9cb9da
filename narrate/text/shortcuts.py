"""Keyboard shortcuts as people say them (English only; other languages unchanged).

"Ctrl+C" was left to the engine, which says "C T R L plus C" or "ctrl C"; "Cmd+Shift+P" "C M D plus
Shift plus P"; "Alt+F4" was "Alt+F four". A shortcut, one modifier or more joined by "+" or "-" (spaces
around "+" allowed) and then a key, is said with the modifiers' names and no joiners, as the menus
and manuals are read aloud: "Control C", "Command Shift P", "Alt F4" ("Alt F four" once the numbers are
read), "Control Alt Delete". A key that is a letter is said as its capital (its name); a sign by its name
("Ctrl+/" "Control slash"). Only after a modifier: "C+" and "A-" are grades, "Shift" alone a word.
"""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile

_MODIFIERS = {"ctrl": "Control", "control": "Control", "cmd": "Command", "command": "Command", "⌘": "Command",
              "alt": "Alt", "option": "Option", "opt": "Option", "⌥": "Option", "shift": "Shift", "⇧": "Shift",
              "⌃": "Control", "win": "Windows", "meta": "Meta", "super": "Super", "fn": "Function"}
_KEYS = {"esc": "Escape", "escape": "Escape", "del": "Delete", "delete": "Delete", "ins": "Insert",
         "insert": "Insert", "enter": "Enter", "return": "Return", "tab": "Tab", "space": "Space",
         "backspace": "Backspace", "home": "Home", "end": "End", "pgup": "Page Up", "pgdn": "Page Down",
         "pageup": "Page Up", "pagedown": "Page Down", "up": "Up", "down": "Down", "left": "Left", "right": "Right"}
_SIGNS = {",": "comma", ".": "period", "/": "slash", ";": "semicolon", "'": "quote", "[": "left bracket",
          "]": "right bracket", "\\": "backslash", "`": "backtick", "=": "equals", "-": "minus", "+": "plus"}
_MODIFIER = r"(?i:ctrl|control|cmd|command|alt|option|opt|shift|win|meta|super|fn)|[⌘⌥⇧⌃]"
_KEY = (r"(?i:esc|escape|delete|del|insert|ins|enter|return|tab|space|backspace|home|end|pgup|pgdn|pageup|"
        r"pagedown|up|down|left|right)(?![A-Za-z])|F\d{1,2}(?!\d)|[A-Za-z0-9](?![A-Za-z0-9])|[,./;'\[\]\\`=+-]")
# A modifier joined by "+" (spaced or not), or by "-" or nothing after a symbol ("⌘C", "Ctrl-C").
_SHORTCUT = lazy_compile(rf"(?<![\w+-])((?:(?:{_MODIFIER})(?:\s?\+\s?|-|(?<=[⌘⌥⇧⌃])))+)({_KEY})(?![\w+])")
_ONE_MODIFIER = lazy_compile(_MODIFIER)
HINT = lazy_compile(r"(?i:ctrl|cmd|alt|shift|option|opt|win|meta|super|fn|control|command)\s?[+-]|[⌘⌥⇧⌃]")


def _shortcut(m: re.Match[str]) -> str:
    modifiers, key = m.groups()
    if "+" not in modifiers and not any(c in modifiers for c in "⌘⌥⇧⌃") and not modifiers[0].isupper():
        return m.group(0)  # "alt-right", "opt-in": a lower-case word and a hyphen is a compound, no shortcut
    names = [_MODIFIERS[w.lower()] for w in _ONE_MODIFIER.findall(modifiers)]
    if key.lower() in _KEYS:
        said = _KEYS[key.lower()]
    elif key in _SIGNS:
        said = _SIGNS[key]
    else:
        said = key.upper() if len(key) == 1 else key
    return " ".join([*names, said])


def replace_shortcuts(text: str, lang: Lang) -> str:
    """`text` with its keyboard shortcuts said (see the module docstring)."""
    if lang.code != "en" or not HINT.search(text):
        return text
    return _SHORTCUT.sub(_shortcut, text)
