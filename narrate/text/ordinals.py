"""Ordinals in each language's notation: English "2nd", Spanish "2.º"/"1.ª"/"1.er" (with the apocope
of "primer"/"tercer" before a noun), French "2e"/"1re", German "2." (an ordinal only where it is one:
not a list's number nor a number ending a sentence, which sentences.py asks too). One pass of
spoken.speak."""

from __future__ import annotations

import re

from .langdata import GERMAN_ABBREVIATIONS, GERMAN_LABELS, GERMAN_SENTENCE_OPENERS, Lang
from .lazy_re import lazy_compile
from .numwords import ordinal

# Compared in lower case: "Im 2. Stock" opens a sentence ("im zweiten Stock", was "Im zweiter Stock").
_GERMAN_DATIVE = frozenset({"am", "vom", "zum", "zur", "bis", "seit", "ab", "dem", "den", "des", "im", "beim"})
# A preposition before "der" makes it dative or genitive: "in der 2. Woche" is "in der zweiten Woche".
_GERMAN_PREPOSITIONS = frozenset({"in", "an", "auf", "mit", "nach", "von", "zu", "bei", "aus", "vor", "seit", "hinter",
                                  "neben", "unter", "über", "zwischen", "während", "wegen", "innerhalb", "außerhalb"})
_GERMAN_WEEKDAYS = frozenset({"montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"})
_NOMINATIVE_ARTICLES = frozenset({"der", "die", "das", "Der", "Die", "Das"})
_E_WORDS = frozenset({"eine", "ins", "aufs", "fürs", "ans", "übers"})  # "eine zweite Chance", "ins dritte Jahr"


# Possessives and other determiners before an ordinal: "Ihre erste Rate", "Ihrem dritten Antrag"
# ("Ihr zweiter Termin" takes the strong ending, the default).
_E_DETERMINERS = lazy_compile(r"^(?:[Ii]hre|[Mm]eine|[Dd]eine|[Ss]eine|[Uu]nsere|[Ee]ure|[Kk]eine|[Jj]ede|[Dd]iese|[Jj]ene)$")
_EN_DETERMINERS = lazy_compile(r"^(?:[Ii]hr|[Mm]ein|[Dd]ein|[Ss]ein|[Uu]nser|[Ee]uer|[Kk]ein|[Ee]in|[Jj]ed|[Dd]ies)e[mnr]$")


def german_ending(before: str) -> str:
    """The declension of a German ordinal from the word before it: "am ersten", "der erste", "Ihre
    erste", "Ihrem ersten", "erster"."""
    words = before.replace(",", " ").split()
    if len(words) > 1 and words[-1].lower() in _GERMAN_WEEKDAYS:  # "am Donnerstag, 24.12.": "am ... 24."
        words.pop()
    prev = words[-1] if words else ""
    if prev.lower() in _GERMAN_DATIVE or _EN_DETERMINERS.match(prev):
        return "en"
    if prev.lower() == "der" and len(words) > 1 and words[-2].lower() in _GERMAN_PREPOSITIONS:
        return "en"
    return "e" if prev in _NOMINATIVE_ARTICLES or prev.lower() in _E_WORDS or _E_DETERMINERS.match(prev) else "er"


_ORDINALS = {
    "en": lazy_compile(r"(?<![\w.,])(?P<n>\d+)(?P<suf>st|nd|rd|th)\b"),
    # "1.º", "2.ª", "3.er", and Mexico's plain letters "5o piso", "1o de mayo", "2a vez"
    "es": lazy_compile(r"(?<![\w.,])(?P<n>\d+)\.?(?P<suf>[ºª]|er\b|[oa](?=\s))"),
    "fr": lazy_compile(r"(?<![\w.,])(?P<n>\d+)(?P<suf>ère|ere|er|re|ème|eme|e|nde|nd)\b"),
    "de": lazy_compile(r"(?<![\w.,])(?P<n>\d{1,3})\.(?=[ \u00a0][^\W\d_])"),
}


def _german_sentence_end(before: str, after: str, lang: Lang) -> bool:
    """Whether German "N." ends a sentence rather than being an ordinal: the next word is one no
    ordinal can modify (langdata.GERMAN_SENTENCE_OPENERS), or the word before makes N a label's
    number ("Schritt 2.", "Kapitel 2.")."""
    nxt = after.split(None, 1)[0].rstrip(",.;:!?") if after.strip() else ""
    words = before.split()
    prev = words[-1] if words else ""
    return nxt in GERMAN_SENTENCE_OPENERS or prev in GERMAN_LABELS or prev in lang.numbered


# A sentence's end before "N.": closing punctuation (and any closing quote or bracket) after a word of
# two or more letters or a digit, so that "z. B. 2. Auflage" (a one-letter abbreviation) ends none;
# nor does a known abbreviation's dot (langdata.GERMAN_ABBREVIATIONS: "vgl. 2. Auflage").
_AFTER_SENTENCE = lazy_compile(r"(?:\n|(?:\w\w|\d)[.!?…][\"'»«“”„)\]]*[ \t\u00a0])[ \t\u00a0]*\Z")


def _german_list_number(text: str, start: int) -> bool:
    """Whether German "N." at text[start:] opens the text, a line or a sentence ("2. Kinder spielten im
    Hof."): a list's number, read as a cardinal as an ordered list item is in every language ("zwei.
    Kinder ..."), not "zweite Kinder". An ordinal opening a sentence comes with its article ("Der 2. Platz")."""
    head = text[max(0, start - 40):start]
    if not head.strip(" \t\u00a0"):
        return start == len(head) or "\n" in head  # the text's start, or a line's (blank before it)
    return _AFTER_SENTENCE.search(head) is not None and head.split()[-1] not in GERMAN_ABBREVIATIONS


def german_ordinal_at(text: str, start: int, end: int, lang: Lang) -> bool:
    """Whether the German "N." at text[start:end] (digits and dot, before a word) is an ordinal ("am
    2. Mai", "die 2. Auflage"), not a list's number ("2. Kinder spielten") nor a number that ends a
    sentence ("Schritt 2. Dann"). The splitter (sentences.py) asks the same before it ends a sentence there."""
    before = text[max(0, start - 40):start]
    return not (_german_list_number(text, start) or _german_sentence_end(before, text[end:end + 40], lang))


# Spanish "primero" and "tercero" lose their -o before a masculine noun ("el primer piso", written
# "1.er" or "1.º"), not before "de" ("el primero de mayo") or at the end; RAE, Nueva gramática 19.2.
_ES_NOT_NOUNS = frozenset({"de", "del", "y", "o", "u", "e", "en", "a", "al", "que", "la", "las", "el", "los", "lo",
                           "con", "por", "para", "se"})


def _before_noun(after: str) -> bool:
    words = after.split(None, 1)
    return bool(after[:1].isspace() and words and words[0].isalpha() and words[0].lower() not in _ES_NOT_NOUNS)


def _apocope(said: str) -> str:
    return re.sub(r"\b(prim|terc)ero$", r"\1er", said)


def replace_ordinals(text: str, lang: Lang) -> str:
    def repl(m: re.Match[str]) -> str:
        n, suf = int(m.group("n")), m.groupdict().get("suf") or ""
        if lang.code == "es":
            said = ordinal(n, lang, feminine=suf in ("ª", "a"))
            return _apocope(said) if suf == "er" or (suf in ("º", "o") and _before_noun(m.string[m.end():])) else said
        if lang.code == "fr":
            if suf in ("nde", "nd"):
                return "seconde" if suf == "nde" else "second"
            return ordinal(n, lang, feminine=suf in ("re", "ère", "ere"))
        if lang.code == "de":
            if not german_ordinal_at(m.string, m.start(), m.end(), lang):
                return m.group(0)  # a list's number or one ending a sentence: replace_numbers reads it, the dot stays
            return ordinal(n, lang, ending=german_ending(m.string[max(0, m.start() - 40):m.start()]))
        return ordinal(n, lang)

    text = _ORDINALS[lang.code].sub(repl, text)
    if lang.code == "de":  # "Sie erhalten es am 5.": a day ending the sentence, after am/vom/zum
        text = _GERMAN_DAY_AT_END.sub(lambda m: f"{m.group(1)}{ordinal(int(m.group(2)), lang, ending='en')}.", text)
    return text


_GERMAN_DAY_AT_END = lazy_compile(r"(\b(?:am|vom|zum|bis zum|ab dem) )([1-9]|[12]\d|3[01])\.(?=\s*$|\s+[A-ZÄÖÜ])")
