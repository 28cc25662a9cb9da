"""Readings that were wrong: the keypad's # and * (a prompt's "Press # to repeat" reached the engine as
"#", which eSpeak says "number sign"; "Dial *67" as "asterisk sixty-seven"; "order #12345" kept its
"#"), a year linked to a cued one ("from 2020 to 2024" was "twenty twenty to two thousand
twenty-four"), version numbers and addresses ("2.0.1" was "two point zero.one"), and the signs docs
put around numbers ("~30s", "3.11+", "2x faster", "3x3", "v1.0", "16:9", "2^10"), and the inline marks of
Markdown extensions that markdown-it leaves as text ("H~2~O", "10^6^", "==marked==", "++ctrl+alt+del++")."""

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
    ("en-US", "Your order #12345 ships soon.", "Your order number one two three four five ships soon."),
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
    "* Terms apply.", "# Introduction",  # a footnote's asterisk, a heading's mark opening the text
    "Price* excludes tax.", "Follow #support.", "The ** operator.",
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


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Requires Python 3.11+ and ~2 GB of RAM.",
     "Requires Python three point eleven plus and about two gigabytes of RAM."),
    ("en-US", "It takes ~30s and costs ~$5.40 or ≈ 3 km.",
     "It takes about thirty seconds and costs about five dollars and forty cents or about three kilometers."),
    ("en-US", "It's 2x faster than v1.0 and 10× cheaper.",
     "It's two times faster than version one point zero and ten times cheaper."),
    ("en-US", "A 3x3 grid at 1920 × 1080.", "A three by three grid at one thousand nine hundred twenty by one thousand eighty."),
    ("en-US", "The ratio is 3:1 on a 16:9 screen at 3:15 PM.",
     "The ratio is three to one on a sixteen to nine screen at three fifteen PM."),
    ("en-US", "For ages 18+ and 100+ users.", "For ages eighteen plus and one hundred plus users."),
    ("en-US", "2^10 is 1024.", "two to the power of ten is one thousand twenty-four."),
    ("de-DE", "10^6 Bytes.", "zehn hoch sechs Bytes."),
    ("es-ES", "Tarda ~5 minutos, 3x más rápido, v1.2, proporción 3:1.",
     "Tarda aproximadamente cinco minutos, tres veces más rápido, versión uno punto dos, proporción tres a uno."),
    ("de-DE", "Etwa ~5 Minuten, 3x schneller, 4x4 Antrieb, v2.0.1.",
     "Etwa etwa fünf Minuten, drei mal schneller, vier mal vier Antrieb, Version zwei Punkt null Punkt eins."),
    ("fr-FR", "Environ ~5 minutes, 3x plus rapide, v1.2, 16:9.",
     "Environ environ cinq minutes, trois fois plus rapide, version un point deux, seize contre neuf."),
])
def test_signs_around_numbers_are_said(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "© 2024 ACME™. All rights reserved.", "copyright twenty twenty-four ACME. All rights reserved."),
    ("en-US", "Copyright © 2019-2024 ACME® Inc.", "Copyright twenty nineteen to twenty twenty-four ACME Inc."),
    ("en-US", "Welcome to ACME™ Bank®, the Foo℠ service.", "Welcome to ACME Bank, the Foo service."),
    ("de-DE", "© 2024 ACME GmbH.", "Copyright zweitausendvierundzwanzig ACME GmbH."),
])
def test_trademark_signs_are_silent_and_copyright_is_a_word(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Enter your ZIP code 90210 or PIN 1234 for the card ending in 4321, extension 204.",
     "Enter your ZIP code nine zero two one zero or PIN one two three four for the card ending in four three two "
     "one, extension two zero four."),
    ("en-US", "The pin has 1234 parts.", "The pin has one thousand two hundred thirty-four parts."),
    ("es-ES", "Su código postal 28001 y la tarjeta terminada en 4321.",
     "Su código postal dos ocho cero cero uno y la tarjeta terminada en cuatro tres dos uno."),
    ("de-DE", "Die PLZ 10115, Durchwahl 204.", "Die PLZ eins null eins eins fünf, Durchwahl zwei null vier."),
])
def test_codes_are_read_digit_by_digit(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Our hours are 9am-5pm, Mon-Fri.", "Our hours are nine AM to five PM, Monday to Friday."),
    ("en-US", "Open 8:00-17:00 and 9:30 am - 5:30 pm, Sat.-Sun. 10am-2pm.",
     "Open eight AM to five PM and nine thirty AM to five thirty PM, Saturday to Sunday ten AM to two PM."),
    ("en-US", "Open Monday-Friday, between 9am-5pm.", "Open Monday to Friday, between nine AM and five PM."),
    ("en-US", "A well-known do-re-mi, the Sun-Times.", "A well-known do-re-mi, the Sun-Times."),
    ("es-ES", "Horario: lun-vie de 9:00-14:00.", "Horario: lunes a viernes de nueve en punto a catorce en punto."),
    ("de-DE", "Mo.-Fr. 8-18 Uhr, Sa 9:00-12:00 und 14.30-18 Uhr.",
     "Montag bis Freitag acht bis achtzehn Uhr, Samstag neun Uhr bis zwölf Uhr und vierzehn Uhr dreißig bis achtzehn Uhr."),
    ("fr-FR", "Ouvert lun-ven de 9h-17h.", "Ouvert lundi à vendredi de neuf heures à dix-sept heures."),
])
def test_opening_hours_are_ranges(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "You are caller number 3 in the queue.", "You are caller number three in the queue."),
    ("en-US", "Press 2 in order to continue. 1 in 5 customers pay online.",
     "Press two in order to continue. one in five customers pay online."),
    ("en-US", "It is 12 in. wide, 8 in, or 5 in!", "It is twelve inches wide, eight inches, or five inches!"),
    ("en-GB", "Payment is due on 28 February. Press 1 to pay.",
     "Payment is due on the twenty-eighth of February. Press one to pay."),
    ("en-US", "Closed 4 July. Thanks.", "Closed July fourth. Thanks."),
    ("en-US", "Closed 4 Jul. 2024 and 5 Aug. for all.", "Closed July fourth, twenty twenty-four and August fifth for all."),
])
def test_inches_and_the_full_stop_after_a_date(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Your confirmation number is 48213.", "Your confirmation number is four eight two one three."),
    ("en-US", "Your order number is #100482.", "Your order number is one zero zero four eight two."),
    ("en-US", "Your reference number is A7X-2291-K.", "Your reference number is A seven X, two two nine one, K."),
    ("en-US", "Your claim number is 2025-00417.", "Your claim number is two zero two five, zero zero four one seven."),
    ("en-US", "You entered 4321.", "You entered four three two one."),
    ("en-US", "Your account # is 00012345.", "Your account number is zero zero zero one two three four five."),
    ("en-US", "You are caller number 3. The number of callers is 4000. Room number 12.",
     "You are caller number three. The number of callers is four thousand. Room number twelve."),
    ("en-GB", "You entered 01632 960 123.", "You entered zero one six three two, nine six zero, one two three."),
    ("es-MX", "Su número de guía es 1234567890.",
     "Su número de guía es uno dos tres cuatro cinco seis siete ocho nueve cero."),
    ("es-ES", "Su pedido nº 55031 ha sido enviado.", "Su pedido número cinco cinco cero tres uno ha sido enviado."),
    ("de-DE", "Ihre Vorgangsnummer lautet 48213.", "Ihre Vorgangsnummer lautet vier acht zwei eins drei."),
    ("de-DE", "Ihre Ticketnummer lautet INC-0042917.",
     "Ihre Ticketnummer lautet I N C, null null vier zwei neun eins sieben."),
    ("fr-FR", "Votre numéro de dossier est le 48213. Vous avez saisi 4321.",
     "Votre numéro de dossier est le quatre huit deux un trois. Vous avez saisi quatre trois deux un."),
    ("fr-FR", "Lun-Ven 9h-18h.", "Lundi à vendredi neuf heures à dix-huit heures."),
    ("en-GB", "Your card ending 4821 is active.", "Your card ending four eight two one is active."),
    ("es-MX", "Su tarjeta con terminación 4821.", "Su tarjeta con terminación cuatro ocho dos uno."),
    ("de-DE", "Ihre Karte mit der Endung 4821. Wählen Sie bitte die 112.",
     "Ihre Karte mit der Endung vier acht zwei eins. Wählen Sie bitte die eins eins zwei."),
    ("fr-FR", "Votre carte se terminant par 4821.", "Votre carte se terminant par quatre huit deux un."),
])
def test_identifiers_are_read_character_by_character(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "It takes approx. 5 mins, open 24 hrs at 1600 Pennsylvania Ave. Press 1.",
     "It takes approximately five minutes, open twenty-four hours at sixteen hundred Pennsylvania Avenue. "
     "Press one."),
    ("en-US", "Your ticket No. is 55031. No. I won't. Call ext. 4021 or go to Rm. 12, Bldg. B on Sunset Blvd.",
     "Your ticket number is five five zero three one. No. I won't. Call extension four zero two one or go to room "
     "twelve, Building B on Sunset Boulevard."),
    ("en-US", "At 1600 Pennsylvania Ave. NW, e.g. here.",
     "At sixteen hundred Pennsylvania Avenue NW, for example here."),
    ("es-ES", "Tarda aprox. 10 min. en C/ Mayor 5, Avda. de la Paz, pedido n.º 123.",
     "Tarda aproximadamente diez minutos en calle Mayor cinco, avenida de la Paz, pedido número ciento veintitrés."),
    ("es-MX", "Atiende el Lic. Pérez, Col. Centro, 9 hrs.", "Atiende el licenciado Pérez, colonia Centro, nueve horas."),
    ("de-DE", "Es dauert ca. 10 Min., z. B. die Nr. 4711, Abt. Vertrieb, inkl. MwSt., Frau Dr. Weber, 2 Std. usw.",
     "Es dauert circa zehn Minuten, zum Beispiel die Nummer vier sieben eins eins, Abteilung Vertrieb, inklusive Mehrwertsteuer, "
     "Frau Doktor Weber, zwei Stunden und so weiter."),
    ("fr-FR", "M. Dupont, Mme Martin, env. 5 minutes, n° 4711, p. 12, 12 av. Foch, bât. B.",
     "Monsieur Dupont, Madame Martin, environ cinq minutes, numéro quatre sept un un, page douze, douze avenue Foch, "
     "bâtiment B."),
])
def test_abbreviations_are_said_whole(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "We will be closed on 12/24 and 12/25.", "We will be closed on December twenty-fourth and December "
     "twenty-fifth."),
    ("en-US", "Your appointment is 3/4 at 2 PM.", "Your appointment is March fourth at two PM."),
    ("en-US", "Add 3/4 cup, page 1/2.", "Add three quarters cup, page one/two."),
    ("en-GB", "Due on 5/6.", "Due on the fifth of June."),
    ("de-DE", "Am 24.12. und 31.12. geschlossen. Am 3.5. fällig.",
     "Am vierundzwanzigsten Dezember und einunddreißigsten Dezember geschlossen. Am dritten Mai fällig."),
    ("es-ES", "Cerrado el 25/12 y el 1/1.", "Cerrado el veinticinco de diciembre y el uno de enero."),
    ("fr-FR", "Fermé le 25/12 et le 1/1.", "Fermé le vingt-cinq décembre et le premier janvier."),
])
def test_a_day_and_month_after_a_date_word_is_a_date(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("Our office is at 1600 Pennsylvania Ave. NW, Washington, DC 20500.",
     "Our office is at sixteen hundred Pennsylvania Avenue NW, Washington, DC two zero five zero zero."),
    ("Visit us at 350 Fifth Ave., New York, NY 10118-0110.",
     "Visit us at three fifty Fifth Avenue, New York, NY one zero one one eight, zero one one zero."),
    ("Go to Room 1204, Suite 1200, Gate 101 or room 305.",
     "Go to Room twelve oh-four, Suite twelve hundred, Gate one oh one or room three oh five."),
    ("We have 1600 customers on Main Street.", "We have one thousand six hundred customers on Main Street."),
])
def test_american_addresses_and_rooms_are_read_in_pairs(written, spoken):
    assert normalize(written, "en-US") == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("de-DE", "Drücken Sie die 1 zum Bestätigen oder die 1 zur Bestätigung.",
     "Drücken Sie die eins zum Bestätigen oder die eins zur Bestätigung."),
    ("es-ES", "El cliente 21 ha llamado. Su pedido 55031 fue enviado.",
     "El cliente veintiuno ha llamado. Su pedido cincuenta y cinco mil treinta y uno fue enviado."),
    ("fr-FR", "Vous avez 1 nouvelle facture et 21 nouvelles factures, 1 nouveau message, 1 autre minute.",
     "Vous avez une nouvelle facture et vingt et une nouvelles factures, un nouveau message, une autre minute."),
])
def test_a_count_agrees_past_verbs_prepositions_and_adjectives(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("Ihre 1. Rate ist am 5. fällig. Ihr 2. Termin, Ihrem 3. Antrag, einer 2. Chance.",
     "Ihre erste Rate ist am fünften fällig. Ihr zweiter Termin, Ihrem dritten Antrag, einer zweiten Chance."),
    ("Sie erhalten es am 5. Danke. Zahlbar bis zum 15.",
     "Sie erhalten es am fünften. Danke. Zahlbar bis zum fünfzehnten."),
])
def test_german_ordinals_decline_after_possessives_and_end_sentences(written, spoken):
    assert normalize(written, "de-DE") == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "It costs $39.99/month or $5/mo, 10 cents/min. Please arrive 15 min. before, or 1 min. early.",
     "It costs thirty-nine dollars and ninety-nine cents per month or five dollars per month, ten cents per minute. "
     "Please arrive fifteen minutes before, or one minute early."),
    ("en-US", "Drive at 50 km/h, 5 mL/min.", "Drive at fifty kilometers per hour, five milliliters per minute."),
    ("es-ES", "Cuesta 39,99 €/mes y 0,15 €/min.",
     "Cuesta treinta y nueve euros con noventa y nueve céntimos por mes y quince céntimos por minuto."),
    ("de-DE", "Es kostet 0,14 €/Min. und 9,99 €/Monat.",
     "Es kostet vierzehn Cent pro Minute und neun Euro und neunundneunzig Cent pro Monat."),
    ("fr-FR", "Cela coûte 9,99 €/mois.", "Cela coûte neuf euros et quatre-vingt-dix-neuf centimes par mois."),
])
def test_a_slash_before_a_unit_is_per(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Your 2024 tax forms and our 2023 report, FY 2025 plans.",
     "Your twenty twenty-four tax forms and our twenty twenty-three report, FY twenty twenty-five plans."),
    ("es-MX", "El 5o piso, el 1o de mayo, la 2a vez, 3 o 4.",
     "El quinto piso, el primero de mayo, la segunda vez, tres o cuatro."),
])
def test_years_after_possessives_and_plain_spanish_ordinals(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("Call 1-888-NORTHWIND or 1-800-FLOWERS today.", "Call one, eight eight eight, Northwind or one, eight hundred, "
     "Flowers today."),
    ("Text STOP to 60123.", "Text STOP to six zero one two three."),
    ("Call 888 FOR HELP.", "Call eight hundred eighty-eight FOR HELP."),
])
def test_vanity_numbers_and_sms_short_codes(written, spoken):
    assert normalize(written, "en-US") == spoken


@pytest.mark.parametrize("written", ["0x1F is hex.", "Press x to exit.", "Model X.", "~/.config and ~~gone~~."])
def test_signs_without_a_number_stay(written):
    assert "about" not in normalize(written, "en-US") and "times" not in normalize(written, "en-US")


@pytest.mark.parametrize("dialect", ["gfm", "mkdocs", "auto"])
def test_extension_marks_are_never_spoken_through_the_cli(tmp_path, dialect):
    (tmp_path / "d.md").write_text("H~2~O, E=mc^2^, 10^6^ and 1^st^; ==marked==, ^^inserted^^, ++ctrl+alt+del++ "
                                   "and ~~gone~~; a == b, C++ or C++, ~5 km to ~7 km.\n")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b: {sources: [d.md], output: o, formats: [mp3], "
                                     f"markdown: {{dialect: {dialect}}}}}\n")
    done = narrate_in("-q", "text", "d.md", "--manifest", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        "H two O, E=mc to the power of two, ten to the power of six and first; marked, inserted, Control Alt Delete "
        "and gone; a == b, C plus plus or C plus plus, about five kilometers to about seven kilometers.")


def test_keys_in_a_prompt_through_the_cli(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {en-US: en-us}\n    prompts:\n"
                                     "      repeat: 'Press # to repeat, or *67 to hide your number.'\n")
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]
    assert row["spoken"] == "Press pound to repeat, or star six seven to hide your number."
    assert row["text"] == "Press # to repeat, or *67 to hide your number."


def test_a_service_number_after_its_service_is_dialed():
    assert normalize("Call NHS 111 or police 101.", "en-GB") == "Call NHS one one one or police one zero one."
