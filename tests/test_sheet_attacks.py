"""`import csv --into` against hostile manifests: an edit through a YAML alias is never lost or
spread, one a merge key would carry elsewhere is refused and located, an unedited export re-imports
without changing a byte, names YAML reads as numbers and names with an audio suffix are the prompts
they name, the manifest's language spellings and line ends stay, and errors name the file's lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from narrate.manifest import load_manifest
from sheets import HEAD, sheet_files


def _texts(path: Path) -> dict[tuple[str, str], str]:
    lib = load_manifest(path).libraries[0]
    return {(p.name, p.language): p.text for p in lib.prompts if p.fallback_from is None}


def _notes(path: Path) -> dict[str, str | None]:
    return {p.name: p.note for p in load_manifest(path).libraries[0].prompts}


# 1. An edit through a YAML alias is kept for its own row, never spread to or lost in the other.

ALIASED = {
    "prompt": HEAD + "      welcome: &greet\n        en-US: Hello there.\n      hello: *greet\n",
    "language entry": HEAD + "      welcome:\n        en-US: &greet {text: Hello there., speed: 0.9}\n"
                             "      hello:\n        en-US: *greet\n",
    "scalar": HEAD + "      welcome: &greet Hello there.\n      hello: *greet\n",
}


@pytest.mark.parametrize("kind", list(ALIASED))
def test_an_edit_through_an_alias_keeps_every_rows_text(tmp_path, kind):
    sheet = ("name,en-US,es-US,note\nwelcome,Welcome to the shop.,Bienvenido a la tienda.,\n"
             "hello,Hello there.,Hola.,\n")
    path, sheet_path = sheet_files(tmp_path, ALIASED[kind], sheet)
    done = narrate_in("import", "csv", str(sheet_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _texts(path) == {("welcome", "en-US"): "Welcome to the shop.", ("welcome", "es-US"): "Bienvenido a la tienda.",
                            ("hello", "en-US"): "Hello there.", ("hello", "es-US"): "Hola."}
    # and the other way round: only the alias's row edited leaves the anchored prompt as it was
    path.write_text(ALIASED[kind], encoding="utf-8")
    sheet_path.write_text("name,en-US\nwelcome,Hello there.\nhello,Hi!\n", encoding="utf-8")
    done = narrate_in("import", "csv", str(sheet_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _texts(path) == {("welcome", "en-US"): "Hello there.", ("hello", "en-US"): "Hi!"}
    if kind == "language entry":  # the settings stay with the copy
        speeds = {p.name: p.settings.speed for p in load_manifest(path).libraries[0].prompts if p.language == "en-US"}
        assert speeds == {"welcome": 0.9, "hello": 0.9}


MERGED = HEAD + """\
      base: &b
        en-US: Hi.
        note: Be warm.
      other:
        <<: *b
        es-US: Hola.
"""


def test_an_edit_that_a_merge_key_would_carry_to_another_prompt_is_refused_located(tmp_path):
    path, sheet_path = sheet_files(tmp_path, MERGED, "name,en-US,note\nbase,Hello.,Be warm!\nother,Hi.,Be warm.\n")
    before = snapshot(tmp_path)
    done = narrate_in("import", "csv", str(sheet_path), "--into", str(path), cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:11: libraries.shop.prompts.other.en-US:", "'Hello.', not 'Hi.'",
                         "YAML alias or merge key")
    assert_clean_failure(done, 2, "m.yaml:12: libraries.shop.prompts.other.note:")
    assert snapshot(tmp_path) == before
    # an edit of the prompt that merges is its own: the base keeps its text
    sheet_path.write_text("name,en-US\nother,Hey.\n", encoding="utf-8")
    done = narrate_in("import", "csv", str(sheet_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _texts(path) == {("base", "en-US"): "Hi.", ("other", "en-US"): "Hey.", ("other", "es-US"): "Hola."}
    assert _notes(path) == {"base": "Be warm.", "other": "Be warm."}


# 2. An unedited export re-imports as no change at all, byte for byte.

HOSTILE = {
    "numeric names": HEAD + "      010: Ten.\n      1.10: One ten.\n      0x1F: Hex.\n      12:30: Half past.\n"
                            "      true: 'Yes.'\n      n: 1.10\n      o: 007\n",
    "language spellings": HEAD.replace("en-US:", "en-us:").replace("es-US: {voice: es-419}", "pt_BR: {voice: pt-br}")
                          + "      a:\n        en-us: Hi.\n        pt_BR: Oi.\n      b: Bye.\n",
    "audio suffixes": HEAD + "      intro.wav: Intro.\n      vm/greeting.gsm: Greeting.\n      digits/7.ulaw: Seven.\n",
    "escapes": HEAD + '      esc: "Caf\\u00e9 \\u00e9 \\x41 \\t tab"\n      uni: "\\U0001F600 smile"\n'
                      "      long: \"one \\\n        two\"\n",
    "aliases and merge keys": MERGED + "      t: &t Goodbye.\n      u: *t\n      c:\n        en-US: &m {text: Press one.}\n"
                                       "      d:\n        en-US: *m\n",
    "styles": "# top\r\n" + HEAD.replace("\n", "  # c\r\n") + "      blk: |\r\n        Line one\r\n        line two\r\n"
              "      fold: >-\r\n        folded\r\n        text\r\n      f: {en-US: '=1+1', es-US: \"-5 \", note: '@x'}\r\n"
              "      q: 'No'\r\n      sp: '  spaced  '\r\n",
    "fallback notes": HEAD.replace("    prompts:", "    missing_translation: fallback\n    prompts:")
                      + "      a: {en-US: Hi., note: '  padded note '}\n      b:\n        es-US: Hola.\n",
}


@pytest.mark.parametrize("kind", list(HOSTILE))
@pytest.mark.parametrize("options", [(), ("--delimiter", "tab"), ("--delimiter", ";", "--bom")])
def test_an_unedited_export_reimports_without_changing_a_byte(tmp_path, kind, options):
    path, sheet_path = sheet_files(tmp_path, HOSTILE[kind], "")
    original = path.read_bytes()
    assert narrate_in("validate", str(path), cwd=tmp_path).returncode == 0
    out = narrate_in("export", "csv", str(path), "-o", str(sheet_path), *options, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    stamp = path.stat().st_mtime_ns
    done = narrate_in("import", "csv", str(sheet_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("0 texts or notes updated, 0 prompts added, 0 prompts not in the sheet "
                                        "(kept); unchanged"), (done.stdout, done.stderr)
    assert path.read_bytes() == original and path.stat().st_mtime_ns == stamp


def test_edits_to_hostile_names_land_on_their_own_prompts(tmp_path):
    path, sheet_path = sheet_files(tmp_path, HOSTILE["numeric names"] + "      intro.wav: Intro.\n",
                              "name,en-US\n010,Ten!\n1.10,One ten!\nintro.wav,Intro!\n")
    done = narrate_in("import", "csv", str(sheet_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "0 prompts added" in done.stdout
    texts = _texts(path)
    assert (texts[("010", "en-US")], texts[("1.10", "en-US")], texts[("intro.wav", "en-US")]) == (
        "Ten!", "One ten!", "Intro!")
    assert texts[("0x1F", "en-US")] == "Hex." and texts[("n", "en-US")] == "1.10" and len(texts) == 8
    text = path.read_text(encoding="utf-8")
    assert "      0x1F: Hex.\n" in text and "      12:30: Half past.\n" in text


def test_a_sheet_in_the_manifests_language_spelling_updates_those_languages(tmp_path):
    path, sheet_path = sheet_files(tmp_path, HOSTILE["language spellings"], "name,EN_US,pt-br\na,Hello.,Olá.\n")
    done = narrate_in("import", "csv", str(sheet_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _texts(path) == {("a", "en-us"): "Hello.", ("a", "pt_BR"): "Olá.", ("b", "en-us"): "Bye."}
    assert "languages" not in done.stderr  # no language added


def test_a_crlf_manifest_keeps_its_line_ends_when_edited(tmp_path):
    path, sheet_path = sheet_files(tmp_path, HOSTILE["styles"], "name,en-US\nq,Yes\n")
    done = narrate_in("import", "csv", str(sheet_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    raw = path.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") and b"      q: 'Yes'\r\n" in raw


def test_errors_of_the_merged_manifest_name_the_files_own_lines_and_the_sheets(tmp_path):
    manifest = HEAD + "      a: One.\n      b: Two.\n      welcome: Hello.\n"
    path, sheet_path = sheet_files(tmp_path, manifest, 'name,en-US,es-US\na,,Uno.\nwelcome,"<break time=""99s""/>Hi",\n')
    before = snapshot(tmp_path)
    done = narrate_in("import", "csv", "edit.csv", "--into", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:12: libraries.shop.prompts.welcome.en-US:", "99s", "(from edit.csv line 3)")
    assert snapshot(tmp_path) == before
