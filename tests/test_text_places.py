"""Addresses, card expiry dates, weekdays outside ranges and numbers dialed in groups (a reading audit
of IVR prompts): "12 Main Dr." was left to the engine, "expires 08/27" was "zero eight/twenty-seven",
"Closed Sat and Sun" kept "Sat", "wählen Sie 116 117" was "eins eins sechs einhundertsiebzehn", and
"10115 Berlin" was "zehntausendeinhundertfünfzehn Berlin", and "Para español, oprima 2" in an English
prompt was "oprima two"."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from narrate.text.normalize import normalize

CASES = [
    # Street types written short after a street's name; titles before a name stay.
    ("en-US", "Our office is at 12 Main Dr. in Springfield.", "Our office is at twelve Main Drive in Springfield."),
    ("en-US", "Visit 12 Main Dr. Press 1 for directions.", "Visit twelve Main Drive. Press one for directions."),
    ("en-US", "We moved to Elm St., next to the bank.", "We moved to Elm Street, next to the bank."),
    ("en-US", "Our store on Oak Rd. opens at 9am.", "Our store on Oak Road opens at nine AM."),
    ("en-US", "We are at 350 W 34th St.", "We are at three fifty West thirty-fourth Street."),
    ("en-US", "The office at 400 N. Lake Shore Dr. is closed.",
     "The office at four hundred North Lake Shore Drive is closed."),
    ("en-US", "Please hold for Dr. Smith.", "Please hold for Dr. Smith."),
    ("en-US", "Call St. Jude at the front desk.", "Call St. Jude at the front desk."),
    ("en-US", "Mount St. Helens erupted.", "Mount St. Helens erupted."),
    ("en-US", "John A. St. James called.", "John A. St. James called."),
    # A card's month and year.
    ("en-US", "Enter your card's expiry date, for example 08/27.",
     "Enter your card's expiry date, for example August twenty twenty-seven."),
    ("en-US", "Valid thru 12/28.", "Valid thru December twenty twenty-eight."),
    ("en-US", "Expiration date 08/2027.", "Expiration date August twenty twenty-seven."),
    ("en-US", "Revenue for 3/2024 was up.", "Revenue for March twenty twenty-four was up."),
    ("en-US", "Your appointment is on 11/30.", "Your appointment is on November thirtieth."),
    ("en-US", "Mix 3/4 cup.", "Mix three quarters cup."),
    ("es-MX", "Fecha de vencimiento: 08/27.", "Fecha de vencimiento: agosto de dos mil veintisiete."),
    ("de-DE", "Die Karte ist gültig bis 08/27.", "Die Karte ist gültig bis August zweitausendsiebenundzwanzig."),
    ("fr-FR", "Date d'expiration : 08/27.", "Date d'expiration : août deux mille vingt-sept."),
    # A weekday's abbreviation before a time, "closed", or listed with another weekday.
    ("en-US", "We are open Sat 9am-1pm.", "We are open Saturday nine AM to one PM."),
    ("en-US", "Closed Sat. and Sun.", "Closed Saturday and Sunday."),
    ("en-US", "Open Mon, Wed and Fri.", "Open Monday, Wednesday and Friday."),
    ("en-US", "Sat 9am to 1pm, Sun closed.", "Saturday nine AM to one PM, Sunday closed."),
    ("en-US", "The Sun is bright.", "The Sun is bright."),
    ("en-US", "I sat and waited.", "I sat and waited."),
    ("es-ES", "Abierto sáb de 9 a 14 h.", "Abierto sábado de nueve a catorce horas."),
    ("es-ES", "Cerrado sáb y dom.", "Cerrado sábado y domingo."),
    ("de-DE", "Geschlossen Sa und So.", "Geschlossen Samstag und Sonntag."),
    ("de-DE", "So geht das.", "So geht das."),
    ("fr-FR", "Fermé sam et dim.", "Fermé samedi et dimanche."),
    ("en-GB", "Open 9am–1pm Sat.", "Open nine AM to one PM Saturday."),
    ("en-US", "Closed (Thu 11/26) and reopen Fri.", "Closed (Thursday November twenty-sixth) and reopen Fri."),
    ("en-US", "Closed Thursday, 11/26.", "Closed Thursday, November twenty-sixth."),
    ("de-DE", "Geschlossen am Donnerstag, 24.12.", "Geschlossen am Donnerstag, vierundzwanzigsten Dezember."),
    ("de-DE", "Der Termin ist Donnerstag, der 24.12.", "Der Termin ist Donnerstag, der vierundzwanzigste Dezember."),
    ("es-ES", "Cerrado el jue 24/12.", "Cerrado el jueves veinticuatro de diciembre."),
    # A dialed number written in groups.
    ("de-DE", "Bitte wählen Sie 116 117.", "Bitte wählen Sie eins eins sechs eins eins sieben."),
    ("de-DE", "Rufen Sie 116 117 an.", "Rufen Sie eins eins sechs eins eins sieben an."),
    ("en-US", "Press 123 456 to confirm.", "Press one two three four five six to confirm."),
    ("en-US", "Call 911 100 times.", "Call nine one one one hundred times."),
    # Months written short, weekday ranges with words, "incl.", German number compounds.
    ("es-MX", "Su pago vence el 15 de dic.", "Su pago vence el quince de diciembre."),
    ("es-MX", "Vence el 15 de dic. de 2025.", "Vence el quince de diciembre de dos mil veinticinco."),
    ("de-DE", "Ihr Termin ist am 3. Okt. um 10 Uhr.", "Ihr Termin ist am dritten Oktober um zehn Uhr."),
    ("de-DE", "Ihr Termin ist am 3. März. Danke.", "Ihr Termin ist am dritten März. Danke."),
    ("fr-FR", "Fermé le 25 déc.", "Fermé le vingt-cinq décembre."),
    ("es-ES", "Abierto de lun. a vie.", "Abierto de lunes a viernes."),
    ("en-US", "Open Mon through Fri.", "Open Monday through Friday."),
    ("de-DE", "Geöffnet Mo bis Fr.", "Geöffnet Montag bis Freitag."),
    ("es-ES", "El precio es 12,50 € IVA incl.", "El precio es doce euros con cincuenta céntimos IVA incluido."),
    ("en-GB", "The price is £20 excl. VAT. Press 1.", "The price is twenty pounds excluding VAT. Press one."),
    ("de-DE", "Ihre 10-stellige Kundennummer, der 1-fache Betrag, der 24-Stunden-Service.",
     "Ihre zehnstellige Kundennummer, der einfache Betrag, der vierundzwanzig-Stunden-Service."),
    # An order code after "#", a flight with its airline.
    ("en-US", "Your order #A12345 has shipped.", "Your order number A one two three four five has shipped."),
    ("en-US", "Your flight UA 1234 departs from Gate B12.", "Your flight U A twelve thirty-four departs from Gate B twelve."),
    ("en-US", "Flight DL 45 is delayed.", "Flight D L forty-five is delayed."),
    ("en-US", "Your prescription Rx# 1234567 is ready.",
     "Your prescription Rx number one two three four five six seven is ready."),
    ("en-US", "Learn C# 10 today.", "Learn C sharp ten today."),
    ("en-US", "Your order of 3x T-shirts ships soon.", "Your order of three T-shirts ships soon."),
    ("en-US", "It is 2x faster.", "It is two times faster."),
    ("en-US", "The next appointment is Tues., Jan. 7 at 10:15 a.m.",
     "The next appointment is Tuesday, January seventh at ten fifteen AM."),
    # UK postcodes and British street types without their dot; PO boxes in pairs.
    ("en-GB", "Our address is 10 Downing St, London SW1A 2AA.",
     "Our address is ten Downing Street, London S W one A, two A A."),
    ("en-GB", "Canary Wharf, E14 5AB.", "Canary Wharf, E fourteen, five A B."),
    ("en-GB", "Ask for St Mary's ward.", "Ask for St Mary's ward."),
    ("en-US", "The MP3 4GB player.", "The MP three four gigabytes player."),
    ("en-GB", "Write to PO Box 1234, Leeds.", "Write to PO Box twelve thirty-four, Leeds."),
    # SMS short codes, IBANs, "+" and "=" between spaces, Spanish "de L a V", French "av.".
    ("es-MX", "Envíe un SMS al 55555 con la palabra SALDO.",
     "Envíe un SMS al cinco cinco cinco cinco cinco con la palabra SALDO."),
    ("fr-FR", "Envoyez STOP par SMS au 36111.", "Envoyez STOP par SMS au trois six un un un."),
    ("de-DE", "Ihre IBAN: DE89 3704 0044 0532 0130 00.",
     "Ihre IBAN: D E acht neun, drei sieben null vier, null null vier vier, null fünf drei zwei, null eins drei null, "
     "null null."),
    ("de-DE", "IBAN DE89370400440532013000 bitte.",
     "IBAN D E acht neun, drei sieben null vier, null null vier vier, null fünf drei zwei, null eins drei null, "
     "null null bitte."),
    ("en-GB", "Pay to GB29 NWBK 6016 1331 9268 19.",
     "Pay to G B two nine, N W B K, six zero one six, one three three one, nine two six eight, one nine."),
    ("es-MX", "El costo es de $99 pesos + IVA.", "El costo es de noventa y nueve pesos más IVA."),
    ("en-US", "Ages 18+ only. 5 + 3 = 8.", "Ages eighteen plus only. five plus three equals eight."),
    ("es-ES", "Llámenos de L a V.", "Llámenos de lunes a viernes."),
    ("fr-FR", "Rendez-vous au 12, av. des Champs-Élysées.", "Rendez-vous au douze, avenue des Champs-Élysées."),
    # Noon and midnight, bare hour ranges before PM, seasons, extensions, fractions in one character,
    # short years, the 24-hour clock in four digits, "+1 (415)".
    ("en-US", "We close at 12:00 PM and reopen at 12 AM.", "We close at noon and reopen at midnight."),
    ("en-US", "Lunch 12-1 PM.", "Lunch twelve to one PM."),
    ("en-US", "Our 2024–25 season starts soon.", "Our twenty twenty-four to twenty-five season starts soon."),
    ("en-GB", "The 1999-00 season.", "The nineteen ninety-nine to two thousand season."),
    ("de-DE", "Die Saison 2024/25.", "Die Saison zweitausendvierundzwanzig bis fünfundzwanzig."),
    ("en-US", "Call (800) 555-0199 x204.",
     "Call eight hundred, five five five, zero one nine nine, extension two zero four."),
    ("en-US", "Call ext. x204.", "Call extension two zero four."),
    ("en-US", "A 1920 x1080 screen.", "A one thousand nine hundred twenty by one thousand eighty screen."),
    ("en-US", "Max. 2 per customer. Press 1 for Acct. info.", "Maximum two per customer. Press one for account info."),
    ("en-US", "Add 1½ cups and ¾ tsp.", "Add one and a half cups and three quarters tsp."),
    ("en-US", "Class of '24, since '05, the '90s, 'yes'.", "Class of twenty-four, since oh five, the nineties, 'yes'."),
    ("en-US", "Operating hours 0800-1700 hrs.", "Operating hours zero eight hundred to seventeen hundred hours."),
    ("en-US", "Report at 0630 hours.", "Report at zero six thirty hours."),
    ("en-US", "Wait 1000 hours.", "Wait one thousand hours."),
    ("en-US", "Tel: +1 (415) 555-0100", "Tel: plus one, four one five, five five five, zero one zero zero"),
    ("es-ES", "Su cita es a las 10:30.", "Su cita es a las diez y media."),
    ("es-MX", "Abrimos a las 9:15 y cerramos a las 18:30.",
     "Abrimos a las nueve y cuarto y cerramos a las dieciocho y treinta."),
    # A German postcode after a street and number, digit by digit; "str." said whole.
    ("de-DE", "Unsere Adresse: Hauptstr. 5, 10115 Berlin.",
     "Unsere Adresse: Hauptstraße fünf, eins null eins eins fünf Berlin."),
    ("de-DE", "Lindenallee 12a, 50968 Köln.", "Lindenallee zwölf a, fünf null neun sechs acht Köln."),
    ("de-DE", "Wir haben 10115 Kunden.", "Wir haben zehntausendeinhundertfünfzehn Kunden."),
    # A language offered in its own words is read in that language (text/offers.py).
    ("en-US", "For English, press 1. Para español, oprima 2.", "For English, press one. Para español, oprima dos."),
    ("de-DE", "For English, please press 2.", "For English, please press two."),
    ("fr-FR", "For English, press 2.", "For English, press two."),
    ("es-MX", "For English, press 2. Para continuar en español, marque 1.",
     "For English, press two. Para continuar en español, marque uno."),
    ("en-US", "Para español, oprima 2. Thank you for calling 1-800-555-0100.",
     "Para español, oprima dos. Thank you for calling one, eight hundred, five five five, zero one zero zero."),
    ("en-US", "Press 1 for English.", "Press one for English."),
    # Web and e-mail addresses as a caller writes them down (text/web.py).
    ("en-US", "Our website is www.example.com/help.", "Our website is w w w dot example dot com slash help."),
    ("en-US", "Email us at support@example.com.", "Email us at support at example dot com."),
    ("en-US", "Visit https://my-bank.co.uk/reset-password?id=1 for help.",
     "Visit my dash bank dot co dot uk slash reset dash password for help."),
    ("en-US", "Visit example.com/.", "Visit example dot com."),
    ("en-US", "We use Node.js and config.yaml.", "We use Node.js and config dot yaml."),  # a file: paths.py
    ("es-ES", "a.m.mil doscientos", "a.m.mil doscientos"),  # "a.m.1212" said once: no .mil host
    ("es-MX", "Escríbanos a ayuda_clientes@ejemplo.com.mx.",
     "Escríbanos a ayuda guion bajo clientes arroba ejemplo punto com punto mx."),
    ("de-DE", "Schreiben Sie an service@nordbank.de.", "Schreiben Sie an service ät nordbank Punkt de."),
    ("fr-FR", "Plus d'informations sur banque-atlantique.fr/aide.",
     "Plus d'informations sur banque tiret atlantique point fr slash aide."),
]


@pytest.mark.parametrize("language, written, spoken", CASES)
def test_reading(language, written, spoken):
    assert normalize(written, language) == spoken


def test_cli_build_says_them(tmp_path):
    texts = {"drive": "Visit 12 Main Dr. Press 1.", "expiry": "Your card expires 08/27.",
             "weekend": "Closed Sat and Sun.", "menu": "For English, press 1. Para español, oprima 2.",
             "web": "Email support@example.com."}
    lines = "".join(f"      {name}: {json.dumps(text)}\n" for name, text in texts.items())
    (tmp_path / "m.yaml").write_text(
        "version: 1\nlibraries:\n  ivr:\n    output: out\n    provider: espeak\n    formats: [wav]\n"
        f"    languages:\n      en-US: {{voice: en-us, path: x}}\n    prompts:\n{lines}")
    done = narrate_in("-q", "build", "m.yaml", "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]
    assert {row["name"]: row["spoken"] for row in rows} == {
        "drive": "Visit twelve Main Drive. Press one.", "expiry": "Your card expires August twenty twenty-seven.",
        "weekend": "Closed Saturday and Sunday.", "menu": "For English, press one. Para español, oprima dos.",
        "web": "Email support at example dot com."}


def test_a_book_says_its_links_hosts_in_its_language():
    from narrate.text.chapter import chapter_units
    from narrate.text.markdown import markdown_to_speakable

    def said(source: str, language: str) -> str:
        return " ".join(u.text for u in chapter_units(markdown_to_speakable(source), 400, language, None, spoken=True))

    assert said("Visite <https://www.ejemplo.es/ayuda> o escriba a <ayuda@ejemplo.es>.\n", "es-ES") == (
        "Visite ejemplo punto es o escriba a ayuda arroba ejemplo punto es.")
    # A host the normaliser does not know is said by the Markdown reader, in English words.
    assert said("See <https://docs.rs/serde> and <https://example.org>.\n", "en-US") == "See docs dot rs and example dot org."
