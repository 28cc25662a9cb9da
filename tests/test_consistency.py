"""Cross-language consistency warnings (issue 13 item 5): numbers, placeholders, untranslated texts
and lengths that disagree between the languages of one prompt; warnings in validate, plan and build,
never errors."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import narrate_in
from narrate.manifest import load_manifest
from narrate.manifest.advice import numbers, placeholders, prompt_warnings, weighted_length

MANIFEST = """\
version: 1
libraries:
  ivr:
    output: out
    formats: [wav]
    languages: {en-US: en-us, es-ES: es, fr-FR: fr, en-GB: en-gb}
    prompts:
      menu:
        en-US: For billing, press 5.
        es-ES: Para facturación, oprima 6.
        fr-FR: Pour la facturation, appuyez sur 6.
      hours:
        en-US: We are open from 8 to 6.
        es-ES: Abrimos de 8 a 6.
      brand:
        en-US: Northwind Dental
        es-ES: Northwind Dental
      untranslated:
        en-US: Please hold while we connect you.
        es-ES: Please hold while we connect you.
        en-GB: Please hold while we connect you.
      long:
        en-US: Thank you for calling us today.
        es-ES: Gracias por llamarnos hoy. Nuestro horario de atención es de lunes a viernes, de nueve a cinco.
"""


def _path(tmp_path: Path) -> Path:
    path = tmp_path / "ivr.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


EXPECTED = [
    "ivr.yaml:6: libraries.ivr.languages.fr-FR: 4 prompt(s) missing in fr-FR: hours, brand, untranslated, long",
    "ivr.yaml:6: libraries.ivr.languages.en-GB: 4 prompt(s) missing in en-GB: menu, hours, brand, long",
    "ivr.yaml:9: libraries.ivr.prompts.menu: the languages disagree on numbers: 5 in en-US; 6 in es-ES, fr-FR",
    "ivr.yaml:20: libraries.ivr.prompts.untranslated.es-ES: same text as en-US: untranslated?",
    "ivr.yaml:24: libraries.ivr.prompts.long.es-ES: 3.1 times as long as any other language "
    "(95 characters, 31 at most in the others): an extra sentence or a wrong text?",
]


def test_warnings_of_a_manifest_exactly(tmp_path):
    manifest = load_manifest(_path(tmp_path))
    assert [str(w).replace(str(tmp_path) + "/", "") for w in manifest.warnings] == EXPECTED


def test_numbers_compare_values_across_digit_forms_and_grouping():
    assert numbers("Press ٥ or ५, then 1,000 or 1.000 or 1 000") == {5: 2, 1000: 3}
    assert numbers("Wait <break time=\"300ms\"/> for {0} of 2.5") == {2: 1, 5: 1}
    assert prompt_warnings({"en-US": "Press 5.", "ar-EG": "اضغط ٥."}) == []
    assert prompt_warnings({"en-US": "It costs 1,500 dollars.", "de-DE": "Es kostet 1.500 Dollar."}) == []
    assert prompt_warnings({"en-US": "Press five.", "es-ES": "Oprima 5."}) == [
        (None, "the languages disagree on numbers: none in en-US; 5 in es-ES")]


def test_placeholders_must_match():
    assert placeholders("Hello {name}, you have %d messages and ${count} calls") == {"{name}": 1, "%d": 1, "${count}": 1}
    assert prompt_warnings({"en-US": "Hello {name}.", "fr-FR": "Bonjour {nom}."}) == [
        (None, "the languages disagree on placeholders: {name} in en-US; {nom} in fr-FR")]


def test_identical_texts_need_two_primary_languages_and_a_sentence():
    same = "Please hold while we connect you."
    assert prompt_warnings({"en-US": same, "en-GB": same}) == []  # one language, two regions
    assert prompt_warnings({"en-US": "Taxi rank", "de-DE": "Taxi rank"}) == []  # two words
    assert prompt_warnings({"en-US": "OK now go", "de-DE": "OK now go"}) == []  # 7 letters
    assert prompt_warnings({"en-US": same, "de-DE": " please  HOLD while we connect you. "}) == [
        ("de-DE", "same text as en-US: untranslated?")]


def test_length_ratio_and_the_weight_of_wide_characters():
    assert weighted_length("谢谢您的来电") == 18 and weighted_length("Hi <break time=\"1s\"/> there") == 8
    english = "Thank you for calling, please hold."  # 35 characters
    assert prompt_warnings({"en-US": english, "zh-CN": "感谢您的来电，请稍候。"}) == []  # 33 weighted
    assert prompt_warnings({"en-US": "Press one.", "de-DE": "Drücken Sie bitte jetzt die Eins."}) == []  # short
    assert prompt_warnings({"en-US": "x" * 20, "de-DE": "y" * 40}) == [
        ("de-DE", "2.0 times as long as any other language (40 characters, 20 at most in the others): "
                  "an extra sentence or a wrong text?")]
    assert prompt_warnings({"en-US": "x" * 20, "de-DE": "y" * 39}) == []


def test_validate_plan_and_build_print_the_warnings_and_succeed(tmp_path):
    path = _path(tmp_path)
    valid = narrate_in("validate", str(path), cwd=tmp_path)
    assert valid.returncode == 0, valid.stderr
    printed = [line.replace(str(tmp_path) + "/", "") for line in valid.stderr.splitlines() if line.startswith("warning: ")]
    assert printed == [f"warning: {w}" for w in EXPECTED]
    plan = narrate_in("plan", "--json", str(path), cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert [w.replace(str(tmp_path) + "/", "") for w in json.loads(plan.stdout)["warnings"]] == EXPECTED
    text_plan = narrate_in("plan", str(path), cwd=tmp_path)
    assert text_plan.returncode == 0 and text_plan.stderr.count("warning: ") == 5


def test_compare_languages_false_silences_a_prompt_that_differs_on_purpose(tmp_path):
    path = _path(tmp_path)
    path.write_text(MANIFEST.replace("      menu:\n", "      menu:\n        compare_languages: false\n"), encoding="utf-8")
    shown = [str(w).replace(str(tmp_path) + "/", "") for w in load_manifest(path).warnings]
    assert [w for w in shown if ".prompts.menu" in w] == [] and len(shown) == len(EXPECTED) - 1


def test_the_shipped_demo_validates_without_warnings():
    from conftest import ROOT

    demo = narrate_in("validate", str(ROOT / "manifests" / "demo.yaml"), cwd=ROOT)
    assert demo.returncode == 0 and "warning" not in demo.stderr, demo.stderr


def test_prompt_names_windows_cannot_hold_are_warned_at_their_line(tmp_path):
    """Linux writes `con.wav` or `menu/aux.old.wav`; a Windows checkout, archive or IVR server cannot."""
    from narrate.manifest.advice import windows_problem

    assert [windows_problem(n) for n in ("con", "menu/aux.old", "Com1", "lpt9/x", "what?", "a:b", "dir./x", "dots.",
                                         "console", "main/com1x", "comet", "nul-tone")] == [
        "CON is a reserved device name", "AUX is a reserved device name", "COM1 is a reserved device name",
        "LPT9 is a reserved device name", "'?' is not allowed", "':' is not allowed",
        "a folder name may not end in a dot or a space", None, None, None, None, None]
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  s:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {en-US: en-us}\n    prompts:\n      welcome: Hi.\n      con: Hello.\n")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0
    assert ("warning: m.yaml:9: libraries.s.prompts.con: not a file name on Windows (CON is a reserved device name): "
            "a Windows checkout or IVR server cannot hold its files") in done.stderr.splitlines()


def test_language_folders_windows_cannot_hold_are_warned_at_their_line(tmp_path):
    """Every prompt's file lies in its language's folder: `path: aux` (or `path: "en."`) made a set no
    Windows IVR server could hold, and only prompt names were warned."""
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  s:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages:\n      en-US: {voice: en-us, path: aux}\n"
                                     "      en-GB: {voice: en-gb, path: 'gb.'}\n      es-US: {voice: es-419, path: es}\n"
                                     "    prompts:\n      welcome: {en-US: Hi., en-GB: Hi., es-US: Hola.}\n")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0
    assert [line for line in done.stderr.splitlines() if "Windows" in line] == [
        "warning: m.yaml:7: libraries.s.languages.en-US.path: 'aux' is not a folder name on Windows (AUX is a reserved "
        "device name): a Windows checkout or IVR server cannot hold its files",
        "warning: m.yaml:8: libraries.s.languages.en-GB.path: 'gb.' is not a folder name on Windows (a folder name may "
        "not end in a dot or a space): a Windows checkout or IVR server cannot hold its files"]


def test_windows_names_found_in_one_pass_are_those_found_name_by_name(tmp_path):
    """library_warnings searches all names at once and looks name by name only on a hit: every name
    with a problem is still warned, with its own reason, wherever it sits among the others."""
    import random

    from narrate.manifest.advice import library_warnings, windows_problem

    pieces = ["con", "aux.old", "Com1", "lpt9", "nul", "a", "menu", "b.", "c ", "x?", "ab:c", "con1", "aux_", "g.h", "prn"]
    rng = random.Random(7)
    warned = 0
    alone = [["alpha", bad, "zeta"] for bad in ("con", "menu/aux.old", "Com1", "lpt9/x", "x/nul", "dir./x", "a/prn")]
    for trial in range(60 + len(alone)):
        pool = pieces if trial % 2 else ["a", "menu", "g.h", "con1", "aux_", "nulls", "b"]  # half: no problem
        names = sorted({"/".join(rng.choice(pool) for _ in range(rng.randint(1, 3))).strip() for _ in range(6)})
        names = [n for n in names if not n.endswith(" ") and "/ " not in n and " /" not in n and n[:1] != " "] or ["ok"]
        if trial >= 60:  # one problem among clean names, at a name's start or end
            names = alone[trial - 60]
        body = "".join(f'      "{n}": "Hello."\n' for n in names)
        path = tmp_path / f"m{trial}.yaml"
        path.write_text("version: 1\nlibraries:\n  s:\n    output: out\n    layout: asterisk\n    formats: [wav]\n"
                        "    languages:\n      en-US: {voice: en-us, path: en}\n    prompts:\n" + body)
        lib = load_manifest(path).libraries[0]
        found = {p.key_path.split(".prompts.", 1)[1]: p.message for p in library_warnings(lib, path.name)
                 if "on Windows" in p.message}
        expected = {n: windows_problem(n) for n in names if windows_problem(n)}
        assert found.keys() == expected.keys(), names
        assert all(f"({expected[n]})" in found[n] for n in expected), names
        warned += bool(expected)
    assert 10 < warned < 60 + len(alone)  # names with problems and libraries without any
