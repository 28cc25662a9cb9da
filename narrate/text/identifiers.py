"""Identifiers read character by character, as agents read them out: a number or code after a label
that names one. "Your confirmation number is 48213" was "forty-eight thousand two hundred thirteen";
now "four eight two one three". "reference A7X-2291-K" is "A seven X, two two nine one, K"; "claim
number 2025-00417" "two zero two five, zero zero four one seven"; "You entered 4321", German "Ihre
Vorgangsnummer lautet 48213", Spanish "Su número de guía es 1234567890", French "Votre numéro de
dossier est le 48213" likewise.

The rule: after a label (number, No., reference, code, ID, entered, ISBN, ISSN; número, n.º, folio, introducido;
any German word ending in -nummer, Nr., Aktenzeichen, eingegeben; numéro, n°, référence, saisi),
with only filler words between (is, lautet, es, est, de, le...), a token of at least four letters
and digits, one of them a digit, in groups joined by hyphens, is read one character at a time, a
pause (comma) between groups. Shorter numbers stay numbers ("caller number 3", "Room number 12"),
and a label followed by other words is no label ("the number of callers is 4000").
"""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile
from .notation import compiled
from .numwords import digit_words

_LABELS = {
    "en": r"number|no\.|reference|ref\.?|confirmation code|code|id|entered|ending|ending in|ends in|"
          r"otp|passcodes?|(?:one-time )?passwords?|pins?|"  # "Your OTP is 482913", "Your password is 1234"
          r"isbn(?:-1[03])?|issn|"  # a book's or a journal's number, as its copyright page prints it
          r"text \w+ to",  # an SMS short code: "Text STOP to 60123"
    "es": r"isbn(?:-1[03])?|issn|número|n\.º|nº|no\.|referencia|folio|código|contraseña|introducido|ingresado|"
          r"marcado|terminación|termina en|"
          r"(?:sms|mensaje|mensaje de texto) al|(?:envíe|envía|mande|manda) \w+ al",  # "Envíe un SMS al 55555"
    "de": r"isbn(?:-1[03])?|issn|\w*nummer|nr\.|referenz|aktenzeichen|code|kennung|passwort|kennwort|geheimzahl|"
          r"pin|eingegeben|endung|"
          r"endet auf|sms an|"
          r"(?:senden|schicken) sie \w+ an",  # an SMS short code: "Senden Sie STOP an 12345"
    "fr": r"isbn(?:-1[03])?|issn|numéro|n°|no\.|référence|code|code pin|code secret|pin|nip|mot de passe|poste|"
          r"saisi|composé|"
          r"terminant par|termine par|finissant par|sms au|"
          r"(?:envoyez|envoie|envoyer|textez) \w+ au",  # "Envoyez STOP au 36179"
}
_FILLERS = {
    "en": r"is|was|your|the|such as|like|for example,?|e\.g\.,?",  # "a password such as 1234"
    "es": r"es|de|del|la|el|su|guía|pedido|cliente|cuenta|expediente|reserva|confirmación|seguimiento",
    "de": r"lautet|ist|ihre|ihr|die|der|lautet:",
    "fr": r"est|de|du|le|la|votre|dossier|commande|client|compte|réservation|confirmation|suivi",
}
# Groups joined by a hyphen or a slash ("2025/00417"); a date written with slashes is none.
_TOKEN = lazy_compile(r"(?<![\w.,$€£¥/#-])(?=[A-Za-z0-9/-]{4,40}(?![\w/-]))(?=[A-Za-z/-]*\d)"
                      r"[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*(?![\w%°/-]|[.,:]\d| \d)")
_SLASH_DATE = lazy_compile(r"\d{1,2}/\d{1,2}(?:/\d{2}(?:\d{2})?)?")  # " 960 123": a phone's groups
# An IBAN (ISO 13616: country, check digits, up to 30 more), written in groups of four or whole, with or
# without a label, is read in its printed groups of four: "DE89 3704 0044 0532 0130 00" -> "D E eight
# nine, three seven zero four, ..." (was "DE eighty-nine three thousand seven hundred four ...").
_IBAN = lazy_compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?(?![\w-])"
                     r"|(?<![\w-])(?=[A-Z]{2}\d{2}[A-Z0-9]{11,30}(?![\w-]))(?:[A-Z]{2}\d{2})(?:[A-Z0-9]{4})+[A-Z0-9]{0,3}(?![\w-])")
_IBAN_HINT = lazy_compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2}")
_WINDOW = 80  # characters before a token in which its label is looked for


# Earlier examples after the same label, in quotes or not: "a password such as '1111' or '1234'".
_EXAMPLES = r"(?:[ ]['\"‘“]?[A-Za-z0-9-]{4,40}['\"’”]?,?[ ](?i:or|and))*"


def _label(lang: Lang) -> re.Pattern[str]:
    comma = ",?" if lang.code == "en" else ""  # "Your passcode, for example 2580" (German "Kundennummer, der 1-fache")
    fillers = rf"(?:{comma}[ ](?i:{_FILLERS[lang.code]}))*"
    # French spaces its colon: "code secret : 9876"; the token may open a quote
    return compiled(rf"(?<!\w)(?i:{_LABELS[lang.code]})(?!\w){fillers}(?:[ ]?:)?{_EXAMPLES}[ ]['\"‘“]?$")


def _in_fours(iban: str) -> str:
    """ "DE89370400440532013000" -> "DE89-3704-0044-0532-0130-00", the groups an IBAN is printed in."""
    return "-".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def say_characters(token: str, lang: Lang) -> str:
    """ "A7X-2291-K" -> "A seven X, two two nine one, K": digits by name, letters as capitals
    (engines say a lone capital by its name), a pause between hyphenated groups."""
    return ", ".join(" ".join(digit_words(c, lang) if c.isdigit() else c.upper() for c in group)
                     for group in re.split(r"[-/]", token))


def replace_identifiers(text: str, lang: Lang) -> str:
    """Identifiers after their labels, character by character (see the module docstring)."""
    if lang.code not in _LABELS:
        return text
    label = _label(lang)
    if _IBAN_HINT.search(text):
        text = _IBAN.sub(lambda m: say_characters(_in_fours(m.group(0).replace(" ", "")), lang), text)

    def repl(m: re.Match[str]) -> str:
        before = m.string[max(0, m.start() - _WINDOW):m.start()]
        if _SLASH_DATE.fullmatch(m.group(0)):
            return m.group(0)
        return say_characters(m.group(0), lang) if label.search(before) else m.group(0)

    return _TOKEN.sub(repl, text)
