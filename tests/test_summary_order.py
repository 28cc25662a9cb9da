"""A book's `order: SUMMARY.md`: every CommonMark link form gives a chapter (narrate.manifest.summary),
and a source the file does not link is reported, never dropped unsaid."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from narrate.manifest.resolve import summary_links

MANIFEST = """\
version: 1
books:
  bk:
    title: Bk
    author: T
    sources: 'ch/0*'
    order: ch/SUMMARY.md
    language: en-US
    voice: en-us
    formats: [chapters]
    output: out/bk
"""


def _links(tmp_path, text: str) -> list[str]:
    """summary_links of a SUMMARY.md holding `text`, as paths relative to its folder."""
    (tmp_path / "SUMMARY.md").write_text(text)
    return [str(p.relative_to(tmp_path.resolve())) for p in summary_links(tmp_path / "SUMMARY.md")]


@pytest.mark.parametrize(("text", "expected"), [
    ("- [Two](02%20two.md)\n", ["02 two.md"]),
    ("- [Three](<03.md>)\n", ["03.md"]),
    ("- [Spaced](<03 three.md>)\n", ["03 three.md"]),
    ("- [One](01.md#intro)\n", ["01.md"]),
    ("- [One](01.md?x=1#intro)\n", ["01.md"]),
    ('- [One](01.md "Title")\n', ["01.md"]),
    ("- [Four](04.MD)\n", ["04.MD"]),
    ("- [Five][five]\n\n[five]: sub/05.md\n", ["sub/05.md"]),
    ("- [Five]\n\n[five]: <05 five.md> 'Title'\n", ["05 five.md"]),
    ("- [Accent](caf%C3%A9.md)\n", ["café.md"]),
])
def test_link_forms(tmp_path, text, expected):
    assert _links(tmp_path, "# Summary\n\n" + text) == expected


def test_link_order_external_and_non_markdown_links(tmp_path):
    text = ("# Summary\n\n[Intro](00.md)\n\n- [Web](https://example.com/a.md)\n- [Host](//example.com/b.md)\n"
            "- [Mail](mailto:x@example.com)\n- [Pic](cover.png)\n- [Anchor](#top)\n"
            "  - [Nested](sub/02.md)\n- [Again](00.md#later)\n\n`[Code](not-a-link.md)`\n")
    assert _links(tmp_path, text) == ["00.md", "sub/02.md"]


def test_a_hostile_bracket_run_is_read_in_bounded_time(tmp_path):
    import time

    start = time.monotonic()  # unbounded, markdown-it takes about a minute on this (md_source.bound_brackets)
    assert _links(tmp_path, "- [One](01.md)\n" + "[a" * 200_000 + "\n\n- [Two](02%20two.md)\n") == ["01.md", "02 two.md"]
    assert time.monotonic() - start < 15


def _book(tmp_path, summary: str, files=("01.md", "02 two.md", "03.md")):
    (tmp_path / "ch").mkdir()
    for name in files:
        (tmp_path / "ch" / name).write_text(f"# {name}\n\nText of {name}.\n")
    (tmp_path / "ch" / "SUMMARY.md").write_text(summary)
    (tmp_path / "narrate.yaml").write_text(MANIFEST)


def _planned(tmp_path) -> list[str]:
    done = narrate_in("plan", "--json", "narrate.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return [name.removeprefix("books/bk/") for name in json.loads(done.stdout)["added"]]


def test_the_reported_book_builds_all_three_chapters(tmp_path):
    _book(tmp_path, "# Summary\n\n- [One](01.md)\n- [Two](02%20two.md)\n- [Three](<03.md>)\n")
    done = narrate_in("build", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    playlist = (tmp_path / "out" / "bk" / "bk.m3u").read_text()
    assert [line.split(",", 1)[1] for line in playlist.splitlines() if line.startswith("#EXTINF")] == [
        "01.md", "02 two.md", "03.md"]
    assert "warning" not in done.stderr


@pytest.mark.parametrize("summary", [
    "- [Three](03.md#intro)\n- [Two](<02 two.md> \"Two\")\n- [One](01.MD)\n",
    "- [Three][3]\n- [Two][2]\n- [One][1]\n\n[1]: 01.MD\n[2]: 02%20two.md\n[3]: ./03.md?v=2\n",
])
def test_every_link_form_orders_chapters_through_the_cli(tmp_path, summary):
    _book(tmp_path, "# Summary\n\n" + summary, files=("01.MD", "02 two.md", "03.md"))
    assert _planned(tmp_path) == ["03.md", "02 two.md", "01.MD"]


def test_a_source_the_summary_does_not_link_is_reported(tmp_path):
    _book(tmp_path, "# Summary\n\n- [One](01.md)\n- [Three](03.md)\n")
    (tmp_path / "narrate.yaml").write_text(MANIFEST.replace("'ch/0*'", "'ch/*'"))  # the SUMMARY is a source too
    assert _planned(tmp_path) == ["01.md", "03.md"]  # as before: not built
    done = narrate_in("build", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning: narrate.yaml:7: books.bk.order: ch/02 two.md is among the sources but ch/SUMMARY.md " \
           "does not link it: not built" in done.stderr
    assert done.stderr.count("warning:") == 1  # not the SUMMARY itself, not the linked ones


def test_the_unlinked_source_warning_is_a_manifest_warning(tmp_path):
    from narrate.manifest import load_manifest

    _book(tmp_path, "# Summary\n\n- [Two](02%20two.md)\n")
    manifest = load_manifest(tmp_path / "narrate.yaml")
    assert [p.name for p in manifest.books[0].chapters] == ["02 two.md"]
    assert [(w.key_path, w.line) for w in manifest.warnings] == [("books.bk.order", 7)] * 2
    assert [w.message.split(" is among")[0] for w in manifest.warnings] == ["ch/01.md", "ch/03.md"]
