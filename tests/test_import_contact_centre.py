"""Prompt lists as contact centres send them (issue: importer hardening): names in two Unicode
forms, rows longer than the header, formulas and error values, "Prompt Name" / "Wording" headers and
one row per language, a manifest with a byte order mark; `init` beside a manifest; `--library` and
`--output` that would print a manifest narrate refuses. Each through the CLI, located, no traceback."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest
import yaml

from conftest import assert_clean_failure, narrate, narrate_in, snapshot

NFC = unicodedata.normalize("NFC", "caf\u00e9")
NFD = unicodedata.normalize("NFD", NFC)
MANIFEST = """\
version: 1
libraries:
  ivr:
    output: out
    formats: [wav]
    languages: {en-US: en-us, es-ES: es}
    prompts:
      welcome: {en-US: Welcome., es-ES: Bienvenido.}
      hours: {en-US: We are open., es-ES: Abrimos.}
"""


def _files(tmp_path: Path, sheet: str, manifest: str | bytes = MANIFEST) -> tuple[Path, Path]:
    path = tmp_path / "m.yaml"
    path.write_bytes(manifest if isinstance(manifest, bytes) else manifest.encode("utf-8"))
    sheet_path = tmp_path / "sheet.csv"
    sheet_path.write_text(sheet, encoding="utf-8")
    return path, sheet_path


def _prompts(stdout: str, library: str = "prompts") -> dict:
    return yaml.safe_load(stdout)["libraries"][library]["prompts"]


# 1. Names that differ only by Unicode normalisation are one name (one file on macOS).

def test_a_sheet_naming_one_prompt_in_nfc_and_nfd_imports_one_prompt(tmp_path):
    _, sheet = _files(tmp_path, f"name,en-US\n{NFC},First.\n{NFD},Second.\n")
    done = narrate_in("import", "csv", str(sheet), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    prompts = _prompts(done.stdout)
    assert [unicodedata.normalize("NFC", k) for k in prompts] == [NFC]
    assert list(prompts.values()) == ["Second."]  # the later row wins, as for any duplicate
    assert any("line 2" in line and "line 3" in line and "Unicode" in line for line in done.stderr.splitlines())


def test_an_asterisk_transcript_naming_one_prompt_in_nfc_and_nfd_imports_one_prompt(tmp_path):
    path = tmp_path / "core-sounds-fr.txt"
    path.write_text(f"{NFC}: Premier.\n{NFD}: Second.\n", encoding="utf-8")
    done = narrate_in("import", "asterisk", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    prompts = _prompts(done.stdout, "asterisk-sounds")
    assert len(prompts) == 1
    assert any("(line 2)" in line and "Unicode" in line for line in done.stderr.splitlines())
    out = tmp_path / "imported.yaml"
    out.write_text(done.stdout, encoding="utf-8")
    assert narrate_in("validate", str(out), cwd=tmp_path).returncode == 0


def test_a_sheet_row_in_nfd_updates_the_nfc_prompt_of_the_manifest(tmp_path):
    manifest = MANIFEST.replace("      hours:", f"      {NFC}: {{en-US: Coffee., es-ES: Cafe.}}\n      hours:")
    path, sheet = _files(tmp_path, f"name,en-US\n{NFD},Fresh coffee.\n", manifest)
    done = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    merged = yaml.safe_load(path.read_text(encoding="utf-8"))["libraries"]["ivr"]["prompts"]
    assert merged[NFC] == {"en-US": "Fresh coffee.", "es-ES": "Cafe."} and NFD not in merged


# 2. Cells beyond the header are reported with the file and line, never taken silently.

@pytest.mark.parametrize("sheet", ["name,en-US\nwelcome,Hello.,stray text,more\n",
                                   "name,en-US,\nwelcome,Hello.,stray text\n"])
def test_cells_beyond_the_header_are_reported_with_file_and_line(tmp_path, sheet):
    _, sheet_path = _files(tmp_path, sheet)
    done = narrate_in("import", "csv", str(sheet_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _prompts(done.stdout) == {"welcome": "Hello."}
    assert any("sheet.csv:2" in line and "'stray text'" in line for line in done.stderr.splitlines()), done.stderr


def test_cells_beyond_the_header_are_reported_on_merge_and_the_rest_merged(tmp_path):
    path, sheet = _files(tmp_path, "name,en-US,es-ES\nwelcome,Hi.,Hola.,Bonjour.\n")
    done = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert any("sheet.csv:2" in line and "'Bonjour.'" in line for line in done.stderr.splitlines()), done.stderr
    merged = yaml.safe_load(path.read_text(encoding="utf-8"))["libraries"]["ivr"]["prompts"]
    assert merged["welcome"] == {"en-US": "Hi.", "es-ES": "Hola."}


# 3. A manifest's UTF-8 byte order mark survives a merge, once.

def test_a_byte_order_mark_in_the_manifest_is_kept_once_on_merge(tmp_path):
    path, sheet = _files(tmp_path, "name,en-US\nwelcome,Hello there.\n", b"\xef\xbb\xbf" + MANIFEST.encode())
    done = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfversion: 1\n") and raw.count(b"\xef\xbb\xbf") == 1
    assert b"Hello there." in raw
    assert narrate_in("validate", str(path), cwd=tmp_path).returncode == 0


# 4. Formulas and error values are never prompt text.

@pytest.mark.parametrize("cell", ['"=CONCAT(A2,"" now"")"', "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "Err:502"])
def test_a_formula_or_error_cell_is_a_located_problem_not_a_text(tmp_path, cell):
    path, sheet = _files(tmp_path, f"name,en-US,es-ES\nwelcome,{cell},Hola.\nhours,Open now.,Abierto.\n")
    done = narrate_in("import", "csv", str(sheet), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    prompts = _prompts(done.stdout)
    assert prompts["welcome"] == {"es-ES": "Hola."}
    assert any("sheet.csv:2" in line and "welcome.en-US" in line for line in done.stderr.splitlines()), done.stderr
    merged = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    kept = yaml.safe_load(path.read_text(encoding="utf-8"))["libraries"]["ivr"]["prompts"]
    assert kept["welcome"] == {"en-US": "Welcome.", "es-ES": "Hola."}  # the manifest's text is kept


def test_a_guarded_formula_is_still_text(tmp_path):
    _, sheet = _files(tmp_path, "name,en-US\nwelcome,'=1 for yes\n")
    done = narrate_in("import", "csv", str(sheet), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _prompts(done.stdout) == {"welcome": "=1 for yes"}


def test_a_formula_in_the_name_column_skips_the_row_located(tmp_path):
    _, sheet = _files(tmp_path, "name,en-US\n=A1&\"x\",Hello.\nok,Fine.\n")
    done = narrate_in("import", "csv", str(sheet), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _prompts(done.stdout) == {"ok": "Fine."}
    assert any("sheet.csv:2" in line and "formula" in line for line in done.stderr.splitlines()), done.stderr


# 5. Contact-centre headers: "Prompt Name", "Prompt Text" / "Wording", "Language" (one row per language).

LONG = """\
Prompt Name,Language,Prompt Text,Notes
welcome,en-US,Welcome to Acme.,Friendly
welcome,es_es,Bienvenido a Acme.,
closed,en-US,We are closed.,
"""


def test_a_sheet_with_one_row_per_language_imports(tmp_path):
    _, sheet = _files(tmp_path, LONG)
    done = narrate_in("import", "csv", str(sheet), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _prompts(done.stdout) == {"welcome": {"en-US": "Welcome to Acme.", "es-ES": "Bienvenido a Acme.",
                                                 "note": "Friendly"},
                                     "closed": {"en-US": "We are closed."}}


def test_a_sheet_with_one_row_per_language_merges(tmp_path):
    path, sheet = _files(tmp_path, LONG.replace("Prompt Text", "Wording").replace("Notes", "Comments"))
    done = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    merged = yaml.safe_load(path.read_text(encoding="utf-8"))["libraries"]["ivr"]["prompts"]
    assert merged["welcome"] == {"en-US": "Welcome to Acme.", "es-ES": "Bienvenido a Acme.", "note": "Friendly"}
    assert merged["closed"] == "We are closed."  # a new prompt in the first language only: `name: text`


def test_a_language_cell_is_any_registered_tag_norwegian_no_included(tmp_path):
    _, sheet = _files(tmp_path, "Prompt Name,Language,Wording\nwelcome,no,Velkommen.\nwelcome,pt_br,Bem-vindo.\n")
    done = narrate_in("import", "csv", str(sheet), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _prompts(done.stdout) == {"welcome": {"no": "Velkommen.", "pt-BR": "Bem-vindo."}}


def test_a_row_whose_language_is_not_a_tag_is_skipped_located(tmp_path):
    _, sheet = _files(tmp_path, LONG + "closed,Klingon!!,Qapla.,\n")
    done = narrate_in("import", "csv", str(sheet), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Klingon" not in done.stdout
    assert any("sheet.csv:5" in line and "'Klingon!!'" in line for line in done.stderr.splitlines()), done.stderr


def test_a_prompt_text_column_without_a_language_takes_the_manifests_only_language(tmp_path):
    manifest = MANIFEST.replace(", es-ES: es}", "}").replace(", es-ES: Bienvenido.", "").replace(", es-ES: Abrimos.", "")
    path, sheet = _files(tmp_path, "Prompt Name,Prompt Text\nwelcome,Hello.\n", manifest)
    done = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["libraries"]["ivr"]["prompts"]["welcome"] == {
        "en-US": "Hello."}
    alone = narrate_in("import", "csv", str(sheet), cwd=tmp_path)  # a new manifest: which language?
    assert_clean_failure(alone, 2, "sheet.csv:1:", "no language column", "--language")


def test_a_note_only_row_for_a_new_prompt_merges_cleanly(tmp_path):
    path, sheet = _files(tmp_path, "Prompt Name,en-US,Notes\nwelcome,Hi.,\nbrand-new,,Say it slowly\n")
    done = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    merged = yaml.safe_load(path.read_text(encoding="utf-8"))["libraries"]["ivr"]["prompts"]
    assert merged["welcome"]["en-US"] == "Hi." and "brand-new" not in merged
    assert any("brand-new" in line and "line 3" in line and "no text" in line for line in done.stderr.splitlines())
    fresh = narrate_in("import", "csv", str(sheet), cwd=tmp_path)  # and a new manifest is one that loads
    assert fresh.returncode == 0, fresh.stderr
    assert "brand-new" not in _prompts(fresh.stdout)


# 7. `narrate init` beside an existing manifest refuses.

@pytest.mark.parametrize("existing", ["narrate.yml", "prompts.yaml"])
def test_init_refuses_beside_an_existing_manifest(tmp_path, existing):
    (tmp_path / existing).write_text(MANIFEST, encoding="utf-8")
    before = snapshot(tmp_path)
    assert_clean_failure(narrate_in("init", cwd=tmp_path), 2, existing, "manifest")
    assert snapshot(tmp_path) == before


def test_init_beside_a_yaml_file_that_is_not_a_manifest_still_writes(tmp_path):
    (tmp_path / "docker-compose.yml").write_text("services:\n  web: {image: nginx}\n", encoding="utf-8")
    done = narrate_in("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "narrate.yaml").is_file()


# 9. `--library` and `--output` a manifest could not hold; `--into` a file that is not a manifest.

@pytest.mark.parametrize(("option", "value", "fragment"), [
    ("--library", "../evil", "--library"), ("--library", "a/b", "--library"),
    ("--output", "/etc", "--output"), ("--output", "../../../../elsewhere", "--output"),
    ("--output", "sheet.csv", "--output"),
])
def test_import_refuses_a_library_or_output_a_manifest_could_not_hold(tmp_path, option, value, fragment):
    _, sheet = _files(tmp_path, "name,en-US\nwelcome,Hello.\n")
    transcript = tmp_path / "core-sounds-en.txt"
    transcript.write_text("welcome: Hello.\n", encoding="utf-8")
    for args in (("csv", str(sheet)), ("asterisk", str(transcript))):
        done = narrate_in("import", *args, option, value, cwd=tmp_path)
        assert_clean_failure(done, 2, fragment, repr(value))
        assert done.stdout == ""


@pytest.mark.parametrize(("name", "text"), [
    ("notes.md", "# Notes\n\nhello\n"),
    ("compose.yml", "services:\n  web: {image: nginx}\n"),
])
def test_into_a_file_that_is_not_a_manifest_is_refused_untouched(tmp_path, name, text):
    _, sheet = _files(tmp_path, "name,en-US\nwelcome,Hello.\n")
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    before = snapshot(tmp_path)
    done = narrate_in("import", "csv", str(sheet), "--into", str(target), cwd=tmp_path)
    assert_clean_failure(done, 2, name, "not a narrate manifest")
    assert snapshot(tmp_path) == before


def test_into_the_sheet_itself_is_refused(tmp_path):
    _, sheet = _files(tmp_path, "name,en-US\nwelcome,Hello.\n")
    done = narrate_in("import", "csv", str(sheet), "--into", str(sheet), cwd=tmp_path)
    assert_clean_failure(done, 2, "sheet.csv", "not a narrate manifest")


# 8. File names whose bytes are not UTF-8 (b"caf\xe9.md", a Latin-1 disk): located, escaped as \xe9.

BOOK = """\
version: 1
defaults: {provider: espeak}
books:
  guide:
    title: Guide
    sources: content/*.md
    language: en-US
    voice: en-us
    formats: [chapters]
    output: out
"""
LATIN1 = os.fsdecode(b"caf\xe9")  # what Python makes of the bytes: 'caf\udce9'


def _book(tmp_path: Path, chapter: str) -> None:
    (tmp_path / "narrate.yaml").write_text(BOOK, encoding="utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / f"{chapter}.md").write_text("# One\n\nHello there.\n", encoding="utf-8")


def test_a_chapter_named_in_latin1_is_a_located_problem_escaped_in_json(tmp_path):
    _book(tmp_path, LATIN1)
    before = snapshot(tmp_path)
    done = narrate("validate", cwd=tmp_path)
    assert_clean_failure(done, 2, "narrate.yaml:6:", "content/caf\\xe9.md", "not UTF-8")
    for command in ("plan", "build"):
        machine = narrate(command, "--json", cwd=tmp_path)
        assert machine.returncode == 2 and "Traceback" not in machine.stderr, machine.stderr
        problem = json.loads(machine.stdout)["problems"][0]
        assert ascii((problem["file"], problem["line"])) == ascii(("narrate.yaml", 6))
        assert "content/caf\\xe9.md" in problem["message"] and "not UTF-8" in problem["message"]
    assert snapshot(tmp_path) == before


def test_a_manifest_named_in_latin1_is_a_located_problem_escaped_in_json(tmp_path):
    _book(tmp_path, "one")
    (tmp_path / "narrate.yaml").rename(tmp_path / f"{LATIN1}.yaml")
    for args in (("validate",), ("plan",), ("build",), ("plan", "--json"), ("build", "--json")):
        done = narrate(*args, f"{LATIN1}.yaml", cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
        if "--json" in args:
            assert ascii(json.loads(done.stdout)["problems"][0]["file"]) == ascii("caf\\xe9.yaml")
        else:
            assert_clean_failure(done, 2, "caf\\xe9.yaml", "not UTF-8")
    assert not (tmp_path / "out").exists()


def test_a_cache_folder_named_in_latin1_works_and_is_escaped_in_json(tmp_path):
    _book(tmp_path, "one")
    cache = f"cache-{LATIN1}"
    done = narrate("-q", "build", "--cache-dir", cache, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stats = narrate("cache", "stats", "--json", "--cache-dir", cache, cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    assert ascii(json.loads(stats.stdout)["directory"]) == ascii("cache-caf\\xe9")  # ascii(): no raw surrogate in a report


STRICT = {"PYTHONIOENCODING": "utf-8:strict", "PYTHONUTF8": "0"}  # a UTF-8 locale's stdout: strict


def test_import_into_a_manifest_named_in_latin1_is_refused_untouched(tmp_path):
    _, sheet = _files(tmp_path, "name,en-US\nwelcome,Hello.\n")
    (tmp_path / "m.yaml").rename(tmp_path / f"{LATIN1}.yaml")
    before = snapshot(tmp_path)
    done = narrate("import", "csv", str(sheet), "--into", f"{LATIN1}.yaml", cwd=tmp_path, env=STRICT)
    assert_clean_failure(done, 2, "caf\\xe9.yaml", "not UTF-8")
    assert snapshot(tmp_path) == before


def test_init_in_a_folder_named_in_latin1_is_refused(tmp_path):
    done = narrate("init", LATIN1, cwd=tmp_path, env=STRICT)
    assert_clean_failure(done, 2, "caf\\xe9", "not UTF-8")
    assert not (tmp_path / LATIN1).exists()


def test_an_output_named_in_latin1_is_written_and_its_name_printed_escaped(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST, encoding="utf-8")
    done = narrate("export", "csv", "m.yaml", "-o", f"{LATIN1}.csv", cwd=tmp_path, env=STRICT)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "caf\\xe9.csv: 2 prompts\n"
    assert (tmp_path / f"{LATIN1}.csv").read_bytes().startswith(b"name,en-US,es-ES,note\r\n")
