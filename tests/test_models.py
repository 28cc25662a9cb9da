"""Products and vehicles named by letters and a number (narrate/text/models.py): the number in pairs,
an "s" after it the model's plural."""

from __future__ import annotations

import pytest

from narrate.text import normalize


@pytest.mark.parametrize(("written", "spoken"), [
    # plurals: were "three thousand ninety seconds", "A three hundred twenty S", "seven hundred forty-seven
    # seconds", "F-sixteen seconds", "MP three s"
    ("Two RTX 3090s in the rack.", "Two RTX thirty nineties in the rack."),
    ("The A320s are parked.", "The A three twenties are parked."),
    ("Boeing 747s and 737s.", "Boeing seven forty-sevens and seven thirty-sevens."),
    ("F-16s and B-52s flew over.", "F-sixteens and B-fifty-twos flew over."),
    ("Three DC-10s landed.", "Three DC-tens landed."),
    ("Rip the MP3s onto the PS5s.", "Rip the MP threes onto the PS fives."),
    ("Xbox 360s and M1s.", "Xbox three sixties and M ones."),
    ("Tesla Model 3s are quiet.", "Tesla Model threes are quiet."),
    ("File your W-2s.", "File your W-twos."),
    # the singular in pairs too, as it is said: were "three thousand ninety", "three hundred twenty"
    ("An RTX 3090 or a GTX1080.", "An RTX thirty ninety or a GTX ten eighty."),
    ("The A320 and the Boeing 747.", "The A three twenty and the Boeing seven forty-seven."),
    ("Flight BA2490 uses G711.", "Flight BA twenty-four ninety uses G seven eleven."),
    ("Office 365 and Windows 2000.", "Office three sixty-five and Windows two thousand."),
    ("A T1000 and an A300.", "A T one thousand and an A three hundred."),
])
def test_a_model_is_said_in_pairs_and_its_s_is_a_plural(written, spoken):
    assert normalize(written, "en-US") == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    # a phone's variant keeps its "S" (shorthand.py); two digits or fewer read as before
    ("The Galaxy A10s and the iPhone 5s.", "The Galaxy A ten S and the iPhone five S."),
    ("The A10 chip and S3 buckets.", "The A ten chip and S three buckets."),
    ("Run K8s clusters.", "Run K eights clusters."),
    ("Born in the 1990s; the GTX 1080s.", "Born in the nineteen nineties; the GTX ten eighties."),
    ("Wait 15s and retry.", "Wait fifteen seconds and retry."),
    # an identifier after its label is read character by character; a currency code is money
    ("Your reference is AB1234.", "Your reference is A B one two three four."),
    ("Pay USD250 today.", "Pay two hundred fifty dollars today."),
    ("Code A05 is fine.", "Code A zero five is fine."),
])
def test_names_identifiers_and_amounts_are_no_plural_models(written, spoken):
    assert normalize(written, "en-US") == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("de-DE", "Zwei RTX 3090.", "Zwei RTX dreitausendneunzig."),
    ("es-ES", "Dos RTX 3090.", "Dos RTX tres mil noventa."),
])
def test_other_languages_read_the_number_as_before(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    # a part's rated speed after a hyphen: were "DDR five-six thousand", "DDR four-three thousand two hundred",
    # "LPDDR five X-eight thousand five hundred thirty-three", "DDR five-six thousand seconds"
    ("Use DDR5-6000 memory.", "Use DDR five six thousand memory."),
    ("DDR4-3200 or LPDDR5X-8533.", "DDR four thirty-two hundred or LPDDR five X eighty-five thirty-three."),
    ("Two DDR5-6000s.", "Two DDR five six thousands."),
    ("PC4-25600 modules.", "PC four twenty-five thousand six hundred modules."),
    # unchanged: no memory family (a code, a flight, an amount), no generation digit
    ("A4-1000, USD5-100 and COVID-19.", "A four-one thousand, five to one hundred dollars and COVID-nineteen."),
    ("Order AB12-3456.", "Order AB twelve-three thousand four hundred fifty-six."),
    ("Flight UA12-345.", "Flight U A twelve-three hundred forty-five."),
])
def test_a_parts_rated_speed_follows_it(written, spoken):
    once = normalize(written, "en-US")
    assert once == spoken
    assert normalize(once, "en-US") == once


@pytest.mark.parametrize(("written", "spoken"), [
    # numbers listed after a model's plural are its plurals: were "seven hundred thirty-seven seconds", "three
    # hundred thirty seconds"
    ("Boeing 747s, 767s, and 777s fly.", "Boeing seven forty-sevens, seven sixty-sevens, and seven seventy-sevens fly."),
    ("A320s, 330s or 350s.", "A three twenties, three thirties or three fifties."),
    # unchanged: after a singular model, or alone, an "s" after a number is seconds
    ("An A320 and 300s later.", "An A three twenty and three hundred seconds later."),
])
def test_numbers_listed_after_a_models_plural_are_plurals(written, spoken):
    once = normalize(written, "en-US")
    assert once == spoken
    assert normalize(once, "en-US") == once


@pytest.mark.parametrize(("written", "spoken"), [
    # US tax forms by number alone, shown to be forms: were "one thousand ninety-nine seconds", "one thousand
    # ninety-nine-NEC", "one thousand ninety-nine-MISC", "a one thousand ninety-nine contractor", "nine hundred
    # forty-one seconds"
    ("File your 1099s and the 941s.", "File your ten ninety-nines and the nine forty-ones."),
    ("A 1099-NEC or a 1099-MISC.", "A ten ninety-nine N E C or a ten ninety-nine MISC."),
    ("A 1099 contractor files 1040 forms.", "A ten ninety-nine contractor files ten forty forms."),
    ("Form 1099-MISC.", "Form ten ninety-nine MISC."),
    # unchanged: a count, a duration, a decade, a form named as before
    ("1099 people waited 300s.", "one thousand ninety-nine people waited three hundred seconds."),
    ("In the 1040s and Form 1040-SR.", "In the ten forties and Form ten forty S R."),
])
def test_a_form_known_by_its_number(written, spoken):
    once = normalize(written, "en-US")
    assert once == spoken
    assert normalize(once, "en-US") == once
