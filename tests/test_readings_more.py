"""More readings that were wrong when numbers are said in words: a range of amounts said its currency
after the first number ("$5-10" was "five dollars to ten"); "24/7" and simple fractions were read as two
numbers and a slash ("twenty-four/seven", "one/two off"); a dialed emergency number was a quantity
("Call 911" was "Call nine hundred eleven")."""

from __future__ import annotations

import pytest

from conftest import narrate_in
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


IDIOMS = [
    ("en-US", "Open 24/7.", "Open twenty-four seven."),
    ("en-US", "24x7 support, 24/7/365", "twenty-four seven support, twenty-four seven, three sixty-five"),
    ("en-US", "a 50/50 chance", "a fifty-fifty chance"),
    ("de-DE", "Wir sind 24/7 für Sie da.", "Wir sind vierundzwanzig sieben für Sie da."),
    ("es-ES", "Abierto 24/7.", "Abierto veinticuatro siete."),
    ("fr-FR", "Ouvert 24h/24 et 7 j/7.", "Ouvert vingt-quatre heures sur vingt-quatre et sept jours sur sept."),
]


@pytest.mark.parametrize(("language", "written", "spoken"), IDIOMS)
def test_slash_idioms_are_said_as_people_say_them(language, written, spoken):
    assert normalize(written, language) == spoken


FRACTIONS = [
    ("en-US", "1/2 off", "one half off"),
    ("en-US", "3/4 cup", "three quarters cup"),
    ("en-US", "1/2", "one half"),
    ("en-US", "2/3 of them", "two thirds of them"),
    ("en-US", "Add 1 1/2 cups.", "Add one and a half cups."),
    ("en-US", "2 3/4 cups", "two and three quarters cups"),
    ("en-US", "3/4 mi", "three quarters of a mile"),
    ("en-US", "1/2 h", "half an hour"),
    ("en-US", "1 1/2 kg", "one and a half kilograms"),
    ("en-US", "1/2%", "one half percent"),
    ("en-US", "Put 1/2 in the bowl.", "Put one half in the bowl."),  # "in" the preposition, not inches
    ("es-ES", "1/2 kg", "medio kilogramo"),
    ("es-ES", "3/4 h", "tres cuartos de hora"),
    ("es-ES", "2 1/2 h", "dos horas y media"),
    ("es-ES", "3/4 de taza", "tres cuartos de taza"),
    ("fr-FR", "1/2 h", "une demi-heure"),
    ("fr-FR", "3/4 h", "trois quarts d'heure"),
    ("fr-FR", "1 1/2 km", "un kilomètre et demi"),
    ("de-DE", "1/3", "ein Drittel"),
    ("de-DE", "1 1/2 h", "eineinhalb Stunden"),
    ("de-DE", "2 1/2 Tassen", "zweieinhalb Tassen"),
]


@pytest.mark.parametrize(("language", "written", "spoken"), FRACTIONS)
def test_simple_fractions_are_said_as_fractions(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "3/15/2025", "March fifteenth, twenty twenty-five"),  # a date, as before
    ("en-US", "1/2/2025", "January second, twenty twenty-five"),
    ("en-GB", "15/3/2025", "the fifteenth of March twenty twenty-five"),
    ("en-US", "3/15", "three/fifteen"),  # a denominator above 9: as often a date
    ("en-US", "7/4", "seven/four"),  # not a proper fraction (the Fourth of July)
    ("en-US", "rated 8/10", "rated eight out of ten"),  # a rating: its scale (slashes.replace_scores)
    ("en-US", "due on 3/4", "due on March fourth"),  # a date's word before it: a date (when.py)
    ("en-US", "page 1/2", "page one/two"),
    ("en-US", "a/1/2", "a/one/two"),  # a path
    ("de-DE", "1/2 km", "eins/zwei Kilometer"),  # "ein halber Kilometer": the unit's gender is not in the table
])
def test_what_is_no_simple_fraction_is_read_as_before(language, written, spoken):
    assert normalize(written, language) == spoken


DIALED = [
    ("en-US", "Call 911", "Call nine one one"),
    ("en-US", "dial 112", "dial one one two"),
    ("en-GB", "dial 999", "dial nine nine nine"),
    ("en-GB", "In an emergency, call 999 or 112.", "In an emergency, call nine nine nine or one one two."),
    ("en-US", "The emergency number is 911.", "The emergency number is nine one one."),
    ("en-US", "a 911 call", "a nine one one call"),
    ("en-US", "Text 988.", "Text nine eight eight."),
    ("en-US", "Press 123 then pound.", "Press one two three then pound."),  # keyed: any 3 to 8 digits
    ("de-DE", "Rufen Sie die 110 oder die 112 an.", "Rufen Sie die eins eins null oder die eins eins zwei an."),
    ("de-DE", "Wählen Sie 112.", "Wählen Sie eins eins zwei."),
    ("es-ES", "Llame al 112.", "Llame al uno uno dos."),
    ("es-MX", "Marque 911.", "Marque nueve uno uno."),
]


@pytest.mark.parametrize(("language", "written", "spoken"), DIALED)
def test_dialed_numbers_are_said_digit_by_digit(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "911 Porsche", "nine hundred eleven Porsche"),  # a name: no dialing word near it
    ("en-US", "112 pages", "one hundred twelve pages"),
    ("en-US", "We got 112 calls.", "We got one hundred twelve calls."),  # a count: no article before it
    ("en-US", "call 100 customers", "call one hundred customers"),  # no service number
    ("en-US", "Press 1 for sales.", "Press one for sales."),
    ("fr-FR", "Composez le 112.", "Composez le cent douze."),  # French says it as a cardinal
])
def test_other_numbers_stay_quantities(language, written, spoken):
    assert normalize(written, language) == spoken


CHAPTERS = {
    "en-US": ("It costs $5-10, or \u20ac5\u201310. We are open 24/7.\n\nTake 1/2 off, then add 3/4 cup.\n\n"
              "In an emergency, call 911.\n",
              ["It costs five to ten dollars, or five to ten euros.", "We are open twenty-four seven.",
               "Take one half off, then add three quarters cup.", "In an emergency, call nine one one."]),
    "de-DE": ("Es kostet 5 \u20ac - 10 \u20ac. Wir sind 24/7 da.\n\nWarten Sie 1 1/2 h.\n\n"
              "Rufen Sie die 112 an.\n",
              ["Es kostet fünf bis zehn Euro.", "Wir sind vierundzwanzig sieben da.",
               "Warten Sie eineinhalb Stunden.", "Rufen Sie die eins eins zwei an."]),
}


@pytest.mark.parametrize("language", sorted(CHAPTERS))
def test_a_book_chapter_says_them_through_the_cli(tmp_path, language):
    text, spoken = CHAPTERS[language]
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01.md").write_text(f"# Eins\n\n{text}", encoding="utf-8")
    (tmp_path / "narrate.yaml").write_text(
        "version: 1\nbooks:\n  bk: {title: Bk, author: T, sources: ch/*.md, "
        f"language: {language}, voice: {language.lower()}, formats: [chapters], output: out/bk}}\n", encoding="utf-8")
    done = narrate_in("text", "ch/01.md", "--manifest", "narrate.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in spoken if line not in lines] == []
    written = narrate_in("text", "ch/01.md", cwd=tmp_path)  # without a language: as written
    assert "Rufen Sie die 112 an." in written.stdout or "In an emergency, call 911." in written.stdout
