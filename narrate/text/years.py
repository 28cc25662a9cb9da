"""Years said as years, not counts: "in 1999" "in nineteen ninety-nine", "seit 2010".

A year-like number (1100-2099) is said as a year ("twenty twenty-four") after a cue ("in 2024"), between a
determiner and a singular word ("the 2024 edition"), as a subject ("2023 was"), before an event or an edition
("2024 Olympics", "Rust 2024 edition", "the 2020 elections"), and after a name within a sentence ("for Paris
2024", "Visual Studio 2022") unless a plural or a counting word follows ("Acme 1500 widgets"), the capitalised
word starts a count ("Over 2000") or the sentence ("Call 1100.", "Balance 1500": a verb or an amount's label
as often as a name); a product versioned by its year wherever it stands ("Word 2016 and Excel 2019"); model
lines keep models.py's reading ("Windows 2000" "two thousand"). Any other
four-digit number is a count ("2024 users", "1500 words"). German years after a cue only ("seit 2010"); other
languages say years as counts.
"""

from __future__ import annotations

from .langdata import Lang
from .lazy_re import lazy_compile
from .notation import compiled
from .numwords import year

_ANY_DIGITS = lazy_compile(r"[0-9]+")

_YEAR_CUES = {
    "en": r"[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Ff]rom|of|[Yy]ear|[Aa]round|[Cc]irca|[Bb]efore|[Aa]fter|[Dd]uring|"
          r"[Bb]etween|[Cc]opyright|[Yy]our|[Oo]ur|[Tt]his|[Ll]ast|[Nn]ext|[Ff]iscal|[FASC]Y|Q[1-4]|H[12]",  # "Q3 2024"
    "de": r"[Ii]m Jahr(?:e)?|[Ss]eit|[Bb]is|[Vv]on|[Aa]b|[Uu]m|[Vv]or|[Nn]ach|[Aa]nno|[Ii]n den Jahren|[Zz]wischen|[Cc]opyright",
}
# Words that carry a cued year on to the next: "from 2020 to 2024", "between 1990 and 2000".
_YEAR_LINKS = {"en": r"to|and|or|through|until|till", "de": r"bis|und|oder"}
_YEAR = r"(?:1[1-9]\d\d|20\d\d)(?![\w%]|[.,:]\d)"


# English: a year-like number between a determiner and a singular word names a year or is said in pairs
# as a modifier: "the 2024 edition" "the twenty twenty-four edition", "a 1500 word essay" "a fifteen
# hundred word essay", "his 1969 Mustang" (they were "two thousand twenty-four", "one thousand five hundred").
# A plural next ("the 2000 users"), or a word that goes on counting ("the 1500 people", "the 2024 and"), is a count.
_YEAR_DETERMINERS = r"[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Ii]ts|[Tt]heir|[Mm]y|[Tt]hat|[Ww]hose"
_COUNTING = (r"and|or|to|through|till|until|of|in|on|at|by|for|with|from|than|more|less|fewer|other|others|"
             r"new|extra|additional|per|each|people|persons|children|men|women|staff|personnel|police|cattle|"
             r"feet|teeth|mice|geese|data|times")
_NOT_SINGULAR = _COUNTING + r"|was|is|are|were|has|have|had|will|would|can|could"
_EN_YEAR_MODIFIER = lazy_compile(rf"\b({_YEAR_DETERMINERS})\s({_YEAR})(?=\s(?!(?i:{_NOT_SINGULAR})\b)"
                                 r"[A-Za-z][a-z]*(?:ss|us|is|[^\Ws])\b(?!['’]))")


def replace_years(text: str, lang: Lang) -> str:
    """A year after a cue ("in 1999", "seit 2010") and each year linked to it ("from 2020 to 2024")
    said as a year ("nineteen ninety-nine"), and in English one between a determiner and a singular word
    ("the 2024 edition"); other four-digit numbers are left to replace_numbers."""
    cues = _YEAR_CUES.get(lang.code)
    if not cues:
        return text
    chain = compiled(rf"\b({cues})\s({_YEAR}(?:\s(?:{_YEAR_LINKS[lang.code]})\s{_YEAR})*)")
    text = chain.sub(lambda m: f"{m.group(1)} " + _ANY_DIGITS.sub(lambda y: year(int(y.group(0)), lang), m.group(2)),
                     text)
    if lang.code == "en":
        text = _EN_EARLY_YEAR.sub(lambda m: f"{m.group(1)} {year(int(m.group(2)), lang)}", text)
        text = _EN_PRODUCT_YEAR.sub(lambda m: f"{m.group(1)} {year(int(m.group(2)), lang)}", text)
        text = _EN_YEAR_MODIFIER.sub(lambda m: f"{m.group(1)} {year(int(m.group(2)), lang)}", text)
        text = _EN_YEAR_SUBJECT.sub(lambda m: year(int(m.group(1)), lang), text)
        text = _EN_YEAR_EVENT.sub(lambda m: year(int(m.group(1)), lang), text)
        text = _EN_YEAR_AFTER_NAME.sub(lambda m: f"{m.group(1)} {year(int(m.group(2)), lang)}", text)
    return text


# A year that dates an event or an edition: "The 2024 Olympics", "2022 FIFA World Cup", "the 2024-25
# season", "Rust 2024 edition", "the 2020 elections" (were "two thousand twenty-four Olympics"). Capitalised
# nouns only where the lower-case word counts ("2000 games" is a count, "2000 Games" an Olympiad).
_EVENTS = (r"Olympics|Olympiad|Paralympics|Games|World Cup|Cup|World Series|Super Bowl|Grand Prix|Expo|Summit|"
           r"Championships?|Oscars|Emmys|Grammys")
# A common noun before a plural names what is counted: "1500 season tickets", "2000 campaign emails" (an
# event's name does not: "2022 World Cup tickets").
_EDITIONS = r"(?i:edition|election|elections|midterms|season|model year|census|budget|campaign|vintage)"
_EN_YEAR_EVENT = lazy_compile(rf"(?<![\w.,$€£¥-])({_YEAR})(?=\s(?:[A-Z][A-Za-z]+\s){{0,2}}(?:(?:{_EVENTS})\b|"
                              rf"{_EDITIONS}\b(?!\s[a-z]*[^\Wsiu]s\b)))")
# A year after a name within a sentence: "for Paris 2024", "Visual Studio 2022", "the Rust 2024 book" (a name
# dated by its year, or a label said in pairs as people say them: "took Flight 1549"). Not first in a sentence,
# where a capitalised word is as often a verb or a label of an amount ("Call 1100.", "Deposit 1500 today",
# "Balance 1500"), nor after a word that starts a count ("with Over 2000 users"), nor before a plural or a
# counting word ("Acme 1500 widgets").
_COUNT_STARTERS = (r"I|Over|Under|About|Almost|Nearly|Only|Just|Some|All|Top|Exactly|Roughly|Approximately|"
                   r"More|Less|Fewer|Up|Above|Below|At|To|For|With|Around|Of|On|Add|Get|Win|Save|Earn|Buy|Pay|"
                   r"Total|Page|Pages|Step|Item|Line|No|Number|Size|Score|Price|Cost|Level|Max|Min|Limit|Count")
_EN_YEAR_AFTER_NAME = lazy_compile(rf"(?<=[\w,;)] )(?!(?:{_COUNT_STARTERS})\s)([A-Z][a-z]+)\s({_YEAR})"
                                   rf"(?=\s*$|\s*[.,;:!?)]|\s(?!(?i:{_COUNTING})\b)"
                                   r"[a-z]*(?:ss|us|is|[^\Ws])\b(?!['’]))")


# A year that does something in a story: "2023 was a great year", "2024 saw growth" (were "two thousand
# twenty-three was", "two thousand twenty-four saw").
_EN_YEAR_SUBJECT = lazy_compile(rf"(?<![\w.,$€£¥-])({_YEAR})(?=\s(?:was|will be|saw|brought|marked|marks|began|ended|"
                                r"proved|promises|became|is shaping|has been|had been)\b)")


# A product versioned by its year is named by it wherever it stands, first in a sentence or before "and"
# ("Word 2016 and Excel 2019", "SQL Server 2019 and Windows Server 2022"; were "two thousand sixteen", "two
# thousand nineteen"), and before a plural ("Office 2019 licenses"). Names that are verbs too ("Access",
# "Project") only after the maker's.
_PRODUCTS = (r"Office|Word|Excel|PowerPoint|Outlook|OneNote|Visio|SharePoint|Exchange|Server|Studio|Dynamics|"
             r"AutoCAD|Revit|QuickBooks|TurboTax|Quicken|Rust|ECMAScript|(?:Microsoft|MS) (?:Access|Project|Publisher)")
_EN_PRODUCT_YEAR = lazy_compile(rf"\b({_PRODUCTS})\s((?:19[89]|20[0-4])\d)(?![\w%]|[.,:]\d)")

# A year before 1100 after a cue that dates, ending its clause or before an era: "In 1066, William came", "since
# 1066.", "in 1066 AD" (were "one thousand sixty-six"). Not after "by" ("1920 by 1080" is a screen) nor before
# a word ("in 1050 cases").
_EN_EARLY_YEAR = lazy_compile(r"\b([Ii]n|[Ss]ince|[Cc]irca|[Yy]ear|[Bb]efore|[Aa]fter|[Uu]ntil)\s(10[1-9]\d)"
                              r"(?=\s?[,.;:!?)](?!\d)|\s?$|\s(?:AD|CE|BC|BCE|A\.D\.|B\.C\.)(?!\w))")
