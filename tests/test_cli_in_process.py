"""conftest.narrate_in: the CLI run in the test's process gives what a child process gives, and puts
back the process-wide state it touches, so that a later test on the same xdist worker finds the
eSpeak pool, the signal handlers, the logging set-up and the working folder as they were."""

from __future__ import annotations

import json
import logging
import os
import signal

from conftest import narrate, narrate_in
from narrate.providers import espeak_pool

SMALL = ("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n    languages:\n"
         "      en-US: {voice: en-us}\n    prompts:\n      hello: Hello.\n      bye: Goodbye.\n")


def test_a_small_build_in_process_leaves_the_shared_pool_serving_from_workers(tmp_path):
    (tmp_path / "m.yaml").write_text(SMALL)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    cwd = os.getcwd()
    done = narrate_in("-q", "build", "--json", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["synthesized"] == 2  # 2 <= INLINE_MAX: spoken in this process
    assert espeak_pool.shared_pool().inline is False
    assert {sig: signal.getsignal(sig) for sig in handlers} == handlers
    assert os.getcwd() == cwd
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.wav")) == ["bye.wav", "hello.wav"]


def test_verbose_logging_is_put_back(tmp_path):
    (tmp_path / "m.yaml").write_text(SMALL)
    root, own = logging.getLogger(), logging.getLogger("narrate")
    before = (root.level, list(root.handlers), own.level, list(own.handlers))
    done = narrate_in("-vv", "validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (root.level, list(root.handlers), own.level, list(own.handlers)) == before


def test_same_exit_codes_and_streams_as_a_child(tmp_path):
    (tmp_path / "m.yaml").write_text(SMALL.replace("Hello.", "''"))
    for run in (narrate, narrate_in):
        done = run("validate", "m.yaml", cwd=tmp_path)
        assert (done.returncode, done.stdout) == (2, ""), (run.__name__, done)
        assert done.stderr == "error: m.yaml:9: libraries.ivr.prompts.hello: empty text\n", run.__name__
    (tmp_path / "m.yaml").write_text(SMALL)
    outs = [run("validate", "m.yaml", cwd=tmp_path) for run in (narrate, narrate_in)]
    assert [(d.returncode, d.stdout) for d in outs] == [(0, "m.yaml: ok (1 library, 2 prompts, 0 books)\n")] * 2
