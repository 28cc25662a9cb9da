"""Readings that were wrong: the keypad's # and * (a prompt's "Press # to repeat" reached the engine as
"#", which eSpeak says "number sign"; "Dial *67" as "asterisk sixty-seven"; "order #12345" kept its
"#"), a year linked to a cued one ("from 2020 to 2024" was "twenty twenty to two thousand
twenty-four"), and version numbers and addresses ("2.0.1" was "two point zero.one")."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from narrate.text.normalize import normalize


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Press # to repeat, or * to go back.", "Press pound to repeat, or star to go back."),
    ("en-CA", "Enter your PIN followed by the # key.", "Enter your PIN followed by the pound key."),
    ("en-GB", "Press # to repeat, or * to go back.", "Press hash to repeat, or star to go back."),
    ("en-AU", "Then press #.", "Then press hash."),
    ("en-US", "Your order #12345 ships soon.", "Your order number twelve thousand three hundred forty-five ships soon."),
    ("en-US", "Dial *67 to hide your number, or *123# for your balance.",
     "Dial star six seven to hide your number, or star one two three pound for your balance."),
    ("en-US", "Press #31# then **21*.", "Press pound three one pound then star star two one star."),
    ("en-US", "It is 5 * 3.", "It is five times three."),
    ("es-ES", "Pulse # para repetir o * para volver.", "Pulse almohadilla para repetir o asterisco para volver."),
    ("es-MX", "Presione # para repetir.", "Presione numeral para repetir."),
    ("de-DE", "Drücken Sie # oder *.", "Drücken Sie Raute oder Stern."),
    ("fr-FR", "Appuyez sur # ou sur *.", "Appuyez sur dièse ou sur étoile."),
])
def test_keypad_symbols_are_said_as_keys(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize("written", [
    "* Terms apply.",  # a footnote's asterisk opening the text
    "Price* excludes tax.", "C# and F# are languages.", "Follow #support.", "The ** operator.",
])
def test_symbols_that_are_no_keys_stay_as_written(written):
    assert normalize(written, "en-US") == written


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "From 2020 to 2024.", "From twenty twenty to twenty twenty-four."),
    ("en-US", "Between 1990 and 2000, or 2005.", "Between nineteen ninety and two thousand, or two thousand five."),
    ("en-US", "In 1999 and 2500 people.", "In nineteen ninety-nine and two thousand five hundred people."),
    ("de-DE", "Von 2020 bis 2024.", "Von zweitausendzwanzig bis zweitausendvierundzwanzig."),
    ("de-DE", "Zwischen 1990 und 2000.", "Zwischen neunzehnhundertneunzig und zweitausend."),
])
def test_a_year_linked_to_a_cued_year_is_a_year(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Version 2.0.1 is out.", "Version two point zero point one is out."),
    ("en-US", "Update to 10.15.7 now.", "Update to ten point fifteen point seven now."),
    ("en-US", "Version 2.05.1 now.", "Version two point zero five point one now."),
    ("en-US", "Connect to 192.168.1.1 today.",
     "Connect to one hundred ninety-two dot one hundred sixty-eight dot one dot one today."),
    ("de-DE", "Version 2.0.1 am 1.5.2024.", "Version zwei Punkt null Punkt eins am ersten Mai zweitausendvierundzwanzig."),
    ("es-ES", "Versión 3.2.1 y 1.234.567 euros.",
     "Versión tres punto dos punto uno y un millón doscientos treinta y cuatro mil quinientos sesenta y siete euros."),
    ("fr-FR", "La version 2.0.1.", "La version deux point zéro point un."),
])
def test_dotted_numbers_are_versions_or_addresses(language, written, spoken):
    assert normalize(written, language) == spoken


def test_keys_in_a_prompt_through_the_cli(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {en-US: en-us}\n    prompts:\n"
                                     "      repeat: 'Press # to repeat, or *67 to hide your number.'\n")
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]
    assert row["spoken"] == "Press pound to repeat, or star six seven to hide your number."
    assert row["text"] == "Press # to repeat, or *67 to hide your number."
