"""Spreadsheet round trip (issue 13 item 3): export -> a translator edits -> import --into keeps the
manifest's settings, comments and order and changes only the texts and notes the sheet changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from narrate.errors import ManifestError
from narrate.importers import export_csv, import_csv, merge_sheet, read_sheet
from narrate.importers.spreadsheet import canonical_tag, guard, unguard
from narrate.manifest import load_manifest

MANIFEST = """\
# Northwind IVR: the translators review it every quarter.
version: 1
defaults:
  provider: espeak
  level: {target_dbov: -26, peak_dbfs: -3}
libraries:
  ivr:
    output: out/ivr  # beside the manifest
    formats: [ulaw, wav]
    languages:
      en-US: {voice: en-us, path: en}
      es-ES: {voice: es, path: es}
    prompts:
      welcome:  # the first thing a caller hears
        en-US: Thank you for calling.
        es-ES: Gracias por llamar.
        note: Warm, unhurried.
      menu/main:
        speed: 0.95
        en-US: {text: "For sales, press 1.", voice: en-us+f3}
        es-ES: Para ventas, oprima 1.
      goodbye: Goodbye.
      hold: 'Please hold.'
"""

EXPORTED = ("name,en-US,es-ES,note\r\n"
            'welcome,Thank you for calling.,Gracias por llamar.,"Warm, unhurried."\r\n'
            'menu/main,"For sales, press 1.","Para ventas, oprima 1.",\r\n'
            "goodbye,Goodbye.,,\r\n"
            "hold,Please hold.,,\r\n")

EDITED = ("name,en-US,es-ES,note\r\n"
          'welcome,Thank you for calling.,Gracias por su llamada.,"Warm, unhurried."\r\n'
          'menu/main,"For sales, press 1.","Para ventas, oprima 1.",Say the digit clearly.\r\n'
          "goodbye,Goodbye.,Adiós.,\r\n"
          "hold,Please hold the line.,,\r\n"
          "closed,We are closed.,Estamos cerrados.,\r\n")

MERGED = """\
# Northwind IVR: the translators review it every quarter.
version: 1
defaults:
  provider: espeak
  level: {target_dbov: -26, peak_dbfs: -3}
libraries:
  ivr:
    output: out/ivr  # beside the manifest
    formats: [ulaw, wav]
    languages:
      en-US: {voice: en-us, path: en}
      es-ES: {voice: es, path: es}
    prompts:
      welcome:  # the first thing a caller hears
        en-US: Thank you for calling.
        es-ES: Gracias por su llamada.
        note: Warm, unhurried.
      menu/main:
        speed: 0.95
        en-US: {text: "For sales, press 1.", voice: en-us+f3}
        es-ES: Para ventas, oprima 1.
        note: Say the digit clearly.
      goodbye:
        en-US: Goodbye.
        es-ES: Adiós.
      hold: 'Please hold the line.'
      closed:
        en-US: We are closed.
        es-ES: Estamos cerrados.
"""


def _manifest(tmp_path: Path, text: str = MANIFEST) -> Path:
    path = tmp_path / "ivr.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_export_is_one_row_per_prompt_with_empty_cells_and_notes(tmp_path):
    assert export_csv(load_manifest(_manifest(tmp_path))) == EXPORTED


def test_merge_changes_only_the_edited_texts_and_keeps_comments_quotes_and_settings(tmp_path):
    path = _manifest(tmp_path)
    sheet = read_sheet(EDITED, source="edited.csv")
    result = merge_sheet(MANIFEST, sheet, source="ivr.yaml", root=tmp_path)
    assert result.text == MERGED
    assert result.changes == [
        "welcome.es-ES: 'Gracias por llamar.' -> 'Gracias por su llamada.'",
        "menu/main.note: added 'Say the digit clearly.'",
        "goodbye.es-ES: added 'Adiós.'",
        "hold: 'Please hold.' -> 'Please hold the line.'",
        "closed: added",
    ]
    assert (result.updated, result.added, result.untouched) == (4, 1, 0)
    path.write_text(result.text, encoding="utf-8")
    lib = load_manifest(path).libraries[0]
    menu = {p.language: p for p in lib.prompts if p.name == "menu/main"}
    assert menu["en-US"].settings.voice == "en-us+f3" and menu["en-US"].settings.speed == 0.95
    assert menu["es-ES"].note == "Say the digit clearly." and menu["es-ES"].settings.voice == "es"


def test_reimporting_an_unedited_export_changes_nothing(tmp_path):
    _manifest(tmp_path)
    result = merge_sheet(MANIFEST, read_sheet(EXPORTED, source="x.csv"), source="ivr.yaml", root=tmp_path)
    assert result.text == MANIFEST and result.changes == [] and result.updated == 0


def test_cli_export_edit_import_round_trip(tmp_path):
    path = _manifest(tmp_path)
    sheet = tmp_path / "sheet.csv"
    out = narrate_in("export", "csv", str(path), "-o", str(sheet), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert sheet.read_bytes() == EXPORTED.encode("utf-8") and "sheet.csv: 4 prompts" in out.stderr
    sheet.write_bytes(EDITED.encode("utf-8"))
    done = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert path.read_text(encoding="utf-8") == MERGED
    assert done.stdout.strip() == f"{path}: 4 texts or notes updated, 1 prompts added, 0 prompts not in the sheet (kept)"
    assert "  hold: 'Please hold.' -> 'Please hold the line.'" in done.stderr.splitlines()
    again = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.strip().endswith("; unchanged")
    valid = narrate_in("validate", str(path), cwd=tmp_path)
    assert valid.returncode == 0, valid.stderr


def test_cli_export_to_stdout_with_semicolons_and_bom(tmp_path):
    path = _manifest(tmp_path)
    out = narrate_in("export", "csv", str(path), "--delimiter", ";", "--bom", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:2] == ["\ufeffname;en-US;es-ES;note",
                                           "welcome;Thank you for calling.;Gracias por llamar.;Warm, unhurried."]


def test_import_csv_new_manifest_detects_delimiter_columns_and_tags():
    sheet = "\ufeffPrompt;EN_us;es-mx;Notes;Status\nwelcome;Hello.;Hola.;Warm;done\nbye.wav;Bye.;;;\n"
    result = import_csv(sheet, source="t.csv", library="shop")
    assert result.manifest == {"version": 1, "libraries": {"shop": {
        "output": "../output/shop", "layout": "asterisk", "formats": ["ulaw", "wav"],
        "languages": {"en-US": {"voice": "en-us"}, "es-MX": {"voice": "es-mx"}},
        "prompts": {"welcome": {"en-US": "Hello.", "es-MX": "Hola.", "note": "Warm"}, "bye": {"en-US": "Bye."}}}}}
    assert result.skipped == [("column 'Status'", "not a language tag, the name or the note: ignored")]


def test_read_sheet_tabs_options_duplicates_and_bad_rows():
    text = "id\tEnglish\tFrançais\n" "a\tOne\tUn\n" "\n" "../x\tBad\tMal\n" "b\t\t\n" "a\tOne again\tEncore\n"
    sheet = read_sheet(text, source="t.tsv", languages=["English=en-GB", "Français=fr-FR"])
    assert sheet.delimiter == "\t" and sheet.languages == ["en-GB", "fr-FR"]
    assert [(r.name, r.texts, r.line) for r in sheet.rows] == [("a", {"en-GB": "One again", "fr-FR": "Encore"}, 6)]
    assert sheet.skipped == [
        ("../x", "names may not contain '..', '.' or empty path segments (line 4)"),
        ("b", "no text in any language (line 5)"),
        ("a", "duplicate of line 2: the later one wins (line 6)"),
    ]


def test_multiline_cells_keep_their_first_line_number():
    sheet = read_sheet('name,en-US\na,"one\ntwo"\nb,three\n', source="m.csv")
    assert [(r.name, r.texts["en-US"], r.line) for r in sheet.rows] == [("a", "one\ntwo", 2), ("b", "three", 4)]


def test_sheet_without_language_columns_is_a_located_error():
    with pytest.raises(ManifestError, match=r"^t.csv:1: no language column"):
        read_sheet("name,text\na,Hello\n", source="t.csv")
    with pytest.raises(ManifestError, match=r"^t.csv:1: no name column 'key'; the columns are: name, en-US"):
        read_sheet("name,en-US\na,Hello\n", source="t.csv", name_column="key")
    with pytest.raises(ManifestError, match=r"columns 'en_US' and 'EN-us' are both en-US"):
        read_sheet("name,en_US,EN-us\na,Hello,Hi\n", source="t.csv")


def test_language_tags_from_headers():
    assert [canonical_tag(h) for h in ("en", "EN_us", "zh-hant-tw", "es-419", "note", "English", "")] == [
        "en", "en-US", "zh-Hant-TW", "es-419", None, None, None]


def test_formula_cells_are_guarded_on_export_and_read_back_exactly():
    for text in ("=HYPERLINK(\"x\")", "+1 800 555", "-5 degrees", "@home", "'=already", "'quoted", "plain"):
        assert unguard(guard(text)) == text
    assert [guard(t) for t in ("=1+1", "'=x", "'x", "x")] == ["'=1+1", "''=x", "'x", "x"]


def test_merge_into_a_manifest_with_several_libraries_picks_the_one_the_sheet_names(tmp_path):
    text = MANIFEST + """\
  other:
    output: out/other
    formats: [wav]
    languages: {fr-FR: fr}
    prompts:
      bonjour: Bonjour.
"""
    result = merge_sheet(text, read_sheet("name,fr-FR\nbonjour,Salut.\n", source="s.csv"), source="m.yaml",
                         root=tmp_path)
    assert result.changes == ["bonjour: 'Bonjour.' -> 'Salut.'"] and result.untouched == 0
    assert "      bonjour: Salut.\n" in result.text and "      hold: 'Please hold.'\n" in result.text


def test_merge_adds_a_new_language_column_and_quotes_what_yaml_1_1_would_misread(tmp_path):
    sheet = read_sheet("name,en-US,de-DE\ngoodbye,No,Nein\n", source="s.csv")
    result = merge_sheet(MANIFEST, sheet, source="ivr.yaml", root=tmp_path)
    assert "      de-DE: {voice: de-de}\n" in result.text
    assert "      goodbye: 'No'\n" not in result.text
    assert "      goodbye:\n        en-US: 'No'\n        de-DE: Nein\n" in result.text
    assert result.changes[0] == "languages.de-DE: added with voice de-de"
    path = _manifest(tmp_path, result.text)
    goodbye = {p.language: p.text for p in load_manifest(path).libraries[0].prompts if p.name == "goodbye"}
    assert goodbye == {"en-US": "No", "de-DE": "Nein"}


def test_cli_import_into_refuses_a_result_that_would_not_load_and_writes_nothing(tmp_path):
    path = _manifest(tmp_path)
    sheet = tmp_path / "bad.csv"
    sheet.write_text('name,en-US,es-ES\nwelcome,"<break time=""99s""/>Hi",x\n', encoding="utf-8")
    before = snapshot(tmp_path)
    done = narrate_in("import", "csv", str(sheet), "--into", str(path), cwd=tmp_path)
    assert_clean_failure(done, 2, "ivr.yaml", "libraries.ivr.prompts.welcome.en-US",
                         "markup: line 1, column 1: break time 99s is over the 10 s maximum")
    assert snapshot(tmp_path) == before


def test_libraries_sharing_prompts_through_an_alias_are_one_target(tmp_path):
    text = MANIFEST.replace("    prompts:\n      welcome:", "    prompts: &shared\n      welcome:") + """\
  copy:
    output: out/copy
    formats: [wav]
    languages: {en-US: en-us, es-ES: es}
    prompts: *shared
"""
    result = merge_sheet(text, read_sheet("name,en-US\ngoodbye,Bye now.\n", source="s.csv"), source="m.yaml", root=tmp_path)
    assert result.changes == ["goodbye: 'Goodbye.' -> 'Bye now.'"]
    assert "prompts: &shared\n" in result.text and "prompts: *shared\n" in result.text


@pytest.mark.parametrize("style", [
    "libraries:\n  ivr:\n    output: out\n    formats:\n      - ulaw\n      - wav\n",
    "libraries:\n  ivr:\n    output: out\n    formats:\n    - ulaw\n    - wav\n",
    "libraries:\n    ivr:\n        output: out\n        formats:\n            - ulaw\n            - wav\n",
])
def test_the_files_own_indentation_is_kept(tmp_path, style):
    pad = " " * (style.index("ivr") - style.index("libraries:\n") - len("libraries:\n"))
    body = (f"{pad * 2}languages: {{en-US: en-us}}  # one language\n{pad * 2}prompts:\n"
            f"{pad * 3}hello: Hello.\n{pad * 3}bye: Bye.\n")
    text = "version: 1\n" + style + body
    result = merge_sheet(text, read_sheet("name,en-US\nbye,Goodbye.\n", source="s.csv"), source="m.yaml", root=tmp_path)
    assert result.text == text.replace("bye: Bye.", "bye: Goodbye.")


def test_cli_import_csv_prints_a_manifest_that_validates(tmp_path):
    import yaml

    (tmp_path / "sheet.csv").write_text("key;fr-FR;de-DE;comment;owner\nbonjour;Bonjour.;Hallo.;friendly;ana\n"
                                        "menu;Tapez 1.;Drücken Sie 1.;;bo\n", encoding="utf-8")
    done = narrate_in("-q", "import", "csv", "sheet.csv", "--library", "shop", "--output", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["skipped column 'owner': not a language tag, the name or the note: ignored"]
    assert yaml.safe_load(done.stdout)["libraries"]["shop"] == {
        "output": "out", "layout": "asterisk", "formats": ["ulaw", "wav"],
        "languages": {"fr-FR": {"voice": "fr-fr"}, "de-DE": {"voice": "de-de"}},
        "prompts": {"bonjour": {"fr-FR": "Bonjour.", "de-DE": "Hallo.", "note": "friendly"},
                    "menu": {"fr-FR": "Tapez 1.", "de-DE": "Drücken Sie 1."}}}
    (tmp_path / "m.yaml").write_text(done.stdout, encoding="utf-8")
    valid = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert valid.returncode == 0, valid.stderr
