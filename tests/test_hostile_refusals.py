"""README "Retries": a provider that refuses the key or the account (401, 402, 403, out of quota) is asked once, not once
per segment: the build stops sending to it, names the provider and the variable the key came from,
never the key, and the segments it did not send are neither paid nor claimed as synthesized. A server
asking for a wait past the cap is treated alike, and Ctrl-C or SIGTERM ends a retry's wait at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import narrate
from fakes import FakeProvider
from narrate.errors import ProviderError
from test_hostile_providers import Handler, Scripted, drip, pcm, write_manifest

FAKE_KEY = "sk-refused-FAKE-0123456789"
PROMPTS = {f"p{i:02d}": f"Prompt number {i} says hello to the caller." for i in range(30)}

# (id, provider kind, variable, status, JSON error body, words of the reason)
CASES = [
    ("openai-401", "openai", "OPENAI_API_KEY", 401,
     {"error": {"message": "Incorrect API key provided: sk-ref****6789", "code": "invalid_api_key"}},
     "HTTP 401 invalid_api_key"),
    ("openai-429-quota", "openai", "OPENAI_API_KEY", 429,
     {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota"}},
     "HTTP 429 insufficient_quota"),
    ("deepgram-402", "deepgram", "DEEPGRAM_API_KEY", 402,
     {"err_code": "ASR_PAYMENT_REQUIRED", "err_msg": "Project does not have enough credits"},
     "HTTP 402 ASR_PAYMENT_REQUIRED"),
    ("google-403", "google", "GOOGLE_API_KEY", 403,
     {"error": {"code": 403, "message": "Cloud Text-to-Speech API has not been used", "status": "PERMISSION_DENIED"}},
     "HTTP 403 PERMISSION_DENIED"),
    ("azure-401", "azure", "AZURE_SPEECH_KEY", 401, {"error": {"code": "401", "message": "Access denied"}},
     "HTTP 401"),
]


@pytest.mark.parametrize("case,kind,variable,status,body,reason", CASES, ids=[c[0] for c in CASES])
def test_a_refused_key_is_tried_once_and_named_never_shown(tmp_path, case, kind, variable, status, body, reason):
    def refuse(h: Handler, _: bytes) -> None:
        h.reply(status, json.dumps(body).encode(), "application/json")

    with Scripted(refuse) as server:
        write_manifest(tmp_path, server.url, kind, "[wav16]", PROMPTS, timeout_s=5, concurrency=1)
        done = narrate("build", "--json", "--report", "junit.xml", "m.yaml", cwd=tmp_path, env={variable: FAKE_KEY},
                       timeout=120)
        sent = len(server.requests)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    # Every prompt is a failed case in the JUnit report, the 29 never sent too (they passed before).
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    cases = {c.get("classname"): c.find("failure") for c in suite.iter("testcase")}
    assert {f"lib/en-US/{k}" for k in PROMPTS} <= set(cases), sorted(cases)
    unsent = [f.get("message") for name, f in cases.items() if name.startswith("lib/") and f is not None
              and f.get("message").startswith("not built: a segment of it was never requested (provider ")]
    assert all(cases[f"lib/en-US/{k}"] is not None for k in PROMPTS) and len(unsent) == 29, (len(unsent), cases)
    assert FAKE_KEY not in (tmp_path / "junit.xml").read_text()
    assert sent == 1, sent  # one refusal is enough: the other 29 segments were never sent
    report = json.loads(done.stdout)
    line = next(e["message"] for e in report["errors"] if "refused" in e["message"])
    assert f"provider local-{kind} refused the credentials" in line and reason in line, line
    assert "its other 29 segments were not requested" in line and line.endswith(f"check {variable}"), line
    assert FAKE_KEY not in done.stdout + done.stderr
    assert report["synthesized"] == 0 and report["synthesized_segments"] == [], report["synthesized_segments"][:3]


def test_other_providers_go_on_when_one_refuses(tmp_path):
    """The refusal stops its own provider only: another provider's prompts are built."""
    def script(h: Handler, body: bytes) -> None:
        if h.path.startswith("/v1/speak"):  # deepgram refuses
            h.reply(401, b'{"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials."}', "application/json")
        else:
            h.reply(200, pcm(), "application/octet-stream")

    with Scripted(script) as server:
        lines = ["version: 1", "providers:",
                 "  dg:", "    kind: deepgram", f"    base_url: {server.url}", "    concurrency: 1",
                 "  oa:", "    kind: openai", f"    base_url: {server.url}/v1",
                 "libraries:",
                 "  a:", "    output: out/a", "    layout: flat", "    formats: [wav16]", "    provider: dg",
                 "    languages:", "      en-US: {voice: aura-2-thalia-en}", "    prompts:",
                 *(f"      {k}: {v}" for k, v in PROMPTS.items()),
                 "  b:", "    output: out/b", "    layout: flat", "    formats: [wav16]", "    provider: oa",
                 "    languages:", "      en-US: {voice: alloy}", "    prompts:",
                 "      hello: Hello and welcome to the line.", "      bye: Thank you for calling, goodbye."]
        (tmp_path / "m.yaml").write_text("\n".join(lines) + "\n")
        done = narrate("build", "m.yaml", cwd=tmp_path, env={"DEEPGRAM_API_KEY": FAKE_KEY, "OPENAI_API_KEY": FAKE_KEY},
                       timeout=120)
        paths = [p for p, _, _ in server.requests]
    assert done.returncode == 1, done.stderr[-3000:]
    assert sum(p.startswith("/v1/speak") for p in paths) == 1 and paths.count("/v1/audio/speech") == 2, paths
    assert "provider dg refused the credentials" in done.stderr and "check DEEPGRAM_API_KEY" in done.stderr
    assert (tmp_path / "out/b/wav16/en-US/hello.wav16").exists() and (tmp_path / "out/b/wav16/en-US/bye.wav16").exists()


@pytest.mark.parametrize("retry_after,shown", [("86400", "86400 s"), ("Wed, 21 Oct 2099 07:28:00 GMT", "wait "),
                                               ("1e400", "inf s")], ids=["a-day", "http-date", "overflow"])
def test_a_retry_after_past_the_cap_stops_the_provider_not_one_segment(tmp_path, retry_after, shown):
    """A server that asks to come back in a day is not asked again for every other segment."""
    def busy(h: Handler, _: bytes) -> None:
        h.reply(429, b'{"error": {"message": "slow down", "code": "rate_limit_exceeded"}}', "application/json",
                retry_after=retry_after)

    with Scripted(busy) as server:
        write_manifest(tmp_path, server.url, "openai", "[wav16]", PROMPTS, timeout_s=5, concurrency=1)
        done = narrate("build", "--json", "m.yaml", cwd=tmp_path, env={"OPENAI_API_KEY": FAKE_KEY}, timeout=120)
        sent = len(server.requests)
    assert done.returncode == 1 and sent == 1, (sent, done.stderr[-2000:])
    line = next(e["message"] for e in json.loads(done.stdout)["errors"] if "stop" in e["message"])
    assert line.startswith("provider local-openai asked the build to stop (HTTP 429 rate_limit_exceeded"), line
    assert "past max_retry_after_s 120 s" in line and shown in line and "check" not in line, line
    assert line.endswith("its other 29 segments were not requested"), line


def busy_for_20s(h: Handler, _: bytes) -> None:
    h.reply(503, b'{"error": {"message": "busy"}}', "application/json", retry_after="20")


@pytest.mark.parametrize("script,timeout_s", [(busy_for_20s, 5), (drip, None)], ids=["retry-wait", "drip"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_waits_and_transfers_and_sends_nothing_more(tmp_path, sig, script, timeout_s):
    """retry-wait: every request slot waiting out a 'Retry-After: 20' kept waiting, then retrying (up
    to the 5-minute budget) after Ctrl-C: the build neither stopped nor stopped spending. drip: a body
    arriving a byte at a time held the exit until the attempt's deadline (60 s and more)."""
    settings = {"timeout_s": timeout_s} if timeout_s else {}
    with Scripted(script) as server:
        write_manifest(tmp_path, server.url, "openai", "[wav16]", dict(list(PROMPTS.items())[:4]), max_attempts=10,
                       concurrency=4, **settings)
        proc = subprocess.Popen([sys.executable, "-m", "narrate.cli", "build", "m.yaml"], cwd=tmp_path,
                                env={**os.environ, "OPENAI_API_KEY": FAKE_KEY}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(server.requests) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # every slot is waiting now (a 20 s Retry-After, or the next byte)
        sent = len(server.requests)
        started = time.monotonic()
        proc.send_signal(sig)
        try:
            _, err = proc.communicate(timeout=15)
        finally:
            proc.kill()
        took = time.monotonic() - started
        after = len(server.requests)
    assert sent == 4 and after == sent, (sent, after)
    assert proc.returncode == 128 + sig and took < 10, (proc.returncode, took, err[-2000:])
    assert f"stopped by {sig.name}" in err and "Traceback" not in err


def test_a_provider_down_for_good_is_not_retried_for_every_segment(tmp_path):
    """A server answering 503 to everything got max_attempts requests for each of the 30 segments (90);
    now five segments in a row failing through every retry stop it."""
    def down(h: Handler, body: bytes) -> None:
        h.reply(503, b'{"error": {"message": "service unavailable"}}', "application/json")

    with Scripted(down) as server:
        write_manifest(tmp_path, server.url, "openai", "[wav16]", PROMPTS, timeout_s=5, concurrency=1, max_attempts=3)
        done = narrate("build", "--json", "m.yaml", cwd=tmp_path, env={"OPENAI_API_KEY": FAKE_KEY}, timeout=300)
        sent = len(server.requests)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and report["synthesized"] == 0, done.stderr[-2000:]
    assert sent == 5 * 3, sent  # five segments of three attempts each
    line = next(e["message"] for e in report["errors"] if "in a row" in e["message"])
    assert line == ("provider local-openai failed 5 segments in a row through every retry (last: HTTP 503: service "
                    "unavailable (gave up after 3 attempts in " + line.split("attempts in ")[1]), line
    assert line.endswith("): its other 25 segments were not requested"), line


class Flaky(FakeProvider):
    """Fails (as if after every retry) each text whose number is in `failing`; speaks the others."""

    def __init__(self, failing: set[int]) -> None:
        super().__init__()
        self.failing = failing

    def synthesize(self, request):
        if int(request.text.split()[2]) in self.failing:
            with self._lock:
                self.calls.append(request.text)
            raise ProviderError("HTTP 503: busy (gave up after 3 attempts in 1.0s)", provider="fake", status=503,
                                retryable=True)
        return super().synthesize(request)


@pytest.mark.parametrize("failing,calls,stopped", [
    (set(range(30)), 5, True),  # five in a row: the rest are not sent
    ({n for n in range(30) if n % 5}, 30, False),  # four in a row at most: a success resets the count
    ({*range(4), *range(5, 10)}, 10, True),  # 0-3 fail, 4 speaks, 5-9 fail: five in a row again
], ids=["all", "four-at-most", "reset-then-five"])
def test_failures_in_a_row_stop_a_provider_and_a_success_resets_the_count(tmp_path, failing, calls, stopped):
    from narrate.cache import SegmentCache
    from narrate.providers.base import ProviderConfig
    from narrate.synth import synthesize_missing
    from test_hostile_spending import segments

    provider = Flaky(failing)
    cache = SegmentCache(tmp_path / "cache")
    try:
        outcome = synthesize_missing(segments(30), {"fake": provider}, {"fake": ProviderConfig("fake", "fake",
                                                                                               concurrency=1)}, cache)
    finally:
        cache.close()
    assert len(provider.calls) == calls and ("fake" in outcome.refused) == stopped, (provider.calls, outcome.refused)
    if stopped:
        assert outcome.refused["fake"].not_requested == 30 - calls
        assert outcome.refused["fake"].message().startswith("provider fake failed 5 segments in a row through every ")


def test_a_redirect_is_not_followed_named_and_stops_the_provider(tmp_path):
    """A redirect elsewhere is never followed with the key, says where it pointed, and is not asked
    again for every segment (each would get the same answer)."""
    elsewhere = []

    def redirect(h: Handler, _: bytes) -> None:
        if h.path.startswith("/elsewhere"):
            elsewhere.append(h.headers.get("authorization"))
        h.reply(307, b"", "text/plain", location="http://127.0.0.1:9/elsewhere?key=stolen-0123456789")

    with Scripted(redirect) as server:
        write_manifest(tmp_path, server.url, "openai", "[wav16]", PROMPTS, timeout_s=5, concurrency=1)
        done = narrate("build", "--json", "m.yaml", cwd=tmp_path, env={"OPENAI_API_KEY": FAKE_KEY}, timeout=120)
        sent = len(server.requests)
    messages = [e["message"] for e in json.loads(done.stdout)["errors"]]
    assert done.returncode == 1 and sent == 1 and not elsewhere, (sent, messages)
    assert any("HTTP 307: the server redirects to http://127.0.0.1:9/elsewhere?key=REDACTED; not followed" in m
               for m in messages), messages
    assert any(m.startswith("provider local-openai asked the build to stop (HTTP 307") and
               m.endswith("its other 29 segments were not requested") for m in messages), messages
    assert "stolen" not in done.stdout + done.stderr and FAKE_KEY not in done.stdout + done.stderr
