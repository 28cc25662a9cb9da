"""Shared fixtures. Tests never touch the network: REST tests use httpx.MockTransport or a local server."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SHARED_MISSING = (f"{SHARED} is missing: tests marked `shared` read the project's shared folder (corpora, "
                  "provider specs) beside the repository; put a copy of it there")


def require_shared() -> None:
    """Fail the calling test with a clear message when ../shared is absent (never skip it silently)."""
    if not SHARED.is_dir():
        pytest.fail(SHARED_MISSING, pytrace=False)


def shared_names(folder: Path, pattern: str = "*.md") -> list[str]:
    """File names for a parametrize over a ../shared folder: never an empty list (which pytest would
    quietly turn into one skip) but one case that then fails with SHARED_MISSING."""
    return sorted(p.name for p in folder.glob(pattern)) or ["(../shared is missing)"]


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject.toml): one worker per core and one more, or $PYTEST_XDIST_AUTO_NUM_WORKERS.
    Many tests spend much of their time waiting, not computing (a local server's latency, a child
    process starting, a timeout running out, a SIGKILL's aftermath): with one worker per core that
    waiting leaves a core idle, and the extra worker computes meanwhile. Measured on the quiet 2-core
    machine, 4,119 tests, 3 December 2026: 2 workers 267 s, 3 workers 243 s and 247 s, 4 workers 251 s."""
    env = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if env and env.isdigit():
        return int(env)
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(config, items):
    """Tests marked slow run first (a stable sort: the rest keep their file order). With xdist handing
    out tests a few at a time (`--maxschedchunk` in pyproject.toml) each worker takes the next test
    as it frees up, so the long ones start early, spread over the workers, and the run ends on short
    ones; in file order, consecutive chunks put neighbouring long tests on one worker and a long
    test collected late keeps one worker busy while the other idles."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _needs_shared(request):
    if request.node.get_closest_marker("shared"):
        require_shared()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    # A developer's NARRATE_CACHE or real API keys must never leak into tests.
    for var in list(os.environ):
        if var == "NARRATE_CACHE" or var.endswith("_API_KEY") or var.startswith("AZURE_SPEECH"):
            monkeypatch.delenv(var, raising=False)
    # botocore's credential chain (Polly) must never ask an instance metadata service (network off 127.0.0.1).
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    from narrate.providers import secrets  # keys registered for masking by one test must not mask the next's text
    secrets.clear()


@pytest.fixture
def write(tmp_path):
    """Write a file under tmp_path and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


def narrate(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300,
            input: str | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh interpreter, as a user would (no -q: add it where a test wants it)."""
    return subprocess.run([sys.executable, "-m", "narrate.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, input=input)


def narrate_in(*args: str, cwd: Path | None = None, env: dict | None = None,
               input: str | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in this process (click's CliRunner), with `narrate`'s arguments and result: exit
    code, stdout and stderr apart. A fresh interpreter costs ~0.5-1 s of CPU a call; use `narrate`
    where the test is about the real process (exit status of a signal, start-up, a hang bounded by a
    timeout, -v's logging). An exception the CLI let through becomes exit 1 with its traceback on
    stderr, as in a real process. Process-wide state the CLI sets (cwd, environment, logging,
    signal handlers, the eSpeak pool's in-process mode) is put back afterwards."""
    import logging
    import signal

    from click.testing import CliRunner

    from narrate.cli import main
    from narrate.providers import espeak_pool

    root, narrate_log = logging.getLogger(), logging.getLogger("narrate")
    saved_log = (root.level, root.handlers[:], narrate_log.level, narrate_log.handlers[:])
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    old_cwd = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=True)
    finally:
        os.chdir(old_cwd)
        root.setLevel(saved_log[0])
        root.handlers[:] = saved_log[1]
        narrate_log.setLevel(saved_log[2])
        narrate_log.handlers[:] = saved_log[3]
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        if espeak_pool._pool is not None:
            espeak_pool._pool.inline = False  # what shutdown() does at a build's end, also after a failed one
    stderr = result.stderr
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        stderr += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(result.exception))
        code = 1
    return subprocess.CompletedProcess(["narrate", *args], code, result.stdout, stderr)


def built_project(tmp_path_factory: pytest.TempPathFactory, manifest: str, name: str = "built") -> Path:
    """A project (m.yaml holding `manifest`) built once in a fresh folder: outputs, lock, a warm cache."""
    root = tmp_path_factory.mktemp(name)
    (root / "m.yaml").write_text(manifest)
    done = narrate_in("-q", "build", "m.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def copy_of(project: Path, tmp_path: Path) -> Path:
    """A fresh copy of a built project, for a test that may damage it."""
    root = tmp_path / "project"
    shutil.copytree(project, root)
    return root


def snapshot(root: Path) -> dict[str, tuple[str, str]]:
    """Every entry under root: relative path -> (kind, sha256 of a file's bytes or a link's target).

    Compare two snapshots to prove a command touched nothing outside the folders it owns.
    """
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = ("link", os.readlink(path))
        elif path.is_file():
            found[rel] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
        elif path.is_dir():
            found[rel] = ("dir", "")
    return found


def assert_clean_failure(done: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
    """A refused input: the exit code, no traceback, and every fragment in one stderr line."""
    assert done.returncode == code, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    lines = done.stderr.splitlines()
    assert any(all(f in line for f in fragments) for line in lines), (fragments, done.stderr[-4000:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def child_server(cmd: list[str], log: Path, url: str, *, probe: str = "", what: str = "server",
                 within_s: float = 30) -> Iterator[str]:
    """A server `cmd` started as a child process (its output in `log`); yields `url` once `url + probe`
    answers, within `within_s`; ends it by its pid afterwards (SIGTERM, then SIGKILL after 10 s)."""
    import httpx

    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + within_s
            while True:
                try:
                    httpx.get(url + probe, timeout=1)
                    break
                except httpx.TransportError:
                    assert proc.poll() is None and time.monotonic() < deadline, f"{what} did not start"
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextmanager
def serve_process(log_dir: Path, *args: str, port: int | None = None) -> Iterator[str]:
    """`narrate serve ARGS` in a child process on 127.0.0.1 (its output in a log under `log_dir`);
    yields its URL once it answers, within 30 s; ends it by its pid afterwards."""
    port = port or free_port()
    with child_server([sys.executable, "-m", "narrate.cli", "serve", "--port", str(port), *args],
                      log_dir / f"serve-{port}-{time.monotonic_ns()}.log", f"http://127.0.0.1:{port}",
                      probe="/health", what="narrate serve") as url:
        yield url
