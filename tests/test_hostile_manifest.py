"""Hostile and malformed manifests, lexicons and inputs: each is refused before any work, exit 2,
one located line (`file:line: key.path: message`), no traceback, nothing outside written."""

from __future__ import annotations

import os
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate, narrate_in, snapshot

LIB = """\
version: 1
libraries:
  shop:
    output: out/shop
    formats: [ulaw]
    languages: {en-US: en-us}
    prompts:
      welcome: Welcome.
"""

BOOK = """\
version: 1
books:
  guide:
    title: Guide
    output: out/guide
    sources: chapters/*.md
"""

# 332 bytes: nine levels of nine aliases each expand to 9^9 (387 million) strings.
BOMB = """\
# bomb!
a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def refused(tmp_path: Path, text: str | bytes, *fragments: str, command: str = "validate",
            files: dict[str, str | bytes] | None = None, timeout: float | None = None) -> str:
    """Write m.yaml (and `files`), run narrate, assert a clean located refusal that changed nothing.
    In this process, or, given a `timeout` (an input that could hang or blow up), in a child bounded by it."""
    manifest = tmp_path / "m.yaml"
    if isinstance(text, bytes):
        manifest.write_bytes(text)
    else:
        manifest.write_text(text, encoding="utf-8")
    for name, content in (files or {}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    before = snapshot(tmp_path)
    if timeout is None:
        done = narrate_in("-q", command, "m.yaml", cwd=tmp_path)
    else:
        done = narrate("-q", command, "m.yaml", cwd=tmp_path, timeout=timeout)
    assert_clean_failure(done, 2, *fragments)
    assert snapshot(tmp_path) == before
    assert "\x1b" not in done.stderr and "\x9b" not in done.stderr
    return done.stderr


# ---------------------------------------------------------------- bounded input


def test_billion_laughs_fails_fast_with_a_location(tmp_path):
    assert len(BOMB.encode()) == 332
    import narrate.cli  # noqa: F401 - imported before the clock starts: the refusal is what is timed
    import narrate.manifest  # noqa: F401

    start = time.monotonic()
    err = refused(tmp_path, BOMB, "m.yaml:2:", "YAML aliases of the node anchored here expand the document by 490,329,036 nodes",
                  "the limit is 100,000")
    assert time.monotonic() - start < 10  # the CLI in this process: imports once; the refusal itself takes microseconds
    assert any(line.startswith("error: m.yaml:") and line.split(":")[2].strip().isdigit() for line in err.splitlines())


def test_alias_budget_in_process_is_well_under_a_second():
    from narrate.errors import ManifestError
    from narrate.manifest import load_yaml_text

    start = time.perf_counter()
    with pytest.raises(ManifestError) as info:
        load_yaml_text(BOMB, "m.yaml")
    assert time.perf_counter() - start < 1.0
    (problem,) = info.value.problems
    assert problem.line == 2 and "the limit is 100,000" in problem.message  # the anchor that multiplies


def test_deep_nesting_is_refused_with_its_line(tmp_path):
    text = "version: 1\nlibraries: " + "[" * 150 + "]" * 150 + "\n"
    refused(tmp_path, text, "m.yaml:2:", "nested deeper than 100 levels")


def test_huge_manifest_is_refused_by_size(tmp_path):
    huge = LIB + "#" + "x" * (16 * 1024 * 1024) + "\n"
    refused(tmp_path, huge, "m.yaml:", "the limit is 16,777,216")


def test_fifo_manifest_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    before = snapshot(tmp_path)
    done = narrate("-q", "validate", "pipe.yaml", cwd=tmp_path, timeout=30)
    assert_clean_failure(done, 2, "pipe.yaml:", "is a FIFO (named pipe), not a regular file")
    assert snapshot(tmp_path) == before


def test_dev_zero_manifest_does_not_hang(tmp_path):
    done = narrate("-q", "build", "/dev/zero", cwd=tmp_path, timeout=30)
    assert_clean_failure(done, 2, "/dev/zero:", "is a character device, not a regular file")
    assert snapshot(tmp_path) == {}


def test_directory_manifest_is_refused(tmp_path):
    (tmp_path / "d.yaml").mkdir()
    done = narrate_in("-q", "validate", "d.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "d.yaml", "is a directory")


def test_binary_garbage_names_its_line(tmp_path):
    refused(tmp_path, b"version: 1\nlibraries:\n  \xff\xfe\x00junk: 1\n", "m.yaml:3:", "not valid UTF-8")


def test_nul_bytes_are_refused(tmp_path):
    refused(tmp_path, b"version: 1\nlibraries: {}\n\x00\x00\x00", "m.yaml:3:", "contains a NUL byte")


# ---------------------------------------------------------------- wrong types in every section


@pytest.mark.parametrize("extra, fragments", [
    ("defaults:\n  speed: fast\n", ("m.yaml:10:", "defaults.speed: expected a number, got text ('fast')")),
    ("defaults:\n  level: true\n", ("m.yaml:10:", "defaults.level: expected a mapping or false, got true/false")),
    ("providers:\n  cloud:\n    kind: openai\n    concurrency: many\n",
     ("m.yaml:12:", "providers.cloud.concurrency: expected a whole number, got text ('many')")),
    ("providers:\n  cloud: {kind: opneai}\n", ("m.yaml:10:", "providers.cloud.kind: 'opneai' is not one of", "did you mean 'openai'")),  # noqa: E501
    ("budget:\n  max_chars: -5\n", ("m.yaml:10:", "budget.max_chars: -5 is out of range 0 to 1e+12")),
    ("budget: 1000\n", ("m.yaml:9:", "budget: expected a mapping, got a number (1000)")),
    ("cache:\n  remote: [s3://a]\n", ("m.yaml:10:", "cache.remote: expected text, got a list")),
    ("cache:\n  remote: https://example.com/?token=1\n",
     ("m.yaml:10:", "cache.remote: must look like s3://bucket/prefix")),
    ("cache:\n  remot: s3://a/b\n", ("m.yaml:10:", "cache.remot: unknown key (did you mean 'remote'?)")),
    ("prices:\n  openai: cheap\n", ("m.yaml:10:", "prices.openai: expected a number, got text ('cheap')")),
    ("package:\n  epoch: soon\n", ("m.yaml:10:", "package.epoch: expected a whole number, got text ('soon')")),
    ("package:\n  formats: zip\n", ("m.yaml:10:", "package.formats: expected a list, got text ('zip')")),
    ("package:\n  formats: [rar]\n", ("m.yaml:10:", "package.formats: unknown archive format 'rar'")),
    ("package:\n  on_build: yes please\n", ("m.yaml:10:", "package.on_build: expected true or false")),
    ("lexicon: 42\n", ("m.yaml:9:", "lexicon: expected text, got a number (42)")),
    ("version: '1'\n", ("m.yaml:9:", "version: unsupported manifest version '1'")),
])
def test_wrong_types_in_every_section(tmp_path, extra, fragments):
    text = LIB.replace("version: 1\n", "") if extra.startswith("version") else LIB
    if extra.startswith("version"):
        text = "# a comment\n" + text
    refused(tmp_path, text + extra, *fragments)


def test_package_epoch_soon_fails_before_packaging(tmp_path):
    refused(tmp_path, LIB + "package:\n  epoch: soon\n", "m.yaml:10:", "package.epoch", command="package")


@pytest.mark.parametrize("old, new, fragments", [
    ("languages: {en-US: en-us}", "languages: [en-US]",
     ("m.yaml:6:", "libraries.shop.languages: expected a mapping, got a list")),
    ("formats: [ulaw]", "formats: [7]", ("m.yaml:5:", "libraries.shop.formats[0]: expected text, got a number (7)")),
    ("formats: [ulaw]", "formats: []", ("m.yaml:5:", "libraries.shop.formats: at least one format is required")),
    ("      welcome: Welcome.", "      welcome: [Wel, come]",
     ("m.yaml:8:", "libraries.shop.prompts.welcome: expected text, or a mapping of language -> text, got a list")),
    ("languages: {en-US: en-us}", "languages:\n      en-US:\n        voice: en-us\n        level: {targte_dbov: -20}",
     ("m.yaml:9:", "libraries.shop.languages.en-US.level.targte_dbov: unknown key (did you mean 'target_dbov'?)")),
    ("      welcome: Welcome.", "      welcome:\n        en-US: {text: Hi, silence: {lead_ms: lots}}",
     ("m.yaml:9:", "libraries.shop.prompts.welcome.en-US.silence.lead_ms: expected a whole number")),
])
def test_bad_library_values(tmp_path, old, new, fragments):
    refused(tmp_path, LIB.replace(old, new), *fragments)


def test_book_sources_of_the_wrong_type(tmp_path):
    refused(tmp_path, BOOK.replace("sources: chapters/*.md", "sources: 7"),
            "m.yaml:6:", "books.guide.sources: expected text, got a number (7)")


# ---------------------------------------------------------------- names


@pytest.mark.parametrize("name, reason, escaped", [
    ('"\\e[31mred\\e[0m"', "control characters are not allowed", "\\x1b[31mred"),
    ('"c1\\x9bname"', "control characters are not allowed", "\\x9b"),
    ('"evil\\u202Etxt.exe"', "bidirectional override characters", "\\u202e"),
    ('"iso\\u2066late"', "bidirectional override characters", "\\u2066"),
    ('"zero\\u200Bwidth"', "zero-width characters", "\\u200b"),
    ('"bom\\uFEFFname"', "zero-width characters", "\\ufeff"),
])
def test_invisible_and_control_names_are_refused_and_escaped(tmp_path, name, reason, escaped):
    err = refused(tmp_path, LIB.replace("      welcome: Welcome.", f"      {name}: Welcome."),
                  "m.yaml:8:", "libraries.shop.prompts.", reason)
    assert escaped in err
    for raw in ("\x1b", "\x9b", "\u202e", "\u2066", "\u200b", "\ufeff"):
        assert raw not in err


def test_nfc_and_nfd_spellings_collide(tmp_path):
    nfc, nfd = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    text = LIB.replace("      welcome: Welcome.", f"      {nfc}: One.\n      {nfd}: Two.")
    refused(tmp_path, text, "m.yaml:9:", "libraries.shop.prompts.caf", "same file as prompt 'café'")


def test_case_twins_collide_at_validate(tmp_path):
    text = LIB.replace("      welcome: Welcome.", "      Welcome: One.\n      welcome: Two.")
    refused(tmp_path, text, "m.yaml:9:", "libraries.shop.prompts.welcome: same file as prompt 'Welcome'")


def test_component_over_255_bytes(tmp_path):
    name = "é" * 150  # 150 characters, 300 bytes in UTF-8
    refused(tmp_path, LIB.replace("      welcome: Welcome.", f"      {name}: Hello."),
            "m.yaml:8:", "libraries.shop.prompts.", "a path segment is 300 bytes in UTF-8; filesystems allow 255")


def test_output_path_over_4096_bytes(tmp_path):
    deep = "/".join(["d" * 200] * 25)  # 5,024 bytes
    refused(tmp_path, LIB.replace("output: out/shop", f"output: {deep}"),
            "m.yaml:4:", "libraries.shop.output: the output path would be", "filesystems allow 4,096")


def test_flat_layout_name_that_becomes_a_long_component(tmp_path):
    name = "/".join(["é" * 60] * 3)  # 182 characters; 120-byte segments, flat joins them into 362 bytes
    text = LIB.replace("formats: [ulaw]", "layout: flat\n    formats: [ulaw]").replace(
        "      welcome: Welcome.", f"      {name}: Hello.")
    refused(tmp_path, text, "m.yaml:9:", "libraries.shop.prompts.", "a folder name in the output path is")


# ---------------------------------------------------------------- lexicons


def test_lexicon_of_the_wrong_shape(tmp_path):
    refused(tmp_path, LIB + "lexicon: lex.yaml\n", "lex.yaml:1:", "a lexicon is a mapping of term: replacement, got a list",
            files={"lex.yaml": "- PPO\n- SQL\n"})


def test_lexicon_rule_of_the_wrong_type(tmp_path):
    refused(tmp_path, LIB + "lexicon: lex.yaml\n", "lex.yaml:2:",
            "SQL: expected text or {say, ipa, x-sampa, case_sensitive}, got a list",
            files={"lex.yaml": "PPO: P P O\nSQL: [se, quel]\nlanguages:\n  es-US: {Northwind: Nort uind}\n"})


def test_lexicon_rule_with_an_unknown_option(tmp_path):
    refused(tmp_path, LIB + "lexicon: lex.yaml\n", "lex.yaml:1:", "PPO.sya: unknown key (did you mean 'say'?)",
            files={"lex.yaml": "PPO: {sya: P P O}\n"})


def test_missing_lexicon_file(tmp_path):
    refused(tmp_path, LIB + "lexicon: nowhere.yaml\n", "m.yaml:9:", "lexicon: nowhere.yaml: file not found")


def test_lexicon_that_is_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "lex.yaml")
    refused(tmp_path, LIB + "lexicon: lex.yaml\n", "m.yaml:9:", "lexicon: lex.yaml: is a FIFO", timeout=30)


def test_lexicon_that_is_dev_zero(tmp_path):
    refused(tmp_path, LIB + "lexicon: /dev/zero\n", "m.yaml:9:", "lexicon: /dev/zero resolves outside the project folder",
            timeout=30)


def test_inline_lexicon_with_an_empty_term(tmp_path):
    refused(tmp_path, LIB + "lexicon:\n  '  ': nothing\n", "m.yaml:10:", "lexicon.  : empty term")


# ---------------------------------------------------------------- books


def test_book_sources_matching_nothing(tmp_path):
    refused(tmp_path, BOOK, "m.yaml:6:", "books.guide.sources: no file matches 'chapters/*.md'")


def test_book_chapter_that_is_a_fifo(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "01.md").write_text("# One\n\nText.\n")
    os.mkfifo(tmp_path / "chapters" / "02.md")
    refused(tmp_path, BOOK, "m.yaml:6:", "books.guide.sources:", "02.md: is a FIFO", command="build", timeout=60)


def test_book_cover_that_is_text_renamed_png(tmp_path):
    refused(tmp_path, BOOK + "    cover: cover.png\n", "m.yaml:7:", "books.guide.cover: cover.png: not a PNG or JPEG image",
            files={"chapters/01.md": "# One\n\nText.\n", "cover.png": "this is not an image\n"})


def test_book_cover_png_with_a_broken_header(tmp_path):
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 13 + b"\x00" * 4
    refused(tmp_path, BOOK + "    cover: cover.png\n", "m.yaml:7:", "books.guide.cover: cover.png: a PNG with an invalid header",
            files={"chapters/01.md": "# One\n\nText.\n", "cover.png": broken})


def test_book_order_file_that_is_a_directory(tmp_path):
    refused(tmp_path, BOOK + "    order: SUMMARY.md\n", "m.yaml:7:", "books.guide.order: SUMMARY.md: is a directory",
            files={"chapters/01.md": "# One\n\nText.\n", "SUMMARY.md/keep": "x"})


# ---------------------------------------------------------------- imports


def test_import_of_a_fifo_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "sounds.txt")
    done = narrate("-q", "import", "asterisk", "sounds.txt", cwd=tmp_path, timeout=30)
    assert_clean_failure(done, 2, "sounds.txt:", "is a FIFO (named pipe), not a regular file")
    assert done.stdout == ""


def test_import_of_dev_zero_does_not_hang(tmp_path):
    done = narrate("-q", "import", "freeswitch", "/dev/zero", cwd=tmp_path, timeout=30)
    assert_clean_failure(done, 2, "/dev/zero:", "is a character device")


# ---------------------------------------------------------------- the one reading function


def test_read_input_refuses_without_blocking(tmp_path):
    from narrate.errors import ManifestError
    from narrate.manifest import read_input, read_text_input

    os.mkfifo(tmp_path / "fifo")
    start = time.monotonic()
    for path, reason in ((tmp_path / "fifo", "is a FIFO"), (Path("/dev/zero"), "is a character device"),
                         (tmp_path, "is a directory"), (tmp_path / "absent", "file not found")):
        with pytest.raises(ManifestError, match=reason):
            read_input(path, limit=10)
    assert time.monotonic() - start < 5
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * 11)
    with pytest.raises(ManifestError, match="file is 11 bytes; the limit is 10"):
        read_input(big, limit=10)
    assert read_input(big, limit=11) == b"x" * 11
    assert read_input(big, limit=11, head=4) == b"xxxx"
    big.write_bytes(b"# T\n\xff\n")
    with pytest.raises(ManifestError) as info:
        read_text_input(big, key_path="books.b.sources")
    assert str(info.value.problems[0]).endswith(":2: books.b.sources: not valid UTF-8 (byte 0xff at offset 4)")


def test_book_planning_reads_chapters_through_read_input(tmp_path):
    """A chapter swapped for a FIFO after validation is still refused, not read (books.plan_books)."""
    from narrate.errors import ManifestError
    from narrate.manifest import Book, Manifest, Settings
    from narrate.plan.books import plan_books

    os.mkfifo(tmp_path / "01.md")
    book = Book(name="guide", title="Guide", author=None, chapters=[tmp_path / "01.md"], output=tmp_path / "out",
                language="en-US", settings=Settings(voice="en-us"), formats=("mp3",))
    manifest = Manifest(path=tmp_path / "m.yaml", books=[book])
    start = time.monotonic()
    with pytest.raises(ManifestError) as info:
        plan_books(manifest, {"espeak": object()}, None)  # type: ignore[dict-item]
    assert time.monotonic() - start < 5
    assert str(info.value.problems[0]).endswith("01.md: books.guide.sources: is a FIFO (named pipe), not a regular file")


@pytest.mark.parametrize("line, fragments", [
    ('    title: "Nul\\0byte"\n', ("m.yaml:4:", "books.guide.title: control character U+0000 is not allowed")),
    ('    author: "Esc\\ehere"\n', ("m.yaml:5:", "books.guide.author: control character U+001B")),
    ('    series: {name: "C1\\x9bhere"}\n', ("m.yaml:5:", "books.guide.series.name: control character U+009B")),
    ('    feed: {base_url: "https://x.example/b", description: "Bell\\a"}\n',
     ("m.yaml:5:", "books.guide.feed.description: control character U+0007")),
])
def test_control_characters_in_tag_text_are_refused_where_they_are(tmp_path, line, fragments):
    """Book metadata goes into ID3 and MP4 tags, playlists and feeds: a NUL ended the title there."""
    text = BOOK.replace("    title: Guide\n", line if "title" in line else "    title: Guide\n" + line)
    stderr = refused(tmp_path, text, *fragments, files={"chapters/01.md": "# One\n\nHello.\n"})
    assert "\x00" not in stderr and "\x07" not in stderr


def test_a_folded_description_keeps_its_line_breaks(tmp_path):
    (tmp_path / "m.yaml").write_text(BOOK + "    description: |\n      Line one.\n\n      Line two.\n")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "01.md").write_text("# One\n\nHello.\n")
    assert narrate_in("-q", "validate", "m.yaml", cwd=tmp_path).returncode == 0
