"""Hostile provider responses, through `narrate build` against a scripted server on 127.0.0.1.

Each case: exit 1, one stderr line naming the prompt, the provider and the reason, no traceback,
nothing cached, and nothing outside narrate's own folders (out/, the cache, narrate.lock) changed.
Last, a server that echoes the API key (in a 200 HTML page, a 401 body and a response header) with
-vv: the key appears nowhere (stdout, stderr, the lock, the cache, the JUnit report, the outputs).
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
import struct
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_clean_failure, narrate, snapshot
from narrate.audio.g711 import ulaw_encode

OWNED = ("out", ".narrate-cache", "narrate.lock")
PROMPT = "Thank you for calling, please hold the line."


def samples(rate: int, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * math.pi * 200 * t) * 9000 * (0.6 + 0.4 * np.sin(2 * math.pi * 3 * t))).astype(np.int16)


def pcm(rate: int = 24000) -> bytes:
    return samples(rate).astype("<i2").tobytes()


def wav(rate: int = 24000, *, tag: int = 1, bits: int = 16, channels: int = 1, declared: int | None = None,
        data: bytes | None = None) -> bytes:
    data = pcm(rate) if data is None else data
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate & 0xFFFFFFFF, (rate * block) & 0xFFFFFFFF, block, bits)
    size = len(data) if declared is None else declared
    return (b"RIFF" + struct.pack("<I", (36 + size) & 0xFFFFFFFF) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
            + b"data" + struct.pack("<I", size) + data)


def mp3() -> bytes:
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", "24000",
           "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "pipe:1"]
    return subprocess.run(cmd, input=pcm(), capture_output=True, check=True, timeout=60).stdout


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.requests.append((self.path, headers, body))  # type: ignore[attr-defined]
        self.server.script(self, body)  # type: ignore[attr-defined]

    def reply(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)


class Scripted:
    """A threaded HTTP server on 127.0.0.1 answering every POST with `script(handler, body)`."""

    def __init__(self, script: Callable[[Handler, bytes], None]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.script = script  # type: ignore[attr-defined]
        self.server.requests = []  # type: ignore[attr-defined]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def requests(self) -> list:
        return self.server.requests  # type: ignore[attr-defined]

    def __enter__(self) -> Scripted:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


STOP = threading.Event()  # set by the fixture at teardown: ends any handler loop still running


def endless(h: Handler, body: bytes) -> None:
    h.send_response(200)
    h.send_header("content-type", "application/octet-stream")
    h.send_header("transfer-encoding", "chunked")
    h.end_headers()
    chunk = pcm()[:65536]
    started = time.monotonic()
    try:
        while not STOP.is_set() and time.monotonic() - started < 20:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        pass  # the client gave up: what we wanted


def drip(h: Handler, body: bytes) -> None:
    data = ulaw_encode(samples(8000))
    h.send_response(200)
    h.send_header("content-type", "audio/basic")
    h.send_header("content-length", str(len(data)))
    h.end_headers()
    try:
        for i in range(len(data)):
            if STOP.is_set() or STOP.wait(0.2):
                return
            h.wfile.write(data[i:i + 1])
            h.wfile.flush()
    except OSError:
        pass


def gzip_bomb(h: Handler, body: bytes) -> None:
    h.reply(200, BOMB, "application/octet-stream", content_encoding="gzip")


BOMB = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=1)  # 64 MiB of zeros in ~280 KiB


def corrupt_gzip(h: Handler, body: bytes) -> None:
    """A gzip header, then bytes that are not a deflate stream (a proxy that mangled the body)."""
    h.reply(200, gzip.compress(b"\0" * 4096)[:10] + bytes(range(256)) * 8, "application/octet-stream",
            content_encoding="gzip")


def answer(status: int, data: bytes | Callable[[], bytes], content_type: str = "application/octet-stream"):
    def script(h: Handler, body: bytes) -> None:
        h.reply(status, data() if callable(data) else data, content_type)
    return script


def google_json(data: bytes) -> bytes:
    return json.dumps({"audioContent": base64.b64encode(data).decode()}).encode()


# (case id, provider kind, formats, script, reason in the one-line message)
CASES = [
    ("mp3-for-pcm", "openai", "[wav16]", answer(200, mp3, "application/octet-stream"),
     "MP3 audio where raw pcm_s16le at 24000 Hz was requested"),
    ("wav-for-raw-mulaw", "deepgram", "[ulaw]", answer(200, lambda: wav(8000, tag=7, bits=8,
                                                                         data=ulaw_encode(samples(8000)))),
     "a WAV file (mu-law, 8-bit, 8000 Hz, 1 channel) where raw mulaw at 8000 Hz was requested"),
    ("pcm-for-raw-mulaw", "deepgram", "[ulaw]", answer(200, lambda: pcm(8000), "audio/basic"),
     "read as 16-bit PCM speech"),
    ("json-error-with-200", "openai", "[wav16]", answer(200, b'{"error": {"message": "model overloaded"}}',
                                                        "application/octet-stream"),
     "JSON body instead of audio"),
    ("html-with-200", "deepgram", "[wav16]", answer(200, b"<!DOCTYPE html><html><body>maintenance</body></html>",
                                                    "text/html"),
     "content type text/html instead of audio"),
    ("empty-200", "openai", "[wav16]", answer(200, b""), "empty body"),
    ("endless", "openai", "[wav16]", endless, "byte limit for this text"),
    ("drip", "deepgram", "[ulaw]", drip, "attempt deadline of 1.0s passed"),
    ("gzip-bomb", "openai", "[wav16]", gzip_bomb, "byte limit for this text"),
    ("corrupt-gzip", "openai", "[wav16]", corrupt_gzip, "body is not valid gzip"),
    ("truncated-wav", "azure", "[wav16]", answer(200, lambda: wav(declared=400_000), "audio/wav"),
     "truncated WAV: data chunk declares 400000 bytes, 96000 arrived"),
    ("absurd-wav-header", "azure", "[wav16]", answer(200, lambda: wav(channels=0), "audio/wav"),
     "undecodable WAV: WAV declares 0 channels"),
    ("absurd-wav-rate", "azure", "[wav16]", answer(200, lambda: wav(rate=0xFFFFFFF0, data=pcm()), "audio/wav"),
     "4294967280 Hz, 1 channel) where WAV pcm_s16le at 24000 Hz was requested (wrong sample rate)"),
    ("wrong-sample-rate", "azure", "[wav16]", answer(200, lambda: wav(16000, data=pcm(16000)), "audio/wav"),
     "16000 Hz, 1 channel) where WAV pcm_s16le at 24000 Hz was requested (wrong sample rate)"),
    ("mp3-in-google-json", "google", "[wav16]", answer(200, lambda: google_json(mp3()), "application/json"),
     "MP3 audio where WAV pcm_s16le at 24000 Hz was requested"),
    ("not-base64-in-google-json", "google", "[wav16]", answer(200, b'{"audioContent": "%%%"}', "application/json"),
     "audioContent is not base64"),
]

VOICES = {"openai": "alloy", "deepgram": "aura-2-thalia-en", "azure": "en-US-AvaNeural", "google": "en-US-Neural2-F"}
KEYS = {"azure": "AZURE_SPEECH_KEY", "google": "GOOGLE_API_KEY"}


def write_manifest(root: Path, url: str, kind: str, formats: str, prompts: dict[str, str], **settings: object) -> None:
    base = f"{url}/v1" if kind == "openai" else url
    lines = ["version: 1", "providers:", f"  local-{kind}:", f"    kind: {kind}", f"    base_url: {base}",
             *(f"    {k}: {v}" for k, v in settings.items()),
             "libraries:", "  lib:", "    output: out", "    layout: flat", f"    formats: {formats}",
             f"    provider: local-{kind}", "    languages:", f"      en-US: {{voice: {VOICES[kind]}}}", "    prompts:",
             *(f"      {k}: {v}" for k, v in prompts.items())]
    (root / "m.yaml").write_text("\n".join(lines) + "\n")


def outside_owned(snap: dict) -> dict:
    return {k: v for k, v in snap.items() if k.split("/", 1)[0] not in OWNED}


@pytest.fixture(autouse=True)
def _stop_handlers():
    STOP.clear()
    yield
    STOP.set()


@pytest.mark.parametrize("case,kind,formats,script,reason", CASES, ids=[c[0] for c in CASES])
def test_a_hostile_response_fails_its_prompt_cleanly_and_caches_nothing(tmp_path, case, kind, formats, script,
                                                                         reason):
    # An endless body must hit the byte limit before the deadline, even on a loaded machine (at 1 s it
    # sometimes timed out first in CI while other builds ran).
    timeout_s = 5 if case == "endless" else 1
    with Scripted(script) as server:
        write_manifest(tmp_path, server.url, kind, formats, {"hello": PROMPT}, timeout_s=timeout_s, max_attempts=2)
        before = snapshot(tmp_path)
        env = {KEYS[kind]: "test-key-0123456789"} if kind in KEYS else {}
        started = time.monotonic()
        done = narrate("-q", "build", "m.yaml", cwd=tmp_path, env=env, timeout=120)
        elapsed = time.monotonic() - started
    assert_clean_failure(done, 1, "lib/en-US/hello", f"local-{kind}", reason)
    # Every attempt bounded: two of at most `timeout_s`, and the backoff between them, as the client timed
    # them (its "gave up after 2 attempts in N s"). The whole command's wall time also held a fresh
    # interpreter's start, which took 20-95 s when the shared 2-core machine ran at load ~20 (11 of these
    # cases failed there, their attempts within ~8 s); a hang is still bounded by `narrate`'s timeout.
    spent = re.search(r"gave up after 2 attempts in ([0-9.]+)s", done.stderr)
    assert spent and float(spent.group(1)) < 20, (elapsed, done.stderr[-2000:])
    # Every one of these is retried (a transient fault looks the same), then named as the failure.
    assert len(server.requests) == 2 and "gave up after 2 attempts" in done.stderr
    stats = narrate("cache", "stats", "--json", "-m", "m.yaml", cwd=tmp_path, timeout=60)
    assert json.loads(stats.stdout)["entries"] == 0  # nothing cached
    assert not any(tmp_path.rglob("hello.*"))
    assert outside_owned(snapshot(tmp_path)) == outside_owned(before)


def test_an_echoed_key_appears_nowhere(tmp_path):
    key = "sk-Ab12"  # short on purpose: masking does not depend on length
    # A 401 refuses the provider and its queued segments are never sent (synth): the 401 waits for the
    # third prompt's request, so that the good one is sent however the build's requests are scheduled.
    third_sent = threading.Event()

    def echo(h: Handler, body: bytes) -> None:
        auth = h.headers.get("authorization", "")
        text = json.loads(body)["input"]
        if "third" in text:
            third_sent.set()
        elif "second" in text:
            third_sent.wait(1.5)  # bounded, within the manifest's timeout_s of 2 s
        basic = base64.b64encode(f"user:{key}".encode()).decode()
        if "first" in text:  # a 200 HTML page quoting the request's Authorization header, every form
            page = (f"<html><body>Denied: {auth} {urllib.parse.quote(key)} Basic {basic}</body></html>").encode()
            h.reply(200, page, "text/html", x_echo=auth)
        elif "second" in text:  # a 401 whose message quotes it
            h.reply(401, json.dumps({"error": {"message": f"Incorrect API key provided: {auth}",
                                               "code": "invalid_api_key"}}).encode(), "application/json",
                    x_echo=auth)
        else:
            h.reply(200, pcm(), "application/octet-stream", x_echo=auth)

    prompts = {"a": "The first prompt is refused with a page.", "b": "The second prompt is refused with a 401.",
               "c": "The third prompt is fine, thank you."}
    with Scripted(echo) as server:
        write_manifest(tmp_path, server.url, "openai", "[wav16]", prompts, timeout_s=2, max_attempts=2)
        done = narrate("-vv", "build", "--report", "junit.xml", "m.yaml", cwd=tmp_path,
                       env={"OPENAI_API_KEY": key}, timeout=120)
        sent = [headers.get("authorization") for _, headers, _ in server.requests]
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert set(sent) == {f"Bearer {key}"}  # the key was really used, and really echoed
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert any("lib/en-US/a" in e and "content type text/html instead of audio" in e for e in errors), errors
    assert any("lib/en-US/b" in e for e in errors), errors
    assert "HTTP 401 invalid_api_key: Incorrect API key provided: REDACTED" in done.stderr
    assert "narrate.http" in done.stderr and "httpcore" in done.stderr  # -vv logged requests and responses
    forms = [key, urllib.parse.quote(key), base64.b64encode(f"user:{key}".encode()).decode()[4:-4]]
    for form in forms:
        assert form not in done.stdout and form not in done.stderr, form
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "m.yaml"]
    assert {"narrate.lock", "junit.xml"} <= {p.name for p in files} and any(".narrate-cache" in str(p) for p in files)
    assert (tmp_path / "out" / "wav16" / "en-US" / "c.wav16").exists()  # the good one was built and cached
    for path in files:
        data = path.read_bytes()
        for form in forms:
            assert form.encode() not in data, (path, form)
    assert "REDACTED" in (tmp_path / "junit.xml").read_text()
