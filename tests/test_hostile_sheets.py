"""Hostile and malformed spreadsheets and manifests for `narrate import csv` / `export csv`: each is
refused with its exit code and one located line, no traceback, and nothing outside changes."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate, narrate_in, snapshot

MANIFEST = """\
version: 1
libraries:
  ivr:
    output: out
    formats: [wav]
    languages: {en-US: en-us, es-ES: es}
    prompts:
      welcome: {en-US: Welcome., es-ES: Bienvenido.}
"""


def _setup(tmp_path: Path, sheet: str | bytes, manifest: str = MANIFEST) -> tuple[Path, Path]:
    path = tmp_path / "m.yaml"
    path.write_text(manifest, encoding="utf-8")
    csv_path = tmp_path / "sheet.csv"
    if isinstance(sheet, bytes):
        csv_path.write_bytes(sheet)
    else:
        csv_path.write_text(sheet, encoding="utf-8")
    return path, csv_path


@pytest.mark.parametrize(("sheet", "fragments"), [
    ("name,text\nwelcome,Hi\n", ("sheet.csv:1: no language column",)),
    ("", ("sheet.csv: empty spreadsheet: no header row",)),
    ("name,en-US\n" + "a," + "x" * 200_000 + "\n", ("sheet.csv:2: unreadable CSV: field larger than field limit",)),
    ('name,en-US\nwelcome,"never closed\n', ("sheet.csv:", "unreadable CSV")),
    ("name,en-US,en_us\nwelcome,a,b\n", ("sheet.csv:1: columns 'en-US' and 'en_us' are both en-US",)),
    ("name,en-US\n../../etc/passwd,x\n", ("sheet.csv: no prompt found",)),
])
def test_bad_sheets_are_refused_and_the_manifest_is_untouched(tmp_path, sheet, fragments):
    path, csv_path = _setup(tmp_path, sheet)
    before = snapshot(tmp_path)
    for args in (("import", "csv", str(csv_path)), ("import", "csv", str(csv_path), "--into", str(path))):
        done = narrate_in(*args, cwd=tmp_path)
        assert_clean_failure(done, 2, *fragments)
        assert done.stdout == ""
    assert snapshot(tmp_path) == before


def test_unsafe_names_are_skipped_and_reported_never_written(tmp_path):
    sheet = "name,en-US\n../../etc/passwd,x\n/abs,y\nbi\u202edi,z\nok,Fine.\n"
    path, csv_path = _setup(tmp_path, sheet)
    done = narrate_in("import", "csv", str(csv_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    skipped = [line for line in done.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 3 and all("(line " in line for line in skipped)
    assert "\u202e" not in done.stderr  # a bidi override is escaped, never printed raw
    text = path.read_text(encoding="utf-8")
    assert "passwd" not in text and "abs" not in text and "      ok: Fine.\n" in text


def test_a_manifest_that_is_a_bomb_or_not_yaml_is_refused_before_any_edit(tmp_path):
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n' \
           'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n' \
           'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n'
    for manifest, fragments in ((bomb, ("m.yaml:", "YAML aliases")), ("a: [\n", ("m.yaml:", "invalid YAML"))):
        path, csv_path = _setup(tmp_path, "name,en-US\nwelcome,Hi.\n", manifest)
        before = snapshot(tmp_path)
        done = narrate_in("import", "csv", str(csv_path), "--into", str(path), cwd=tmp_path)
        assert_clean_failure(done, 2, *fragments)
        assert snapshot(tmp_path) == before


def test_a_fifo_is_never_opened_for_a_blocking_read(tmp_path):
    path, _ = _setup(tmp_path, "name,en-US\nwelcome,Hi.\n")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    opened = threading.Event()

    def writer() -> None:  # unblocks a reader that (wrongly) opened the FIFO, so the test cannot hang
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return
        opened.set()
        os.close(fd)

    done = narrate("import", "csv", str(fifo), "--into", str(path), cwd=tmp_path, timeout=60)
    writer()
    assert_clean_failure(done, 2, "pipe.csv", "not a regular file")
    assert path.read_text(encoding="utf-8") == MANIFEST


def test_several_libraries_and_no_match_asks_for_library(tmp_path):
    two = MANIFEST + "  other:\n    output: o2\n    formats: [wav]\n    languages: {en-US: en-us}\n" \
                     "    prompts: {x: X.}\n"
    path, csv_path = _setup(tmp_path, "name,en-US\nnew-one,Hi.\n", two)
    before = snapshot(tmp_path)
    done = narrate_in("import", "csv", str(csv_path), "--into", str(path), cwd=tmp_path)
    assert_clean_failure(done, 2, "has several libraries (ivr, other)")
    export = narrate_in("export", "csv", str(path), cwd=tmp_path)
    assert_clean_failure(export, 2, "the manifest has several libraries (ivr, other)")
    assert snapshot(tmp_path) == before


def test_export_guards_formulas_and_an_invalid_manifest_is_located(tmp_path):
    path, _ = _setup(tmp_path, "", MANIFEST.replace("Welcome.", "'=HYPERLINK(\"http://x\")'"))
    done = narrate_in("export", "csv", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == 'welcome,"\'=HYPERLINK(""http://x"")",Bienvenido.,'
    path.write_text(MANIFEST.replace("formats: [wav]", "formats: [nope]"), encoding="utf-8")
    bad = narrate_in("export", "csv", str(path), cwd=tmp_path)
    assert_clean_failure(bad, 2, "m.yaml:5: libraries.ivr.formats")


def test_a_bad_delimiter_is_a_usage_error(tmp_path):
    _, csv_path = _setup(tmp_path, "name,en-US\nwelcome,Hi.\n")
    done = narrate_in("import", "csv", str(csv_path), "--delimiter", ";;", cwd=tmp_path)
    assert_clean_failure(done, 2, "a delimiter is one character (or `tab`), not ';;'")
    tab = narrate_in("import", "csv", str(csv_path), "--delimiter", "tab", cwd=tmp_path)
    assert_clean_failure(tab, 2, "sheet.csv:1: no language column")  # the whole line is one column


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_import_into_keeps_the_manifests_file_mode(tmp_path, mode):
    path, csv_path = _setup(tmp_path, "name,en-US\nwelcome,Hello.\n")
    path.chmod(mode)
    done = narrate_in("import", "csv", str(csv_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "welcome: {en-US: Hello., es-ES: Bienvenido.}" in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
