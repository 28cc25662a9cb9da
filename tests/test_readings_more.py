"""More readings that were wrong when numbers are said in words: a range of amounts said its currency
after the first number ("$5-10" was "five dollars to ten")."""

from __future__ import annotations

import pytest

from narrate.text.normalize import normalize

MONEY_RANGES = [
    ("en-US", "$5-10", "five to ten dollars"),
    ("en-US", "€5\u201310", "five to ten euros"),
    ("en-US", "$5 - $10", "five to ten dollars"),
    ("en-US", "$5-$10 a month", "five to ten dollars a month"),
    ("en-US", "between $5-10", "between five and ten dollars"),
    ("en-US", "$5-10k", "five to ten thousand dollars"),
    ("en-US", "$1.5-2 million", "one point five to two million dollars"),
    ("en-US", "USD 5-10", "five to ten dollars"),
    ("en-US", "$1.50-2.50", "one dollar and fifty cents to two dollars and fifty cents"),
    ("en-GB", "\u00a35-10", "five to ten pounds"),
    ("de-DE", "\u20ac5-10", "fünf bis zehn Euro"),
    ("de-DE", "5 \u20ac - 10 \u20ac", "fünf bis zehn Euro"),
    ("de-DE", "1-2 \u00a3", "ein bis zwei Pfund"),
    ("es-ES", "\u20ac5-10", "cinco a diez euros"),
    ("es-ES", "\u20ac1-21", "uno a veintiún euros"),
    ("es-ES", "\u00a31-2", "una a dos libras"),
    ("fr-FR", "5 \u20ac - 10 \u20ac", "cinq à dix euros"),
    ("fr-FR", "\u00a31-2", "une à deux livres"),
]


@pytest.mark.parametrize(("language", "written", "spoken"), MONEY_RANGES)
def test_a_range_of_amounts_says_its_currency_once_after_it(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("$10-5", "ten dollars-five"),  # the second amount is smaller: no range, read as before
    ("5 \u20ac - 10 $", "five euros - ten dollars"),  # two currencies
    ("$5-10-15", "five dollars-ten-fifteen"),  # a list, not a range
])
def test_what_is_no_range_of_amounts_is_read_as_before(written, spoken):
    assert normalize(written, "en-US") == spoken
