"""A book's text outputs under hostile input: captions never show markup, a renamed chapter file is
noticed, hostile word timings fall back to sentence cues, cue text that looks like cue syntax is
escaped, long sentences are split into readable cues, and the lock's `layout` covers what times the
audio. Books are built through the CLI with the embedded engine (as tests/test_transcripts.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import narrate_in

BOOK = """version: 1
lexicon:
  SQL: sequel
books:
  guide:
    title: A Small Guide
    sources: ch/*.md
    output: out/guide
    formats: [chapters, mp3]
    transcripts: {}
"""
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
    root = _book(tmp_path, {"01-one.md": MARKUP})
    _build(root)
    out = root / "out" / "guide"
    expected = ["The WWW Story", "Say tomato twice.", "Then dial 123 now.", "We use SQL daily."]
    for name in ("01-the-www-story", "guide"):
        vtt = (out / f"{name}.vtt").read_text()
        srt_text = (out / f"{name}.srt").read_text()
        assert [c[2] for c in _cues(vtt, True)] == expected
        assert [c[2] for c in _cues(srt_text, False)] == expected
        for text in (vtt, srt_text, (out / f"{name}.chapters.json").read_text()):
            for leak in ("phoneme", "say-as", "break", "sub alias", "World Wide Web", "sequel", "təˈ"):
                assert leak not in text, (name, leak)
    titles = json.loads((out / "guide.chapters.json").read_text())["chapters"]
    assert [c["title"] for c in titles] == ["The WWW Story"]
