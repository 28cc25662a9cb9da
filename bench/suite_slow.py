"""Before/after durations of chosen tests, measured side by side under the same load.

    .venv/bin/python bench/suite_slow.py BASE_COMMIT [--reps N] NODE_ID...

The tests as they were at BASE_COMMIT (extracted to a temporary folder; the production code is the
installed one either way, so only the tests differ) and as they are in this worktree are run in
turns, REPS times each, alternating which goes first, one pytest process each (`-n 0`, so xdist
does not add its own scheduling). Prints each test's median call (+ setup) time per variant, the
ratio after/before and the pass/fail status of every run, and per variant the median wall and CPU
seconds of the whole pytest run (CPU: user + system of pytest and every child it waited for, from
getrusage; on a machine shared with other work, CPU seconds move far less with the load than wall
seconds do). NODE_IDs are relative to the repository root (`tests/test_x.py::test_y` or a whole
file, `-k` style selection is not supported).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^\s*([\d.]+)s (call|setup|teardown)\s+(\S+)")


def extract(commit: str, into: Path) -> Path:
    """The repository at `commit` without its `narrate` package, in `into/old` (with `into/shared`
    linked to the real ../shared, which tests find beside the repository)."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    old = into / "old"
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = [m for m in tar.getmembers() if not m.name.startswith("narrate/")]
        tar.extractall(old, members=members, filter="data")
    (into / "shared").symlink_to(ROOT.parent / "shared")
    return old


def children_cpu() -> float:
    """User + system seconds of every child process waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(root: Path, nodes: list[str]) -> tuple[dict[str, float], str, float, float]:
    """(test id -> call+setup seconds, its outcome, wall seconds, CPU seconds) of one pytest run in `root`."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "--durations=0",
           "-c", str(root / "pyproject.toml"), "--rootdir", str(root), *nodes]
    start, cpu = time.monotonic(), children_cpu()
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    wall, cpu = time.monotonic() - start, children_cpu() - cpu
    times: dict[str, float] = defaultdict(float)
    for line in done.stdout.splitlines():
        m = LINE.match(line)
        if m and m.group(2) != "teardown":
            times[m.group(3)] += float(m.group(1))
    failed = sorted({line.split()[1] for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))})
    outcome = "passed" if done.returncode == 0 else f"exit {done.returncode}, failed: {', '.join(failed) or '?'}"
    return dict(times), outcome, wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--first", choices=("before", "after"), default="before", help="which variant runs first in rep 1")
    ap.add_argument("nodes", nargs="+")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="suite-slow-") as tmp:
        old = extract(args.base, Path(tmp))
        variants = {"before": old, "after": ROOT}
        results: dict[str, dict[str, list[float]]] = {v: defaultdict(list) for v in variants}
        walls: dict[str, list[float]] = {v: [] for v in variants}
        cpus: dict[str, list[float]] = {v: [] for v in variants}
        print(f"load average at start: {os.getloadavg()}", flush=True)
        for rep in range(args.reps):
            order = list(variants) if (rep % 2 == 0) == (args.first == "before") else list(reversed(variants))
            for name in order:
                times, outcome, wall, cpu = run(variants[name], args.nodes)
                walls[name].append(wall)
                cpus[name].append(cpu)
                for test, seconds in times.items():
                    results[name][test].append(seconds)
                print(f"rep {rep + 1} {name}: {wall:.1f} s wall, {cpu:.1f} s CPU; {outcome}; "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\n{'test':100} {'before':>8} {'after':>8} {'ratio':>6}")
    for test in sorted(set(results["before"]) | set(results["after"])):
        b, a = results["before"].get(test), results["after"].get(test)
        mb = statistics.median(b) if b else float("nan")
        ma = statistics.median(a) if a else float("nan")
        print(f"{test:100} {mb:8.1f} {ma:8.1f} {ma / mb if b and a else float('nan'):6.2f}")
    mb, ma = statistics.median(walls["before"]), statistics.median(walls["after"])
    print(f"{'(pytest wall, median)':100} {mb:8.1f} {ma:8.1f} {ma / mb:6.2f}")
    mb, ma = statistics.median(cpus["before"]), statistics.median(cpus["after"])
    print(f"{'(pytest CPU user+sys, median)':100} {mb:8.1f} {ma:8.1f} {ma / mb:6.2f}")


if __name__ == "__main__":
    main()
