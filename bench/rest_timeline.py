"""Where a cold `narrate build` over REST spends its wall time: a timeline of one build (issue 14 item 2).

    .venv/bin/python bench/rest_timeline.py [--n 400] [--latency-ms 100] [--concurrency 16] [--tree PATH]

The same set-up as bench/rest_build.py (`narrate serve --latency-ms L` on 127.0.0.1, N prompts, ulaw +
wav, answers from the server's LRU), then one cold build in a fresh interpreter whose steps are
stamped by wrappers (seconds from the interpreter's start): imports, planning, each request (out,
back), each cache store, each render (start, end), each batch of outputs published, the lock and
index, exit. Prints the phases and how busy the requests and renders kept the build.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from rest_build import free_port, make_manifest, start_server, texts  # noqa: E402

# Wrappers around the build's steps; stamps written as JSON to argv[1] at exit.
STAMPED_CLI = r"""
import atexit, json, sys, threading, time
T0 = time.perf_counter()
out = sys.argv.pop(1)
stamps = {}
lock = threading.Lock()
def now():
    return time.perf_counter() - T0
def add(name, value):
    with lock:
        stamps.setdefault(name, []).append(value)
def wrap(owner, attr, name):
    real = getattr(owner, attr)
    def timed(*a, **k):
        t = now()
        try:
            return real(*a, **k)
        finally:
            add(name, (t, now()))
    setattr(owner, attr, timed)
@atexit.register
def dump():
    import resource
    stamps["exit"] = [(now(), now())]
    for who, which in (("cpu: build process", resource.RUSAGE_SELF), ("cpu: its workers (ended)", resource.RUSAGE_CHILDREN)):
        u = resource.getrusage(which)
        stamps[who] = [(0.0, u.ru_utime + u.ru_stime)]
    with open(out, "w") as f:
        json.dump(stamps, f)
import narrate.cli
add("imported", (0.0, now()))
import narrate.build as b, narrate.prepare as p, narrate.synth as s, narrate.build.render as r
import narrate.build.outbox as o, narrate.providers.http as h, narrate.cache.store as cs
wrap(b, "prepare_build", "planning")
wrap(b, "_finish", "finish (lock, index)")
wrap(s, "synthesize_missing", "synthesis")
wrap(h.RestClient, "call", "request")
wrap(cs.SegmentCache, "put", "cache put")
wrap(cs.SegmentCache, "get", "cache get")
wrap(r.PromptRenderer, "_render", "render")
for name in ("_render_here", "_render_job", "_render_segment"):
    if hasattr(r.PromptRenderer, name):
        wrap(r.PromptRenderer, name, "render call")
wrap(o.Outbox, "put", "outbox put")
wrap(o.Outbox, "_flush", "flush")
wrap(b, "build", "build")
from narrate.cli.console import run  # the `narrate` command's entry point: no interpreter teardown
run()
"""


def busy(spans: list[list[float]], start: float, end: float) -> float:
    """Mean number of spans open over [start, end]."""
    return sum(min(e, end) - max(s, start) for s, e in spans if e > start and s < end) / max(end - start, 1e-9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--latency-ms", type=float, default=100.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--tree", type=Path, default=ROOT, help="narrate from this checkout")
    ap.add_argument("--wrap", default="", help="a command line put before the timed build's, e.g. a profiler's")
    args = ap.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    lines = texts(args.n)
    with tempfile.TemporaryDirectory(prefix="narrate-timeline-") as tmp:
        work = Path(tmp)
        make_manifest(work / "bench.yaml", url, lines, args.concurrency)
        server = start_server(port, args.latency_ms, work / "serve.log")
        try:
            env = {"PYTHONPATH": str(args.tree.resolve())}
            import os

            env = {**os.environ, **env}
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(args.tree.resolve() / "narrate")], check=True)
            for warm in (True, False):  # the first build fills the server's LRU; the second is timed
                for leftover in ("out", "cache"):
                    subprocess.run(["rm", "-rf", str(work / leftover)], check=True)
                for lockfile in work.glob("*.lock*"):
                    lockfile.unlink()
                t = time.perf_counter()
                wrap = args.wrap.split() if args.wrap and not warm else []
                subprocess.run([*wrap, sys.executable, "-c", STAMPED_CLI, str(work / "stamps.json"), "-q", "build",
                                "--cache-dir", str(work / "cache"), str(work / "bench.yaml")],
                               cwd=work, env=env, check=True)
                wall = time.perf_counter() - t
                if warm:
                    print(f"warm-up build {wall:.3f} s", file=sys.stderr)
            stamps = json.loads((work / "stamps.json").read_text())
        finally:
            server.terminate()
            server.wait(timeout=10)
    ideal = args.n * args.latency_ms / 1000 / args.concurrency
    print(f"one cold build, N={args.n} L={args.latency_ms:g} ms C={args.concurrency} (ideal {ideal:.3f} s), "
          f"wall {wall:.3f} s as timed from outside; seconds from the interpreter's start:")
    cpu = {name: stamps.pop(name)[0][1] for name in [n for n in stamps if n.startswith("cpu: ")]}
    for name, spans in sorted(stamps.items(), key=lambda kv: min(s for s, _ in kv[1])):
        first = min(s for s, _ in spans)
        last = max(e for _, e in spans)
        durations = [e - s for s, e in spans]
        line = f"  {name:<22} {first:7.3f} -> {last:7.3f}  ({last - first:6.3f} s)"
        if len(spans) > 1:
            line += (f"  x{len(spans)}, each median {statistics.median(durations) * 1000:6.1f} ms, "
                     f"mean {busy(spans, first, last):5.2f} open")
        print(line)
    for name, seconds in cpu.items():
        print(f"  {name}: {seconds:.2f} s of CPU ({seconds / args.n * 1000:.1f} ms a prompt)")
    if "request" in stamps and "render" in stamps:
        req = stamps["request"]
        span = (min(s for s, _ in req), max(e for _, e in req))
        print(f"  requests in flight over the request phase: {busy(req, *span):.2f} of {args.concurrency}")


if __name__ == "__main__":
    main()
