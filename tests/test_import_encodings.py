"""Import files in the encodings spreadsheets save: Windows-1252 (Excel's CSV on Windows) and UTF-16
or UTF-32 with a byte order mark read as written; workbooks, UTF-16 without a mark and bytes no
encoding reads are refused, naming the file and the fix."""

from __future__ import annotations

import codecs

import pytest
import yaml

from conftest import assert_clean_failure, narrate_in, snapshot
from sheets import HEAD, sheet_files


def test_a_windows_1252_sheet_reads_as_written(tmp_path):
    raw = "name,en-US\nprice,\u201cIt\u2019s \u20ac5 \u2013 today\u201d\n".encode("cp1252")
    _, sheet_path = sheet_files(tmp_path, HEAD, raw)
    done = narrate_in("import", "csv", str(sheet_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    said = "\u201cIt\u2019s \u20ac5 \u2013 today\u201d"
    assert yaml.safe_load(done.stdout)["libraries"]["prompts"]["prompts"] == {"price": said}
    asterisk = tmp_path / "t.txt"
    asterisk.write_bytes("pay: It\u2019s \u20ac5.\n".encode("cp1252"))
    done = narrate_in("import", "asterisk", str(asterisk), cwd=tmp_path)
    assert yaml.safe_load(done.stdout)["libraries"]["asterisk-sounds"]["prompts"] == {"pay": "It\u2019s \u20ac5."}


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_a_utf16_sheet_with_a_byte_order_mark_reads(tmp_path, codec):
    bom = {"utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    _, sheet_path = sheet_files(tmp_path, HEAD, bom + "name\ten-US\ncaf\u00e9\tCaf\u00e9.\n".encode(codec))
    done = narrate_in("import", "csv", str(sheet_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout)["libraries"]["prompts"]["prompts"] == {"caf\u00e9": "Caf\u00e9."}


@pytest.mark.parametrize(("raw", "fragments"), [
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, ("edit.csv: a ZIP archive (an Excel .xlsx", 'save it as "CSV UTF-8"')),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, ("edit.csv: an old Excel .xls workbook",)),
    ("name,en-US\na,Hi.\n".encode("utf-16-le"), ("edit.csv: NUL bytes: UTF-16 without a byte order mark",)),
    (b"name,en-US\na,Hi.\nb,H\x81i\n", ("edit.csv:3: byte 0x81 is not UTF-8 or Windows-1252 text", "CSV UTF-8")),
])
def test_workbooks_and_unreadable_bytes_are_refused_with_the_fix(tmp_path, raw, fragments):
    path, sheet_path = sheet_files(tmp_path, HEAD + "      a: Hi.\n", raw)
    before = snapshot(tmp_path)
    for args in (("import", "csv", str(sheet_path)), ("import", "csv", str(sheet_path), "--into", str(path))):
        assert_clean_failure(narrate_in(*args, cwd=tmp_path), 2, *fragments)
    assert snapshot(tmp_path) == before
