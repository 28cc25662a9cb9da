"""The text front-end memo on disk, beside the build state (narrate.cache.state): what each prompt's
written text became (narrate.plan.memo), so that a rebuild normalises only the prompts that changed."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from ..fsutil import read_regular, write_if_changed
from .memo_source import MemoSource

MEMO_FILE_VERSION = 1
MAX_MEMO_BYTES = 256 * 1024 * 1024  # ~1 million prompts; a larger file is not one narrate wrote: ignored
# Appended entries that no plan uses any more are dropped by rewriting the file once they number
# more than the live ones (and at least this many): the file stays within ~2x its live size.
MEMO_SLACK = 1000


class MemoFile:
    """The front-end memo on disk: a header line `{"narrate_memo": 1, "stamp": S}`, then one JSON line
    `[context, written, value]` per entry (narrate.plan.memo). A build appends what it computed
    (work proportional to the change); the file is rewritten whole, atomically, only when it is new,
    was unreadable, has another stamp, or holds more dead entries than live ones.

    Never trusted to be well-formed: anything that is not a regular file of that shape (a link, a
    FIFO, a folder, bad JSON, wrong types, oversize) reads as empty and is replaced at the next save,
    and a torn last line (a killed append) loses only that line. Nothing is written through a link.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.stamp: str | None = None  # the header's stamp when the file read well
        self.lines = 0  # entry lines read (live or not)

    def load(self, stamp: str) -> dict[str, dict[str, Any]]:
        """{context: {written: value}} from the file if its header carries `stamp`, else {}."""
        text = self._read()
        if text is None:
            return {}
        head, _, body = text.partition("\n")
        try:
            header = json.loads(head)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the C decoder's limit
            return {}
        if not isinstance(header, dict) or header.get("narrate_memo") != MEMO_FILE_VERSION \
                or not isinstance(header.get("stamp"), str):
            return {}
        self.stamp = header["stamp"]
        if self.stamp != stamp:
            return {}
        rows = _json_lines(body)
        self.lines = len(rows)
        stored: dict[str, dict[str, Any]] = {}
        for row in rows:
            if type(row) is list and len(row) == 3 and type(row[0]) is str and type(row[1]) is str:
                stored.setdefault(row[0], {})[row[1]] = row[2]
        return stored

    def source(self, stamp: str) -> MemoSource | None:
        """The file's entries, to be looked up one at a time (plan.memo.MemoSource), if its header
        carries `stamp`, else None. Reads the file without parsing its entries."""
        text = self._read()
        if text is None:
            return None
        head, _, body = text.partition("\n")
        try:
            header = json.loads(head)
        except (ValueError, RecursionError):
            return None
        if not isinstance(header, dict) or header.get("narrate_memo") != MEMO_FILE_VERSION \
                or not isinstance(header.get("stamp"), str):
            return None
        self.stamp = header["stamp"]
        if self.stamp != stamp:
            return None
        self.lines = body.count("\n")  # entry lines, bad ones too: they count as dead
        return MemoSource(body, _json_lines)

    def _read(self) -> str | None:
        data = read_regular(self.path, MAX_MEMO_BYTES)
        try:
            return data.decode("utf-8") if data is not None else None
        except UnicodeDecodeError:
            return None

    def save(self, stamp: str, used: dict[str, dict[str, Any]] | Callable[[], dict[str, dict[str, Any]]],
             added: list[tuple[str, str, Any]], rejected: int = 0, live: int | None = None) -> None:
        """Record this plan's entries: append `added` when the file read well with this stamp and is
        not mostly dead entries, else rewrite it with `used` (every entry the plan read or made; a
        function giving them, called only then, with `live` their number)."""
        if live is None:
            assert not callable(used)
            live = sum(len(rows) for rows in used.values())
        dead = self.lines + len(added) - live
        if self.stamp == stamp and not rejected and dead <= max(live, MEMO_SLACK):
            if added:
                self._append("".join(_line([c, w, v]) for c, w, v in added))
            return
        if callable(used):
            used = used()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = "".join(_line([c, w, v]) for c, rows in used.items() for w, v in rows.items())
        header = json.dumps({"narrate_memo": MEMO_FILE_VERSION, "stamp": stamp}) + "\n"
        write_if_changed(self.path, (header + body).encode("utf-8"), within=self.path.parent)
        self.stamp, self.lines = stamp, live

    def _append(self, text: str) -> None:
        flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)  # reads its last byte
        fd = os.open(self.path, flags)  # no O_CREAT: the file read well a moment ago
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return
            if st.st_size and os.pread(fd, 1, st.st_size - 1) != b"\n":
                text = "\n" + text  # after a torn line (a killed append): this build's first entry on a line of its own
            data = memoryview(text.encode("utf-8"))
            while data:
                data = data[os.write(fd, data):]
        finally:
            os.close(fd)


def _line(row: list[Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


def _json_lines(body: str) -> list[Any]:
    """Each line's JSON value, by one parse of them all; line by line (dropping the bad ones: a torn
    last line) only when that fails."""
    body = body.strip("\n")
    if not body:
        return []
    try:
        rows = json.loads("[" + body.replace("\n", ",") + "]")
        return cast("list[Any]", rows)
    except (ValueError, RecursionError):
        pass
    rows = []
    for line in body.split("\n"):
        try:
            rows.append(json.loads(line))
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the C decoder's limit
            continue
    return rows
