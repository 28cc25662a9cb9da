"""Output read by a program that stops early (`narrate voices | head -1`, `narrate schema | head`):
narrate stops quietly, as other Unix tools do, instead of printing `error: Broken pipe`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def closed_pipe_run(*args: str) -> subprocess.CompletedProcess:
    """Run narrate with its stdout a pipe whose reader has already gone: its first write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "narrate.cli", *args], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [("voices", "--provider", "espeak"), ("schema",)])
def test_a_reader_that_went_away_stops_narrate_silently_with_the_sigpipe_status(args):
    done = closed_pipe_run(*args)
    assert done.stderr == ""
    assert done.returncode == 141  # 128 + SIGPIPE, as a shell reports `yes | head -1`


def test_a_broken_pipe_elsewhere_is_still_an_error(tmp_path, monkeypatch):
    """Only a gone reader of narrate's own stdout is quiet: another EPIPE (a child process's stdin)
    stays a located error with exit 1."""
    from narrate.cli import app

    def fails() -> int:
        raise BrokenPipeError(32, "Broken pipe")

    assert app._call(app.Context(0, False), fails) == 1
