"""A REST build sends its first requests before numpy is imported (issue 14 item 2: start-up is part
of a cold REST build's wall time). numpy and the modules that decode, validate and render audio come
with the answers (or with the render workers' warm-up, in a thread of its own): the HTTP layer's
size cap (audio.limits), the scheduler and the level annotator import none of them up front."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import sys
from narrate.audio.formats import AudioFormat
from narrate.build.ahead import LevelAnnotator
from narrate.providers.base import ProviderConfig, SynthesisRequest
from narrate.providers.registry import create_provider
import narrate.synth

provider = create_provider(ProviderConfig("local", "openai", base_url="http://127.0.0.1:9/v1", concurrency=4))
request = SynthesisRequest("Hello there, welcome to the line.", "alloy", "en-US")
cap = provider.body_cap(request, AudioFormat("raw", "pcm_s16le", 24000))
annotate = LevelAnnotator([], None, ())
print(cap, "numpy" in sys.modules)
"""


def test_the_request_path_imports_no_numpy_before_the_first_answer():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    cap, numpy_loaded = out.stdout.split()
    assert int(cap) > 64 * 1024  # the size cap, as before: header slack plus the text's longest audio
    assert numpy_loaded == "False", out.stderr


def test_the_size_cap_is_validates_own():
    from narrate.audio import limits, validate
    from narrate.audio.formats import AudioFormat

    assert validate.max_body_bytes is limits.max_body_bytes
    fmt = AudioFormat("raw", "pcm_s16le", 24000)
    # 64 KiB of slack + 48,000 bytes/s x (3 s x 10 characters + 5 s)
    assert limits.max_body_bytes("0123456789", fmt) == 65536 + 48000 * 35


def test_the_http_client_is_made_beside_the_build_not_before_it(monkeypatch):
    """httpx loads the CA bundle as it makes a client (tens of ms): the provider's constructor returns
    at once, the client is made in a thread of its own, and the first use waits for it."""
    import threading

    import httpx

    from narrate.providers import http
    from narrate.providers.http import RestClient, RetryPolicy

    release = threading.Event()
    made_in = []
    real = http.make_client

    def slow_make_client(**kwargs):
        made_in.append(threading.current_thread())
        assert release.wait(10)
        return real(**kwargs)

    monkeypatch.setattr(http, "make_client", slow_make_client)
    client = RestClient("p", base_url="http://127.0.0.1:9", policy=RetryPolicy(), timeout_s=5, concurrency=4)
    assert client._client is None  # returned while the client is still being made
    release.set()
    assert isinstance(client.client, httpx.Client)
    assert made_in and made_in[0] is not threading.main_thread()
    client.close()


def test_a_client_that_cannot_be_made_fails_where_it_is_used(monkeypatch):
    import pytest

    from narrate.providers import http
    from narrate.providers.http import RestClient, RetryPolicy

    def broken(**kwargs):
        raise OSError(2, "No such file or directory", "/nowhere/ca.pem")

    monkeypatch.setattr(http, "make_client", broken)
    client = RestClient("p", base_url="http://127.0.0.1:9", policy=RetryPolicy(), timeout_s=5, concurrency=4)
    with pytest.raises(OSError, match="ca.pem"):
        client.client  # noqa: B018 - the property raises
    client.close()  # nothing to close


def test_a_malformed_base_url_still_fails_in_the_constructor():
    import httpx
    import pytest

    from narrate.providers.http import RestClient, RetryPolicy

    with pytest.raises(httpx.InvalidURL):
        RestClient("p", base_url="http://[::1", policy=RetryPolicy(), timeout_s=5, concurrency=4)


def test_the_cli_does_not_load_the_httpx_command_line_client():
    """httpx imports its own command-line client (`httpx._main`: rich, pygments) whenever they are
    installed, ~25-50 ms of every start-up; narrate's CLI never runs it, so it is not loaded."""
    probe = ("import sys, narrate.cli, httpx, narrate.providers.http; "
             "print(sorted(m for m in ('rich', 'pygments', 'httpx._main') if sys.modules.get(m) is not None))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]", out.stderr


def test_numpy_in_the_cli_process_starts_no_blas_threads():
    """The build's own process measures levels and checks answers with numpy (small arrays, no BLAS
    work worth a thread): OpenBLAS's threads (one per core, spinning after each call) would only take
    CPU from the render workers and the requests. A limit the user set is kept."""
    probe = ("import os, narrate.cli, numpy; numpy.ones(8) @ numpy.ones(8); "
             "print(len(os.listdir('/proc/self/task')), os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env)
    assert out.stdout.split() == ["1", "1", "1"], out.stderr
    mine = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True,
                          env={**env, "OPENBLAS_NUM_THREADS": "2"})
    assert mine.stdout.split()[1:] == ["2", "1"]
