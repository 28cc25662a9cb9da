"""Markdown nested past the parser's limit, and hostile Markdown: nothing silently unspoken (issue 9
item 15), bounded time, and `narrate text` answers without a traceback and writes nothing."""

from __future__ import annotations

import time

import pytest

from conftest import narrate, narrate_in, snapshot
from narrate.text.markdown import markdown_to_speakable, speakable_text


def said(source: str) -> str:
    return speakable_text(markdown_to_speakable(source))


def test_thirty_level_lists_are_read_to_the_innermost_sentence():
    bullets = "".join("  " * k + f"- Level {k}.\n" for k in range(30)) + "  " * 30 + "- The innermost sentence.\n"
    text = said(bullets)
    assert [f"Level {k}." for k in range(30)] == [line for line in text.split("\n\n") if line.startswith("Level")]
    assert text.endswith("The innermost sentence.\n")
    numbered = "".join("   " * k + f"1. Step {k}.\n" for k in range(30))
    assert said(numbered) == "\n\n".join(f"1. Step {k}." for k in range(30)) + "\n"


def test_sixty_level_block_quotes_are_read_to_the_innermost_sentence():
    assert said("> " * 60 + "The innermost quote.\n") == "The innermost quote.\n"
    stairs = "".join(">" * k + f" Quote {k}.\n\n" for k in range(1, 61))
    assert said(stairs) == "".join(f"Quote {k}.\n\n" for k in range(1, 61))[:-1]
    mixed = "> - " * 40 + "Mixed innermost.\n"
    assert said(mixed) == "Mixed innermost.\n"


def test_deep_containers_and_admonitions_are_read():
    containers = ":::note\n" * 150 + "Deep text.\n" + ":::\n" * 150 + "After.\n"
    assert said(containers) == "Note:\n\n" * 8 + "Deep text.\n\nAfter.\n"
    admonitions = "".join("    " * k + "!!! note\n" for k in range(20)) + "    " * 20 + "Deep admonition.\n"
    assert said(admonitions).endswith("Deep admonition.\n")


@pytest.mark.parametrize("name, source, expected", [
    ("quotes", ">" * 200_000 + " deep", "deep\n"),
    ("list markers", "- " * 100_000 + "deep", "deep\n"),
    ("quote stairs", "".join(">" * k + " x\n" for k in range(1, 2000)), "x\n"),
    ("shortcode openers", "{{<" * 100_000 + " after", "after\n"),
    ("liquid openers", "{%" * 100_000 + " after", "after\n"),
    ("containers", ":::tip\n" * 50_000 + "inside", "inside\n"),
    ("colons", ":a:" * 50_000, None),
])
def test_hostile_documents_finish_in_bounded_time(name, source, expected):
    start = time.monotonic()
    text = said(source)
    assert time.monotonic() - start < 30, name  # measured 0.1-4 s each on a loaded 2-core machine
    if expected is not None:
        assert text.endswith(expected), text[-200:]
    assert "<" not in text and "{{" not in text and "{%" not in text and ":::" not in text


def test_cli_reads_a_deeply_nested_file_without_a_traceback(tmp_path):
    source = tmp_path / "deep.md"
    source.write_text("# Deep\n\n" + "> " * 60 + "Innermost quote.\n\n" + ">" * 200_000 + " Last words.\n")
    before = snapshot(tmp_path)
    done = narrate_in("text", str(source), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert done.stdout == "Title: Deep\n\n# Deep\n\nInnermost quote.\n\nLast words.\n"
    assert snapshot(tmp_path) == before  # `narrate text` writes nothing


# ---- runs of `[`: markdown-it spends ~0.3 ms on each `[` that opens nothing (100,000 took 29 s) ----

@pytest.mark.parametrize("name, source, expected", [
    ("bracket run", "[" * 200_000, "\n"),
    ("bracket and letter", "x " + "[a" * 100_000, "x " + "[a" * 100_000 + "\n"),
    ("image openers", "![" * 100_000 + " after", "! [ after\n"),
    ("balanced nest", "[" * 100_000 + "]" * 100_000, "\n"),
    ("links then a run", "[one](https://example.org) and [two][t]. " + "[" * 100_000 + "\n\n[t]: x",
     "one and two. " + "[" * 100_000 + "\n"),
])
def test_bracket_runs_are_fast_and_read_as_text(name, source, expected):
    start = time.monotonic()
    text = said(source)
    elapsed = time.monotonic() - start
    assert elapsed < 60, (name, elapsed)  # 1-5 s here; 44 s (100,000 `[`) before md_source.bound_brackets
    assert text == expected, text[:200]


@pytest.mark.parametrize("source", [
    "[" * 500, "x " + "[a" * 300, "![" * 300 + " after", "[" * 300 + "]" * 300,
    "[one](https://example.org) and [two][t]. " + "[" * 300 + "\n\n[t]: x", "[a]" * 200 + "[" * 100,
    "Use `[[[[` and " + "[" * 100 + " ok [^1].\n\n[^1]: Note.", "[" * 20 + "[a](b)" + "]" * 20 + "[" * 40,
])
def test_bounded_brackets_read_as_unbounded_ones(source, monkeypatch):
    from narrate.text import md_source

    bounded = said(source)
    monkeypatch.setattr(md_source, "bound_brackets", lambda text: text)
    assert said(source) == bounded


def test_bracket_work_is_linear():
    # CPU seconds of this process, not wall seconds: on the shared 2-core machine (load ~20) the wall
    # time of one call was 2.3 s for 20,000 and 21 s for 80,000 (a ratio of 9 against the limit of 10)
    # while their CPU time was 0.16 and 0.98 s. Other work can still slow a call (caches, frequency),
    # never speed it, so each size keeps its fastest run, and a ratio over the limit is measured again,
    # at most three rounds: work growing with the square of the input (16 times) fails every round.
    def cpu(n: int) -> float:
        start = time.process_time()
        said("[a" * n)
        return time.process_time() - start

    small = large = float("inf")
    for _ in range(3):
        small, large = min(small, cpu(20_000)), min(large, cpu(80_000))
        if large < 10 * max(small, 0.05):  # four times the input: about four times the work
            break
    assert large < 10 * max(small, 0.05), (small, large)


def test_cli_reads_a_200k_bracket_run(tmp_path):
    (tmp_path / "a.md").write_text("Before.\n\n" + "[" * 200_000 + "\n\nAfter.\n")
    before = snapshot(tmp_path)
    done = narrate("text", "a.md", cwd=tmp_path, timeout=60)  # a hang fails here, with a timeout
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Before.\n\nAfter.\n"
    assert snapshot(tmp_path) == before


def test_normal_documents_are_not_touched_by_the_bracket_bound():
    from conftest import SHARED, require_shared
    from narrate.text.md_source import bound_brackets

    require_shared()
    chapters = sorted((SHARED / "corpora").rglob("*.md"))
    assert len(chapters) >= 17
    for path in chapters:
        source = path.read_text(encoding="utf-8")
        assert bound_brackets(source) == source, path.name
    links = "See [a](x), [b][r], [^1], ![img](y) and `[[[` " * 20  # 100 real openers in one paragraph
    assert bound_brackets(links) == links
    assert bound_brackets("[" * 33) == "\\[" * 33 and bound_brackets("[" * 32) == "[" * 32
    assert bound_brackets("[a](b) " + "[" * 40) == "[a](b) " + "\\[" * 40  # only the ones that open nothing
    nested = "[" * 9 + "x" + "]" * 9 + " " + "[" * 30
    assert bound_brackets(nested) == nested.replace("[", "\\[")  # nested past 8: every one


@pytest.mark.parametrize("source, title", [
    ('---\ntitle: "Front\\0title\\ewith  esc"\n---\n\nHello.\n', "Front title with esc"),
    ("# Head\x1bing \x07two\n\nHello.\n", "Head ing two"),
    ("# \x00\x01\n\nHello.\n", None),
])
def test_control_characters_never_reach_a_chapter_title(source, title):
    """Chapter titles go into ID3 CHAP and MP4 chapter tracks, playlists and feeds: a NUL ended them."""
    assert markdown_to_speakable(source).title == title


def test_a_book_built_from_hostile_titles_has_clean_tags(tmp_path):
    from mutagen.id3 import ID3

    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01.md").write_text('---\ntitle: "Nul\\0and\\eesc"\n---\n\nHello there.\n')
    (tmp_path / "ch" / "02.md").write_text("# Bell\x07here\n\nSecond chapter.\n")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b:\n    title: Clean\n    sources: ch/*.md\n"
                                     "    formats: [chapters, mp3]\n    output: out\n")
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    playlist = (tmp_path / "out" / "b.m3u").read_text()
    assert ",Nul and esc\n01-nul-and-esc.mp3\n" in playlist and ",Bell here\n02-bell-here.mp3\n" in playlist
    chapters = sorted(str(f.sub_frames["TIT2"]) for f in ID3(tmp_path / "out" / "b.mp3").getall("CHAP"))
    assert chapters == ["Bell here", "Nul and esc"]
