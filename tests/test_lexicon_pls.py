"""`lexicon: names.pls`: a W3C PLS file (what Polly's PutLexicon and Azure take) read as narrate's
lexicon, under its xml:lang (bad files: tests/test_pls_lexicon.py)."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from narrate.manifest import load_manifest
from narrate.prepare import load_lexicon

PLS = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="{lang}">
  <lexeme><grapheme>Nguyen</grapheme><phoneme>wɪn</phoneme></lexeme>
  <lexeme>
    <grapheme>W3C</grapheme>
    <grapheme>w3c</grapheme>
    <alias>World Wide Web Consortium</alias>
  </lexeme>
  <lexeme><grapheme>Northwind</grapheme><alias>North wind</alias><phoneme alphabet="x-sampa">nO:T wInd</phoneme></lexeme>
</lexicon>
"""
MANIFEST = (
    "version: 1\nlexicon: {file}\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw]\n"
    "    languages:\n      en-US: {{voice: en-us}}\n    prompts:\n"
    "      a: Mr Nguyen of Northwind joined the W3C.\n"
)


def project(tmp_path, pls: str, file: str = "names.pls"):
    (tmp_path / file).write_text(pls, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(MANIFEST.format(file=file), encoding="utf-8")
    return tmp_path / "m.yaml"


@pytest.mark.parametrize("file", ["names.pls", "names.xml"])
def test_a_pls_file_is_read_as_the_lexicon_of_its_language(tmp_path, file):
    manifest = load_manifest(project(tmp_path, PLS.format(lang="en-US"), file))
    lexicon = load_lexicon(manifest)
    assert (
        lexicon.apply("Mr Nguyen of Northwind joined the W3C.", "en-US")
        == "Mr Nguyen of North wind joined the World Wide Web Consortium."
    )  # Nguyen: ipa only, said as written
    assert lexicon.phonetic_entries("Mr Nguyen of Northwind", "en-US", ("ipa", "x-sampa")) == (
        ("Nguyen", "ipa", "wɪn"),
        ("Northwind", "x-sampa", "nO:T wInd"),
    )
    assert lexicon.apply("Northwind", "es-US") == "Northwind"  # an en-US lexicon


def test_a_pls_lexicon_reaches_the_build_and_its_spoken_text(tmp_path):
    project(tmp_path, PLS.format(lang="en-US"))
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]
    assert row["spoken"] == "Mr Nguyen of North wind joined the World Wide Web Consortium."


def test_a_pls_language_near_the_manifest_is_warned(tmp_path):
    # "en" covers en-US (RFC 4647 lookup): no warning; "en-GB" is a sibling the prompts never use.
    project(tmp_path, PLS.format(lang="en"))
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr
    project(tmp_path, PLS.format(lang="en-GB"))
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning: names.pls:2: languages.en-GB: these rules apply only to text in en-GB" in done.stderr
