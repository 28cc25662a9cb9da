"""A node anchored once and used through YAML aliases is one piece of YAML: its advice (numbers that
disagree, a fallback text) is said once, at the anchor, with how often the node is used, not once per
alias use at the same line."""

from __future__ import annotations

import json

from conftest import narrate_in
from narrate.errors import Problem

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages: {en-US: en-us, es-US: es-419}
    missing_translation: fallback
    prompts:
      a: &same
        en-US: Press 5 for sales.
        es-US: Oprima 6 para ventas.
      b: *same
      c: *same
      d: &fb {en-US: Only English here.}
      e: *fb
      f: {en-US: Press 7 now., es-US: Oprima 8 ahora.}
"""
NUMBERS = "the languages disagree on numbers: 5 in en-US; 6 in es-US"


def warnings(done) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("warning:")]


def test_the_advice_of_an_aliased_node_is_said_once_at_the_anchor(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    for command in ("validate", "build"):
        done = narrate_in(command, "m.yaml", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        said = warnings(done)
        assert [w for w in said if NUMBERS in w] == [
            f"warning: m.yaml:10: libraries.shop.prompts.a: {NUMBERS} (used 3 times through a YAML anchor: also "
            "libraries.shop.prompts.b, libraries.shop.prompts.c)"], said
        assert [w for w in said if "no es-US text" in w] == [
            "warning: m.yaml:14: libraries.shop.prompts.d.es-US: no es-US text: says the en-US text with the es-US voice "
            "(missing_translation: fallback) (used 2 times through a YAML anchor: also libraries.shop.prompts.e.es-US)"]
        # a prompt written out, not aliased, keeps its own warning
        assert "warning: m.yaml:16: libraries.shop.prompts.f: the languages disagree on numbers: 7 in en-US; 8 in es-US" \
            in said


def test_json_warnings_are_folded_too(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    done = narrate_in("build", "--json", "m.yaml", cwd=tmp_path)
    report = json.loads(done.stdout)
    texts = [w if isinstance(w, str) else json.dumps(w) for w in report["warnings"]]
    assert sum(NUMBERS in w for w in texts) == 1, texts


def test_a_merge_key_is_not_an_alias_use(tmp_path):
    """`<<: *same` with a key of its own is another mapping: its advice is its own, even at the same line."""
    (tmp_path / "m.yaml").write_text(MANIFEST.replace("      c: *same\n", "      c: {<<: *same, es-US: Oprima 6 ya.}\n"))
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    said = [w for w in warnings(done) if NUMBERS in w]
    assert len(said) == 2 and "libraries.shop.prompts.c:" in said[1] and "also libraries.shop.prompts.b)" in said[0], said


def test_nested_alias_uses_fold_to_the_first_and_unrelated_problems_stay():
    from narrate.manifest.alias_repeats import fold_alias_repeats

    aliases = {("x", "b"): ("x", "a"), ("x", "a", "in"): ("y", "z")}  # b is a, whose `in` is an alias of y.z
    problems = [Problem("m.yaml", 3, "y.z.en", "same"), Problem("m.yaml", 3, "x.a.in.en", "same"),
                Problem("m.yaml", 3, "x.b.in.en", "same"), Problem("m.yaml", 3, "x.b.in.en", "other"),
                Problem("m.yaml", 4, "x.c", "same")]
    folded = fold_alias_repeats(problems, aliases)
    assert [str(p) for p in folded] == [
        "m.yaml:3: y.z.en: same (used 3 times through a YAML anchor: also x.a.in.en, x.b.in.en)",
        "m.yaml:3: x.b.in.en: other", "m.yaml:4: x.c: same"]
    assert fold_alias_repeats(problems, {}) == problems
