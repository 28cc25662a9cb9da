"""The review page in headless Chromium, driven over the DevTools protocol (CDP) on a pipe
(`--remote-debugging-pipe`: no port, no websocket library): filters, search, players, screenshot.

Skipped only when chromium is missing and `CI` is not set; in CI a missing chromium fails.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import assert_clean_failure, copy_of, narrate, narrate_in, snapshot

REPO = Path(__file__).resolve().parent.parent
ARTIFACT = REPO / "output" / "ci-artifacts" / "review.png"  # ignored by git; CI keeps it (docs/ci.md)
CHROMIUM = shutil.which("chromium")


class Browser:
    """Headless Chromium with CDP over fds 3 (commands in) and 4 (replies out), NUL-separated JSON."""

    def __init__(self, profile: Path) -> None:
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()

        def onto_3_and_4() -> None:  # in the child, before exec: the fds chromium reads and writes
            os.dup2(cmd_r, 3)
            os.dup2(res_w, 4)

        assert CHROMIUM is not None
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=onto_3_and_4, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(res_w)
        self._buf = b""
        self._id = 0
        self.session: str | None = None

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
        """One command's result; events are skipped. Fails on a CDP error or after `timeout` s."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if self.session and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" not in self._buf:
                left = deadline - time.monotonic()
                assert left > 0, f"no reply to {method} in {timeout} s"
                if select.select([self._res_r], [], [], left)[0]:
                    chunk = os.read(self._res_r, 1 << 20)
                    assert chunk, "chromium closed the pipe"
                    self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                assert "error" not in reply, reply["error"]
                return reply.get("result", {})

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 900, "deviceScaleFactor": 1,
                                                         "mobile": False})
        self.send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'")

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.js(expression):
            assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
            time.sleep(0.1)

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):  # already gone: nothing to close
            self.send("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # our own child, by its handle
            self.proc.wait(timeout=10)
        os.close(self._cmd_w)
        os.close(self._res_r)


def require_chromium(chromium: str | None, env: dict[str, str]) -> None:
    """Skip without chromium on a workstation; in CI (`CI` set) a missing chromium is a failure."""
    if chromium is None:
        if env.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run installs Debian's chromium; the review page test must run")
        pytest.skip("needs Debian's chromium (apt-get install chromium); CI installs it")


def test_browser_test_never_skips_in_ci():
    with pytest.raises(pytest.fail.Exception, match="chromium is missing in CI"):
        require_chromium(None, {"CI": "true"})
    with pytest.raises(pytest.skip.Exception):
        require_chromium(None, {})
    require_chromium("/usr/bin/chromium", {"CI": "true"})  # present: runs


@pytest.fixture
def browser(tmp_path):
    require_chromium(CHROMIUM, dict(os.environ))
    b = Browser(tmp_path / "chromium-profile")
    try:
        yield b
    finally:
        b.close()


MANIFEST = """\
version: 1
libraries:
  shop:
    output: out/shop
    formats: [ulaw, wav16]
    languages: {en-US: {voice: en-us, path: en}}
    prompts:
      welcome: Welcome to <Shop> & "friends".
      goodbye: Goodbye.
      wait: Please wait. <break time="2s"/> Thank you for waiting.
  loud:
    output: out/loud
    formats: [wav16]
    level: {target_dbov: -8, peak_dbfs: -0.1}
    languages: {en-US: en-us}
    prompts:
      alarm: Attention please.
  wide:
    output: out/wide
    formats: [sln16]
    languages: {es-US: {voice: es-419, path: es}}
    prompts:
      hola: Hola y bienvenidos.
books:
  guide:
    title: Guide
    sources: ch/*.md
    language: en-US
    voice: en-us
    level: false
    formats: [chapters]
    output: out/guide
"""


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    root = tmp_path_factory.mktemp("review") / "project"
    (root / "ch").mkdir(parents=True)
    (root / "m.yaml").write_text(MANIFEST)
    (root / "ch" / "01-start.md").write_text("# Q&A <first>\n\nThis is the first chapter. It is short.\n")
    (root / "ch" / "02-end.md").write_text("# The end\n\nThat is all.\n")
    done = narrate("-q", "build", "m.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def built(built_once, tmp_path):
    """A fresh copy of the project built once (prompts and a book), for a test that changes it."""
    return copy_of(built_once, tmp_path)


VISIBLE = "[...document.querySelectorAll('tbody tr')].filter(r => !r.hidden && r.offsetParent !== null)" \
          ".map(r => r.dataset.library + '/' + r.dataset.language + '/' + r.children[2].textContent)"


def choose(browser: Browser, select_id: str, value: str) -> list[str]:
    """Pick `value` in a filter as a user does (the select's value, then its change event)."""
    browser.js(f"(() => {{ const s = document.getElementById({json.dumps(select_id)}); s.value = {json.dumps(value)};"
               f" s.dispatchEvent(new Event('change')); }})()")
    return sorted(browser.js(VISIBLE))


def search(browser: Browser, text: str) -> list[str]:
    browser.js(f"(() => {{ const s = document.getElementById('f-search'); s.value = {json.dumps(text)};"
               f" s.dispatchEvent(new Event('input')); }})()")
    return sorted(browser.js(VISIBLE))


ALL = ["book guide/en-US/01", "book guide/en-US/02", "loud/en-US/alarm", "shop/en-US/goodbye",
       "shop/en-US/wait", "shop/en-US/welcome", "wide/es-US/hola"]


@pytest.mark.slow
def test_review_page_in_headless_chromium(built, browser, tmp_path):
    # A first page, then an edit and a rebuild: the second page marks the one row that changed.
    assert narrate_in("report", "m.yaml", cwd=built).returncode == 0
    manifest = built / "m.yaml"
    manifest.write_text(MANIFEST.replace("goodbye: Goodbye.", "goodbye: Goodbye, and thank you."))
    assert narrate_in("-q", "build", "m.yaml", cwd=built).returncode == 0
    done = narrate_in("report", "m.yaml", cwd=built)
    assert done.returncode == 0 and done.stdout == f"{built / 'out' / 'review' / 'review.html'}: 7 recordings\n"
    browser.open((built / "out" / "review" / "review.html").as_uri())  # file://: offline, opened from disk
    assert sorted(browser.js(VISIBLE)) == ALL
    assert browser.js("document.getElementById('shown').textContent") == "7 of 7 shown"

    # Every row's audio loads in the page's one player: metadata read, a duration above zero.
    players = browser.js("""(async () => {
        const player = document.getElementById("player"), out = [];
        for (const b of document.querySelectorAll("button.play")) {
          player.src = b.dataset.src;
          await new Promise(ok => { player.addEventListener("loadedmetadata", ok, {once: true});
                                    player.addEventListener("error", ok, {once: true}); player.load(); });
          out.push([b.dataset.src, player.readyState, player.duration]);
        }
        return out; })()""")
    assert len(players) == 7
    assert all(state >= 1 and duration > 0 for _src, state, duration in players), players
    assert sorted(src.split("/")[0] for src, _s, _d in players) == [".."] * 6 + ["report-audio"]  # sln16: a preview

    # Filters: a language, then a status on top of it, then a library; back to all.
    assert choose(browser, "f-language", "es-US") == ["wide/es-US/hola"]
    assert choose(browser, "f-language", "en-US") == [r for r in ALL if r != "wide/es-US/hola"]
    assert choose(browser, "f-status", "changed") == ["shop/en-US/goodbye"]
    assert browser.js("[...document.querySelectorAll('tbody tr')].filter(r => !r.hidden)[0].children[0].textContent") \
        == "changedtext and audio"
    assert browser.js("document.getElementById('shown').textContent") == "1 of 7 shown"
    assert choose(browser, "f-status", "flagged") == ["loud/en-US/alarm", "shop/en-US/wait"]
    assert choose(browser, "f-language", "es-US") == []
    assert choose(browser, "f-language", "") == ["loud/en-US/alarm", "shop/en-US/wait"]
    assert choose(browser, "f-status", "all") == ALL
    assert choose(browser, "f-library", "shop") == ["shop/en-US/goodbye", "shop/en-US/wait", "shop/en-US/welcome"]
    assert choose(browser, "f-library", "") == ALL

    # Search: the written text, the spoken form, names; case does not matter.
    assert search(browser, "AND THANK") == ["shop/en-US/goodbye"]
    assert search(browser, "thank you") == ["shop/en-US/goodbye", "shop/en-US/wait"]
    assert search(browser, "alarm") == ["loud/en-US/alarm"]  # a name
    assert search(browser, "shop and") == ["shop/en-US/welcome"]  # the spoken form ("Shop and ...")
    assert search(browser, "hola") == ["wide/es-US/hola"]
    assert search(browser, "nothing like this") == []
    assert browser.js("document.getElementById('shown').textContent") == "0 of 7 shown"
    assert search(browser, "") == ALL

    # A waveform per row, drawn inline.
    assert browser.js("document.querySelectorAll('tbody tr svg.wave path').length") == 7

    shot = base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
                            ["data"])
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000
    kept = tmp_path / "review.png"
    kept.write_bytes(shot)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kept, ARTIFACT)
    assert ARTIFACT.read_bytes() == shot


# Units: what the page measures and how it marks changes (exact values).

def _tone(seconds: float, amplitude: float, rate: int = 8000):
    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def _pcm(*parts):
    import numpy as np

    from narrate.audio.pcm import Pcm

    return Pcm(np.concatenate(parts), 8000)


def _zeros(seconds: float):
    import numpy as np

    return np.zeros(int(seconds * 8000), dtype=np.int16)


def test_long_internal_silence_is_measured_and_lead_and_trail_are_not():
    from narrate.audio.inspect import Inspection, inspect

    loud = _tone(0.5, 0.95)
    # The level is the file's own: P.56 counts 0.2 s of hangover after each tone (-4.5 dBov without the last).
    assert inspect(_pcm(_zeros(2), loud, _zeros(1.6), loud, _zeros(1))) == Inspection(-5.4, -0.4, 1.6, 2.5)
    assert inspect(_pcm(_zeros(2), loud, _zeros(3))).pause_s == 0.0  # lead and trail only
    # A quiet sound (-43 dBov, above the -50 trim threshold) in the middle splits the silence in two.
    split = _pcm(loud, _zeros(1.4), _tone(0.5, 0.01), _zeros(1.4), loud)
    assert (inspect(split).pause_s, inspect(split).pause_at_s) == (1.4, 0.5)
    assert inspect(split, threshold_dbov=-30).pause_s == 3.3  # with a higher threshold it is silence
    assert inspect(_pcm(_zeros(1))) == Inspection(None, None, 0.0, None)


def test_level_of_a_short_prompt_is_the_files_own():
    """The page shows the level a platform measures on the file, padding and all: P.56's 0.2 s
    hangover counts the first 0.2 s of the 0.25 s trail padding as speech. The build levels each
    prompt with that padding (narrate.package.render), so a built word reads its target here."""
    from narrate.audio.inspect import inspect
    from narrate.audio.level import active_level_dbov

    word = _tone(0.3, 0.5)  # RMS -9.0 dBov
    padded = _pcm(_zeros(0.05), word, _zeros(0.25))
    assert round(active_level_dbov(padded), 1) == -11.5  # the whole file, padding and all
    assert inspect(padded).level_dbov == -11.5


def test_flags_name_level_peak_and_silence():
    from narrate.manifest.resolved import Level, Settings
    from narrate.review import _measure

    row: dict = {}
    loud = _tone(0.5, 0.95)
    _measure(row, _pcm(loud, _zeros(1.6), loud), Settings())
    assert row["flags"] == ["level -4.4 dBov, target -26 \u00b12", "peak -0.4 dBFS, near clipping (above -1)",
                            "silence of 1.6 s at 0.5 s (over 1.5 s)"]
    assert (row["level"], row["peak"], row["target"], len(row["wave"])) == (-4.4, -0.4, -26.0, 120)
    half = _pcm(_tone(1, 0.5))  # a sine at half scale: RMS -9.0 dBov, peak -6.0 dBFS
    _measure(row, half, Settings(level=Level(target_dbov=-7)))  # 1.9 dB off: within
    assert (row["level"], row["peak"], row["flags"]) == (-8.9, -6.0, [])
    _measure(row, half, Settings(level=Level(target_dbov=-11)))  # 2.1 dB off
    assert row["flags"] == ["level -8.9 dBov, target -11 \u00b12"]
    _measure(row, half, Settings(level=Level(enabled=False)))  # level: false has no target
    assert row["flags"] == [] and row["target"] is None
    _measure(row, None, None)
    assert row["flags"] == ["no sound (silent or unreadable)"] and row["wave"] == []


def test_book_files_are_flagged_against_their_profile():
    from narrate.audio.profiles import AUDIOBOOK, PODCAST
    from narrate.manifest.resolved import Settings
    from narrate.review import _measure

    row: dict = {}
    _measure(row, _pcm(_tone(1, 0.5)), Settings(), AUDIOBOOK)  # RMS -9.0 dB: far above ACX's -23..-18
    assert row["flags"] == ["file RMS -9 dB, audiobook profile -23 to -18"] and row["target"] is None
    _measure(row, _pcm(_tone(1, 0.1)), Settings(), AUDIOBOOK)  # RMS -23.0 dB: at the edge, accepted
    assert row["flags"] == []
    _measure(row, _pcm(_tone(1, 0.5)), Settings(), PODCAST)  # LUFS: left to `narrate check`
    assert row["flags"] == []


def test_changes_are_marked_against_the_page_before_the_latest_build(tmp_path):
    from narrate.review import mark_changes, state_path

    page = tmp_path / "review.html"

    def report(digests: dict[str, str]) -> tuple[bool, list[str], dict[str, str]]:
        rows = [{"key": k, "digest": d} for k, d in digests.items()]
        had, gone, state = mark_changes(rows, page)
        state_path(page).write_bytes(state)
        return had, gone, {r["key"]: r["status"] + (f" ({r['what_changed']})" if r["what_changed"] else "")
                           for r in rows}

    assert report({"a": "t1:a1", "b": "t2:a2"}) == (False, [], {"a": "new", "b": "new"})
    assert report({"a": "t1:a1", "b": "t2:a2"}) == (False, [], {"a": "new", "b": "new"})  # no build between
    after = {"a": "t1:a1", "b": "t2:a3", "c": "t4:a4", "d": "t5:a5"}
    marks = {"a": "unchanged", "b": "changed (audio)", "c": "new", "d": "new"}
    assert report(after) == (True, [], marks)
    assert report(after) == (True, [], marks)  # again with no build between: the same marks
    assert report({"b": "t9:a3", "c": "t8:a8", "d": "t5:a5"}) == (
        True, ["a"], {"b": "changed (text)", "c": "changed (text and audio)", "d": "unchanged"})
    state_path(page).write_text("{not json")  # a damaged state costs the marks, not the page
    assert report({"b": "t9:a3"}) == (False, [], {"b": "new"})


def test_previews_no_longer_played_are_removed_and_nothing_else(tmp_path):
    from narrate.review import prune_previews

    audio = tmp_path / "report-audio"
    audio.mkdir()
    for name in ("0123456789abcdef0123.wav", "fedcba9876543210fedc.wav", "mine.wav"):
        (audio / name).write_bytes(b"x")
    assert prune_previews(tmp_path, {"report-audio/0123456789abcdef0123.wav"}) == 1
    assert sorted(p.name for p in audio.iterdir()) == ["0123456789abcdef0123.wav", "mine.wav"]


def test_page_escapes_every_text_in_rows_filters_and_search(tmp_path):
    from narrate.review_page import render_page

    evil = '"><script>alert(1)</script>'
    row = {"key": "k", "library": evil, "name": evil, "language": evil, "text": evil, "spoken": evil,
           "note": evil, "fallback_from": evil, "duration": 1.0, "src": 'a"b.wav', "level": None, "peak": None,
           "flags": [evil], "wave": [(-0.5, 0.5)], "status": "changed", "what_changed": evil}
    page = render_page(evil, [row], False, [evil], tmp_path / "s.json")
    assert "<script>alert" not in page and page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 26
    assert 'data-src="a%22b.wav"' in page


# Hostile: the page's folder and state never lead out of where the page goes.

def test_review_folder_that_is_a_link_out_is_refused(built, tmp_path):
    away = tmp_path / "away"
    away.mkdir()
    (built / "out" / "review").symlink_to(away, target_is_directory=True)
    before = snapshot(tmp_path)
    done = narrate_in("report", "m.yaml", cwd=built)
    assert_clean_failure(done, 1, "error:", "review", "is a symlink to", "outside the output folder")
    assert snapshot(tmp_path) == before and list(away.iterdir()) == []


def test_state_file_that_is_a_link_out_is_refused(built, tmp_path):
    (built / "out" / "review").mkdir()
    keep = tmp_path / "keep.json"
    keep.write_text('{"narrate_review": 1, "shown": {}, "baseline": null}')
    (built / "out" / "review" / "review.state.json").symlink_to(keep)
    done = narrate_in("report", "m.yaml", cwd=built)
    assert_clean_failure(done, 1, "error:", "review.state.json", "outside the output folder")
    assert keep.read_text() == '{"narrate_review": 1, "shown": {}, "baseline": null}'


def test_report_before_any_build_says_so_and_writes_nothing(tmp_path):
    """An empty review page looked like a build that made nothing, with exit 0."""
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  s:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {en-US: en-us}\n    prompts:\n      a: Hello.\n")
    before = snapshot(tmp_path)
    done = narrate_in("report", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 1, "m.yaml: nothing built yet, so nothing to review: run `narrate build` first")
    assert snapshot(tmp_path) == before

