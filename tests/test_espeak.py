"""The embedded engine, for real: eSpeak NG from the espeakng-loader wheel."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from narrate.audio.decode import decode
from narrate.errors import ProviderError
from narrate.providers.base import ProviderConfig, SynthesisRequest
from narrate.providers.espeak import create, resolve_voice


@pytest.fixture(scope="module")
def engine():
    return create(ProviderConfig(name="espeak", kind="espeak"))


def speak(engine, text, voice="en-us", speed=1.0):
    result = engine.synthesize(SynthesisRequest(text=text, voice=voice, language="en-US", speed=speed))
    assert result.format.sample_rate == 22050 and result.audio[:4] == b"RIFF"
    return decode(result.audio, result.format)


def test_english_and_spanish_are_plausible_speech(engine):
    for text, voice in (("Thank you for calling.", "en-us"), ("Gracias por llamar.", "es-419")):
        pcm = speak(engine, text, voice)
        assert 0.5 < pcm.duration < 5
        assert np.sqrt(np.mean(pcm.samples.astype(float) ** 2)) > 300  # not silence


def test_speed_changes_duration(engine):
    fast = speak(engine, "Please hold while we connect your call.", speed=1.5)
    slow = speak(engine, "Please hold while we connect your call.", speed=0.75)
    assert fast.duration < slow.duration * 0.7


@pytest.mark.parametrize("tag, expected", [("en-US", "gmw/en-US"), ("en-us", "gmw/en-US"), ("es-US", "roa/es-419"),
                                           ("pt-BR", "roa/pt-BR"), ("fr-CA", "roa/fr"), ("en-us+f3", "gmw/en-US+f3"),
                                           ("es-CL", "roa/es")])
def test_language_tags_resolve(tag, expected):
    assert resolve_voice(tag) == expected


def test_unknown_voice_has_a_hint(engine):
    assert engine.check_voice("en-us", "en-US") is None
    reason = engine.check_voice("englsh-uss", "en-US")
    assert reason and "no voice" in reason
    with pytest.raises(ProviderError):
        resolve_voice("zz-qq")


def test_voices_list_languages(engine):
    voices = {v.name: v for v in engine.voices()}
    assert "en-us" in voices["gmw/en-US"].languages
    assert any("es" in v.languages for v in voices.values())


def test_threads_share_the_engine_safely(engine):
    results, errors = [], []

    def work(i):
        try:
            results.append(speak(engine, f"Caller number {i}, please hold.").duration)
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 8 and all(d > 0.5 for d in results)


def test_key_params_ignore_telephony_and_markup_is_spoken(engine):
    a = SynthesisRequest(text="x", voice="en-us", language="en-US", telephony=True)
    b = SynthesisRequest(text="x", voice="en-us", language="en-US", telephony=False)
    assert engine.key_params(a) == engine.key_params(b)
    pcm = speak(engine, "<speak>hi</speak> & 5 < 6 \x07")
    assert pcm.duration > 0.5
