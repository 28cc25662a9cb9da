"""The vectorised P.56 meter (issue 14 item 1) against the per-sample meter it replaced, and the
measured level kept in a segment's cache entry so that re-rendering never measures it again."""

from __future__ import annotations

import json
import math
import re
import time

import numpy as np
import pytest
import yaml

from conftest import SHARED, narrate_in
from narrate.audio.level import FULL_SCALE, HANGOVER_S, MARGIN_DB, THRESHOLDS, TIME_CONSTANT_S, active_level_dbov
from narrate.audio.pcm import Pcm
from narrate.cache.entry import level_record, with_level
from narrate.providers.espeak_pool import WorkerPool

TOLERANCE_DB = 0.1  # the bound between today's meter and the new one


def _add_at(mask: np.ndarray, idx: np.ndarray, value: int) -> None:
    np.add.at(mask, idx, value)  # unbuffered: right for repeated indices, and slow (~90% of the meter's time)


def _add_unique(mask: np.ndarray, idx: np.ndarray, value: int) -> None:
    mask[idx] += value  # the same as np.add.at when no index repeats, as for np.flatnonzero's (and those + a shift)


def reference_level(pcm: Pcm, scatter=_add_at) -> float:
    """Today's meter before issue 14, per sample (a plain, slow transcription of P.56 method B as
    narrate implemented it: two-stage envelope, thresholds an octave apart, hangover, 15.9 dB margin).
    `scatter=_add_unique` gives the same number (to the bit) about ten times sooner."""
    x = pcm.samples.astype(np.float64)
    if len(x) == 0:
        return -math.inf
    g = math.exp(-1.0 / (TIME_CONSTANT_S * pcm.rate))
    hang = int(math.ceil(HANGOVER_S * pcm.rate))
    # The envelope, exactly (float64 recursion, vectorised by powers like the old block code).
    from narrate.audio.level import _recurse

    p, _ = _recurse((1.0 - g) * np.abs(x), g, 0.0)
    q, _ = _recurse((1.0 - g) * p, g, 0.0)
    energy = float(np.sum(x * x))
    if energy == 0:
        return -math.inf
    prev = None
    for c in THRESHOLDS:
        above = q >= c
        # active if above now or in the `hang` samples before
        idx = np.flatnonzero(above)
        active_mask = np.zeros(len(x) + hang + 1, dtype=np.int32)
        scatter(active_mask, idx, 1)
        scatter(active_mask, idx + hang + 1, -1)
        a = int(np.count_nonzero(np.cumsum(active_mask)[:len(x)]))
        if a == 0:
            if prev is None:  # never active at all: no level
                return -math.inf
            break
        level = 10 * math.log10(energy / a)
        diff = level - 20 * math.log10(c)
        if diff <= MARGIN_DB:
            if prev is None:
                return level - 20 * math.log10(FULL_SCALE)
            frac = (prev[1] - MARGIN_DB) / (prev[1] - diff)
            return prev[0] + frac * (level - prev[0]) - 20 * math.log10(FULL_SCALE)
        prev = (level, diff)
    return prev[0] - 20 * math.log10(FULL_SCALE)


def demo_prompts() -> list[tuple[str, str]]:
    """(text, espeak voice) of every prompt in the demo manifest (English and Spanish)."""
    from pathlib import Path

    data = yaml.safe_load((Path(__file__).resolve().parents[1] / "manifests" / "demo.yaml").read_text())
    lib = next(iter(data["libraries"].values()))
    from narrate.providers.espeak import resolve_voice

    voices = {tag: resolve_voice(spec["voice"]) for tag, spec in lib["languages"].items()}
    return [(text, voices[tag]) for prompt in lib["prompts"].values() for tag, text in prompt.items()
            if isinstance(text, str) and tag in voices]


def corpus_prompts(limit: int) -> list[tuple[str, str]]:
    """Real IVR prompt texts: FreeSWITCH's English phrase list, longest first (then a spread of the rest)."""
    text = (SHARED / "corpora" / "freeswitch-phrase" / "phrase_en.xml").read_text(encoding="utf-8")
    phrases = sorted({p for p in re.findall(r'phrase="([^"]+)"', text) if len(p) > 3}, key=len, reverse=True)
    chosen = phrases[:limit // 2] + phrases[limit // 2::max(1, len(phrases) // (limit // 2))][:limit - limit // 2]
    return [(p, "gmw/en-US") for p in chosen]


@pytest.fixture(scope="module")
def spoken():
    pool = WorkerPool(2)
    try:
        items = demo_prompts() + corpus_prompts(60)
        yield [Pcm(np.frombuffer(pool.speak(t, v, 175, 50), dtype="<i2").astype(np.int16), 22050) for t, v in items]
    finally:
        pool.shutdown()


@pytest.mark.shared
def test_new_meter_within_a_tenth_of_a_db_of_the_old_on_demo_and_corpus_prompts(spoken):
    assert len(spoken) >= 80
    longest = max(spoken, key=lambda p: len(p.samples))
    assert reference_level(longest, _add_unique) == reference_level(longest)  # the faster reference is the reference
    worst = 0.0
    for pcm in spoken:
        for version in (pcm, Pcm(pcm.samples[::2].copy(), 11025)):  # and at another rate
            old, new = reference_level(version, _add_unique), active_level_dbov(version)
            assert math.isfinite(old) and math.isfinite(new)
            worst = max(worst, abs(old - new))
    assert worst <= TOLERANCE_DB


@pytest.mark.shared
def test_new_meter_is_faster_than_the_per_sample_one(spoken):
    longest = max(spoken, key=lambda p: len(p.samples))
    start = time.perf_counter()
    reference_level(longest)
    old = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(5):
        active_level_dbov(longest)
    assert (time.perf_counter() - start) / 5 < old


def test_known_signals_keep_their_exact_levels():
    t = np.arange(22050 * 2) / 22050
    sine = Pcm((np.sin(2 * np.pi * 440 * t) * 16384).astype(np.int16), 22050)
    # RMS, plus the few ms the envelope takes to rise at the start (not counted active): +0.05 dB
    assert active_level_dbov(sine) == pytest.approx(20 * math.log10(16384 / math.sqrt(2) / 32768), abs=0.1)
    assert active_level_dbov(sine) == pytest.approx(reference_level(sine), abs=0.01)
    square = Pcm(np.where(np.sin(2 * np.pi * 100 * t) >= 0, 32767, -32767).astype(np.int16), 22050)
    assert active_level_dbov(square) == pytest.approx(0.0, abs=0.1)
    assert active_level_dbov(square) == pytest.approx(reference_level(square), abs=0.01)
    assert active_level_dbov(Pcm(np.zeros(1000, dtype=np.int16), 8000)) == -math.inf
    assert active_level_dbov(Pcm(np.zeros(0, dtype=np.int16), 8000)) == -math.inf


def test_a_lone_click_in_odd_lengths_measures_as_before():
    for n in (8 * 1000 + 3, 22050, 22050 * 3 + 5):
        x = np.zeros(n, dtype=np.int16)
        x[n // 2] = 20000
        assert active_level_dbov(Pcm(x, 8000)) == pytest.approx(reference_level(Pcm(x, 8000)), abs=0.05), n
    # A signal of one or two 8-sample steps is measured in steps, not samples: it differs (no speech is that short).


def test_with_level_keeps_audio_and_key_material():
    from narrate.cache.entry import check_entry, encode_entry, key_from
    from narrate.providers.base import AudioFormat, SynthesisResult

    head, text = '{"provider":"espeak"}', "Hello."
    key = key_from(head.encode(), text)
    blob = encode_entry(SynthesisResult(b"\x00\x01" * 100, AudioFormat("raw", "pcm_s16le", 8000)),
                        {"key_head": head, "text": text})
    assert "levels" not in check_entry(key, blob).meta  # an entry from before: still valid
    updated = with_level(blob, "trim:-50", (-21.23456, -3.5))
    entry = check_entry(key, updated)
    assert entry.meta["levels"] == {"trim:-50": [-21.2346, -3.5]} and entry.audio == b"\x00\x01" * 100
    silent = with_level(updated, "untrimmed", (-math.inf, -math.inf))
    assert check_entry(key, silent).meta["levels"] == {"trim:-50": [-21.2346, -3.5], "untrimmed": [None, None]}
    assert level_record((-math.inf, 1.0)) == [None, 1.0]


MANIFEST = """\
version: 1
defaults: {provider: espeak, level: {target_dbov: -26, peak_dbfs: -1}}
libraries:
  ivr:
    output: out
    formats: [FORMATS]
    languages:
      en-US: {voice: en-us, path: en}
    prompts:
      hello:
        en-US: Thank you for calling. Please hold.
"""


@pytest.mark.slow
def test_a_segments_level_is_stored_at_synthesis_and_used_by_later_renders(tmp_path):
    from narrate.cache.store import SegmentCache
    from narrate.package.render import measure_segment

    (tmp_path / "narrate.yaml").write_text(MANIFEST.replace("FORMATS", "wav"))
    cache_dir = tmp_path / "cache"
    done = narrate_in("build", "narrate.yaml", "--cache-dir", str(cache_dir), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with SegmentCache(cache_dir) as cache:
        (key,) = list(cache.keys())
        entry = cache.get(key)
        assert entry is not None
        stored = entry.meta["levels"]["trim:-50:trail:250"]
        from narrate.manifest import Settings

        measured = measure_segment(entry.audio, entry.format, Settings())
        assert stored == level_record(measured)
        # Pretend the segment measured 6 dB quieter: a render that uses the stored level gains 6 dB more.
        cache.put_raw(key, with_level(cache.get_raw(key) or b"", "trim:-50:trail:250", (stored[0] - 6.0, stored[1] - 6.0)))
    first = (tmp_path / "out" / "en" / "hello.wav").read_bytes()
    (tmp_path / "narrate.yaml").write_text(MANIFEST.replace("FORMATS", "wav, ulaw"))
    done = narrate_in("build", "narrate.yaml", "--cache-dir", str(cache_dir), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    again = (tmp_path / "out" / "en" / "hello.wav").read_bytes()
    a = np.frombuffer(first[44:], dtype="<i2").astype(float)
    b = np.frombuffer(again[44:], dtype="<i2").astype(float)
    assert len(a) == len(b)
    # The peak limit (-1 dBFS) caps the extra gain: louder by min(6 dB, the headroom left).
    headroom = -1.0 - 20 * math.log10(np.max(np.abs(a)) / 32768)
    gain = 20 * math.log10(np.sqrt(np.mean(b * b)) / np.sqrt(np.mean(a * a)))
    assert gain == pytest.approx(min(6.0, headroom), abs=0.1) and gain > 1.0
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert {row["format"] for row in index["prompts"]} == {"wav", "ulaw"}


@pytest.mark.parametrize("fmt", ["wav", "ulaw"])
def test_a_built_one_word_prompt_measures_its_target_as_a_platform_measures_the_file(tmp_path, fmt):
    """P.56 (and ITU-T's actlev, which a contact-centre engineer runs on the delivered file) counts
    0.2 s of hangover after speech as active. The build measured each prompt trimmed, without the
    250 ms tail it then adds, so "seven" was leveled as if louder and its file read -28.0 dBov against
    a -26 target, while a six-second menu read -26.3: concatenated digits fell 2 dB under the menus."""
    text = MANIFEST.replace("FORMATS", fmt).replace("Thank you for calling. Please hold.", "seven")
    (tmp_path / "narrate.yaml").write_text(text.replace("peak_dbfs: -1", "peak_dbfs: -3"))
    assert narrate_in("-q", "build", "narrate.yaml", cwd=tmp_path).returncode == 0
    data = (tmp_path / "out" / "en" / f"hello.{fmt}").read_bytes()
    samples = np.frombuffer(data[44:], dtype="<i2") if fmt == "wav" else _ulaw_decoded(data)
    assert active_level_dbov(Pcm(np.asarray(samples, dtype=np.int16), 8000)) == pytest.approx(-26.0, abs=0.3)


def _ulaw_decoded(data: bytes) -> np.ndarray:
    """G.711 mu-law expansion written from the recommendation (not narrate's audioop tables)."""
    u = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    magnitude = (((u & 0x0F) << 3) + 0x84 << ((u >> 4) & 7)) - 0x84
    return np.where(u & 0x80, -magnitude, magnitude)
