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


@pytest.mark.parametrize(("language", "written", "spoken"), UNITS + SINGULAR + MONTHS)
def test_reading(language, written, spoken):
    assert normalize(written, language) == spoken
