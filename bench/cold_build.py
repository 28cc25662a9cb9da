"""Benchmark: a cold build against the embedded engine's own limit (issue 14 item 1), in one run.

    .venv/bin/python bench/cold_build.py [--prompts 2000] [--rounds 3] [--jobs N] [--baseline DIR]

Four contenders, interleaved round by round (so a noisy machine hurts them alike), each the median
of --rounds runs, each in its own fresh interpreter so start-up and imports count:

- engine floor, 1 process: eSpeak NG alone speaks every text (in-process, no reset, no files);
- engine floor, all cores: the texts split over one such process per core;
- narrate: `narrate build` of the same texts, cold (empty cache, no outputs), formats ulaw + wav;
- narrate (baseline), with --baseline DIR: the same build by the `narrate` package found in DIR
  (e.g. `git archive main narrate | tar -x -C DIR`), to measure a change before and after in one run;
- hand loop: what a user writes: the engine to a WAV file, then one ffmpeg process per file
  (resample to 8 kHz mu-law WAV and 16-bit WAV).

CPU is user + system time of the process and all its children (os.wait4 rusage); wall is
perf_counter. Targets: narrate's CPU <= 1.5x the 1-process floor's; narrate's wall on 2 cores
<= 0.8x the 1-process floor's wall.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from noop_rebuild import WORDS  # noqa: E402


def texts(n: int) -> list[str]:
    return [f"Prompt {i}, " + " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(6)) + "." for i in range(n)]


def make_manifest(path: Path, lines: list[str]) -> None:
    out = ["version: 1", "libraries:", "  bench:", "    output: out", "    layout: asterisk",
           "    formats: [ulaw, wav]", "    languages:", "      en-US: {voice: en-us, path: en}", "    prompts:"]
    out += [f"      p{i:05d}: {text}" for i, text in enumerate(lines)]
    path.write_text("\n".join(out) + "\n")


ENGINE = """
import sys
from narrate.providers.espeak import _Engine, resolve_voice
engine = _Engine.get()
voice = resolve_voice("en-us")
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
part, parts = int(sys.argv[2]), int(sys.argv[3])
for text in lines[part::parts]:
    engine.synthesize_here(text, voice, 175, 50)
"""

HAND_LOOP = """
import subprocess, sys, wave
from pathlib import Path
import imageio_ffmpeg
from narrate.providers.espeak import _Engine, resolve_voice
ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
engine = _Engine.get()
voice = resolve_voice("en-us")
out = Path(sys.argv[2])
for i, text in enumerate(open(sys.argv[1], encoding="utf-8").read().splitlines()):
    src = out / f"{i}.src.wav"
    with wave.open(str(src), "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(22050)
        w.writeframes(engine.synthesize_here(text, voice, 175, 50))
    subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(src), "-ar", "8000", "-c:a", "pcm_mulaw",
                    str(out / f"{i}.ulaw.wav"), "-ar", "8000", "-c:a", "pcm_s16le", str(out / f"{i}.wav")],
                   check=True)
"""


def run(cmds: list[list[str]], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run commands at once; (wall s, CPU s of them and their children)."""
    start = time.perf_counter()
    procs = [subprocess.Popen(c, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in cmds]
    cpu = 0.0
    for p in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        cpu += usage.ru_utime + usage.ru_stime
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(p.args)}\n{p.stderr.read().decode()[-2000:] if p.stderr else ''}")
    return time.perf_counter() - start, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-hand-loop", action="store_true", help="the hand loop is slow: leave it out")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="a folder holding another `narrate` package: its cold build runs too, for before/after")
    args = ap.parse_args()
    py = sys.executable
    env_note = f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start"
    results: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="narrate-cold-") as tmp:
        work = Path(tmp)
        lines = texts(args.prompts)
        (work / "texts.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        make_manifest(work / "bench.yaml", lines)
        for r in range(args.rounds):
            contenders = {
                "engine floor, 1 process": lambda: run([[py, "-c", ENGINE, str(work / "texts.txt"), "0", "1"]]),
                f"engine floor, {args.jobs} processes": lambda: run(
                    [[py, "-c", ENGINE, str(work / "texts.txt"), str(k), str(args.jobs)] for k in range(args.jobs)]),
                f"narrate build -j {args.jobs} (cold)": lambda: _narrate(work, py, args.jobs),
            }
            if args.baseline is not None:
                contenders[f"narrate build -j {args.jobs} (baseline)"] = lambda: _narrate(
                    work, py, args.jobs, pythonpath=args.baseline.resolve())
            if not args.skip_hand_loop:
                contenders["hand loop (engine + ffmpeg per file)"] = lambda: _hand(work, py)
            for name, fn in contenders.items():
                results.setdefault(name, []).append(fn())
                wall, cpu = results[name][-1]
                print(f"round {r + 1}: {name}: wall {wall:.2f} s, CPU {cpu:.2f} s", file=sys.stderr, flush=True)
    print(f"\ncold build of {args.prompts} prompts (ulaw + wav), medians of {args.rounds} interleaved rounds; "
          f"{env_note}")
    medians = {n: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for n, v in results.items()}
    for name, (wall, cpu) in medians.items():
        print(f"  {name:<42} wall {wall:7.2f} s   CPU {cpu:7.2f} s")
    floor_wall, floor_cpu = medians["engine floor, 1 process"]
    nwall, ncpu = medians[f"narrate build -j {args.jobs} (cold)"]
    print(f"  narrate CPU / 1-process floor CPU:  {ncpu / floor_cpu:.2f}x  (target <= 1.5x)")
    print(f"  narrate wall / 1-process floor wall: {nwall / floor_wall:.2f}x  (target <= 0.8x on 2 cores)")
    if args.baseline is not None:
        bwall, bcpu = medians[f"narrate build -j {args.jobs} (baseline)"]
        print(f"  baseline CPU / floor: {bcpu / floor_cpu:.2f}x, wall / floor: {bwall / floor_wall:.2f}x")


def _narrate(work: Path, py: str, jobs: int, pythonpath: Path | None = None) -> tuple[float, float]:
    for leftover in ("out", ".narrate-cache", "cache", "narrate.lock"):
        path = work / leftover
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else None
    return run([[py, "-m", "narrate.cli", "-q", "build", "-j", str(jobs), "--cache-dir", str(work / "cache"),
                 str(work / "bench.yaml")]], cwd=work, env=env)


def _hand(work: Path, py: str) -> tuple[float, float]:
    out = work / "hand"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    return run([[py, "-c", HAND_LOOP, str(work / "texts.txt"), str(out)]])


if __name__ == "__main__":
    main()
