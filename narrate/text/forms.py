"""US tax forms and retirement plans as Americans say them: "Form 1040" is "Form ten forty" (was "one
thousand forty"), "Form 1099" "ten ninety-nine", "Form 990" "nine ninety" (a form's number is said as a
year is); "401(k)" is "four oh one k", "403(b)" "four oh three b", "457(b)" "four fifty-seven b", "501(c)(3)"
"five oh one c three" (a section number, its paragraph letter after it); written without brackets too,
"401k", "403b", "457b" (they were "four hundred one thousand", "four hundred three b"). English only."""

from __future__ import annotations

import re

from .langdata import Lang
from .numwords import cardinal, year

# "Form 1040-X", "1040-SR": the amended or seniors' form, its letters said one by one.
_FORM = re.compile(r"\b((?:[Ff]orm|[Ss]chedule)s?) (\d{3,4})(?:-([A-Z]{1,3}))?(?![\w-]|[.,]\d)")
_PLAN = re.compile(r"(?<![\w.,(-])(\d{3})((?:\([a-z]\))(?:\(\d{1,2}\))?)(?!\w)")  # "501(c)(3)": its paragraph too
# The plans written without brackets: "401k", "403b", "457b" (shorthand.py leaves them to this pass).
PLAN_SHORT = re.compile(r"(?<![\w.,(-])(40[13]|457)([abk])(?!\w)")
HINT = re.compile(r"\d\([a-z]\)|[Ff]orms? \d|[Ss]chedules? \d|\b(?:40[13]|457)[abk]\b")


def _section(digits: str, lang: Lang) -> str:
    """ "401" -> "four oh one", "457" -> "four fifty-seven"."""
    head, tail = cardinal(int(digits[0]), lang), digits[1:]
    if tail[0] == "0":
        return f"{head} oh {cardinal(int(tail[1]), lang)}"
    return f"{head} {cardinal(int(tail), lang)}"


def replace_forms(text: str, lang: Lang) -> str:
    if lang.code != "en":
        return text
    text = _FORM.sub(lambda m: " ".join([m.group(1), year(int(m.group(2)), lang), *(m.group(3) or "")]), text)
    def plan(m: re.Match[str]) -> str:
        parts = re.findall(r"\((\w+)\)", m.group(2))
        return " ".join([_section(m.group(1), lang), parts[0], *(cardinal(int(p), lang) for p in parts[1:])])

    text = _PLAN.sub(plan, text)
    return PLAN_SHORT.sub(lambda m: f"{_section(m.group(1), lang)} {m.group(2)}", text)
