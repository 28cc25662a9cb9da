"""Benchmark: REST synthesis throughput through the shared HTTP layer against `narrate serve`.

    .venv/bin/python bench/throughput.py [--n 400] [--latency-ms 100] [--concurrency 16]
                                         [--provider openai|deepgram] [--engine espeak|tone]

The server runs in a subprocess (so it does not share the client's GIL) with a fixed added latency
L per request. The client side is what synth.py does: a ThreadPoolExecutor of C workers calling
provider.synthesize (retries, validation and decoding included). The ideal wall time is N*L/C;
the figure printed is wall / ideal (target <= 1.15 at N=400, L=100 ms, C=16). The same N requests
are then sent as a plain sequential loop with one httpx client, as a hand-written script would.
Every text is synthesized once before timing, so the server's LRU answers and the engine's own
speed is not what is measured.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrate.providers.base import AudioFormat, ProviderConfig, SynthesisRequest, SynthesisResult  # noqa: E402
from narrate.providers.registry import create_provider  # noqa: E402

WORDS = ["account", "balance", "payment", "card", "number", "press", "option", "please", "wait", "agent", "service", "hours", "thank", "you", "calling", "order", "delivery", "status", "menu", "main", "return", "previous", "repeat"]  # noqa: E501


class ToneEngine:
    """A stand-in for the embedded engine: 60 ms of tone per character at 22.05 kHz."""

    name = "tone"

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        import numpy as np

        from narrate.audio.encode import wav_bytes
        from narrate.audio.pcm import Pcm

        n = int(22050 * 0.06 * len(request.text) / request.speed)
        samples = (np.sin(np.arange(n) * 2 * np.pi * 200 / 22050) * 8000).astype(np.int16)
        return SynthesisResult(wav_bytes(Pcm(samples, 22050)), AudioFormat("wav", "pcm_s16le", 22050))


def texts(n: int) -> list[str]:
    return [f"Prompt {i}: " + " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(6)) + "." for i in range(n)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, latency_ms: float, engine: str) -> None:
    from narrate.serve_run import run

    run("127.0.0.1", port, latency_ms=latency_ms, log_level="warning",
        engine=ToneEngine() if engine == "tone" else None)


def start_server(port: int, latency_ms: float, engine: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--latency-ms", str(latency_ms),
                             "--engine", engine])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--latency-ms", type=float, default=100.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--provider", choices=("openai", "deepgram"), default="openai")
    ap.add_argument("--engine", choices=("espeak", "tone"), default="espeak")
    ap.add_argument("--no-sequential", action="store_true", help="skip the sequential baseline (N*L seconds)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.latency_ms, args.engine)
        return

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(port, args.latency_ms, args.engine)
    try:
        base_url = f"{url}/v1" if args.provider == "openai" else url
        voice = "alloy" if args.provider == "openai" else "aura-2-thalia-en"
        provider = create_provider(ProviderConfig("bench", args.provider, base_url=base_url,
                                                  concurrency=args.concurrency, timeout_s=60))
        requests = [SynthesisRequest(t, voice, "en-US", telephony=True) for t in texts(args.n)]

        def run_pool() -> float:
            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                results = list(pool.map(provider.synthesize, requests))
            assert len(results) == args.n and all(r.audio for r in results)
            return time.perf_counter() - t0

        run_pool()  # warm the server's LRU and the connection pool
        httpx.post(f"{url}/stats/reset")
        wall = run_pool()
        stats = httpx.get(f"{url}/stats").json()
        ideal = args.n * args.latency_ms / 1000 / args.concurrency
        print(f"provider={args.provider} engine={args.engine} N={args.n} L={args.latency_ms:g}ms C={args.concurrency}")
        print(f"pooled     wall {wall:7.3f}s  ideal {ideal:7.3f}s  ratio {wall / ideal:5.3f}  "
              f"({args.n / wall:6.1f} req/s; server saw {stats['requests']} requests, "
              f"{stats['engine_calls']} engine calls)")
        provider.close()

        if not args.no_sequential:
            with httpx.Client(base_url=url, timeout=60) as client:
                t0 = time.perf_counter()
                for t in texts(args.n):
                    if args.provider == "openai":
                        r = client.post("/v1/audio/speech", json={"model": "tts-1", "input": t, "voice": voice,
                                                                 "response_format": "pcm"})
                    else:
                        r = client.post("/v1/speak", params={"model": voice, "encoding": "mulaw",
                                                             "sample_rate": "8000", "container": "none"},
                                        json={"text": t})
                    r.raise_for_status()
                seq = time.perf_counter() - t0
            print(f"sequential wall {seq:7.3f}s  ideal {ideal:7.3f}s  ratio {seq / ideal:5.3f}  "
                  f"(pooled is {seq / wall:4.1f}x faster)")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
