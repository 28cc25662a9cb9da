"""What captions show: SRT text that no player reads as a tag, and math as it is printed, never its
LaTeX source. The old caption is in each comment; the rules are in narrate/package/transcripts.py
(srt_text) and narrate/text/md_math.py (math_shown)."""

from __future__ import annotations

import re

import pytest

from narrate.package.transcripts import Cue, srt, webvtt
from narrate.text.chapter import chapter_units
from narrate.text.markdown import markdown_to_speakable
from narrate.text.written import written_units

# What SRT players read as markup: an HTML-like tag (`<i>`, `</b>`, `<font color=...>`, and any
# `<word...>` some drop) and an ASS override (`{\an8}`).
_TAG = re.compile(r"<[A-Za-z/!?]|\{\\")


def _srt_texts(texts: list[str]) -> list[str]:
    cues = [Cue(i * 1000, i * 1000 + 900, t) for i, t in enumerate(texts)]
    return [block.split("\n", 2)[2].strip() for block in srt(cues).split("\n\n") if block]


@pytest.mark.parametrize(("written", "shown"), [
    ("Use Vec<T> here.", "Use Vec< T> here."),  # was "Use Vec<T> here.": players show "Use Vec here."
    ("Wrap it in <i>tags</i> now.", "Wrap it in < i>tags< /i> now."),  # was shown in italics, tags gone
    ('A <font color="red">red</font> word.', 'A < font color="red">red< /font> word.'),
    ("Compare a<b and c.", "Compare a< b and c."),
    ("Note <!-- this --> too.", "Note < !-- this -> too."),
    (r"Say {\an8} here.", r"Say { \an8} here."),  # an override that moved the cue to the top
    # unchanged: no tag can open here
    ("If a < b then c > d.", "If a < b then c > d."),
    ("Keep x <= 5 and y<3.", "Keep x <= 5 and y<3."),
    ("Braces {a} stay.", "Braces {a} stay."),
])
def test_srt_text_never_reads_as_a_tag(written, shown):
    (text,) = _srt_texts([written])
    assert text == shown
    assert not _TAG.search(text)


def test_webvtt_still_escapes_as_its_specification_says():
    assert "Use Vec&lt;T&gt; here." in webvtt([Cue(0, 900, "Use Vec<T> here.")])


def _captions(source: str) -> tuple[list[str | None], list[str]]:
    doc = markdown_to_speakable(source)
    written = [w.text for w in written_units(doc, 400, "en-US", None, spoken=True)]
    spoken = [u.text for u in chapter_units(doc, 400, "en-US", None, spoken=True)]
    return written, spoken


@pytest.mark.parametrize(("source", "shown", "said"), [
    # were "Energy is E = mc^2 here.", "A ratio \frac{a+b}{2} \le \sqrt{x} and \alpha_1."
    ("Energy is $E = mc^2$ here.\n", "Energy is E = mc² here.", "Energy is E equals mc to the power of two here."),
    ("A ratio $\\frac{a+b}{2} \\le \\sqrt{x}$ and $\\alpha_1$.\n", "A ratio (a+b)/2 ≤ √x and α₁.",
     "A ratio a+b over two less than or equal to the square root of x and alpha sub one."),
    # was shown "Inline (x^2 + y_i) here." and said "... plus y_i": MathJax's delimiters are math too
    ("Inline \\(x^2 + y_i\\) here.\n", "Inline x² + yᵢ here.", "Inline x to the power of two plus y sub i here."),
    ("Sum $\\sum_{i=1}^{n} i^2$ now.\n", "Sum ∑ᵢ₌₁ⁿ i² now.",
     "Sum the sum from i=one to n of i to the power of two now."),
    ("Power $x^{n+k}$ here.\n", "Power x^(n+k) here.", "Power x to the n+k here."),  # no superscript k
])
def test_inline_math_is_shown_as_printed(source, shown, said):
    written, spoken = _captions(source)
    assert written == [shown]
    assert spoken == [said]


@pytest.mark.parametrize(("source", "shown"), [
    ("Display:\n\n$$\n\\int_0^1 x\\,dx\n$$\n", "∫₀¹ x dx"),  # was "the integral from 0 to 1 of x dx"
    ("Block:\n\n\\[\n\\frac{1}{2}\n\\]\n", "1/2"),  # was "[ \frac{1}{2} ]", said "frac one two"
])
def test_a_math_block_is_shown_as_printed(source, shown):
    written, spoken = _captions(source)
    assert written[-1] == shown
    assert len(written) == len(spoken)


def test_money_is_still_no_math():
    written, spoken = _captions("It costs $5 and $10 \\(or less\\).\n")
    assert spoken == ["It costs five dollars and ten dollars or less."]
    assert written == ["It costs $5 and $10 or less."]


def test_escaped_brackets_opening_a_paragraph_are_no_display_math():
    # A reference list escapes its brackets: mdit-py-plugins' texmath block rule took "\[1\] Smith, J."
    # as a formula and dropped the rest of the paragraph.
    written, spoken = _captions("\\[1\\] Smith, J. (2020). A title.\n\n\\[2\\] Doe. Another.\n")
    assert written == ["[1] Smith, J. (2020).", "A title.", "[2] Doe.", "Another."]
    assert "Smith" in spoken[0] and "Doe" in spoken[-2] and len(spoken) == len(written)
