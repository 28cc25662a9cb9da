"""Benchmark: a cold build against the embedded engine's own limit (issue 14 item 1), in one run.

    .venv/bin/python bench/cold_build.py [--prompts 2000] [--rounds 3] [--jobs N] [--baseline DIR]
    .venv/bin/python bench/cold_build.py --profile 200 [--rounds 3] [--baseline DIR]

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
perf_counter.

--profile N runs, in this one process, what a cold build does for each of N prompts, stage by stage
with the build's own functions (the engine from its pristine state, the WAV, the check, the pickles
of the worker call, decode, trim, P.56 level, normalize, resample, pad, encode, the outputs' sha256,
the cache store, the temp files of the outputs) and prints each stage's CPU per prompt and its share:
where a worker's and the parent's CPU go, without the scheduling around them. Each round runs in a
fresh interpreter; with --baseline, the same stages of that checkout's package run in alternate
rounds, and the table gives both (medians). Targets: narrate's CPU <= 1.5x the 1-process floor's; narrate's wall on 2 cores
<= 0.8x the 1-process floor's wall.
"""

from __future__ import annotations

import argparse
import json
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
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="instead: CPU per prompt of each stage of a cold build, in process, over N prompts")
    ap.add_argument("--import-from", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.import_from is not None:  # a profiling child: print its stages as JSON
        sys.path.insert(0, str(args.import_from))
        print(json.dumps(profile(args.profile)))
        return
    if args.profile:
        compare_profiles(args.profile, args.rounds, args.baseline)
        return
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


def compare_profiles(n: int, rounds: int, baseline: Path | None) -> None:
    """Run `profile` in fresh interpreters, alternating with the baseline's, and print the medians."""
    runs: dict[str, list[dict[str, float]]] = {}
    roots = {"this": ROOT, **({"baseline": baseline.resolve()} if baseline is not None else {})}
    for _ in range(rounds):
        for name, root in roots.items():
            out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--profile", str(n),
                                  "--import-from", str(root)], capture_output=True, text=True, check=True)
            runs.setdefault(name, []).append(json.loads(out.stdout.splitlines()[-1]))
    med = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    this = med["this"]
    print(f"CPU per prompt by stage, ms (medians of {rounds} alternating rounds of {n} prompts, in process; "
          f"load average {os.getloadavg()[0]:.1f})")
    print(f"  {'stage':<34} {'this':>8}" + (f" {'baseline':>9}" if "baseline" in med else ""))
    summary = ("total", "x engine", "audio s per prompt")
    for key in [*sorted((k for k in this if k not in summary), key=lambda k: -this[k]), *summary]:
        print(f"  {key:<34} {this[key]:8.3f}" + (f" {med['baseline'][key]:9.3f}" if "baseline" in med else ""))


def profile(n: int) -> dict[str, float]:
    """Each per-prompt stage's CPU (process_time, ms per prompt) over `n` prompts, in process; also
    "total" and "x engine" (the total over the engine's own)."""
    import hashlib
    import pickle

    from narrate.audio import level, resample
    from narrate.audio.decode import decode
    from narrate.audio.encode import encode
    from narrate.audio.formats import OUTPUT_FORMATS
    from narrate.audio.memory import keep_freed_memory
    from narrate.audio.validate import check_audio
    from narrate.cache.store import SegmentCache
    from narrate.package import render
    from narrate.providers.base import AudioFormat, SynthesisResult
    from narrate.providers.espeak import _wav, clean_text, resolve_voice
    from narrate.providers.espeak_worker import Speaker

    keep_freed_memory()  # as in a worker
    speaker, voice = Speaker(), resolve_voice("en-us")
    finish = render.Finish(render._Trim(True, -50.0, 0.0, 0.0), render._Leveling(True, -26.0, -3.0))
    fmt = AudioFormat("wav", "pcm_s16le", 22050)
    spent: dict[str, float] = {}
    audio_s = 0.0

    def stage(name: str, fn, *a, **k):  # type: ignore[no-untyped-def]
        start = time.process_time()
        out = fn(*a, **k)
        spent[name] = spent.get(name, 0.0) + time.process_time() - start
        return out

    with tempfile.TemporaryDirectory(prefix="narrate-profile-") as tmp:
        cache = SegmentCache(Path(tmp) / "cache")
        for i, text in enumerate(texts(n)):
            said = stage("text check (clean_text)", clean_text, text)
            pcm = stage("engine (reset + speak)", speaker.speak, said, voice, 175, 50)
            wav = stage("WAV header", _wav, pcm, 22050)
            stage("check_audio (parent)", check_audio, wav, fmt, text, provider="espeak")
            call = stage("pickle, worker call", pickle.dumps,
                         ("call", render.render_segment, (wav, fmt, [(finish, ("ulaw", "wav"))])), protocol=5)
            stage("unpickle, worker call", pickle.loads, call)
            decoded = stage("decode", decode, wav, fmt)
            audio_s += decoded.duration
            trimmed = stage("trim", level.trim_silence, decoded, threshold_dbov=-50.0, keep_ms=20)
            measured = stage("level (P.56 + peak)", level.measure, trimmed)
            leveled = stage("normalize", level.normalize, trimmed, measured=render._as_kept(measured))
            at_8k = stage("resample 22050 -> 8000", resample.resample, leveled, 8000)
            padded = stage("pad", level.pad, at_8k, 0.0, 0.0)
            ulaw = stage("encode ulaw (G.711 table)", encode, padded, OUTPUT_FORMATS["ulaw"])
            pcm_wav = stage("encode wav", encode, padded, OUTPUT_FORMATS["wav"])
            files = stage("sha256 of the outputs", lambda u=ulaw, w=pcm_wav: [
                render.RenderedFile(name, data, 0.0, hashlib.sha256(data).hexdigest())
                for name, data in (("ulaw", u), ("wav", w))])
            reply = stage("pickle, worker reply", pickle.dumps, [(files, measured)], protocol=5)
            stage("unpickle, worker reply", pickle.loads, reply)
            stage("cache store (entry + diskcache)", cache.put, hashlib.sha256(text.encode()).hexdigest(),
                  SynthesisResult(wav, fmt), {"text": text, "key_head": "{}"})

            def write(i: int = i, files: list = files) -> None:  # type: ignore[type-arg]
                for f in files:
                    with open(Path(tmp) / f"{i}.{f.format}.tmp", "wb") as out:
                        out.write(f.data)

            stage("output temp files", write)
        cache.close()
    total = sum(spent.values())
    out = {name: seconds / n * 1000 for name, seconds in spent.items()}
    return {**out, "total": total / n * 1000, "x engine": total / spent["engine (reset + speak)"],
            "audio s per prompt": audio_s / n}


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
