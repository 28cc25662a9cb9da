"""Readings of real IVR prompts that were wrong: national telephone numbers read as quantities
("0171 2345678" was "null eins sieben eins zwei Millionen ..."; Spain's "600 123 456" was
"seiscientos ciento veintitrés ..."), UK dotted times and bare hour ranges ("8.30am" was "eight point
three zero am", "M-F 9-5" was "nine-five"), and amounts ("$1,234.56" in Mexico was dólares, "45,20
euros" was "cuarenta y cinco coma dos cero euros", "99p" was "ninety-nine p")."""

from __future__ import annotations

import pytest

from narrate.text.normalize import normalize

PHONES = [
    ("es-ES", "Llámenos al 600 123 456.", "Llámenos al seis cero cero, uno dos tres, cuatro cinco seis."),
    ("es-ES", "Teléfono: 912 345 678", "Teléfono: nueve uno dos, tres cuatro cinco, seis siete ocho"),
    ("es-ES", "Marque el 900 123 456.", "Marque el nueve cero cero, uno dos tres, cuatro cinco seis."),
    ("de-DE", "0171 2345678", "null eins sieben eins, zwei drei vier fünf sechs sieben acht"),
    ("de-DE", "030 12345678", "null drei null, eins zwei drei vier fünf sechs sieben acht"),
    ("de-DE", "unter 040 123456 von", "unter null vier null, eins zwei drei vier fünf sechs von"),
    ("de-DE", "069 98765-0", "null sechs neun, neun acht sieben sechs fünf, null"),
    ("de-DE", "+49 (0)30 1234567", "plus vier neun, drei null, eins zwei drei vier fünf sechs sieben"),
    ("de-DE", "Fax: 089 / 12 34 56-78.", "Fax: null acht neun, eins zwei, drei vier, fünf sechs, sieben acht."),
    ("en-GB", "07911 123456", "zero seven nine one one, one two three four five six"),
    ("en-GB", "01234 567890", "zero one two three four, five six seven eight nine zero"),
    ("en-GB", "+44 7911 123456", "plus four four, seven nine one one, one two three four five six"),
    ("en-GB", "Call (020) 7946 0958.", "Call zero two zero, seven nine four six, zero nine five eight."),
    ("es-MX", "(81) 8123 4567", "ocho uno, ocho uno dos tres, cuatro cinco seis siete"),
    ("es-MX", "55-1234-5678", "cinco cinco, uno dos tres cuatro, cinco seis siete ocho"),
    ("en-US", "Call 8005550199 today.", "Call eight hundred, five five five, zero one nine nine today."),
    ("en-US", "Call us toll-free at 18005550199.",
     "Call us toll-free at one, eight hundred, five five five, zero one nine nine."),
    ("fr-FR", "Numéro vert : 0 800 123 456.", "Numéro vert : zéro, huit zéro zéro, un deux trois, quatre cinq six."),
    ("en-US", "Dial 5551234567 now.", "Dial five five five, one two three, four five six seven now."),
    ("es-ES", "Llame al 600123456.", "Llame al seis cero cero, uno dos tres, cuatro cinco seis."),
    ("es-MX", "Llame al 5512345678.", "Llame al cinco cinco, uno dos tres cuatro, cinco seis siete ocho."),
    ("es-MX", "Marque el 6141234567.", "Marque el seis uno cuatro, uno dos tres, cuatro cinco seis siete."),
]


@pytest.mark.parametrize(("language", "written", "spoken"), PHONES)
def test_national_telephone_numbers_are_said_in_digit_groups(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("fr-FR", "12 345 678 habitants", "douze millions trois cent quarante-cinq mille six cent soixante-dix-huit habitants"),
    ("fr-FR", "1 234 567", "un million deux cent trente-quatre mille cinq cent soixante-sept"),
    ("es-ES", "Ganó 600.123.456 euros.", "Ganó seiscientos millones ciento veintitrés mil cuatrocientos cincuenta y seis euros."),
    ("es-MX", "Tiene 600 123 456", "Tiene seiscientos ciento veintitrés cuatrocientos cincuenta y seis"),
    ("en-US", "Your order 8005550199 shipped.",
     "Your order eight billion five million five hundred fifty thousand one hundred ninety-nine shipped."),
    ("de-DE", "Stufen 0 10 20 30 40 50", "Stufen null zehn zwanzig dreißig vierzig fünfzig"),
    ("en-US", "Batch 2024-1187-0001.",
     "Batch two thousand twenty-four-one thousand one hundred eighty-seven-zero zero zero one."),  # no phone
    ("en-US", "Ref 2024-1187-0001.", "Ref two zero two four, one one eight seven, zero zero zero one."),  # a reference
])
def test_quantities_stay_quantities(language, written, spoken):
    assert normalize(written, language) == spoken


TIMES = [
    ("en-GB", "We're open from 8.30am to 6pm.", "We're open from eight thirty AM to six PM."),
    ("en-GB", "Your appointment is at 10.15am.", "Your appointment is at ten fifteen AM."),
    ("en-GB", "We're open 9am-5.30pm Mon-Sat.", "We're open nine AM to five thirty PM Monday to Saturday."),
    ("en-GB", "Message received at 9.05am.", "Message received at nine oh five AM."),
    ("es-ES", "Su cita es a las 9.30 h.", "Su cita es a las nueve y treinta."),
    ("es-ES", "Abrimos a las 9:00 h.", "Abrimos a las nueve horas."),
    ("es-MX", "Su cita es a las 9.30 hrs.", "Su cita es a las nueve y treinta."),
    ("es-MX", "Atendemos de 8 a 20 hrs.", "Atendemos de ocho a veinte horas."),
    ("de-DE", "Wir haben von 7.30 bis 16.30 Uhr geöffnet.",
     "Wir haben von sieben Uhr dreißig bis sechzehn Uhr dreißig geöffnet."),
    ("en-US", "Our business hours are M-F 9-5.", "Our business hours are Monday to Friday nine to five."),
    ("en-US", "Calls are answered 9-5 EST.", "Calls are answered nine to five Eastern Standard Time."),
    ("en-GB", "Our opening times are 9-5 weekdays.", "Our opening times are nine to five weekdays."),
    ("de-DE", "Wir sind von 8 - 18 Uhr für Sie da.", "Wir sind von acht bis achtzehn Uhr für Sie da."),
    ("es-ES", "Horario: L-V de 9 a 14 h.", "Horario: lunes a viernes de nueve a catorce horas."),
    ("es-MX", "Horario: L-V 9am-6pm.", "Horario: lunes a viernes nueve de la mañana a seis de la tarde."),
    ("es-ES", "Atendemos de 9:00 a 18:00 horas.", "Atendemos de nueve a dieciocho horas."),
    ("es-MX", "Entre las 8:00 y las 14:00 hrs.", "Entre las ocho y las catorce horas."),
    ("es-ES", "De 9.30 h - 14.00 h.", "De nueve y treinta a catorce horas."),
]


@pytest.mark.parametrize(("language", "written", "spoken"), TIMES)
def test_dotted_times_and_hour_ranges_are_times(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "The Lakers won 9-5 on Sunday.", "The Lakers won nine-five on Sunday."),
    ("en-US", "Rated 9-5 by the panel.", "Rated nine-five by the panel."),
    ("en-GB", "It grew by 8.30 percent.", "It grew by eight point three zero percent."),
    ("es-ES", "Tardó 9,30 h.", "Tardó nueve coma treinta horas."),
    ("en-US", "Open 24-7.", "Open twenty-four-seven."),
    ("en-US", "Saturday 1-0 defeat.", "Saturday one-zero defeat."),
])
def test_numbers_that_are_no_times_stay_numbers(language, written, spoken):
    assert normalize(written, language) == spoken


MONEY = [
    ("es-MX", "$1,234.56", "mil doscientos treinta y cuatro pesos con cincuenta y seis centavos"),
    ("es-CO", "$1.234,56", "mil doscientos treinta y cuatro pesos con cincuenta y seis centavos"),
    ("es-CL", "$5.000", "cinco mil pesos"),
    ("es-AR", "$1.500", "mil quinientos pesos"),
    ("es-UY", "$10,50", "diez pesos con cincuenta centésimos"),
    ("es-US", "$1,234.56", "mil doscientos treinta y cuatro dólares con cincuenta y seis centavos"),
    ("es-MX", "US$25", "veinticinco dólares"),
    ("es-MX", "Su saldo es de $45.20 pesos.", "Su saldo es de cuarenta y cinco pesos con veinte centavos."),
    ("es-MX", "Recibo de $576.04 MXN.", "Recibo de quinientos setenta y seis pesos con cuatro centavos."),
    ("es-MX", "Pago mínimo de $350.00 M.N.", "Pago mínimo de trescientos cincuenta pesos."),
    ("en-US", "It costs $100 CAD.", "It costs one hundred Canadian dollars."),
    ("es-ES", "45,20 euros", "cuarenta y cinco euros con veinte céntimos"),
    ("de-DE", "45,20 Euro", "fünfundvierzig Euro und zwanzig Cent"),
    ("fr-FR", "85,00 euros", "quatre-vingt-cinq euros"),
    ("es-ES", "85,00 euros", "ochenta y cinco euros"),
    ("en-US", "45.20 dollars", "forty-five dollars and twenty cents"),
    ("es-ES", "1.000.000 €", "un millón de euros"),
    ("es-ES", "1.000.000 euros", "un millón de euros"),
    ("es-ES", "2.000.000 €", "dos millones de euros"),
    ("es-ES", "1 millón €", "un millón de euros"),
    ("es-ES", "€1,5 millones", "uno coma cinco millones de euros"),
    ("es-US", "$1,000,000", "un millón de dólares"),
    ("es-MX", "$1,000,000", "un millón de pesos"),
    ("fr-FR", "1 000 000 €", "un million d'euros"),
    ("fr-FR", "2 millions $", "deux millions de dollars"),
    ("de-DE", "1.000.000 €", "eine Million Euro"),
    ("fr-FR", "0,00 €", "zéro euro"),
    ("fr-FR", "1,01 €", "un euro et un centime"),
    ("de-DE", "85,- €", "fünfundachtzig Euro"),
    ("de-DE", "1.250,- €", "eintausendzweihundertfünfzig Euro"),
    ("de-DE", "EUR 85,--", "fünfundachtzig Euro"),
    ("en-GB", "Your standing charge is 53.35p per day.", "Your standing charge is fifty-three point three five pence per day."),
    ("en-GB", "Your balance is 99p.", "Your balance is ninety-nine pence."),
    ("en-GB", "Calls cost 7p per minute.", "Calls cost seven pence per minute."),
    ("en-GB", "Just 1p.", "Just one penny."),
]


@pytest.mark.parametrize(("language", "written", "spoken"), MONEY)
def test_amounts_are_said_in_their_currency(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "It weighs 2.50 pounds.", "It weighs two point five zero pounds."),
    ("en-GB", "Stream it in 720p.", "Stream it in seven twenty p."),
    ("en-US", "Rated 99p.", "Rated ninety-nine p."),
    ("en-US", "It is $5 MN.", "It is five dollars MN."),
    ("es-ES", "Tiene 15 euros.", "Tiene quince euros."),
    ("es-ES", "Ganó 1.500.000 euros.", "Ganó un millón quinientos mil euros."),
])
def test_what_is_no_such_amount_is_read_as_before(language, written, spoken):
    assert normalize(written, language) == spoken
