"""Issue 12 item 3: WebVTT/SRT captions and JSON chapters, timed from the assembled audio."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import narrate_in
from narrate.audio.decode import decode
from narrate.audio.level import normalize as level_normalize
from narrate.audio.level import trim_silence
from narrate.audio.resample import resample
from narrate.cache import SegmentCache
from narrate.manifest import load_manifest
from narrate.package.grid import Layout
from narrate.package.transcripts import Cue, chapter_cues, json_chapters, srt, webvtt
from narrate.plan.books import ChapterPlan, plan_books
from narrate.prepare import load_lexicon, make_providers
from narrate.text import Lexicon
from narrate.text.markdown import markdown_to_speakable
from narrate.text.written import WrittenUnit, written_units

FFMPEG = __import__("imageio_ffmpeg").get_ffmpeg_exe()

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

CH1 = """# First Steps

This is the first chapter. It uses SQL & more.

## A Section

Short line here. Another one follows, and it is a little longer than the others.
"""
CH2 = "# Second Thoughts\n\nThe second chapter has one paragraph. And a final line.\n"


@pytest.fixture
def book(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01-one.md").write_text(CH1)
    (tmp_path / "ch" / "02-two.md").write_text(CH2)
    (tmp_path / "book.yaml").write_text(BOOK)
    return tmp_path


# ---------------------------------------------------------------- units


def test_vtt_and_srt_format_exact():
    cues = [Cue(400, 1234, "Hello <world> & you."), Cue(3_723_004, 3_725_000, "Two\nlines")]
    assert webvtt(cues) == ("WEBVTT\n\n1\n00:00:00.400 --> 00:00:01.234\nHello &lt;world&gt; &amp; you.\n\n"
                            "2\n01:02:03.004 --> 01:02:05.000\nTwo lines\n")
    assert srt(cues) == ("1\n00:00:00,400 --> 00:00:01,234\nHello < world> & you.\n\n"  # no tag in SRT
                         "2\n01:02:03,004 --> 01:02:05,000\nTwo lines\n")


def test_json_chapters_is_podcasting_2_format():
    data = json.loads(json_chapters([(0, "One"), (61_500, "Two")]))
    assert data == {"version": "1.2.0", "chapters": [{"startTime": 0.0, "title": "One"}, {"startTime": 61.5, "title": "Two"}]}


def test_cues_from_spans_merge_continued_units():
    chapter = ChapterPlan(Path("c.md"), "T", [("a", 150), ("b", 150), ("c", 500)],
                          written=[WrittenUnit("First.", 1), WrittenUnit("Second part"), WrittenUnit(None)])
    cues = chapter_cues(chapter, [8820, 22050, 25358, 44100, 47408, 66150], 22050)
    assert cues == [Cue(400, 1000, "First."), Cue(1150, 3000, "Second part")]


def test_written_text_not_the_respelling():
    doc = markdown_to_speakable("# Intro\n\nWe use SQL daily. It is 5 km away.\n")
    lex = Lexicon.from_mapping({"SQL": "sequel"}, source="test")
    units = written_units(doc, 500, "en-US", lex, spoken=True)
    assert [u.text for u in units] == ["Intro", "We use SQL daily.", "It is 5 km away."]
    assert [u.heading for u in units] == [1, 0, 0]


def test_respelling_that_moves_a_boundary_keeps_one_cue():
    doc = markdown_to_speakable("Call Dr Who. Then leave.\n")
    lex = Lexicon.from_mapping({"Dr": "Dr."}, source="test")  # the respelling adds a full stop: the spoken split may differ
    units = written_units(doc, 500, "en-US", lex)
    texts = [u.text for u in units]
    assert texts[0] is not None and "Dr Who" in " ".join(t for t in texts if t)
    assert all(t is None or "Dr." not in t for t in texts)


# ---------------------------------------------------------------- through the build


def _plan(root: Path):
    manifest = load_manifest(root / "book.yaml")
    providers, _ = make_providers(manifest)
    (job,) = plan_books(manifest, providers, load_lexicon(manifest))
    return job


def _expected_starts_ms(root: Path, job) -> list[list[float]]:
    """Where each sentence starts in its chapter, computed independently from the cached segments:
    the head silence, then each segment's processed length and the pause after it."""
    cache = SegmentCache(root / ".narrate-cache")
    s = job.book.settings
    rate = None
    out = []
    try:
        for chapter in job.chapters:
            # The profile's head room tone, in whole MP3 frames (narrate.package.grid).
            at = Layout(44100).head(round(job.book.profile.head_s * 44100)) / 44100
            starts = []
            for key, pause in chapter.units:
                entry = cache.get(key)
                pcm = decode(entry.audio, entry.format)
                pcm = trim_silence(pcm, threshold_dbov=s.silence.threshold_dbov, keep_ms=20)
                pcm = level_normalize(pcm, s.level.target_dbov, s.level.peak_dbfs)
                rate = rate or pcm.rate
                pcm = resample(pcm, rate)
                starts.append(at * 1000)
                at += len(pcm.samples) / rate + pause / 1000
            out.append(starts)
    finally:
        cache.close()
    return out


def _speech_onsets_ms(mp3: Path) -> list[float]:
    """Decode the built file and return where speech resumes after at least 120 ms of silence
    (10 ms windows, -55 dBFS; trimming keeps 20 ms before the first frame over -50 dBov)."""
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-ar", "22050", "-"],
                         capture_output=True, check=True).stdout
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768
    win = 220
    n = len(x) // win
    rms = np.sqrt((x[: n * win].reshape(n, win) ** 2).mean(axis=1) + 1e-12)
    loud = 20 * np.log10(rms) > -55
    onsets, quiet = [], 12
    for i, on in enumerate(loud):
        if on and quiet >= 12:
            onsets.append(i * 10.0)
        quiet = 0 if on else quiet + 1
    return onsets


def _cue_starts(text: str, sep: str) -> list[float]:
    stamps = re.findall(rf"^(\d\d):(\d\d):(\d\d){sep}(\d\d\d) --> ", text, re.M)
    return [int(h) * 3_600_000 + int(m) * 60_000 + int(s) * 1000 + int(ms) for h, m, s, ms in stamps]


def test_cues_start_within_50ms_of_each_sentence_in_the_assembled_audio(book):
    done = narrate_in("build", "--json", "book.yaml", cwd=book)
    assert done.returncode == 0, done.stderr
    out = book / "out" / "guide"
    assert sorted(p.name for p in out.iterdir()) == [
        "01-first-steps.chapters.json", "01-first-steps.mp3", "01-first-steps.srt", "01-first-steps.vtt",
        "02-second-thoughts.chapters.json", "02-second-thoughts.mp3", "02-second-thoughts.srt",
        "02-second-thoughts.vtt", "guide.chapters.json", "guide.m3u", "guide.mp3", "guide.srt", "guide.vtt"]
    job = _plan(book)
    expected = _expected_starts_ms(book, job)
    vtt1 = (out / "01-first-steps.vtt").read_text()
    # The head room tone in whole MP3 frames (narrate.package.grid): 0.75 s is 33,408 samples at 44.1 kHz.
    head_ms = Layout(44100).head(round(job.book.profile.head_s * 44100)) * 1000 / 44100
    assert vtt1.startswith(f"WEBVTT\n\n1\n00:00:00.{round(head_ms):03d} --> ")
    # Written text, one cue per sentence: "SQL" as written, never the lexicon's "sequel".
    texts = [block.split("\n")[2] for block in vtt1.split("\n\n")[1:] if block.strip()]
    assert texts == ["First Steps", "This is the first chapter.", "It uses SQL &amp; more.", "A Section",
                     "Short line here.", "Another one follows, and it is a little longer than the others."]
    for i, name in enumerate(["01-first-steps", "02-second-thoughts"]):
        starts_vtt = _cue_starts((out / f"{name}.vtt").read_text(), r"\.")
        starts_srt = _cue_starts((out / f"{name}.srt").read_text(), ",")
        assert starts_vtt == starts_srt and len(starts_vtt) == len(expected[i])
        for cue, real in zip(starts_vtt, expected[i], strict=True):
            assert abs(cue - real) <= 1, (name, cue, real)  # exact, to the millisecond the format shows
        onsets = _speech_onsets_ms(out / f"{name}.mp3")  # the encoded audio itself
        for cue in starts_vtt:  # speech starts within 50 ms after the cue, never before it
            assert any(0 <= o - cue <= 50 for o in onsets), (name, cue, onsets)
    # Whole book: chapter 2's cues shifted by chapter 1's length, as in the book MP3 (where only the
    # first chapter opens with the head room tone).
    lock = json.loads((book / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["guide"]
    second = lock["chapters"][1][1]
    book_starts = _cue_starts((out / "guide.vtt").read_text(), r"\.")
    assert len(book_starts) == 9
    assert [abs(b - (second + e - head_ms)) <= 50 for b, e in zip(book_starts[6:], expected[1], strict=True)] == [True] * 3
    onsets = _speech_onsets_ms(out / "guide.mp3")
    assert [any(0 <= o - cue <= 50 for o in onsets) for cue in book_starts] == [True] * 9, (str(book_starts), str(onsets))
    chapters = json.loads((out / "guide.chapters.json").read_text())
    assert chapters == {"version": "1.2.0", "chapters": [{"startTime": 0.0, "title": "First Steps"},
                                                         {"startTime": second / 1000, "title": "Second Thoughts"}]}
    sections = json.loads((out / "01-first-steps.chapters.json").read_text())["chapters"]
    assert [c["title"] for c in sections] == ["First Steps", "A Section"]
    assert abs(sections[1]["startTime"] * 1000 - expected[0][3]) <= 1


@pytest.mark.slow
def test_unchanged_rebuild_rewrites_no_transcript_and_an_edit_rewrites_its_chapter(book):
    assert narrate_in("build", "book.yaml", cwd=book).returncode == 0
    out = book / "out" / "guide"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    again = json.loads(narrate_in("build", "--json", "book.yaml", cwd=book).stdout)
    assert again["outputs_written"] == 0
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()} == before
    # A deleted caption comes back from the spans on record, byte for byte, with no audio re-encoded.
    (out / "guide.vtt").unlink()
    (out / "01-first-steps.srt").unlink()
    done = json.loads(narrate_in("build", "--json", "book.yaml", cwd=book).stdout)
    assert sorted(done["written"]) == ["out/guide/01-first-steps.srt", "out/guide/guide.vtt"]
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir() if p.suffix == ".mp3"} == \
        {name: v for name, v in before.items() if name.endswith(".mp3")}
    assert (out / "guide.vtt").read_bytes() == before["guide.vtt"][0]
    assert (out / "01-first-steps.srt").read_bytes() == before["01-first-steps.srt"][0]
    (book / "ch" / "02-two.md").write_text(CH2.replace("final line", "last line"))
    edited = json.loads(narrate_in("build", "--json", "book.yaml", cwd=book).stdout)
    assert edited["synthesized"] == 1
    assert "out/guide/01-first-steps.vtt" not in edited["written"]
    assert "And a last line." in (out / "02-second-thoughts.vtt").read_text()
    assert "And a last line." in (out / "guide.srt").read_text()


@pytest.mark.slow
def test_transcripts_added_to_a_built_book_need_no_reencode(book):
    (book / "book.yaml").write_text(BOOK.replace("    transcripts: {}\n", ""))
    assert narrate_in("build", "book.yaml", cwd=book).returncode == 0
    out = book / "out" / "guide"
    mp3s = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp3")}
    (book / "book.yaml").write_text(BOOK.replace("transcripts: {}", "transcripts: {formats: [srt]}"))
    done = json.loads(narrate_in("build", "--json", "book.yaml", cwd=book).stdout)
    assert sorted(done["written"]) == ["out/guide/01-first-steps.srt", "out/guide/02-second-thoughts.srt",
                                       "out/guide/guide.srt"]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp3")} == mp3s
    assert (out / "guide.srt").read_text().startswith("1\n00:00:00,758 --> ")  # 0.75 s in whole MP3 frames
    (book / "book.yaml").write_text(BOOK.replace("    transcripts: {}\n", ""))
    removed = json.loads(narrate_in("build", "--json", "book.yaml", cwd=book).stdout)
    assert sorted(removed["removed"]) == ["out/guide/01-first-steps.srt", "out/guide/02-second-thoughts.srt",
                                          "out/guide/guide.srt"]


# ---------------------------------------------------------------- word timings (ElevenLabs with-timestamps)

VOICE = "21m00Tcm4TlvDq8ikWAM"
LEAD_S = 0.3  # each fake response: 0.3 s of silence, then a tone under the words


def _alignment(text: str) -> dict:
    """Per-character times: 0.1 s per character from LEAD_S, spaces included (as ElevenLabs returns)."""
    starts = [round(LEAD_S + 0.1 * i, 3) for i in range(len(text))]
    return {"characters": list(text), "character_start_times_seconds": starts,
            "character_end_times_seconds": [round(s + 0.1, 3) for s in starts]}


def test_word_cues_from_elevenlabs_timestamps(tmp_path, monkeypatch):
    import base64

    import httpx

    from narrate.build import build
    from narrate.providers.elevenlabs import words_from_alignment

    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk-test-key")
    paths = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        text = json.loads(request.content)["text"]
        t = np.arange(int((0.1 * len(text) + 1.5) * 24000)) / 24000
        tone = (np.sin(2 * np.pi * 220 * t) * 10000).astype("<i2")
        lead = np.arange(int(LEAD_S * 24000)) / 24000
        hush = (np.sin(2 * np.pi * 220 * lead) * 8).astype("<i2")  # about -72 dBFS: below the trim threshold
        audio = np.concatenate([hush, tone]).tobytes()
        return httpx.Response(200, json={"audio_base64": base64.b64encode(audio).decode(),
                                         "alignment": _alignment(text)})

    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "one.md").write_text("# Rivers\n\nRivers start small. Use SQL daily.\n")
    (tmp_path / "book.yaml").write_text(
        "version: 1\nlexicon:\n  SQL: sequel\nproviders:\n  el:\n    kind: elevenlabs\n    options: {timestamps: true}\n"
        f"books:\n  b:\n    provider: el\n    voice: {VOICE}\n    sources: ch/*.md\n    output: out\n"
        "    formats: [chapters]\n    transcripts: {formats: [vtt], cues: word}\n")
    cache = SegmentCache(tmp_path / ".narrate-cache")
    try:
        report = build(load_manifest(tmp_path / "book.yaml"), cache, transport=httpx.MockTransport(handler))
        assert report.errors == []
        job = _plan(tmp_path)
        stored = [cache.get(k).meta.get("words") for k, _ in job.chapters[0].units]
    finally:
        cache.close()
    assert set(paths) == {f"/v1/text-to-speech/{VOICE}/with-timestamps"}
    assert stored[1] == [["Rivers", 0.3, 0.9], ["start", 1.0, 1.5], ["small.", 1.6, 2.2]]
    lock = json.loads((tmp_path / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["b"]
    spans = lock["spans"][0]
    vtt = (tmp_path / "out" / "01-rivers.vtt").read_text()
    starts = _cue_starts(vtt, r"\.")
    texts = [block.split("\n")[2] for block in vtt.split("\n\n")[1:] if block.strip()]
    # Trimming keeps 20 ms before the first loud 10 ms frame: the unit starts 20 ms before LEAD_S.
    head_ms = LEAD_S * 1000 - 20

    def at(unit: int, seconds: float) -> int:
        return round(spans[2 * unit] * 1000 / lock["rate"] + seconds * 1000 - head_ms)

    # "Use SQL daily." was respelled ("Use sequel daily."): the provider's words are not what the
    # author wrote, so that sentence keeps one cue with the written text.
    assert texts == ["Rivers", "Rivers", "start", "small.", "Use SQL daily."]
    assert starts == [at(0, 0.3), at(1, 0.3), at(1, 1.0), at(1, 1.6), round(spans[4] * 1000 / lock["rate"])]
    assert words_from_alignment({"characters": ["a"], "character_start_times_seconds": []}) is None


def test_a_deleted_caption_is_rewritten_from_the_lock_without_streaming_audio(book, monkeypatch):
    import narrate.package.assemble as assemble

    assert narrate_in("build", "book.yaml", cwd=book).returncode == 0
    out = book / "out" / "guide"
    entry = json.loads((book / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["guide"]
    vtt = (out / "guide.vtt").read_bytes()
    (out / "guide.vtt").unlink()
    calls = []
    real = assemble.unit_pcm
    monkeypatch.setattr(assemble, "unit_pcm", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    cache = SegmentCache(book / ".narrate-cache")
    try:
        again, written = assemble.build_book(_plan(book), cache, book, previous=entry)
    finally:
        cache.close()
    assert written == ["out/guide/guide.vtt"] and (out / "guide.vtt").read_bytes() == vtt
    assert calls == []  # nothing streamed, nothing decoded: lengths and spans come from the lock
    assert json.loads(json.dumps(again)) == entry
