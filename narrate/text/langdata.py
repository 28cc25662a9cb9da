"""Per-language data for spoken normalisation: separators, words and conventions, as tables.

Number words themselves come from num2words; these tables hold only what num2words does not:
how each language writes numbers (decimal and grouping separators, date order), the names of
currencies, units and months, and the words that announce a Roman numeral. Sources: CLDR number
and date patterns for the separators and orders (cldr.unicode.org, `en`/`es`/`de`/`fr` locales,
`es-MX`/`es-US`/`es-419` for the point as decimal separator), the languages' usual typography for
ordinals (English 1st, Spanish 2.º/2.ª, German "2.", French 2e/1er).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .unitdata import UNITS


@dataclass(frozen=True)
class Currency:
    major: tuple[str, str]  # singular, plural
    minor: tuple[str, str]
    feminine: bool = False  # Spanish/French "libra", "livre": "una libra", "une livre"
    minor_feminine: bool = False


@dataclass(frozen=True)
class Lang:
    """Everything language- and region-specific that the rules in spoken.py read."""

    tag: str  # the BCP-47 tag asked for
    code: str  # primary language: en, es, de, fr
    n2w: str  # num2words language code
    decimal: str  # "." or ","
    group: str  # thousands separator: "," "." or " "
    date_order: str  # "mdy" or "dmy" for 05/01/2024
    strip_and: bool  # North American English: "one hundred twenty-three", no "and"
    point: str
    minus: str
    percent: str
    ampersand: str
    plus: str
    currency_join: str  # "$1.50": "one dollar AND fifty cents"
    months: tuple[str, ...]
    currencies: dict[str, Currency]
    units: dict[str, tuple[str, str, bool]]  # symbol -> (singular, plural, feminine)
    numbered: frozenset[str]  # words followed by a Roman numeral read as a cardinal: "Part III"
    month_abbrev: dict[str, int] = field(default_factory=dict)
    comparisons: dict[str, str] = field(default_factory=dict)  # "<" ">" "≤" "≥" "≠" -> words (COMPARISONS)
    region: str = ""  # upper case, "" when the tag names none: "US", "GB", "MX", "419"


SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}

_EN_CUR = {
    "USD": Currency(("dollar", "dollars"), ("cent", "cents")),
    "CAD": Currency(("Canadian dollar", "Canadian dollars"), ("cent", "cents")),
    "AUD": Currency(("Australian dollar", "Australian dollars"), ("cent", "cents")),
    "EUR": Currency(("euro", "euros"), ("cent", "cents")),
    "GBP": Currency(("pound", "pounds"), ("penny", "pence")),
    "JPY": Currency(("yen", "yen"), ("sen", "sen")),
    "MXN": Currency(("peso", "pesos"), ("centavo", "centavos")),
    "INR": Currency(("rupee", "rupees"), ("paisa", "paise")),
}
_ES_CUR = {
    "USD": Currency(("dólar", "dólares"), ("centavo", "centavos")),
    "CAD": Currency(("dólar canadiense", "dólares canadienses"), ("centavo", "centavos")),
    "AUD": Currency(("dólar australiano", "dólares australianos"), ("centavo", "centavos")),
    "EUR": Currency(("euro", "euros"), ("céntimo", "céntimos")),
    "GBP": Currency(("libra", "libras"), ("penique", "peniques"), feminine=True),
    "JPY": Currency(("yen", "yenes"), ("sen", "sen")),
    "MXN": Currency(("peso", "pesos"), ("centavo", "centavos")),
    "COP": Currency(("peso", "pesos"), ("centavo", "centavos")),
    "CLP": Currency(("peso", "pesos"), ("centavo", "centavos")),
    "ARS": Currency(("peso", "pesos"), ("centavo", "centavos")),
    "UYU": Currency(("peso", "pesos"), ("centésimo", "centésimos")),
    "INR": Currency(("rupia", "rupias"), ("paisa", "paisas"), feminine=True, minor_feminine=True),
}
# What "$" is by region, where it is not the US dollar: the peso of Mexico, Colombia, Chile, Argentina
# and Uruguay ("$1,234.56" in a Mexican prompt is pesos; es-US keeps dólares).
DOLLAR_SIGN = {"es": {"MX": "MXN", "CO": "COP", "CL": "CLP", "AR": "ARS", "UY": "UYU"}}
_DE_CUR = {
    "USD": Currency(("Dollar", "Dollar"), ("Cent", "Cent")),
    "CAD": Currency(("kanadischer Dollar", "kanadische Dollar"), ("Cent", "Cent")),
    "AUD": Currency(("australischer Dollar", "australische Dollar"), ("Cent", "Cent")),
    "EUR": Currency(("Euro", "Euro"), ("Cent", "Cent")),
    "GBP": Currency(("Pfund", "Pfund"), ("Penny", "Pence")),
    "JPY": Currency(("Yen", "Yen"), ("Sen", "Sen")),
    "MXN": Currency(("Peso", "Pesos"), ("Centavo", "Centavos")),
    "CHF": Currency(("Franken", "Franken"), ("Rappen", "Rappen")),
    "INR": Currency(("Rupie", "Rupien"), ("Paisa", "Paise"), feminine=True),
}
_FR_CUR = {
    "USD": Currency(("dollar", "dollars"), ("cent", "cents")),
    "CAD": Currency(("dollar canadien", "dollars canadiens"), ("cent", "cents")),
    "AUD": Currency(("dollar australien", "dollars australiens"), ("cent", "cents")),
    "EUR": Currency(("euro", "euros"), ("centime", "centimes")),
    "GBP": Currency(("livre", "livres"), ("penny", "pence"), feminine=True),
    "JPY": Currency(("yen", "yens"), ("sen", "sen")),
    "MXN": Currency(("peso", "pesos"), ("centavo", "centavos")),
    "CHF": Currency(("franc", "francs"), ("centime", "centimes")),
    "INR": Currency(("roupie", "roupies"), ("paisa", "paisas"), feminine=True),
}

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
}
# Austrian German names January "Jänner" (ÖNORM, the Austrian dictionary): said so in de-AT, and read
# as January wherever written; "Januar" in an Austrian text is read as Jänner.
_REGIONAL_MONTHS = {"de-AT": ("Jänner", *_MONTHS["de"][1:])}
_EN_ABBREV = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
              "oct": 10, "nov": 11, "dec": 12}  # "Sept." is AP style
# Months written short in a day's date ("15 de dic.", "3. Okt.", "3 janv."): RAE, Duden, Imprimerie nationale.
_MONTH_ABBREV = {
    "en": _EN_ABBREV,
    "es": {"ene": 1, "feb": 2, "mar": 3, "abr": 4, "jun": 6, "jul": 7, "ago": 8, "sep": 9, "sept": 9, "set": 9,
           "oct": 10, "nov": 11, "dic": 12},
    "de": {"jan": 1, "jän": 1, "jänner": 1, "feb": 2, "mär": 3, "mrz": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
           "sep": 9, "sept": 9, "okt": 10, "nov": 11, "dez": 12},
    "fr": {"janv": 1, "févr": 2, "fév": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11, "déc": 12},
}

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Given names that monarchs, popes and their families bear with a regnal number, in the spellings of
# English, Spanish, German, French (and a few other European ones common in English text), from the
# lists of European monarchs and of popes (Wikipedia, "List of popes"; "List of English monarchs";
# "List of French monarchs"; "List of Spanish monarchs"; "List of German monarchs"). A capitalised
# word before a Roman numeral is read as a regnal name only when it is one of these, or follows one
# (John Paul II, Henry Ford II) or a title (King Tut II, Pharaoh Seti I); otherwise the numeral is
# a cardinal: "Final Fantasy VII" -> "Final Fantasy seven", "Rocky IV" -> "Rocky four".
REGNAL_NAMES = _words("""
Adolf Adolphus Adrian Adriano Afonso Agnes Albert Alberto Albrecht Alexander Alexandre Alexandra Alexios
Alfonso Alfons Alphonse Amadeus Amalia Amenhotep Anastasius Andrew Andreas André Anne Anna Ana Antiochus
Antoine Anton Antonio August Augustus Auguste Baldwin Baudouin Béla Benedict Benedikt Benedetto Benedicto
Benoît Bernhard Bohemond Boleslaw Boniface Bonifatius Bonifacio Carl Carlos Carol Casimir Catherine Catalina
Katharina Charles Christian Christina Christopher Clement Clemens Clemente Clément Constantine Konstantin
Constantino Constantin Cosimo Darius David Dmitri Edmund Edward Eduard Eduardo Édouard Elizabeth Elisabeth
Isabel Isabella Isabelle Emmanuel Enrique Eric Erik Ernst Eugene Eugen Eugenio Eugène Fadrique Faisal
Felipe Felix Félix Ferdinand Fernando Francis Francisco Franz François Francesco Frederick Friedrich
Frederik Federico Frédéric Gregory Gregor Gregorio Grégoire George Georg Georges Jorge Gustav Gustaf
Gustavus Haakon Hadrian Harald Heinrich Henry Henri Enrico Herod Honorius Hussein Innocent Innozenz
Inocencio Innocent Isaac Ivan Iwan Jacques Jaime Jakob James Jan Jean Joan Johann Johannes John Juan
João Joseph Josef José Julius Julio Jules Justinian Karl Louis Ludwig Luis Luigi Leo León Léon Leopold
Leopoldo Léopold Llywelyn Lothar Lucius Magnus Malcolm Manuel Margaret Margrethe Margarethe Marguerite
Maria Marie María Mary Martin Martín Matthias Maximilian Maximiliano Mehmed Michael Michel Miguel Mihai
Mohammed Muhammad Murad Mustafa Napoleon Napoléon Nicholas Nikolaus Nicolás Nicolas Nikolai Olaf Oscar
Otto Paul Pablo Paolo Pedro Peter Pierre Pietro Philip Philipp Philippe Pius Pio Pie Ptolemy Rama Ramesses
Ramses Ramiro Richard Ricardo Robert Roberto Rudolf Rudolph Sancho Sebastian Sebastián Selim Sergius Seti
Sigismund Sixtus Stanislaus Stephen Stefan Stephan Esteban Étienne Suleiman Sylvester Silvestre Theodosius
Thutmose Umberto Urban Urbano Urbain Valdemar Victor Viktor Víctor Victoria Vittorio Vladimir Wilhelm
Wilhelmina Willem William Guillermo Guillaume Guglielmo Xerxes
""")
REGNAL_TITLES = _words("""
King Queen Pope Emperor Empress Tsar Czar Tsarina Sultan Pharaoh Prince Princess Duke Duchess Saint St.
König Königin Kaiser Kaiserin Papst Zar Herzog Prinz Prinzessin Rey Reina Papa Emperador Emperatriz
Príncipe Princesa Zar Roi Reine Pape Empereur Impératrice Tsar Duc Duchesse Saint Sainte
""")

# German writes an ordinal as "2." before its noun ("am 2. Mai", "der 3. Sieger"), and every noun is
# capitalised, so "2." before a capitalised word is an ordinal unless that word is one no ordinal can
# modify: these closed-class words (articles, pronouns, conjunctions, adverbs, prepositions) start a
# new sentence instead: "Schritt 2. Dann ..." is "Schritt zwei. Dann ...".
GERMAN_SENTENCE_OPENERS = _words("""
Der Die Das Dem Den Des Ein Eine Einen Einem Einer Eines Kein Keine Ich Du Er Sie Es Wir Ihr Man Mein Meine
Dein Deine Sein Seine Unser Unsere Euer Eure Dies Diese Dieser Dieses Jene Jener Alle Viele Manche Jeder Jede
Dann Danach Daraufhin Davor Dabei Damit Dadurch Dafür Dagegen Daher Darum Deshalb Deswegen Trotzdem Außerdem
Zuerst Zuletzt Schließlich Anschließend Jetzt Nun Heute Hier Dort Da So Also Auch Noch Schon Nur Doch Aber
Und Oder Denn Sondern Wenn Als Ob Weil Dass Obwohl Während Bevor Nachdem Sobald Falls Wie Was Wer Wo Wann
Warum Wohin Woher Welche Welcher Welches Bitte Ja Nein Nicht Im Am Zum Zur Vom Beim In Mit Bei Nach Vor Für
Auf Aus Von Um Seit Bis Durch Gegen Ohne Über Unter Zwischen Danke Vielen Herzlichen Willkommen Guten
""")
# Words after which a German "2." is a label's number, not an ordinal: "Schritt 2.", "Seite 3.".
GERMAN_LABELS = frozenset({"Schritt", "Seite", "Nummer", "Nr.", "Punkt", "Lektion", "Übung", "Aufgabe", "Frage",
                           "Absatz", "Zeile", "Spalte", "Bild", "Abbildung", "Tabelle", "Gleis", "Raum", "Zimmer",
                           "Tor", "Runde", "Level", "Version"})

# Abbreviations whose dot ends no sentence, so a German "N." after one is no list number ("vgl. 2. Auflage").
GERMAN_ABBREVIATIONS = frozenset({"ca.", "bzw.", "vgl.", "ggf.", "evtl.", "inkl.", "exkl.", "zzgl.", "abzgl.",
                                  "sog.", "bspw.", "gem.", "lt.", "insb.", "allg.", "urspr.", "Nr.", "Bd.", "Hrsg."})

_NUMBERED = {
    "en": {"Chapter", "Part", "Book", "Volume", "Vol.", "Act", "Scene", "Section", "Appendix", "Phase", "Stage",
           "Level", "Round", "Season", "Episode", "War", "Apollo", "Article", "Title", "Class", "Type", "Version"},
    "es": {"Capítulo", "Parte", "Libro", "Tomo", "Volumen", "Vol.", "Acto", "Escena", "Sección", "Apéndice",
           "Fase", "Temporada", "Episodio", "Artículo", "Título", "Guerra", "Mundial", "Siglo", "siglo"},
    "de": {"Kapitel", "Teil", "Buch", "Band", "Bd.", "Akt", "Szene", "Abschnitt", "Anhang", "Phase", "Stufe",
           "Staffel", "Folge", "Artikel", "Titel", "Klasse", "Typ", "Version"},
    "fr": {"Chapitre", "Partie", "Livre", "Tome", "Volume", "Vol.", "Acte", "Scène", "Section", "Annexe",
           "Phase", "Saison", "Épisode", "Article", "Titre", "Classe", "Type", "Version", "siècle", "Siècle"},
}

_COMMON = {
    "en": dict(point="point", minus="minus", percent="percent", ampersand="and", plus="plus", currency_join="and"),
    "es": dict(point="coma", minus="menos", percent="por ciento", ampersand="y", plus="más", currency_join="con"),
    "de": dict(point="Komma", minus="minus", percent="Prozent", ampersand="und", plus="plus", currency_join="und"),
    "fr": dict(point="virgule", minus="moins", percent="pour cent", ampersand="et", plus="plus",
               currency_join="et"),
}
# Relational symbols, said in the language ("5 > 3": "five greater than three"); the ASCII spellings
# "<=", ">=", "!=" are said as the symbols "≤", "≥", "≠" (spoken.replace_comparisons).
COMPARISONS = {
    "en": {"<": "less than", ">": "greater than", "≤": "less than or equal to", "≥": "greater than or equal to",
           "≠": "not equal to"},
    "es": {"<": "menor que", ">": "mayor que", "≤": "menor o igual que", "≥": "mayor o igual que",
           "≠": "distinto de"},
    "de": {"<": "kleiner als", ">": "größer als", "≤": "kleiner oder gleich", "≥": "größer oder gleich",
           "≠": "ungleich"},
    "fr": {"<": "inférieur à", ">": "supérieur à", "≤": "inférieur ou égal à", "≥": "supérieur ou égal à",
           "≠": "différent de"},
}
# Numbers written with a slash (or an x) that are said as a fixed phrase, not as a fraction or a date:
# "open 24/7" is "twenty-four seven"; French writes "24h/24, 7j/7" for "vingt-quatre heures sur vingt-quatre".
SLASH_IDIOMS = {
    "en": {"24/7": "twenty-four seven", "24x7": "twenty-four seven", "24/7/365": "twenty-four seven, three sixty-five",
           "9/11": "nine eleven", "50/50": "fifty-fifty", "20/20": "twenty-twenty"},
    "es": {"24/7": "veinticuatro siete", "24x7": "veinticuatro por siete",
           "24/7/365": "veinticuatro siete, trescientos sesenta y cinco"},
    "de": {"24/7": "vierundzwanzig sieben", "24x7": "vierundzwanzig sieben", "50/50": "fifty-fifty"},
    "fr": {"24/7": "vingt-quatre sept", "24h/24": "vingt-quatre heures sur vingt-quatre",
           "24 h/24": "vingt-quatre heures sur vingt-quatre", "24/24": "vingt-quatre heures sur vingt-quatre",
           "7j/7": "sept jours sur sept", "7 j/7": "sept jours sur sept", "7/7": "sept jours sur sept"},
}
# The names of fractions by denominator (singular, plural): "3/4" -> "three quarters". Only 2 to 9: "8/10"
# is as often a rating ("eight out of ten") as a fraction, and a larger denominator as often a date.
FRACTIONS = {
    "en": {2: ("half", "halves"), 3: ("third", "thirds"), 4: ("quarter", "quarters"), 5: ("fifth", "fifths"),
           6: ("sixth", "sixths"), 7: ("seventh", "sevenths"), 8: ("eighth", "eighths"), 9: ("ninth", "ninths")},
    "es": {2: ("medio", "medios"), 3: ("tercio", "tercios"), 4: ("cuarto", "cuartos"), 5: ("quinto", "quintos"),
           6: ("sexto", "sextos"), 7: ("séptimo", "séptimos"), 8: ("octavo", "octavos"), 9: ("noveno", "novenos")},
    "fr": {2: ("demi", "demis"), 3: ("tiers", "tiers"), 4: ("quart", "quarts"), 5: ("cinquième", "cinquièmes"),
           6: ("sixième", "sixièmes"), 7: ("septième", "septièmes"), 8: ("huitième", "huitièmes"),
           9: ("neuvième", "neuvièmes")},
    "de": {2: ("halb", "halb"), 3: ("Drittel", "Drittel"), 4: ("Viertel", "Viertel"), 5: ("Fünftel", "Fünftel"),
           6: ("Sechstel", "Sechstel"), 7: ("Siebtel", "Siebtel"), 8: ("Achtel", "Achtel"), 9: ("Neuntel", "Neuntel")},
}
# Units said after a fraction that the unit table leaves to another pass: French "1/2 h" ("une demi-heure"),
# where "8 h" alone is a time (when.py).
FRACTION_UNITS = {"fr": {"h": ("heure", "heures", True)}}
# Words after which "3/4" is a date or a label's number, never a fraction ("on 3/4", "page 1/2"); it is
# then read as written, as before. Lower case; the language's numbered words (Chapter, Part...) count too.
NOT_FRACTION_AFTER = {
    "en": _words("on due until till since dated page step slide monday tuesday wednesday thursday friday saturday "
                 "sunday mon tue tues wed thu thur thurs fri sat sun"),
    "es": _words("el del hasta desde página paso lunes martes miércoles jueves viernes sábado domingo"),
    "fr": _words("le du au jusqu'au page étape lundi mardi mercredi jeudi vendredi samedi dimanche"),
    "de": _words("am vom zum bis seit ab seite schritt montag dienstag mittwoch donnerstag freitag samstag sonntag"),
}
# Numbers that are dialed, said digit by digit ("Call 911" -> "Call nine one one"; dialed.py): after a
# word that keys digits ("keys": dial, press, enter) any number of 3 to 8 digits; after a word that calls
# ("calls"), only the language's emergency and service numbers ("numbers"); between an article and a word
# that names the service ("a 911 call", "the 999 operator"), only its emergency numbers ("emergency").
# "fillers" may stand between the verb and the number ("dial the number 112"), and "joins" between two
# numbers dialed alike ("call 999 or 112", "die 110 oder die 112").
# French says these numbers as cardinals ("appelez le quinze", "le cent douze"): no entry.
DIALED = {
    "en": {"keys": r"dial|dialing|dialling|press|enter|key in|punch in|type in|"
                   r"zip|zip code|postcode|postal code|pin|ending in|ends in|extension",
           "calls": r"call|calling|ring|phone|text|emergency|emergencies",
           "fillers": r"the|us|on|at|number|is|emergency|services|NHS|police|fire", "joins": r"or|and",
           "after": r"calls?|callers?|operators?|dispatch|dispatchers?", "articles": r"a|an|the|your",
           "emergency": "911 999 112 000",
           "numbers": "911 999 112 000 111 101 988 211 311 411 511 611 711 811"},
    "es": {"keys": r"marque|marca|marcar|marquen|pulse|pulsa|presione|presiona|oprima|oprime|teclee|digite|"
                   r"código postal|pin|nip|clave|terminada en|terminado en|termina en|extensión",
           "calls": r"llame|llama|llamar|llamen|llámenos|llámanos|emergencias",
           "fillers": r"al|el|a|número|del|de|es|teléfono", "joins": r"o|y", "after": "", "articles": "",
           "numbers": "112 911 091 092 061 062 080 085 016 088 060"},
    "de": {"keys": r"wählen|wähle|wählt|drücken|drücke|tippen|tippe|geben|"
                   r"PLZ|Postleitzahl|PIN|Durchwahl|endet auf|endend auf",
           "calls": r"rufen|ruf|ruft|anrufen|unter|Notruf|Notrufnummer",
           "fillers": r"Sie|du|die|den|ist|lautet|Notruf|Nummer|Notrufnummer|sofort|bitte", "joins": r"oder|und",
           "after": "", "articles": "",
           # Germany; Austria (122 fire, 133 police, 144 ambulance, 141, 1450); Switzerland (117, 118, 144, 145, 1414)
           "numbers": "110 112 115 116117 116116 19222 122 133 144 141 1450 117 118 145 1414"},
}
_CURRENCIES = {"en": _EN_CUR, "es": _ES_CUR, "de": _DE_CUR, "fr": _FR_CUR}
_POINT_DECIMAL_ES = {"MX", "US", "419", "PR", "DO", "GT", "HN", "NI", "PA", "SV", "PE"}  # CLDR: "." in these
# CLDR de-CH, de-LI: "1'250.50" (the apostrophe groups, the point is decimal; "’" is made "'" by canonical text).
_APOSTROPHE_GROUP = {"CH", "LI"}
_MDY = {"US", "CA", "PH"}  # English regions that write 05/01/2024 for May 1
_N2W_REGIONAL = {"fr-BE": "fr_BE", "fr-CH": "fr_CH"}  # septante, nonante


def resolve(tag: str) -> Lang | None:
    """The rules for a BCP-47 tag ("en-US", "es-419", "de-DE", "fr-CA"), or None for a language
    without spoken rules (its text is only cleaned)."""
    parts = [p for p in tag.replace("_", "-").split("-") if p]
    if not parts:
        return None
    code = parts[0].lower()
    if code not in _COMMON:
        return None
    region = next((p.upper() for p in parts[1:] if len(p) == 2 or (len(p) == 3 and p.isdigit())), "")
    point_decimal = code == "en" or (code == "es" and region in _POINT_DECIMAL_ES)
    n2w = _N2W_REGIONAL.get(f"{code}-{region}", code)
    common = dict(_COMMON[code])
    if code == "es" and point_decimal:
        common["point"] = "punto"  # "tres punto catorce" where the point is the decimal separator
    swiss = code == "de" and region in _APOSTROPHE_GROUP
    return Lang(
        tag=tag, code=code, n2w=n2w, decimal="." if point_decimal or swiss else ",",
        group="'" if swiss else "," if point_decimal else ("." if code != "fr" else " "),
        date_order="mdy" if (code == "en" and (region in _MDY or not region)) or (code == "es" and region == "US")
        else "dmy",  # US Spanish writes 03/15/2025 as the US does
        strip_and=code == "en" and (region in _MDY or not region),
        months=_REGIONAL_MONTHS.get(f"{code}-{region}", _MONTHS[code]), currencies=_CURRENCIES[code], units=UNITS[code],
        numbered=frozenset(_NUMBERED[code]),
        month_abbrev=_MONTH_ABBREV[code] | ({"januar": 1} if f"{code}-{region}" in _REGIONAL_MONTHS else {}),
        comparisons=COMPARISONS[code], region=region,
        **common,
    )
