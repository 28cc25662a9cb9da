"""File names and paths in English documentation, as developers say them (English only; other languages
unchanged). Engines read "main.rs" as one word or spelled it, and "./configure" as "configure" or
symbols; a listener needs each part:

- A file with a known extension, alone or in folders: "main.rs" "main dot r s", "src/main.rs" "src slash
  main dot r s", "Cargo.toml" "Cargo dot toml", "cmd.exe" "cmd dot exe". An extension of up to three
  letters without a vowel is spelled ("r s", "p y", "p d b"), others said as words ("toml", "html").
- A relative or absolute path: "./configure" "dot slash configure", "../src/main.rs" "dot dot slash src
  slash main dot r s", "/etc/hosts" "slash etc slash hosts", Windows ".\\main" "dot backslash main"; one in
  folders without either where it is certainly one ("target/debug" "target slash debug", "a/b_c/d",
  "target\\debug").
- An extension or a dotfile named alone: "the .rs extension" "the dot r s extension", "a .gitignore
  file" "a dot gitignore file", ".env.local" "dot env dot local".

Not: web hosts ("example.com", said by web.py first), a file and its line ("main.rs:42", technical.py),
home paths ("~/.bashrc", shell.py), a library named with its extension ("Node.js", "Vue.js"), one letter
before a dot ("a.m.", "p.m."), numbers ("3.14"), and a slash between words ("and/or", "km/h": slashes.py).
"""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile

# Source, text, data and build files people name in prose.
EXTENSIONS = ("rs|py|pyi|js|mjs|cjs|ts|tsx|jsx|go|c|h|cc|cpp|hpp|cxx|java|kt|kts|scala|rb|php|cs|fs|swift|m|mm|"
              "sh|bash|zsh|ps1|pl|pm|lua|jl|ex|exs|erl|hs|ml|clj|dart|vue|svelte|sql|html|css|scss|md|rst|txt|"
              "toml|yaml|yml|json|ini|cfg|xml|gradle|tf|proto|zig|nim|R|r|exe|dll|lock|log|csv|pdb|bat|cmd|ipynb")
_PART = r"[\w-]+(?:\.[\w-]+)*"  # a folder or file name: dots inside only, a sentence's full stop is not its own
_BEFORE = r"(?<![\w./\\~:@$%&'’-])"  # not inside a word, an address, a home path, a variable or "'90s"
# A file: folders (after "./", "../" or "/") then a dotted name, taken whole (possessive: linear in the text);
# _file keeps it only if its last part is a known extension.
_FILE = lazy_compile(rf"{_BEFORE}((?:\.{{1,2}}[/\\]|/)?+(?:[\w-]++(?:\.[\w-]++)*+[/\\])*+)([\w-]++(?:\.[\w-]++)++)"
                     r"(?![\w/\\-]|\.\w)")
_EXTENSION_SET = frozenset(EXTENSIONS.split("|"))
_FILE_HINT = lazy_compile(rf"\.(?:{EXTENSIONS})(?!\w)")
# A path without an extension: relative ("./configure", "../lib") or absolute in two steps ("/etc/hosts").
_PATH = lazy_compile(rf"{_BEFORE}(\.{{1,2}}[/\\]|/(?=[A-Za-z_][\w.-]*/\w))({_PART}(?:[/\\]{_PART})*)(?![\w/\\-]|\.\w)")
# A path in folders with no lead and no extension, where its first folder is one projects have ("target/debug",
# "src/bin/tool") or it has three steps, one with a programmer's mark ("a/b_c/d"); "he/she/they", "TCP/IP" and
# "input/output" are words.
_FOLDERS = (r"src|target|lib|bin|usr|etc|var|tmp|opt|home|dist|build|docs|tests?|node_modules|vendor|include|"
            r"scripts|assets|public|static|config|examples|crates|packages|out")
_NAME = r"[A-Za-z_][\w-]*+(?:\.[\w-]++)*+"  # a step that starts as a name: "3/4/2025" is a date
_BARE_PATH = lazy_compile(rf"{_BEFORE}({_NAME}(?:[/\\]{_NAME})++)(?![\w/\\-]|\.\w)")
_BARE_HINT = lazy_compile(r"[/\\][A-Za-z_]")
_CODE_MARK = lazy_compile(r"[_\d.\\-]")
# An extension or a dotfile alone, after a space, a bracket or a quote: "the .rs extension", ".gitignore".
_DOTTED = lazy_compile(r"\.(?<![^\s(\[\"']\.)([a-z][a-z0-9]{0,11}(?:\.[a-z0-9]{1,12}){0,3})(?![\w.-]|\.\w)")
_LIBRARY = lazy_compile(r"[A-Z][A-Za-z0-9]*")  # "Node.js", "Vue.js": a library's name
HINT = lazy_compile(r"\.[A-Za-z/\\]|[/\\][\w.]")  # a literal first: the search skips to each "." "/" "\\"
_PATH_HINT = lazy_compile(r"\.[/\\]|/\w[\w.-]*/\w")
_SEPARATORS = {"/": " slash ", "\\": " backslash "}


def extension_words(extension: str) -> str:
    """ "rs" "r s", "py" "p y" (up to three letters, no vowel: spelled as developers say them), "toml" "toml"."""
    if len(extension) <= 3 and not re.search(r"[aeiou]", extension, re.IGNORECASE):
        return " ".join(extension)
    return extension


def path_words(path: str) -> str:
    """ "src/lib" "src slash lib", "./a.b" "dot slash a dot b": each separator and dot said."""
    out = re.sub(r"[/\\]", lambda m: _SEPARATORS[m.group(0)], path)
    return re.sub(r" {2,}", " ", re.sub(r"\.", " dot ", out)).strip()


def _file(m: re.Match[str]) -> str:
    folders, dotted = m.groups()
    name, _, extension = dotted.rpartition(".")
    if extension not in _EXTENSION_SET:
        return m.group(0)
    if not folders and len(name) == 1:
        return m.group(0)  # "p.m.", "a.m.", "M.Ed": one letter before a dot is an abbreviation
    if not folders and extension in ("js", "ts") and _LIBRARY.fullmatch(name):
        return m.group(0)  # "Node.js": a library's name
    return f"{path_words(folders + name)} dot {extension_words(extension)}"


def _bare_path(m: re.Match[str]) -> str:
    path = m.group(1)
    steps = re.split(r"[/\\]", path)
    if "\\" in path or re.fullmatch(_FOLDERS, steps[0]) or (len(steps) > 2 and _CODE_MARK.search(path)):
        return path_words(path)
    return path  # "he/she/they", "input/output": words


def replace_paths(text: str, lang: Lang) -> str:
    """`text` with the file names and paths of the module docstring said (English only)."""
    if lang.code != "en" or not HINT.search(text):
        return text
    if _FILE_HINT.search(text):
        text = _FILE.sub(_file, text)
    if "/" in text or "\\" in text:
        if _PATH_HINT.search(text):
            text = _PATH.sub(lambda m: path_words(m.group(1) + m.group(2)), text)
        if _BARE_HINT.search(text):
            text = _BARE_PATH.sub(_bare_path, text)
    if "." in text:
        text = _DOTTED.sub(lambda m: " dot ".join(["", *map(extension_words, m.group(1).split("."))]).strip(), text)
    return text
