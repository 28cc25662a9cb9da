"""Reports: JUnit XML for CI, and the HTML review page, loaded in headless Chromium."""

from __future__ import annotations

import functools
import html.parser
import http.server
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

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
  connect:
    output: out/connect
    layout: flat
    formats: [mulaw-wav]
    languages: {en-US: en-us}
    prompts:
      hold: Please hold.
"""


def narrate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "narrate.cli", "-q", *args], cwd=cwd, capture_output=True, text=True)


class _Rows(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.sources: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "audio":
            self.sources.append(dict(attrs)["src"])

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def built(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    assert narrate("build", "m.yaml", cwd=tmp_path).returncode == 0
    return tmp_path


def test_html_review_page(built):
    done = narrate("report", "m.yaml", "-o", "review/index.html", cwd=built)
    assert done.returncode == 0 and "3 recordings" in done.stdout
    page = (built / "review" / "index.html").read_text()
    assert "Welcome to &lt;Shop&gt; &amp; &quot;friends&quot;." in page  # escaped, not markup
    parser = _Rows()
    parser.feed(page)
    rows = [r for r in parser.rows if r]
    assert {r[1] for r in rows} == {"welcome", "goodbye", "hold"}
    welcome = next(r for r in rows if r[1] == "welcome")
    assert welcome[3] == 'Welcome to <Shop> & "friends".' and float(welcome[4]) > 0.5
    assert -28 < float(welcome[5]) < -24  # the measured level is near the -26 dBov target
    for src in parser.sources:
        assert (built / "review" / src).is_file(), src
    assert any(s.endswith(".wav16") for s in parser.sources)  # PCM outputs play as they are
    assert any(s.startswith("report-audio/") for s in parser.sources)  # mu-law-only gets a PCM preview


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium (apt-get install chromium)")
def test_review_page_players_load_in_headless_chromium(built, tmp_path_factory):
    assert narrate("report", "m.yaml", "-o", "review.html", cwd=built).returncode == 0
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        profile = tmp_path_factory.mktemp("chromium-profile")
        url = f"http://127.0.0.1:{server.server_port}/review.html?selftest"
        done = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={profile}",
             "--virtual-time-budget=15000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
    assert "SELFTEST 3/3" in done.stdout, done.stdout[-500:] + done.stderr[-1500:]


def test_junit_report_names_failures(tmp_path):
    providers = "providers:\n  down:\n    kind: openai\n    base_url: http://127.0.0.1:9/v1\n    max_attempts: 1\n"
    (tmp_path / "m.yaml").write_text(MANIFEST.replace("version: 1\n", "version: 1\n" + providers).replace(
        "    formats: [ulaw, wav16]\n", "    formats: [ulaw, wav16]\n    provider: down\n    voice: alloy\n"))
    done = narrate("build", "--report", "junit.xml", "m.yaml", cwd=tmp_path)
    assert done.returncode == 1
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    suite = suites.find("testsuite")
    assert suite.get("failures") == "2" and suite.get("name") == "m.yaml"
    failed = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert failed == {"shop/en-US/welcome", "shop/en-US/goodbye"}
    message = next(c.find("failure").get("message") for c in suite.iter("testcase") if c.find("failure") is not None)
    assert "[down," in message and "Connection refused" in message
    # The espeak library still built: failures do not stop the others.
    assert (tmp_path / "out" / "connect" / "mulaw-wav" / "en-US" / "hold.wav").is_file()
