"""A sheet's rows -> prompts, once `spreadsheet.read_sheet` has read the header: names checked and
de-duplicated (NFC and case folded, as filesystems compare them), formula and error cells and cells
under no header reported with `file:line`, and, in a sheet with one row per language (a `Language`
column beside a `Prompt Text` one), each prompt's rows joined."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cells import cell_problem, quoted, stray_cells
from .common import AUDIO_SUFFIX, fold, nfc

if TYPE_CHECKING:
    from .spreadsheet import Row, Sheet


@dataclass
class Layout:
    """Which column is what. `columns`: column -> language tag (one column per language); or
    `language_at` and `text_at` (one row per language, the tag in each row)."""

    header: list[str]
    name_at: int
    note_at: int | None
    columns: dict[int, str]
    language_at: int | None = None
    text_at: int | None = None

    def used(self) -> set[int]:
        return {i for i in (self.name_at, self.note_at, self.language_at, self.text_at) if i is not None} | set(self.columns)


def add_rows(sheet: Sheet, body: Iterable[tuple[int, list[str]]], layout: Layout, *, declared: Iterable[str] = (),
             names: Collection[str] = ()) -> None:
    """Every usable row of `body` into `sheet.rows`, what is not usable into `sheet.skipped`."""
    from ..manifest import check_name
    from .spreadsheet import Row, unguard

    declared = list(declared)
    by_name: dict[str, int] = {}  # fold(name) -> index in sheet.rows
    for line, record in body:
        where = f"{sheet.source}:{line}"

        def value(i: int | None, what: str, record: list[str] = record, where: str = where) -> str:
            raw = record[i].strip() if i is not None and i < len(record) else ""
            why = cell_problem(raw)
            if why:
                sheet.skipped.append((what, f"{why} ({where})"))
                return ""
            return unguard(raw)

        raw = record[layout.name_at].strip() if layout.name_at < len(record) else ""
        if cell_problem(raw):
            sheet.skipped.append((f"line {line}", f"the name cell is {cell_problem(raw)} ({where})"))
            continue
        written = unguard(raw)
        name = written if fold(written) in names else AUDIO_SUFFIX.sub("", written)
        why = "no name" if not name else check_name(name)
        if why:
            sheet.skipped.append((name or f"line {line}", f"{why} (line {line})"))
            continue
        stray = stray_cells(record, layout.header, layout.used())
        if stray:
            sheet.skipped.append((name, f"{stray} ({where})"))
        if layout.language_at is not None:
            given = value(layout.language_at, f"{name}.language")
            tag = _row_language(given, declared)
            if tag is None:
                what = f"language {quoted(given)} is not a language tag like en-US" if given else "no language"
                sheet.skipped.append((name, f"{what} ({where})"))
                continue
            text = value(layout.text_at, f"{name}.{tag}")
            texts = {tag: text} if text else {}
        else:
            texts = {tag: text for i, tag in layout.columns.items() if (text := value(i, f"{name}.{tag}"))}
        note = value(layout.note_at, f"{name}.note") if layout.note_at is not None else ""
        if not texts and not note:
            sheet.skipped.append((name, f"no text in any language (line {line})"))
            continue
        _add(sheet, by_name, Row(name, texts, note, line, written), joined=layout.language_at is not None)


def _row_language(given: str, declared: list[str]) -> str | None:
    """A `Language` cell as a tag: any registered BCP-47 tag (`no` is Norwegian here, where a header
    `No` is a row number) or one of the manifest's own languages; None otherwise."""
    import langcodes  # imported here: its tables load only for such a sheet

    from .spreadsheet import canonical_tag

    tag = canonical_tag(given) if given else None
    if tag is None or any(canonical_tag(d) == tag for d in declared) or langcodes.tag_is_valid(tag):
        return tag
    return None


def _add(sheet: Sheet, by_name: dict[str, int], row: Row, *, joined: bool) -> None:
    """`row` appended, or in place of an earlier row of the same name (the later one wins, reported);
    with `joined` (one row per language) a row of another language adds to the same prompt."""
    from .spreadsheet import Row

    earlier = by_name.get(fold(row.name))
    if earlier is None:
        by_name[fold(row.name)] = len(sheet.rows)
        sheet.rows.append(row)
        return
    first, spelled = sheet.rows[earlier], row.name
    respelled = nfc(first.name) == nfc(spelled)
    if respelled:
        row.name = first.name  # one name to macOS and to the manifest: the first spelling stays
    if joined and respelled and not set(first.texts) & set(row.texts):
        first.texts.update(row.texts)
        first.note = row.note or first.note
        return
    dropped = spelled  # the name the message gives: the earlier row's, where the two are spelled apart
    if first.name == spelled:
        reason = f"duplicate of line {first.line}"
    elif respelled:
        reason = f"the same name as line {first.line} in another Unicode form (NFC/NFD)"
    else:
        dropped, reason = first.name, f"same file as {spelled!r} on case-insensitive filesystems"
    sheet.skipped.append((dropped, f"{reason}: the later one wins (line {row.line})"))
    if joined:  # the later row's language replaces the earlier one's; the prompt's other languages stay
        row = Row(row.name, first.texts | row.texts, row.note or first.note, first.line, row.written)
    sheet.rows[earlier] = row
