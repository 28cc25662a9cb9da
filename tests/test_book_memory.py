"""Book assembly in bounded memory (issue 14 item 3): how many ffmpeg processes run at once is set by a
memory budget for the whole process tree, not by the cores, and a build never runs more."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import narrate.package.assemble as assemble
from conftest import narrate
from narrate import procs
from narrate.cache import SegmentCache
from narrate.package import book_units, levels
from narrate.package.assemble import build_book
from narrate.package.grid import adts_frame_count
from narrate.package.pieces import STORE_DIR
from test_book_incremental import CHAPTERS, FFMPEG, book, built, built_once, plan_one  # noqa: F401  (the fixtures)


def test_the_memory_budget_not_the_cores_sets_the_ffmpeg_processes_at_once():
    # narrate 62 MB + 40 MB per ffmpeg (measured: see book_units.py); at least 1, at most cores + 1.
    assert (book_units.NARRATE_MB, book_units.FFMPEG_MB, book_units.MEMORY_BUDGET_MB) == (62, 40, 100)
    assert book_units.encode_workers(100, cores=2) == 1
    assert book_units.encode_workers(100, cores=64) == 1  # more cores, not more memory
    assert book_units.encode_workers(141, cores=2) == 1
    assert book_units.encode_workers(142, cores=2) == 2
    assert book_units.encode_workers(200, cores=2) == 3
    assert book_units.encode_workers(1000, cores=2) == 3  # one more than the cores
    assert book_units.encode_workers(1000, cores=8) == 9
    assert book_units.encode_workers(50, cores=8) == 1  # below narrate's own: still one
    assert assemble.ENCODE_WORKERS == 1  # the default budget, 100 MB, on any machine


@pytest.fixture
def concurrent(monkeypatch) -> list[int]:
    """How many ffmpeg processes narrate had running at each start of one (narrate.procs.run is the only
    way narrate starts ffmpeg: narrate.audio.ffmpeg, the level passes, the muxes)."""
    seen: list[int] = []
    lock = threading.Lock()
    running = [0]
    real = procs.run

    def counted(cmd, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            running[0] += 1
            seen.append(running[0])
        try:
            return real(cmd, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(procs, "run", counted)
    return seen


@pytest.mark.slow
def test_a_cold_assembly_runs_one_ffmpeg_at_a_time(built, concurrent):  # noqa: F811
    shutil.rmtree(built / ".narrate-cache" / STORE_DIR)  # no kept encodes: the assembly below is cold
    concurrent.clear()
    cache = SegmentCache(built / ".narrate-cache")
    try:
        build_book(plan_one(built), cache, built)
    finally:
        cache.close()
    # 3 chapters: a gain pass (another for a short chapter measured near its range's edge: package.levels)
    # and an encode each; 6 silences (the head, 3 file tails, 2 pauses). narrate joins the chapter files,
    # the MP3 (narrate.package.mp3join) and the M4B (narrate.package.mp4) itself.
    assert 3 * 2 + 6 <= len(concurrent) <= 3 * (1 + levels.CORRECTIONS) + 3 + 6
    assert max(concurrent) == 1


def test_adts_frames_are_counted_without_reading_the_file_whole(tmp_path, monkeypatch):
    import subprocess

    aac = tmp_path / "a.aac"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "sine=f=440:r=44100", "-af",
                    "atrim=end_sample=441000", "-c:a", "aac", "-f", "adts", str(aac)], check=True)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read whole"))
    assert adts_frame_count(aac) == -(-(441000 + 1024) // 1024) == 432


def test_a_piece_is_hashed_only_when_its_file_moves(tmp_path, monkeypatch):
    import narrate.package.pieces as pieces

    store = pieces.PieceStore(tmp_path)
    tmp = store.temp("ab" * 32, "mp3")
    tmp.write_bytes(b"\xff\xfb" * 500)
    facts = {"skip": 417, "frames": 1, "delay": 576, "padding": 0, "crc": 0, "header": 0xFFFBB0C4, "cbr": True}
    path = store.put(tmp, "ab" * 32, "mp3", {"mp3": facts})  # (the facts a join needs: test_mp3join.py)
    hashed: list[Path] = []
    real = pieces.sha256_file
    monkeypatch.setattr(pieces, "sha256_file", lambda p: hashed.append(p) or real(p))
    assert store.get("ab" * 32, "mp3") == path and store.get("ab" * 32, "mp3") == path
    assert pieces.PieceStore(tmp_path).get("ab" * 32, "mp3") == path  # a new build: its sidecar's signature
    assert hashed == []  # stored and untouched since: never read again
    path.write_bytes(b"\xff\xfa" * 500)  # same size, other bytes, behind narrate's back: a new mtime and ctime
    assert store.get("ab" * 32, "mp3") is None and hashed == [path]
    assert pieces.PieceStore(tmp_path).get("ab" * 32, "mp3") is None and hashed == [path, path]


@pytest.mark.slow
def test_the_m4b_joined_through_the_concat_protocol_equals_the_one_from_a_joined_copy(built, tmp_path):  # noqa: F811
    """The parts are read by ffmpeg's concat protocol; a cache folder whose path holds its separator "|"
    falls back to a joined copy on disk, and both give the same M4B. (`built`: a copy of the book built
    cold by the CLI, as `odd` is here.)"""
    odd = tmp_path / "a|b"
    shutil.copytree(built / "ch", odd / "ch")
    shutil.copy(built / "book.yaml", odd / "book.yaml")
    done = narrate("build", "book.yaml", cwd=odd)
    assert done.returncode == 0, done.stderr
    assert (odd / "out" / "guide.m4b").read_bytes() == (built / "out" / "guide.m4b").read_bytes()
    assert not list((built / "out").glob(".narrate-work*")) and not list((odd / "out").glob(".narrate-work*"))


def test_reading_a_cache_of_small_entries_does_not_map_its_index_into_memory(tmp_path):
    """Entries under 32 KiB live in cache.db's rows. With diskcache's default SQLite settings (a 64 MiB
    memory map and a 32 MiB page cache) reading them grew a process by the size of the index: a
    10,000-sentence book's assembly peaked at 130 MB against 79 MB for the same hours in long sentences."""
    import numpy as np

    from narrate.audio.encode import wav_bytes
    from narrate.audio.pcm import Pcm
    from narrate.providers.base import AudioFormat, SynthesisResult

    cache = SegmentCache(tmp_path / "cache")
    rng = np.random.default_rng(1)
    for i in range(3000):  # ~36 MB of 12 KB entries, all inline
        pcm = Pcm((rng.standard_normal(6000) * 3000).astype(np.int16), 22050)
        cache.put(f"{i:064x}", SynthesisResult(wav_bytes(pcm), AudioFormat("wav", "pcm_s16le", 22050)),
                  {"text": f"sentence {i}", "key_head": "h"})
    cache.close()
    assert (tmp_path / "cache" / "cache.db").stat().st_size > 30_000_000
    code = ("import sys\n"
            "from narrate.cache import SegmentCache\n"
            "def rss(): return int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])\n"
            "c = SegmentCache(sys.argv[1]); c.get_raw('0' * 64); before = rss()\n"
            "for i in range(3000): assert c.get_raw(f'{i:064x}') is not None\n"
            "print(rss() - before)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "cache")], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) < 12_000  # kB: bounded by narrate's own page cache, not the index's size


def test_a_book_assembles_without_the_engine_pools_kept_heap(book, monkeypatch):  # noqa: F811
    # The engine pool raises glibc's thresholds to keep freed memory (audio/memory.py, for synthesis);
    # a book streamed beside its ffmpeg children with that heap kept ~8 MB more resident (issue 12,
    # the tree within 100 MB): the assembly runs with glibc's own thresholds and a trimmed heap.
    from conftest import narrate_in
    from narrate.audio import memory

    kept: list[bool] = []
    real = assemble.build_book

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        kept.append(memory._done)
        return real(*args, **kwargs)

    monkeypatch.setattr(assemble, "build_book", watched)
    done = narrate_in("-q", "build", "book.yaml", cwd=book)
    assert done.returncode == 0, done.stderr
    assert kept == [False]


def test_released_memory_goes_back_to_the_system():
    code = ("import numpy as np\nfrom narrate.audio import memory\n"
            "def rss(): return int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])\n"
            "assert memory.keep_freed_memory()\n"
            "held = [np.ones(1 << 17) for _ in range(64)]\n"  # 64 MB in 1 MB arrays, from the heap
            "del held[:-1]\nkept = rss()\nmemory.release_freed_memory()\nprint(kept - rss())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 32 * 1024  # kB handed back: most of the 63 MB freed


def test_a_planned_book_keeps_one_key_header_per_voice_and_no_dict_per_sentence(book):  # noqa: F811
    # A 10-hour book plans ~11,000 segments, all held while it is assembled beside ffmpeg (issue 12: the
    # tree within 100 MB): each kept its own copy of the voice's ~230-byte key header and an instance
    # dict for itself and its request, ~1 KB a sentence.
    segments = list(plan_one(book).segments.values())
    assert len(segments) > 3
    assert len({id(s.key_head) for s in segments}) == 1  # one voice: one header, shared
    assert all(s.key_head == segments[0].key_head != "" for s in segments)
    assert not hasattr(segments[0], "__dict__") and not hasattr(segments[0].request, "__dict__")


# What a cached book build does not load, so that narrate's resident set stays small while its ffmpeg
# children run (issue 12: the process tree within 100 MB). Each was resident beside the encodes before.
NOT_WHILE_ENCODING = (
    "langcodes",  # the default book language ("en-US", narrate's own) is not checked against its tables
    # The Markdown stack: the build reads its chapters in a child process (narrate.plan.apart), and its
    # own process never loads the reader, nor its parser, numbers or sentence splitter (~10 MB with the
    # reading's heap, on a 1-hour book).
    "markdown_it", "mdit_py_plugins", "num2words", "sentencex",
)
WATCH = """
import sys
import narrate.procs as procs
from narrate.cli import main
seen, real = set(), procs.run
def run(cmd, **kwargs):
    seen.update(sys.modules)  # what is loaded while an ffmpeg child runs
    return real(cmd, **kwargs)
procs.run = run
try:
    main(["-q", "build", "book.yaml"])
except SystemExit as exc:
    assert not exc.code, exc.code
from narrate.providers import espeak
print(sorted(m for m in seen if m.split(".")[0] in sys.argv[1:] or m in sys.argv[1:]), espeak._Engine._instance is not None,
      len(seen) > 0)
"""


@pytest.mark.slow
def test_a_cached_book_build_keeps_its_encodes_company_small(tmp_path):
    (tmp_path / "ch").mkdir()
    for name, text in CHAPTERS.items():
        (tmp_path / "ch" / name).write_text(text)
    (tmp_path / "book.yaml").write_text(
        "version: 1\nbooks:\n  long:\n    title: A Book\n    author: A. Writer\n    sources: ch/*.md\n"
        "    formats: [chapters, mp3, m4b]\n    output: out\n")  # as bench/book.py's book
    assert narrate("-q", "build", "book.yaml", cwd=tmp_path).returncode == 0  # every segment into the cache
    for gone in ("out", f".narrate-cache/{STORE_DIR}", ".narrate-cache/state", "narrate.lock"):
        shutil.rmtree(tmp_path / gone) if (tmp_path / gone).is_dir() else (tmp_path / gone).unlink()
    done = subprocess.run([sys.executable, "-c", WATCH, *NOT_WHILE_ENCODING, "narrate.text.markdown",
                           "narrate.text.chapter"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 0, done.stderr
    # None of them loaded while ffmpeg ran, nor the eSpeak engine initialised (the keys need its version
    # only); and ffmpeg did run (a cold assembly).
    assert done.stdout.split("\n")[0] == "[] False True"
    assert (tmp_path / "out" / "long.m4b").stat().st_size > 0
