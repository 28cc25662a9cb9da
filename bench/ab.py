"""A/B: one narrate command under two checkouts of narrate, interleaved, medians and their ratio.

    .venv/bin/python bench/ab.py --a /tmp/before --b . --prompts 10000 --runs 7 -- plan --json m.yaml
    .venv/bin/python bench/ab.py --a /tmp/before --b . --folder built/ --edit -- -q build m.yaml

Generates the same prompt library as bench/noop_rebuild.py in a temp folder (or uses `--folder`,
which holds m.yaml and may be built already), then runs the command (after `narrate`) as a fresh
interpreter alternately with PYTHONPATH at checkout A and at B, so load on a shared machine hits
both alike. Prints each median and B/A. The command's exit code is ignored (a plan over budget
still measures); its wall time is what counts. `--edit` changes one prompt's text before every
run (a new text each time), so each `build` is a one-edit rebuild of what the other checkout left;
both checkouts must make the same segment keys.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from noop_rebuild import make_manifest  # noqa: E402 - the same generated library

CPU: dict[str, list[float]] = {}  # checkout -> CPU seconds (user + sys) of each run


def run_once(tree: Path, args: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "narrate.cli", *args], cwd=cwd, env=env, capture_output=True, timeout=900)
    wall = time.perf_counter() - t0
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(str(tree), []).append(now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime)
    return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", type=Path, required=True, help="checkout A (its folder holds narrate/)")
    ap.add_argument("--b", type=Path, required=True, help="checkout B")
    ap.add_argument("--prompts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--folder", type=Path, default=None, help="use (and keep) this folder's manifest (--name)")
    ap.add_argument("--name", default="m.yaml", help="the manifest's file name in the folders (bench/noop_rebuild.py "
                                                     "--folder builds bench.yaml)")
    ap.add_argument("--edit", action="store_true", help="edit one prompt before every run")
    ap.add_argument("--b-folder", type=Path, default=None,
                    help="run B in this copy of --folder (same m.yaml, same edits): each checkout keeps its own "
                         "build state and memo, which two versions of narrate sharing one folder would discard")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then the narrate command, e.g. plan --json m.yaml")
    opts = ap.parse_args()
    command = [c for c in opts.command if c != "--"] or ["plan", "--json", "m.yaml"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = opts.folder or Path(tmp)
        manifest = opts.name
        if not (folder / manifest).exists():
            make_manifest(folder / manifest, opts.prompts, ["ulaw", "wav"])
        original = (folder / manifest).read_text()
        edited, count = original, 0

        texts = {folder: original, opts.b_folder: original}  # each folder's manifest with its own edits so far

        def run(tree: Path) -> float:
            nonlocal count, edited
            where = opts.b_folder if opts.b_folder is not None and tree is opts.b else folder
            if opts.edit:  # one more prompt each time, earlier edits kept: one new segment, two files written
                count += 1
                n = (opts.prompts // 2 + 97 * count) % opts.prompts
                if opts.b_folder is not None:
                    texts[where] = edited = texts[where].replace(f"Prompt {n},", f"Prompt {n} (ab {os.getpid()}-{count}),", 1)
                else:
                    edited = edited.replace(f"Prompt {n},", f"Prompt {n} (ab {os.getpid()}-{count}),", 1)
                (where / manifest).write_text(edited)
            return run_once(tree, command, where)

        times: dict[str, list[float]] = {"A": [], "B": []}
        try:
            run(opts.a)  # warm the OS caches for both
            run(opts.b)
            for _ in range(opts.runs):
                times["A"].append(run(opts.a))
                times["B"].append(run(opts.b))
        finally:
            for place in {folder, opts.b_folder or folder}:
                (place / manifest).write_text(original)
    a, b = statistics.median(times["A"]), statistics.median(times["B"])
    print(f"narrate {' '.join(command)} on {opts.prompts} prompts, {opts.runs} interleaved runs each")
    cpu_a, cpu_b = (statistics.median(CPU[str(t)][1:]) for t in (opts.a, opts.b))  # [0]: the warm-up run
    print(f"A {opts.a}: median {a * 1000:.0f} ms wall, {cpu_a * 1000:.0f} ms CPU")
    print(f"B {opts.b}: median {b * 1000:.0f} ms wall, {cpu_b * 1000:.0f} ms CPU")
    print(f"B/A = {b / a:.2f} wall, {cpu_b / cpu_a:.2f} CPU")


if __name__ == "__main__":
    main()
