"""The review page at scale and against hostile input: one player for the page (Chromium allows
1,000 media players a page), small waveforms, a hand-edited lock, two pages sharing a folder."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import assert_clean_failure, narrate_in
from test_review_page import CHROMIUM, Browser, require_chromium


@pytest.fixture
def browser(tmp_path):
    require_chromium(CHROMIUM, dict(os.environ))
    b = Browser(tmp_path / "chromium-profile")
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def built(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  shop:\n    output: out/shop\n    formats: [wav16]\n"
                                     "    languages: {en-US: en-us}\n    prompts: {welcome: Welcome.}\n")
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    return tmp_path


# A large library: one player for the page, not one per row.

def _rows_playing(src: str, n: int) -> list[dict[str, Any]]:
    return [{"key": f"lib/en-US/p{i}", "library": "lib", "name": f"p{i}", "language": "en-US", "text": f"Prompt {i}.",
             "spoken": None, "note": None, "fallback_from": None, "duration": 0.5, "src": src, "level": -26.0,
             "peak": -9.0, "flags": [], "wave": [(-0.1, 0.1)] * 120, "status": "new", "what_changed": None}
            for i in range(n)]


def test_page_has_one_player_whatever_the_number_of_rows(tmp_path):
    """Chromium makes at most 1,000 media players a page: with an <audio> per row, rows 1,001 on of
    a 5,000-prompt page would not play (measured: 1,000 loaded, 4,000 in error, MEDIA_ERR 4), and the
    page took 40 s to become usable. Each row has a play button; one player plays what is chosen."""
    from narrate.review_page import render_page

    page = render_page("m.yaml", _rows_playing("../a b/x#1.wav", 3), False, [], tmp_path / "s.json")
    assert page.count("<audio") == 1 and 'id="player"' in page
    assert page.count('<button type="button" class="play" data-src="../a%20b/x%231.wav"') == 3


@pytest.mark.slow
def test_every_row_of_a_large_page_plays_in_chromium(browser, tmp_path):
    import numpy as np

    from narrate.audio.encode import wav_bytes
    from narrate.audio.pcm import Pcm
    from narrate.review_page import render_page

    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "tone.wav").write_bytes(wav_bytes(Pcm(np.full(8000, 1000, np.int16), 16000)))
    (tmp_path / "review").mkdir()
    page = tmp_path / "review" / "review.html"
    page.write_text(render_page("m.yaml", _rows_playing("../audio/tone.wav", 1200), False, [], tmp_path / "s.json"))
    browser.open(page.as_uri())
    played = browser.send("Runtime.evaluate", {"userGesture": True, "awaitPromise": True, "returnByValue": True,
                                               "expression": """(async () => {
        const player = document.getElementById("player"); player.muted = true;
        const out = [];
        for (const i of [0, 999, 1000, 1199]) {
          const button = document.querySelectorAll("button.play")[i];
          const started = new Promise(ok => player.addEventListener("playing", ok, {once: true}));
          button.click();
          await Promise.race([started, new Promise(ok => setTimeout(ok, 10000))]);
          out.push([i, player.paused, player.duration, player.error && player.error.code,
                    button.closest("tr").classList.contains("playing")]);
        }
        return out; })()"""})["result"]["value"]
    assert played == [[i, False, 0.5, None, True] for i in (0, 999, 1000, 1199)]
    assert browser.js("document.querySelectorAll('tr.playing').length") == 1


def test_waveform_is_drawn_in_whole_pixels_with_relative_moves():
    """The waveform was 78% of the page (12 MB for 5,000 prompts: 'M0.5 9.3V18.7' per column, with
    absolute coordinates to a tenth of a pixel); relative moves in whole pixels draw the same
    strokes in about half the bytes."""
    from narrate.review_page import _wave

    svg = _wave([(-0.25, 0.25), (-0.125, 0.0), (0.0, 0.0), (-0.5, 0.125)])
    # gain 2 (1 / the largest excursion, 0.5); mid 14 of 28 px: 0.25 -> 7 px, 0.125 -> 3.5 -> 4 (even)
    assert 'viewBox="0 0 4 28"' in svg and 'width="120" height="28"' in svg
    assert '<path d="M.5 7v14m1-7v4m1-4v1m1-5v18"/>' in svg  # a silent column: one pixel
    import random

    rng = random.Random(5)
    wave = [(-rng.random() * 0.3, rng.random() * 0.3) for _ in range(120)]
    assert len(_wave(wave)) < 1_100  # was 1,860 bytes


@pytest.mark.parametrize("key", ["shop", "shop/welcome", "/en-US/welcome", "shop//welcome", "shop/en-US/"])
def test_report_on_a_lock_with_a_prompt_key_narrate_never_writes_is_a_clear_error(built, key):
    """A hand-edited lock whose prompt key is not library/language/name was an internal error (exit 70,
    'ValueError: not enough values to unpack')."""
    lock = built / "narrate.lock"
    data = json.loads(lock.read_text())
    prompts = data["manifests"]["m.yaml"]["prompts"]
    prompts[key] = prompts["shop/en-US/welcome"]
    lock.write_text(json.dumps(data))
    done = narrate_in("report", "m.yaml", cwd=built)
    assert_clean_failure(done, 2, "narrate.lock:1:", f"manifests.m.yaml.prompts.{key}: expected a prompt key "
                         "library/language/name", "delete it or restore it from git")


def test_a_second_page_in_the_folder_keeps_the_first_pages_previews(tmp_path):
    """`report a.yaml -o review/a.html` then `report b.yaml -o review/b.html`: the second page pruned
    the first one's WAV previews from the shared report-audio/, so a.html played nothing."""
    lib = "version: 1\nlibraries:\n  {n}:\n    output: out/{n}\n    formats: [ulaw]\n" \
          "    languages: {{en-US: en-us}}\n    prompts: {{hello: {text}}}\n"
    (tmp_path / "a.yaml").write_text(lib.format(n="a", text="Hello there."))
    (tmp_path / "b.yaml").write_text(lib.format(n="b", text="Welcome."))
    assert narrate_in("-q", "build", "a.yaml", "b.yaml", cwd=tmp_path).returncode == 0
    review = tmp_path / "review"
    for name in ("a", "b", "a", "b"):  # each page rewritten while the other stands
        assert narrate_in("report", f"{name}.yaml", "-o", f"review/{name}.html", cwd=tmp_path).returncode == 0
    plays = {name: re.findall(r'data-src="([^"]+)"', (review / f"{name}.html").read_text()) for name in ("a", "b")}
    assert all(len(srcs) == 1 and srcs[0].startswith("report-audio/") for srcs in plays.values())
    assert sorted(p.name for p in (review / "report-audio").iterdir()) == sorted(
        Path(s[0]).name for s in plays.values())  # both pages' previews, nothing else
    (tmp_path / "b.yaml").write_text(lib.format(n="b", text="Welcome back."))
    assert narrate_in("-q", "build", "b.yaml", cwd=tmp_path).returncode == 0
    assert narrate_in("report", "b.yaml", "-o", "review/b.html", cwd=tmp_path).returncode == 0
    now = re.findall(r'data-src="([^"]+)"', (review / "b.html").read_text())
    assert sorted(p.name for p in (review / "report-audio").iterdir()) == sorted(
        [Path(plays["a"][0]).name, Path(now[0]).name])  # b's old preview went; a's stayed


def test_a_state_file_linked_outside_is_refused_before_the_page_is_written(tmp_path):
    """The refusal came after the page and its previews were written (exit 1, a page with no state
    beside it); refusals come before anything is written."""
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  shop:\n    output: out/shop\n    formats: [ulaw]\n"
                                     "    languages: {en-US: en-us}\n    prompts: {welcome: Welcome.}\n")
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    away = tmp_path / "away.json"
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.state.json").symlink_to(away)
    done = narrate_in("report", "m.yaml", "-o", "pages/p.html", cwd=tmp_path)
    assert_clean_failure(done, 1, "p.state.json is a symlink to", "outside the output folder")
    assert [p.name for p in (tmp_path / "pages").iterdir()] == ["p.state.json"] and not away.exists()
