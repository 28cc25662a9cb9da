"""Active speech level (P.56 method B), normalisation with a peak limit, trim, pad, concat."""

from __future__ import annotations

import math

import numpy as np
import pytest

from narrate.audio.level import active_level_dbov, concat, normalize, pad, peak_dbfs, trim_silence
from narrate.audio.pcm import Pcm
from narrate.errors import AudioError


def sine(freq: float, rate: int, seconds: float, amp: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def talk(rate: int = 16000, amp: float = 3000.0) -> Pcm:
    """Three 'words' of a buzzy voice separated by 0.6 s pauses (longer than the 0.2 s hangover)."""
    word = sine(180, rate, 0.4, amp) + sine(540, rate, 0.4, amp / 3)
    word *= np.hanning(len(word)) ** 0.3
    gap = np.zeros(int(rate * 0.6))
    return Pcm(np.round(np.concatenate([word, gap, word * 0.7, gap, word])).astype(np.int16), rate)


def plain_rms_dbov(pcm: Pcm) -> float:
    return 10 * math.log10(np.mean(pcm.samples.astype(np.float64) ** 2) / 32768**2)


def test_continuous_sine_measures_its_rms_in_dbov():
    amp = 10000.0
    pcm = Pcm(np.round(sine(440, 22050, 2.0, amp)).astype(np.int16), 22050)
    assert active_level_dbov(pcm) == pytest.approx(20 * math.log10(amp / math.sqrt(2) / 32768), abs=0.1)


def test_zero_dbov_is_a_full_scale_square_wave():
    t = np.arange(8000) / 8000
    square = np.where(np.sin(2 * np.pi * 100 * t) >= 0, 32767, -32767).astype(np.int16)
    assert active_level_dbov(Pcm(square, 8000)) == pytest.approx(0.0, abs=0.1)


def test_pauses_do_not_lower_the_active_level():
    # Both versions end with more than the 0.2 s hangover of silence, which P.56 counts as active.
    speech = Pcm(np.concatenate([talk().samples, np.zeros(4800, np.int16)]), 16000)
    padded = Pcm(np.concatenate([np.zeros(32000, np.int16), speech.samples, np.zeros(48000, np.int16)]), 16000)
    # A whole-file RMS drops by several dB with the silence; the active level barely moves.
    assert plain_rms_dbov(speech) - plain_rms_dbov(padded) > 3
    assert abs(active_level_dbov(speech) - active_level_dbov(padded)) < 0.3
    assert active_level_dbov(speech) - plain_rms_dbov(speech) > 1.0


def test_gaps_shorter_than_the_hangover_count_as_speech():
    rate = 8000
    burst = np.concatenate([sine(400, rate, 0.05, 8000), np.zeros(int(rate * 0.16))])
    pcm = Pcm(np.round(np.tile(burst, 20)).astype(np.int16), rate)
    # 160 ms gaps sit inside the 0.2 s hangover: the active level is the plain RMS of the whole.
    # Without the hangover the envelope falls below threshold mid-gap and it reads 1.5 dB hotter.
    assert active_level_dbov(pcm) == pytest.approx(plain_rms_dbov(pcm), abs=0.3)


def test_active_level_is_rate_independent():
    a = active_level_dbov(talk(8000))
    b = active_level_dbov(talk(48000))
    assert a == pytest.approx(b, abs=0.2)


def test_silence_has_no_level():
    assert active_level_dbov(Pcm(np.zeros(8000, np.int16), 8000)) == -math.inf
    assert active_level_dbov(Pcm(np.zeros(0, np.int16), 8000)) == -math.inf
    assert peak_dbfs(Pcm(np.zeros(10, np.int16), 8000)) == -math.inf


def test_peak_dbfs():
    assert peak_dbfs(Pcm(np.array([0, -32768, 5], np.int16), 8000)) == 0.0
    assert peak_dbfs(Pcm(np.array([16384, -3], np.int16), 8000)) == pytest.approx(-6.0206, abs=1e-3)


@pytest.mark.parametrize("amp", [300.0, 3000.0, 12000.0])
def test_normalize_reaches_target(amp):
    out = normalize(talk(amp=amp), target_dbov=-26.0, peak_limit_dbfs=-3.0)
    assert active_level_dbov(out) == pytest.approx(-26.0, abs=0.5)
    assert peak_dbfs(out) <= -3.0


def test_peak_limit_caps_the_gain_and_never_clips():
    speech = talk(amp=300.0).samples.astype(np.int32)
    speech[8000] = 6000  # one click far above the speech
    out = normalize(Pcm(speech.astype(np.int16), 16000), target_dbov=-20.0, peak_limit_dbfs=-3.0)
    assert peak_dbfs(out) == pytest.approx(-3.0, abs=0.01)
    assert active_level_dbov(out) < -22.0  # ends below target rather than clipping
    # One gain for the whole prompt: no compression, the waveform is only scaled.
    gain = out.samples[8000] / 6000
    assert np.max(np.abs(out.samples - np.round(speech * gain))) <= 1


def test_normalize_leaves_silence_alone():
    silent = Pcm(np.zeros(800, np.int16), 8000)
    assert normalize(silent) is silent


def test_trim_silence_cuts_at_frame_boundaries():
    rate = 8000  # 10 ms frames of 80 samples
    body = np.round(sine(300, rate, 0.1, 5000)).astype(np.int16)  # 800 samples
    x = np.concatenate([np.zeros(850, np.int16), body, np.zeros(1000, np.int16)])
    out = trim_silence(Pcm(x, rate), threshold_dbov=-50.0)
    # Speech starts mid-frame 10 (sample 850): that whole frame is kept, so the cut is at 800.
    assert len(out.samples) == (1650 // 80 + 1) * 80 - 800
    assert np.array_equal(out.samples[50:850], body)
    kept = trim_silence(Pcm(x, rate), threshold_dbov=-50.0, keep_ms=5)
    assert len(kept.samples) == len(out.samples) + 2 * 40


def test_trim_treats_quiet_noise_as_silence():
    rate = 8000
    rng = np.random.default_rng(1)
    hiss = np.round(rng.normal(0, 20, 1600)).astype(np.int16)  # about -64 dBov
    body = np.round(sine(300, rate, 0.2, 5000)).astype(np.int16)
    out = trim_silence(Pcm(np.concatenate([hiss, body, hiss]), rate), threshold_dbov=-50.0)
    assert len(out.samples) == 1600
    assert trim_silence(Pcm(hiss, rate)).samples.size == 0


def test_pad_adds_exact_digital_silence():
    body = Pcm(np.full(100, 7, np.int16), 8000)
    out = pad(body, 50, 250)
    assert len(out.samples) == 400 + 100 + 2000 and out.rate == 8000
    assert not out.samples[:400].any() and not out.samples[500:].any()
    assert np.all(out.samples[400:500] == 7)
    assert len(pad(Pcm(np.zeros(0, np.int16), 22050), 10, 0).samples) == 220


def test_concat_with_gap_and_rate_check():
    a = Pcm(np.full(10, 1, np.int16), 8000)
    b = Pcm(np.full(20, 2, np.int16), 8000)
    out = concat([a, b, a], gap_ms=5)
    assert out.samples.tolist() == [1] * 10 + [0] * 40 + [2] * 20 + [0] * 40 + [1] * 10
    assert concat([a]).samples.tolist() == [1] * 10
    with pytest.raises(AudioError, match="resample"):
        concat([a, Pcm(b.samples, 16000)])
    with pytest.raises(AudioError):
        concat([])
