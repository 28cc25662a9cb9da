"""Reports: JUnit XML for CI, and the HTML review page, loaded in headless Chromium."""

from __future__ import annotations

import html.parser
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import narrate, snapshot

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
        elif tag == "button" and dict(attrs).get("class") == "play":
            self.sources.append(dict(attrs)["data-src"])

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
    before = snapshot(built)
    done = narrate("report", "m.yaml", cwd=built)
    page_path = built / "out" / "review" / "review.html"  # beside the first library's output folder
    assert done.returncode == 0 and done.stdout == f"{page_path}: 6 recordings\n", done.stderr
    after = snapshot(built)
    assert {k for k in after if k not in before} == {
        "out/review", "out/review/report-audio", "out/review/review.html", "out/review/review.state.json",
        *(f"out/review/{s}" for s in _sources(page_path) if s.startswith("report-audio/"))}
    assert all(after[k] == v for k, v in before.items())  # the manifest's folder and the outputs untouched
    page = page_path.read_text()
    assert "Welcome to &lt;Shop&gt; &amp; &quot;friends&quot;." in page  # escaped, not markup
    assert "Q&amp;A" in page
    parser = _Rows()
    parser.feed(page)
    rows = {r[2]: r for r in parser.rows if r}
    assert set(rows) == {"welcome", "goodbye", "hold", "hola", "01", "02"}
    welcome = rows["welcome"]
    assert welcome[:5] == ["new", "shop", "welcome", "en-US", 'Welcome to <Shop> & "friends".']
    assert welcome[5] == 'Welcome to Shop and "friends".'  # the spoken form beside it
    assert float(welcome[6]) > 0.5
    for name in ("welcome", "hold", "hola"):  # prompts are normalised towards -26 dBov: not flagged
        assert -28 <= float(rows[name][7]) <= -24 and rows[name][9] == "", rows[name]
        assert -12 < float(rows[name][8]) < -3, rows[name]  # peak in dBFS, under the -3 limit (G.711 rounds)
    assert rows["hola"][3] == "es-US" and 'lang="es-US">Hola y bienvenidos.<' in page
    # books follow their profile (audiobook: -23..-18 dB RMS for the file), never the telephony -26 dBov
    assert rows["01"][1] == "book guide" and rows["01"][4] == "Q&A" and -21 < float(rows["01"][7]) < -16
    assert rows["01"][9] == rows["02"][9] == ""  # within the audiobook profile's -23..-18 dB RMS
    assert page.count('<svg class="wave"') == 6
    assert "every recording counts as new" in page
    assert len(parser.sources) == 6
    for src in parser.sources:
        assert (page_path.parent / src).is_file(), src
    assert sum(s.endswith(".wav16") for s in parser.sources) == 2  # PCM outputs play as they are
    assert sum(s.endswith(".mp3") for s in parser.sources) == 2  # chapter files too
    previews = [s for s in parser.sources if s.startswith("report-audio/")]
    assert len(previews) == 2  # mu-law WAV and headerless sln16 get PCM WAV previews
    from narrate.audio.decode import decode_wav

    assert {decode_wav((page_path.parent / s).read_bytes()).rate for s in previews} == {8000, 16000}


def _sources(page: Path) -> list[str]:
    parser = _Rows()
    parser.feed(page.read_text())
    return parser.sources


def test_report_to_a_path_given_keeps_its_audio_beside_it(built, tmp_path):
    target = tmp_path / "pages" / "index.html"
    done = narrate("report", "m.yaml", "-o", str(target), cwd=built)
    assert done.returncode == 0 and done.stdout == f"{target}: 6 recordings\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["index.html", "index.state.json", "report-audio"]
    assert len(list((target.parent / "report-audio").iterdir())) == 2
    assert all((target.parent / s).is_file() for s in _sources(target))


def test_junit_report_names_failures(tmp_path):
    providers = "providers:\n  down:\n    kind: openai\n    base_url: http://127.0.0.1:9/v1\n    max_attempts: 1\n"
    (tmp_path / "m.yaml").write_text(MANIFEST.split("books:")[0].replace("version: 1\n", "version: 1\n" + providers).replace(
        "    formats: [ulaw, wav16]\n", "    formats: [ulaw, wav16]\n    provider: down\n    voice: alloy\n"))
    done = narrate("build", "--report", "junit.xml", "m.yaml", cwd=tmp_path)
    assert done.returncode == 1
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    suite = suites.find("testsuite")
    assert suite.get("name") == "m.yaml"
    failed = {(c.get("classname"), c.get("name")) for c in suite.iter("testcase") if c.find("failure") is not None}
    assert {owner for owner, _ in failed} == {"shop/en-US/welcome", "shop/en-US/goodbye"}
    assert suite.get("failures") == str(len(failed)) and len(failed) == 4  # each prompt's two files
    message = next(c.find("failure").get("message") for c in suite.iter("testcase") if c.find("failure") is not None)
    assert "[down," in message and "Connection refused" in message
    # The espeak library still built: failures do not stop the others.
    assert (tmp_path / "out" / "connect" / "mulaw-wav" / "en-US" / "hold.wav").is_file()
