"""Decades, midnight and numeric ranges (a tester's misreadings): "the 1990s" was "one thousand nine
hundred ninety seconds", "until 24:00" was "twelve PM" (noon), "5-10 minutes" was "five-ten minutes"."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from narrate.text.normalize import NORMALIZER_VERSION, normalize

DECADES = [
    ("en-US", "Hits from the 1990s.", "Hits from the nineteen nineties."),
    ("en-US", "the 90s, the '90s and the \u201990s", "the nineties, the nineties and the nineties"),
    ("en-US", "the 1800s and the 2000s", "the eighteen hundreds and the two thousands"),
    ("en-US", "a 1990s car, mid-90s, in her early 20s, the '80s and 90s",
     "a nineteen nineties car, mid-nineties, in her early twenties, the eighties and nineties"),
    # A two-digit number + "s" without an article, apostrophe or the like stays seconds.
    ("en-US", "a 5s timeout, wait 30s, then 95s", "a five second timeout, wait thirty seconds, then ninety-five seconds"),
    ("de-DE", "in den 90ern", "in den Neunzigern"),
    ("de-DE", "die 90er, in den 1990ern, die 80er Jahre", "die Neunziger, in den Neunzehnhundertneunzigern, die achtziger Jahre"),
    ("es-ES", "los 90s y los años 80", "los noventa y los años ochenta"),
    ("fr-FR", "les années 90s", "les années quatre-vingt-dix"),
]


@pytest.mark.parametrize("language, written, spoken", DECADES)
def test_decades_are_no_seconds(language, written, spoken):
    assert normalize(written, language) == spoken


TIMES = [
    ("en-US", "open until 24:00", "open until midnight"),
    ("en-US", "open from 00:00", "open from midnight"),  # "twelve AM" is heard as noon or midnight (AP style)
    ("de-DE", "bis 24:00 Uhr", "bis vierundzwanzig Uhr"),
    ("es-ES", "hasta las 24:00", "hasta las veinticuatro horas"),
    ("fr-FR", "jusqu'à 24:00", "jusqu'à vingt-quatre heures"),
]


@pytest.mark.parametrize("language, written, spoken", TIMES)
def test_midnight_at_the_end_of_the_day(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize("language", ["en-US", "de-DE", "es-ES", "fr-FR"])
def test_past_24_is_no_time(language):
    for written in ("24:01", "24:30"):
        said = normalize(f"at {written}", language)
        assert ":" in said and "PM" not in said and "midnight" not in said, said


RANGES = [
    ("en-US", "wait 5-10 minutes", "wait five to ten minutes"),
    ("en-US", "wait 5\u201310 minutes", "wait five to ten minutes"),
    ("en-US", "between 5-10 days, 5-10 km, 2.5-3.5 kg, 1990-1995",
     "between five and ten days, five to ten kilometers, two point five to three point five kilograms, "
     "nineteen ninety to nineteen ninety-five"),
    ("de-DE", "von 9-17 Uhr", "von neun bis siebzehn Uhr"),
    ("es-ES", "de 5-10 minutos", "de cinco a diez minutos"),
    ("es-ES", "5-10 minutos", "cinco a diez minutos"),
    ("fr-FR", "de 5-10 minutes, de 9-17h", "de cinq à dix minutes, de neuf à dix-sept heures"),
    # Not ranges: a score, a smaller second number, dates, telephone numbers, codes, chains, negatives.
    ("en-US", "We won 2-3, a 3-1 lead, pages 10-5.", "We won two-three, a three-one lead, pages ten-five."),
    ("en-US", "On 2025-03-01 call 555-1234.", "On March first, twenty twenty-five call five five five, one two three four."),
    # A label's number: "Listing 1-2" numbers a listing by chapter (was "Listing one to two").
    ("en-US", "Listing 1-2, Figure 4-5 and Table 3-4; see Fig. 2-3. Figures 4-5 and pages 5-10.",
     "Listing one-two, Figure four-five and Table three-four; see figure two-three. Figures four to five and pages five to ten."),
    ("de-DE", "Siehe Abbildung 4-5 und Tabelle 1-2.", "Siehe Abbildung vier-fünf und Tabelle eins-zwei."),
    ("es-ES", "Véase la figura 4-5.", "Véase la figura cuatro-cinco."),
    ("fr-FR", "Voir la figure 4-5.", "Voir la figure quatre-cinq."),
    ("en-US", "A4-10, Model 3-10A, 1234-5678, 5-10-15, -5-10",
     "A four-ten, Model three-ten A, one thousand two hundred thirty-four-five thousand six hundred seventy-eight, "
     "five-ten-fifteen, minus five-ten"),
]


@pytest.mark.parametrize("language, written, spoken", RANGES)
def test_numeric_ranges(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize("language, written, _spoken", DECADES + TIMES + RANGES)
def test_idempotent(language, written, _spoken):
    once = normalize(written, language)
    assert normalize(once, language) == once


def test_rule_change_is_not_a_version():
    # Only the texts whose reading changes get new keys (their spoken text is in the key).
    assert NORMALIZER_VERSION == "spoken-8"


def test_cli_build_says_them(tmp_path):
    prompts = {
        "en-US": {"decade": "Hits from the 1990s.", "late": "Open until 24:00.", "wait": "Wait 5-10 minutes."},
        "de-DE": {"decade": "Musik der 90er und aus den 90ern.", "late": "Offen von 9-17 Uhr und bis 24:00 Uhr."},
        "es-ES": {"wait": "Espere 5-10 minutos, hasta las 24:00."},
        "fr-FR": {"wait": "Attendez 5-10 minutes, jusqu'à 24:00."},
    }
    voices = {"en-US": "en-us", "de-DE": "de", "es-ES": "es", "fr-FR": "fr"}
    for language, texts in prompts.items():
        folder = tmp_path / language
        folder.mkdir()
        lines = "".join(f"      {name}: {json.dumps(text)}\n" for name, text in texts.items())
        (folder / "m.yaml").write_text(
            "version: 1\nlibraries:\n  ivr:\n    output: out\n    provider: espeak\n    formats: [wav]\n"
            f"    languages:\n      {language}: {{voice: {voices[language]}, path: x}}\n    prompts:\n{lines}")
        done = narrate_in("-q", "build", "m.yaml", "--cache-dir", str(tmp_path / "cache"), cwd=folder)
        assert done.returncode == 0, done.stderr
        rows = json.loads((folder / "out" / "index.json").read_text())["prompts"]
        spoken = {row["name"]: row["spoken"] for row in rows}
        assert spoken == {
            "en-US": {"decade": "Hits from the nineteen nineties.", "late": "Open until midnight.",
                      "wait": "Wait five to ten minutes."},
            "de-DE": {"decade": "Musik der Neunziger und aus den Neunzigern.",
                      "late": "Offen von neun bis siebzehn Uhr und bis vierundzwanzig Uhr."},
            "es-ES": {"wait": "Espere cinco a diez minutos, hasta las veinticuatro horas."},
            "fr-FR": {"wait": "Attendez cinq à dix minutes, jusqu'à vingt-quatre heures."},
        }[language]
