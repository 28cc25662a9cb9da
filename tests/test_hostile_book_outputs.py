"""A book's text outputs under hostile input: captions never show markup, a renamed chapter file is
noticed, hostile word timings fall back to sentence cues, cue text that looks like cue syntax is
escaped, long sentences are split into readable cues, and the lock's `layout` covers what times the
audio. Books are built through the CLI with the embedded engine (as tests/test_transcripts.py)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from conftest import narrate_in
from narrate.cache import SegmentCache
from narrate.manifest import load_manifest
from narrate.package.transcripts import Cue, srt, webvtt
from narrate.plan.books import plan_books
from narrate.prepare import load_lexicon, make_providers
from narrate.text.chapter import chapter_units
from narrate.text.markdown import MarkdownOptions, markdown_to_speakable
from narrate.text.written import written_units
from test_transcripts import BOOK  # the same small book with transcripts

CUE_TIME = re.compile(r"^(\d{2,}):(\d{2}):(\d{2})[.,](\d{3}) --> (\d{2,}):(\d{2}):(\d{2})[.,](\d{3})$")


def _book(tmp_path: Path, chapters: dict[str, str], manifest: str = BOOK) -> Path:
    (tmp_path / "ch").mkdir(exist_ok=True)
    for name, text in chapters.items():
        (tmp_path / "ch" / name).write_text(text, encoding="utf-8")
    (tmp_path / "book.yaml").write_text(manifest, encoding="utf-8")
    return tmp_path


def _build(root: Path) -> dict:
    done = narrate_in("build", "--json", "book.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _lock(root: Path) -> dict:
    return json.loads((root / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["guide"]


def _cues(text: str, vtt: bool) -> list[tuple[int, int, str]]:
    """(start ms, end ms, text) per cue, checking the file's structure as a strict reader would."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    if vtt:
        assert blocks[0] == "WEBVTT", blocks[0]
        blocks = blocks[1:]
    out = []
    for n, block in enumerate(blocks, 1):
        lines = block.strip("\n").split("\n")
        assert lines[0] == str(n), block
        m = CUE_TIME.match(lines[1])
        assert m, block
        g = [int(x) for x in m.groups()]
        start = ((g[0] * 60 + g[1]) * 60 + g[2]) * 1000 + g[3]
        end = ((g[4] * 60 + g[5]) * 60 + g[6]) * 1000 + g[7]
        assert 0 <= start <= end, block
        body = "\n".join(lines[2:])
        assert body.strip() and "-->" not in body, block
        if vtt:  # WebVTT cue text: `<` only opens a tag, `&` only a character reference
            assert "<" not in body and not re.search(r"&(?!(amp|lt|gt);)", body), block
        out.append((start, end, body))
    return out


# ---------------------------------------------------------------- 1: captions show the written text


MARKUP = """# The <sub alias="World Wide Web">WWW</sub> Story

Say <phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme> twice.<break time="700ms"/>Then dial \
<say-as interpret-as="digits">123</say-as> now. We use SQL daily.
"""


def test_captions_show_the_written_text_never_markup_or_respellings(tmp_path):
    again = '---\ntitle: The <sub alias="World Wide Web">WWW</sub> Again\n---\nMore words.\n'
    root = _book(tmp_path, {"01-one.md": MARKUP, "02-two.md": again})
    _build(root)
    out = root / "out" / "guide"
    first = ["The WWW Story", "Say tomato twice.", "Then dial 123 now.", "We use SQL daily."]
    for name, expected in (("01-the-www-story", first), ("02-the-www-again", ["The WWW Again", "More words."]),
                           ("guide", [*first, "The WWW Again", "More words."])):
        vtt = (out / f"{name}.vtt").read_text()
        srt_text = (out / f"{name}.srt").read_text()
        assert [c[2] for c in _cues(vtt, True)] == expected
        assert [c[2] for c in _cues(srt_text, False)] == expected
        for text in (vtt, srt_text, (out / f"{name}.chapters.json").read_text()):
            for leak in ("phoneme", "say-as", "break", "sub alias", "World Wide Web", "sequel", "təˈ"):
                assert leak not in text, (name, leak)
    titles = json.loads((out / "guide.chapters.json").read_text())["chapters"]
    assert [c["title"] for c in titles] == ["The WWW Story", "The WWW Again"]
    assert "The WWW Again" in (out / "guide.m3u").read_text() and "sub" not in (out / "guide.m3u").read_text()


SIGNS = """# Signs

If x < y then pay $5 to Dr. Smith. Use C++ here.

This is *really* good, read [docs](http://x) and run `make` now. Compare `a <= b` with Vec<T> today.

Mail help@example.org or see https://example.org/docs first. A bare --> arrow here.
"""
# What the author wrote, markup removed (emphasis, link syntax, code backticks, HTML tags: CommonMark
# reads `<T>` as one, and a page shows "Vec"), one cue per sentence.
SIGNS_WRITTEN = ["Signs", "If x < y then pay $5 to Dr. Smith.", "Use C++ here.",
                 "This is really good, read docs and run make now.", "Compare a <= b with Vec today.",
                 "Mail help@example.org or see https://example.org/docs first.", "A bare --> arrow here."]
# What the embedded engine is given for each, as before captions showed the written form.
SIGNS_SPOKEN = ["Signs", "If x less than y then pay five dollars to Dr. Smith.", "Use C plus plus here.",
                "This is really good, read docs and run make now.", "Compare a less than or equal to b with Vec today.",
                "Mail help at example dot org or see example dot org first.", "A bare -- arrow here."]


def test_captions_show_what_was_written_not_its_spoken_form(tmp_path):
    root = _book(tmp_path, {"01-one.md": SIGNS})
    _build(root)
    out = root / "out" / "guide"
    vtt_escaped = [t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for t in SIGNS_WRITTEN]
    srt_shown = [t.replace("-->", "->") for t in SIGNS_WRITTEN]
    for name in ("01-signs", "guide"):
        vtt = _cues((out / f"{name}.vtt").read_text(), True)
        assert [c[2] for c in vtt] == vtt_escaped
        assert vtt[1][2] == "If x &lt; y then pay $5 to Dr. Smith."
        assert [c[2] for c in _cues((out / f"{name}.srt").read_text(), False)] == srt_shown
    # The spoken side is untouched: one segment per cue, each said as before.
    manifest = load_manifest(root / "book.yaml")
    (job,) = plan_books(manifest, make_providers(manifest)[0], load_lexicon(manifest))
    keys = [k for k, _ in job.chapters[0].units]
    assert len(keys) == len(SIGNS_WRITTEN)
    cache = SegmentCache(root / ".narrate-cache")
    try:
        assert all(cache.get(k) is not None for k in keys)
    finally:
        cache.close()
    assert [job.segments[k].request.text for k in keys] == SIGNS_SPOKEN


KINDS = """# When a < b

1. Run `x += 1` first.

Term `<=`
: Means x <= y here.

| Op | Use |
|----|-----|
| `<` | a < b |

> [!warning] Mind `i++` now
> Keep $5 ready.

Say <say-as interpret-as="digits">123</say-as> if x < y now.
"""


def test_every_kind_of_block_keeps_its_written_text_for_captions():
    # Headings, list numbers, definition terms, table rows, callout titles and prompt markup: each
    # carries its written text beside the spoken one, split into the same units.
    doc = markdown_to_speakable(KINDS, MarkdownOptions(tables="rows"))
    written = [w.text for w in written_units(doc, 300, "en-US", None, spoken=True)]
    spoken = [u.text for u in chapter_units(doc, 300, "en-US", None, spoken=True)]
    assert written == ["When a < b", "1.", "Run x += 1 first.", "Term <=: Means x <= y here.", "Op: <; Use: a < b.",
                       "Mind i++ now:", "Keep $5 ready.", "Say 123 if x < y now."]
    assert len(spoken) == len(written)
    assert spoken[0] == "When a less than b" and spoken[-2] == "Keep five dollars ready."


def test_the_written_text_holds_no_control_or_format_character():
    # Written text is canonical as the spoken text is: an ESC or a bidi override never reaches a caption,
    # and a terminal's colour code goes whole (it read "Say [31mred").
    doc = markdown_to_speakable("Say \x1b[31mred\u202e now, x < y.\n")
    assert [w.text for w in written_units(doc, 300, "en-US", None)] == ["Say red now, x < y."]


# ---------------------------------------------------------------- 2: a renamed chapter file


def test_a_renamed_chapter_file_updates_the_lock_and_the_plan(tmp_path):
    root = _book(tmp_path, {"01-one.md": "# One\n\nFirst words.\n", "02-two.md": "# Two\n\nSecond words.\n"})
    _build(root)
    (root / "ch" / "02-two.md").rename(root / "ch" / "02-second.md")
    _build(root)
    assert sorted(_lock(root)["sources"]) == ["01-one.md", "02-second.md"]
    plan = json.loads(narrate_in("plan", "--json", "book.yaml", cwd=root).stdout)
    assert plan["added"] == [] and plan["removed"] == [] and plan["changed"] == []


FEED_BOOK = """version: 1
books:
  guide:
    title: Field Notes
    author: Ada Writer
    sources: ch/*.md
    output: out/guide
    formats: [chapters]
    feed:
      base_url: https://example.org/notes/
      description: Short articles, read aloud.
      date: 2024-05-01
      image: https://example.org/art.png
    transcripts: {formats: [vtt]}
"""


def test_a_renamed_article_is_renamed_in_the_feed(tmp_path):
    root = _book(tmp_path, {"roads.md": "# Old Roads\n\nRoads remember.\n", "rivers.md": "# Rivers\n\nRivers run.\n"},
                 FEED_BOOK)
    _build(root)
    feed_before = (root / "out" / "guide" / "feed.xml").read_text()
    assert "roads.mp3" in feed_before
    (root / "ch" / "roads.md").rename(root / "ch" / "roads-old.md")  # the same place in the book
    _build(root)
    out = root / "out" / "guide"
    feed = (out / "feed.xml").read_text()
    assert "https://example.org/notes/roads-old.mp3" in feed and "/roads.mp3" not in feed
    assert "roads-old.vtt" in feed and "/roads.vtt" not in feed
    assert not (out / "roads.mp3").exists() and not (out / "roads.vtt").exists()
    guids = set(re.findall(r"<guid[^>]*>([^<]+)</guid>", feed))
    assert guids != set(re.findall(r"<guid[^>]*>([^<]+)</guid>", feed_before))
    assert json.loads(narrate_in("build", "--json", "book.yaml", cwd=root).stdout)["outputs_written"] == 0


# ---------------------------------------------------------------- 3: hostile word timings


def _word_book(tmp_path: Path, monkeypatch, alignment) -> tuple[str, dict]:
    """A one-chapter book synthesized by a fake ElevenLabs whose timings `alignment(text)` gives."""
    import base64

    import httpx
    import numpy as np

    from narrate.build import build
    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest

    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk-test-key")

    def handler(request: httpx.Request) -> httpx.Response:
        text = json.loads(request.content)["text"]
        t = np.arange(int((0.1 * len(text) + 0.5) * 24000)) / 24000
        audio = (np.sin(2 * np.pi * 220 * t) * 10000).astype("<i2").tobytes()
        body = json.dumps({"audio_base64": base64.b64encode(audio).decode(), "alignment": alignment(text)})
        return httpx.Response(200, content=body.encode(), headers={"content-type": "application/json"})

    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "one.md").write_text("# Rivers\n\nRivers start small. Roads go far.\n")
    (tmp_path / "book.yaml").write_text(
        "version: 1\nproviders:\n  el:\n    kind: elevenlabs\n    options: {timestamps: true}\n"
        "books:\n  b:\n    provider: el\n    voice: 21m00Tcm4TlvDq8ikWAM\n    sources: ch/*.md\n    output: out\n"
        "    formats: [chapters]\n    transcripts: {formats: [vtt, srt], cues: word}\n")
    cache = SegmentCache(tmp_path / ".narrate-cache")
    try:
        report = build(load_manifest(tmp_path / "book.yaml"), cache, transport=httpx.MockTransport(handler))
        assert report.errors == []
    finally:
        cache.close()
    lock = json.loads((tmp_path / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["b"]
    return (tmp_path / "out" / "01-rivers.vtt").read_text(), lock


def _times(text: str, starts: list[float], ends: list[float]) -> dict:
    return {"characters": list(text), "character_start_times_seconds": starts, "character_end_times_seconds": ends}


HOSTILE = {
    "nan": lambda n: ([math.nan] * n, [0.2] * n),
    "inf": lambda n: ([0.0] * n, [math.inf] * n),
    "negative": lambda n: ([-5.0 + 0.1 * i for i in range(n)], [-4.9 + 0.1 * i for i in range(n)]),
    "backwards": lambda n: ([3.0 - 0.1 * i for i in range(n)], [3.05 - 0.1 * i for i in range(n)]),
    "ends_before_start": lambda n: ([0.1 * i + 0.5 for i in range(n)], [0.1 * i for i in range(n)]),
    "past_the_end": lambda n: ([600.0 + 0.1 * i for i in range(n)], [600.1 + 0.1 * i for i in range(n)]),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_word_timings_fall_back_to_sentence_cues(tmp_path, monkeypatch, kind):
    def alignment(text: str) -> dict:
        if "Roads" not in text:  # the other sentences are timed well: they keep their word cues
            return _times(text, [0.1 * i for i in range(len(text))], [0.1 * i + 0.1 for i in range(len(text))])
        return _times(text, *HOSTILE[kind](len(text)))

    vtt, lock = _word_book(tmp_path, monkeypatch, alignment)
    cues = _cues(vtt, True)
    assert [c[2] for c in cues] == ["Rivers", "Rivers", "start", "small.", "Roads go far."]
    spans, rate = lock["spans"][0], lock["rate"]
    assert cues[-1][:2] == (round(spans[4] * 1000 / rate), round(spans[5] * 1000 / rate))
    srt_text = (tmp_path / "out" / "01-rivers.srt").read_text()
    assert [c[:2] for c in _cues(srt_text, False)] == [c[:2] for c in cues]


# ---------------------------------------------------------------- 4: escaping, long books, empty chapters


def test_cue_text_that_looks_like_cue_syntax_is_escaped(tmp_path):
    # Markdown's own `<` and `-->` are scrubbed from the spoken text (narrate.text.md_speech); in prompt
    # markup they are text (`&lt;`), and the written form shows them as written.
    arrows = ('# Arrows\n\nType <sub alias="to">--&gt;</sub> b &amp; c <sub alias="under">&lt;</sub> d here. '
              '<break time="300ms"/>Then stop now.\n')
    root = _book(tmp_path, {"01-one.md": arrows})
    _build(root)
    out = root / "out" / "guide"
    vtt = _cues((out / "01-arrows.vtt").read_text(), True)
    srt_cues = _cues((out / "01-arrows.srt").read_text(), False)
    assert len(vtt) == len(srt_cues) == 3
    assert [c[2] for c in vtt] == ["Arrows", "Type --&gt; b &amp; c &lt; d here.", "Then stop now."]
    assert [c[2] for c in srt_cues] == ["Arrows", "Type -> b & c < d here.", "Then stop now."]


@pytest.mark.parametrize("arrow", ["-->", "--->", "---->", "-- >", "-->-->"])
def test_no_arrow_survives_in_cue_text(arrow):
    cues = [Cue(0, 1000, f"a {arrow} b"), Cue(1000, 2000, "Next.")]
    for text, vtt in ((srt(cues), False), (webvtt(cues), True)):
        assert [c[2] for c in _cues(text, vtt)][1] == "Next."  # and no `-->` in a cue's text (_cues)


def test_cue_clocks_widen_past_99_hours():
    cues = [Cue(100 * 3_600_000 + 1, 100 * 3_600_000 + 2_500, "Late.")]
    assert "100:00:00,001 --> 100:00:02,500" in srt(cues)
    assert "100:00:00.001 --> 100:00:02.500" in webvtt(cues)


def test_a_chapter_with_nothing_to_speak_gets_no_caption_files_and_a_warning(tmp_path):
    root = _book(tmp_path, {"01-one.md": "# One\n\nWords here.\n", "02-code.md": "```\nprint(1)\n```\n"})
    done = narrate_in("build", "--json", "book.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "ch/02-code.md" in done.stderr and "with no caption files" in done.stderr
    out = root / "out" / "guide"
    assert (out / "02-02-code.mp3").exists()
    assert not (out / "02-02-code.vtt").exists() and not (out / "02-02-code.srt").exists()
    for name in ("01-one.vtt", "guide.vtt"):
        assert [c[2] for c in _cues((out / name).read_text(), True)] == ["One", "Words here."]
    assert [c[2] for c in _cues((out / "guide.srt").read_text(), False)] == ["One", "Words here."]


# ---------------------------------------------------------------- 5: long sentences


LONG = ("The river ran past the old mill, under the stone bridge that the village had built in the year of the "
        "great flood, and on through the meadows where the cows stood knee deep in the cool water all summer long.")


def test_a_long_sentence_is_split_into_readable_cues_timed_within_it(tmp_path):
    root = _book(tmp_path, {"01-one.md": f"# One\n\n{LONG} Short.\n"})
    _build(root)
    out = root / "out" / "guide"
    cues = _cues((out / "01-one.vtt").read_text(), True)
    spans, rate = _lock(root)["spans"][0], _lock(root)["rate"]
    ms = [round(s * 1000 / rate) for s in spans]
    long_cues = cues[1:-1]
    assert len(long_cues) >= 3 and all(len(c[2]) <= 84 for c in long_cues)
    assert " ".join(c[2] for c in long_cues) == LONG
    assert long_cues[0][0] == ms[2] and long_cues[-1][1] == ms[3]
    for a, b in zip(long_cues, long_cues[1:], strict=False):
        assert a[0] < a[1] == b[0] < b[1]
    assert cues[-1][2] == "Short." and cues[-1][0] == ms[4]


def test_captions_built_before_the_split_are_rewritten_split(tmp_path, monkeypatch):
    import narrate.package.transcripts as transcripts
    import narrate.plan.book_extras as book_extras
    from narrate.build import build
    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest

    root = _book(tmp_path, {"01-one.md": f"# One\n\n{LONG}\n"})
    # As the last release built it: one cue per sentence, under its recipes.
    monkeypatch.setattr(book_extras, "EXTRAS_VERSION", "1")
    monkeypatch.setattr(transcripts, "readable", lambda cue: [cue])
    cache = SegmentCache(root / ".narrate-cache")
    try:
        assert build(load_manifest(root / "book.yaml"), cache).errors == []
    finally:
        cache.close()
    assert len(_cues((root / "out" / "guide" / "01-one.vtt").read_text(), True)) == 2
    monkeypatch.undo()
    # A new release changes the code stamp, so the no-op answer (outcome.noop_report) is not given; here
    # a touched manifest stands in for it.
    (root / "book.yaml").write_text(BOOK + "# touched\n")
    done = _build(root)
    assert "out/guide/01-one.vtt" in done["written"] and not any(p.endswith(".mp3") for p in done["written"])
    assert len(_cues((root / "out" / "guide" / "01-one.vtt").read_text(), True)) == 4


# ---------------------------------------------------------------- 6: the lock's layout


def test_the_layout_changes_with_the_trim_and_lengths_are_not_taken_across_it(tmp_path):
    trimmed = BOOK + "    silence: {threshold_dbov: -20}\n"  # a high threshold: trimming cuts much
    root = _book(tmp_path, {"01-one.md": "# One\n\nFirst words. Then more words.\n"}, trimmed)
    _build(root)
    first = _lock(root)
    vtt = (root / "out" / "guide" / "01-one.vtt").read_bytes()
    (root / "book.yaml").write_text(BOOK + "    silence: {trim: false}\n")
    _build(root)
    untrimmed = _lock(root)
    assert untrimmed["layout"] != first["layout"] and untrimmed["spans"] != first["spans"]
    (root / "book.yaml").write_text(trimmed)  # back: the trimmed encodes are in the store, the lock is untrimmed
    _build(root)
    again = _lock(root)
    assert again["samples"] == first["samples"] and again["spans"] == first["spans"]
    assert (root / "out" / "guide" / "01-one.vtt").read_bytes() == vtt


def test_the_layout_ignores_what_does_not_time_the_audio(tmp_path):
    root = _book(tmp_path, {"01-one.md": "# One\n\nFirst words.\n"})
    _build(root)
    layout = _lock(root)["layout"]
    (root / "book.yaml").write_text(BOOK.replace("A Small Guide", "Another Title"))
    _build(root)
    assert _lock(root)["layout"] == layout
