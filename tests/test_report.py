"""Reports: JUnit XML for CI, and the HTML review page, loaded in headless Chromium."""

from __future__ import annotations

import functools
import html.parser
import http.server
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET

import pytest

from conftest import narrate

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
    formats: [chapters]
    output: out/guide
"""


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


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("built")
    (root / "m.yaml").write_text(MANIFEST)
    (root / "ch").mkdir()
    (root / "ch" / "01-start.md").write_text("# Q&A <first>\n\nThis is the first chapter. It is short.\n")
    (root / "ch" / "02-end.md").write_text("# The end\n\nThat is all.\n")
    done = narrate("build", "m.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def test_html_review_page(built):
    done = narrate("report", "m.yaml", "-o", "review/index.html", cwd=built)
    assert done.returncode == 0 and "6 recordings" in done.stdout
    page = (built / "review" / "index.html").read_text()
    assert "Welcome to &lt;Shop&gt; &amp; &quot;friends&quot;." in page  # escaped, not markup
    assert "Q&amp;A" in page
    parser = _Rows()
    parser.feed(page)
    rows = {r[1]: r for r in parser.rows if r}
    assert set(rows) == {"welcome", "goodbye", "hold", "hola", "01", "02"}
    welcome = rows["welcome"]
    assert welcome[3] == 'Welcome to <Shop> & "friends".' and float(welcome[4]) > 0.5
    for name in ("welcome", "hold", "hola"):  # prompts are normalised towards -26 dBov
        assert -28.5 < float(rows[name][5]) < -23.5, rows[name]
    assert rows["hola"][2] == "es-US" and 'lang="es-US">Hola y bienvenidos.<' in page
    # books follow their profile (audiobook: -23..-18 dB RMS for the file), never the telephony -26 dBov
    assert rows["01"][0] == "book guide" and rows["01"][3] == "Q&A" and -21 < float(rows["01"][5]) < -16
    assert len(parser.sources) == 6
    for src in parser.sources:
        assert (built / "review" / src).is_file(), src
    assert sum(s.endswith(".wav16") for s in parser.sources) == 2  # PCM outputs play as they are
    assert sum(s.endswith(".mp3") for s in parser.sources) == 2  # chapter files too
    previews = [s for s in parser.sources if s.startswith("report-audio/")]
    assert len(previews) == 2  # mu-law WAV and headerless sln16 get PCM WAV previews
    from narrate.audio.decode import decode_wav

    assert {decode_wav((built / "review" / s).read_bytes()).rate for s in previews} == {8000, 16000}


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
    assert "SELFTEST 6/6" in done.stdout, done.stdout[-500:] + done.stderr[-1500:]


def test_junit_report_names_failures(tmp_path):
    providers = "providers:\n  down:\n    kind: openai\n    base_url: http://127.0.0.1:9/v1\n    max_attempts: 1\n"
    (tmp_path / "m.yaml").write_text(MANIFEST.split("books:")[0].replace("version: 1\n", "version: 1\n" + providers).replace(
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
