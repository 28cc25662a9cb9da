"""`import csv` column headers and `--delimiter`: name and number headers (`id`, `No`) are never
languages, a header is one only when it plausibly is, a manifest's own languages count in any
spelling, and `export csv` takes the delimiter names `import csv` takes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import assert_clean_failure, narrate_in
from sheets import HEAD, sheet_files


def _texts(path: Path) -> dict[tuple[str, str], str]:
    from narrate.manifest import load_manifest

    lib = load_manifest(path).libraries[0]
    return {(p.name, p.language): p.text for p in lib.prompts if p.fallback_from is None}


@pytest.mark.parametrize("header", ["id", "No", "Nr", "nr.", "num", "row", "#"])
def test_name_and_number_headers_are_never_languages(tmp_path, header):
    _, sheet_path = sheet_files(tmp_path, HEAD, f"{header},name,en-US\n1,a,Hello.\n2,b,Bye.\n")
    done = narrate_in("import", "csv", str(sheet_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lib = yaml.safe_load(done.stdout)["libraries"]["prompts"]
    assert list(lib["languages"]) == ["en-US"] and lib["prompts"] == {"a": "Hello.", "b": "Bye."}
    assert f"skipped column '{header}': not a language" in done.stderr


def test_a_header_is_a_language_only_when_plausibly_one(tmp_path):
    _, sheet_path = sheet_files(tmp_path, HEAD, "name,No,xx,yue,fr,pt_BR\na,1,x,y,Bonjour.,Olá.\n")
    done = narrate_in("import", "csv", str(sheet_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert list(yaml.safe_load(done.stdout)["libraries"]["prompts"]["languages"]) == ["fr", "pt-BR"]
    for header in ("No", "xx", "yue"):
        assert f"give --language '{header}=TAG' if it is one" in done.stderr
    only = tmp_path / "only.csv"
    only.write_text("name,id\na,1\n", encoding="utf-8")
    refused = narrate_in("import", "csv", str(only), cwd=tmp_path)
    assert_clean_failure(refused, 2, "only.csv:1: no language column", "'id': not a language: a name or number header")
    given = narrate_in("import", "csv", str(only), "--language", "id=id-ID", cwd=tmp_path)  # Indonesian, said so
    assert given.returncode == 0 and list(yaml.safe_load(given.stdout)["libraries"]["prompts"]["languages"]) == ["id-ID"]


def test_a_manifests_own_language_is_a_language_in_any_spelling(tmp_path):
    manifest = HEAD.replace("en-US: {voice: en-us}", "'no': {voice: nb}").replace("es-US: {voice: es-419}",
                                                                                "yue: {voice: yue}")
    path, sheet_path = sheet_files(tmp_path, manifest + "      a: Hei.\n", "name,NO,YUE\na,Hei!,\n")
    done = narrate_in("import", "csv", str(sheet_path), "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _texts(path) == {("a", "no"): "Hei!"}


@pytest.mark.parametrize(("name", "sep"), [("tab", "\t"), ("\\t", "\t"), ("semicolon", ";"), ("pipe", "|"), (";", ";")])
def test_export_and_import_take_the_same_delimiter_names(tmp_path, name, sep):
    path, sheet_path = sheet_files(tmp_path, HEAD + "      a: {en-US: 'One, two', es-US: Uno}\n", "")
    out = narrate_in("export", "csv", str(path), "--delimiter", name, "-o", str(sheet_path), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert sheet_path.read_text(encoding="utf-8").splitlines()[0] == sep.join(["name", "en-US", "es-US", "note"])
    done = narrate_in("import", "csv", str(sheet_path), "--delimiter", name, "--into", str(path), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip().endswith("; unchanged"), done.stderr
    bad = narrate_in("export", "csv", str(path), "--delimiter", "tabs", cwd=tmp_path)
    assert_clean_failure(bad, 2, "a delimiter is one character (or `tab`), not 'tabs'")
