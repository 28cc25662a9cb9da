"""Lexicon pattern rules (issue 11 item 6): regular expressions with groups, per language, after the
word rules; checked at validate with the lexicon file's line; keys change only where a rule matches."""

from __future__ import annotations

import time

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from fakes import FakeProvider
from narrate.errors import ManifestError
from narrate.manifest import load_manifest
from narrate.plan import plan_manifest
from narrate.text import Lexicon
from narrate.text.lexicon_patterns import MAX_PATTERN_CHARS, compile_pattern

LEXICON = {
    "PPO": "P P O",
    "patterns": [{"pattern": r"Route (\d+)", "say": r"Highway \1"},
                 {"pattern": r"(?P<n>\d+)x", "say": r"\g<n> times"}],
    "languages": {"es-US": {"patterns": [{"pattern": r"(\d+) hrs", "say": r"\1 horas", "case_sensitive": True}]}},
}


def test_patterns_apply_with_groups_after_the_words():
    lex = Lexicon.from_mapping(LEXICON, source="lex.yaml")
    assert lex.apply("Take route 66 to the PPO, 3x a week.", "en-US") == "Take Highway 66 to the P P O, 3 times a week."
    # Per-language patterns run after the global ones, only in their language; case_sensitive honoured.
    assert lex.apply("Abierto 24 hrs por Route 9.", "es-US") == "Abierto 24 horas por Highway 9."
    assert lex.apply("Abierto 24 HRS.", "es-US") == "Abierto 24 HRS."
    assert lex.apply("Open 24 hrs.", "en-US") == "Open 24 hrs."


def test_rules_run_in_order():
    lex = Lexicon.from_mapping({"patterns": [{"pattern": "a", "say": "b"}, {"pattern": "b", "say": "c"}]},
                               source="x")
    assert lex.apply("a", "en-US") == "c"


@pytest.mark.parametrize("pattern,say,reason", [
    ("(unclosed", "x", "not a regular expression: missing ), unterminated subpattern at position 0"),
    ("(a+)+b", "x", "a repetition inside a repetition"),
    ("(?:a*b?)*c", "x", "a repetition inside a repetition"),
    ("x" * (MAX_PATTERN_CHARS + 1), "x", f"at most {MAX_PATTERN_CHARS}"),
    ("a*", "x", "matches the empty text"),
    ("(a)b", r"\2", "replacement: invalid group reference 2"),
])
def test_bad_patterns_are_refused(pattern, say, reason):
    with pytest.raises(ValueError) as exc:
        compile_pattern(pattern, say)
    assert reason in str(exc.value)
    with pytest.raises(ManifestError) as exc2:
        Lexicon.from_mapping({"patterns": [{"pattern": pattern, "say": say}]}, source="lex.yaml")
    assert "patterns[0].pattern" in str(exc2.value)


def test_a_refused_nested_pattern_would_have_been_slow():
    # Why the check exists: Python's re backtracks exponentially on this shape.
    import re

    start = time.monotonic()
    re.match(r"(a+)+b", "a" * 20)
    assert time.monotonic() - start > 0.02  # measurable already at 20 characters (0.12 s); each extra "a" doubles it


MANIFEST = """\
version: 1
lexicon: lex.yaml
libraries:
  shop:
    output: out
    formats: [wav]
    languages: {en-US: en-us}
    prompts:
      directions: "Take Route 66 north."
      hours: "We open at nine."
"""


def _keys(tmp_path, lexicon: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    (tmp_path / "lex.yaml").write_text(lexicon)
    (tmp_path / "m.yaml").write_text(MANIFEST)
    from narrate.prepare import load_lexicon

    manifest = load_manifest(tmp_path / "m.yaml")
    plan = plan_manifest(manifest, {"espeak": FakeProvider()}, load_lexicon(manifest))
    return {j.name: (j.text, j.segments) for j in plan.jobs}


def test_a_pattern_changes_only_the_keys_of_matching_segments(tmp_path):
    before = _keys(tmp_path, "PPO: P P O\n")
    after = _keys(tmp_path, "PPO: P P O\npatterns:\n  - {pattern: 'Route (\\d+)', say: 'Highway \\1'}\n")
    assert after["directions"][0] == "Take Highway sixty-six north."
    assert before["directions"][0] == "Take Route sixty-six north."
    assert after["directions"][1] != before["directions"][1]
    assert after["hours"] == before["hours"]


def test_a_bad_pattern_is_located_in_the_lexicon_file(tmp_path):
    (tmp_path / "lex.yaml").write_text("PPO: P P O\nlanguages:\n  en-US:\n    patterns:\n"
                                       "      - {pattern: '(a+)+', say: x}\n      - {pattern: '[z', say: y}\n")
    (tmp_path / "m.yaml").write_text(MANIFEST)
    before = snapshot(tmp_path)
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "lex.yaml:5:", "languages.en-US.patterns[0].pattern", "repetition inside")
    assert_clean_failure(done, 2, "lex.yaml:6:", "languages.en-US.patterns[1].pattern",
                         "not a regular expression: unterminated character set at position 0")
    assert snapshot(tmp_path) == before


def test_an_inline_bad_pattern_is_located_in_the_manifest(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nlexicon:\n  patterns:\n    - pattern: 'x{2'\n      say: 'y\\1'\n")
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:4:", "lexicon.patterns[0].pattern", "replacement: invalid group reference 1")


def test_text_command_shows_pattern_rules(tmp_path):
    (tmp_path / "lex.yaml").write_text("patterns:\n  - {pattern: 'Route (\\d+)', say: 'Highway \\1'}\n")
    (tmp_path / "ch.md").write_text("# Trip\n\nTake Route 66 north.\n")
    (tmp_path / "m.yaml").write_text("version: 1\nlexicon: lex.yaml\nbooks:\n  b: {sources: [ch.md], output: o}\n")
    done = narrate_in("-q", "text", "ch.md", "--manifest", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Title: Trip\n\nTrip\n\nTake Highway sixty-six north.\n"


@pytest.mark.parametrize("written", ["es-US", "es_US", "es_us", "ES-us"])
def test_a_lexicon_language_matches_the_prompt_language_however_it_is_spelt(written):
    """`languages: {es_us: ...}` is the manifest's es-US: its word and pattern rules apply (they
    were silently never applied when the spellings differed)."""
    lexicon = Lexicon.from_mapping({"languages": {written: {
        "Northwind": "Nort uind", "patterns": [{"pattern": r"(\d+) hrs", "say": r"\1 horas"}]}}}, source="t")
    assert lexicon.apply("Northwind abre 24 hrs.", "es-US") == "Nort uind abre 24 horas."
    assert lexicon.apply("Northwind abre 24 hrs.", "es_us") == "Nort uind abre 24 horas."
    assert lexicon.apply("Northwind opens 24 hrs.", "en-US") == "Northwind opens 24 hrs."


LEXICON_MANIFEST = ("version: 1\nlexicon: {lexicon}\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw]\n"
                    "    languages:\n      en-US: {{voice: en-us}}\n      es-US: {{voice: es-419}}\n"
                    "    prompts:\n      a: {{en-US: Hello Northwind., es-US: Hola Northwind.}}\n")


def test_a_lexicon_language_that_only_nearly_matches_the_manifest_is_warned_at_its_line(tmp_path):
    (tmp_path / "lexicon.yaml").write_text("PPO: P P O\nlanguages:\n  de-DE: {Northwind: Nordwind}\n"
                                           "  es-MX:\n    Northwind: Nort uind\n  es: {PPO: pe pe o}\n",
                                           encoding="utf-8")
    (tmp_path / "m.yaml").write_text(LEXICON_MANIFEST.format(lexicon="lexicon.yaml"), encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: lexicon.yaml:4: languages.es-MX: these rules apply only to text in es-MX, and no "
                        "prompt or book is; the manifest has es-US (a lexicon language covers its own regions only: "
                        "write these rules under es-US, or under es for every region)"]
    # de-DE: nothing near it here (a lexicon shared with a German project); es covers es-US


def test_an_inline_lexicon_language_near_miss_is_warned_at_the_manifest_line(tmp_path):
    inline = "{languages: {en-GB: {Northwind: North wind}}}"
    (tmp_path / "m.yaml").write_text(LEXICON_MANIFEST.format(lexicon=inline), encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning: m.yaml:2: lexicon.languages.en-GB: these rules apply only to text in en-GB" in done.stderr
