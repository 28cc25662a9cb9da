"""Readings of Spanish, French and German contact-centre prompts that a native listener heard wrong,
one list per kind of fault, each with the reading people say."""

from __future__ import annotations

import pytest

from narrate.text.normalize import normalize

# Units that bills, meters and offers print were left as symbols ("250 kWh" was "zweihundertfünfzig kWh").
UNITS = [
    ("de-DE", "Sie haben 250 kWh verbraucht.", "Sie haben zweihundertfünfzig Kilowattstunden verbraucht."),
    ("de-DE", "1 kWh kostet 32 ct.", "eine Kilowattstunde kostet zweiunddreißig Cent."),
    ("de-DE", "Verbrauch: 12 m³.", "Verbrauch: zwölf Kubikmeter."),
    ("de-DE", "Surfen mit 300 Mbit/s.", "Surfen mit dreihundert Megabit pro Sekunde."),
    ("fr-FR", "Vous avez consommé 250 kWh.", "Vous avez consommé deux cent cinquante kilowattheures."),
    ("fr-FR", "Débit de 300 Mb/s.", "Débit de trois cents mégabits par seconde."),
    ("fr-CA", "Logement de 85 m².", "Logement de quatre-vingt-cinq mètres carrés."),
    ("es-ES", "Ha consumido 250 kWh.", "Ha consumido doscientos cincuenta kilovatios hora."),
    ("es-MX", "Internet de 300 Mbps.", "Internet de trescientos megabits por segundo."),
    ("es-ES", "Su consumo es de 12 m³.", "Su consumo es de doce metros cúbicos."),
]
# A unit written short after a count of one was plural, and its count took the wrong gender
# ("ca. 1 Std." was "circa ein Stunden"); a German compound takes its last noun's gender.
SINGULAR = [
    ("de-DE", "Es dauert ca. 1 Std.", "Es dauert circa eine Stunde."),
    ("de-DE", "Bitte warten Sie 1 Min.", "Bitte warten Sie eine Minute."),
    ("de-DE", "Es dauert 21 Min.", "Es dauert einundzwanzig Minuten."),
    ("es-ES", "Espere 1 min.", "Espere un minuto."),
    ("de-DE", "Sie haben 1 Kurznachricht.", "Sie haben eine Kurznachricht."),
    ("de-DE", "Der Preis für 1 Kilowattstunde", "Der Preis für eine Kilowattstunde"),
]
# Austria names January "Jänner": de-AT said "Januar".
MONTHS = [
    ("de-AT", "Ihr Termin ist am 03.01.2025.", "Ihr Termin ist am dritten Jänner zweitausendfünfundzwanzig."),
    ("de-AT", "Am 3. Januar 2025.", "Am dritten Jänner zweitausendfünfundzwanzig."),
    ("de-AT", "Am 3. Jän. 2025", "Am dritten Jänner zweitausendfünfundzwanzig"),
    ("de-DE", "Ihr Termin ist am 03.01.2025.", "Ihr Termin ist am dritten Januar zweitausendfünfundzwanzig."),
]

# A Spanish or French postcode in an address was a quantity ("28014 Madrid" was "veintiocho mil catorce").
POSTCODES = [
    ("es-ES", "C/ Alcalá 45, 28014 Madrid", "calle Alcalá cuarenta y cinco, dos ocho cero uno cuatro Madrid"),
    ("es-ES", "Calle Mayor, 21, 3.º B, 28013 Madrid.",
     "Calle Mayor, veintiuno, tercero B, dos ocho cero uno tres Madrid."),
    ("es-MX", "Av. Reforma 222, Col. Juárez, C.P. 06600, CDMX.",
     "avenida Reforma doscientos veintidós, colonia Juárez, C.P. cero seis seis cero cero, CDMX."),
    ("es-ES", "Hay 28013 personas, Madrid", "Hay veintiocho mil trece personas, Madrid"),
    ("fr-FR", "12, rue de la Paix, 75002 Paris.", "douze, rue de la Paix, soixante-quinze zéro zéro deux Paris."),
    ("fr-FR", "Code postal : 75008.", "Code postal : soixante-quinze zéro zéro huit."),
    ("fr-FR", "BP 123, 13001 Marseille", "BP cent vingt-trois, treize zéro zéro un Marseille"),
    ("fr-FR", "CP 01000 Bourg-en-Bresse", "CP zéro un zéro zéro zéro Bourg-en-Bresse"),
    ("fr-FR", "Total des ventes, 75002 Euros", "Total des ventes, soixante-quinze mille deux Euros"),
]
# An SMS short code after "send WORD to" was a quantity ("an 12345" was "zwölftausenddreihundert...").
SHORT_CODES = [
    ("de-DE", "Senden Sie STOP an 12345.", "Senden Sie STOP an eins zwei drei vier fünf."),
    ("fr-FR", "Envoyez STOP au 36179.", "Envoyez STOP au trois six un sept neuf."),
    ("es-MX", "Manda SALDO al 2255.", "Manda SALDO al dos dos cinco cinco."),
]

# A German ordinal after a capitalised or a missing dative word took the nominative ("Im 2. Stock" was
# "Im zweiter Stock").
DECLENSION = [
    ("de-DE", "Im 2. Stock.", "Im zweiten Stock."),
    ("de-DE", "Zum 1. Mal.", "Zum ersten Mal."),
    ("de-DE", "Zur 2. Rate.", "Zur zweiten Rate."),
    ("de-DE", "Zahlbar in der 2. Woche.", "Zahlbar in der zweiten Woche."),
    ("de-DE", "Eine 2. Chance.", "Eine zweite Chance."),
    ("de-DE", "Der 3. Anrufer.", "Der dritte Anrufer."),
    ("de-DE", "Ihr 2. Termin.", "Ihr zweiter Termin."),
]
# The first of two linked counts agrees with the noun after the second ("in 1 bis 2 Tagen" was "in eins
# bis zwei Tagen", "1 o 2 horas" "uno o dos horas", "1 ou 2 heures" "un ou deux heures").
LINKED_COUNTS = [
    ("de-DE", "Wir melden uns in 1 bis 2 Tagen.", "Wir melden uns in ein bis zwei Tagen."),
    ("de-DE", "Lieferung in 1-2 Wochen.", "Lieferung in ein bis zwei Wochen."),
    ("de-DE", "Drücken Sie 1 oder 2.", "Drücken Sie eins oder zwei."),
    ("es-ES", "Le llamaremos en 1 o 2 horas.", "Le llamaremos en una o dos horas."),
    ("es-MX", "Entrega en 1-2 semanas.", "Entrega en una a dos semanas."),
    ("es-ES", "Tarda de 1 a 3 días.", "Tarda de uno a tres días."),
    ("es-ES", "Pulse 1 o 2 para ventas.", "Pulse uno o dos para ventas."),
    ("fr-FR", "Comptez 1 ou 2 heures.", "Comptez une ou deux heures."),
    ("fr-CA", "Livraison sous 1 à 2 semaines.", "Livraison sous une à deux semaines."),
    ("fr-FR", "Entre 21 et 31 minutes.", "Entre vingt et une et trente et une minutes."),
]
# A percentage or quantity written with the other decimal separator was split ("36.5%" in es-ES was
# "treinta y seis.cinco%", "3,5 %" in es-MX "tres,cinco %").
FOREIGN_DECIMALS = [
    ("es-ES", "La tasa anual es del 36.5%.", "La tasa anual es del treinta y seis coma cinco por ciento."),
    ("es-MX", "La tarifa sube un 3,5 %.", "La tarifa sube un tres punto cinco por ciento."),
    ("es-US", "El paquete pesa 2,5 kg.", "El paquete pesa dos punto cinco kilogramos."),
    ("de-DE", "Noch 1.5 GB frei.", "Noch eins Komma fünf Gigabyte frei."),
    ("es-MX", "Pesa 1,500 kg.", "Pesa mil quinientos kilogramos."),
]
# Spanish and French say a decimal's digits as a number ("4,25 %" was "quatre virgule deux cinq").
DECIMALS = [
    ("fr-FR", "Votre taux est de 4,25 %.", "Votre taux est de quatre virgule vingt-cinq pour cent."),
    ("fr-CA", "Taux de 0,05 %.", "Taux de zéro virgule zéro cinq pour cent."),
    ("es-ES", "TAE del 3,75 %.", "TAE del tres coma setenta y cinco por ciento."),
    ("es-MX", "Tasa anual de 36.75%.", "Tasa anual de treinta y seis punto setenta y cinco por ciento."),
    ("de-DE", "Zinssatz 4,25 %.", "Zinssatz vier Komma zwei fünf Prozent."),
    ("fr-FR", "3,14159", "trois virgule un quatre un cinq neuf"),
]
# Telephone numbers: Mexico's "(55) 5555-1234" was a quantity and a bracket; France's international
# form was digit by digit where its national form is said in pairs.
PHONES = [
    ("es-MX", "Llame al (55) 5555-1234.", "Llame al cinco cinco, cinco cinco cinco cinco, uno dos tres cuatro."),
    ("es-MX", "Teléfono: (81) 8123-4567", "Teléfono: ocho uno, ocho uno dos tres, cuatro cinco seis siete"),
    ("de-DE", "Rufen Sie (030) 1234-5678 an.",
     "Rufen Sie null drei null, eins zwei drei vier, fünf sechs sieben acht an."),
    ("de-DE", "069 98765-0", "null sechs neun, neun acht sieben sechs fünf, null"),
    ("fr-FR", "Appelez le +33 1 23 45 67 89.",
     "Appelez le plus trente-trois, un, vingt-trois, quarante-cinq, soixante-sept, quatre-vingt-neuf."),
    ("fr-FR", "+33 (0)6 12 34 56 78",
     "plus trente-trois, six, douze, trente-quatre, cinquante-six, soixante-dix-huit"),
]
# German "ein" after a preposition or a verb keeps the nominative ("von 1 €" was "von ein Euro", "kostet 1
# Euro" "kostet ein Euro", "Sie haben 1 verpassten Anruf" "ein verpassten Anruf").
GERMAN_CASE = [
    ("de-DE", "Der Betrag von 1 €.", "Der Betrag von einem Euro."),
    ("de-DE", "Ein Zuschlag von 1,50 €.", "Ein Zuschlag von einem Euro und fünfzig Cent."),
    ("de-DE", "Das kostet 1 Euro.", "Das kostet einen Euro."),
    ("de-DE", "Sie schulden uns 0,01 €.", "Sie schulden uns einen Cent."),
    ("de-DE", "Sie haben 1 verpassten Anruf.", "Sie haben einen verpassten Anruf."),
    ("de-AT", "Wir melden uns in 1 Woche.", "Wir melden uns in einer Woche."),
    ("de-CH", "Für 1 Monat gratis.", "Für einen Monat gratis."),
    ("de-DE", "Sie haben 1 Konto.", "Sie haben ein Konto."),
    ("de-DE", "Es bleibt 1 Euro übrig.", "Es bleibt ein Euro übrig."),
    ("de-DE", "Ihr Termin ist um 1 Uhr.", "Ihr Termin ist um ein Uhr."),
]
# German "Mio." and "Mrd." were left to the engine ("1 Mio. Kunden" was "ein Mio. Kunden").
SCALES = [
    ("de-DE", "Über 1 Mio. Kunden vertrauen uns.", "Über eine Million Kunden vertrauen uns."),
    ("de-DE", "Ein Umsatz von 2,5 Mio. €.", "Ein Umsatz von zwei Komma fünf Millionen Euro."),
    ("de-AT", "1 Mrd. Euro", "eine Milliarde Euro"),
    ("de-DE", "1 Mio. €", "eine Million Euro"),
]
# Swiss German writes "1'250.50" and "Fr. 15.50" (CLDR de-CH); "CHF 1'250.00" was "ein Franken'zweihundert...",
# "Fr. 15.50" "Freitag fünfzehn.fünfzig".
SWISS = [
    ("de-CH", "Der Saldo beträgt CHF 12'345.60.",
     "Der Saldo beträgt zwölftausenddreihundertfünfundvierzig Franken und sechzig Rappen."),
    ("de-CH", "Der Preis beträgt Fr. 15.50.", "Der Preis beträgt fünfzehn Franken und fünfzig Rappen."),
    ("de-CH", "Es kostet 2.50 Fr.", "Es kostet zwei Franken und fünfzig Rappen."),
    ("de-CH", "Total 1’250.– CHF", "Total eintausendzweihundertfünfzig Franken"),
    ("de-CH", "Zinssatz 1.25 %", "Zinssatz eins Komma zwei fünf Prozent"),
    ("de-CH", "Mo.-Fr. 8-17 Uhr", "Montag bis Freitag acht bis siebzehn Uhr"),
    ("de-CH", "Am Fr. 12.05. geschlossen", "Am Freitag zwölften Mai geschlossen"),
    ("fr-CH", "Le prix est de Fr. 15.50.", "Le prix est de quinze francs et cinquante centimes."),
    ("de-DE", "Ihre Zahlung von 1.000 € ist da.", "Ihre Zahlung von eintausend Euro ist da."),
    # An amount with three digits after a point is thousands outside English, whatever the region's decimal
    # ("1.000 €" in es-MX was "uno punto cero cero cero euros"); "$3.459 per gallon" stays a decimal in English.
    ("es-MX", "Su pago de 1.000 € se procesó.", "Su pago de mil euros se procesó."),
    ("en-US", "$3.459 per gallon", "three point four five nine dollars per gallon"),
]
# German dotted times without "Uhr" were numbers ("von 8.30 bis 12.00" was "von acht.dreißig bis zwölf.null null").
GERMAN_DOTTED_TIMES = [
    ("de-DE", "Wir sind von 8.30 bis 12.00 für Sie da.", "Wir sind von acht Uhr dreißig bis zwölf Uhr für Sie da."),
    ("de-AT", "Mo-Fr 8.00-17.00", "Montag bis Freitag acht Uhr bis siebzehn Uhr"),
    ("de-CH", "Geöffnet von 8.00 bis 17.00.", "Geöffnet von acht Uhr bis siebzehn Uhr."),
    ("de-DE", "Um 8.30 geht es los.", "Um acht Uhr dreißig geht es los."),
    ("de-CH", "Der Kurs steigt um 1.25 Prozent.", "Der Kurs steigt um eins Komma zwei fünf Prozent."),
]
# A PIN or secret code after its label was a quantity ("Ihre PIN lautet 1234" was "eintausendzwei...").
PINS = [
    ("de-DE", "Ihre PIN lautet 1234.", "Ihre PIN lautet eins zwei drei vier."),
    ("es-ES", "Su clave es 7812.", "Su clave es siete ocho uno dos."),
    ("es-MX", "Su NIP es 4821.", "Su NIP es cuatro ocho dos uno."),
    ("fr-FR", "Votre code PIN est 1234.", "Votre code PIN est un deux trois quatre."),
    ("fr-CA", "Votre code secret : 9876.", "Votre code secret : neuf huit sept six."),
    ("es-ES", "Su tarjeta termina en 123.", "Su tarjeta termina en uno dos tres."),
]
# A flight number with its airline's code was a quantity ("vuelo IB3456" was "IB tres mil cuatrocientos...").
FLIGHTS = [
    ("es-ES", "Su vuelo IB3456 sale a las 14:35.", "Su vuelo I B tres cuatro cinco seis sale a las catorce y treinta y cinco."),
    ("fr-FR", "Votre vol AF 1234 part à 14 h.", "Votre vol A F un deux trois quatre part à quatorze heures."),
    ("de-DE", "Ihr Flug LH 1234 startet.", "Ihr Flug L H eins zwei drei vier startet."),
    ("de-AT", "Ihr Flug OS 71 ist pünktlich.", "Ihr Flug O S einundsiebzig ist pünktlich."),
    ("es-MX", "El vuelo 123 sale.", "El vuelo ciento veintitrés sale."),
]
# French elides "de" and "que" before a count of one ("de 1 €" was "de un euro").
ELISION = [
    ("fr-FR", "Le montant de 1 €.", "Le montant d'un euro."),
    ("fr-CA", "Un délai de 1 heure.", "Un délai d'une heure."),
    ("fr-FR", "Livraison de 1 à 2 jours.", "Livraison d'un à deux jours."),
    ("fr-FR", "Il ne reste plus que 1 minute.", "Il ne reste plus qu'une minute."),
    ("fr-FR", "Appuyez sur le 1.", "Appuyez sur le un."),
]
# Regional habits: US Spanish writes dates month first, and a date that can only be read one way is read
# so in any region ("03/15/2025" was "cero tres/quince/dos mil veinticinco"); Austria's and Switzerland's
# emergency numbers are dialed; a French offer in a Swiss German prompt is French; an extension ("poste")
# is keyed; three decimals are said digit by digit ("9,975 %" is "neuf virgule neuf sept cinq").
REGIONAL = [
    ("es-US", "Su cita es el 03/15/2025.", "Su cita es el quince de marzo de dos mil veinticinco."),
    ("es-US", "Su cita es el 03/04/2025.", "Su cita es el cuatro de marzo de dos mil veinticinco."),
    ("es-MX", "Su cita es el 03/04/2025.", "Su cita es el tres de abril de dos mil veinticinco."),
    ("en-US", "Due 15/03/2025.", "Due March fifteenth, twenty twenty-five."),
    ("de-AT", "Der Notruf ist unter 144 erreichbar.", "Der Notruf ist unter eins vier vier erreichbar."),
    ("de-CH", "Rufen Sie 117 an.", "Rufen Sie eins eins sieben an."),
    ("de-CH", "Pour le service en français, appuyez sur 3.", "Pour le service en français, appuyez sur trois."),
    ("fr-CA", "Composez le 418 555-0142, poste 2201.",
     "Composez le quatre un huit, cinq cinq cinq, zéro un quatre deux, poste deux deux zéro un."),
    ("fr-CA", "La TVQ de 9,975 % s'applique.", "La TVQ de neuf virgule neuf sept cinq pour cent s'applique."),
]
# Smaller habits: a German day-and-month date's dot before a noun ended the sentence ("bis zum 31.03.
# Zeit" was "März. Zeit"); France's four-digit service numbers are said in pairs; German "max.", "mind."
# were left to the engine.
HABITS = [
    ("de-DE", "Sie haben bis zum 31.03. Zeit.", "Sie haben bis zum einunddreißigsten März Zeit."),
    ("de-DE", "Bis zum 31.03. Danach gilt der neue Tarif.",
     "Bis zum einunddreißigsten März. Danach gilt der neue Tarif."),
    ("fr-FR", "Appelez le 3939.", "Appelez le trente-neuf trente-neuf."),
    ("fr-FR", "Composez le 3631", "Composez le trente-six trente et un"),
    ("fr-FR", "Il y a 3939 clients.", "Il y a trois mille neuf cent trente-neuf clients."),
    ("de-DE", "Mobilfunk max. 0,42 €/Min.", "Mobilfunk maximal zweiundvierzig Cent pro Minute."),
    ("de-DE", "Bitte mind. 8 Zeichen eingeben.", "Bitte mindestens acht Zeichen eingeben."),
]
# Symbols and abbreviations left for the engine: "+" after an amount's sign ("3 € + IVA"), a reference's
# slash ("2025/00417" was "dos mil veinticinco/cero cero..."), lower-case "c/", German "MwSt.".
SYMBOLS = [
    ("es-ES", "El recargo es de 3 € + IVA.", "El recargo es de tres euros más IVA."),
    ("fr-FR", "Prix : 10 € + TVA.", "Prix : dix euros plus TVA."),
    ("de-DE", "Preis: 10 € zzgl. MwSt.", "Preis: zehn Euro zuzüglich Mehrwertsteuer."),
    ("es-ES", "Su número de expediente es 2025/00417.",
     "Su número de expediente es dos cero dos cinco, cero cero cuatro uno siete."),
    ("de-DE", "Ihr Aktenzeichen lautet 2025/00417.", "Ihr Aktenzeichen lautet zwei null zwei fünf, null null vier eins sieben."),
    ("es-ES", "Fecha de referencia: 15/03/2025.", "Fecha de referencia: quince de marzo de dos mil veinticinco."),
    ("es-ES", "Estamos en la c/ Alcalá 45.", "Estamos en la calle Alcalá cuarenta y cinco."),
]
CASES = SYMBOLS + HABITS + REGIONAL + ELISION + FLIGHTS + PINS + (
    SCALES + SWISS + GERMAN_DOTTED_TIMES + GERMAN_CASE + PHONES + DECIMALS + FOREIGN_DECIMALS + UNITS +
    SINGULAR + MONTHS + POSTCODES + SHORT_CODES + DECLENSION + LINKED_COUNTS
)


@pytest.mark.parametrize(("language", "written", "spoken"), CASES)
def test_reading(language, written, spoken):
    assert normalize(written, language) == spoken
