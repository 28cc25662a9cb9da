"""What a spreadsheet cell holds besides text: a formula or an error value, and the cells of a row
that no header names. Sheets from contact centres are exported from Excel or Google Sheets by
people who never see the CSV: a formula saved as written (`=CONCAT(A2," now")`), a broken lookup
(`#N/A`, LibreOffice's `Err:502`) or a note typed past the last column would otherwise be spoken.
"""

from __future__ import annotations

import re

# A cell an export guarded (`'=...`, spreadsheet.guard) is text; an unguarded one starting with `=`
# is a formula, as is `+`, `-` or `@` before a function call (`@SUM(A1)`, `-ROUND(B2)`): "-5 degrees"
# and "+1 for yes" stay text.
_FORMULA = re.compile(r"=|[+\-@][A-Za-z_][\w.]*\(")
# Error values as Excel, LibreOffice and Google Sheets write them in place of a result.
_ERROR = re.compile(r"#(?:N/A|REF!|VALUE!|DIV/0!|NAME\?|NULL!|NUM!|SPILL!|CALC!|GETTING_DATA|FIELD!|BLOCKED!"
                    r"|CONNECT!|BUSY!|UNKNOWN!|ERROR!|EXTERNAL!|PYTHON!)|Err:\d{3}", re.IGNORECASE)
SHOWN_CHARS = 40  # of a cell quoted in a message


def cell_problem(cell: str) -> str | None:
    """Why a cell (as written, spaces stripped) is not text to speak, or None: a formula or an error value."""
    if _FORMULA.match(cell):
        return f"a spreadsheet formula, not text: {quoted(cell)} (save the sheet with values, not formulas)"
    if _ERROR.fullmatch(cell):
        return f"a spreadsheet error value, not text: {cell!r} (fix the formula in the sheet)"
    return None


def quoted(cell: str) -> str:
    return repr(cell if len(cell) <= SHOWN_CHARS else cell[: SHOWN_CHARS - 1] + "…")


def stray_cells(record: list[str], header: list[str], used: set[int]) -> str | None:
    """Why cells of a row are ignored, or None: cells past the header's last column, or under an
    empty header cell, that hold something (`used`: the columns read, headed or not)."""
    stray = [cell.strip() for i, cell in enumerate(record)
             if cell.strip() and i not in used and (i >= len(header) or not header[i].strip())]
    if not stray:
        return None
    shown = ", ".join(quoted(c) for c in stray[:3]) + (f" and {len(stray) - 3} more" if len(stray) > 3 else "")
    what = "a cell" if len(stray) == 1 else f"{len(stray)} cells"
    return f"{what} under no header ignored: {shown} (give the column a header, or delete it)"
