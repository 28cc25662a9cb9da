"""A W3C PLS 1.0 file as the manifest's lexicon (`lexicon: names.pls`): aliases respell, phonemes reach
the providers that read them and degrade to the alias (or the word as written) for the others; a
file that is not a PLS lexicon, or tries entity expansion or an external entity, is refused with
its line before anything is read or paid."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from fakes import FakeProvider
from narrate.manifest import load_manifest
from narrate.plan import plan_manifest
from narrate.prepare import load_lexicon
from narrate.providers.registry import create_provider
from test_providers_support import KEY

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="{lang}">\n')
PLS = HEAD.format(lang="en") + """\
  <lexeme><grapheme>Nguyen</grapheme><phoneme>wɪn</phoneme></lexeme>
  <lexeme>
    <grapheme>W3C</grapheme><grapheme>W3</grapheme>
    <alias>World Wide Web Consortium</alias>
  </lexeme>
  <lexeme><grapheme>SQL</grapheme><alias>sequel</alias><phoneme alphabet="x-sampa">"si:kw@l</phoneme></lexeme>
  <lexeme><grapheme>Nguyen</grapheme><alias>second one loses</alias></lexeme>
  <lexeme><grapheme>Dr</grapheme><alias>Doctor</alias></lexeme>
</lexicon>
"""
MANIFEST = """\
version: 1
lexicon: names.pls
providers: {{p: {{kind: {kind}}}}}
libraries:
  ivr:
    output: out
    formats: [wav]
    languages: {{en-US: {{voice: {voice}, provider: p}}}}
    prompts:
      ask: Ask Dr Nguyen about SQL at the W3C on Drive Road.
      lower: ask nguyen about sql.
"""


def _plan(tmp_path, kind: str, voice: str, pls: str = PLS):
    (tmp_path / "names.pls").write_text(pls, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(MANIFEST.format(kind=kind, voice=voice), encoding="utf-8")
    manifest = load_manifest(tmp_path / "m.yaml")
    provider = FakeProvider() if kind == "espeak" else create_provider(manifest.provider_config("p"))
    plan = plan_manifest(manifest, {"p": provider}, load_lexicon(manifest))
    return {j.name: j for j in plan.jobs}, plan


def test_aliases_respell_and_phonemes_degrade_for_a_provider_without_them(tmp_path):
    jobs, _ = _plan(tmp_path, "espeak", "en-us")
    # eSpeak reads no IPA: the alias, else the word as written; graphemes match as written (PLS case).
    assert jobs["ask"].text == "Ask Doctor Nguyen about sequel at the World Wide Web Consortium on Drive Road."
    assert jobs["lower"].text == "ask nguyen about sql."


def test_phonemes_reach_a_provider_that_reads_them(tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")
    jobs, plan = _plan(tmp_path, "azure", "en-US-AvaNeural")
    assert jobs["ask"].text == ('Ask Doctor <phoneme alphabet="ipa" ph="wɪn">Nguyen</phoneme> about '
                                '<phoneme alphabet="x-sampa" ph="&quot;si:kw@l">SQL</phoneme> at the '
                                "World Wide Web Consortium on Drive Road.")


def test_a_pls_file_is_validated_and_its_problems_located(tmp_path):
    bad = HEAD.format(lang="en-US") + """\
  <lexeme><grapheme>Nguyen</grapheme><phoneme alphabet="x-microsoft-sapi">w ih n</phoneme></lexeme>
  <lexeme><grapheme>Empty</grapheme></lexeme>
  <lexeme><alias>nothing to match</alias></lexeme>
</lexicon>
"""
    (tmp_path / "names.pls").write_text(bad, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(MANIFEST.format(kind="espeak", voice="en-us"), encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "names.pls:3:", "Nguyen", "phoneme alphabet 'x-microsoft-sapi' is not one narrate reads")
    assert_clean_failure(done, 2, "names.pls:4:", "Empty", "a <lexeme> needs a <phoneme> or an <alias>")
    assert_clean_failure(done, 2, "names.pls:5:", "a <lexeme> needs a <grapheme>")


SECRET = "s3cr3t-line-from-a-private-file"
BOMB = ('<!DOCTYPE lexicon [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n')


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("Nguyen: win\n<lexicon>", 1, "not a PLS lexicon: invalid XML"),
    ('<lexicon version="1.0" alphabet="ipa" xml:lang="en">\n<lexeme/></lexicon>\n', 1,
     "not a PLS lexicon: the root element is <lexicon>"),
    ('<lexicon version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" alphabet="ipa" xml:lang="en"/>', 1,
     "the root element is <{http://www.w3.org/2001/10/synthesis}lexicon>"),
    ('<lexicon version="2.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="en"/>',
     1, "PLS version must be \"1.0\""),
    ('<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa"/>', 1,
     "<lexicon> needs xml:lang"),
    ('<?xml version="1.0"?>\n' + BOMB + HEAD.format(lang="en")[22:] + "<lexeme><grapheme>x</grapheme>"
     "<alias>&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;</alias></lexeme></lexicon>\n", 2, "a DOCTYPE or entity declaration"),
    ('<?xml version="1.0"?>\n<!DOCTYPE lexicon [<!ENTITY xxe SYSTEM "file://{secret}">]>\n' + HEAD.format(lang="en")[22:]
     + "<lexeme><grapheme>x</grapheme><alias>&xxe;</alias></lexeme></lexicon>\n", 2, "a DOCTYPE or entity declaration"),
    (HEAD.format(lang="en") + "<lexeme><grapheme>x</grapheme><alias>&undefined;</alias></lexeme></lexicon>\n", 3,
     "invalid XML (undefined entity)"),
])
def test_a_file_that_is_not_a_safe_pls_lexicon_is_refused(tmp_path, text, line, reason):
    private = tmp_path / "private.txt"
    private.write_text(SECRET)
    (tmp_path / "names.pls").write_text(text.replace("{secret}", str(private)), encoding="utf-8")
    (tmp_path / "m.yaml").write_text(MANIFEST.format(kind="espeak", voice="en-us"), encoding="utf-8")
    before = snapshot(tmp_path)
    for command in ("validate", "build"):
        done = narrate_in(command, "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, f"names.pls:{line}:", reason)
        assert SECRET not in done.stdout + done.stderr
    assert snapshot(tmp_path) == before


def test_an_external_entity_is_never_opened(tmp_path):
    # A FIFO blocks whoever opens it for reading: a parser that resolved the entity would hang here.
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    text = ('<?xml version="1.0"?>\n<!DOCTYPE lexicon [<!ENTITY xxe SYSTEM "' + fifo.as_uri() + '">]>\n'
            + HEAD.format(lang="en")[22:] + "<lexeme><grapheme>x</grapheme><alias>&xxe;</alias></lexeme></lexicon>\n")
    (tmp_path / "names.pls").write_text(text, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(MANIFEST.format(kind="espeak", voice="en-us"), encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "names.pls:2:", "a DOCTYPE or entity declaration")


def test_ten_thousand_lexemes_load(tmp_path):
    lexemes = "".join(f"<lexeme><grapheme>Term{i}</grapheme><alias>word {i}</alias></lexeme>\n" for i in range(10_000))
    jobs, _ = _plan(tmp_path, "espeak", "en-us", HEAD.format(lang="en-US") + lexemes + "</lexicon>\n")
    assert jobs["ask"].text == "Ask Dr Nguyen about SQL at the W three C on Drive Road."
    lexicon = load_lexicon(load_manifest(tmp_path / "m.yaml"))
    assert len(lexicon.rules) == 10_000
    assert lexicon.apply("Call Term9999, not Term99999 or term1.", "en-US") == "Call word 9999, not Term99999 or term1."


def test_editing_one_lexeme_changes_only_the_keys_of_prompts_holding_it(tmp_path):
    before, _ = _plan(tmp_path, "espeak", "en-us")
    after, _ = _plan(tmp_path, "espeak", "en-us", PLS.replace("<alias>sequel</alias>", "<alias>seekwel</alias>"))
    assert after["ask"].text == "Ask Doctor Nguyen about seekwel at the World Wide Web Consortium on Drive Road."
    assert after["ask"].segments != before["ask"].segments
    assert after["lower"].segments == before["lower"].segments


def test_a_pls_file_not_named_pls_says_how_to_name_it(tmp_path):
    (tmp_path / "names.txt").write_text(PLS, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(MANIFEST.format(kind="espeak", voice="en-us").replace("names.pls", "names.txt"),
                                     encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "names.txt:1:", "a lexicon is a mapping of term: replacement, got text; "
                                                  "a W3C PLS lexicon is read from a file named *.pls or *.xml")
