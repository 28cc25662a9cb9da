"""The engine pool (issue 14 item 1): long-lived worker processes, one eSpeak NG engine each, whose
output for a segment is the same bytes whatever worker speaks it and whatever it spoke before."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from narrate import procs
from narrate.errors import AudioError, Interrupted
from narrate.providers import espeak_worker
from narrate.providers.espeak_pool import THREAD_LIMITS, WorkerPool
from narrate.providers.espeak_reset import Unsupported, read_layout

ROOT = Path(__file__).resolve().parents[1]

# (text, voice, wpm, pitch): several languages, variants, speeds and pitches.
SEGMENTS = [
    ("Thank you for calling. Please hold while we connect you.", "gmw/en-US", 175, 50),
    ("Hola, gracias por llamar.", "roa/es-419", 262, 80),
    ("Bonjour tout le monde.", "roa/fr", 122, 50),
    ("Guten Tag.", "gmw/de", 350, 10),
    ("Press one.", "gmw/en-US+f3", 175, 50),
    ("Press two.", "gmw/en-US+klatt", 140, 99),
    ("我们明天去公园。", "sit/cmn", 175, 50),
    ("Dzień dobry, proszę czekać.", "zlw/pl", 200, 40),
]


def digest(pcm: bytes) -> str:
    return hashlib.sha256(pcm).hexdigest()


@pytest.fixture
def pool():
    p = WorkerPool(2)
    yield p
    p.shutdown()


def test_workers_reset_the_engine_in_place(pool):
    from narrate.providers.espeak_worker import engine_mode

    assert pool.call(engine_mode) == "reset"


def test_same_segment_same_bytes_in_any_worker_and_any_order(pool):
    in_order = {s: digest(pool.speak(*s)) for s in SEGMENTS}
    assert len(set(in_order.values())) == len(SEGMENTS)  # distinct audio: not one answer compared with itself
    shuffled = SEGMENTS * 3
    random.Random(14).shuffle(shuffled)
    with ThreadPoolExecutor(4) as threads:  # both workers, each after a different history
        again = list(threads.map(lambda s: (s, digest(pool.speak(*s)), pool.call(os.getpid)), shuffled))
    assert {pid for _, _, pid in again} <= set(pool.pids) and len({pid for _, _, pid in again}) == 2
    for seg, got, _ in again:
        assert got == in_order[seg], seg


def test_pool_bytes_equal_a_fresh_process_forked_per_segment(pool):
    """The reset gives what the old fork-per-segment path gave (and what a fresh process gives)."""
    code = ("import hashlib, sys\n"
            "from narrate.providers.espeak import _Engine\n"
            "from narrate.providers.espeak_fork import fork_synthesize\n"
            "e = _Engine()\n"
            "for text, voice, wpm, pitch in [(" + ", ".join(repr(s) for s in SEGMENTS[:4]) + ")]:\n"
            "    print(hashlib.sha256(fork_synthesize(e, text, voice, wpm, pitch)).hexdigest())\n")
    code = code.replace("[(", "[").replace(")]:", "]:")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [digest(pool.speak(*s)) for s in SEGMENTS[:4]]


def test_the_pool_never_starts_more_workers_than_its_size():
    p = WorkerPool(2)
    try:
        p.call(time.sleep, 0)  # one worker started before the clock runs
        start = time.monotonic()
        with ThreadPoolExecutor(6) as threads:
            list(threads.map(lambda _: p.call(time.sleep, 0.2), range(12)))
        assert time.monotonic() - start >= 12 * 0.2 / 2  # two at a time, never more
        assert p._count == 2 and len(p.pids) == 2
        p.resize(1)
        assert len(p.pids) == 1 and p._count == 1
    finally:
        p.shutdown()


def test_a_request_the_worker_cannot_unpickle_fails_alone(pool):
    from narrate.providers.espeak_pool import WorkerError

    with pytest.raises(WorkerError, match="ModuleNotFoundError: No module named 'test_engine_pool'"):
        pool.call(_local_function)
    assert pool.call(os.getpid) in pool.pids + [pool.call(os.getpid)]


def _local_function() -> None:
    """Lives in this test module, which the worker cannot import."""


def test_workers_run_numpy_with_one_thread(pool):
    assert [pool.call(os.getenv, name) for name in THREAD_LIMITS] == ["1"] * len(THREAD_LIMITS)


def test_speak_then_gives_the_speech_and_its_render_in_one_request(pool):
    """"speak+": the PCM `speak` gives and then(pcm, *args) run in the worker; a `then` that raises
    loses only its own result, never the speech."""
    from narrate.audio.level import concat

    pcm = pool.speak(*SEGMENTS[0])
    assert pool.speak_then(*SEGMENTS[0], False, len, ()) == (pcm, (True, len(pcm)))
    assert pool.speak_then(*SEGMENTS[0], False, concat, ()) == (pcm, (False, None))  # concat(pcm) raises


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_GETPIPE_SZ"), reason="Linux pipe sizes")
def test_a_reply_pipe_holds_a_prompts_reply_whole(pool):
    """A worker writes a prompt's reply (~270 KB for 4 s: its PCM and rendered files) in one go, not
    64 KB at a time waiting for the build to read each."""
    import fcntl

    from narrate.providers.espeak_pool import PIPE_BYTES

    pool.speak(*SEGMENTS[0])
    (worker,) = pool._idle
    assert fcntl.fcntl(worker.proc.stdout.fileno(), fcntl.F_GETPIPE_SZ) >= PIPE_BYTES >= 300_000


def test_call_re_raises_narrate_errors_with_their_class_and_message(pool):
    from narrate.audio.level import concat

    with pytest.raises(AudioError, match="^nothing to concatenate$"):
        pool.call(concat, [])


def test_a_dead_worker_is_replaced_and_gives_the_same_bytes(pool):
    first = pool.speak(*SEGMENTS[1])
    (old,) = pool.pids
    os.kill(old, signal.SIGKILL)  # our own worker, by its pid
    assert pool.speak(*SEGMENTS[1]) == first
    assert pool.pids and old not in pool.pids


def test_stop_kills_the_workers_and_refuses_new_requests():
    p = WorkerPool(2)
    p.speak(*SEGMENTS[0])
    (pid,) = p.pids
    p.stop()
    assert not _alive(pid)
    with pytest.raises(Interrupted):
        p.speak(*SEGMENTS[0])


def test_procs_stop_all_reaches_the_shared_pool():
    from narrate.providers import espeak_pool

    espeak_pool.shared_pool().speak(*SEGMENTS[0])
    pids = espeak_pool.shared_pool().pids
    assert pids
    try:
        assert procs.stop_all(signal.SIGTERM) == 0  # no ffmpeg running: only the workers, not counted
        assert not any(_alive(pid) for pid in pids)
    finally:
        procs.reset()
        espeak_pool._pool = None  # the stopped pool refuses work; the next test gets a fresh one


def test_workers_exit_when_their_parent_is_killed(tmp_path):
    code = ("import os, sys, time\n"
            "from narrate.providers.espeak_pool import WorkerPool\n"
            "p = WorkerPool(2)\n"
            "p.speak('Hello.', 'gmw/en-US', 175, 50)\n"
            "print(*p.pids, flush=True)\n"
            "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert parent.stdout is not None
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert pids and all(_alive(p) for p in pids)
    finally:
        parent.kill()  # SIGKILL: no cleanup code runs in the parent
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


def test_a_worker_skips_interpreter_teardown_once_its_parent_closes_the_pipe(tmp_path):
    """Its answers are sent, nothing is left to save: a worker that ran the interpreter's teardown
    (an atexit handler here stands for it) kept every build waiting ~60 ms at its end."""
    marker = tmp_path / "teardown-ran"
    code = ("import atexit, sys\n"
            f"atexit.register(lambda: open({str(marker)!r}, 'w').close())\n"
            "from narrate.providers import espeak_worker\n"
            "print('before', file=sys.stderr)\n"
            "espeak_worker.main()\n")
    done = subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0
    assert b"before" in done.stderr  # what it wrote to stderr is not lost
    assert espeak_worker.HEAD.unpack_from(done.stdout)[0] == espeak_worker.READY  # sent before the end
    assert not marker.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead too
        return f.read().split(") ")[-1][0] != "Z"


def test_a_library_without_symbols_is_not_reset(tmp_path):
    fake = tmp_path / "libfake.so"
    fake.write_bytes(b"not an ELF file")
    with pytest.raises(Unsupported, match="not a 64-bit little-endian ELF library"):
        read_layout(fake)
    import espeakng_loader

    layout = read_layout(espeakng_loader.get_library_path())
    assert layout.start < min(layout.owned) <= max(layout.owned) < layout.end
    assert 4096 < layout.end - layout.start < 16 << 20  # .data + .bss: about 110 KB for espeak-ng 1.52


def test_one_worker_alternating_klatt_and_other_voices_many_times():
    """Regression: KlattReset frees and re-makes the speech player's heap block on every utterance;
    restoring its old pointer freed it twice (a crash after a few segments, or worse)."""
    p = WorkerPool(1)
    try:
        seen: dict[int, set[str]] = {0: set(), 1: set()}
        for i in range(30):
            seen[i % 2].add(digest(p.speak(*SEGMENTS[5 if i % 2 else 0])))
        assert len(seen[0]) == len(seen[1]) == 1 and seen[0] != seen[1]
        assert len(p.pids) == 1  # the same worker all along: it never died
    finally:
        p.shutdown()


def test_the_layout_keeps_the_speech_players_handle():
    import espeakng_loader

    from narrate.providers.espeak_reset import OWNED

    layout = read_layout(espeakng_loader.get_library_path())
    assert OWNED[:3] == ("translator", "p_decoder", "speechPlayerHandle") and len(layout.owned) == len(OWNED)


def test_concurrent_speakers_through_the_provider_agree(pool):
    """Threads of one process (the synth scheduler's) share the pool without mixing answers."""
    results: dict[int, set[str]] = {i: set() for i in range(4)}

    def speak(i: int) -> None:
        for _ in range(3):
            results[i].add(digest(pool.speak(*SEGMENTS[i])))

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(len(r) == 1 for r in results.values()) and len(set().union(*results.values())) == 4


MANIFEST = """\
version: 1
defaults: {provider: espeak}
libraries:
  ivr:
    output: out
    formats: [ulaw, wav]
    languages:
      en-US: {voice: en-us, path: en}
    prompts:
""" + "".join(f"      p{i}:\n        en-US: Prompt number {i}. Please hold while we connect your call.\n" for i in range(12))


# Builds with one, two or three workers writing identical files: tests/test_cold_build.py
# (test_a_cold_prompt_set_is_byte_identical_whatever_jobs_is, a superset of the one that was here).


def _children(pid: int) -> list[int]:
    """Live child processes of `pid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            rest = stat[stat.rindex(")") + 2:].split()
            if int(rest[1]) == pid and rest[0] != "Z":
                found.append(int(entry))
    return found


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stopping_a_build_ends_its_workers(tmp_path, sig, code):
    (tmp_path / "narrate.yaml").write_text(MANIFEST + "".join(
        f"      q{i}:\n        en-US: Another prompt, number {i}, to keep the workers busy for a while.\n"
        for i in range(150)))
    build = subprocess.Popen([sys.executable, "-m", "narrate.cli", "-q", "build", "narrate.yaml", "-j", "2",
                              "--cache-dir", str(tmp_path / "cache")], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while len(workers) < 2 and time.monotonic() < deadline and build.poll() is None:
            time.sleep(0.05)
            workers = _children(build.pid)
        assert len(workers) == 2, "the build never started its two workers"
        build.send_signal(sig)
        _, err = build.communicate(timeout=60)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    assert build.returncode == code, err
    assert "Traceback" not in err
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)
