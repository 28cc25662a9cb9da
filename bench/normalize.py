"""Benchmark: spoken-text normalisation of real-style IVR prompts, one checkout against another.

    .venv/bin/python bench/normalize.py [--a DIR] [--b DIR] [--rounds 7] [--pairs 3]

Normalises every prompt of tests/data/ivr (856 prompts in six locales) with `narrate.text.normalize`,
after one warm-up pass (patterns are compiled once), `--rounds` times, in a fresh interpreter per
measurement; A and B alternate `--pairs` times so that a noisy machine weighs on both alike. Prints
the median CPU microseconds per prompt of each and B/A. `--a`/`--b` are folders holding a `narrate`
package (e.g. `git archive <rev> narrate | tar -x -C /tmp/a`); B defaults to this checkout.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["en-US", "en-GB", "es-ES", "es-MX", "de-DE", "fr-FR"]
WORKER = r"""
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
from narrate.text.normalize import normalize
data = [(lang, line) for lang in sys.argv[3].split(",")
        for line in open(f"{sys.argv[2]}/{lang}.txt", encoding="utf-8").read().splitlines() if line.strip()]
for lang, text in data:
    normalize(text, lang)
times = []
for _ in range(int(sys.argv[4])):
    t0 = time.process_time()
    for lang, text in data:
        normalize(text, lang)
    times.append(time.process_time() - t0)
print(statistics.median(times) / len(data) * 1e6)
"""


def measure(root: Path, rounds: int) -> float:
    done = subprocess.run([sys.executable, "-c", WORKER, str(root), str(ROOT / "tests" / "data" / "ivr"),
                           ",".join(LANGUAGES), str(rounds)], capture_output=True, text=True, check=True)
    return float(done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=Path, default=None, help="folder holding the narrate package to compare with")
    ap.add_argument("--b", type=Path, default=ROOT)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--pairs", type=int, default=3)
    args = ap.parse_args()
    a_times, b_times = [], []
    for _ in range(args.pairs):
        if args.a is not None:
            a_times.append(measure(args.a, args.rounds))
        b_times.append(measure(args.b, args.rounds))
    b = statistics.median(b_times)
    print(f"B {args.b}: {b:.1f} us of CPU per prompt (runs: {', '.join(f'{t:.1f}' for t in b_times)})")
    if a_times:
        a = statistics.median(a_times)
        print(f"A {args.a}: {a:.1f} us of CPU per prompt (runs: {', '.join(f'{t:.1f}' for t in a_times)})")
        print(f"B/A = {b / a:.2f}")


if __name__ == "__main__":
    main()
