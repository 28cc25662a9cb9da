"""Abbreviations an engine reads wrongly, said whole: eSpeak says "approx." as "approx", "Ave." as
"ah-vay", "Nr." as "en er", "z. B." as "tset be", "M. Dupont" as "em Dupont", "n.º" as "ene o". Only
what prompt lists and docs commonly write, and only where the reading is certain:

- anywhere: forms no word shares ("approx.", "Blvd.", "z. B.", "inkl.", "Avda.", "env.");
- before a number only: forms that are also words or initials ("No. 5" but "No. I won't", "Rm.",
  "ext.", "Tel.", "S.", "p.");
- after a number only: units written as words ("24 hrs", "10 mins", German "10 Min.", "2 Std.");
- before a capitalised name only: titles ("Dr. Weber", "Prof. Klein", "M. Dupont", "Lic. Pérez");
- whole, with no dot of their own: "WWII" ("World War Two"), "WW1".

A dot that also ended the text is kept, and before a capital the dot of a form that often ends a
sentence ("on Sunset Blvd. Press 1", "etc."); "Bldg. B" and "Dr. Weber" lose theirs. Runs before the number passes,
so "No. 77310" reaches them as "number 77310" (text/identifiers.py reads it as a reference).
Sources: the languages' common abbreviation lists (Duden "Abkürzungen", RAE "Lista de abreviaturas",
Lexique de l'Imprimerie nationale) cut to what IVR prompts and docs use.
"""

from __future__ import annotations

import re
from functools import cache

from .langdata import Lang
from .lazy_re import lazy_compile

# language -> context -> {written: said}
_TABLE: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "any": {"approx.": "approximately", "Approx.": "Approximately", "Blvd.": "Boulevard", "Bldg.": "Building",
                "Ave.": "Avenue", "e.g.": "for example", "i.e.": "that is", "vs.": "versus", "etc.": "et cetera",
                "incl.": "including", "excl.": "excluding", "Acct.": "account", "acct.": "account",
                # one choice or both: said without the slash ("and slash or")
                "and/or": "and or", "And/or": "And or"},
        "number": {"No.": "number", "no.": "number", "Nos.": "numbers", "ext.": "extension", "Ext.": "extension",
                   "Max.": "Maximum", "max.": "maximum",
                   "Rm.": "room", "Apt.": "apartment", "Ste.": "suite", "Vol.": "volume", "Fig.": "figure",
                   # References in technical and academic text: "p. 12", "pp. 3-5", "Eq. 3", "Sec. 4".
                   "p.": "page", "pp.": "pages", "vol.": "volume", "fig.": "figure", "Figs.": "figures",
                   "Eq.": "Equation", "eq.": "equation", "Eqs.": "Equations", "Sec.": "Section",
                   "Sect.": "Section", "Ch.": "Chapter", "ch.": "chapter", "Chap.": "Chapter",
                   # a date's approximation: "c. 1850" "circa eighteen fifty" (years.py reads the year after it)
                   "c.": "circa", "ca.": "circa", "Ca.": "Circa"},
        "after": {"hrs": "hours", "hr": "hour", "mins": "minutes", "secs": "seconds", "min.": "min"},
        "per": {"per min.": "per minute", "per min": "per minute", "per hr.": "per hour", "per hr": "per hour",
                "per sec.": "per second", "per sec": "per second"},
        # Titles before a name ("Sgt. Pepper", "Gov. Brown", "Mt. Everest"); "Dr." and "St." are also streets,
        # "Mr." and "Mrs." every engine says.
        "name": {"Sgt.": "Sergeant", "Capt.": "Captain", "Lt.": "Lieutenant", "Col.": "Colonel", "Gen.": "General",
                 "Maj.": "Major", "Cpl.": "Corporal", "Pvt.": "Private", "Adm.": "Admiral", "Gov.": "Governor",
                 "Sen.": "Senator", "Rep.": "Representative", "Pres.": "President", "Rev.": "Reverend",
                 "Hon.": "Honorable", "Prof.": "Professor", "Mt.": "Mount", "Ft.": "Fort"},
        # Written without a dot, so a sentence's full stop or a possessive may follow: "after WWII."
        "whole": {"WWI": "World War One", "WWII": "World War Two", "WW1": "World War One", "WW2": "World War Two"},
        # Before a word only: "w/ cheese", "w/o onions".
        "word": {"w/": "with", "w/o": "without", "W/": "With", "W/o": "Without"},
        # "Just a min. please", "one min. while I check": a minute, where no noun follows.
        "pause": {"a min.": "a minute", "one min.": "one minute"},
        # Before a noun only: "a min. balance", "max. withdrawal" ("just a min. please" is a minute).
        "noun": {"min.": "minimum", "Min.": "Minimum", "max.": "maximum", "Max.": "Maximum"},
    },
    "es": {
        "any": {"aprox.": "aproximadamente", "Avda.": "avenida", "Av.": "avenida", "Blvd.": "bulevar", "Pza.": "plaza",
                "Apdo.": "apartado", "izda.": "izquierda", "dcha.": "derecha", "etc.": "etcétera",
                "incl.": "incluido"},
        "number": {"n.º": "número", "nº": "número", "No.": "número", "núm.": "número", "Núm.": "número",
                   "ext.": "extensión", "Ext.": "extensión", "Int.": "interior", "pág.": "página", "C/": "calle"},
        "after": {"min.": "minutos", "seg.": "segundos"},  # "hrs": the time pass (with "9.30 hrs")
        "name": {"Lic.": "licenciado", "Ing.": "ingeniero", "Dr.": "doctor", "Dra.": "doctora", "C/": "calle", "c/": "calle",
                 "Col.": "colonia"},
    },
    "de": {
        "any": {"z. B.": "zum Beispiel", "z.B.": "zum Beispiel", "inkl.": "inklusive", "zzgl.": "zuzüglich",
                "usw.": "und so weiter", "bzw.": "beziehungsweise", "d. h.": "das heißt", "d.h.": "das heißt",
                "ggf.": "gegebenenfalls", "Abt.": "Abteilung", "ca.": "circa", "vgl.": "vergleiche",
                "MwSt.": "Mehrwertsteuer", "zzgl. MwSt.": "zuzüglich Mehrwertsteuer",
                "max.": "maximal", "mind.": "mindestens", "zzt.": "zurzeit", "evtl.": "eventuell"},
        "number": {"Nr.": "Nummer", "Tel.": "Telefon", "S.": "Seite", "App.": "Apparat"},
        "after": {"Min.": "Minuten", "Std.": "Stunden", "Sek.": "Sekunden", "Mio.": "Millionen", "Mrd.": "Milliarden"},
        "name": {"Dr.": "Doktor", "Prof.": "Professor"},
    },
    "fr": {
        "any": {"env.": "environ", "p. ex.": "par exemple", "c.-à-d.": "c'est-à-dire", "bât.": "bâtiment",
                "av.": "avenue"},
        "number": {"n°": "numéro", "N°": "numéro", "p.": "page"},
        "after": {"mn": "minutes"},
        "name": {"M.": "Monsieur", "MM.": "Messieurs", "Mme": "Madame", "Mlle": "Mademoiselle", "Pr": "professeur",
                 "bd": "boulevard"},
    },
}
_CONTEXT = {
    "any": r"(?=[\s,;:!?)]|$)",
    "number": r"(?=\s?[0-9#]|\s(?:is|es|ist|est)\b|:)",  # "No. 5", "ticket No. is 55031"
    "after": r"(?=[\s,;:!?).]|$)",
    "whole": r"(?=[\s,;:!?).'-]|$)",
    "name": r"(?=\s[A-ZÀ-Þ])",
    "word": r"(?=\s?[0-9]|\s[a-z])",  # "w/o 5 items": a count is a word too
    "pause": r"(?=[,;:!?)]|$|\s(?:please|while|and|or|then|so|before|until|till|to|for|now|[A-Z]))",
    "noun": r"(?=\s(?!(?:please|while|and|or|then|so|if|before|after|until|till|ago|left|later|to|each|per|"
            r"for|now|more|or)\b)[a-z])",
    "per": r"(?=[\s,;:!?)]|$)",
}
# Forms that often end a sentence (an address's "Ave.", a list's "etc."): their dot before a capital is
# kept as the full stop. Any other form's dot is kept only at the end of the text ("Bldg. B" is no end).
_PHRASE_END = frozenset({"Ave.", "Blvd.", "etc.", "usw.", "a min.", "one min."})


# A unit written short after a count of one is said in the singular: "1 Std." -> "1 Stunde", "1 min." ->
# "1 minuto" (was "ein Stunden", "un minutos"); the count then agrees with it (agreement.py).
_SINGULAR = {"hours": "hour", "minutes": "minute", "seconds": "second", "minutos": "minuto", "segundos": "segundo",
             "Minuten": "Minute", "Stunden": "Stunde", "Sekunden": "Sekunde", "Millionen": "Million",
             "Milliarden": "Milliarde"}
_ONE_BEFORE = lazy_compile(r"(?<![\d.,])1\s?$")
_CAPITAL_NEXT = lazy_compile(r"\s+[A-ZÀ-Þ][a-zà-ÿ]")  # a sentence's first word ("Press"), not "NW"


@cache
def _patterns(code: str) -> list[tuple[re.Pattern[str], dict[str, str]]]:
    out = []
    for context, forms in _TABLE[code].items():
        if not forms:
            continue
        alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        # "w/o" after a digit too: "0W/o" is "zero W/o" once the digit is read, "W/o" then "Without".
        before = {"after": r"(?<=\d\s)|(?<=\d)", "word": r"(?<![^\W\d])(?<!\.)"}.get(context, r"(?<![\w.])")
        out.append((re.compile(rf"(?:{before})(?:{alternation}){_CONTEXT[context]}"), forms))
    return out


# "555-0100 x204" and "ext. x204": the x is the extension's ("extension 204"), as in a 3x3 it is "by".
_EXTENSION_X = lazy_compile(r"(?i:(?<=ext\. )|(?<=extension ))x(?=\d)|(?<=\d[-. ]\d{4})(?P<after_number>,? x)(?=\d{2,6}\b)")


@cache
def _any_form(code: str) -> re.Pattern[str]:
    """One search for any form of the language, before the four contexts' patterns."""
    forms = {f for table in _TABLE[code].values() for f in table}
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


def replace_abbreviations(text: str, lang: Lang) -> str:
    """`text` with the abbreviations of the module docstring said whole (en, es, de, fr)."""
    if lang.code == "en" and " x" in text:  # an extension written "x204" after a number or "ext."
        text = _EXTENSION_X.sub(lambda m: ", extension " if m.group("after_number") else "", text)
    if lang.code not in _TABLE or not _any_form(lang.code).search(text):
        return text
    for pattern, forms in _patterns(lang.code):
        def said(m: re.Match[str], forms: dict[str, str] = forms) -> str:
            written, rest = m.group(0), m.string[m.end():]
            ends = written.endswith(".") and (not rest.strip() or (written in _PHRASE_END and _CAPITAL_NEXT.match(rest)))
            whole = forms[written]
            if whole in _SINGULAR and _ONE_BEFORE.search(m.string, max(0, m.start() - 4), m.start()):
                whole = _SINGULAR[whole]  # "ca. 1 Std." is "eine Stunde", not "ein Stunden"
            return whole + ("." if ends else "")

        text = pattern.sub(said, text)
    return text
