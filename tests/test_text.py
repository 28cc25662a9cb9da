"""The pure text core: normalisation, lexicon, sentences and packing."""

from __future__ import annotations

import pytest

from narrate.errors import ManifestError
from narrate.text import Lexicon, normalize, pack_sentences, segment_paragraph, split_for_limit, split_sentences


def test_normalize_is_canonical():
    assert normalize("  Caf\u0065\u0301 \u201cquoted\u201d\u2014dash\u2026 \x07bell\n\tnew ") == 'Café "quoted" \u2014 dash... bell new'  # noqa: E501
    assert normalize("plain text") == "plain text"
    assert normalize(normalize("x\u00a0\u00a0y")) == "x y"


@pytest.mark.parametrize("text, expected", [
    ("Dr. Smith arrived. He sat down.", ["Dr. Smith arrived.", "He sat down."]),
    ("It costs $4.50 today. Pi is 3.14 roughly.", ["It costs $4.50 today.", "Pi is 3.14 roughly."]),
    ("J. R. R. Tolkien wrote it. Then he rested.", ["J. R. R. Tolkien wrote it.", "Then he rested."]),
    ('He said "Stop." Then he left!', ['He said "Stop."', "Then he left!"]),
    ("Really?! Yes. e.g. this one. Wait...", ["Really?!", "Yes. e.g. this one.", "Wait..."]),
    ("Call the U.S. office. It opens at 9 a.m. sharp.", ["Call the U.S. office.", "It opens at 9 a.m. sharp."]),
    ("El Sr. García llegó. ¿Quién es? Es él.", ["El Sr. García llegó.", "¿Quién es?", "Es él."]),
])
def test_sentence_boundaries(text, expected):
    assert split_sentences(text) == expected


def test_packing_respects_the_limit_and_never_cuts_words():
    text = ("First sentence here. " * 5 + "A very long sentence, with clauses; and more clauses, going on and on "
            "until it is far longer than the limit allows.")
    chunks = split_for_limit(text, 60)
    assert all(len(c) <= 60 for c in chunks)
    words = text.split()
    assert " ".join(chunks).split() == words  # nothing lost, nothing cut mid-word
    assert pack_sentences(["a" * 130], 50) == ["a" * 50, "a" * 50, "a" * 30]  # only a single giant word is cut
    assert split_for_limit("Short.", 60) == ["Short."]


def test_paragraph_segments_are_sentences():
    assert segment_paragraph("One. Two is here. Three?", 1000) == ["One.", "Two is here.", "Three?"]


def test_lexicon_whole_words_case_and_languages():
    lex = Lexicon.from_mapping({
        "PPO": "P P O", "Node.js": "node jay ess", "SQL": {"say": "sequel", "case_sensitive": True},
        "COVID-19": "covid nineteen", "Harbor": "harbour",
        "languages": {"es-US": {"Harbor": "puerto"}},
    }, source="lex.yaml")
    assert lex.apply("PPO, ppo and PPOs", "en-US") == "P P O, P P O and PPOs"
    assert lex.apply("Use Node.js. Not node.jsx", "en-US") == "Use node jay ess. Not node.jsx"
    assert lex.apply("SQL and sql", "en-US") == "sequel and sql"
    assert lex.apply("After COVID-19 ended", "en-US") == "After covid nineteen ended"
    assert lex.apply("Harbor Street", "es-US") == "puerto Street" and lex.apply("Harbor Street", "en-US") == "harbour Street"


def test_bad_lexicon_entries_are_located():
    with pytest.raises(ManifestError) as info:
        Lexicon.from_mapping({"": "x", "ok": ["a list"], "languages": {"es": "nope"}}, source="lex.yaml")
    text = str(info.value)
    assert "lex.yaml: : empty term" in text or "empty term" in text
    assert "lex.yaml: ok: replacement must be text" in text and "languages.es: expected a mapping" in text


BOOK = """\
version: 1
books:
  guide:
    title: A Guide
    sources: ch/*.md
    order: name
    formats: [mp3]
    output: out/guide
"""


@pytest.fixture
def numbered_book(tmp_path):
    for name in ("chapter-10.md", "chapter-2.md", "Chapter-1.md", "chapter-02b.md", "appendix.md"):
        (tmp_path / "ch").mkdir(exist_ok=True)
        (tmp_path / "ch" / name).write_text(f"# {name}\n\nText of {name}.\n")
    (tmp_path / "book.yaml").write_text(BOOK)
    return tmp_path


def test_order_name_is_natural(numbered_book):
    from narrate.manifest import load_manifest

    book = load_manifest(numbered_book / "book.yaml").books[0]
    assert [p.name for p in book.chapters] == ["appendix.md", "Chapter-1.md", "chapter-2.md", "chapter-02b.md",
                                               "chapter-10.md"]


def test_order_name_is_natural_through_the_cli(numbered_book):
    import json

    from conftest import narrate_in

    done = narrate_in("plan", "--json", "book.yaml", cwd=numbered_book)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == [f"books/guide/{n}" for n in (
        "appendix.md", "Chapter-1.md", "chapter-2.md", "chapter-02b.md", "chapter-10.md")]
