"""Where a lexicon rule applies: the words the author wrote, never the words narrate produces for
an element (say-as numbers, digits, telephone groups), whatever the provider; its language and the
languages under it; whole words only."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def _reference(lexicon: Lexicon, text: str) -> str:
    """Whole-word rules as one alternation regex of every term, longest first: the definition the
    per-word matcher (narrate.text.lexicon_match) must agree with."""
    import re

    rules = lexicon.rules_for("en-US")
    exact = {r.term: r for r in rules if r.case_sensitive}
    folded = {r.term.casefold(): r for r in rules if not r.case_sensitive}
    parts = [re.escape(r.term) if r.case_sensitive else f"(?i:{re.escape(r.term)})"
             for r in sorted(rules, key=lambda r: -len(r.term))]
    pattern = re.compile(r"(?<![\w.])(?:" + "|".join(parts) + r")(?![\w]|\.\w)")
    return pattern.sub(lambda m: (exact.get(m.group(0)) or folded[m.group(0).casefold()]).replacement, text)


def test_whole_words_only():
    lexicon = Lexicon.from_mapping({"Dr": "Doctor", "St": "Street", "Harbor": "Port", "Harbor Street": "the quay",
                                    "Node.js": "node J S", "#1": "number one", "SQL": {"say": "sequel",
                                    "case_sensitive": True}, "sql": "S Q L"}, source="lex")
    assert lexicon.apply("Dr Drive, Dr. Who, DR, dr.x, e.Dr, Harbor Streets, Harbor Street. Node.js, "
                         "Node.json, #1 and #12, SQL sql Sql", "en-US") == (
        "Doctor Drive, Doctor. Who, Doctor, dr.x, e.Dr, Port Streets, the quay. node J S, "
        "Node.json, number one and #12, sequel S Q L S Q L")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms=st.dictionaries(st.text("aAbB.-#1É é_", min_size=1, max_size=5).map(str.strip).filter(bool),
                             st.booleans(), min_size=1, max_size=6),
       text=st.text("aAbB.-#1É é_,", max_size=30))
def test_the_matcher_agrees_with_one_regex_of_every_term(terms, text):
    lexicon = Lexicon.from_mapping({t: {"say": f"[{i}]", "case_sensitive": c} for i, (t, c) in enumerate(terms.items())},
                                   source="lex")
    assert lexicon.apply(text, "en-US") == _reference(lexicon, text)


def test_a_sub_alias_is_respelled_alike_whatever_else_the_prompt_holds():
    from narrate.text.markup import Target, compile_pieces

    lexicon = Lexicon.from_mapping({"Dr": "Doctor"}, source="lex")
    espeak_like = Target(True, frozenset({"characters"}))  # reads say-as characters, not sub
    azure_like = Target(True, frozenset({"characters"}), sub=True)

    def respell(t: str) -> str:
        return lexicon.apply(t, "en-US")

    alone = '<sub alias="Dr Who">DW</sub> today'
    mixed = '<say-as interpret-as="characters">AB</say-as> <sub alias="Dr Who">DW</sub> today'
    assert [p.text for p in compile_pieces(alone, "en-US", espeak_like, respell=respell)] == ["Doctor Who today"]
    assert [p.text for p in compile_pieces(mixed, "en-US", espeak_like, respell=respell)] == [
        '<say-as interpret-as="characters">AB</say-as> Doctor Who today']
    assert [p.text for p in compile_pieces(alone, "en-US", azure_like, respell=respell)] == [
        '<sub alias="Doctor Who">DW</sub> today']


def test_out_of_band_pronunciations_hold_only_the_words_an_ssml_body_speaks(tmp_path, monkeypatch):
    from narrate.providers.registry import create_provider
    from test_providers_support import KEY

    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    (tmp_path / "m.yaml").write_text(
        "version: 1\nproviders: {g: {kind: google}}\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n"
        "    languages: {en-US: {voice: en-US-Neural2-F, provider: g}}\n    prompts:\n"
        "      spell: 'Spell <say-as interpret-as=\"characters\">AB</say-as> for <sub alias=\"Nguyen\">NG</sub>.'\n",
        encoding="utf-8")
    manifest = load_manifest(tmp_path / "m.yaml")
    provider = create_provider(manifest.provider_config("g"))

    def segment(characters_ipa: str):
        lexicon = Lexicon.from_mapping({"characters": {"ipa": characters_ipa}, "Nguyen": {"ipa": "wɪn"},
                                        "alias": {"ipa": "ˈeɪliəs"}}, source="lex")
        plan = plan_manifest(manifest, {"g": provider}, lexicon)
        (job,) = plan.jobs
        (key,) = job.segments
        return key, plan.segments[key].request

    key, request = segment("ˈkæɹəktɚz")
    assert request.ssml
    assert request.lexicon == (("Nguyen", "ipa", "wɪn"),)  # not "characters" or "alias" from the markup
    assert segment("ˈkɛɹəktɚz")[0] == key  # a rule for a word the prompt never says changes nothing


def test_terms_match_however_their_quotes_dashes_and_accents_are_encoded(tmp_path):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Müller")
    lexicon = (f"McDonald\u2019s: Mac Donalds\n{decomposed}: Mueller\nWi\u2013Fi: wifi\n"
               "patterns: [{pattern: 'O\u2019Hare (\\d)', say: 'O Hare terminal \\1'}]\n")
    texts = _texts(tmp_path, lexicon, {
        "curly": {"en-US": "Visit McDonald\u2019s, Herr Müller, free Wi\u2013Fi at O\u2019Hare 5."},
        "plain": {"en-US": f"Visit McDonald's, Herr {decomposed}, free Wi-Fi at O'Hare 5."},
    })
    said = "Visit Mac Donalds, Herr Mueller, free wifi at O Hare terminal five."
    assert texts[("curly", "en-US")] == said
    assert texts[("plain", "en-US")] == said


def test_a_term_inside_a_phoneme_element_is_not_sent_again_out_of_band():
    # Google refuses a customPronunciations phrase that sits inside an SSML <phoneme> (providers.md).
    from narrate.text.lexicon_compile import segment_entries
    from narrate.text.markup import Target, compile_pieces

    lexicon = Lexicon.from_mapping({"Nguyen": {"ipa": "wɪn"}}, source="lex")
    google_like = Target(True, frozenset({"characters"}), sub=True, phoneme=True)
    (piece,) = compile_pieces('Ask <phoneme alphabet="ipa" ph="ŋwiən">Nguyen</phoneme> or Nguyen.', "en-US",
                              google_like)
    assert piece.ssml
    assert segment_entries(lexicon, piece.text, "en-US", ("ipa",), ssml=True) == (("Nguyen", "ipa", "wɪn"),)
    (only,) = compile_pieces('Ask <phoneme alphabet="ipa" ph="ŋwiən">Nguyen</phoneme>.', "en-US", google_like)
    assert segment_entries(lexicon, only.text, "en-US", ("ipa",), ssml=True) == ()
