"""Cold builds at the engine's limit (issue 14 item 1): the `jobs:` manifest key, a prompt set that is
byte-identical whatever -j is, rendering in the worker that just spoke a segment (`render_segment`),
and the speed-ups under it that must change no byte (soxr streams, the G.711 table, the cache write,
the outbox's batched durability)."""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import narrate, snapshot
from narrate.audio import g711
from narrate.audio.pcm import Pcm
from narrate.audio.resample import QUALITY, resample
from narrate.manifest import Settings
from narrate.manifest.resolved import Level, Silence
from narrate.package.render import Finish, render_prompt, render_segment
from narrate.providers.base import AudioFormat

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

TEXTS = [f"Prompt {i}: please hold while we connect your call, number {i * 7}." for i in range(12)]


def manifest(jobs: str | None = None, texts: list[str] = TEXTS) -> str:
    lines = ["version: 1"] + ([f"jobs: {jobs}"] if jobs is not None else []) + [
        "libraries:", "  ivr:", "    output: out", "    layout: asterisk", "    formats: [ulaw, wav, wav16]",
        "    languages:", "      en-US: {voice: en-us, path: en}", "    prompts:"]
    lines += [f"      p{i:02d}: \"{t}\"" for i, t in enumerate(texts)]
    return "\n".join(lines) + "\n"


FILES = [f"en/p{i:02d}.{ext}" for i in range(3) for ext in ("ulaw", "wav", "wav16")]


def speech(seconds: float = 1.5, rate: int = 22050, seed: int = 0) -> bytes:
    """A speech-like WAV: a modulated tone with noise, silent lead and tail (so trimming has work)."""
    from narrate.audio.encode import wav_bytes

    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    body = (np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)) * 9000
            + rng.standard_normal(n) * 700)
    silence = np.zeros(int(0.3 * rate))
    return wav_bytes(Pcm(np.concatenate([silence, body, silence]).astype(np.int16), rate))


# -- `jobs:` in the manifest


def test_jobs_key_is_read_into_the_manifest(tmp_path):
    from narrate.manifest import load_manifest

    (tmp_path / "m.yaml").write_text(manifest("3"))
    assert load_manifest(tmp_path / "m.yaml").jobs == 3
    (tmp_path / "m.yaml").write_text(manifest())
    assert load_manifest(tmp_path / "m.yaml").jobs is None


@pytest.mark.parametrize("option,expected", [(None, 3), (1, 1), (2, 2)])
def test_jobs_key_caps_the_pool_and_dash_j_overrides_it(tmp_path, monkeypatch, option, expected):
    from narrate.build import build
    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest
    from narrate.outcome import BuildOptions
    from narrate.providers import espeak_pool

    seen: list[int | None] = []
    real = espeak_pool.configure

    def spy(jobs, work=None):
        seen.append(jobs)
        real(jobs, work)

    monkeypatch.setattr(espeak_pool, "configure", spy)
    (tmp_path / "m.yaml").write_text(manifest("3", TEXTS[:2]))
    with SegmentCache(tmp_path / "cache") as cache:
        report = build(load_manifest(tmp_path / "m.yaml"), cache, BuildOptions(jobs=option))
    assert report.errors == [] and report.outputs_written == 6
    assert seen and set(seen) == {expected}


def test_a_small_build_speaks_in_process_and_leaves_the_pool_to_workers(tmp_path, monkeypatch):
    """A build of at most INLINE_MAX segments speaks in its own process; the next user of the shared
    pool (a later build, an embedding program) gets worker processes again."""
    from narrate.build import build
    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest
    from narrate.providers import espeak_pool

    seen: list[bool] = []
    real = espeak_pool.configure

    def spy(jobs, work=None):
        real(jobs, work)
        seen.append(espeak_pool.shared_pool().inline)

    monkeypatch.setattr(espeak_pool, "configure", spy)
    (tmp_path / "m.yaml").write_text(manifest(None, TEXTS[:2]))
    with SegmentCache(tmp_path / "cache") as cache:
        assert build(load_manifest(tmp_path / "m.yaml"), cache).errors == []
    assert seen[-1] is True  # the build ran inline
    assert espeak_pool.shared_pool().inline is False


def test_jobs_key_through_the_cli(tmp_path):
    (tmp_path / "m.yaml").write_text(manifest("1", TEXTS[:3]))
    done = narrate("-q", "build", "--json", "--cache-dir", str(tmp_path / "cache"), "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("p0*")) == FILES


# -- the same bytes whatever -j is


@pytest.mark.slow
def test_a_cold_prompt_set_is_byte_identical_whatever_jobs_is(tmp_path):
    sets = {}
    for jobs in ("1", "2", "3"):
        root = tmp_path / f"j{jobs}"
        root.mkdir()
        (root / "m.yaml").write_text(manifest())
        done = narrate("-q", "build", "-j", jobs, "--cache-dir", str(root / "cache"), "m.yaml", cwd=root)
        assert done.returncode == 0, done.stderr
        sets[jobs] = snapshot(root / "out")
    assert len([k for k, v in sets["1"].items() if v[0] == "file"]) == 12 * 3 + 1  # 36 prompt files + index.json
    assert sets["1"] == sets["2"] == sets["3"]


def test_a_warm_rerender_gives_the_cold_bytes(tmp_path):
    """Rendered ahead (in the worker that spoke the segment) or from the cache with its stored level:
    the same files."""
    (tmp_path / "m.yaml").write_text(manifest(None, TEXTS[:10]))
    args = ("-q", "build", "-j", "2", "--cache-dir", str(tmp_path / "cache"), "m.yaml")
    assert narrate(*args, cwd=tmp_path).returncode == 0
    cold = snapshot(tmp_path / "out")
    for p in (tmp_path / "out").rglob("*"):
        if p.is_file():
            p.unlink()
    (tmp_path / "narrate.lock").unlink()
    done = narrate(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert snapshot(tmp_path / "out") == cold


def _without_created(blob: bytes | None) -> tuple[dict, bytes]:
    """An entry's header (less its creation time) and audio."""
    import json

    assert blob is not None
    head, _, audio = blob.partition(b"\n")
    meta = json.loads(head)
    del meta["created"]
    return meta, audio


# -- rendering a segment in the worker that spoke it


def test_a_cold_segment_crosses_to_a_worker_once(tmp_path, monkeypatch):
    """A segment spoken by the embedded engine is rendered in the worker that spoke it, in the same
    request: its audio is never sent back to a worker (a second round trip of ~170 KB a prompt), and
    the files and cache entries are those of a build that renders it in a separate call."""
    from narrate.build import build
    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest
    from narrate.providers import espeak_pool

    sent: list[str] = []
    real = espeak_pool.WorkerPool._request

    def spy(self, request, voice):
        import pickle

        kind = pickle.loads(request)
        sent.append(kind[0] if kind[0] != "call" else kind[1].__name__)
        return real(self, request, voice)

    monkeypatch.setattr(espeak_pool.WorkerPool, "_request", spy)
    texts = TEXTS[:espeak_pool.INLINE_MAX + 2]  # past INLINE_MAX: spoken in worker processes
    entries = {}
    for name in ("together", "apart"):
        root = tmp_path / name
        root.mkdir()
        (root / "m.yaml").write_text(manifest("2", texts))
        if name == "apart":  # nothing to run where it speaks: one `call` per segment renders it
            monkeypatch.setattr("narrate.build.ahead.LevelAnnotator.in_worker", lambda self, segment: None)
        sent.clear()
        with SegmentCache(root / "cache") as cache:
            assert build(load_manifest(root / "m.yaml"), cache).errors == []
            entries[name] = {k: _without_created(cache.get_raw(k)) for k in cache.keys()}
        if name == "together":
            assert sorted(sent) == ["speak+"] * len(texts) + ["warm_up"] * sent.count("warm_up")
        else:
            assert sorted(sent) == sorted(["speak", "render_segment"] * len(texts)
                                          + ["warm_up"] * sent.count("warm_up"))
    espeak_pool.shutdown()
    assert snapshot(tmp_path / "together" / "out") == snapshot(tmp_path / "apart" / "out")
    assert entries["together"] == entries["apart"] and len(entries["together"]) == len(texts)
    assert all(meta["levels"] for meta, _ in entries["together"].values())  # measured where spoken, kept



def test_a_cold_prompts_files_are_written_by_the_worker_that_spoke_it(tmp_path, monkeypatch):
    """The worker that speaks a segment renders its prompts and writes their files to temp files beside
    their targets: its reply carries the speech (for the cache entry) and a few records, not the files'
    bytes (~100 KB a prompt pickled, piped and written again by the build's process). The outputs are
    those of a build whose worker sends the bytes back (`targets` None)."""
    import pickle

    from narrate.build import build
    from narrate.build.render import PromptRenderer
    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest
    from narrate.providers import espeak_pool

    extra: list[int] = []  # bytes of each "speak+" reply past its PCM
    real = espeak_pool.WorkerPool._request

    def spy(self, request, voice):
        reply = real(self, request, voice)
        if pickle.loads(request)[0] == "speak+":
            extra.append(len(reply) - len(pickle.loads(reply)[0]))
        return reply

    monkeypatch.setattr(espeak_pool.WorkerPool, "_request", spy)
    texts = TEXTS[:espeak_pool.INLINE_MAX + 2]
    for name in ("here", "bytes back"):
        root = tmp_path / name
        root.mkdir()
        (root / "m.yaml").write_text(manifest("2", texts))
        if name == "bytes back":
            monkeypatch.setattr(PromptRenderer, "ahead_targets", lambda self, job: None)
        extra.clear()
        with SegmentCache(root / "cache") as cache:
            assert build(load_manifest(root / "m.yaml"), cache).errors == []
        assert len(extra) == len(texts)
        if name == "here":  # three formats of a 3-5 s prompt are 100-250 KB
            assert max(extra) < 4096, extra
        else:
            assert min(extra) > 50_000, extra
        assert not [p for p in (root / "out").rglob("*") if p.name.startswith(".narrate-tmp-")]
    espeak_pool.shutdown()
    assert snapshot(tmp_path / "here" / "out") == snapshot(tmp_path / "bytes back" / "out")


def test_files_rendered_ahead_and_never_published_leave_no_temp_file(tmp_path, monkeypatch):
    """A prompt whose files a worker wrote ahead but whose render never runs (here: never submitted, as
    when its segment's store fails or the build stops) leaves none of its temp files behind."""
    from narrate.build import build
    from narrate.build.render import PromptRenderer
    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest
    from narrate.providers import espeak_pool

    written: list[str] = []
    real = PromptRenderer.ahead_targets

    def targets(self, job):
        found = real(self, job)
        written.extend(found or ())
        return found

    monkeypatch.setattr(PromptRenderer, "ahead_targets", targets)
    monkeypatch.setattr(PromptRenderer, "submit", lambda self, job: None)
    texts = TEXTS[:espeak_pool.INLINE_MAX + 2]
    (tmp_path / "m.yaml").write_text(manifest("2", texts))
    with SegmentCache(tmp_path / "cache") as cache:
        build(load_manifest(tmp_path / "m.yaml"), cache)
    espeak_pool.shutdown()
    assert len(written) == 3 * len(texts)  # the worker was asked to write every file
    assert [p.name for p in (tmp_path / "out").rglob("*") if p.is_file()] == ["index.json"]  # no temp, no prompt



SETTINGS = [
    Settings(),
    Settings(level=Level(target_dbov=-20.0, peak_dbfs=-1.0)),
    Settings(level=Level(enabled=False)),
    Settings(silence=Silence(trim=False)),
    Settings(silence=Silence(threshold_dbov=-40.0, lead_ms=0, trail_ms=500)),
]


@pytest.mark.parametrize("seed", [0, 1])
def test_render_segment_equals_render_prompt_for_every_setting(seed):
    data = speech(seed=seed)
    fmt = AudioFormat("wav", "pcm_s16le", 22050)
    formats = ("ulaw", "wav", "wav16", "alaw-wav")
    wanted = [(Finish.of(s), formats) for s in SETTINGS]
    ahead = render_segment(data, fmt, wanted)
    assert len(ahead) == len(SETTINGS)
    for settings, (files, level) in zip(SETTINGS, ahead, strict=True):
        alone, measured = render_prompt([(data, fmt)], settings, (), formats)
        assert [(f.format, f.data, f.duration) for f in files] == [(f.format, f.data, f.duration) for f in alone]
        assert all(f.sha256 == hashlib.sha256(f.data).hexdigest() for f in files)
        assert level == measured
        if settings.level.enabled:
            # kept as a cache entry keeps it (1e-4 dB), so a later render from the entry gives these bytes
            assert level is not None and all(round(v, 4) == v for v in level if math.isfinite(v))
            again, _ = render_prompt([(data, fmt)], settings, (), formats, level)
            assert [f.data for f in again] == [f.data for f in files]
        else:
            assert level is None


def test_finish_unpickles_without_the_manifest_package():
    """What a worker receives imports narrate.package.render, never pydantic or the manifest model."""
    import subprocess
    import sys

    code = ("import pickle, sys; from narrate.package.render import Finish, render_segment; "
            "assert 'narrate.manifest' not in sys.modules and 'pydantic' not in sys.modules, "
            "sorted(m for m in sys.modules if m.startswith(('narrate.manifest', 'pydantic')));"
            "f = pickle.loads(sys.stdin.buffer.read()); print(f.level.target_dbov, f.silence.trail_ms)")
    import pickle

    blob = pickle.dumps(Finish.of(Settings(level=Level(target_dbov=-22.5), silence=Silence(trail_ms=300))))
    done = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["-22.5", "300"]


# -- speed-ups that must change no byte


@pytest.mark.parametrize("rates", [(22050, 8000), (24000, 8000), (22050, 16000), (8000, 22050), (44100, 48000)])
def test_a_reused_soxr_stream_gives_the_one_shot_samples(rates):
    import soxr

    from narrate.audio.resample import to_int16

    rng = np.random.default_rng(7)
    for n in [1, 2, 17, 160, 4097, 33333, 77000]:
        x = (rng.standard_normal(n) * 6000).astype(np.int16)
        once = to_int16(soxr.resample(x.astype(np.float32), rates[0], rates[1], quality=QUALITY))
        got = resample(Pcm(x, rates[0]), rates[1])
        assert got.rate == rates[1] and np.array_equal(got.samples, once), n


def test_g711_table_gives_audioops_bytes_for_every_sample():
    every = np.arange(-32768, 32768, dtype=np.int16)
    shuffled = np.random.default_rng(3).permutation(every)
    for x in (every, shuffled, shuffled[::7]):
        assert g711.ulaw_encode(x) == audioop.lin2ulaw(x.tobytes(), 2)
        assert g711.alaw_encode(x) == audioop.lin2alaw(x.tobytes(), 2)
    assert g711.ulaw_encode(np.zeros(0, dtype=np.int16)) == b""


def test_allocator_thresholds_apply_on_linux():
    from narrate.audio.memory import keep_freed_memory

    assert keep_freed_memory() is True  # glibc on this machine and in CI
    assert keep_freed_memory() is True  # idempotent


def test_cache_entries_of_file_size_are_one_file_and_read_back_whole(tmp_path):
    from narrate.cache import SegmentCache

    big, small = b"\n".join([os.urandom(300)] * 400), b"tiny\nentry"
    with SegmentCache(tmp_path / "c") as cache:
        cache.put_raw("a" * 64, big)
        cache.put_raw("b" * 64, small)
        assert cache.get_raw("a" * 64) == big and cache.get_raw("b" * 64) == small
        files = list((tmp_path / "c").glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*.val"))
        assert len(files) == 1 and files[0].read_bytes() == big
        assert cache.stored_at("a" * 64) is not None



def test_entry_files_share_256_folders_and_plain_diskcache_entries_read_back(tmp_path):
    """Entry files go to `ab/ab/<name>.val` (256 folders, made once each, not one per entry), and an entry
    stored by diskcache's own Disk in the same cache reads back: the index records every file's name."""
    import diskcache

    from narrate.cache import SegmentCache

    blobs = {f"{i:064x}": os.urandom(40_000) + bytes([i % 256]) for i in range(300)}
    plain = diskcache.Cache(str(tmp_path / "c"))
    plain.set("e" * 64, b"x" * 40_000)
    plain.close()
    with SegmentCache(tmp_path / "c") as cache:
        for key, blob in blobs.items():
            cache.put_raw(key, blob)
        assert all(cache.get_raw(key) == blob for key, blob in blobs.items())
        assert cache.get_raw("e" * 64) == b"x" * 40_000
    files = list((tmp_path / "c").glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*.val"))
    assert len(files) == 301
    ours = [f for f in files if f.parent.name == f.parent.parent.name]
    assert len(ours) >= 300 and len({f.parent for f in ours}) <= 256


# -- the outbox: atomic, durable, batched


def test_outbox_publishes_after_the_flush_and_keeps_unchanged_files(tmp_path):
    from narrate.build.outbox import Outbox

    out = tmp_path / "out"
    out.mkdir()
    (out / "same.ulaw").write_bytes(b"same")
    os.utime(out / "same.ulaw", ns=(1_000_000_000, 1_000_000_000))
    errors: list[tuple[OSError, Path]] = []
    box = Outbox(lambda exc, folder: errors.append((exc, folder)))
    assert box.put(out / "same.ulaw", b"same", within=out) == (False, None)
    changed, tmp = box.put(out / "en" / "new.ulaw", b"new bytes", within=out)
    assert changed and tmp is not None and tmp.exists() and not (out / "en" / "new.ulaw").exists()
    done: list[bool] = []
    box.then(lambda: done.append((out / "en" / "new.ulaw").exists()))
    assert done == []  # one file: below the batch, nothing is published before close
    box.close()
    assert done == [True] and errors == []
    assert (out / "en" / "new.ulaw").read_bytes() == b"new bytes"
    assert os.stat(out / "same.ulaw").st_mtime_ns == 1_000_000_000
    assert not [p for p in out.rglob(".narrate-tmp-*")]


def test_outbox_flushes_in_batches_and_discard_leaves_nothing(tmp_path):
    from narrate.build import outbox as ob

    out = tmp_path / "out"
    out.mkdir()
    box = ob.Outbox(lambda exc, folder: None)
    for i in range(ob.BATCH_FILES):
        box.put(out / f"{i}.wav", b"x%d" % i, within=out)
    published: list[int] = []
    box.then(lambda: published.append(len(list(out.glob("*.wav")))))
    box.put(out / "late.wav", b"late", within=out)
    box.discard()
    box.close()
    assert published == [ob.BATCH_FILES]  # the full batch was flushed; the late file was dropped
    assert not (out / "late.wav").exists() and not [p for p in out.rglob(".narrate-tmp-*")]


def test_outbox_reports_a_failed_flush_and_removes_its_temp_files(tmp_path, monkeypatch):
    from narrate.build import outbox as ob

    out = tmp_path / "out"
    out.mkdir()

    def full(files):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ob, "_make_durable", full)
    errors: list[tuple[int, Path]] = []
    box = ob.Outbox(lambda exc, folder: errors.append((exc.errno, folder)))
    box.put(out / "a.wav", b"a", within=out)
    ran: list[int] = []
    box.then(lambda: ran.append(1))
    box.close()
    assert errors == [(28, out)] and ran == [] and box.failed
    assert list(out.iterdir()) == []


# -- the level stays what it was, to the precision a cache entry keeps


# (seed, seconds, rate) -> (level, peak) untrimmed and trimmed (-50 dBov, 20 ms), measured by the meter
# before this change (commit 1351f35); kept to 1e-4 dB in entries, so they must agree to that precision.
PINNED = {
    (0, 1.5, 22050): ((-18.69481368839331, -9.233604907208175), (-17.97413876815692, -9.233604907208175)),
    (1, 4.0, 22050): ((-18.60214724102812, -9.334725937574966), (-18.348274874999618, -9.334725937574966)),
    (2, 2.5, 8000): ((-18.58029987145838, -9.270520378272227), (-18.12500704754372, -9.270520378272227)),
    (3, 6.0, 24000): ((-18.529830338003705, -9.075426394287614), (-18.358980744888967, -9.075426394287614)),
}


@pytest.mark.parametrize("case", sorted(PINNED))
def test_measured_level_is_unchanged_to_the_stored_precision(case):
    from narrate.audio.decode import decode
    from narrate.audio.level import measure, trim_silence
    from narrate.cache.entry import level_record

    seed, seconds, rate = case
    pcm = decode(speech(seconds, rate, seed), AudioFormat("wav", "pcm_s16le", rate))
    untrimmed, trimmed = PINNED[case]
    assert level_record(measure(pcm)) == level_record(untrimmed)
    assert level_record(measure(trim_silence(pcm, -50, 20))) == level_record(trimmed)
    assert abs(measure(pcm)[0] - untrimmed[0]) < 1e-9  # in fact the same arithmetic


def test_worker_and_in_process_levels_agree_on_spoken_prompts():
    """The level render_segment keeps for an entry, computed in a worker, is the in-process one
    (the trimmed speech followed by its trail padding, as its file holds it)."""
    from narrate.audio.decode import decode
    from narrate.audio.level import measure, pad, trim_silence
    from narrate.package.render import _as_kept
    from narrate.providers.espeak import _wav
    from narrate.providers.espeak_pool import WorkerPool, configure

    configure(None)
    pool = WorkerPool(1)
    try:
        fmt = AudioFormat("wav", "pcm_s16le", 22050)
        for text in TEXTS[:3]:
            data = _wav(pool.speak(text, "gmw/en-US", 175, 50), 22050)
            [(files, level)] = pool.call(render_segment, data, fmt, [(Finish.of(Settings()), ("ulaw",))])
            assert level == _as_kept(measure(pad(trim_silence(decode(data, fmt), -50, 20), 0, 250)))
            assert len(files) == 1 and files[0].format == "ulaw"
    finally:
        pool.shutdown()



def test_the_building_process_keeps_freed_memory_once_it_uses_the_pool(monkeypatch):
    """The parent moves a few hundred KB per segment to and from the workers: its allocator keeps freed
    blocks (audio/memory.py), as the workers' does, from the moment the pool exists."""
    import narrate.audio.memory as memory
    import narrate.providers.espeak_pool as ep

    calls: list[int] = []
    monkeypatch.setattr(memory, "keep_freed_memory", lambda: calls.append(1) or True)
    monkeypatch.setattr(ep, "_pool", None)
    first = ep.shared_pool()
    assert ep.shared_pool() is first and calls == [1]


# -- leases: for paid providers only


class _LocalFake:
    """A FakeProvider that speaks on this machine's cores (`local`, as espeak and piper): free."""

    local = True


def _spending_case(tmp_path, local: bool, stored_first: int | None = None):
    """synthesize_missing over 6 fake segments, counting lease claims; with `stored_first`, that segment
    is in the cache already (stored by another build after this one planned)."""
    from fakes import FakeProvider
    from narrate.cache import SegmentCache
    from narrate.cache.lease import SegmentLeases
    from narrate.plan import Segment
    from narrate.providers.base import ProviderConfig, SynthesisRequest, SynthesisResult
    from narrate.synth import synthesize_missing

    provider = type("Provider", (_LocalFake, FakeProvider), {})() if local else FakeProvider()
    segs = [Segment(hashlib.sha256(f"t{i}".encode()).hexdigest(), "fake",
                    SynthesisRequest(text=f"Text number {i}.", voice="en-us", language="en-US")) for i in range(6)]
    claims: list[str] = []
    real = SegmentLeases.try_claim

    def spy(self, key):
        claims.append(key)
        return real(self, key)

    with pytest.MonkeyPatch.context() as mp, SegmentCache(tmp_path / "cache") as cache:
        mp.setattr(SegmentLeases, "try_claim", spy)
        if stored_first is not None:
            seg = segs[stored_first]
            done = FakeProvider().synthesize(seg.request)
            cache.put(seg.key, SynthesisResult(done.audio, done.format), {"text": seg.request.text, "key_head": "{}"})
        outcome = synthesize_missing(segs, {"fake": provider}, {"fake": ProviderConfig("fake", "fake")}, cache)
        stored = [s.key in cache for s in segs]
    return provider, segs, claims, outcome, stored


def test_a_local_engine_synthesizes_without_leases(tmp_path):
    """A lease (a file created and removed per segment, ~0.2 ms of a cold build's CPU each) is there so
    that a paid segment is never bought twice by builds sharing a cache; a local engine costs nothing,
    so its segments take none. A paid provider's still take one each."""
    provider, segs, claims, outcome, stored = _spending_case(tmp_path / "local", local=True)
    assert claims == [] and all(stored) and outcome.synthesized == 6 and len(provider.calls) == 6
    assert list((tmp_path / "local" / "cache" / "leases").iterdir()) == []
    provider, segs, claims, outcome, stored = _spending_case(tmp_path / "paid", local=False)
    assert sorted(claims) == sorted(s.key for s in segs) and all(stored) and outcome.synthesized == 6


@pytest.mark.parametrize("local", [True, False])
def test_a_segment_stored_since_planning_is_not_synthesized_again(tmp_path, local):
    """Without a lease, a local segment that another build stored after this one planned is still taken
    from the cache, not spoken again (DESIGN.md 2.2: what is in the cache is never sent again)."""
    provider, segs, claims, outcome, stored = _spending_case(tmp_path, local=local, stored_first=2)
    assert segs[2].request.text not in provider.calls and len(provider.calls) == 5
    assert (outcome.synthesized, outcome.shared) == (5, 1) and all(stored)


def test_an_entry_replaced_while_it_is_read_is_not_dropped(tmp_path, monkeypatch):
    """Builds racing on a local engine (no lease) may store one key twice: the second store replaces
    the row and removes the first one's entry file. A read that found the old row and then no file
    reads again and gets the new entry; it never drops the key (the entry just stored) as dangling."""
    from narrate.cache import SegmentCache
    from narrate.cache.disk import _disk_class
    from narrate.cache.entry import key_from
    from narrate.providers.base import AudioFormat, SynthesisResult

    key = key_from(b"{}", "raced")
    real = _disk_class().fetch
    gone = [1]  # the first fetch finds the file removed by the other build's store

    def fetch(self, mode, filename, value, read):
        if gone and filename is not None:
            gone.pop()
            raise FileNotFoundError(filename)
        return real(self, mode, filename, value, read)

    with SegmentCache(tmp_path / "cache") as cache:
        cache.put(key, SynthesisResult(speech(), AudioFormat("wav", "pcm_s16le", 22050)),
                  {"text": "raced", "key_head": "{}"})
        monkeypatch.setattr(_disk_class(), "fetch", fetch)
        entry = cache.get(key)
        assert not gone and entry is not None and entry.audio == speech()
        assert key in cache and cache.healed == [] and cache.warnings == []
