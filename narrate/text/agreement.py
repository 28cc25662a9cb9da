"""A count before a noun agrees with it: Spanish "un mensaje", "una hora", "veintiún días"; French "une
minute"; German "eine neue Nachricht", "ein Euro". The count's words come from numwords.cardinal
(`noun`, `feminine`); this module tells whether a noun follows and its gender, from the words after
the number. The gender is the noun's ending where that decides it (Spanish -a, -ción, -dad...;
French -tion, -té...; German -ung, -heit, -keit...) and a short list of the nouns prompts count
(hours, minutes, messages, options...) otherwise; an unknown noun is taken as masculine, which reads
no worse than the bare number did ("uno hora" before, "un hora" now for a noun neither knows)."""

from __future__ import annotations

from .lazy_re import lazy_compile

# Words after a number that are not its noun ("Presione 1 para ventas", "Appuyez sur 1 pour",
# "1 oder 2"): the number stays a bare cardinal.
_NOT_NOUNS = {
    "es": frozenset({"para", "de", "del", "y", "o", "u", "e", "en", "a", "al", "por", "con", "que", "si", "la", "el",
                     "los", "las", "lo", "se", "ni", "más", "menos", "sobre", "entre", "hasta",
                     # verbs: "El cliente 21 ha llamado", "pedido 55031 fue enviado"
                     "ha", "han", "fue", "fueron", "es", "son", "está", "están", "será", "sido", "ya", "no"}),
    "fr": frozenset({"pour", "de", "du", "des", "et", "ou", "en", "à", "au", "aux", "par", "avec", "sur", "si", "le",
                     "la", "les", "que", "ni", "plus", "moins", "entre", "jusqu"}),
    "de": frozenset({"oder", "und", "für", "bis", "mit", "von", "zu", "in", "an", "auf", "aus", "bei", "nach", "um",
                     "mal", "plus", "minus", "wählen", "drücken", "sagen",
                     "zum", "zur", "im", "am", "vom", "beim"}),  # "Drücken Sie die 1 zum Bestätigen"
}
_FEMININE_ENDINGS = {
    # -a but "-ma" (problema); -cion: a plural loses the accent ("opciones")
    "es": lazy_compile(r"(?:ción|sión|cion|sion|dad|tad|tud|umbre|ie|isis)$|(?<!m)a$"),
    "fr": lazy_compile(r"(?:tion|sion|té|ence|ance|ette|ure|ude|ade|ière|euse|ine|ée)$"),
    "de": lazy_compile(r"(?:ung|heit|keit|schaft|ion|tät|ik|ur|enz|anz|ei|ie)$"),
}
_MASCULINE = {"es": frozenset({"día", "mapa", "idioma", "clima", "sofá", "planeta", "tranvía"}),
              "fr": frozenset({"lycée", "musée", "dollar", "euro"}), "de": frozenset()}
_FEMININE = {
    "es": frozenset({"llave", "clave", "noche", "tarde", "parte", "calle", "llamada", "opción", "mano", "foto",
                     "radio", "moto", "libra", "milla", "pulgada", "tecla", "orden", "fuente", "red", "sede", "flor",
                     "imagen", "gente", "suerte", "muerte", "leche", "sal", "piel", "vez", "veces"}),
    "fr": frozenset({"minute", "heure", "seconde", "semaine", "fois", "personne", "carte", "facture", "ligne",
                     "demande", "journée", "nuit", "année", "question", "réponse", "touche", "commande", "adresse",
                     "étape", "page", "chambre", "place", "offre", "option", "voiture", "clé", "livre", "tonne",
                     "liste", "fin", "main", "part", "langue", "boutique", "agence", "erreur"}),
    "de": frozenset({"nachricht", "minute", "stunde", "sekunde", "woche", "person", "karte", "nummer", "taste",
                     "anfrage", "zahl", "frage", "antwort", "seite", "stelle", "nacht", "tür", "adresse", "linie",
                     "filiale", "summe", "gebühr", "frist", "liste", "sprache", "wahl", "mail", "e-mail", "sms",
                     "meile", "tonne", "stadt", "bank", "zeit", "hand", "million", "milliarde"}),
}
# French adjectives that stand before the noun ("1 nouvelle facture"): the noun is the next word, and an
# adjective's own feminine form tells the gender.
_FRENCH_BEFORE_NOUN = frozenset({"nouveau", "nouvel", "nouveaux", "autre", "autres", "seul", "seuls", "dernier",
                                 "derniers", "petit", "petits", "grand", "grands", "bon", "bons", "vieux", "beau"})
_FRENCH_BEFORE_NOUN_F = frozenset({"nouvelle", "nouvelles", "seule", "seules", "dernière", "dernières", "petite",
                                   "petites", "grande", "grandes", "bonne", "bonnes", "vieille", "belle"})
# "1 bis 2 Tage", "1 o 2 horas", "1 à 2 semaines": the first count is said with the noun after the second
# ("eins bis zwei Tagen" was said, "uno a dos semanas", "un ou deux heures").
_LINKED_COUNT = {
    "es": lazy_compile(r"\s(?:a|o|u|y|al)\s\d[\d.,]*(?=\s)"),
    "fr": lazy_compile(r"\s(?:à|ou|et)\s\d[\d.,]*(?=\s)"),
    "de": lazy_compile(r"\s(?:bis|oder|und)\s\d[\d.,]*(?=\s)"),
}
_WORD = lazy_compile(r"\s([^\W\d_][^\W\d_'-]*)")


def noun_after(after: str, code: str) -> tuple[bool, bool] | None:
    """(a noun follows, it is feminine) for the text right after a number in language `code`, or None
    where agreement does not apply (another language, no word next). German: the noun is the first
    capitalised word, past at most one lowercase adjective ("1 neue Nachricht")."""
    if code not in _FEMININE:
        return None
    link = _LINKED_COUNT[code].match(after)
    if link:  # the first of two counts agrees with the noun after the second (see _LINKED_COUNT)
        noun, feminine = noun_after(after[link.end():], code) or (False, False)
        if code == "de":
            return noun, False  # "in ein bis zwei Tagen", "ein bis zwei Wochen" (Duden: ein uninflected)
        return feminine, feminine  # "una o dos horas", "une ou deux heures"; "uno o dos días"
    words = _WORD.findall(after[:60]) if after[:1].isspace() else []
    if not words:
        return None
    if words[0].lower() in _NOT_NOUNS[code]:
        return False, False
    if code == "de":
        nouns = [w for w in words[:2] if w[:1].isupper()]
        if not nouns or (not words[0][:1].isupper() and len(words) < 2):
            return False, False
        noun = nouns[0].lower()
    else:
        noun = words[0].lower()
        if code == "fr" and noun in _FRENCH_BEFORE_NOUN_F:
            return True, True
        if code == "fr" and noun in _FRENCH_BEFORE_NOUN and len(words) > 1:
            noun = words[1].lower()
    forms = [noun] + ([noun[:-1], noun[:-2]] if code != "de" and noun.endswith("s") else [])  # "horas", "opciones"
    if any(form in _MASCULINE[code] for form in forms):
        return True, False
    if code == "de" and _GERMAN_FEMININE_TAIL.search(noun):
        return True, True  # a compound takes its last noun's gender: "1 Kilowattstunde", "1 Kurznachricht"
    return True, any(form in _FEMININE[code] or _FEMININE_ENDINGS[code].search(form) for form in forms)


_GERMAN_FEMININE_TAIL = lazy_compile(
    "(?:" + "|".join(sorted((w for w in _FEMININE["de"] if len(w) >= 4 and "-" not in w), key=len, reverse=True)) + r")$")


# German "ein" takes its case from the word before the count: a dative preposition makes it "einem" or
# "einer" ("von 1 Euro": "von einem Euro", "in 1 Woche": "in einer Woche"; "von ein Euro" was said), and
# an accusative preposition or a verb that takes an object makes it "einen" before a masculine noun
# ("kostet 1 Euro": "kostet einen Euro", "Sie haben 1 verpassten Anruf": "einen verpassten Anruf").
_GERMAN_DATIVE_BEFORE = lazy_compile(r"(?<!\w)(?i:von|mit|bei|aus|nach|seit|zu|ab|in|vor|binnen)\s$")
_GERMAN_ACCUSATIVE_BEFORE = lazy_compile(
    r"(?<!\w)(?i:für|um|ohne|gegen|durch|kostet|kosten|beträgt|betragen|schulden|schuldet|zahlen|bezahlen|zahlt|"
    r"überweisen|erhalten|erhält|bekommen|bekommt|haben|hat|habe|sparen|spart|buchen|benötigen|brauchen)"
    r"(?:\s(?i:uns|Ihnen|mir|noch|nur|insgesamt|bereits|jetzt|monatlich|lediglich))?\s$")
_GERMAN_MASCULINE = frozenset({"euro", "cent", "dollar", "franken", "rappen", "anruf", "termin", "tag", "monat",
                               "punkt", "platz", "moment", "betrag", "vertrag", "auftrag", "rückruf", "brief",
                               "schritt", "versuch", "zugang", "code", "gutschein", "rabatt", "bonus", "kredit",
                               "tarif", "anschluss", "zähler", "monatsbeitrag", "beitrag", "mitarbeiter"})
_GERMAN_NOUN = lazy_compile(r"\s+(?:([a-zäöüß]+)\s+)?([A-ZÄÖÜ][\wäöüß]*)")


def german_case(words: str, before: str, after: str) -> str:
    """A German count's "ein"/"eine" in the case the words around it ask for (see above)."""
    head, space, rest = words.partition(" ")
    if head not in ("ein", "eine") or _LINKED_COUNT["de"].match(after):
        return words  # "in ein bis zwei Tagen": uninflected before another count
    before = before[-30:]
    if _GERMAN_DATIVE_BEFORE.search(before):
        return ("einer" if head == "eine" else "einem") + space + rest
    if head == "ein" and _GERMAN_ACCUSATIVE_BEFORE.search(before):
        noun = _GERMAN_NOUN.match(rest and f" {rest}" or after)
        if noun and (noun.group(2).lower() in _GERMAN_MASCULINE or (noun.group(1) or "").endswith("en")):
            return "einen" + space + rest
    return words
