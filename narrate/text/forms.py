"""US tax forms and retirement plans as Americans say them: "Form 1040" is "Form ten forty" (was "one
thousand forty"), "Form 1099" "ten ninety-nine", "Form 990" "nine ninety" (a form's number is said as a
year is); "401(k)" is "four oh one k", "403(b)" "four oh three b", "457(b)" "four fifty-seven b", "501(c)(3)"
"five oh one c three" (a section number, its paragraph letter after it); written without brackets too,
"401k", "403b", "457b" (they were "four hundred one thousand", "four hundred three b"). A form known by its
number alone is said so too when the text shows it is a form ("1099s", "1099-NEC", "a 1099 contractor", "a
1099", "your 1040", "W-2 and 1099").
English only."""

from __future__ import annotations

import re

from .langdata import Lang
from .lazy_re import lazy_compile
from .numwords import cardinal, plural, year

# "Form 1040-X", "1040-SR": the amended or seniors' form, its letters said one by one.
_FORM = lazy_compile(r"\b((?:[Ff]orm|[Ss]chedule)s?) (\d{3,4})(?:-([A-Z]{1,4}))?(?![\w-]|[.,]\d)")
# The forms known by their number alone, said as forms without "Form" when the text shows them to be forms: a
# variant's letters ("1099-NEC", "1099-MISC"), a plural ("1099s" "ten ninety-nines"; was "one thousand
# ninety-nine seconds": no one writes 1099 seconds so), or a word that names what the form is for ("a 1099
# contractor"). Otherwise "1099" may be a count ("1099 people") and is read as one.
_FORM_NUMBERS = r"1040|1041|1042|1065|1095|1098|1099|1120|5498|940|941|990"
_BARE_FORM = lazy_compile(rf"(?<![\w.,$€£¥#/-])({_FORM_NUMBERS})(?:-([A-Z]{{1,4}})(?![\w-])|(s)(?![\w'’-])|"
                          r"(?=\s(?:forms?|contractors?|income|filers?|filings?|reporting)\b))"
                          r"(?![.,]\d)")
# A form's number after "a" or a possessive, or beside another form ("a 1099", "your 1040", "W-2 and 1099"),
# unless a plural or a counting word follows ("a 1099 page report" is a form's page, "your 1040 users" a count).
_DETERMINED_FORM = lazy_compile(
    rf"(?:\b(?:[Aa]n?|[Yy]our|[Mm]y|[Hh]is|[Hh]er|[Tt]heir|[Oo]ur|[Ee]ach|[Ee]very|[Tt]his|[Tt]hat|[Aa]nother|"
    rf"[Aa]ny)\s|\bW-\d\d?\s(?:and|or)\s)({_FORM_NUMBERS})(?![\w'’-]|[.,]\d)"
    r"(?!\s(?:people|persons|children|men|women|staff|times|[a-z]*[^\Wsiu]s)\b)")
_PLAN = lazy_compile(r"(?<![\w.,(-])(\d{3})((?:\([a-z]\))(?:\(\d{1,2}\))?)(?!\w)")  # "501(c)(3)": its paragraph too
# The plans written without brackets: "401k", "403b", "457b" (shorthand.py leaves them to this pass).
PLAN_SHORT = lazy_compile(r"(?<![\w.,(-])(40[13]|457)([abk])(?!\w)")
HINT = lazy_compile(rf"(?<!\d)(?:{_FORM_NUMBERS})(?!\d)|"  # any form's number: the patterns decide
                    r"\d\([a-z]\)|[Ff]orms? \d|[Ss]chedules? \d|\b(?:40[13]|457)[abk]\b")


def _section(digits: str, lang: Lang) -> str:
    """ "401" -> "four oh one", "457" -> "four fifty-seven"."""
    head, tail = cardinal(int(digits[0]), lang), digits[1:]
    if tail[0] == "0":
        return f"{head} oh {cardinal(int(tail[1]), lang)}"
    return f"{head} {cardinal(int(tail), lang)}"


def _letters(suffix: str | None) -> list[str]:
    """A variant's letters said one by one ("SR" "S R"); a longer one is a word ("MISC")."""
    if not suffix:
        return []
    return list(suffix) if len(suffix) <= 3 else [suffix]


def replace_forms(text: str, lang: Lang) -> str:
    if lang.code != "en":
        return text
    text = _FORM.sub(lambda m: " ".join([m.group(1), year(int(m.group(2)), lang), *_letters(m.group(3))]), text)
    text = _BARE_FORM.sub(lambda m: " ".join([plural(year(int(m.group(1)), lang)) if m.group(3)
                                              else year(int(m.group(1)), lang), *_letters(m.group(2))]), text)
    text = _DETERMINED_FORM.sub(lambda m: m.group(0)[:m.start(1) - m.start()] + year(int(m.group(1)), lang), text)

    def plan(m: re.Match[str]) -> str:
        parts = re.findall(r"\((\w+)\)", m.group(2))
        return " ".join([_section(m.group(1), lang), parts[0], *(cardinal(int(p), lang) for p in parts[1:])])

    text = _PLAN.sub(plan, text)
    return PLAN_SHORT.sub(lambda m: f"{_section(m.group(1), lang)} {m.group(2)}", text)
