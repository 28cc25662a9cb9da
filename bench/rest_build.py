"""Benchmark: a full cold `narrate build` over REST against the ideal N*L/C (issue 14 item 2).

    .venv/bin/python bench/rest_build.py [--n 400] [--latency-ms 100] [--concurrency 16] [--rounds 5]

`narrate serve --latency-ms L` runs in a child process on 127.0.0.1 (its own interpreter, so it shares
no GIL with the client). The manifest has N prompts through an `openai` provider pointing at it
(`base_url: http://127.0.0.1:PORT/v1`, `concurrency: C`), in one library with the formats ulaw and
wav (as bench/cold_build.py): each prompt's 24 kHz PCM is resampled to 8 kHz and written twice.
Every text is synthesized once before timing, so the server answers from its LRU and the engine's
own speed is not what is measured (only the latency L and the server's per-request work).

Three contenders, interleaved round by round, medians of --rounds:

- HTTP layer: what bench/throughput.py times: a ThreadPoolExecutor of C workers calling the
  provider's synthesize (retries, validation, decoding), in this process, connections warm;
- narrate build (cold): `python -m narrate.cli -q build --cache-dir ...` in a fresh interpreter, with
  an empty cache, no outputs and no lock: start-up, imports, planning, requests, storing, rendering,
  the lock and index.json all count;
- start-up floor: `python -c "import narrate.cli"` (what every CLI run pays before any work);
  every checkout is byte-compiled first (`compileall`), as an install is: with PYTHONDONTWRITEBYTECODE
  set, every run would otherwise compile narrate from source (about 0.5 s of CPU a run here);
- with `--before TREE`: the same cold build with narrate imported from another checkout (for
  instance `git archive main | tar -x -C /tmp/before`), so a change is measured before and after in
  the same run.

Each is printed as wall / ideal (ideal = N*L/C; target for the build <= 1.15 at N=400, L=100 ms,
C=16), with the build's CPU (user + system of it and its children, os.wait4). The build's synthesis
phase (from the first request out to the last segment stored: synth.synthesize_missing, timed by a
wrapper around the CLI) is printed too: the REST scheduling's own share, apart from start-up,
planning and the render that trails the last answer.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cold_build import texts  # noqa: E402  (commas, not colons: plain YAML scalars)
from narrate.providers.base import ProviderConfig, SynthesisRequest  # noqa: E402
from narrate.providers.registry import create_provider  # noqa: E402
from throughput import free_port  # noqa: E402

VOICE = "alloy"

# `narrate build` as the CLI runs it, with the synthesis phase timed (synth.synthesize_missing, which
# build imports when it calls it): when the requests began and ended, seconds from the interpreter's
# start. Written to the file named by argv[1]; the rest of argv is the CLI's. Run through
# `console.run`, the `narrate` command's entry point (and `python -m narrate.cli`'s): it leaves with
# os._exit once the exit handlers ran, where `main()` alone would also time the interpreter's teardown
# of everything the build made (~0.2 s here), which no user waits for.
TIMED_CLI = """
import json, sys, time
start = time.perf_counter()
out = sys.argv.pop(1)
import narrate.synth as synth
real = synth.synthesize_missing
def timed(*args, **kwargs):
    began = time.perf_counter() - start
    try:
        return real(*args, **kwargs)
    finally:
        with open(out, "w") as f:
            json.dump({"began": began, "ended": time.perf_counter() - start}, f)
synth.synthesize_missing = timed
from narrate.cli.console import run
run()
"""


def make_manifest(path: Path, url: str, lines: list[str], concurrency: int) -> None:
    out = ["version: 1", "providers:", "  local:", "    kind: openai", f"    base_url: {url}/v1",
           f"    concurrency: {concurrency}", "libraries:", "  bench:", "    output: out", "    layout: asterisk",
           "    formats: [ulaw, wav]", "    provider: local", "    languages:",
           f"      en-US: {{voice: {VOICE}, path: en}}", "    prompts:"]
    out += [f"      p{i:05d}: {text}" for i, text in enumerate(lines)]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def start_server(port: int, latency_ms: float, log: Path) -> subprocess.Popen:
    out = open(log, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "narrate.cli", "serve", "--port", str(port),
                             "--latency-ms", f"{latency_ms:g}"], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"narrate serve did not start (see {log})")


def run(cmd: list[str], cwd: Path, tree: Path = ROOT) -> tuple[float, float]:
    """(wall s, CPU s of the command and its children), with narrate imported from `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        err = proc.stderr.read().decode(errors="replace")[-3000:] if proc.stderr else ""
        raise SystemExit(f"failed ({code}): {' '.join(cmd)}\n{err}")
    if proc.stderr:
        proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


PHASES: dict[Path, list[float]] = {}  # checkout -> seconds its builds spent synthesizing (requests out)


def cold_build(work: Path, tree: Path = ROOT) -> tuple[float, float]:
    for leftover in ("out", "cache", "bench.lock", "narrate.lock", ".narrate"):
        path = work / leftover
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for lock in work.glob("*.lock*"):
        lock.unlink()
    phase = work / "phase.json"
    wall, cpu = run([sys.executable, "-c", TIMED_CLI, str(phase), "-q", "build", "--cache-dir", str(work / "cache"),
                     str(work / "bench.yaml")], work, tree)
    times = json.loads(phase.read_text())
    PHASES.setdefault(tree, []).append(times["ended"] - times["began"])
    print(f"  synthesis phase {times['ended'] - times['began']:.3f} s (from {times['began']:.3f} s after start)",
          file=sys.stderr)
    written = sum(1 for _ in (work / "out").rglob("*.*"))
    if written < 2:
        raise SystemExit("the build wrote no outputs")
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--latency-ms", type=float, default=100.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--before", type=Path, help="also time the build with narrate from this checkout (an A/B in one run)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a kill still stops the server (finally)
    ideal = args.n * args.latency_ms / 1000 / args.concurrency
    note = f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    lines = texts(args.n)
    results: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="narrate-rest-") as tmp:
        work = Path(tmp)
        make_manifest(work / "bench.yaml", url, lines, args.concurrency)
        server = start_server(port, args.latency_ms, work / "serve.log")
        try:
            provider = create_provider(ProviderConfig("bench", "openai", base_url=f"{url}/v1",
                                                      concurrency=args.concurrency, timeout_s=60))
            requests = [SynthesisRequest(t, VOICE, "en-US") for t in lines]

            def http_layer() -> tuple[float, float]:
                t0, c0 = time.perf_counter(), time.process_time()
                with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                    results = list(pool.map(provider.synthesize, requests))
                assert len(results) == args.n and all(r.audio for r in results)
                return time.perf_counter() - t0, time.process_time() - c0

            # Byte-compiled as an install leaves it (pip compiles on install): with PYTHONDONTWRITEBYTECODE
            # set, as on this machine, every build would otherwise compile narrate's ~250 modules again.
            for tree in {ROOT, *([args.before.resolve()] if args.before else [])}:
                subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "narrate")], check=True)
            http_layer()  # the server's LRU holds every text from now on; connections are warm
            cold_build(work)  # the OS's file cache holds the interpreter and narrate's modules
            PHASES.clear()
            contenders = {
                "HTTP layer (in process)": http_layer,
                "narrate build (cold, CLI)": lambda: cold_build(work),
                "start-up floor (import narrate.cli)": lambda: run([sys.executable, "-c", "import narrate.cli"], work),
            }
            if args.before:
                before = args.before.resolve()
                contenders[f"narrate build, before ({before})"] = lambda: cold_build(work, before)
            for r in range(args.rounds):
                for name, fn in contenders.items():
                    results.setdefault(name, []).append(fn())
                    wall, cpu = results[name][-1]
                    print(f"round {r + 1}: {name}: wall {wall:.3f} s ({wall / ideal:.2f}x ideal), CPU {cpu:.2f} s",
                          file=sys.stderr, flush=True)
            provider.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"\nREST: N={args.n} L={args.latency_ms:g} ms C={args.concurrency}, ideal N*L/C = {ideal:.3f} s; "
          f"formats ulaw + wav; medians of {args.rounds} interleaved rounds; {note}")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"  {name:<38} wall {wall:6.3f} s  {wall / ideal:5.2f}x ideal   CPU {cpu:6.2f} s")
    for tree, spans in PHASES.items():
        span = statistics.median(spans)
        print(f"  synthesis phase of the build ({tree}): {span:6.3f} s  {span / ideal:5.2f}x ideal")
    build = statistics.median(w for w, _ in results["narrate build (cold, CLI)"])
    print(f"  narrate build / ideal: {build / ideal:.2f}x (target <= 1.15x)")


if __name__ == "__main__":
    main()
