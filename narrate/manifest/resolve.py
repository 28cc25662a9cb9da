"""The manifest's I/O: loading it, then resolving what it names on disk: globs, order files,
lexicon files, output folders. The files themselves are read through `inputs.read_input` (bounded,
regular files only, inside the project), so the model (`model.py`, `core.py`) stays pure.
"""

from __future__ import annotations

import glob as globlib
import os
import re
from collections import Counter
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ManifestError, Problem, utf8_problem
from ..errors import shown as show
from .inputs import (
    MAX_COVER_BYTES,
    MAX_TEXT_BYTES,
    check_cover,
    project_root,
    read_input,
)
from .lexicon_file import lexicon_language_warnings, read_lexicon
from .located import Located, checked_input
from .names import MAX_PATH_BYTES, TEMP_NAMED, nfc, path_problem, temp_named
from .resolved import Book, Manifest

if TYPE_CHECKING:
    from .loader import Key, LineTable
    from .resolved import Draft

# ---------------------------------------------------------------- books


def summary_links(summary: Path) -> list[Path]:
    """The Markdown files a SUMMARY.md-style file links to, resolved, in link order (may raise ManifestError).
    Every CommonMark link form counts (narrate.manifest.summary)."""
    from .summary import link_paths

    text = read_input(summary, limit=MAX_TEXT_BYTES).decode("utf-8", errors="replace")
    return list(dict.fromkeys((summary.parent / link).resolve() for link in link_paths(text)))


# ---------------------------------------------------------------- the manifest


def load_manifest(path: Path | str, *, memo: Path | None = None, cache: Path | None = None) -> Manifest:
    """Load, validate and resolve a manifest. Raises ManifestError listing every problem.

    Steps: `loader` (bounded YAML -> data + line table), `core.validate` (pure), then this
    module's resolution: outputs resolved, license/cover/lexicon/order files checked, chapters found.
    `memo`: the file of the last validation (narrate.manifest.replay), read here, so a manifest whose
    prompt texts alone changed is not validated through the models again; a new one is written only
    by `Manifest.save_validation_memo`, once a build is under way. `cache`: the segment cache's
    folder, which no output folder may overlap (`cache_overlap`).
    """
    from .loader import paused_gc

    with paused_gc():
        return _load_manifest(Path(path), memo, cache)


def _load_manifest(path: Path, memo: Path | None = None, cache: Path | None = None) -> Manifest:
    from . import replay
    from .advice import library_warnings
    from .loader import load_yaml_file

    shown = show(str(path))
    why = utf8_problem(path.resolve())
    if why:  # its path keys the cache's state and the lock: refused before either is touched
        raise ManifestError([Problem(shown, None, "", why)])
    doc = load_yaml_file(path, shown)
    root = path.resolve().parent
    digest = replay.shape_digest(doc.data, root) if memo is not None else None
    known = replay.read(memo, digest) if memo is not None and digest is not None else None
    draft = replay.replay(known, doc.data, doc.lines, shown, path.resolve()) if known is not None else None
    template = None
    if draft is None:
        from .core import validate

        draft = validate(doc.data, doc.lines, shown, root)
        draft.manifest.path = path.resolve()
        if digest is not None and not doc.problems:
            template = replay.template(draft, doc.data)
    c = Located(shown, doc.lines, [*doc.problems, *draft.problems])
    _resolve(c, draft, root)
    if cache is not None:
        _check_cache_apart(c, draft.manifest, cache)
    if c.problems:
        raise ManifestError(sorted(dict.fromkeys(c.problems), key=lambda p: (p.line or 0, p.key_path)))
    manifest = draft.manifest
    manifest.source_sha256 = doc.sha256
    manifest.shown = shown
    manifest.warnings += c.warnings  # e.g. sources an order file does not link
    if template is not None and memo is not None and digest is not None:
        manifest.unsaved_memo = (memo, digest, template)  # written by save_validation_memo, once the build is under way
    for lib in manifest.libraries:
        if lib.missing_translation == "warn":
            for code, names in lib.missing.items():
                listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
                where = ("libraries", lib.name, "languages", code)  # located where the language is declared
                manifest.warnings.append(Problem(shown, doc.lines.line(where), ".".join(where),
                                                 f"{len(names)} prompt(s) missing in {code}: {listed}"))
        manifest.warnings += library_warnings(  # numbers, untranslated, length; fallbacks; Windows names
            lib, shown, partial(_language_path_line, doc.lines, lib.name))
    if doc.aliases:  # an anchored node's advice once, not once per alias use
        from .alias_repeats import fold_alias_repeats

        manifest.warnings = fold_alias_repeats(manifest.warnings, doc.aliases)
    return manifest


def _resolved_output(man: Manifest, folder: Path) -> Path:
    """`folder` with its links resolved, as the manifest's outputs use it; remembered in
    `output_folders` (see there)."""
    resolved = folder.resolve()
    man.output_folders[str(folder)] = str(resolved)
    return resolved


def _language_path_line(lines: LineTable, library: str, code: str) -> int | None:
    return lines.line(("libraries", library, "languages", code, "path"))


def _resolve(c: Located, draft: Draft, root: Path) -> None:
    man = draft.manifest
    project = project_root(root)
    if draft.lexicon_file is not None:
        doc = read_lexicon(c, man, draft.lexicon_file, root, project)
        if doc is not None:
            lexicon_language_warnings(c, man, doc.data, doc.path, doc.lines, ())
    elif isinstance(man.lexicon, dict):
        lexicon_language_warnings(c, man, man.lexicon, c.file, c.lines, ("lexicon",))
    for lib in man.libraries:
        license = draft.licenses.get(lib.name)
        key = ("libraries", lib.name)
        lib.output = _resolved_output(man, lib.output)
        if license and checked_input(c, (*key, "license"), license, root / license, project, limit=MAX_TEXT_BYTES):
            lib.license = (root / license).resolve()
        _library_paths(c, lib, key)
    for book in man.books:
        from .publishing import check_artwork, cover_size_problem  # the models: books never replay (manifest.replay)

        book_spec = draft.book_specs[book.name]
        key = ("books", book.name)
        book.output = _resolved_output(man, book.output)
        why = path_problem(str(book.output))
        if why:
            c.add((*key, "output"), why)
        cover_ok = not book_spec.cover or checked_input(c, (*key, "cover"), book_spec.cover, root / book_spec.cover,
                                                 project, limit=MAX_COVER_BYTES)
        if book_spec.cover and cover_ok:
            book.cover = (root / book_spec.cover).resolve()
            why = check_cover(book.cover)
            if why:
                c.add((*key, "cover"), f"{show(book_spec.cover)}: {why}")
            elif book.profile.cover_min_px and (why := cover_size_problem(book.cover, book.profile.cover_min_px)):
                c.warn((*key, "cover"), f"{why} (the files carry it as it is)")
        art = book.feed.image_file if book.feed else None
        art_ok = art is None or checked_input(c, (*key, "feed", "image"), (book_spec.feed and book_spec.feed.image) or art,
                                       art, project, limit=MAX_COVER_BYTES)
        if cover_ok and art_ok:  # a refused file is never read, not even for its size
            book.feed = check_artwork(c, book.feed, book.cover, key)
        before = len(c.problems)
        book.chapters = _chapters(c, book_spec, key, root, project)
        if not book.chapters and len(c.problems) == before:  # else those problems say why
            # A book of no chapter has nothing to assemble (its MP3 and M4B were an IndexError).
            listed = not isinstance(book_spec.order, list) or book_spec.sources == []
            c.add((*key, "sources" if listed else "order"),
                  "no chapter file: `sources:` lists none" if listed else
                  "no chapter file: the order lists none of the sources")
        sources = book_spec.sources
        book.source_globs = [str(root / p) for p in ([sources] if isinstance(sources, str) else sources)]
        _chapter_settings(c, book, key, root)
        if isinstance(book_spec.order, str) and book_spec.order != "name":
            book.order_file = (root / book_spec.order).resolve()
    _check_overlap(c, man)


def _chapter_settings(c: Located, book: Book, key: Key, root: Path) -> None:
    """`chapters:` keys -> chapter files (by file name, or path relative to the manifest); the sample's chapter exists."""
    for written, settings in book.chapter_specs.items():
        found = [p for p in book.chapters if p.name == written or p == (root / written).resolve()]
        if len(found) != 1:
            c.add((*key, "chapters", written), "no chapter file of this book has this name" if not found else
                  f"{len(found)} chapter files have this name: give the path relative to the manifest")
        elif found[0] in book.chapter_settings:
            c.add((*key, "chapters", written), "this chapter is already given under another name")
        else:
            book.chapter_settings[found[0]] = settings
    if book.sample is not None and book.chapters and book.sample.chapter > len(book.chapters):
        c.add((*key, "sample", "chapter"), f"the book has {len(book.chapters)} chapter(s)")


def _library_paths(c: Located, lib: Any, key: Key) -> None:
    """Every file the library will write fits the filesystem's name and path limits."""
    out = str(lib.output)
    why = path_problem(out)
    if why:
        c.add((*key, "output"), why)
        return
    folder = max((len(lang.path.encode()) for lang in lib.languages.values()), default=0)
    room = MAX_PATH_BYTES - len(out.encode()) - folder - 64  # 64: format and rate folders, extension
    for prompt in lib.prompts:
        size = len(prompt.name.encode())
        if ".narrate-" in prompt.name and temp_named(prompt.name):
            c.add((*key, "prompts", prompt.name), TEMP_NAMED, line=prompt.line)
            continue
        if lib.layout != "pattern" and size < min(room, 200) and (lib.layout != "flat" or size < 200):
            continue  # cannot reach either limit: skip the exact check (a pattern's own text can be long)
        for fmt in lib.formats:
            rel = lib.file_path(prompt.language, prompt.name, fmt)
            why = path_problem(f"{out}/{rel}")
            if rel == "index.json":
                why = "the layout puts this prompt's file on the library's index.json"
            elif temp_named(rel):
                why = TEMP_NAMED
            if why:
                c.add((*key, "prompts", prompt.name), why, line=prompt.line)
                break


def _chapters(c: Located, spec: Any, key: Key, root: Path, project: Path) -> list[Path]:
    patterns = [spec.sources] if isinstance(spec.sources, str) else list(spec.sources)
    files: list[Path] = []
    for pattern in patterns:
        matched = sorted(Path(p) for p in globlib.glob(str(root / pattern), recursive=True))
        if not matched:
            c.add((*key, "sources"), f"no file matches {show(repr(pattern))}")
        elif all(p.is_dir() for p in matched):
            c.add((*key, "sources"), f"{show(repr(pattern))} matches only folders, not chapter files")
        for p in matched:
            if p.is_dir():
                continue  # `chapters/*` also matches folders: not chapters
            written = str(p) if os.path.isabs(pattern) else os.path.relpath(p, root)
            if checked_input(c, (*key, "sources"), written, p, project, limit=MAX_TEXT_BYTES):
                files.append(p.resolve())
    order = spec.order if spec.order is not None else "name"
    okey = (*key, "order")
    if order == "name":
        return sorted(dict.fromkeys(files), key=lambda p: _natural_key(p.name))
    if isinstance(order, list):
        by_name = {p.name: p for p in files}
        named = Counter(p.name for p in dict.fromkeys(files))  # two sources of one name: an item is ambiguous
        chosen, listed = [], set()
        for item in order:
            if named[item] > 1:
                c.add(okey, f"{show(repr(item))} names {named[item]} of the sources (in different folders): "
                            "give them distinct file names")
            elif item in listed:
                c.add(okey, f"{show(repr(item))} is listed twice; list each chapter once")
            elif item not in by_name:
                from .problems import hint_for

                c.add(okey, f"{show(repr(item))} is not among the sources" + (
                    f" (did you mean {hint}?)" if (hint := hint_for(item, by_name)) else ""))
            else:
                chosen.append(by_name[item])
            listed.add(item)
        for p in dict.fromkeys(files):  # as for an order file: not built, but never dropped unsaid
            if p.name not in listed:
                c.warn(okey, f"{show(os.path.relpath(p, root))} is among the sources but not in the order list: "
                       "not built")
        return chosen
    if not checked_input(c, okey, order, root / order, project, limit=MAX_TEXT_BYTES):
        return files
    summary = (root / order).resolve()
    wanted = set(files)
    chosen = list(dict.fromkeys(p for p in summary_links(summary) if p in wanted))
    if not chosen:
        c.add(okey, f"{show(order)} links to none of the sources")
        return chosen
    linked = set(chosen)
    for p in dict.fromkeys(files):  # not built, as before, but never dropped unsaid
        if p not in linked and p != summary:
            c.warn(okey, f"{show(os.path.relpath(p, root))} is among the sources but {show(order)} does not link it: "
                   "not built")
    return chosen


def _folded(path: Path) -> Path:
    """`path` as a case-insensitive, Unicode-normalising filesystem (macOS, Windows) tells folders apart."""
    return Path(nfc(str(path)).casefold())


def _nested(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


def overlapping(a: Path, b: Path) -> bool:
    """Whether folders `a` and `b` are one, or one holds the other, on any filesystem (case and Unicode form ignored)."""
    return _nested(_folded(a), _folded(b))


def _check_overlap(c: Located, man: Manifest) -> None:
    seen: dict[Path, str] = {}
    targets = [(("libraries", lib.name), lib.output) for lib in man.libraries]
    targets += [(("books", b.name), b.output) for b in man.books]
    for key, out in targets:
        where = ".".join(key)
        if out == man.root or out in man.root.parents:
            c.add((*key, "output"), "output must be a dedicated folder, not the manifest's folder or above")
        for other, other_where in seen.items():
            if _nested(out, other):
                c.add((*key, "output"), f"overlaps the output of {show(other_where)}")
            elif _nested(_folded(out), _folded(other)):  # as prompt names are: one folder on macOS or Windows
                c.add((*key, "output"), f"overlaps the output of {show(other_where)} on case-insensitive or "
                      "Unicode-normalising filesystems (folders are compared in NFC, ignoring case)")
        seen[out] = where
    if man.package.get("output"):  # archives and SHA256SUMS: a folder of their own, like any output
        packages = (man.root / str(man.package["output"])).resolve()
        if packages == man.root or packages in man.root.parents:
            c.add(("package", "output"), "output must be a dedicated folder, not the manifest's folder or above")
        else:  # archives and SHA256SUMS among the sounds deployed to a PBX, or a library's files in a release folder
            for out, where in seen.items():
                if overlapping(packages, out):
                    c.add(("package", "output"), f"overlaps the output of {show(where)}; release archives need a "
                          "folder of their own")
                    break
    for book in man.books:  # a chapter among outputs: the next build would read its own MP3 or M3U aloud
        for chapter in book.chapters:
            inside = next((w for out, w in seen.items() if out in chapter.parents), None)
            if inside is not None:
                c.add(("books", book.name, "sources"), f"{show(chapter)} is in the output folder of {show(inside)}; "
                      "keep chapters and outputs in separate folders")
                break
    # Any other input among outputs: a build may replace it (artwork where the feed publishes cover.png was
    # adopted as the copy's bytes) and remove it once no longer written (the user's only copy).
    inputs: list[tuple[Key, Path | None]] = [(("lexicon",), man.lexicon_path)]
    inputs += [(("libraries", lib.name, "license"), lib.license) for lib in man.libraries]
    for book in man.books:
        inputs += [(("books", book.name, "cover"), book.cover), (("books", book.name, "order"), book.order_file),
                   (("books", book.name, "feed", "image"), book.feed.image_file if book.feed else None)]
    for input_key, path in inputs:
        if path is None:
            continue
        real = Path(os.path.realpath(path))
        inside = next((w for out, w in seen.items() if out in real.parents), None)
        if inside is not None:
            c.add(input_key, f"{show(os.path.relpath(real, man.root))} is in the output folder of {show(inside)}; "
                             "keep inputs and outputs in separate folders")


def cache_overlap(folder: str | Path, cache: str | Path) -> str | None:
    """Why an output `folder` cannot be written beside the segment `cache` (the same folder, one inside
    the other, links resolved), or None: a layout such as `{name}.db` would write over the cache's
    index, and the paid audio it indexes would be lost. `validate` and `build` say it alike."""
    real, store = os.path.realpath(folder), os.path.realpath(cache)
    if os.path.commonpath([real, store]) not in (real, store):
        return None
    return (f"{show(real)} overlaps the segment cache {show(store)}; give the output its own folder, or the cache "
            "another (--cache-dir or $NARRATE_CACHE)")


def _check_cache_apart(c: Located, man: Manifest, cache: Path) -> None:
    outputs = [(("libraries", lib.name), lib.output) for lib in man.libraries]
    outputs += [(("books", book.name), book.output) for book in man.books]
    for key, out in outputs:
        if why := cache_overlap(out, cache):
            c.add((*key, "output"), why)


def _natural_key(name: str) -> tuple[tuple[int | str, ...], str]:
    """Natural order: "chapter-2" before "chapter-10" (digit runs compare as numbers), case-folded,
    then the name itself so that "ch-02" and "ch-2" still sort the same way every time."""
    parts = re.split(r"(\d+)", name)
    return tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)), name
