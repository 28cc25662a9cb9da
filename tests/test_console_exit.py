"""The `narrate` process ends with os._exit after the exit handlers (narrate.cli.console): exit codes,
output and handlers are those of an ordinary exit, and a running non-daemon thread still gets one."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def exits(code: str, body: str = "") -> subprocess.CompletedProcess:
    script = textwrap.dedent(f"""
        import atexit, sys, threading, time
        from narrate.cli.console import leave
        atexit.register(lambda: print("handler ran", flush=False))
        print("buffered", end=" ")
        sys.stderr.write("err buffered ")
        {body}
        leave({code})
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)


def test_exit_codes_output_and_handlers_are_those_of_an_ordinary_exit():
    for code, status in (("None", 0), ("0", 0), ("2", 2), ("True", 1), ("256 + 3", 3)):
        done = exits(code)
        assert (done.returncode, done.stdout, done.stderr) == (status, "buffered handler ran\n", "err buffered "), code
    text = exits("'narrate: no such manifest'")
    assert text.returncode == 1 and text.stderr == "err buffered narrate: no such manifest\n"


def test_a_running_non_daemon_thread_is_waited_for():
    body = "threading.Thread(target=lambda: (time.sleep(0.5), print('thread done', end=' '))).start()"
    done = exits("4", body)
    assert done.returncode == 4 and done.stdout == "buffered thread done handler ran\n"


def test_the_cli_exits_with_its_status_and_prints_everything(tmp_path):
    missing = subprocess.run([sys.executable, "-m", "narrate.cli", "build", str(tmp_path / "none.yaml")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "none.yaml" in missing.stderr
    shown = subprocess.run([sys.executable, "-m", "narrate.cli", "--help"], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "build" in shown.stdout and shown.stdout.endswith("\n")
