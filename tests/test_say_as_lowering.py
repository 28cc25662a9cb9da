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
