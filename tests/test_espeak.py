"""The embedded engine, for real: eSpeak NG from the espeakng-loader wheel."""

from __future__ import annotations

import ctypes
import io
import os
import subprocess
import sys
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from narrate.errors import ProviderError, VoiceError
from narrate.providers.base import Provider, ProviderConfig, SynthesisRequest
from narrate.providers.espeak import (
    EspeakProvider,
    _data_dir,
    _languages,
    _short_data_path,
    clean_text,
    create,
    resolve_voice,
)
from narrate.providers.registry import create_provider

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def engine() -> EspeakProvider:
    return create(ProviderConfig(name="espeak", kind="espeak"))


def request(text: str, voice: str = "en-us", **kw) -> SynthesisRequest:
    return SynthesisRequest(text=text, voice=voice, language="en-US", **kw)


def speak(engine: EspeakProvider, text: str, voice: str = "en-us", **kw) -> tuple[np.ndarray, float]:
    """Synthesize and parse with the stdlib reader (independent of narrate.audio): samples and seconds."""
    result = engine.synthesize(request(text, voice, **kw))
    assert (result.format.container, result.format.encoding, result.format.sample_rate) == ("wav", "pcm_s16le", 22050)
    assert result.audio[:4] == b"RIFF" and result.audio[8:16] == b"WAVEfmt "
    with wave.open(io.BytesIO(result.audio)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert len(result.audio) == 44 + 2 * len(samples)  # the header's sizes match the body
    return samples, len(samples) / 22050


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


@pytest.mark.parametrize("text, voice", [("Thank you for calling.", "en-us"), ("Gracias por llamar.", "es-419"),
                                         ("Gracias por llamar.", "es")])
def test_english_and_spanish_are_plausible_speech(engine, text, voice):
    samples, seconds = speak(engine, text, voice)
    assert 0.5 < seconds < 5
    assert rms(samples) > 300  # not silence


def test_speed_changes_duration(engine):
    _, fast = speak(engine, "Please hold while we connect your call.", speed=1.5)
    _, slow = speak(engine, "Please hold while we connect your call.", speed=0.75)
    assert fast < slow * 0.7


def test_markup_is_read_out_not_obeyed(engine):
    _, plain = speak(engine, "hi")
    _, markup = speak(engine, "<speak>hi</speak>")  # as SSML this would be just "hi"
    assert markup > plain + 0.5
    _, mixed = speak(engine, "<speak>hi</speak> & 5 < 6 \x07\x00 [[h@'loU]]")
    assert mixed > markup


def test_text_is_cleaned_and_empty_text_is_an_error(engine):
    assert clean_text(" a\x00b\x1b\tc\ud800 ") == "a b  c"
    with pytest.raises(ProviderError, match="empty"):
        engine.synthesize(request("\x00\x07 \n"))


def test_pitch_option_is_keyed_and_validated(engine):
    base = request("Hello.")
    high = request("Hello.", options=(("pitch", "80"),))
    assert "pitch" not in engine.key_params(base)
    assert engine.key_params(high)["pitch"] == 80
    speak(engine, "Hello.", options=(("pitch", "80"),))
    for bad in ("loud", "120", "-1"):
        with pytest.raises(ProviderError, match="pitch"):
            engine.key_params(request("Hello.", options=(("pitch", bad),)))


def test_key_params_ignore_telephony(engine):
    a, b = request("x", telephony=True), request("x", telephony=False)
    assert engine.key_params(a) == engine.key_params(b) == {"rate": 22050, "encoding": "pcm_s16le", "speed": 1.0}
    assert engine.key_params(request("x", speed=1.5))["speed"] == 1.5


@pytest.mark.parametrize("voice, expected", [
    ("en-US", "gmw/en-US"), ("en-us", "gmw/en-US"), ("en_US", "gmw/en-US"), ("gmw/en-us", "gmw/en-US"),
    ("English (America)", "gmw/en-US"), ("es", "roa/es"), ("es-US", "roa/es-419"), ("es-MX", "roa/es-419"),
    ("pt-BR", "roa/pt-BR"), ("fr-CA", "roa/fr"), ("de-AT", "gmw/de"), ("zh-Hant-TW", "sit/cmn"),
    ("en-GB", "gmw/en"), ("en-gb-x-rp", "gmw/en-GB-x-rp"), ("en-us+f3", "gmw/en-US+f3"), ("en-US+F3", "gmw/en-US+f3"),
])
def test_voices_resolve_by_identifier_name_and_tag(voice, expected):
    assert resolve_voice(voice) == expected


def test_unknown_voices_and_variants_are_rejected_with_hints(engine):
    for ok, lang in (("en-US", "en-US"), ("en-us", "en-US"), ("es-US", "es-US"), ("es-419", "es-MX"), ("en-us+f3", "en-US")):
        assert engine.check_voice(ok, lang) is None, ok
    # A voice of another language is refused since issue 13 (tests/test_voice_language.py).
    assert engine.check_voice("es-419", "en-US") == "eSpeak NG voice roa/es-419 speaks es-419, not en-US"
    reason = engine.check_voice("xx-klingon", "en-US")
    assert reason and "no voice" in reason and "did you mean piqd (Klingon)" in reason and "\n" not in reason
    assert "en-US" in (engine.check_voice("en-uss", "en-US") or "")  # a misspelt region is not silently "en"
    assert "no voice" in (engine.check_voice("es-marsian", "es-US") or "")  # nor a made-up variant "es"
    assert "variant" in (engine.check_voice("en-us+bogus", "en-US") or "")
    with pytest.raises(VoiceError):
        resolve_voice("zz-qq")
    with pytest.raises(ProviderError) as info:  # synthesize speaks the protocol's error type
        engine.synthesize(request("Hello.", "xx-klingon"))
    assert not info.value.retryable


def test_voices_list_languages(engine):
    voices = {v.name: v for v in engine.voices()}
    assert len(voices) > 50 and all(v.languages and v.description for v in voices.values())
    assert voices["gmw/en-US"].languages[0] == "en-us" and voices["gmw/en-US"].description == "English (America)"
    assert "es" in voices["roa/es"].languages and "es-419" in voices["roa/es-419"].languages
    assert {v.gender for v in voices.values()} <= {"male", "female", None}
    assert not any(name.startswith("!v/") for name in voices)  # variants are not voices


def test_packed_language_list_is_parsed():
    buf = ctypes.create_string_buffer(b"\x05en-us\x00\x02en\x00\x00")
    assert _languages(ctypes.addressof(buf)) == [(5, "en-us"), (2, "en")]
    assert _languages(None) == []


def test_threads_share_the_engine_safely(engine):
    def work(i: int) -> tuple[float, float]:
        samples, seconds = speak(engine, f"Caller number {i}, please hold.", "en-us" if i % 2 else "es")
        return seconds, rms(samples)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    assert len(results) == 8 and all(s > 0.5 and level > 300 for s, level in results)


def test_registry_builds_it_and_it_is_a_provider(engine):
    provider = create_provider(ProviderConfig(name="local", kind="espeak"))
    assert isinstance(provider, EspeakProvider) and isinstance(provider, Provider)
    assert provider.contract_version.startswith("espeak-ng-1.") and provider.contract_version.endswith("/1")
    # one worker process per core (issue 14): the engine pool runs that many engines side by side
    assert provider.limits.default_concurrency == (os.cpu_count() or 1) and provider.limits.max_chars >= 1000


def test_the_contract_version_is_read_without_initialising_the_engine(monkeypatch):
    """Every segment key holds the contract version; an all-cached build reads it from espeak_Info alone,
    not through espeak_Initialize (phoneme data, the voice list: ~1.2 MB resident, issue 12)."""
    import narrate.providers.espeak as espeak

    initialised = espeak._Engine.get()  # how the version was read before: from the initialised engine
    old = f"espeak-ng-{initialised.version}/1"
    monkeypatch.setattr(espeak._Engine, "_instance", None)
    monkeypatch.setattr(espeak, "_version", None)
    provider = create(ProviderConfig(name="espeak", kind="espeak"))
    assert provider.contract_version == old and old.startswith("espeak-ng-1.")
    assert espeak._Engine._instance is None  # not initialised for it
    monkeypatch.setattr(espeak._Engine, "_instance", initialised)
    assert provider.contract_version == old


def test_long_data_paths_get_a_short_alias(tmp_path):
    data = tmp_path / "espeak-ng-data"
    data.mkdir()
    (data / "phontab").write_bytes(b"")
    long = tmp_path / ("x" * 100) / ("y" * 100)
    long.parent.mkdir()
    long.symlink_to(data, target_is_directory=True)
    aliases = tmp_path / "a"
    aliases.mkdir()
    alias = _short_data_path(long, alias_dir=aliases)
    assert len(str(alias)) < 160 and alias.resolve() == data.resolve()
    (aliases / alias.name).unlink()
    (aliases / alias.name).symlink_to(tmp_path, target_is_directory=True)  # stale: an old venv
    assert _short_data_path(long, alias_dir=aliases).resolve() == data.resolve()
    assert _short_data_path(data) == data  # short paths are used as they are
    assert _data_dir(tmp_path) == data  # the parent folder is accepted too
    with pytest.raises(ProviderError, match="phontab"):
        _data_dir(aliases)


def test_a_bad_data_folder_raises_instead_of_exiting(tmp_path):
    # phontab exists, so our own check passes and the library itself fails: without DONT_EXIT it would exit(1).
    (tmp_path / "phontab").write_bytes(b"")
    code = ("import sys; from pathlib import Path; from narrate.errors import ProviderError\n"
            "from narrate.providers.espeak import _Engine\n"
            "try:\n    _Engine(Path(sys.argv[1]))\nexcept ProviderError as exc:\n    print('raised:', exc)\n"
            "print('still alive')\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert "raised: eSpeak NG could not load its data" in run.stdout and "still alive" in run.stdout


DETERMINISM_TEXT = "Thank you for calling. Your call is important to us."
SPEAK_ONE = ("import hashlib, sys\nfrom narrate.providers.base import ProviderConfig, SynthesisRequest\n"
             "from narrate.providers.espeak import create\n"
             "e = create(ProviderConfig(name='espeak', kind='espeak'))\n"
             "for text, voice, speed, pitch in [(sys.argv[1], 'en-us', 1.0, None)] if len(sys.argv) < 3 else "
             "[('Hola, buenos dias.', 'es-419', 1.6, '90'), (sys.argv[1], 'en-us', 1.0, None)]:\n"
             "    opts = (('pitch', pitch),) if pitch else ()\n"
             "    audio = e.synthesize(SynthesisRequest(text=text, voice=voice, language='en-US', speed=speed,"
             " options=opts)).audio\n"
             "print(hashlib.sha256(audio).hexdigest())\n")


def test_one_text_gives_the_same_bytes_whatever_came_before(engine):
    """DESIGN invariant 10: before the fork server, the second call of one text already differed."""
    first = engine.synthesize(request(DETERMINISM_TEXT)).audio
    others = [("Hola, gracias por llamar.", "es-419", 1.5, "80"), ("Bonjour tout le monde.", "fr", 0.7, None),
              ("Guten Tag.", "de", 2.0, "10"), ("Press one.", "en-us+f3", 1.0, None),
              ("Press two.", "en-us+klatt", 0.8, "99"), ("我们明天去公园。", "cmn", 1.0, None)]
    seen = []
    for text, voice, speed, pitch in others:
        engine.synthesize(request(text, voice, speed=speed, options=(("pitch", pitch),) if pitch else ()))
        seen.append(engine.synthesize(request(DETERMINISM_TEXT)).audio)
    assert all(audio == first for audio in seen)
    assert len(first) > 44 + 22050  # real audio, not an empty answer compared with itself
    # and the parameters still matter: a different speed is different audio
    assert engine.synthesize(request(DETERMINISM_TEXT, speed=1.2)).audio != first


def test_one_text_gives_the_same_bytes_across_processes(engine):
    import hashlib

    here = hashlib.sha256(engine.synthesize(request(DETERMINISM_TEXT)).audio).hexdigest()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    fresh = subprocess.run([sys.executable, "-c", SPEAK_ONE, DETERMINISM_TEXT], capture_output=True, text=True,
                           env=env, timeout=120)
    after_spanish = subprocess.run([sys.executable, "-c", SPEAK_ONE, DETERMINISM_TEXT, "spanish first"],
                                   capture_output=True, text=True, env=env, timeout=120)
    assert fresh.returncode == after_spanish.returncode == 0, fresh.stderr + after_spanish.stderr
    assert fresh.stdout.strip() == after_spanish.stdout.strip() == here


def test_a_dead_worker_is_replaced(engine):
    from narrate.providers.espeak_pool import shared_pool

    first = engine.synthesize(request("Hello.")).audio
    pids = shared_pool().pids
    assert pids
    for pid in pids:
        os.kill(pid, 9)  # our own workers, by their pids
    assert engine.synthesize(request("Hello.")).audio == first  # a new worker, the same bytes
    assert shared_pool().pids and not set(shared_pool().pids) & set(pids)


def test_without_fork_or_reset_a_worker_answers_one_request_then_exits():
    code = ("import io, os, pickle, struct\n"
            "del os.fork\n"
            "import narrate.providers.espeak_reset as r\n"
            "def unsupported(*a):\n"
            "    raise r.Unsupported('test')\n"
            "r.Pristine = unsupported\n"
            "from narrate.providers.espeak_worker import serve, HEAD, engine_mode\n"
            "req = pickle.dumps(('speak', 'Hello.', 'gmw/en-US', 175, 50, False))\n"
            "frame = struct.pack('>I', len(req)) + req\n"
            "out = io.BytesIO()\n"
            "serve(io.BytesIO(frame * 2), out)\n"
            "data = out.getvalue()\n"
            "ready, n = HEAD.unpack(data[:5]); rest = data[5 + n:]\n"
            "status, size = HEAD.unpack(rest[:5])\n"
            "print(ready, n, engine_mode(), status, size > 10000, len(rest) == 5 + size)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2", "0", "fork", "0", "True", "True"]  # READY, one PCM reply only (fork mode)


def test_clean_text_keeps_printable_text_and_blanks_control_characters_and_surrogates():
    from narrate.providers.espeak import clean_text

    assert clean_text("  Press 1, then #.  ") == "Press 1, then #."  # printable: only stripped
    assert clean_text("a\tb\x00c\x7fd\n") == "a b c d"  # Cc -> space
    assert clean_text("no\u00a0break\u200bzero") == "no\u00a0break\u200bzero"  # Zs and Cf are not Cc/Cs: kept
    assert clean_text("\ud800ok\udfff") == "ok"  # lone surrogates (Cs) -> spaces, then stripped
