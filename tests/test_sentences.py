"""Language-aware segmentation: sentences per language, and chunks under a limit never cut mid-word."""

from __future__ import annotations

import pytest
from icu4py.breakers import WordBreaker

from narrate.text import pack_sentences, segment_paragraph, split_for_limit, split_sentences
from narrate.text.sentences import SPLITTER_VERSION, _split_long


@pytest.mark.parametrize("language, text, expected", [
    ("zh-CN", "我们明天去公园。你要一起来吗？好的，我会准时到。", ["我们明天去公园。", "你要一起来吗？", "好的，我会准时到。"]),
    ("en-US", "He got a D.U.I. He blew a 0.12.", ["He got a D.U.I.", "He blew a 0.12."]),
    ("en-US", "The answer is no. We tried again.", ["The answer is no.", "We tried again."]),
    ("en-US", "It happened on Jan. 3. Then we left.", ["It happened on Jan. 3.", "Then we left."]),
    ("es-ES", "Hablé con la Dra. Pérez ayer. Vive en EE. UU. desde 2010.",
     ["Hablé con la Dra. Pérez ayer.", "Vive en EE. UU. desde 2010."]),
    ("es-419", "Vive en EE. UU. y trabaja mucho.", ["Vive en EE. UU. y trabaja mucho."]),
    ("de-DE", "Ich wohne in der Hauptstr. 5 in Berlin. Das ist schön.",
     ["Ich wohne in der Hauptstr. 5 in Berlin.", "Das ist schön."]),
    ("de-DE", "Er kam z. B. am Mo. Abend. Gut.", ["Er kam z. B. am Mo. Abend.", "Gut."]),
    ("fr-FR", "M. Dupont est arrivé. Il est 8 h. C'est le 2e étage.",
     ["M. Dupont est arrivé.", "Il est 8 h.", "C'est le 2e étage."]),
    ("ja-JP", "今日は晴れです。明日は雨でしょう。", ["今日は晴れです。", "明日は雨でしょう。"]),
    # Corrections over sentencex, from the Rust book corpus: no boundary inside a token or before lowercase.
    ("en-US", "On Windows, enter the command .\\main instead. If Hello, world! did print, good!",
     ["On Windows, enter the command .\\main instead.", "If Hello, world! did print, good!"]),
    ("en-US", "So when should you call panic! and when not? Soon.",
     ["So when should you call panic! and when not?", "Soon."]),
    # An abbreviation before a number ends no sentence (sentencex split "approx." from "5 minutes").
    ("en-US", "It takes approx. 5 minutes. Then stop.", ["It takes approx. 5 minutes.", "Then stop."]),
    ("en-US", "Approx. 5 people came. It costs max. $20, incl. 10% tax. Thanks.",
     ["Approx. 5 people came.", "It costs max. $20, incl. 10% tax.", "Thanks."]),
    ("en-US", "I ate the cake. 5 more were left.", ["I ate the cake.", "5 more were left."]),
    ("es-ES", "Tardará aprox. 5 minutos. Gracias.", ["Tardará aprox. 5 minutos.", "Gracias."]),
    ("pt-BR", "Custa aprox. 5 euros. Obrigado.", ["Custa aprox. 5 euros.", "Obrigado."]),
    ("fr-FR", "Cela prend env. 5 min. au total. Merci.", ["Cela prend env. 5 min. au total.", "Merci."]),
    ("it-IT", "Vedi pag. 12 del manuale. Grazie.", ["Vedi pag. 12 del manuale.", "Grazie."]),
    # A file or host name ends a sentence (sentencex ran on after "main.rs."); initials do not.
    ("en-US", "Use Cargo.toml and main.rs. Version 1 is out. Install Node.js. It is fast.",
     ["Use Cargo.toml and main.rs.", "Version 1 is out.", "Install Node.js.", "It is fast."]),
    ("en-US", "Visit example.com. The U.S. Army stays; see fig.2. Then.",
     ["Visit example.com.", "The U.S. Army stays; see fig.2.", "Then."]),
    # A sentence ending inside quotes or parentheses ends there (sentencex ran on).
    ("en-US", "We guess: \u201cBind it to y.\u201d We now have two. He left (for good.) Then \"Stop.\" Say \"hi.\" and go.",
     ["We guess: \u201cBind it to y.\u201d", "We now have two.", "He left (for good.)", 'Then "Stop."', 'Say "hi." and go.']),
])
def test_sentences_per_language(language, text, expected):
    assert split_sentences(text, language) == expected


def test_no_segment_of_just_a_number():
    assert "3." not in segment_paragraph("It happened on Jan. 3. Then we left.", 1000, "en-US")


def test_each_text_is_split_with_its_own_language():
    text = "Hablé con la Dra. Pérez ayer. Vive en EE. UU. desde 2010."
    assert split_sentences(text, "es-MX") == ["Hablé con la Dra. Pérez ayer.", "Vive en EE. UU. desde 2010."]
    assert split_sentences(text, "en-US") == ["Hablé con la Dra.", "Pérez ayer.", "Vive en EE.", "UU. desde 2010."]
    german = "Das ist Nr. 5. Gut."
    assert split_sentences(german, "de-DE") == ["Das ist Nr. 5.", "Gut."]
    assert split_sentences(german, "es-ES") == ["Das ist Nr.", "5.", "Gut."]


def _word_edges(text: str) -> set[int]:
    return {0, *(end for _, end in WordBreaker(text, "zh").segments())}


def test_long_chinese_paragraph_is_cut_at_clauses_then_words():
    paragraph = "我们明天去公园，如果天气好的话我们还会去博物馆看看新的展览，然后在附近的餐厅吃午饭。你要一起来吗？"
    chunks = split_for_limit(paragraph, 16, "zh-CN")
    assert chunks == ["我们明天去公园，", "如果天气好的话我们还会去博物馆", "看看新的展览，", "然后在附近的餐厅吃午饭。",
                      "你要一起来吗？"]
    assert "".join(chunks) == paragraph  # nothing lost, no space invented between Chinese sentences
    edges, at = _word_edges(paragraph), 0
    for chunk in chunks:
        assert len(chunk) <= 16 and at in edges  # every cut falls on an ICU word boundary
        at += len(chunk)


def test_chinese_without_punctuation_is_cut_between_words():
    text = "中华人民共和国成立于一九四九年北京是首都上海是最大的城市"
    assert _split_long(text, 8, "zh-CN") == ["中华人民共和国", "成立于一九四九年", "北京是首都上海是", "最大的城市"]
    assert segment_paragraph(text, 8, "zh-CN") == ["中华人民共和国", "成立于一九四九年", "北京是首都上海是", "最大的城市"]


def test_overlong_sentence_cut_at_clause_punctuation_first_then_words():
    sentence = ("We packed the car; we checked the tyres, the oil and the water, and then we drove north "
                "through the hills until the road ran out.")
    assert segment_paragraph(sentence, 60, "en-US") == [
        "We packed the car;",
        "we checked the tyres, the oil and the water,",
        "and then we drove north through the hills until the road ran",
        "out.",
    ]


def test_packing_joins_unspaced_sentences_without_spaces():
    assert pack_sentences(["你好。", "再见。"], 10, "zh-CN") == ["你好。再见。"]
    assert pack_sentences(["Hi.", "Bye."], 10, "en-US") == ["Hi. Bye."]


def test_a_single_word_longer_than_the_limit_is_the_only_cut_inside_a_word():
    assert split_for_limit("tiny " + "x" * 25 + " end", 10, "en-US") == ["tiny", "x" * 10, "x" * 10, "xxxxx end"]
    assert _split_long("e\u0301" * 6, 5, "fr") == ["e\u0301e\u0301", "e\u0301e\u0301", "e\u0301e\u0301"]


def test_splitter_version_names_the_library():
    assert SPLITTER_VERSION.startswith("sentencex-")


@pytest.mark.parametrize("text, sentences, spoken", [
    # German writes an ordinal with a dot: no boundary between it and its noun (issue 11)...
    ("Am 2. Mai kam die 2. Auflage. Der 3. Platz ging an uns.",
     ["Am 2. Mai kam die 2. Auflage.", "Der 3. Platz ging an uns."],
     ["Am zweiten Mai kam die zweite Auflage.", "Der dritte Platz ging an uns."]),
    ("Er wurde 3. Sieger. Die 2. Auflage kam am 3. Tag.",
     ["Er wurde 3. Sieger.", "Die 2. Auflage kam am 3. Tag."],
     ["Er wurde dritter Sieger.", "Die zweite Auflage kam am dritten Tag."]),
    # ...but a list's number, or a number that ends a sentence, still ends one.
    ("2. Kinder spielten im Hof.", ["2.", "Kinder spielten im Hof."], ["zwei.", "Kinder spielten im Hof."]),
    ("Schritt 2. Dann gehen wir.", ["Schritt 2.", "Dann gehen wir."], ["Schritt zwei.", "Dann gehen wir."]),
    ("Wir sind 3. Wir gehen.", ["Wir sind 3.", "Wir gehen."], ["Wir sind drei.", "Wir gehen."]),
])
def test_german_ordinal_stays_with_its_noun(text, sentences, spoken):
    assert split_sentences(text, "de-DE") == sentences
    assert segment_paragraph(text, 500, "de-DE", spoken=True) == spoken
    assert split_sentences("Das ist die 2. Auflage.", "en-US") == ["Das ist die 2.", "Auflage."]  # German only
    assert SPLITTER_VERSION == "sentencex-1+narrate-3"  # boundaries moved: part of every segment key


def test_an_abbreviation_before_a_number_keeps_one_segment_through_the_cli(tmp_path):
    from conftest import narrate_in

    (tmp_path / "ch.md").write_text("# Wait\n\nIt takes approx. 5 minutes. Then stop.\n")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b: {sources: [ch.md], output: o, formats: [mp3]}\n")
    done = narrate_in("-q", "text", "ch.md", "--manifest", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "It takes approximately five minutes.\nThen stop.\n" in done.stdout
