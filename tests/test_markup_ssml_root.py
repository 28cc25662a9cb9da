"""SSML as people paste it: a `<speak>` root is accepted around the whole text; SSML elements narrate
does not read (`<prosody>`, `<emphasis>`, `<voice>`, `<lang>`) are refused with their location instead
of reaching a listener as words ("speak Hello" from eSpeak, the tags read out by Azure)."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, narrate_in
from narrate.errors import MarkupError
from narrate.text.markup import PLAIN, Piece, Target, compile_pieces, parse

AZURE_LIKE = Target(True, frozenset({"characters"}), True, True)


@pytest.mark.parametrize("target", [PLAIN, AZURE_LIKE])
def test_a_speak_root_is_the_text_inside_it(target):
    assert compile_pieces("<speak>Hello there.</speak>", "en-US", target) == [Piece("Hello there.", False)]
    document = ('<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">\n'
                'Press <say-as interpret-as="characters">AB</say-as>. <break time="1s"/> Bye.\n</speak>')
    inner = 'Press <say-as interpret-as="characters">AB</say-as>. <break time="1s"/> Bye.'
    assert parse(document) == parse(f"\n{inner}\n")
    assert compile_pieces(document, "en-US", target) == compile_pieces(inner, "en-US", target)


@pytest.mark.parametrize(("text", "reason"), [
    ('<prosody rate="slow">Welcome.</prosody>', "line 1, column 1: unknown element <prosody>"),
    ("Please <emphasis>hold</emphasis>.", "line 1, column 8: unknown element <emphasis>"),
    ('<lang xml:lang="fr-FR">Bonjour</lang>', "unknown element <lang>"),
    ('<voice name="x">Hi</voice>', "unknown element <voice>"),
    ("</speak><speak> hi", "an element is not closed"),
    ("<speak>Hi</speak><speak>again</speak>", "line 1, column 18: nothing may follow </speak>"),
    ("<speak>Hi</speak> again", "nothing may follow </speak>"),
    ("Hi <speak>again</speak>", "line 1, column 4: <speak> may only wrap the whole text"),
    ("<speak><speak>Hi</speak></speak>", "<speak> may only wrap the whole text"),
    ('<speak xmlns="urn:evil">Hi</speak>', "<speak> xmlns must be http://www.w3.org/2001/10/synthesis"),
    ('<speak onload="x()">Hi</speak>', "<speak> has no attribute 'onload'"),
])
def test_ssml_that_is_not_read_is_refused_with_its_place(text, reason):
    with pytest.raises(MarkupError) as caught:
        parse(text)
    assert reason in caught.value.message


def test_validate_refuses_a_prosody_prompt_with_its_line(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n    languages: {en-US: en-us}\n"
        "    prompts:\n      hi: '<prosody rate=\"slow\">Welcome.</prosody>'\n", encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:8:", "prompts.hi", "unknown element <prosody>")


def test_plain_angles_stay_plain():
    assert parse("Welcome to <Shop>, <Speak> to an agent or say <language>.") == (
        "Welcome to <Shop>, <Speak> to an agent or say <language>.",)


@pytest.mark.parametrize(("text", "reason"), [
    ('Hello <break time="6s"/> <break time="6s"/> bye',
     "line 1, column 26: breaks in a row add up to 12000 ms; at most 10 s in one place"),
    ("Hello " + '<break time="10s"/>' * 4000 + " bye", "breaks in a row add up to 20000 ms"),
    ("Hello" + ' <break time="10s"/> a' * 7, "the breaks add up to 70000 ms; at most 60 s in one text"),
])
def test_silence_is_bounded(text, reason):
    with pytest.raises(MarkupError) as caught:
        parse(text)
    assert reason in caught.value.message


def test_breaks_within_the_bounds_add_up():
    assert compile_pieces('Hi <break time="4s"/><break time="6s"/> there' + ' <break time="10s"/> a' * 5, "en-US",
                          PLAIN) == [Piece("Hi", False, 10_000), Piece("there", False, 10_000),
                                     *[Piece("a", False, 10_000)] * 4, Piece("a", False, 0)]


def test_build_refuses_hours_of_silence_before_synthesizing(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n    languages: {en-US: en-us}\n"
        "    prompts:\n      hi: 'Hello " + '<break time="10s"/>' * 4000 + " bye'\n", encoding="utf-8")
    done = narrate_in("build", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:8:", "prompts.hi", "breaks in a row add up to 20000 ms")
    assert not (tmp_path / "out").exists()


def test_paragraphs_of_breaks_alone_cannot_add_up_to_hours(tmp_path):
    # Each paragraph's break is in bounds; together they were 100 minutes after "Hello." in one chapter.
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "one.md").write_text(
        "# One\n\nHello.\n\n" + '<break time="6s"/>\n\n' * 600 + "Bye.\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b:\n    title: T\n    sources: [ch/one.md]\n"
                                     "    formats: [chapters]\n    output: out\n", encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "ch/one.md:7:", "markup: breaks in a row add up to 12000 ms")
    (tmp_path / "ch" / "one.md").write_text(
        "# One\n\nHello.\n\n" + '<break time="6s"/>\n\nWords.\n\n' * 3 + "Bye.\n", encoding="utf-8")
    assert narrate_in("validate", "m.yaml", cwd=tmp_path).returncode == 0
