"""Hostile and unlucky inputs to the segment cache (issue 9 items 2, 7 and 16), through the CLI.

Each case asserts the exit code, one clear stderr line naming the file or entry, no traceback, that
nothing outside the folders narrate owns changed (`snapshot`), and which entries survive.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

from conftest import assert_clean_failure, built_project, copy_of, narrate, narrate_in, snapshot
from narrate.audio.riff import WAVE_FORMAT_PCM, wav_file
from narrate.cache import SegmentCache, encode_entry
from narrate.cache.commands import prune_cache
from narrate.cache.entry import key_from
from narrate.providers.base import AudioFormat, SynthesisResult

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages: {en-US: {voice: en-us, path: en}}
    prompts:
      a: Welcome to the hostile cache test.
      b: Please hold while we check the cache.
      c: Thank you for calling today.
"""
OWNED = (".narrate-cache", "out", "narrate.lock")  # what a build or a cache command may change


def outside(root: Path, *also: str) -> dict[str, tuple[str, str]]:
    """Snapshot of root minus the folders narrate owns (and `also`)."""
    owned = OWNED + also
    return {k: v for k, v in snapshot(root).items() if not any(k == o or k.startswith(o + "/") for o in owned)}


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr, done.stderr[-4000:]


def lines_with(text: str, *fragments: str) -> list[str]:
    return [line for line in text.splitlines() if all(f in line for f in fragments)]


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    return built_project(tmp_path_factory, MANIFEST, "built")


@pytest.fixture
def built(built_once, tmp_path) -> Path:
    """A fresh copy of a project built once: manifest, outputs, lock and a warm cache."""
    return copy_of(built_once, tmp_path)


def cache_keys(root: Path) -> list[str]:
    cache = SegmentCache(root / ".narrate-cache")
    try:
        return sorted(cache.keys())
    finally:
        cache.close()


def raw_entries(root: Path) -> dict[str, bytes]:
    cache = SegmentCache(root / ".narrate-cache")
    try:
        return {k: cache.get_raw(k) for k in cache.keys()}
    finally:
        cache.close()


def wav_entry(text: str, head: str = '{"provider":"test"}', audio: bytes | None = None,
              fmt: AudioFormat | None = None, meta: dict | None = None) -> tuple[str, bytes]:
    """A valid entry (unless the caller spoils it) and the key its key material hashes to."""
    audio = audio if audio is not None else wav_file(WAVE_FORMAT_PCM, 8000, b"\x10\x00" * 4000, bits=16)
    meta = meta if meta is not None else {"key_head": head, "text": text}
    blob = encode_entry(SynthesisResult(audio, fmt or AudioFormat("wav", "pcm_s16le", 8000)), meta)
    return key_from(head.encode(), text), blob


def write_tar(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def import_into(root: Path, archive: Path) -> subprocess.CompletedProcess:
    return narrate_in("-q", "cache", "import", str(archive), "--cache-dir", str(root / ".narrate-cache"), cwd=root)


# ------------------------------------------------------------------ imports: trust nothing


def test_import_refuses_an_entry_stripped_of_its_key_material(tmp_path):
    good_key, good = wav_entry("good words")
    real_key, _ = wav_entry("the right words")
    _, stripped = wav_entry("", meta={"provider": "espeak"})  # audio of some other text, no key material
    archive = write_tar(tmp_path / "warm.tar", [("segments/" + good_key, good), ("segments/" + real_key, stripped)])
    before = outside(tmp_path)
    done = import_into(tmp_path, archive)
    assert_clean_failure(done, 1, "rejected", str(archive), real_key, "no key material")
    assert len(lines_with(done.stderr, "rejected")) == 1
    assert cache_keys(tmp_path) == [good_key]  # the honest entry is in, the stripped one is not
    assert outside(tmp_path) == before


def test_import_refuses_key_material_of_another_text(tmp_path):
    key, _ = wav_entry("press one for sales")
    _, other = wav_entry("press two for support")  # valid entry, filed under the wrong key
    archive = write_tar(tmp_path / "warm.tar", [("segments/" + key, other)])
    before = outside(tmp_path)
    done = import_into(tmp_path, archive)
    assert_clean_failure(done, 1, "rejected", str(archive), key[:12], "does not match its key")
    assert cache_keys(tmp_path) == []
    assert outside(tmp_path) == before


def test_import_refuses_a_flipped_audio_byte(tmp_path):
    key, blob = wav_entry("flipped")
    spoiled = blob[:-5] + bytes([blob[-5] ^ 0x01]) + blob[-4:]
    archive = write_tar(tmp_path / "warm.tar", [("segments/" + key, spoiled)])
    before = outside(tmp_path)
    done = import_into(tmp_path, archive)
    assert_clean_failure(done, 1, "rejected", key[:12], "checksum mismatch")
    assert cache_keys(tmp_path) == [] and outside(tmp_path) == before


def test_import_refuses_bytes_of_another_format(tmp_path):
    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 400  # MP3 bytes labelled as WAV
    key, blob = wav_entry("wrong format", audio=mp3)
    raw_key, raw_blob = wav_entry("riff as raw", fmt=AudioFormat("raw", "mulaw", 8000))  # a WAV file labelled raw
    archive = write_tar(tmp_path / "warm.tar", [("segments/" + key, blob), ("segments/" + raw_key, raw_blob)])
    before = outside(tmp_path)
    done = import_into(tmp_path, archive)
    assert_clean_failure(done, 1, "rejected", key[:12], "is not wav/pcm_s16le")
    assert lines_with(done.stderr, "rejected", raw_key[:12], "is not raw/mulaw", "not headerless samples")
    assert cache_keys(tmp_path) == [] and outside(tmp_path) == before


@pytest.mark.parametrize("cut", ["member boundary", "inside a member", "inside a header"])
def test_truncated_archive_is_a_located_error_and_imports_nothing(tmp_path, cut):
    members = [("segments/" + k, b) for k, b in (wav_entry(f"text {i}") for i in range(3))]
    whole = write_tar(tmp_path / "whole.tar", members).read_bytes()
    first = 512 + len(members[0][1]) + (-len(members[0][1]) % 512)  # header + padded data of member 1
    size = {"member boundary": first, "inside a member": first + 700, "inside a header": first + 100}[cut]
    archive = tmp_path / "cut.tar"
    archive.write_bytes(whole[:size])
    before = outside(tmp_path)
    done = import_into(tmp_path, archive)
    assert_clean_failure(done, 2, str(archive), "damaged or truncated cache export", "nothing was imported")
    assert cache_keys(tmp_path) == []  # not even the complete first member
    assert outside(tmp_path) == before


def test_garbage_archive_is_a_located_error(tmp_path):
    archive = tmp_path / "warm.tar"
    archive.write_bytes(os.urandom(3000))
    before = outside(tmp_path)
    done = import_into(tmp_path, archive)
    assert_clean_failure(done, 2, str(archive), "not a narrate cache export")
    assert cache_keys(tmp_path) == [] and outside(tmp_path) == before


def test_archive_with_parent_and_absolute_names_writes_nothing_outside(tmp_path):
    key, blob = wav_entry("kept")
    evil = [("../../escape.wav", blob), ("/tmp/narrate-abs-" + key[:8], blob), ("segments/../" + key, blob),
            ("segments/\x1b[2Jbad", blob), ("segments/" + key, blob)]
    archive = write_tar(tmp_path / "warm.tar", evil)
    before = outside(tmp_path)
    done = import_into(tmp_path, archive)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(lines_with(done.stderr, "rejected", str(archive), "not a segment entry")) == 4
    assert "\x1b" not in done.stderr and "\\x1b" in done.stderr  # a hostile name is escaped, never replayed
    assert "imported 1," in done.stdout and cache_keys(tmp_path) == [key]
    assert outside(tmp_path) == before
    assert not (tmp_path.parent / "escape.wav").exists() and not Path("/tmp/narrate-abs-" + key[:8]).exists()


# ------------------------------------------------------------------ the local store heals


def test_verify_finds_a_stripped_local_entry_that_used_to_pass(built):
    entries = raw_entries(built)
    key = sorted(entries)[0]
    head, _, audio = entries[key].partition(b"\n")
    meta = {k: v for k, v in json.loads(head).items() if k not in ("key_head", "text")}
    cache = SegmentCache(built / ".narrate-cache")
    cache.put_raw(key, json.dumps(meta).encode() + b"\n" + audio)
    cache.close()
    before = outside(built)
    done = narrate_in("-q", "cache", "verify", "-m", "m.yaml", cwd=built)
    assert_clean_failure(done, 1, "corrupt", key[:12], "no key material")
    assert "3 entries checked, 1 corrupt" in done.stdout
    assert outside(built) == before


def test_deleted_entry_files_are_seen_by_verify_and_resynthesized_by_a_build(built):
    files = sorted((built / ".narrate-cache").glob("*/*/*.val"))
    assert len(files) == 3  # every espeak prompt here is over diskcache's 32 KiB inline limit
    for f in files:
        f.unlink()
    before = outside(built)
    done = narrate_in("-q", "cache", "verify", "-m", "m.yaml", cwd=built)
    assert_clean_failure(done, 1, "corrupt", "entry file missing")
    assert len(lines_with(done.stderr, "entry file missing")) == 3
    prune = narrate_in("-q", "cache", "prune", "m.yaml", cwd=built)
    assert prune.returncode == 0 and "would drop 0" in prune.stdout  # all three referenced: kept for the build
    shutil.rmtree(built / "out")
    done = narrate_in("-q", "build", "--json", "m.yaml", cwd=built)
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    report = json.loads(done.stdout)
    assert report["synthesized"] == 3 and report["errors"] == [] and report["outputs_written"] == 3
    assert len(lines_with(done.stderr, "warning: cache entry", "will be synthesized again", "file is missing")) == 3
    assert narrate_in("-q", "cache", "verify", "-m", "m.yaml", cwd=built).returncode == 0  # healed for good
    assert outside(built) == before


def test_verify_drop_removes_dangling_rows(built):
    victim = sorted((built / ".narrate-cache").glob("*/*/*.val"))[0]
    victim.unlink()
    done = narrate_in("-q", "cache", "verify", "--drop", "-m", "m.yaml", cwd=built)
    assert done.returncode == 0 and "3 entries checked, 1 corrupt, 1 dropped" in done.stdout
    assert lines_with(done.stderr, "corrupt", "entry file missing")
    assert len(cache_keys(built)) == 2


def test_corrupt_local_entry_is_resynthesized_not_fatal(built):
    entries = raw_entries(built)
    key = sorted(entries)[1]
    cache = SegmentCache(built / ".narrate-cache")
    blob = bytearray(entries[key])
    blob[-100] ^= 0xFF
    cache.put_raw(key, bytes(blob))
    cache.close()
    shutil.rmtree(built / "out")
    before = outside(built)
    done = narrate_in("-q", "build", "--json", "m.yaml", cwd=built)
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    assert json.loads(done.stdout)["synthesized"] == 1
    assert len(lines_with(done.stderr, "warning: cache entry", key[:12], "checksum mismatch")) == 1
    assert outside(built) == before


def test_zero_byte_cache_db_is_rebuilt_from_the_entry_files(built):
    index = built / ".narrate-cache" / "cache.db"
    files = {p: p.read_bytes() for p in (built / ".narrate-cache").glob("*/*/*.val")}
    for side in ("cache.db-wal", "cache.db-shm"):
        (built / ".narrate-cache" / side).unlink(missing_ok=True)
    index.write_bytes(b"")
    shutil.rmtree(built / "out")
    before = outside(built)
    done = narrate_in("-q", "build", "--json", "m.yaml", cwd=built)
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    assert json.loads(done.stdout)["synthesized"] == 0  # nothing paid again: every entry came back
    assert len(lines_with(done.stderr, "warning:", str(index), "empty cache index", "recovered 3 of 3")) == 1
    assert all(p.read_bytes() == data for p, data in files.items())  # the audio files were never touched
    assert outside(built) == before


def test_garbage_cache_db_is_moved_aside_and_the_build_goes_on(built):
    folder = built / ".narrate-cache"
    index = folder / "cache.db"
    garbage = os.urandom(8192)
    index.write_bytes(garbage)
    for side in ("cache.db-wal", "cache.db-shm"):
        (folder / side).unlink(missing_ok=True)
    shutil.rmtree(built / "out")
    before = outside(built)
    done = narrate_in("-q", "build", "--json", "m.yaml", cwd=built)
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    assert json.loads(done.stdout)["synthesized"] == 0
    line = lines_with(done.stderr, "warning:", str(index), "unreadable cache index", "moved it aside to cache.db.corr")
    assert len(line) == 1, done.stderr
    aside = list(folder.glob("cache.db.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage  # kept for a post-mortem, not deleted
    assert narrate_in("-q", "cache", "verify", "-m", "m.yaml", cwd=built).returncode == 0
    assert outside(built) == before


def test_unreadable_cache_db_in_a_cache_command_is_one_warning(built):
    index = built / ".narrate-cache" / "cache.db"
    index.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # right magic, nonsense pages
    for side in ("cache.db-wal", "cache.db-shm"):
        (built / ".narrate-cache" / side).unlink(missing_ok=True)
    done = narrate_in("-q", "cache", "stats", "-m", "m.yaml", cwd=built)
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    assert len(lines_with(done.stderr, "warning:", str(index), "moved it aside")) == 1
    assert "3 entries" in done.stdout


def test_prune_keeps_entries_stored_after_it_read_the_manifests(tmp_path):
    cache = SegmentCache(tmp_path / "cache")
    old_key, old = wav_entry("old and unreferenced")
    cache.put_raw(old_key, old)
    read_at = time.time()
    new_key, new = wav_entry("paid by a build running meanwhile")
    cache.put_raw(new_key, new)
    report = prune_cache(cache, set(), dry_run=False, read_at=read_at)
    assert (report.dropped, report.newer, report.unreferenced) == (1, 1, [old_key])
    assert sorted(cache.keys()) == [new_key]
    cache.close()


# ------------------------------------------------------------------ prune during a real build


@pytest.fixture
def tts_server():
    pytest.importorskip("uvicorn")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "narrate.cli", "serve", "--port", str(port), "--latency-ms", "300"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not port_open(port):
        assert proc.poll() is None and time.monotonic() < deadline, "narrate serve did not start"
        time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.slow
def test_prune_during_a_build_keeps_what_the_build_pays_for(tmp_path, tts_server):
    count = 30
    prompts = "\n".join(f"      p{i:02d}: Paid prompt number {i} of the concurrent build." for i in range(count))
    (tmp_path / "new.yaml").write_text(f"""\
version: 1
providers:
  local:
    kind: deepgram
    base_url: {tts_server}
    concurrency: 2
libraries:
  shop:
    output: out
    formats: [ulaw]
    provider: local
    languages: {{en-US: {{voice: aura-2-thalia-en}}}}
    prompts:
{prompts}
""")
    # Prune is given a manifest that references none of them, and large enough that reading and planning it
    # takes a while: the window in which the build stores entries prune must not judge (issue 9: 56 were lost).
    big = "".join(f"      old{i:05d}: Old prompt {i} that nobody builds any more.\n" for i in range(2000))
    (tmp_path / "old.yaml").write_text(MANIFEST + big)
    env = {"DEEPGRAM_API_KEY": "dg-test-key-0123456789"}
    build = subprocess.Popen([sys.executable, "-m", "narrate.cli", "-q", "build", "--json", "new.yaml"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
    dropped = newer = runs = 0
    try:
        deadline = time.monotonic() + 60
        while len(cache_keys(tmp_path) if (tmp_path / ".narrate-cache" / "cache.db").exists() else []) < 2:
            assert build.poll() is None and time.monotonic() < deadline, "the build ended before prune could run"
            time.sleep(0.1)
        before = outside(tmp_path)
        # Prune again while the build runs until one prune overlapped a write (bounded: 6 runs).
        while newer == 0 and build.poll() is None and runs < 6:
            pruned = narrate_in("-q", "cache", "prune", "--yes", "old.yaml", cwd=tmp_path)
            runs += 1
            assert pruned.returncode == 0, pruned.stderr
            no_traceback(pruned)
            found = re.search(r"dropped (\d+) unreferenced .*?kept \d+(?:; kept (\d+) stored after the manifests "
                              r"were read)?", pruned.stdout)
            assert found, pruned.stdout
            dropped += int(found.group(1))
            newer += int(found.group(2) or 0)
        out, err = build.communicate(timeout=120)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    # Entries stored before a prune read its manifests are fair game (old.yaml does not use them);
    # every entry the build stored after that survives.
    assert newer >= 1, f"no prune overlapped a write in {runs} runs"
    assert build.returncode == 0, err
    assert json.loads(out)["synthesized"] == count
    assert len(cache_keys(tmp_path)) == count - dropped
    rebuilt = narrate_in("-q", "build", "--json", "new.yaml", cwd=tmp_path, env=env)
    assert json.loads(rebuilt.stdout)["synthesized"] == 0  # outputs are current: nothing paid again
    after = outside(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("new.")} == \
        {k: v for k, v in before.items() if not k.startswith("new.")}


# ------------------------------------------------------------------ a remote that hangs or fails


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class HangingServer:
    """Accepts connections on 127.0.0.1 and never answers (a firewall that blackholes, a stuck proxy)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + 300  # bounded even if a test forgets to stop it
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(conn)

    def __enter__(self) -> HangingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class StatusServer:
    """Answers every request with the next status of `statuses` (the last one repeats); counts requests."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.seen: list[tuple[str, int]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                status = outer.statuses[min(len(outer.seen), len(outer.statuses) - 1)]
                outer.seen.append((self.command, status))
                body = b"" if self.command == "HEAD" else b"<Error><Code>SlowDown</Code></Error>"
                self.send_response(status)
                self.send_header("content-length", str(len(body)))
                self.send_header("etag", '"0"')  # as S3 does: obstore reads a PUT's ETag
                self.end_headers()
                if body:
                    self.wfile.write(body)

            do_GET = do_PUT = do_HEAD = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> StatusServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def remote_env(port: int, **extra: str) -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": "AKIDHOSTILETEST", "AWS_SECRET_ACCESS_KEY": "hostile-secret-value",
            "AWS_REGION": "us-east-1", "NARRATE_S3_ENDPOINT": f"http://127.0.0.1:{port}", **extra}


def timed_build(root: Path, env: dict[str, str], manifest: str = "m.yaml") -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    done = narrate("-q", "build", "--json", "--remote", "s3://team/segments", manifest, cwd=root, env=env, timeout=120)
    return done, time.monotonic() - t0


def local_build_seconds(root: Path) -> float:
    t0 = time.monotonic()
    assert narrate("-q", "build", "m.yaml", cwd=root).returncode == 0
    return time.monotonic() - t0


@pytest.mark.parametrize("timeout_env,bound", [("1", 4.0), (None, 9.0)])
def test_hanging_remote_costs_seconds_with_one_warning(tmp_path, timeout_env, bound):
    """Before: 31-64 s per build. Now: about one read timeout (5 s by default), then the breaker opens."""
    baseline_root = tmp_path / "baseline"
    baseline_root.mkdir()
    (baseline_root / "m.yaml").write_text(MANIFEST)
    baseline = local_build_seconds(baseline_root)
    (tmp_path / "m.yaml").write_text(MANIFEST)
    before = outside(tmp_path, "baseline")
    extra = {"NARRATE_REMOTE_TIMEOUT_S": timeout_env} if timeout_env else {}
    with HangingServer() as server:
        done, seconds = timed_build(tmp_path, remote_env(server.port, **extra))
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    report = json.loads(done.stdout)
    assert report["synthesized"] == 3 and report["errors"] == []
    # About one read timeout more than a local build (it was 31-64 s): the local work counted twice, as
    # a loaded machine stretches both builds (at load ~10: 11.6 s against a 1.8 s baseline, bound 9).
    assert seconds - 2 * baseline < bound, (seconds, baseline)
    warned = lines_with(done.stderr, "warning: remote cache unavailable", "timed out")
    assert len(warned) == 1 and len(lines_with(done.stderr, "remote")) == 1, done.stderr
    assert "hostile-secret-value" not in done.stderr + done.stdout
    assert len(cache_keys(tmp_path)) == 3  # paid audio kept locally
    assert outside(tmp_path, "baseline") == before


def test_503_remote_is_retried_then_skipped_with_one_warning(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST.replace("      b: Please hold while we check the cache.\n", "")
                                     .replace("      c: Thank you for calling today.\n", ""))
    before = outside(tmp_path)
    with StatusServer([503]) as server:
        done, seconds = timed_build(tmp_path, remote_env(server.port))
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    assert json.loads(done.stdout)["synthesized"] == 1
    # One key: HEAD, retried twice under the providers' policy; then the breaker (3 failures) opens and
    # the build writes nothing through: no PUT is even tried.
    assert server.seen == [("HEAD", 503)] * 3
    assert len(lines_with(done.stderr, "warning: remote cache unavailable", "HTTP 503")) == 1
    assert seconds < 30
    assert outside(tmp_path) == before


def test_one_503_is_retried_and_the_remote_stays_in_use(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST.replace("      b: Please hold while we check the cache.\n", "")
                                     .replace("      c: Thank you for calling today.\n", ""))
    with StatusServer([503, 404, 200]) as server:
        done, _ = timed_build(tmp_path, remote_env(server.port))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["synthesized"] == 1
    assert server.seen == [("HEAD", 503), ("HEAD", 404), ("PUT", 200)]  # retried, then written through
    assert "warning" not in done.stderr


def test_bad_remote_timeout_setting_is_a_usage_error(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    before = outside(tmp_path)
    done = narrate_in("-q", "build", "--remote", "s3://team/segments", "m.yaml", cwd=tmp_path,
                   env=remote_env(9, NARRATE_REMOTE_TIMEOUT_S="forever"))
    assert_clean_failure(done, 2, "NARRATE_REMOTE_TIMEOUT_S", "'forever'")
    assert outside(tmp_path) == before
