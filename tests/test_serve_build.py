"""Issue 3's integration test, through the CLI on both sides: `narrate serve` with faults injected,
and `narrate build` synthesizing a manifest through it with the OpenAI and Deepgram providers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave

import httpx
import pytest

from conftest import serve_process

pytest.importorskip("uvicorn")

SECRET = "dg-secret-should-never-appear-0123456789"


@pytest.fixture
def server(tmp_path):
    with serve_process(tmp_path, "--fault-rate", "0.3", "--seed", "11", "--latency-ms", "20") as url:
        yield url


def test_build_through_a_faulty_server(tmp_path, server):
    prompts = {f"p{i:02d}": f"Prompt number {i} for the integration test." for i in range(16)}
    lines = ["version: 1", "providers:",
             "  local-openai:", "    kind: openai", f"    base_url: {server}/v1", "    concurrency: 4", "    max_attempts: 10",
             "  local-deepgram:", "    kind: deepgram", f"    base_url: {server}", "    concurrency: 4", "    max_attempts: 10",
             "libraries:"]
    for name, provider, voice, formats in (("openai", "local-openai", "alloy", "[wav16, ulaw]"),
                                           ("deepgram", "local-deepgram", "aura-2-thalia-en", "[ulaw, mulaw-wav]")):
        lines += [f"  {name}:", f"    output: out/{name}", "    layout: flat", f"    formats: {formats}",
                  f"    provider: {provider}", "    languages:", f"      en-US: {{voice: {voice}}}", "    prompts:"]
        lines += [f"      {k}: {v}" for k, v in prompts.items()]
    (tmp_path / "m.yaml").write_text("\n".join(lines) + "\n")
    env = {**os.environ, "DEEPGRAM_API_KEY": SECRET}
    done = subprocess.run([sys.executable, "-m", "narrate.cli", "-v", "-q", "build", "--json", "m.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["errors"] == [] and report["synthesized"] == 32  # 16 texts x 2 providers (their keys differ)
    assert SECRET not in done.stdout + done.stderr
    assert "narrate.http" in done.stderr and "POST" in done.stderr  # -v logs each request with its id
    from narrate.audio.riff import parse_wav

    for path in (tmp_path / "out" / "deepgram" / "mulaw-wav" / "en-US").glob("*.wav"):
        info = parse_wav(path.read_bytes())  # complete, mu-law, 8 kHz: no corrupt output
        assert (info.tag, info.rate, info.missing_bytes) == (7, 8000, 0) and info.data_end - info.data_offset > 4000
    for path in (tmp_path / "out" / "openai" / "wav16" / "en-US").glob("*.wav"):
        with wave.open(str(path)) as w:
            assert w.getframerate() == 16000 and w.getnframes() > 16000 * 0.5
    stats = httpx.get(server + "/stats").json()
    assert sum(stats["faults"].values()) > 5, "faults should have been injected"
    # Each text answered successfully exactly once per API (OpenAI and Deepgram): nothing paid twice.
    assert len(stats["syntheses"]) == 16 and all(n == 2 for n in stats["syntheses"].values()), stats["syntheses"]
