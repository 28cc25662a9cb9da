"""Issue 13 item 7: a voice must speak its prompt's language.

The embedded engine refuses a voice of another language (an English voice spells Cyrillic letter
by letter); provider voice names are matched with BCP-47 equivalences from langcodes (Google's
`cmn-CN-...` is zh-CN, `yue`/`zh-HK`, `nb`/`no`, `fil`/`tl`). Errors are located, at validate.
"""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from narrate.providers.base import ProviderConfig
from narrate.providers.espeak import EspeakProvider
from narrate.providers.google import GoogleProvider
from narrate.providers.languages import primary, same_language


@pytest.mark.parametrize(("voice_tag", "language"), [
    ("cmn-CN", "zh-CN"), ("zh-CN", "cmn-CN"), ("yue-HK", "zh-HK"), ("zh-HK", "yue"), ("yue", "zh-HK"),
    ("nb-NO", "no"), ("no-NO", "nb"), ("nb", "no-NO"), ("fil-PH", "tl"), ("tl-PH", "fil"), ("fil", "tl-PH"),
    ("en-GB", "en-US"), ("iw-IL", "he"), ("es-US", "es-419"), ("sr-Latn", "sr-Cyrl"), ("en_gb", "EN-US"),
])
def test_equivalent_tags(voice_tag, language):
    assert same_language(voice_tag, language)


@pytest.mark.parametrize(("voice_tag", "language"), [
    ("en-US", "ru"), ("en-US", "ru-RU"), ("yue-HK", "zh-CN"), ("da-DK", "nb"), ("ms", "id"), ("nn", "no"),
    ("de-DE", "nl-NL"), ("es-ES", "pt-BR"),
])
def test_different_languages(voice_tag, language):
    assert not same_language(voice_tag, language)


def test_primary_normalises_macrolanguages_and_deprecated_tags():
    assert [primary(t) for t in ("cmn-CN", "tl", "iw", "arb", "zh-yue", "en_GB")] == ["zh", "fil", "he", "ar", "yue", "en"]


def test_google_voice_names_by_equivalent_locale():
    google = GoogleProvider(ProviderConfig(name="google", kind="google"))
    assert google.check_voice("cmn-CN-Wavenet-A", "zh-CN") is None
    assert google.check_voice("yue-HK-Standard-A", "zh-HK") is None
    assert google.check_voice("nb-NO-Wavenet-A", "no") is None
    assert google.check_voice("fil-PH-Wavenet-A", "tl") is None
    assert google.check_voice("cmn-CN-Wavenet-A", "ja-JP") == "cmn-CN-Wavenet-A is a cmn-CN voice, not ja-JP"
    assert google.check_voice("en-US-Neural2-F", "ru-RU") == "en-US-Neural2-F is a en-US voice, not ru-RU"


def test_embedded_engine_refuses_a_voice_of_another_language():
    espeak = EspeakProvider(ProviderConfig(name="espeak", kind="espeak"))
    assert espeak.check_voice("en-us", "ru") == "eSpeak NG voice gmw/en-US speaks en-us, not ru"
    assert espeak.check_voice("en-us+f3", "ru-RU") == "eSpeak NG voice gmw/en-US speaks en-us, not ru-RU"
    assert espeak.check_voice("ru", "ru-RU") is None
    assert espeak.check_voice("zh-cn", "zh-CN") is None  # espeak's Mandarin voice is sit/cmn
    assert espeak.check_voice("yue", "zh-HK") is None
    assert espeak.check_voice("nb", "no") is None
    assert espeak.check_voice("en-gb", "en-US") is None  # another region of the same language
    assert espeak.check_voice("klingon", "en-US") == "eSpeak NG voice art/piqd speaks piqd, not en-US"
    assert "no voice or language 'marsian'" in espeak.check_voice("marsian", "en-US")


RUSSIAN = """\
version: 1
libraries:
  shop:
    output: out/shop
    formats: [ulaw]
    languages:
      en-US: en-us
      ru-RU: {voice: VOICE}
    prompts:
      welcome:
        en-US: Welcome.
        ru-RU: Добро пожаловать.
"""


def test_validate_refuses_an_english_voice_on_a_russian_prompt(tmp_path):
    (tmp_path / "m.yaml").write_text(RUSSIAN.replace("VOICE", "en-us"))
    before = snapshot(tmp_path)
    for command in ("validate", "build", "plan"):
        done = narrate_in("-q", command, "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, "m.yaml:8: libraries.shop.languages.ru-RU.voice: "  # the key that set it
                             "voice 'en-us' for espeak: eSpeak NG voice gmw/en-US speaks en-us, not ru-RU "
                             "(used by libraries.shop.prompts.welcome.ru-RU, line 12)")
    after = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(".narrate-cache")}
    assert after == before  # nothing written but the (empty) cache narrate owns


def test_validate_accepts_the_russian_voice(tmp_path):
    (tmp_path / "m.yaml").write_text(RUSSIAN.replace("VOICE", "ru"))
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


GOOGLE = """\
version: 1
providers:
  google: {kind: google}
libraries:
  shop:
    output: out/shop
    provider: google
    formats: [ulaw]
    languages:
      zh-CN: {voice: cmn-CN-Wavenet-A}
      zh-HK: {voice: yue-HK-Standard-A}
      no: {voice: nb-NO-Wavenet-A}
      tl: {voice: fil-PH-Wavenet-A}
      ja-JP: {voice: JA}
    prompts:
      welcome: {zh-CN: 欢迎, zh-HK: 歡迎, no: Velkommen, tl: Maligayang pagdating, ja-JP: ようこそ}
"""


def test_validate_matches_provider_voices_by_bcp47_equivalence(tmp_path):
    key = {"GOOGLE_API_KEY": "test-key"}  # validate checks that each provider has its key (issue 15)
    (tmp_path / "m.yaml").write_text(GOOGLE.replace("JA", "ja-JP-Neural2-B"))
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path, env=key)
    assert done.returncode == 0, done.stderr
    (tmp_path / "m.yaml").write_text(GOOGLE.replace("JA", "cmn-CN-Wavenet-A"))
    done = narrate_in("-q", "validate", "m.yaml", cwd=tmp_path, env=key)
    assert_clean_failure(done, 2, "m.yaml:14: libraries.shop.languages.ja-JP.voice: "
                         "voice 'cmn-CN-Wavenet-A' for google: cmn-CN-Wavenet-A is a cmn-CN voice, not ja-JP "
                         "(used by libraries.shop.prompts.welcome.ja-JP, line 16)")
