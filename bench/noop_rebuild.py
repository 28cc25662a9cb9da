"""Benchmark: cold build, no-op rebuild and one-edit rebuild of a generated prompt library.

    .venv/bin/python bench/noop_rebuild.py [--prompts 10000] [--formats ulaw,wav] [--runs 5]
                                           [--seed] [--folder DIR [--name bench.yaml]]

The floor is a fresh interpreter that only parses the same YAML with PyYAML's C loader, run
alternately with the no-op rebuild so that a noisy machine weighs on both alike. Targets
(issue 14 item 2): a no-op rebuild within 1.5x the floor; a one-edit rebuild within 1 s at 10,000
prompts and 1.5 s at 50,000. Each figure is the median of `--runs` runs of the real CLI in a
subprocess, so interpreter start-up and imports count, as they do for a user. Every one-edit run
edits a different prompt's text, so each synthesizes one new segment and writes two files.

`--seed` fills the cache with one stock segment per key (one real synthesis, stored under every
key with that key's own key material, so the cache verifies it) instead of synthesizing them all:
a cold build of 50,000 prompts with the embedded engine takes over half an hour of CPU, and the
rebuild figures do not depend on the audio. The cold figure is then rendering only. `--folder`
builds in (and keeps) that folder; a folder holding this library already built skips the cold build.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ["account", "balance", "payment", "card", "number", "press", "option", "please", "wait", "agent", "service", "hours", "thank", "you", "calling", "order", "delivery", "status", "menu", "main", "return", "previous", "repeat"]  # noqa: E501
TARGET_EDIT_S = {10_000: 1.0, 50_000: 1.5}  # issue 14 item 2
TARGET_NOOP_X = 1.5


def make_manifest(path: Path, prompts: int, formats: list[str]) -> None:
    lines = ["version: 1", "libraries:", "  bench:", "    output: out", "    layout: asterisk",
             f"    formats: [{', '.join(formats)}]", "    languages:", "      en-US: {voice: en-us, path: en}",
             "    prompts:"]
    for i in range(prompts):
        words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(6))
        lines.append(f"      group{i % 50:02d}/prompt-{i:05d}: Prompt {i}, {words}.")
    path.write_text("\n".join(lines) + "\n")


CPU: list[float] = []  # CPU seconds (user + sys) of each run of the last timed() call


def timed(cmd: list[str], runs: int = 1, before=None) -> tuple[float, list[float], str]:
    """Median wall seconds of `runs` runs, each wall time, the last stdout; CPU seconds in CPU."""
    times, out = [], ""
    CPU.clear()
    for run in range(runs):
        if before is not None:
            before(run)
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        CPU.append(now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime)
        if proc.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
        out = proc.stdout
    return statistics.median(times), times, out


def seed_cache(manifest_path: Path) -> int:
    """Store one stock segment under every missing key (see the module docstring); returns how many."""
    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest
    from narrate.prepare import prepare_build

    manifest = load_manifest(manifest_path)
    with SegmentCache(manifest_path.parent / ".narrate-cache") as cache:
        pb = prepare_build(manifest, cache)
        if not pb.missing:
            return 0
        first = pb.missing[0]
        provider = pb.providers[first.provider]
        stock = provider.synthesize(dataclasses.replace(first.request, text="Hi."))
        store = cache.store
        for start in range(0, len(pb.missing), 2000):
            with store.transact():  # one SQLite transaction per 2,000 entries
                for seg in pb.missing[start:start + 2000]:
                    cache.put(seg.key, stock, {"provider": provider.name, "voice": seg.request.voice,
                                               "model": seg.request.model, "language": seg.request.language,
                                               "text": seg.request.text, "chars": len(seg.request.text),
                                               "key_head": seg.key_head, "request_id": None, "billed_chars": None})
        for p in pb.providers.values():
            p.close()
        return len(pb.missing)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=10_000)
    ap.add_argument("--formats", default="ulaw,wav")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", action="store_true", help="fill the cache with a stock segment per key (see above)")
    ap.add_argument("--folder", type=Path, default=None, help="build in this folder and keep it")
    ap.add_argument("--name", default="bench.yaml", help="the manifest's file name in --folder")
    args = ap.parse_args()
    narrate = [sys.executable, "-m", "narrate.cli"]
    with tempfile.TemporaryDirectory(prefix="narrate-bench-") as tmp:
        folder = args.folder or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        manifest = folder / args.name
        fresh = manifest.with_suffix(".fresh")
        make_manifest(fresh, args.prompts, args.formats.split(","))
        built = manifest.exists() and (folder / "narrate.lock").exists()
        if not built or manifest.read_text().count("\n") != fresh.read_text().count("\n"):
            fresh.replace(manifest)
            built = False
        else:
            fresh.unlink()
        build = narrate + ["-q", "build", "--json", str(manifest)]
        parse = [sys.executable, "-c", "import sys, yaml; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)",
                 str(manifest)]
        seeded = seed_cache(manifest) if args.seed and not built else 0
        cold, _, out = timed(build)  # a no-op when the folder was built already
        cold_report = json.loads(out)
        # The floor and the no-op alternate run by run, so a noisy machine weighs on both alike.
        floor_times, floor_cpus, noop_times, noop_cpus = [], [], [], []
        for _ in range(args.runs):
            floor_times += timed(parse)[1]
            floor_cpus += CPU
            _, once, out = timed(build)
            noop_times += once
            noop_cpus += CPU
        floor, floor_cpu = statistics.median(floor_times), statistics.median(floor_cpus)
        noop, noop_cpu = statistics.median(noop_times), statistics.median(noop_cpus)
        noop_report = json.loads(out)
        original = manifest.read_text()
        stamp = time.strftime("%H%M%S")
        edited = [original]

        def edit(run: int) -> None:  # one more prompt each run, earlier edits kept: one new segment, two files
            n = (args.prompts // 2 + 97 * run) % args.prompts
            edited[0] = edited[0].replace(f"Prompt {n},", f"Prompt {n} (edit {stamp}-{run}),", 1)
            manifest.write_text(edited[0])

        edit_s, edit_times, out = timed(build, args.runs, before=edit)
        edit_cpu = statistics.median(CPU)
        edit_report = json.loads(out)
        manifest.write_text(original)  # the next build (in --folder) puts the library back
    target = TARGET_EDIT_S.get(args.prompts)
    print(f"prompts: {args.prompts}, formats: {args.formats}, runs: {args.runs} (medians)")
    print(f"floor (parse YAML, C loader, fresh interpreter): {floor * 1000:8.1f} ms  (CPU {floor_cpu * 1000:.0f} ms)")
    if built:
        print("cold build:        skipped (the folder was built already)")
    else:
        how = f"seeded {seeded} segments, rendered only" if args.seed else f"synthesized {cold_report['synthesized']}"
        print(f"cold build:      {cold:8.2f} s   {how}, written {cold_report['outputs_written']}")
    print(f"no-op rebuild:   {noop * 1000:8.1f} ms  synthesized {noop_report['synthesized']}, "
          f"written {noop_report['outputs_written']}  -> {noop / floor:.2f}x floor (target <= {TARGET_NOOP_X}x); "
          f"CPU {noop_cpu * 1000:.0f} ms, {noop_cpu / floor_cpu:.2f}x the floor's")
    print(f"one-edit rebuild:{edit_s * 1000:8.1f} ms  synthesized {edit_report['synthesized']}, "
          f"written {edit_report['outputs_written']}  -> {edit_s / floor:.2f}x floor"
          + (f" (target <= {target:.1f} s)" if target else "")
          + f"; CPU {edit_cpu * 1000:.0f} ms, {edit_cpu / floor_cpu:.2f}x the floor's")
    print(f"runs (s): no-op {' '.join(f'{t:.2f}' for t in noop_times)}; one-edit {' '.join(f'{t:.2f}' for t in edit_times)}")


if __name__ == "__main__":
    main()
