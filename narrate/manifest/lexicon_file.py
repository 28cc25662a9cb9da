"""A manifest's lexicon file (`lexicon: FILE`, YAML or W3C PLS): read through the input gate, checked
against the model and its rules, and warned of where its languages miss the manifest's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ManifestError, Problem
from ..errors import shown as show
from .inputs import MAX_MANIFEST_BYTES, beside
from .located import Located, checked_input
from .resolved import Manifest

if TYPE_CHECKING:
    from .loader import Key, LineTable


def read_lexicon(c: Located, man: Manifest, name: str, root: Path, project: Path) -> Any:
    """Read and check the lexicon file `name`; its YAML document when it is sound, else None."""
    from pydantic import ValidationError

    from .core import Checker
    from .lexicon_rules import check_lexicon
    from .loader import load_yaml_file
    from .model import Lexicon
    from .pls_input import load_pls_file, looks_like_pls
    from .problems import from_validation

    path = root / name
    if not checked_input(c, ("lexicon",), name, path, project, limit=MAX_MANIFEST_BYTES):
        return None
    try:
        doc = (load_pls_file if looks_like_pls(path) else load_yaml_file)(path, beside(c.file, show(name)))
    except ManifestError as exc:
        line = c.lines.line(("lexicon",))
        c.problems += [Problem(c.file, line, "lexicon", f"{p.file}: {p.message}") if p.line is None else p
                       for p in exc.problems]
        return None
    c.problems += doc.problems
    if not isinstance(doc.data, dict):
        hint = ("; a W3C PLS lexicon is read from a file named *.pls or *.xml"
                if isinstance(doc.data, str) and doc.data.lstrip().startswith("<") else "")
        c.problems.append(Problem(doc.path, doc.lines.line(()), "", f"a lexicon is a mapping of term: replacement, "
                                  f"got {_kind(doc.data)}{hint}"))
        return None
    try:
        spec = Lexicon.model_validate(doc.data)
    except ValidationError as exc:
        c.problems += from_validation(exc, Lexicon, doc.lines, doc.path)
        return None
    checker = Checker(doc.path, doc.lines)
    check_lexicon(checker, spec, ())
    c.problems += checker.problems
    if checker.problems:
        return None
    man.lexicon, man.lexicon_source, man.lexicon_path = doc.data, name, path.resolve()
    return doc


def lexicon_language_warnings(c: Located, man: Manifest, data: dict[str, Any], file: str, lines: LineTable,
                       prefix: Key) -> None:
    """Warn of a lexicon language that is a near miss of the manifest's: `en-GB` or `es-MX` where the
    prompts are en-US or es-US, whose rules are then never applied. A language covers its regional
    tags, whatever the spelling (`es` and `es_us` cover es-US: `text.lexicon.language_ranges`); a
    language the manifest has nothing near is left alone, since one lexicon may serve several manifests."""
    from ..text.lexicon import language_ranges
    from .problems import key_path

    spoken = [*dict.fromkeys([*(code for lib in man.libraries for code in lib.languages),
                              *(book.language for book in man.books)])]
    covered = {r for tag in spoken for r in language_ranges(tag)}
    languages = data.get("languages")
    for lang in languages if isinstance(languages, dict) else ():
        folded = language_ranges(str(lang))
        if not folded or folded[0] in covered:
            continue
        near = [tag for tag in spoken if language_ranges(tag)[-1] == folded[-1]]
        if near:
            where = (*prefix, "languages", lang)
            c.warnings.append(Problem(file, lines.line(where), key_path(where),
                                      f"these rules apply only to text in {show(str(lang))}, and no prompt or book "
                                      f"is; the manifest has {', '.join(near)} (a lexicon language covers its own "
                                      f"regions only: write these rules under {near[0]}, or under "
                                      f"{folded[-1]} for every region)"))


def _kind(value: Any) -> str:
    from .problems import kind

    return kind(value)
