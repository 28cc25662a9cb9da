"""Issue 14 item 2: a build over REST keeps its requests going while prompts render.

In process, through `narrate.build.build` with an OpenAI-compatible provider on httpx.MockTransport
(each answer held back a little, as a server's latency), and the render workers made slow: requests
never wait for the workers (a level is measured by the render, in the same worker call, not while
a request slot is held), renders start while requests are still out, and the HTTP layer's per-request
pieces (connection pool, watchdog, validation) do what they say once each.
"""

from __future__ import annotations

import threading
import time

import httpx
import numpy as np
import pytest

from narrate.build import build
from narrate.cache import SegmentCache
from narrate.manifest import load_manifest
from narrate.outcome import BuildOptions
from narrate.providers import espeak_pool
from narrate.providers.base import ProviderConfig, SynthesisRequest

LATENCY_S = 0.05
RENDER_S = 0.5
PROMPTS = 8
CONCURRENCY = 4
JOBS = 2  # render threads, and the cap on requests in flight (-j caps both)


def pcm(text: str) -> bytes:
    """Headerless 16-bit 24 kHz tone, 0.5 s + 20 ms per character (what OpenAI's `pcm` is)."""
    t = np.arange(int((0.5 + 0.02 * len(text)) * 24000)) / 24000
    return (np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2").tobytes()


class Timeline:
    """When each request started and ended and each render ended (time.monotonic), from every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[float, float]] = []
        self.renders: list[tuple[float, float]] = []
        self.pool_calls: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        import json

        start = time.monotonic()
        time.sleep(LATENCY_S)
        body = pcm(json.loads(request.content)["input"])
        with self.lock:
            self.requests.append((start, time.monotonic()))
        return httpx.Response(200, content=body, headers={"content-type": "audio/pcm", "x-request-id": "r"})


def write_manifest(folder, prompts: int = PROMPTS) -> None:
    lines = ["version: 1", "providers:", "  local:", "    kind: openai", "    base_url: http://127.0.0.1:9/v1",
             f"    concurrency: {CONCURRENCY}", "libraries:", "  ivr:", "    output: out", "    layout: flat",
             "    formats: [ulaw, wav]", "    provider: local", "    languages:", "      en-US: {voice: alloy}",
             "    prompts:"]
    lines += [f"      p{i:02d}: Prompt number {i} of the scheduling test." for i in range(prompts)]
    (folder / "m.yaml").write_text("\n".join(lines) + "\n")


@pytest.fixture
def slow_workers(monkeypatch):
    """The engine pool runs in this process (no worker start-up to wait for) and every call it gets
    (render, level) takes RENDER_S longer, as busy render workers would."""
    timeline = Timeline()
    monkeypatch.setattr(espeak_pool, "INLINE_MAX", 10_000)
    pool = espeak_pool.shared_pool()
    monkeypatch.setattr(pool, "inline", pool.inline)  # a build sets it: the next test in this process gets it back
    real = espeak_pool.WorkerPool.call

    def call(self, function, *args):
        start = time.monotonic()
        with timeline.lock:
            timeline.pool_calls.append(function.__name__)
        if function.__name__ in ("render_to_temps", "measure_segment"):
            time.sleep(RENDER_S)
        result = real(self, function, *args)
        if function.__name__ == "render_to_temps":
            with timeline.lock:
                timeline.renders.append((start, time.monotonic()))
        return result

    monkeypatch.setattr(espeak_pool.WorkerPool, "call", call)
    return timeline


def test_requests_never_wait_for_busy_render_workers(tmp_path, slow_workers):
    timeline = slow_workers
    write_manifest(tmp_path)
    cache = SegmentCache(tmp_path / "cache")
    try:
        report = build(load_manifest(tmp_path / "m.yaml"), cache, BuildOptions(jobs=JOBS),
                       transport=httpx.MockTransport(timeline.handler))
        keys = list(cache.keys())
        levels = [cache.get(k).meta.get("levels") for k in keys]
    finally:
        cache.close()
    assert report.errors == [] and report.synthesized == PROMPTS and report.outputs_written == 2 * PROMPTS
    assert len(timeline.requests) == PROMPTS and len(timeline.renders) == PROMPTS
    first_start = min(s for s, _ in timeline.requests)
    last_end = max(e for _, e in timeline.requests)
    # 8 requests, 2 at a time (-j 2), 50 ms each: 4 waves, about 0.2 s. Had a request slot waited
    # for a worker (a level measured at synthesis), each slot would hold 0.55 s: over 2 s.
    assert last_end - first_start < 2 * RENDER_S, timeline.requests
    # Renders start while requests are out (a prompt renders as its segment lands) and go on well
    # past them: 8 renders of 0.5 s on 2 render threads, 2 s.
    assert min(s for s, _ in timeline.renders) < last_end
    assert max(e for _, e in timeline.renders) > last_end + 2 * RENDER_S
    # One worker call per prompt: the render measures the level and the cache keeps it for next time.
    assert timeline.pool_calls.count("measure_segment") == 0
    assert timeline.pool_calls.count("render_to_temps") == PROMPTS
    assert len(keys) == PROMPTS and all(set(lv) == {"trim:-50:trail:250"} for lv in levels), levels


def test_requests_stay_within_reach_of_the_renders(tmp_path, slow_workers):
    """Requests run ahead of the renders by at most AHEAD_PER_SLOT waves (so a full output folder,
    found by a render, stops spending soon), then keep pace with them; every prompt is still built."""
    from narrate.synth import AHEAD_PER_SLOT

    timeline = slow_workers
    write_manifest(tmp_path, prompts=24)
    cache = SegmentCache(tmp_path / "cache")
    try:
        report = build(load_manifest(tmp_path / "m.yaml"), cache, BuildOptions(jobs=JOBS),
                       transport=httpx.MockTransport(timeline.handler))
    finally:
        cache.close()
    assert report.errors == [] and report.synthesized == 24 and report.outputs_written == 48
    first_render_end = min(e for _, e in timeline.renders)
    early = [s for s, _ in timeline.requests if s < first_render_end]
    # 8 ahead (4 waves of 2) plus the 2 in flight; unbounded, 12 waves of 50 ms (about 22 requests)
    # would have gone out before the first 0.5 s render ended.
    assert AHEAD_PER_SLOT == 4 and len(early) <= 10, len(early)
    assert len(timeline.requests) == 24


def test_a_build_starts_its_render_workers_before_the_first_answer(tmp_path, slow_workers):
    timeline = slow_workers
    write_manifest(tmp_path, prompts=10)
    cache = SegmentCache(tmp_path / "cache")
    try:
        build(load_manifest(tmp_path / "m.yaml"), cache, BuildOptions(jobs=JOBS),
              transport=httpx.MockTransport(timeline.handler))
    finally:
        cache.close()
    # A warm-up call per render thread (one per worker process), before any request is answered.
    assert timeline.pool_calls[:JOBS] == ["warm_up"] * JOBS
    assert timeline.pool_calls.count("warm_up") == JOBS
    assert timeline.pool_calls.count("render_to_temps") == 10


@pytest.mark.parametrize(("concurrency", "keepalive", "connections"), [(4, 16, 64), (16, 16, 64), (40, 40, 80)])
def test_the_connection_pool_follows_the_providers_concurrency(concurrency, keepalive, connections):
    from narrate.providers.registry import create_provider

    provider = create_provider(ProviderConfig("p", "openai", base_url="http://127.0.0.1:9/v1",
                                              concurrency=concurrency))
    try:
        pool = provider.http.client._transport._pool  # httpcore's ConnectionPool behind httpx
        assert (pool._max_keepalive_connections, pool._max_connections) == (keepalive, connections)
    finally:
        provider.close()


def test_a_rest_answer_is_validated_once(monkeypatch, tmp_path):
    """The provider checks the body as it arrives (retrying a bad one); synthesis trusts that check
    (`checked`) instead of decoding and sniffing the same audio again."""
    import json

    from narrate.audio import validate
    from narrate.audio.formats import AudioFormat
    from narrate.plan import Segment
    from narrate.providers.base import SynthesisResult
    from narrate.providers.registry import create_provider
    from narrate.synth import synthesize_missing

    calls = []
    real = validate.check_audio

    def counting(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(validate, "check_audio", counting)
    config = ProviderConfig("local", "openai", base_url="http://127.0.0.1:9/v1", concurrency=2)
    provider = create_provider(config, transport=httpx.MockTransport(
        lambda r: httpx.Response(200, content=pcm(json.loads(r.content)["input"]))))
    texts = [f"Text number {i} for validation." for i in range(3)]
    segs = [Segment(f"{i:064x}", "local", SynthesisRequest(t, "alloy", "en-US")) for i, t in enumerate(texts)]
    cache = SegmentCache(tmp_path / "cache")
    try:
        outcome = synthesize_missing(segs, {"local": provider}, {"local": config}, cache)
    finally:
        cache.close()
        provider.close()
    assert outcome.synthesized == 3 and outcome.failures == []
    assert sorted(calls) == sorted(texts)  # once each, by the provider
    # Results made elsewhere (the embedded engine, a test's fake) are not marked: synthesis checks them.
    assert SynthesisResult(b"", AudioFormat("raw", "pcm_s16le", 8000)).checked is False


def test_one_thread_watches_every_deadline():
    """Many requests in flight share one watchdog thread; a cancelled watchdog never fires, a due one does."""
    import socket

    from narrate.providers import transfer

    class Stream:
        def __init__(self, sock):
            self.sock = sock

        def get_extra_info(self, name):
            return self.sock if name == "socket" else None

    deadline = time.monotonic() + 120  # a watchdog another test left (cancelled) ends its thread first
    while any(t.name == "narrate-watchdog" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pairs = [socket.socketpair() for _ in range(20)]
    try:
        before = {t.ident for t in threading.enumerate()}
        now = time.monotonic()
        dogs = [transfer.Watchdog(httpx.Response(200, extensions={"network_stream": Stream(a)}), now + 30)
                for a, _ in pairs[:19]]
        due = transfer.Watchdog(httpx.Response(200, extensions={"network_stream": Stream(pairs[19][0])}), now + 0.2)
        started = [t for t in threading.enumerate() if t.ident not in before]
        assert [t.name for t in started] == ["narrate-watchdog"]
        assert transfer.ALARMS.pending() == 20
        for dog in dogs:
            dog.cancel()
        assert transfer.ALARMS.pending() == 1
        deadline = time.monotonic() + 10
        while not due.fired and time.monotonic() < deadline:
            time.sleep(0.01)
        assert due.fired and not any(d.fired for d in dogs)
        assert pairs[19][1].recv(1) == b""  # the peer sees the shutdown: a blocked read would end
        deadline = time.monotonic() + 10
        while started[0].is_alive() and time.monotonic() < deadline:  # nothing pending: the thread ends
            time.sleep(0.01)
        assert not started[0].is_alive() and transfer.ALARMS.pending() == 0
    finally:
        for a, b in pairs:
            a.close()
            b.close()


def test_a_large_entry_is_written_in_one_piece(tmp_path, monkeypatch):
    """diskcache writes a `bytes` value line by line: a PCM segment's ~1,000 newline bytes made ~1,000
    writes per entry. The store's own Disk writes the entry file in one call instead (diskcache's
    line-by-line writer is never used); small values stay inline."""
    import diskcache.core

    chunks: list[int] = []
    real = diskcache.core.Disk._write

    def counting(self, full_path, iterator, mode, encoding=None):
        parts = list(iterator)
        chunks.append(len(parts))
        return real(self, full_path, iter(parts), mode, encoding)

    monkeypatch.setattr(diskcache.core.Disk, "_write", counting)
    blob = pcm("A segment of about five seconds of speech, as a provider returns it.")
    assert blob.count(b"\n") > 100 and len(blob) > 32 * 1024
    cache = SegmentCache(tmp_path / "cache")
    try:
        cache.put_raw("a" * 64, blob)
        cache.put_raw("b" * 64, b"small\nvalue")
        assert chunks == []  # neither went through diskcache's line-by-line writer
        assert cache.get_raw("a" * 64) == blob and cache.get_raw("b" * 64) == b"small\nvalue"
        assert len(list((tmp_path / "cache").rglob("*.val"))) == 1
    finally:
        cache.close()


def test_a_local_engine_gets_two_requests_per_worker_and_rest_is_capped_by_jobs():
    """A local engine's worker speaks the next segment while the build stores the last one; `-j`
    counts its worker processes. A REST provider's requests are capped by `-j`, and a provider's own
    `concurrency` is kept as written."""
    from narrate.providers.base import ProviderConfig, ProviderLimits
    from narrate.synth import concurrency_for

    class Engine:
        local = True
        limits = ProviderLimits(max_chars=100, default_concurrency=2)

    class Rest:
        limits = ProviderLimits(max_chars=100, default_concurrency=16)

    assert concurrency_for("e", Engine(), ProviderConfig("e", "espeak"), None) == 4
    assert concurrency_for("e", Engine(), ProviderConfig("e", "espeak"), 3) == 6
    assert concurrency_for("e", Engine(), ProviderConfig("e", "espeak", concurrency=1), 3) == 1
    assert concurrency_for("r", Rest(), ProviderConfig("r", "openai"), None) == 16
    assert concurrency_for("r", Rest(), ProviderConfig("r", "openai"), 2) == 2


def test_a_request_that_ends_does_not_wake_the_watchdog_thread(monkeypatch):
    """Requests end mostly in the order they began: cancelling the earliest watchdog while others are
    pending leaves the thread asleep (it wakes at that deadline anyway, to find the next); only the
    last cancellation wakes it, so that it ends."""
    from narrate.providers import transfer

    alarms = transfer._Alarms()
    wakes = []
    real_notify = alarms._cond.notify
    monkeypatch.setattr(alarms._cond, "notify", lambda *a: (wakes.append(1), real_notify(*a)))
    monkeypatch.setattr(transfer, "ALARMS", alarms)

    class Dog:
        pending = True

        def fire(self):
            raise AssertionError("a cancelled watchdog fired")

    now = time.monotonic()
    dogs = [Dog() for _ in range(5)]
    for i, dog in enumerate(dogs):
        alarms.add(now + 30 + i, dog)
    wakes.clear()
    for dog in dogs[:-1]:  # the earliest each time
        alarms.cancel(dog)
    assert wakes == [] and alarms.pending() == 1
    alarms.cancel(dogs[-1])
    assert wakes == [1] and alarms.pending() == 0
    deadline = time.monotonic() + 10
    while alarms._running and time.monotonic() < deadline:  # nothing pending: the thread ends
        time.sleep(0.01)
    assert not alarms._running
