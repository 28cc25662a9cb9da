"""Spreadsheets for translators: CSV <-> prompts, one row per prompt and one column per language.

A sheet has a header row naming its columns: the prompt's name (`name`, `Prompt Name`, `prompt`,
`id`, `key` or `file`, else the first column), one column per language (headers that are plausibly
language tags, such as `en-US`, `es_MX` or `fr`, never `id` or `No`: `language_header`), and an
optional note for voice talents and translators (`note`, `notes`, `comment`, `context`). Each may
also be named by option. A contact centre's sheet has one text column (`Prompt Text`, `Wording`)
instead: in each row's `Language`, or in the manifest's only language (`_layout`).
The delimiter is detected with `csv.Sniffer` among `, ; TAB |` (Excel writes `;`
in many locales), or given.

Texts are taken exactly as written (only surrounding spaces are dropped): a sheet is the manifest's
own text, markup included, so an export read back changes nothing. An empty cell is a missing
translation. Cells an export guarded against spreadsheet formulas (OWASP's CSV injection advice: a
leading `'` before `= + - @`) are read back unguarded; an unguarded formula or error value is not
text (`cells`), and is reported with the cells under no header (`sheetrows`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ManifestError, Problem, UsageError
from .common import ImportResult, Skipped, default_voice, fold, one_library
from .sheetrows import Layout, add_rows

if TYPE_CHECKING:
    from ..manifest import Library, Manifest

NAME_HEADERS = ("name", "prompt name", "prompt", "prompt id", "id", "key", "file", "filename", "file name")
NOTE_HEADERS = ("note", "notes", "comment", "comments", "context", "instructions", "direction", "directions")
# Contact centres' sheets: a text column, in one language (the manifest's) or in each row's `Language`.
TEXT_HEADERS = ("prompt text", "text", "wording", "script", "message")
LANGUAGE_HEADERS = ("language", "lang", "locale", "language code")
DELIMITERS = ",;\t|"
SNIFF_CHARS = 64 * 1024  # the sample csv.Sniffer reads: plenty for a header and some rows
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is a formula to Excel and LibreOffice
_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|\d{3}))?$")
# Headers of a row number or an identifier, never a language even where one is a tag (`id` is
# Indonesian, `no` Norwegian, `nr` South Ndebele, `row` and `num` ISO 639-3 codes).
NAME_LIKE = frozenset({"#", "id", "no", "nr", "nº", "n", "num", "number", "row", "idx", "index", "seq", "ln", "line",
                       "pos", "ref"})
NOT_LANGUAGE = "not a language tag, the name or the note"
NOTE_ONLY = "a note but no text in any language: a new prompt needs a text (line {line})"
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def canonical_tag(header: str) -> str | None:
    """A column header as a BCP-47 language tag in its usual case ("EN_us" -> "en-US",
    "zh-hant-tw" -> "zh-Hant-TW"), or None when it is not one (language[-Script][-REGION] only)."""
    match = _TAG.match(header.strip())
    if not match:
        return None
    lang, script, region = match.groups()
    return "-".join(p for p in (lang.lower(), script.title() if script else None,
                                region.upper() if region else None) if p)


def language_header(header: str, declared: Iterable[str] = ()) -> tuple[str | None, str]:
    """(the language tag a column header names, or None and why not). A header is a language when
    it names one of `declared` (the manifest's own languages, in any spelling: `en-us`, `en_US`),
    or is a registered BCP-47 tag with a region or script (`es-MX`, `zh-Hant`), or a registered
    two-letter language (`fr`) that is not a name or number header (`id`, `No`, `Nr`)."""
    tag = canonical_tag(header)
    if tag is None:
        return None, NOT_LANGUAGE
    if any(canonical_tag(d) == tag for d in declared):
        return tag, ""
    ask = f"(give --language '{header.strip()}=TAG' if it is one)"
    if header.strip().casefold().rstrip(".") in NAME_LIKE:
        return None, f"not a language: a name or number header {ask}"
    import langcodes  # imported here: its tables load only for a sheet

    if not langcodes.tag_is_valid(tag):
        return None, f"not a language: no such BCP-47 language tag {ask}"
    if "-" in tag or len(tag) == 2:
        return tag, ""
    return None, f"not taken as a language: a three-letter code without a region {ask}"


def parse_delimiter(given: str) -> str:
    """A delimiter option: one character, or a name (`tab`, `\\t`, `comma`, `semicolon`, `pipe`).
    Raises UsageError otherwise. The same names for `import csv` and `export csv`."""
    found = DELIMITER_NAMES.get(given.strip().casefold(), given)
    if len(found) != 1 or found in "\"\r\n":
        raise UsageError(f"a delimiter is one character (or `tab`), not {given!r}")
    return found


def guard(text: str) -> str:
    """A cell a spreadsheet will not run as a formula: `'` before a leading = + - @ (and before a
    leading `'` that already guards one, so that `unguard` gives the text back exactly)."""
    return "'" + text if text.lstrip("'")[:1] in _FORMULA and text[:1] in (*_FORMULA, "'") else text


def unguard(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and cell.lstrip("'")[:1] in _FORMULA else cell


@dataclass
class Row:
    """One prompt of a sheet: its name, texts by language (non-empty cells only), note, first line."""

    name: str
    texts: dict[str, str]
    note: str
    line: int
    written: str = ""  # the name cell as written, audio suffix included ("intro.wav" for intro)


@dataclass
class Sheet:
    """A spreadsheet read: language tags in column order, rows in file order, what was left out."""

    languages: list[str]
    rows: list[Row]
    has_note: bool
    delimiter: str
    source: str = "the sheet"
    skipped: Skipped = field(default_factory=list)
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)  # (header, why it is not a language)


def _delimiter(text: str, given: str | None) -> str:
    if given is not None:
        return parse_delimiter(given)
    try:
        return csv.Sniffer().sniff(text[:SNIFF_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:  # one column, or too few rows to tell: the usual comma
        return ","


def _column(header: list[str], wanted: str | None, defaults: tuple[str, ...], what: str, source: str) -> int | None:
    folded = [h.strip().casefold() for h in header]
    if wanted is not None:
        if wanted.strip().casefold() not in folded:
            raise ManifestError([Problem(source, 1, "", f"no {what} column {wanted!r}; the columns are: "
                                         + ", ".join(h for h in header if h.strip()))])
        return folded.index(wanted.strip().casefold())
    return next((folded.index(d) for d in defaults if d in folded), None)


def _language_columns(header: list[str], taken: set[int], given: list[str] | None, source: str,
                      declared: Iterable[str] = ()) -> tuple[dict[int, str], list[tuple[str, str]]]:
    """Column index -> tag, and the headers ignored. `given` entries are "Header" or "Header=tag"."""
    folded = [h.strip().casefold() for h in header]
    columns: dict[int, str] = {}
    if given:
        for item in given:
            head, _, tag = item.partition("=")
            if head.strip().casefold() not in folded:
                raise ManifestError([Problem(source, 1, "", f"no language column {head!r}; the columns are: "
                                             + ", ".join(h for h in header if h.strip()))])
            canonical = canonical_tag(tag or head)
            if canonical is None:
                raise ManifestError([Problem(source, 1, "", f"{(tag or head)!r} is not a language tag like en-US; "
                                             "give one as HEADER=TAG")])
            columns[folded.index(head.strip().casefold())] = canonical
    why: dict[int, str] = {}
    if not given:
        for i, head in enumerate(header):
            if i in taken:
                continue
            found, why[i] = language_header(head, declared)
            if found is not None:
                columns[i] = found
    ignored = [(h, why.get(i, NOT_LANGUAGE)) for i, h in enumerate(header)
               if i not in taken and i not in columns and h.strip()]
    seen: dict[str, int] = {}
    for i, tag in columns.items():
        if tag in seen:
            raise ManifestError([Problem(source, 1, "", f"columns {header[seen[tag]]!r} and {header[i]!r} are both {tag}")])
        seen[tag] = i
    return columns, ignored


def _layout(header: list[str], name_at: int, note_at: int | None, given: list[str] | None, source: str,
            declared: Iterable[str]) -> tuple[Layout, list[tuple[str, str]]]:
    """Which column is what, and the headers ignored. Language columns are found by their headers;
    without any, a `Language` column beside a `Prompt Text` one gives each row's language, and a
    `Prompt Text` column alone is in the manifest's language when it has only one."""
    taken = {name_at} | ({note_at} if note_at is not None else set())
    text_at = None if given else _column(header, None, TEXT_HEADERS, "text", source)
    columns, ignored = _language_columns(header, taken | ({text_at} if text_at is not None else set()),
                                         given, source, declared)
    if columns or text_at is None:
        if text_at is not None:
            ignored.append((header[text_at], "a text column beside language columns"))
        return Layout(header, name_at, note_at, columns), ignored
    language_at = _column(header, None, LANGUAGE_HEADERS, "language", source)
    if language_at is not None:
        ignored = [(h, why) for h, why in ignored if h != header[language_at]]
        return Layout(header, name_at, note_at, {}, language_at, text_at), ignored
    only = {canonical_tag(d) or d for d in declared}
    return Layout(header, name_at, note_at, {text_at: only.pop()} if len(only) == 1 else {}, None, text_at), ignored


def read_sheet(text: str, *, source: str, delimiter: str | None = None, name_column: str | None = None,
               note_column: str | None = None, languages: list[str] | None = None,
               declared: Iterable[str] = (), names: Collection[str] = ()) -> Sheet:
    """Parse a CSV sheet (see the module doc). Raises ManifestError, located, for a sheet without a
    header, a language column or any prompt; rows it cannot use are in `skipped` with their line.

    For a sheet merged into a manifest: `declared` are its language keys (a header naming one in
    another spelling is that language), `names` its prompt names casefolded (a name with an audio
    suffix, `intro.wav`, is kept whole when the manifest has that prompt)."""
    declared = list(declared)  # read twice: for the header, then for each row's language
    text = text.lstrip("\ufeff")
    sep = _delimiter(text, delimiter)
    # strict: an unclosed quote is an error, not the rest of the file swallowed into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ManifestError([Problem(source, reader.line_num, "", f"unreadable CSV: {exc}")]) from None
    if not records:
        raise ManifestError([Problem(source, None, "", "empty spreadsheet: no header row")])
    (_, header), body = records[0], records[1:]
    name_at = _column(header, name_column, NAME_HEADERS, "name", source)
    note_at = _column(header, note_column, NOTE_HEADERS, "note", source)
    if name_at is None:
        name_at = 0
    layout, ignored = _layout(header, name_at, note_at, languages, source, declared)
    columns = layout.columns
    if not columns and layout.language_at is None:
        others = "; ".join(f"{h!r}: {why}" for h, why in ignored if why != NOT_LANGUAGE)
        text = f"give --language '{header[layout.text_at].strip()}=TAG'" if layout.text_at is not None \
            else "name the columns with language tags (name, en-US, es-MX, note) or give --language HEADER=TAG"
        raise ManifestError([Problem(source, records[0][0], "", f"no language column: {text}"
                                     + (f" ({others})" if others else ""))])
    sheet = Sheet(list(columns.values()), [], note_at is not None, sep, source, ignored_columns=ignored)
    add_rows(sheet, body, layout, declared=declared, names=names)
    if layout.language_at is not None:  # one row per language: the sheet's languages in order of appearance
        sheet.languages = list(dict.fromkeys(tag for row in sheet.rows for tag in row.texts))
    if not sheet.rows:
        problems = [Problem(source, None, "", "no prompt found")]
        raise ManifestError(problems + [Problem(source, None, n, r) for n, r in sheet.skipped[:20]])
    return sheet


def known_names(yaml_text: str, source: str) -> tuple[list[str], set[str]]:
    """(every library's language keys, every prompt name casefolded) of a manifest, as narrate reads
    them: what `read_sheet` needs to read a sheet meant for it. Raises ManifestError for bad YAML or a
    file that is no manifest (a sheet, a README, another tool's YAML), before anything is merged."""
    from ..manifest import load_yaml_text

    data = load_yaml_text(yaml_text, source).data
    if not isinstance(data, dict) or not {"version", "libraries", "books"} & set(map(str, data)):
        kind = f"a YAML {type(data).__name__}" if isinstance(data, dict | list) else "text"
        raise ManifestError([Problem(source, None, "", f"not a narrate manifest ({kind} without version, libraries or "
                                     "books): give --into the manifest to update")])
    languages: list[str] = []
    names: set[str] = set()
    libraries = data.get("libraries") if isinstance(data, dict) else None
    for lib in libraries.values() if isinstance(libraries, dict) else ():
        declared = lib.get("languages") if isinstance(lib, dict) else None
        prompts = lib.get("prompts") if isinstance(lib, dict) else None
        languages += [str(k) for k in declared] if isinstance(declared, dict) else []
        names |= {fold(str(k)) for k in prompts} if isinstance(prompts, dict) else set()
    return languages, names


def import_csv(text: str, *, source: str, library: str = "prompts", delimiter: str | None = None,
               name_column: str | None = None, note_column: str | None = None,
               languages: list[str] | None = None) -> ImportResult:
    """A new manifest from a sheet: an asterisk library (ulaw and wav) with a voice of each
    column's language. Raises ManifestError as `read_sheet` does."""
    sheet = read_sheet(text, source=source, delimiter=delimiter, name_column=name_column,
                       note_column=note_column, languages=languages)
    used = [tag for tag in sheet.languages if any(tag in row.texts for row in sheet.rows)] or sheet.languages[:1]
    prompts: dict[str, Any] = {}
    skipped = list(sheet.skipped)
    for row in sheet.rows:
        if not row.texts:  # a note alone updates a manifest's prompt; a new one needs something to say
            skipped.append((row.name, NOTE_ONLY.format(line=row.line)))
            continue
        if len(used) == 1 and not sheet.has_note and row.texts:
            prompts[row.name] = row.texts[used[0]]
        else:
            prompts[row.name] = {tag: row.texts[tag] for tag in used if tag in row.texts} | (
                {"note": row.note} if row.note else {})
    if not prompts:
        raise ManifestError([Problem(source, None, "", "no prompt found"),
                             *(Problem(source, None, n, r) for n, r in skipped[:20])])
    skipped += [(f"column {h!r}", f"{why}: ignored") for h, why in sheet.ignored_columns]
    languages_map = {tag: {"voice": default_voice(tag)} for tag in used}
    return ImportResult(one_library(library, "asterisk", ["ulaw", "wav"], languages_map, prompts), skipped)


def pick_library(manifest: Manifest, name: str | None) -> Library:
    """The library `name`, or the manifest's only one. Raises UsageError otherwise."""
    names = [lib.name for lib in manifest.libraries]
    if name is None and len(names) == 1:
        return manifest.libraries[0]
    for lib in manifest.libraries:
        if lib.name == name:
            return lib
    if name is None:
        raise UsageError("the manifest has " + (f"several libraries ({', '.join(names)})" if names else "no library"),
                         hint="name one with --library" if names else None)
    raise UsageError(f"no library {name!r} in the manifest", hint=", ".join(names) or None)


def export_csv(manifest: Manifest, library: str | None = None, delimiter: str = ",") -> str:
    """One row per prompt in manifest order: `name`, a column per declared language (the text as
    written; empty where the translation is missing, fallbacks included), `note`. RFC 4180 quoting,
    CRLF line ends as spreadsheets expect. Raises UsageError for an unknown or ambiguous library."""
    lib = pick_library(manifest, library)
    codes = list(lib.languages)
    rows: dict[str, dict[str, str]] = {}
    for p in lib.prompts:
        row = rows.setdefault(p.name, {})
        if p.note:
            row["note"] = p.note
        if p.fallback_from is None:
            row[p.language] = p.text
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["name", *codes, "note"])
    for name, row in rows.items():
        writer.writerow([guard(name), *(guard(row.get(code, "")) for code in codes), guard(row.get("note", ""))])
    return out.getvalue()
