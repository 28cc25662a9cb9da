"""`missing_translation: fallback` says what it did (issue 13 item 8): each fallback (prompt,
language, language whose text is said) in validate, plan, build, index.json and the review page."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from narrate.manifest import load_manifest
from narrate.manifest.advice import fallbacks

MANIFEST = """\
version: 1
libraries:
  ivr:
    output: out
    formats: [wav]
    missing_translation: fallback
    languages: {en-US: en-us, es-ES: es, fr-FR: fr}
    prompts:
      welcome:
        en-US: Welcome.
        es-ES: Bienvenido.
        fr-FR: Bienvenue.
      closed:
        en-US: We are closed.
        fr-FR: Nous sommes fermés.
      hold:
        es-ES: Espere, por favor.
"""
WARNINGS = [
    "m.yaml:14: libraries.ivr.prompts.closed.es-ES: no es-ES text: says the en-US text with the es-ES voice "
    "(missing_translation: fallback)",
    "m.yaml:17: libraries.ivr.prompts.hold.en-US: no en-US text: says the es-ES text with the en-US voice "
    "(missing_translation: fallback)",
    "m.yaml:17: libraries.ivr.prompts.hold.fr-FR: no fr-FR text: says the es-ES text with the fr-FR voice "
    "(missing_translation: fallback)",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("fallback")
    (root / "m.yaml").write_text(MANIFEST, encoding="utf-8")
    done = narrate_in("build", "m.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return root, done


def test_fallbacks_of_the_library(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST, encoding="utf-8")
    lib = load_manifest(tmp_path / "m.yaml").libraries[0]
    assert [(p.name, p.language, p.fallback_from, p.text) for p in fallbacks(lib)] == [
        ("closed", "es-ES", "en-US", "We are closed."), ("hold", "en-US", "es-ES", "Espere, por favor."),
        ("hold", "fr-FR", "es-ES", "Espere, por favor.")]


def test_validate_and_plan_list_each_fallback(built):
    root, _ = built
    valid = narrate_in("validate", "m.yaml", cwd=root)
    assert valid.returncode == 0
    assert [line for line in valid.stderr.splitlines() if line.startswith("warning: ")] == [
        f"warning: {w}" for w in WARNINGS]
    plan = narrate_in("plan", "--json", "m.yaml", cwd=root)
    assert plan.returncode == 0, plan.stderr
    report = json.loads(plan.stdout)
    assert report["fallbacks"] == [
        {"library": "ivr", "prompt": "closed", "language": "es-ES", "text_from": "en-US"},
        {"library": "ivr", "prompt": "hold", "language": "en-US", "text_from": "es-ES"},
        {"library": "ivr", "prompt": "hold", "language": "fr-FR", "text_from": "es-ES"}]
    assert report["warnings"] == WARNINGS


def test_build_lists_each_fallback_even_when_nothing_changed(built):
    root, first = built
    assert [line for line in first.stderr.splitlines() if line.startswith("warning: ")] == [
        f"warning: {w}" for w in WARNINGS]
    again = narrate_in("build", "--json", "m.yaml", cwd=root)  # the no-op fast path replays them
    assert json.loads(again.stdout)["synthesized"] == 0 and json.loads(again.stdout)["warnings"] == WARNINGS
    rows = json.loads((root / "out" / "index.json").read_text())["prompts"]
    assert [(r["name"], r["language"], r.get("fallback_from")) for r in rows] == [
        ("closed", "en-US", None), ("closed", "es-ES", "en-US"), ("closed", "fr-FR", None),
        ("hold", "en-US", "es-ES"), ("hold", "es-ES", None), ("hold", "fr-FR", "es-ES"),
        ("welcome", "en-US", None), ("welcome", "es-ES", None), ("welcome", "fr-FR", None)]


def test_review_page_marks_each_fallback(built):
    root, _ = built
    done = narrate_in("report", "m.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    page = (root / "review" / "review.html").read_text(encoding="utf-8")  # review/ beside out/
    assert "9 recordings, 3 of them fallbacks (another language's text)." in page
    assert page.count('<div class="fallback"') == 3
    assert ('<td lang="es-ES">We are closed.<div class="fallback" lang="en">fallback: no es-ES text, the en-US text '
            'said with the es-ES voice</div></td>') in page
