"""Readings that were still wrong after the technical and IVR passes (the old reading is in each
comment): a bound after a word ("Age >= 18"), web addresses with a port and a path, model names
ending in "s" ("Galaxy A10s"). The rules are in narrate/text/technical.py, web.py and shorthand.py."""

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


@pytest.mark.parametrize(("written", "spoken"), [
    # An address is said whole, as a caller writes it down (web.py): the host, "port" and its number as
    # a port alone is said (technical.paired), then each step of the path; a step's letters and digits
    # apart ("v1" "v one"). Were "http://localhost:eight thousand eighty/api/version one/users",
    # "example dot com:eight thousand four hundred forty-three/login", "... slash version two/docs".
    ("Open http://localhost:8080/api/v1/users now.",
     "Open localhost port eighty eighty slash api slash v one slash users now."),
    ("Go to https://example.com:8443/login today.",
     "Go to example dot com port eighty-four forty-three slash login today."),
    ("Try localhost:3000/admin.", "Try localhost port three thousand slash admin."),
    ("Open http://192.168.1.10:8080/status.",
     "Open one hundred ninety-two dot one hundred sixty-eight dot one dot ten port eighty eighty slash status."),
    ("Go to example.com/v2/docs.", "Go to example dot com slash v two slash docs."),
    ("Visit https://docs.rs/serde today.", "Visit docs dot rs slash serde today."),  # any host after a scheme
    ("See http://localhost:8080?debug=1 first.", "See localhost port eighty eighty first."),  # no query said
    # unchanged: the same rule without a path, or without a port
    ("Open localhost:3000 in a browser.", "Open localhost port three thousand in a browser."),
    ("Visit example.com:8443 now.", "Visit example dot com port eighty-four forty-three now."),
    ("Visit www.example.com/help now.", "Visit w w w dot example dot com slash help now."),
    ("Meet at 10:30 today.", "Meet at ten thirty today."),
])
def test_an_address_with_a_port_and_a_path_is_said_whole(written, spoken):
    _reads(written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("es-ES", "Abra http://localhost:8080/api ahora.", "Abra localhost puerto ocho mil ochenta barra api ahora."),
    ("de-DE", "Öffnen Sie example.de:8443/login.",
     "Öffnen Sie example Punkt de Port achttausendvierhundertdreiundvierzig Schrägstrich login."),
])
def test_other_languages_say_the_port_by_name(language, written, spoken):
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("--0", "dash dash zero"),  # was "--zero", itself a flag on a second reading ("dash dash zero")
    ("-<0", "- zero"),  # was "-less than zero", then "dash less than zero"
    ("0++", "zero plus plus"),  # was "zero++", then "zero plus plus"
    ("W/o0", "Without zero"),  # was "W/o zero", then "Without zero"
    ("0W/o x", "zero Without x"),  # was "zero W/o x", then "zero Without x"
    ("Ships w/o 2 parts.", "Ships without two parts."),  # was "w/o two parts"
])
def test_signs_around_numbers_read_as_themselves(written, spoken):
    _reads(written, spoken)  # found by tests/test_normalize_props.py


@pytest.mark.parametrize(("written", "spoken"), [
    # A model's name is a name, not a plural count: were "A tens", "S twenties", "fifteen seconds"
    ("The Galaxy A10s is cheap.", "The Galaxy A ten S is cheap."),
    ("Buy a Galaxy S20s or an A52s.", "Buy a Galaxy S twenty S or an A fifty-two S."),
    ("Trade in your iPhone 15s today.", "Trade in your iPhone fifteen S today."),
    ("I love my iPhone 5s.", "I love my iPhone five S."),
    ("Compare the iPhone 5s and the Moto G7s.", "Compare the iPhone five S and the Moto G seven S."),
    # unchanged: decades, ages, seconds, numeronyms
    ("Born in the 1990s.", "Born in the nineteen nineties."),
    ("People in your 20s pay less.", "People in your twenties pay less."),
    ("Wait 15s and retry.", "Wait fifteen seconds and retry."),
    ("Deploy to k8s today.", "Deploy to K eights today."),
    ("Run K8s clusters.", "Run K eights clusters."),
    ("The A10 chip", "The A ten chip"),
])
def test_a_model_name_ending_in_s_is_no_plural(written, spoken):
    _reads(written, spoken)


@pytest.mark.parametrize(("source", "spoken"), [
    # A book says a link's site, not its path (md_speech.say_url); a local server's site is its port:
    # was "See localhost now." and "... dot one now."
    ("See http://localhost:8080/api/v1/users now.\n", "See localhost port eighty eighty now."),
    ("Open <http://127.0.0.1:5000/x> now.\n",
     "Open one hundred twenty-seven dot zero dot zero dot one port five thousand now."),
    # unchanged: a site's port and path are not said
    ("See https://example.com:8443/login now.\n", "See example dot com now."),
    ("Go to http://localhost/x now.\n", "Go to localhost now."),
])
def test_a_book_says_a_local_servers_port(source, spoken):
    units = chapter_units(markdown_to_speakable(source), 400, "en-US", None, spoken=True)
    assert " ".join(u.text for u in units) == spoken
