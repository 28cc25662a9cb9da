"""Issue 14 item 2: a REST build's renders take as little of the build process as they can.

- a render worker writes a prompt's files to temp files itself and sends back paths and digests
  (`package.prompt_files.render_to_temps`), never the files' bytes; a full disk comes back as a value
  with its errno, and leaves no temp file;
- a single-segment prompt renders from the answer's bytes in hand, not from its entry read back, and
  its files are byte-identical to a render from the cache;
- the scheduler wakes on a completion queue, not `futures.wait` over every pending request;
- the outbox flushes a batch as soon as it holds BATCH_FILES files.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
from pathlib import Path

import httpx
import numpy as np
import pytest

from narrate import fsutil
from narrate.build import build
from narrate.build import outbox as outbox_module
from narrate.cache import SegmentCache
from narrate.manifest import Settings, load_manifest
from narrate.outcome import BuildOptions
from narrate.package.prompt_files import WriteError, WrittenFile, render_to_temps
from narrate.package.render import Finish, render_prompt
from narrate.providers import espeak_pool
from narrate.providers.base import AudioFormat

FORMATS = ("ulaw", "wav")
PCM24 = AudioFormat("raw", "pcm_s16le", 24000)


def tone(text: str) -> bytes:
    """Headerless 16-bit 24 kHz speech-like audio (a tone with a syllable envelope), 0.5 s + 20 ms a character."""
    t = np.arange(int((0.5 + 0.02 * len(text)) * 24000)) / 24000
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    return (np.sin(2 * np.pi * (180 + len(text)) * t) * 9000 * envelope).astype("<i2").tobytes()


def test_a_worker_writes_the_files_and_returns_digests_only(tmp_path):
    data = tone("Thank you for calling.")
    targets = (str(tmp_path / "a.ulaw"), str(tmp_path / "a.wav"))
    files, level = render_to_temps([(data, PCM24)], Finish.of(Settings()), (), FORMATS, None, targets, 4242)
    expected, measured = render_prompt([(data, PCM24)], Settings(), (), FORMATS)
    assert level == measured and level is not None
    assert isinstance(files, list) and [f.format for f in files] == list(FORMATS)
    for f, want, target in zip(files, expected, targets, strict=True):
        assert isinstance(f, WrittenFile) and f.target == target and f.tmp is not None
        tmp = Path(f.tmp)
        # Named after the build's pid (4242 here), not the worker's: a live build's file while it runs.
        assert tmp.parent == tmp_path and tmp.name.startswith(fsutil.temp_prefix(pid=4242))
        assert fsutil._STALE_NAME.fullmatch(tmp.name)["pid"] == "4242"
        assert tmp.read_bytes() == want.data and not Path(target).exists()  # renamed by the build, not here
        assert f.sha256 == hashlib.sha256(want.data).hexdigest() and f.size == len(want.data)
        assert f.duration == want.duration
    # What crosses the pipe back: paths and digests, a few hundred bytes, not the ~70 KB of audio.
    assert len(pickle.dumps((files, level))) < 1500 < sum(len(w.data) for w in expected)


def test_a_target_with_the_same_bytes_is_not_written_again(tmp_path):
    data = tone("Please hold.")
    expected, _ = render_prompt([(data, PCM24)], Settings(), (), FORMATS)
    (tmp_path / "a.ulaw").write_bytes(expected[0].data)
    (tmp_path / "a.wav").write_bytes(b"other bytes")
    targets = (str(tmp_path / "a.ulaw"), str(tmp_path / "a.wav"))
    files, _ = render_to_temps([(data, PCM24)], Finish.of(Settings()), (), FORMATS, None, targets)
    assert [f.tmp is None for f in files] == [True, False]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".narrate-")) == [Path(files[1].tmp).name]


def test_a_full_disk_comes_back_with_its_errno_and_no_temp_file(tmp_path, monkeypatch):
    real = fsutil.make_temp
    calls = []

    def second_fails(folder, suffix="", pid=None):
        calls.append(folder)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(folder, suffix, pid)

    monkeypatch.setattr(fsutil, "make_temp", second_fails)
    targets = (str(tmp_path / "a.ulaw"), str(tmp_path / "a.wav"))
    files, level = render_to_temps([(tone("Goodbye."), PCM24)], Finish.of(Settings()), (), FORMATS, None, targets)
    assert files == WriteError(errno.ENOSPC, "No space left on device", str(tmp_path))
    assert level is not None and len(calls) == 2
    assert list(tmp_path.iterdir()) == []  # the first file's temp was removed
    exc = files.as_oserror()
    assert (exc.errno, exc.strerror, exc.filename) == (errno.ENOSPC, "No space left on device", str(tmp_path))


def write_manifest(folder: Path, prompts: int, out: str = "out") -> None:
    lines = ["version: 1", "providers:", "  local:", "    kind: openai", "    base_url: http://127.0.0.1:9/v1",
             "    concurrency: 4", "libraries:", "  ivr:", f"    output: {out}", "    layout: flat",
             "    formats: [ulaw, wav]", "    provider: local", "    languages:", "      en-US: {voice: alloy}",
             "    prompts:"]
    lines += [f"      p{i:02d}: Prompt number {i} of the render test." for i in range(prompts)]
    lines += ["      joined: 'Part one. <break time=\"300ms\"/> Part two.'"]  # two segments: rendered from the cache
    (folder / "m.yaml").write_text("\n".join(lines) + "\n")


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=tone(json.loads(request.content)["input"]),
                          headers={"content-type": "audio/pcm", "x-request-id": "r"})


@pytest.fixture
def counted_reads(monkeypatch):
    """Workers in this process (no start-up), and every SegmentCache.get counted by key."""
    monkeypatch.setattr(espeak_pool, "INLINE_MAX", 10_000)
    pool = espeak_pool.shared_pool()
    monkeypatch.setattr(pool, "inline", pool.inline)
    reads: list[str] = []
    real = SegmentCache.get

    def get(self, key):
        reads.append(key)
        return real(self, key)

    monkeypatch.setattr(SegmentCache, "get", get)
    return reads


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_single_segment_prompts_render_from_the_answer_in_hand(tmp_path, counted_reads, monkeypatch):
    import concurrent.futures

    def no_wait(*args, **kwargs):
        raise AssertionError("the scheduler waits on its completion queue, not futures.wait")

    monkeypatch.setattr(concurrent.futures, "wait", no_wait)
    write_manifest(tmp_path, 10)
    cache = SegmentCache(tmp_path / "cache")
    try:
        cold = build(load_manifest(tmp_path / "m.yaml"), cache, BuildOptions(jobs=2),
                     transport=httpx.MockTransport(answer))
        reads_cold = list(counted_reads)
        first = outputs(tmp_path / "out")
        # The same prompts rendered from the cache (outputs and lock gone): the same bytes.
        for path in (tmp_path / "out").rglob("*"):
            if path.is_file():
                path.unlink()
        for stale in tmp_path.glob("*.lock"):
            stale.unlink()
        counted_reads.clear()
        warm = build(load_manifest(tmp_path / "m.yaml"), cache, BuildOptions(jobs=2),
                     transport=httpx.MockTransport(answer))
    finally:
        cache.close()
    assert cold.errors == [] and cold.synthesized == 12 and cold.outputs_written == 22
    # Only the two-segment prompt read its segments back; the ten others rendered from the answers.
    assert len(reads_cold) == 2, reads_cold
    assert warm.errors == [] and warm.synthesized == 0 and warm.outputs_written == 22
    assert len(counted_reads) >= 12  # every prompt read its segments from the cache this time
    assert outputs(tmp_path / "out") == first and len(first) == 23  # 22 prompt files and index.json


def test_the_outbox_flushes_a_batch_as_soon_as_it_holds_batch_files(tmp_path, monkeypatch):
    monkeypatch.setattr(outbox_module, "BATCH_FILES", 3)
    failures = []
    box = outbox_module.Outbox(lambda exc, folder: failures.append((exc, folder)))
    published = []
    for i in range(2):
        box.put(tmp_path / f"{i}.a", b"a", within=tmp_path)
        box.then(lambda i=i: published.append(i))
    assert len(box._flushes) == 0  # 2 files queued: below the batch
    tmp = tmp_path / ".narrate-tmp-worker"
    tmp.write_bytes(b"from a worker")
    box.put_temp(tmp, tmp_path / "w.b")  # a temp file a render worker wrote counts as a file too
    box.then(lambda: published.append("w"))
    assert len(box._flushes) == 1  # 3 files: flushed without waiting for close
    box.close()
    assert published == [0, 1, "w"] and failures == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.a", "1.a", "w.b"]
    assert (tmp_path / "w.b").read_bytes() == b"from a worker"


def test_a_rest_segments_level_is_stored_with_it_and_never_measured_again(tmp_path, counted_reads, monkeypatch):
    """The level goes into the entry as it is stored (no rewrite of a stored entry afterwards), and the
    render worker gets it instead of measuring again."""
    import narrate.package.prompt_files as prompt_files

    rewrites, given = [], []
    monkeypatch.setattr(SegmentCache, "remember_level", lambda self, *a: rewrites.append(a))
    real = prompt_files.render_to_temps

    def render(parts, finish, pauses, formats, measured, targets, owner):
        given.append(measured)
        assert owner == os.getpid()
        return real(parts, finish, pauses, formats, measured, targets, owner)

    monkeypatch.setattr(prompt_files, "render_to_temps", render)
    write_manifest(tmp_path, 6)
    cache = SegmentCache(tmp_path / "cache")
    try:
        report = build(load_manifest(tmp_path / "m.yaml"), cache, BuildOptions(jobs=2),
                       transport=httpx.MockTransport(answer))
        levels = sorted(str(json.loads(cache.get_raw(k).partition(b"\n")[0]).get("levels")) for k in cache.keys())
    finally:
        cache.close()
    assert report.errors == [] and report.synthesized == 8 and report.outputs_written == 14
    assert rewrites == []  # no entry rewritten after it was stored
    # Six single-segment prompts rendered with the level from their entry; the two-segment one has none.
    assert sorted(m is not None for m in given) == [False] + [True] * 6
    assert all(isinstance(v, float) and round(v, 4) == v for m in given if m for v in m)
    # Every single-segment prompt's entry keeps its level (trim at -50 dBov, the default); the two
    # segments of the joined prompt keep none (their prompt is measured as a whole).
    assert [lv.startswith("{'trim:-50:trail:250': [") for lv in levels].count(True) == 6
    assert levels.count("None") == 2
