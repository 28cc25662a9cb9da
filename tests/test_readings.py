"""Readings that were wrong: national telephone numbers in space-separated groups, read digit by
digit with a pause between groups (a trunk prefix 0: UK `0800 123 4567`, DE `030 1234 5678`; or three or
more groups of unequal lengths: MX `55 1234 5678`), where they were read as quantities (thousands in
threes and runs of years stay numbers); Spanish ordinals before a noun ("el primer piso", not "primero");
a count before a noun agrees with it ("un mensaje", "una hora", "eine neue Nachricht", "une minute")."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from narrate.text.normalize import normalize


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-GB", "Call 0800 123 4567.", "Call zero eight zero zero, one two three, four five six seven."),
    ("en-GB", "Call 020 7946 0018 today.", "Call zero two zero, seven nine four six, zero zero one eight today."),
    ("es-MX", "Llame al 55 1234 5678.", "Llame al cinco cinco, uno dos tres cuatro, cinco seis siete ocho."),
    ("de-DE", "Rufen Sie 030 1234 5678 an.", "Rufen Sie null drei null, eins zwei drei vier, fünf sechs sieben acht an."),
])
def test_grouped_national_numbers_are_read_digit_by_digit(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written"), [
    ("fr-FR", "Il y a 12 345 678 habitants."),  # thousands
    ("en-US", "Press 1 2 or 3."),  # too few digits
    ("en-US", "Years 1990 2000 2010."),  # equal groups, no trunk prefix
])
def test_quantities_stay_quantities(language, written):
    assert not normalize(written, language).count(", ")


def test_a_grouped_number_in_a_prompt_through_the_cli(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {en-GB: en-gb}\n    prompts:\n      call: Call 0800 123 4567.\n")
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]
    assert row["spoken"] == "Call zero eight zero zero, one two three, four five six seven."


@pytest.mark.parametrize(("written", "spoken"), [
    ("el 1.º piso", "el primer piso"), ("el 3.er piso", "el tercer piso"), ("el 1.er piso", "el primer piso"),
    ("el 21.º piso", "el vigésimo primer piso"), ("la 1.ª vez", "la primera vez"), ("quedó 1.º", "quedó primero"),
    ("el 1.º de la lista", "el primero de la lista"), ("el 2.º piso", "el segundo piso"),
])
def test_spanish_ordinals_drop_their_o_before_a_noun(written, spoken):
    assert normalize(written, "es-ES") == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("es-MX", "Tiene 1 mensaje nuevo.", "Tiene un mensaje nuevo."),
    ("es-MX", "Tiene 1 hora.", "Tiene una hora."),
    ("es-MX", "Tiene 21 mensajes.", "Tiene veintiún mensajes."),
    ("es-MX", "Tiene 200 horas.", "Tiene doscientas horas."),
    ("es-ES", "Hay 21 opciones.", "Hay veintiuna opciones."),
    ("es-MX", "31 días", "treinta y un días"),
    ("es-ES", "1 problema", "un problema"),
    ("es-MX", "Presione 1 para ventas.", "Presione uno para ventas."),
    ("fr-FR", "Patientez 1 minute.", "Patientez une minute."),
    ("fr-FR", "Il y a 21 minutes.", "Il y a vingt et une minutes."),
    ("fr-FR", "Appuyez sur 1.", "Appuyez sur un."),
    ("de-DE", "Sie haben 1 neue Nachricht.", "Sie haben eine neue Nachricht."),
    ("de-DE", "1 Euro", "ein Euro"),
    ("de-DE", "Drücken Sie 1 für Verkauf.", "Drücken Sie eins für Verkauf."),
    ("de-DE", "1 oder 2 Tage", "ein oder zwei Tage"),
    ("en-US", "Wait 1 minute.", "Wait one minute."),
])
def test_a_count_agrees_with_its_noun(language, written, spoken):
    assert normalize(written, language) == spoken


def test_a_count_in_a_prompt_through_the_cli(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {es-MX: es}\n    prompts:\n      new: Tiene 1 mensaje nuevo.\n")
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]
    assert row["spoken"] == "Tiene un mensaje nuevo."
