"""narrate run with its standard streams gone: a reader that stopped early (`narrate ... | head -1`)
ends it quietly with the SIGPIPE status, whatever printed (help and version included); started with
file descriptors 0-2 closed (a cron job, a daemon's child), it succeeds, and no file it writes can
take those numbers, where a child's or a library's write to stdout or stderr would land in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_cli_pipes import closed_pipe_run

MANIFEST = """\
version: 1
libraries:
  ivr:
    output: out
    formats: [wav]
    languages: {en-US: en-us}
    prompts:
      welcome: Welcome.
"""
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                               os.environ.get("PYTHONPATH")]))}


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("import", "csv", "--help"), ("cache", "--help")])
def test_help_and_version_to_a_gone_reader_end_quietly_with_the_sigpipe_status(args):
    done = closed_pipe_run(*args)
    assert (done.returncode, done.stderr) == (141, "")


def test_head_reading_one_line_of_a_long_export_leaves_no_traceback(tmp_path):
    prompts = "".join(f"      p{i}: Prompt number {i} of a long list.\n" for i in range(6000))
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST.replace("      welcome: Welcome.\n", prompts), encoding="utf-8")
    narrate = subprocess.Popen([sys.executable, "-m", "narrate.cli", "export", "csv", str(manifest)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert narrate.stdout is not None and narrate.stderr is not None
    first = narrate.stdout.readline()
    narrate.stdout.close()  # what `head -1` does once it has its line
    err = narrate.stderr.read()
    assert narrate.wait(timeout=120) in (0, 141)
    assert first == b"name,en-US,note\r\n" and err == b""


def _with_closed(fds: tuple[int, ...], *args: str, cwd: Path) -> int:
    def close() -> None:
        for fd in fds:
            os.close(fd)

    done = subprocess.run([sys.executable, "-m", "narrate.cli", *args], cwd=cwd, preexec_fn=close, timeout=120,
                          env=ENV, stdin=subprocess.DEVNULL if 0 not in fds else None)
    return done.returncode


@pytest.mark.parametrize("fds", [(0, 1, 2), (1, 2), (2,)])
def test_with_standard_fds_closed_commands_succeed_and_write_only_their_files(tmp_path, fds):
    (tmp_path / "m.yaml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "sheet.csv").write_text("name,en-US\nwelcome,Hello there.\n", encoding="utf-8")
    assert _with_closed(fds, "export", "csv", "m.yaml", "-o", "out.csv", cwd=tmp_path) == 0
    assert (tmp_path / "out.csv").read_bytes() == b"name,en-US,note\r\nwelcome,Welcome.,\r\n"
    assert _with_closed(fds, "import", "csv", "sheet.csv", "--into", "m.yaml", cwd=tmp_path) == 0
    assert (tmp_path / "m.yaml").read_text(encoding="utf-8") == MANIFEST.replace("Welcome.", "Hello there.")


def test_a_file_opened_after_start_never_takes_fd_0_1_or_2(tmp_path):
    """What the entry point does first: any closed standard fd is /dev/null before narrate opens a file."""
    probe = tmp_path / "probe"
    script = ("import os, sys; from narrate.cli import console; console.standard_fds(); "
              "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600); os.write(fd, str(fd).encode())")

    def close() -> None:
        for fd in (0, 1, 2):
            os.close(fd)

    subprocess.run([sys.executable, "-c", script, str(probe)], preexec_fn=close, timeout=60, env=ENV, check=True)
    assert int(probe.read_text()) > 2
