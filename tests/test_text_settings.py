"""A book's text settings reach what is said: `markdown:` per book, `normalize:` per provider, and
`narrate text --manifest M --book B` showing exactly the segments that will be synthesized."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate, narrate_in, snapshot
from fakes import FakeProvider
from narrate.manifest import load_manifest
from narrate.plan import plan_manifest
from narrate.plan.books import plan_books
from narrate.text.frontend import normalization_applies

CHAPTER = """\
# Setup

!!! note "Before you start"
    Unplug the phone.

| Day | Opens |
| --- | ----- |
| Monday | 9 |

It costs $5.
"""

BOOKS = """\
version: 1
books:
  guide:
    sources: [ch.md]
    output: out/guide
    formats: [mp3]
    markdown: {dialect: mkdocs, tables: rows}
  plain:
    sources: [ch.md]
    output: out/plain
    formats: [mp3]
    markdown: {dialect: commonmark}
"""

# What the mkdocs/rows book says, one segment per line, a blank line after each block.
GUIDE_SAID = """\
Title: Setup

Setup

Before you start:

Unplug the phone.

Day: Monday; Opens: nine.

It costs five dollars.
"""


@pytest.fixture
def book_dir(tmp_path):
    (tmp_path / "ch.md").write_text(CHAPTER)
    (tmp_path / "m.yaml").write_text(BOOKS)
    return tmp_path


def _said(job, segments) -> list[str]:
    return [segments[k].request.text for ch in job.chapters for k, _ in ch.units]


def test_markdown_section_reaches_planning(book_dir):
    manifest = load_manifest(book_dir / "m.yaml")
    guide, plain = manifest.books
    assert guide.markdown == {"dialect": "mkdocs", "tables": "rows"}
    assert plain.markdown == {"dialect": "commonmark"}
    jobs = {j.book.name: j for j in plan_books(manifest, {"espeak": FakeProvider()}, None)}
    said = _said(jobs["guide"], jobs["guide"].segments)
    assert said == ["Setup", "Before you start:", "Unplug the phone.", "Day: Monday; Opens: nine.",
                    "It costs five dollars."]
    # CommonMark has no admonitions: the indented body is a code block (skipped), the table a notice.
    plain_said = _said(jobs["plain"], jobs["plain"].segments)
    assert "Unplug the phone." not in plain_said
    assert "Day: Monday; Opens: nine." not in plain_said


def test_older_book_keys_still_work(tmp_path):
    (tmp_path / "ch.md").write_text("# T\n\n```\nx = 1\n```\n")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b: {sources: [ch.md], output: o, formats: [mp3], "
                                     "code: notice}\n")
    manifest = load_manifest(tmp_path / "m.yaml")
    assert manifest.books[0].markdown == {"code": "notice"}
    job = plan_books(manifest, {"espeak": FakeProvider()}, None)[0]
    assert _said(job, job.segments) == ["T", "Code example omitted."]


def test_text_command_honours_the_book(book_dir):
    done = narrate_in("-q", "text", "ch.md", "--manifest", "m.yaml", "--book", "guide", cwd=book_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout == GUIDE_SAID


def test_text_command_without_manifest_is_as_before(book_dir):
    done = narrate_in("-q", "text", "ch.md", cwd=book_dir)
    assert done.returncode == 0, done.stderr
    assert "Unplug the phone." in done.stdout and "$5" in done.stdout


def test_text_command_needs_a_book_name_when_there_are_several(book_dir):
    before = snapshot(book_dir)
    done = narrate_in("-q", "text", "ch.md", "--manifest", "m.yaml", cwd=book_dir)
    assert_clean_failure(done, 2, "give --book", "guide, plain")
    done = narrate_in("-q", "text", "ch.md", "--manifest", "m.yaml", "--book", "nope", cwd=book_dir)
    assert_clean_failure(done, 2, "no book 'nope'")
    assert snapshot(book_dir) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_text_command_refuses_a_fifo(book_dir):
    os.mkfifo(book_dir / "pipe.md")
    done = narrate("-q", "text", "pipe.md", timeout=60, cwd=book_dir)
    assert_clean_failure(done, 2, "pipe.md", "not a regular file")


def test_bad_markdown_values_are_located(tmp_path):
    (tmp_path / "ch.md").write_text("# T\n")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b:\n    sources: [ch.md]\n    output: o\n"
                                     "    markdown: {dialect: rst}\n")
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:6:", "books.b.markdown.dialect")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b:\n    sources: [ch.md]\n    output: o\n"
                                     "    code: skip\n    markdown:\n      code: notice\n")
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:8:", "books.b.markdown.code", "also given as books.b.code")


# ---------------------------------------------------------------- normalize per provider

PRICE = """\
version: 1
providers:
  cloud: {{kind: openai, base_url: "http://127.0.0.1:9/v1", api_key_env: NO_SUCH_KEY{extra}}}
  espeak: {{kind: espeak{espeak}}}
libraries:
  shop:
    output: out
    formats: [wav]
    languages: {{en-US: alloy}}
    prompts:
      price: {{en-US: "It costs $5.", provider: cloud}}
      local: {{en-US: {{text: "It costs $5.", voice: en-us}}, provider: espeak}}
"""


def _plan(tmp_path, extra: str = "", espeak: str = ""):
    from narrate.prepare import make_providers

    (tmp_path / "m.yaml").write_text(PRICE.format(extra=extra, espeak=espeak))
    manifest = load_manifest(tmp_path / "m.yaml")
    providers, _ = make_providers(manifest)
    return manifest, providers, plan_manifest(manifest, providers)


def test_normalize_on_for_an_openai_provider(tmp_path):
    manifest, providers, on = _plan(tmp_path, ", normalize: on")
    assert manifest.providers["cloud"].normalize == "on"
    assert normalization_applies(providers["cloud"]) is True
    price_on = next(j for j in on.jobs if j.name == "price")
    assert on.segments[price_on.segments[0]].request.text == "It costs five dollars."
    _, _, off = _plan(tmp_path, ", normalize: off")
    price_off = next(j for j in off.jobs if j.name == "price")
    assert off.segments[price_off.segments[0]].request.text == "It costs $5."
    assert price_on.segments != price_off.segments
    _, _, auto = _plan(tmp_path)  # auto: a REST provider reads numbers itself
    assert next(j for j in auto.jobs if j.name == "price").segments == price_off.segments


def test_normalize_off_for_espeak_sends_the_text_as_written(tmp_path):
    _, _, off = _plan(tmp_path, espeak=", normalize: off")
    local = next(j for j in off.jobs if j.name == "local")
    assert off.segments[local.segments[0]].request.text == "It costs $5."
    assert json.loads(off.segments[local.segments[0]].key_head)["text"]["normalizer"] == "off"
    _, _, auto = _plan(tmp_path)
    local_auto = next(j for j in auto.jobs if j.name == "local")
    assert auto.segments[local_auto.segments[0]].request.text == "It costs five dollars."


def test_bad_normalize_value_is_located(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nproviders:\n  espeak:\n    normalize: sometimes\n")
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:4:", "providers.espeak.normalize")


def test_schema_documents_the_new_keys():
    schema = json.loads((Path(__file__).resolve().parent.parent / "docs" / "manifest.schema.json").read_text())
    text = json.dumps(schema)
    assert "mkdocs" in text and "\"rows\"" in text and "auto (default: on for the embedded engine" in text
