"""Readings that were still wrong after the technical and IVR passes (the old reading is in each
comment): a bound after a word ("Age >= 18"), web addresses with a port and a path, model names
ending in "s" ("Galaxy A10s"). The rules are in narrate/text/technical.py, web.py and spans.py."""

from __future__ import annotations

import pytest

from narrate.text import normalize
from narrate.text.chapter import chapter_units
from narrate.text.markdown import markdown_to_speakable


def said(text: str) -> str:
    return normalize(text, "en-US")


def _reads(written: str, spoken: str) -> None:
    assert said(written) == spoken
    assert said(spoken) == spoken  # idempotent: the reading reads as itself


@pytest.mark.parametrize(("written", "spoken"), [
    # were "Age greater than or equal to eighteen", "count less than or equal to five": a named
    # quantity and a number are a bound, said as people say a requirement
    ("Age >= 18", "Age at least eighteen"),
    ("Applicants: age >= 18 only.", "Applicants: age at least eighteen only."),
    ("Keep count <= 5 per call.", "Keep count at most five per call."),
    ("Retries ≤ 3 and timeout >= 30 s.", "Retries at most three and timeout at least thirty seconds."),
    ("if max_retries <= 5 then", "if max_retries at most five then"),
    # between two operands it stays a comparison: a one-letter variable, a number, a number word
    ("If x >= 5 and 5 <= y.", "If x greater than or equal to five and five less than or equal to y."),
    ("Five >= 3 holds.", "Five greater than or equal to three holds."),
    ("n >= 10", "n greater than or equal to ten"),
    ("a > 18", "a greater than eighteen"),  # a strict comparison is never a bound
])
def test_a_bound_after_a_word_reads_at_least_or_at_most(written, spoken):
    _reads(written, spoken)


@pytest.mark.parametrize(("source", "spoken"), [
    # the same rule in a code span as in prose: was "age greater than or equal to eighteen"
    ("Check `age >= 18` first.\n", "Check age at least eighteen first."),
    ("Check age >= 18 first.\n", "Check age at least eighteen first."),
    ("Check `x >= 18` first.\n", "Check x greater than or equal to eighteen first."),
])
def test_prose_and_code_read_a_bound_alike(source, spoken):
    units = chapter_units(markdown_to_speakable(source), 400, "en-US", None, spoken=True)
    assert " ".join(u.text for u in units) == spoken
