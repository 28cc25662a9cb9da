"""Where a lexicon rule applies: the words the author wrote, never the words narrate produces for
an element (say-as numbers, digits, telephone groups), whatever the provider; its language and the
languages under it; whole words only."""

from __future__ import annotations

from fakes import FakeProvider
from narrate.manifest import load_manifest
from narrate.plan import plan_manifest
from narrate.text import Lexicon
from narrate.text.chapter import chapter_units
from narrate.text.markdown import markdown_to_speakable
from narrate.text.markup import PLAIN

MANIFEST = """\
version: 1
lexicon: lex.yaml
libraries:
  shop:
    output: out
    formats: [wav]
    languages: {{en-US: en-us, es-US: es, es-MX: es}}
    prompts:
{prompts}
"""


def _texts(tmp_path, lexicon: str, prompts: dict[str, dict[str, str]]) -> dict[tuple[str, str], str]:
    import json

    from narrate.prepare import load_lexicon

    (tmp_path / "lex.yaml").write_text(lexicon, encoding="utf-8")
    body = "".join(f"      {name}: {json.dumps(texts, ensure_ascii=False)}\n" for name, texts in prompts.items())
    (tmp_path / "m.yaml").write_text(MANIFEST.format(prompts=body), encoding="utf-8")
    manifest = load_manifest(tmp_path / "m.yaml")
    plan = plan_manifest(manifest, {"espeak": FakeProvider()}, load_lexicon(manifest))
    return {(j.name, j.language): j.text for j in plan.jobs}


def test_a_rule_never_rewrites_the_words_of_a_say_as(tmp_path):
    texts = _texts(tmp_path, "one: wun\n", {
        "menu": {"en-US": 'Press <say-as interpret-as="cardinal">1</say-as> for one more.'},
        "call": {"en-US": 'Call <say-as interpret-as="telephone">101</say-as> for one.'},
        "plain": {"en-US": "Press 1 for one more."},
    })
    # The plain prompt says "Press one for wun more.": the markup one must say the number the same way.
    assert texts[("plain", "en-US")] == "Press one for wun more."
    assert texts[("menu", "en-US")] == "Press one for wun more."
    assert texts[("call", "en-US")] == "Call one zero one for wun."


def test_a_rule_never_rewrites_the_words_of_a_say_as_in_a_chapter():
    lexicon = Lexicon.from_mapping({"one": "wun"}, source="lex")
    doc = markdown_to_speakable('Press <say-as interpret-as="cardinal">1</say-as> for one more.\n')
    units = chapter_units(doc, 400, "en-US", lexicon, spoken=True, target=PLAIN)
    assert [u.text for u in units] == ["Press one for wun more."]


def test_a_language_rule_covers_its_regional_variants_and_the_nearest_wins(tmp_path):
    # BCP 47 lookup (RFC 4647 section 3.4): "es" covers es-US and es-MX, "es-US" is more specific
    # than "es", and tags match whatever their case.
    lexicon = ("Northwind: North Wind\nCafe: Kaffee\npatterns: [{pattern: 'Ruta (\\d+)', say: 'Route \\1'}]\n"
               "languages:\n"
               "  es:\n    Northwind: Norte Viento\n    hola: ola\n"
               "    patterns: [{pattern: 'Route (\\d+)', say: 'Carretera \\1'}]\n"
               "  es-us:\n    Northwind: Nort uind\n")
    texts = _texts(tmp_path, lexicon, {"hi": {"en-US": "Northwind Cafe, hola.", "es-US": "Northwind Cafe, hola.",
                                              "es-MX": "Northwind Cafe, hola."},
                                       "road": {"en-US": "Ruta 9", "es-MX": "Ruta 9"}})
    assert texts[("hi", "en-US")] == "North Wind Kaffee, hola."
    assert texts[("hi", "es-US")] == "Nort uind Kaffee, ola."
    assert texts[("hi", "es-MX")] == "Norte Viento Kaffee, ola."
    # Patterns: the global ones first, then the language's, general to specific.
    assert texts[("road", "en-US")] == "Route nine"
    assert texts[("road", "es-MX")] == "Carretera nueve"
