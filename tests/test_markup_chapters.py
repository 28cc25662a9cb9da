"""Prompt markup in chapter (book) text (issue 11, item 3): the same SSML subset as prompts, compiled
per provider; breaks end a unit and add their silence; the compiled form is what is hashed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import narrate_in
from narrate.manifest import load_manifest
from narrate.plan.books import plan_books
from narrate.prepare import make_providers
from narrate.providers import azure, espeak, openai
from narrate.text.chapter import SpeechUnit, chapter_units
from narrate.text.markdown import markdown_to_speakable, speakable_text
from narrate.text.markup import PLAIN, target_of

FFMPEG = __import__("imageio_ffmpeg").get_ffmpeg_exe()
ESPEAK, AZURE, OPENAI = (target_of(c) for c in (espeak.EspeakProvider, azure.AzureProvider, openai.OpenAIProvider))
SAYAS = '<say-as interpret-as="characters">ABC</say-as>'
CHAPTER = f"""# The {SAYAS} book

Hello there. <break time="2s"/> Second one, {SAYAS} is spelled. H<sub>2</sub>O and <sub alias="World Wide Web">WWW</sub>.

<break time="1s"/>

<p>Block <say-as interpret-as="digits">123</say-as> here, <Break>kept</Break> as a component.</p>
"""


def units(target, spoken=True, source=CHAPTER):
    return chapter_units(markdown_to_speakable(source), 5000, "en-US", None, spoken, target)


def test_plain_engines_get_everything_lowered_and_breaks_as_pauses():
    assert units(OPENAI, spoken=False) == units(PLAIN, spoken=False) == [
        SpeechUnit("The A B C book", 800),
        SpeechUnit("Hello there.", 2150, False, 2000),  # the sentence's own 150 ms plus the break
        SpeechUnit("Second one, A B C is spelled.", 150),
        SpeechUnit("H2O and World Wide Web.", 1500, False, 1000),  # a break-only paragraph adds to the one before
        SpeechUnit("Block one two three here,", 500),
        SpeechUnit("kept", 500),  # an unknown (component) tag ends a paragraph, as before markup
        SpeechUnit("as a component.", 500),
    ]


def test_ssml_engines_get_what_they_read_natively():
    assert units(ESPEAK) == [  # eSpeak reads say-as characters; sub and say-as digits are lowered
        SpeechUnit(f"The {SAYAS} book", 800, True),
        SpeechUnit("Hello there.", 2150, False, 2000),
        SpeechUnit(f"Second one, {SAYAS} is spelled.", 150, True),
        SpeechUnit("H two O and World Wide Web.", 1500, False, 1000),
        SpeechUnit("Block one two three here,", 500),
        SpeechUnit("kept", 500),  # an unknown (component) tag ends a paragraph, as before markup
        SpeechUnit("as a component.", 500),
    ]
    assert [u.text for u in units(AZURE, spoken=False)][3:] == [
        'H2O and <sub alias="World Wide Web">WWW</sub>.',
        'Block <say-as interpret-as="digits">123</say-as> here,', "kept", "as a component."]


def test_breaks_at_every_position_of_a_block():
    source = ('Lead.\n\n<break time="300ms"/>Mid <break time="250ms"/> sentence. Next one.'
              '<break time="400ms"/><break strength="weak"/>\n\n## Head <break/>line\n')
    assert units(PLAIN, source=source) == [
        SpeechUnit("Lead.", 800, False, 300),
        SpeechUnit("Mid", 400, False, 250),
        SpeechUnit("sentence.", 150),
        SpeechUnit("Next one.", 1400, False, 900),
        SpeechUnit("Head", 900, False, 750),
        SpeechUnit("line", 800),
    ]


def test_title_is_the_written_text_and_text_without_manifest_lowers():
    doc = markdown_to_speakable(CHAPTER)
    assert doc.title == "The ABC book"
    assert speakable_text(doc) == ("# The A B C book\n\nHello there. [break 2000 ms] Second one, A B C is spelled. "
                                   "H2O and World Wide Web.\n\n[break 1000 ms]\n\n"
                                   "Block one two three here,\n\nkept\n\nas a component.\n")


def test_code_spans_and_escaped_tags_are_text():
    doc = markdown_to_speakable('Type `<break time="1s"/>` or \\<break/> or &lt;say-as&gt; here.\n')
    assert [(b.text, b.markup) for b in doc.blocks] == [("Type break time=\"1s\"/ or break/ or say-as here.", False)]


BOOK = """\
version: 1
books:
  b:
    title: Marked
    sources: [ch/one.md]
    formats: [chapters]
    output: out
"""


def test_cli_text_with_manifest_shows_the_compiled_form(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "one.md").write_text(CHAPTER)
    (tmp_path / "m.yaml").write_text(BOOK)
    done = narrate_in("text", "ch/one.md", "--manifest", "m.yaml", "--book", "b", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"Title: The ABC book\n\nThe {SAYAS} book\n\nHello there.\n[break 2000 ms]\n"
                           f"Second one, {SAYAS} is spelled.\nH two O and World Wide Web.\n[break 1000 ms]\n\n"
                           "Block one two three here,\n\nkept\n\nas a component.\n")


def test_compiled_form_is_in_the_segment_key(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "m.yaml").write_text(BOOK)

    def plan(text: str):
        (tmp_path / "ch" / "one.md").write_text(text)
        manifest = load_manifest(tmp_path / "m.yaml")
        providers, _ = make_providers(manifest)
        job = plan_books(manifest, providers, None)[0]
        return job, [job.segments[k].request for k, _ in job.chapters[0].units]

    job, requests = plan(f"Say {SAYAS} now.\n")
    assert [(r.text, r.ssml) for r in requests] == [(f"Say {SAYAS} now.", True)]
    spelled_key = job.keys()
    assert plan("Say ABC now.\n")[0].keys() != spelled_key  # the source changed: so did the compiled form
    # Spellings that compile alike share a key: the break's written form is not hashed, its pause is a unit's.
    a = plan('One. <break time="1s"/> Two.\n')[0]
    b = plan('One. <break time="1000ms"/> Two.\n')[0]
    c = plan("One. Two.\n")[0]
    assert a.keys() == b.keys() == c.keys()
    assert [p for _, p in a.chapters[0].units] == [1150, 500] and [p for _, p in c.chapters[0].units] == [150, 500]
    assert a.recipe == b.recipe != c.recipe


def decoded(path: Path) -> tuple[np.ndarray, int]:
    rate = 22050
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2"), rate


def longest_inner_quiet_ms(path: Path, threshold: int = 64) -> float:
    """The longest run of near-silent samples that touches neither end of the file, in ms."""
    x, rate = decoded(path)
    quiet = np.concatenate([[0], (np.abs(x.astype(np.int32)) <= threshold).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(quiet))
    runs = [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if a > 0 and b < len(x)]
    return max((b - a) * 1000 / rate for a, b in runs)


@pytest.mark.slow
def test_built_book_has_the_break_as_extra_silence(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "one.md").write_text('The first sentence is here. <break time="2s"/> '
                                            "The second sentence follows.\n")
    (tmp_path / "ch" / "two.md").write_text("The first sentence is here. The second sentence follows.\n")
    (tmp_path / "m.yaml").write_text(BOOK.replace("[ch/one.md]", "[ch/one.md, ch/two.md]"))
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    paused, plain = (longest_inner_quiet_ms(next((tmp_path / "out").glob(f"0{i}-*.mp3"))) for i in (1, 2))
    print("longest inner quiet ms", paused, plain)
    assert abs((paused - plain) - 2000) <= 60, (paused, plain)
