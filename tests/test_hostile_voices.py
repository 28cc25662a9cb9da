"""Hostile and malformed inputs for issue 15 (phonetic lexicon rules, Polly settings, `narrate voices`):
each is a clean, located, one-line refusal with exit 2 that changes nothing outside narrate's folders."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from test_hostile_manifest import LIB, refused


@pytest.mark.parametrize("rules,line,message", [
    ("Nguyen: {ipa: [w, i, n]}\n", "lex.yaml:1:", "Nguyen.ipa: expected text"),
    ("PPO: P P O\nNguyen: {ipa: \"<phoneme>w</phoneme>\"}\n", "lex.yaml:2:",
     "Nguyen.ipa: a phonetic form is a non-empty string without < or >"),
    ("Nguyen: {x-sampa: '   '}\n", "lex.yaml:1:", "Nguyen.x-sampa: a phonetic form is a non-empty string without < or >"),
    ("Nguyen: {case_sensitive: true}\n", "lex.yaml:1:", "Nguyen: a rule needs say, ipa or x-sampa"),
    ("Nguyen: {ipaa: wɪn}\n", "lex.yaml:1:", "Nguyen.ipaa: unknown key (did you mean 'ipa'?)"),
    ("languages:\n  vi-VN:\n    Nguyen: {ipa: 12}\n", "lex.yaml:3:", "Nguyen.ipa: expected text"),
])
def test_bad_phonetic_rules_are_located(tmp_path, rules, line, message):
    refused(tmp_path, LIB + "lexicon: lex.yaml\n", line, message, files={"lex.yaml": rules})


def test_polly_engine_that_does_not_exist(tmp_path):
    pytest.importorskip("botocore")
    text = LIB.replace("version: 1\n", "version: 1\nproviders:\n  aws: {kind: polly, options: {engine: turbo}}\n") \
        .replace("languages: {en-US: en-us}", "languages: {en-US: {voice: Joanna, provider: aws}}")
    refused(tmp_path, text, "provider aws: option engine must be one of standard, neural, long-form, generative, "
                            "not 'turbo'", command="plan")


@pytest.mark.parametrize("args,message", [
    (["--sample", ""], "--sample takes 1 to 300 characters of text"),
    (["--sample", "x" * 301], "--sample takes 1 to 300 characters of text"),
    (["--provider", "nosuch"], "unknown provider kind 'nosuch'"),
])
def test_voices_refusals(tmp_path, args, message):
    before = snapshot(tmp_path)
    done = narrate_in("voices", *args, "--out", str(tmp_path / "samples"), cwd=tmp_path)
    assert_clean_failure(done, 2, message)
    assert snapshot(tmp_path) == before
