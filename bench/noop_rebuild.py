"""Benchmark: cold build, no-op rebuild and one-edit rebuild of a generated prompt library.

    .venv/bin/python bench/noop_rebuild.py [--prompts 10000] [--formats ulaw,wav]

The floor is a fresh interpreter that only parses the same YAML with PyYAML's C loader; the
target is a no-op rebuild within 2x of it. Each figure is the median of several runs of the
real CLI in a subprocess, so interpreter start-up and imports count, as they do for a user.
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

WORDS = ["account", "balance", "payment", "card", "number", "press", "option", "please", "wait", "agent", "service", "hours", "thank", "you", "calling", "order", "delivery", "status", "menu", "main", "return", "previous", "repeat"]  # noqa: E501


def make_manifest(path: Path, prompts: int, formats: list[str]) -> None:
    lines = ["version: 1", "libraries:", "  bench:", "    output: out", "    layout: asterisk",
             f"    formats: [{', '.join(formats)}]", "    languages:", "      en-US: {voice: en-us, path: en}",
             "    prompts:"]
    for i in range(prompts):
        words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(6))
        lines.append(f"      group{i % 50:02d}/prompt-{i:05d}: Prompt {i}, {words}.")
    path.write_text("\n".join(lines) + "\n")


def timed(cmd: list[str], runs: int = 1) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
        out = proc.stdout
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=10_000)
    ap.add_argument("--formats", default="ulaw,wav")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    narrate = [sys.executable, "-m", "narrate.cli"]
    with tempfile.TemporaryDirectory(prefix="narrate-bench-") as tmp:
        manifest = Path(tmp) / "bench.yaml"
        make_manifest(manifest, args.prompts, args.formats.split(","))
        build = narrate + ["-q", "build", "--json", str(manifest)]
        floor, _ = timed([sys.executable, "-c", "import sys, yaml; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)",
                          str(manifest)], args.runs)
        cold, out = timed(build)
        cold_report = json.loads(out)
        noop, out = timed(build, args.runs)
        noop_report = json.loads(out)
        middle = args.prompts // 2
        text = manifest.read_text().replace(f"Prompt {middle},", f"Prompt {middle} (edited),", 1)
        manifest.write_text(text)
        edit, out = timed(build)
        edit_report = json.loads(out)
    print(f"prompts: {args.prompts}, formats: {args.formats}")
    print(f"floor (parse YAML, C loader, fresh interpreter): {floor * 1000:8.1f} ms")
    print(f"cold build:      {cold:8.2f} s   synthesized {cold_report['synthesized']}, "
          f"written {cold_report['outputs_written']}")
    print(f"no-op rebuild:   {noop * 1000:8.1f} ms  synthesized {noop_report['synthesized']}, "
          f"written {noop_report['outputs_written']}  -> {noop / floor:.2f}x floor (target <= 2x)")
    print(f"one-edit rebuild:{edit * 1000:8.1f} ms  synthesized {edit_report['synthesized']}, "
          f"written {edit_report['outputs_written']}")


if __name__ == "__main__":
    main()
