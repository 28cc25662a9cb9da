"""say-as read by narrate's own front-end for a provider without SSML (or without that say-as value):
the words must be the ones the provider that reads the element natively would say."""

from __future__ import annotations

import pytest

from narrate.text.markup import PLAIN, compile_pieces


def _said(value: str, kind: str, language: str) -> str:
    (piece,) = compile_pieces(f'<say-as interpret-as="{kind}">{value}</say-as>', language, PLAIN)
    return piece.text


@pytest.mark.parametrize(("value", "language", "said"), [
    ("+1 555 010 9999", "en-US", "plus one, five five five, zero one zero, nine nine nine nine"),
    ("+34 912 345 678", "es-ES", "más tres cuatro, nueve uno dos, tres cuatro cinco, seis siete ocho"),
    ("+49 30 1234", "de-DE", "plus vier neun, drei null, eins zwei drei vier"),
    ("1-800-FLOWERS", "en-US", "one, eight zero zero, FLOWERS"),
])
def test_telephone_says_the_plus_and_keeps_letters(value, language, said):
    assert _said(value, "telephone", language) == said


@pytest.mark.parametrize(("value", "language", "said"), [
    ("1999", "en-US", "nineteen ninety-nine"),
    ("12/25", "en-US", "December twenty-fifth"),
    ("2024-12-25", "en-US", "December twenty-fifth, twenty twenty-four"),
    ("25/12", "es-US", "veinticinco de diciembre"),
    ("1999", "de-DE", "neunzehnhundertneunundneunzig"),
    ("25/12", "fr-FR", "vingt-cinq décembre"),
    ("3/4", "en-US", "March fourth"),
    ("3/4", "es-ES", "tres de abril"),
    ("3/4", "fr-FR", "trois avril"),
    ("2025-03-01", "de-DE", "erster März zweitausendfünfundzwanzig"),
    ("03.04.", "de-DE", "der dritte April."),
    ("March 3", "en-US", "March third"),
])
def test_a_date_standing_alone_is_read_as_a_date(value, language, said):
    assert _said(value, "date", language) == said


def test_a_date_after_a_word_keeps_its_declension():
    (piece,) = compile_pieces('Call <say-as interpret-as="date">1999</say-as>.', "en-US", PLAIN)
    assert piece.text == "Call nineteen ninety-nine."
    (piece,) = compile_pieces('am <say-as interpret-as="date">1.3.2025</say-as>', "de-DE", PLAIN)
    assert piece.text == "am ersten März zweitausendfünfundzwanzig"


def test_validate_refuses_a_say_as_date_that_is_no_date_in_its_language(tmp_path):
    from conftest import assert_clean_failure, narrate_in

    (tmp_path / "m.yaml").write_text(
        "version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n"
        "    languages: {en-US: en-us, es-ES: es}\n    prompts:\n"
        "      due:\n        en-US: 'Due <say-as interpret-as=\"date\">12/25/2024</say-as>.'\n"
        "        es-ES: 'Vence el <say-as interpret-as=\"date\">13/25/2024</say-as>.'\n"
        "      bad: {en-US: 'Due <say-as interpret-as=\"date\">2024-13-45</say-as>.'}\n", encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    # 13/25 is a date in no order (it was read "trece/veinticinco/dos mil veinticuatro"); "12/25/2024", whose only
    # reading is month first, is read so in any region (test_readings_intl.REGIONAL).
    assert_clean_failure(done, 2, "m.yaml:10:", "prompts.due.es-ES", "say-as date '13/25/2024' is not a date "
                                                                      "narrate can read in es-ES")
    assert_clean_failure(done, 2, "m.yaml:11:", "prompts.bad.en-US", "say-as date '2024-13-45' is not a date")
    assert "prompts.due.en-US" not in done.stderr
