"""Comparison symbols are said, in the book's language, never dropped: "5 > 3" was spoken "five three"
(a bare `>` fell to the markup scrub while `<` was read "less than"). Markdown and HTML syntax
(block quotes, tags, autolinks, generics) and prompt markup stay silent; the written text keeps the symbol."""

from __future__ import annotations

import pytest

from conftest import narrate_in
from narrate.text.chapter import chapter_units
from narrate.text.markdown import markdown_to_speakable
from narrate.text.markup import PLAIN, compile_pieces
from narrate.text.normalize import normalize
from narrate.text.written import written_units

MANIFEST = ("version: 1\nbooks:\n  bk: {title: Bk, author: T, sources: ch/*.md, language: en-US, voice: en-us, "
            "formats: [chapters], output: out/bk}\n")


def test_the_reported_chapter_says_greater_than_and_shows_what_was_written(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01.md").write_text("# Math\n\nFive > three, and two < four.\n", encoding="utf-8")
    (tmp_path / "narrate.yaml").write_text(MANIFEST, encoding="utf-8")
    spoken = narrate_in("text", "ch/01.md", "--manifest", "narrate.yaml", cwd=tmp_path)
    assert spoken.returncode == 0, spoken.stderr
    assert "Five greater than three, and two less than four." in spoken.stdout.splitlines()
    written = narrate_in("text", "ch/01.md", cwd=tmp_path)
    assert "Five > three, and two less than four." in written.stdout.splitlines()  # as before


WORDS = {  # language -> words for <, >, <=, >=, !=
    "en-US": ("less than", "greater than", "less than or equal to", "greater than or equal to", "not equal to"),
    "es-ES": ("menor que", "mayor que", "menor o igual que", "mayor o igual que", "distinto de"),
    "de-DE": ("kleiner als", "größer als", "kleiner oder gleich", "größer oder gleich", "ungleich"),
    "fr-FR": ("inférieur à", "supérieur à", "inférieur ou égal à", "supérieur ou égal à", "différent de"),
}
SYMBOLS = [("<", 0), (">", 1), ("<=", 2), ("≤", 2), (">=", 3), ("≥", 3), ("!=", 4), ("≠", 4)]


@pytest.mark.parametrize("language", sorted(WORDS))
@pytest.mark.parametrize("symbol, index", SYMBOLS)
def test_each_comparison_is_said_in_the_language(language, symbol, index):
    said = normalize(f"x {symbol} y", language)
    assert said == f"x {WORDS[language][index]} y"
    assert normalize(said, language) == said  # idempotent


@pytest.mark.parametrize("written, spoken", [
    ("5≥3", "five greater than or equal to three"),  # the Unicode symbols are never markup: said unspaced too
    ("a≠b", "a not equal to b"),
    ("-5 < -3", "minus five less than minus three"),
    ("Press <b>1</b> if x > 2 at <Shop>", "Press one if x greater than two at Shop"),
    ('Press <b class="x" > 1 if 2 > 1', "Press one if two greater than one"),  # a tag's own `>` is no comparison
])
def test_comparisons_among_markup_that_reached_the_normaliser(written, spoken):
    assert normalize(written, "en-US") == spoken


@pytest.mark.parametrize("source, spoken", [
    ("> Five > three.\n", "Five greater than three."),  # the quote's marker is silent, the comparison is not
    ("> > Nested: 5 > 3.\n", "Nested: five greater than three."),
    ("Two <= four, five >= three, one != two.\n",
     "Two less than or equal to four, five greater than or equal to three, one not equal to two."),
    ("<b>Five</b> > three.\n", "Five greater than three."),
    ("See <https://example.org> > docs, `Vec<T>` > 3.\n", "See example dot org greater than docs, Vec of T greater than three."),
    ("<p>5 &gt; 3 and x>y</p>\n", "five greater than three and x y"),
    ("Five > three <break time=\"500ms\"/> yes.\n", "Five greater than three yes."),  # prompt markup in a chapter
])
def test_markdown_syntax_stays_silent_and_comparisons_are_said(source, spoken):
    doc = markdown_to_speakable(source)
    units = chapter_units(doc, 400, "en-US", None, spoken=True)
    assert " ".join(u.text for u in units) == spoken


def test_the_written_text_keeps_the_symbol_the_spoken_text_says_it():
    doc = markdown_to_speakable("Größer: 5 > 3 und 2 ≤ 4.\n")
    assert [u.text for u in chapter_units(doc, 400, "de-DE", None, spoken=True)] == [
        "Größer: fünf größer als drei und zwei kleiner oder gleich vier."]
    assert [w.text for w in written_units(doc, 400, "de-DE", None, spoken=True)] == ["Größer: 5 > 3 und 2 ≤ 4."]


def test_a_prompt_says_the_comparison_in_its_language():
    pieces = compile_pieces('Si el saldo es &gt; 100 <break time="500ms"/> pulse 1.', "es-ES", PLAIN,
                            lambda t: normalize(t, "es-ES"))
    assert [p.text for p in pieces] == ["Si el saldo es mayor que cien", "pulse uno."]
    assert normalize("Wenn 5 > 3 und 2 < 4", "de-DE") == "Wenn fünf größer als drei und zwei kleiner als vier"


@pytest.mark.parametrize("written", ["Next >", "<< Back", "a->b", "x>y", "<Shop>", "5 >> 3", "Menu >"])
def test_symbols_touching_words_or_each_other_are_not_comparisons(written):
    said = normalize(f"{written}, but 5 > 3", "en-US")
    assert said.endswith(", but five greater than three") and said.count("than") == 1
    assert "<" not in said and ">" not in said
