"""A/B: one narrate command under two checkouts of narrate, interleaved, medians and their ratio.

    .venv/bin/python bench/ab.py --a /tmp/before --b . --prompts 10000 --runs 7 -- plan --json m.yaml

Generates the same prompt library as bench/noop_rebuild.py in a temp folder, then runs the command
(after `narrate`) as a fresh interpreter alternately with PYTHONPATH at checkout A and at B, so
load on a shared machine hits both alike. Prints each median and B/A. The command's exit code is
ignored (a plan over budget still measures); its wall time is what counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from noop_rebuild import make_manifest  # noqa: E402 - the same generated library


def run_once(tree: Path, args: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "narrate.cli", *args], cwd=cwd, env=env, capture_output=True, timeout=900)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", type=Path, required=True, help="checkout A (its folder holds narrate/)")
    ap.add_argument("--b", type=Path, required=True, help="checkout B")
    ap.add_argument("--prompts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then the narrate command, e.g. plan --json m.yaml")
    opts = ap.parse_args()
    command = [c for c in opts.command if c != "--"] or ["plan", "--json", "m.yaml"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_manifest(folder / "m.yaml", opts.prompts, ["ulaw", "wav"])
        times: dict[str, list[float]] = {"A": [], "B": []}
        run_once(opts.a, command, folder)  # warm the OS caches for both
        run_once(opts.b, command, folder)
        for _ in range(opts.runs):
            times["A"].append(run_once(opts.a, command, folder))
            times["B"].append(run_once(opts.b, command, folder))
    a, b = statistics.median(times["A"]), statistics.median(times["B"])
    print(f"narrate {' '.join(command)} on {opts.prompts} prompts, {opts.runs} interleaved runs each")
    print(f"A {opts.a}: median {a * 1000:.0f} ms")
    print(f"B {opts.b}: median {b * 1000:.0f} ms")
    print(f"B/A = {b / a:.2f}")


if __name__ == "__main__":
    main()
