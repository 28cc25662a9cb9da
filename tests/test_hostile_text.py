"""Hostile text for the spoken front-end: pathological numbers, markup and scripts are spoken or
dropped in bounded time, never crash planning, and touch nothing outside narrate's folders."""

from __future__ import annotations

import json
import time

import pytest

from conftest import narrate_in, snapshot
from narrate.text import normalize, split_for_limit

HOSTILE = {
    "digits": "1" * 20000,
    "grouped": "1," * 10000,
    "dotted": "1." * 10000,
    "clock": "1:" * 10000,
    "money": "$" * 5000 + "5" + "€" * 5000,
    "roman": "Louis " + "X" * 5000,
    "tags": "<b>" * 3000 + "{{x}}" * 3000,
    "controls": "\x00\x07\u200b\u202e1\u2066" * 2000,
    # feet with one mark each: every one scanned the text before it for an open quotation (3,000 took 8 s)
    "feet": "a 6' x " * 3000,
    "paths": "a/" * 10000 + "b.rs " + " .a" * 5000 + " ./" * 5000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("language", ["en-US", "de-DE", "fr-FR", "es-419", "zh-CN"])
def test_pathological_text_is_normalised_quickly(name, language):
    started = time.process_time()
    once = normalize(HOSTILE[name], language)
    assert time.process_time() - started < 2.0
    assert not {"<", ">", "{", "}"} & set(once)
    assert normalize(once, language) == once


def test_unspaced_text_under_a_tiny_limit_is_bounded():
    chunks = split_for_limit("中文" * 20000, 7, "zh-CN")
    assert all(0 < len(c) <= 7 for c in chunks) and "".join(chunks) == "中文" * 20000


def test_hostile_prompts_plan_cleanly_through_the_cli(tmp_path):
    prompts = "\n".join(f"      {name}: {json.dumps(text[:3000])}" for name, text in HOSTILE.items())
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  lib:\n    output: out/lib\n    formats: [wav]\n"
                                     "    languages:\n      en-US: {voice: en-us, path: en}\n    prompts:\n"
                                     + prompts + "\n")
    before = snapshot(tmp_path)
    done = narrate_in("-q", "plan", "--json", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert len(report["added"]) == len(HOSTILE) and report["chars"] > 0
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith(".narrate-cache")} == before
