"""Hostile and malformed prompt markup: refused at validate and build with a located one-line
message (exit 2, no traceback), nothing outside the output folders touched, no entity expanded."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from narrate.errors import MarkupError
from narrate.text.markup import parse

HEAD = """\
version: 1
libraries:
  ivr:
    output: out
    formats: [wav]
    languages:
      en-US: {voice: en-us}
    prompts:
      fine: Nothing wrong here.
"""
LINE = 10  # the hostile prompt's line in the manifest

BOMB = ('<!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]> &c;')

CASES = {
    "unclosed tag": ('Press <say-as interpret-as="digits">12', "an element is not closed"),
    "unknown element": ('Press <b>one</b> <break time="1s"/> now', "unknown element <b>"),
    "script element": ("Hi <script>alert(1)</script> <break/>", "unknown element <script>"),
    "wrong case": ('Wait <BREAK time="1s"/>', "unknown element <BREAK>"),
    "entity bomb": (BOMB, "a DOCTYPE is not allowed"),
    "external entity": ('<!ENTITY x SYSTEM "file:///etc/passwd"> &x;', "an entity declaration is not allowed"),
    "undefined entity": ("Tom &bogus; Jerry <break/>", "unknown entity"),
    "break time junk": ('Wait <break time="soon"/> now', "break time must look like 500ms or 1.5s, not 'soon'"),
    "break time negative": ('Wait <break time="-5ms"/> now', "break time must look like"),
    "huge break": ('Wait <break time="11s"/> now', "break time 11s is over the 10 s maximum"),
    "absurd break": ('Wait <break time="99999999999999999999999s"/> now', "is over the 10 s maximum"),
    "bad strength": ('Wait <break strength="forever"/> now', "break strength must be one of"),
    "nested say-as": ('<say-as interpret-as="digits"><say-as interpret-as="digits">1</say-as></say-as>',
                      "<say-as> inside <say-as>: these elements hold text only"),
    "break inside sub": ('<sub alias="x">a<break/>b</sub>', "<break> inside <sub>"),
    "attribute injection": ('<sub alias="x"/><script>alert(1)</script>">y</sub>', "<sub> has no text"),
    "unknown attribute": ('<break time="1s" onload="steal()"/>', "<break> has no attribute 'onload'"),
    "bad interpret-as": ('<say-as interpret-as="expletive">darn</say-as>', "say-as interpret-as must be one of"),
    "bad alphabet": ('<phoneme alphabet="klingon" ph="x">y</phoneme>', "phoneme alphabet must be one of"),
    "empty sub alias": ('<sub alias="  ">WWW</sub>', "sub needs alias="),
    "processing instruction": ('<?xml-stylesheet href="x"?> Hello', "a processing instruction is not allowed"),
    "comment": ("Hello <!-- hidden --> there", "a comment is not allowed"),
    "cdata": ("Hello <![CDATA[<break/>]]> there", "a CDATA section is not allowed"),
    "stray less-than": ("Press < 5 to continue <break/>", "write < as &lt;"),
}


def _manifest(tmp_path, text: str) -> None:
    escaped = text.replace("'", "''")
    (tmp_path / "m.yaml").write_text(HEAD + f"      hostile: '{escaped}'\n", encoding="utf-8")


@pytest.mark.parametrize("name", list(CASES))
def test_validate_refuses_with_a_located_line(tmp_path, name):
    text, reason = CASES[name]
    _manifest(tmp_path, text)
    before = snapshot(tmp_path)
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, f"m.yaml:{LINE}: libraries.ivr.prompts.hostile.en-US: markup: line 1, column ",
                         reason)
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # the good prompt is not blamed
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["entity bomb", "attribute injection", "huge break"])
def test_build_refuses_before_synthesizing(tmp_path, name):
    text, reason = CASES[name]
    _manifest(tmp_path, text)
    before = snapshot(tmp_path)
    done = narrate_in("build", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, f"m.yaml:{LINE}: libraries.ivr.prompts.hostile.en-US: markup:", reason)
    after = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(("out", ".narrate"))}
    assert after == before and not (tmp_path / "out").exists()


def test_markup_in_a_lexicon_replacement_is_refused(tmp_path):
    (tmp_path / "m.yaml").write_text(HEAD.replace("libraries:", 'lexicon:\n  WWW: \'<break time="9s"/>web\'\n'
                                                  "  languages:\n    en-US:\n      IVR: {say: '<sub alias=\"x\">y</sub>'}\n"
                                                  "libraries:"))
    before = snapshot(tmp_path)
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:3: lexicon.WWW: markup is not allowed in a lexicon replacement")
    assert_clean_failure(done, 2, "m.yaml:6: lexicon.languages.en-US.IVR: markup is not allowed")
    assert snapshot(tmp_path) == before


def test_a_multiline_text_names_the_line_inside_it(tmp_path):
    (tmp_path / "m.yaml").write_text(HEAD + "      long:\n        en-US: |\n          First line is fine.\n"
                                     "          Second <say-as interpret-as=\"digits\">1</sub>.\n")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "libraries.ivr.prompts.long.en-US: markup: line 2, column ",
                         "an element is not closed")


def test_no_entity_is_ever_expanded():
    # expat would expand a billion-laughs DOCTYPE in memory; the refusal comes before any parse.
    with pytest.raises(MarkupError, match="DOCTYPE"):
        parse(BOMB.replace("&c;", "&c;" * 1000))
    assert parse("a &amp;amp; b <break/>") == ("a &amp; b ",) + parse("<break/>")
    assert parse("&#60;break/&#62; <break/>")[0] == "<break/> "  # a character reference is text, not markup


def test_plain_text_is_never_parsed():
    # Not markup (no subset tag), so ampersands, entities and other tags are the author's text, as before.
    assert parse("AT&T &bogus; R&D") == ("AT&T &bogus; R&D",)
    assert parse('Welcome to <Shop> & "friends" <b>now</b> <breakfast>') == (
        'Welcome to <Shop> & "friends" <b>now</b> <breakfast>',)


# ---- markup in chapter (book) text ---------------------------------------------------------------

BOOK = "version: 1\nbooks:\n  b:\n    title: T\n    sources: [ch/one.md]\n    formats: [chapters]\n    output: out\n"
FRONT = "---\ntitle: Front\n---\n# One\n\nFine text.\n\n"  # the hostile paragraph starts on line 8

CHAPTER_CASES = {
    "unclosed say-as": ('Still fine,\nthen <say-as interpret-as="digits">12 unclosed.\n', 9,
                        "markup: an element is not closed (or closed in the wrong order)"),
    "unquoted break": ("Wait <break time=2s/> here.\n", 8, "markup: not well-formed (invalid token)"),
    "tag markdown cannot parse": ('Wait\n<break time="2s" here.\n', 9,
                                  "markup: <break> is not a well-formed tag (check its quotes and closing >)"),
    "huge break in an HTML block": ('<div>\n<p>ok</p>\n<break time="99s"/>\n</div>\n', 10,
                                    "markup: break time 99s is over the 10 s maximum"),
    "nested elements": ('<say-as interpret-as="digits"><sub alias="x">1</sub></say-as>\n', 8,
                        "markup: <sub> inside <say-as>: these elements hold text only"),
    "unknown interpret-as": ('<say-as interpret-as="expletive">darn</say-as>\n', 8,
                             "markup: say-as interpret-as must be one of"),
}


def _book(tmp_path, chapter: str) -> None:
    (tmp_path / "ch").mkdir(exist_ok=True)
    (tmp_path / "ch" / "one.md").write_text(FRONT + chapter, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(BOOK, encoding="utf-8")


@pytest.mark.parametrize("name", list(CHAPTER_CASES))
def test_chapter_markup_is_refused_at_validate_with_the_chapter_line(tmp_path, name):
    chapter, line, reason = CHAPTER_CASES[name]
    _book(tmp_path, chapter)
    before = snapshot(tmp_path)
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, f"ch/one.md:{line}: {reason}")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert snapshot(tmp_path) == before


def test_chapter_markup_validate_message_is_exact(tmp_path):
    _book(tmp_path, CHAPTER_CASES["unclosed say-as"][0])
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "error: ch/one.md:9: markup: an element is not closed (or closed in the wrong order)\n"


def test_chapter_markup_is_refused_at_build_before_synthesizing(tmp_path):
    _book(tmp_path, CHAPTER_CASES["huge break in an HTML block"][0])
    before = snapshot(tmp_path)
    done = narrate_in("build", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "ch/one.md:10: markup: break time 99s is over the 10 s maximum")
    after = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(("out", ".narrate"))}
    assert after == before and not (tmp_path / "out").exists()


def test_chapter_html_that_only_looks_like_markup_is_read_as_before(tmp_path):
    # HTML subscript (no alias), a JSX component <Break>, a comment, an entity-escaped tag: text, no error.
    _book(tmp_path, "H<sub>2</sub>O <Break>now</Break> <!-- note --> &lt;break/&gt; `<say-as>`.\n")
    done = narrate_in("text", "ch/one.md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Title: Front\n\n# One\n\nFine text.\n\nH2O now break/ say-as.\n"


def test_chapter_declarations_are_dropped_never_expanded(tmp_path):
    # In a chapter a declaration is HTML that markdown drops: the markup next to it parses alone.
    _book(tmp_path, BOMB + ' <break time="1s"/> after &c;\n')
    done = narrate_in("text", "ch/one.md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("&c; [break 1000 ms] after &c;\n") and "aaa" not in done.stdout, done.stdout


@pytest.mark.parametrize("text", ['<break time="1s"/>', ' <break/> <break strength="strong"/> '])
def test_a_prompt_of_breaks_only_is_refused_before_anything_is_paid(tmp_path, text):
    """It passed validate; the build then synthesized the other prompts and failed on this one with
    `espeak: nothing to speak (the text is empty)`, exit 1."""
    _manifest(tmp_path, text)
    before = snapshot(tmp_path)
    for command in ("validate", "build"):
        done = narrate_in(command, "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, f"m.yaml:{LINE}: libraries.ivr.prompts.hostile.en-US: markup: nothing to "
                             "speak: the text holds only breaks")
    after = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(".narrate")}
    assert after == before and not (tmp_path / "out").exists()
