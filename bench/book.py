"""Benchmark: assembling a long book from cached segments, cold and after a one-sentence edit, side by
side with pydub's in-memory join of the same segments and one MP3 export (wall time and peak RSS).

    .venv/bin/python bench/book.py [--hours 10] [--chapters 40] [--rounds 3] [--no-pydub] [--breakdown] [--root DIR]

Generates Markdown chapters and pre-fills a cache with speech-like audio for every sentence segment
(nothing is synthesized: this measures assembly: decode, trim, level, resample, streaming WAV, MP3 and
AAC encodes, the frame-copy joins, ID3 and MP4 chapters). Each round, interleaved so that the
machine's load falls on all alike, runs in subprocesses:

- narrate cold: `narrate build` with no outputs, no lock and no kept per-chapter encodes (chapter
  MP3s, the book MP3 and the M4B);
- pydub: the same segments and pauses decoded and joined with `+` in memory, then one MP3 export at
  the profile's bitrate and rate (what a user's script does; `pip install narrate[bench]`);
- narrate one-edit: one sentence of one chapter edited (its segment pre-cached), `narrate build`.

Peak RSS is the largest sum over the process tree (narrate or pydub and their ffmpeg children),
sampled from /proc every 50 ms, and the largest single process from wait4. Medians are printed with
the ratios (targets: one-edit <= 5% of cold; narrate cold <= pydub; RSS <= 100 MB). `--breakdown`
adds one in-process cold assembly timing where its busy time goes (summed over threads).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from narrate.audio.encode import wav_bytes
from narrate.audio.pcm import Pcm
from narrate.cache import SegmentCache
from narrate.manifest import load_manifest
from narrate.plan.books import plan_books
from narrate.prepare import load_lexicon, make_providers
from narrate.providers.base import AudioFormat, SynthesisResult

RATE = 22050
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "patient", "readers", "listen", "to", "every", "chapter", "of", "this", "long", "synthetic", "book", "about", "ownership", "borrowing", "lifetimes", "and", "careful", "memory"]  # noqa: E501
def speechlike(seconds: float, seed: int) -> Pcm:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    tone = np.sin(2 * np.pi * (120 + seed % 80) * t) + 0.3 * rng.standard_normal(len(t))
    return Pcm((0.2 * syllables * tone * 32767).clip(-32768, 32767).astype(np.int16), RATE)


def fill(cache_dir: Path, segments, seconds: float) -> None:
    cache = SegmentCache(cache_dir)
    for i, (key, seg) in enumerate(segments.items()):
        if key not in cache:
            audio = wav_bytes(speechlike(seconds, i))
            # With its key material: the cache verifies every entry it reads against its key.
            cache.put(key, SynthesisResult(audio, AudioFormat("wav", "pcm_s16le", RATE)),
                      {"text": seg.request.text, "key_head": seg.key_head})
    cache.close()


def tree_rss_kb(root_pid: int) -> int:
    """Resident set of a process and all its descendants, in kB (Linux /proc). A child with the parent's
    command line shares the parent's pages: one caught between fork and exec (Python's subprocess
    vforks), or the child a build forks to read its chapters (narrate.plan.apart). It counts with its
    private pages only, not the parent's whole resident set a second time."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields["PPid"]), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root_pid]
    root_cmd = _cmdline(root_pid)
    while todo:
        pid = todo.pop()
        if pid == root_pid or _cmdline(pid) != root_cmd:
            total += rss.get(pid, 0)
        else:
            total += _private_kb(pid)
        todo += children.get(pid, [])
    return total


def _private_kb(pid: int) -> int:
    """A process's pages no other process maps (Private_Clean + Private_Dirty), in kB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            return sum(int(line.split()[1]) for line in fh if line.startswith(("Private_Clean:", "Private_Dirty:")))
    except (OSError, ValueError, IndexError):
        return 0


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def plan(root: Path):
    manifest = load_manifest(root / "book.yaml")
    providers, _ = make_providers(manifest)
    (job,) = plan_books(manifest, providers, load_lexicon(manifest))
    return job


def measured(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """Run `cmd`; (wall s, peak RSS of the whole tree MB, peak RSS of one process MB). Exits if it fails."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.wait(0.05):
            peak_tree = max(peak_tree, tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    if status != 0:
        sys.exit(f"{cmd[2:5]} failed: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
    return wall, peak_tree / 1024, usage.ru_maxrss / 1024


def pydub_worker(root: Path) -> None:
    """The pydub baseline: every segment and pause joined in memory with `+`, one MP3 export."""
    import imageio_ffmpeg
    from pydub import AudioSegment

    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    job = plan(root)
    profile = job.book.profile
    cache = SegmentCache(root / ".narrate-cache")
    book = AudioSegment.silent(duration=profile.head_s * 1000, frame_rate=RATE)
    for chapter in job.chapters:
        for n, (key, pause) in enumerate(chapter.units):
            entry = cache.get(key)
            assert entry is not None
            book += AudioSegment.from_wav(io.BytesIO(entry.audio))
            book += AudioSegment.silent(duration=pause if n < len(chapter.units) - 1 else chapter.after_ms,
                                        frame_rate=RATE)
    book.export(str(root / "pydub.mp3"), format="mp3", bitrate=f"{profile.bitrate_kbps}k",
                parameters=["-ar", str(profile.sample_rate), "-ac", "1"])
    cache.close()


def breakdown(root: Path) -> dict[str, float]:
    """Busy seconds per step of one in-process cold assembly (threads summed)."""
    import narrate.package.assemble as A
    from narrate.package import book_units, pieces

    busy: dict[str, float] = {}
    lock = threading.Lock()

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        def run(*args, **kwargs):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                with lock:
                    busy[name] = busy.get(name, 0.0) + time.perf_counter() - t0
        return run

    for attr, name in (("decode", "decode"), ("trim_silence", "trim"), ("level_normalize", "level (P.56 per sentence)"),
                       ("resample", "resample")):
        setattr(book_units, attr, timed(name, getattr(book_units, attr)))
    for attr, name in (("speech_gain", "file gain (ffmpeg pass)"),
                       ("encode_speech", "encode MP3 piece + AAC part"), ("encode_silence", "encode silences"),
                       ("join_chapter_mp3", "join chapter files"), ("join_book_mp3", "join book MP3"),
                       ("join_m4b", "join M4B")):
        setattr(A, attr, timed(name, getattr(A, attr)))
    write = A.WavStreamWriter.write
    A.WavStreamWriter.write = timed("write WAV", write)  # type: ignore[method-assign]
    clean(root)
    cache = SegmentCache(root / ".narrate-cache")
    t0 = time.perf_counter()
    A.build_book(plan(root), cache, root)
    busy["wall"] = time.perf_counter() - t0
    cache.close()
    A.WavStreamWriter.write = write  # type: ignore[method-assign]
    del pieces
    return busy


def clean(root: Path) -> None:
    """No outputs, no lock, no kept per-chapter encodes: the next build is cold."""
    shutil.rmtree(root / "out", ignore_errors=True)
    shutil.rmtree(root / ".narrate-cache" / "book-pieces", ignore_errors=True)
    (root / "narrate.lock").unlink(missing_ok=True)
    shutil.rmtree(root / ".narrate-cache" / "state", ignore_errors=True)  # the no-op fast path's record


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=10.0)
    ap.add_argument("--chapters", type=int, default=40)
    ap.add_argument("--sentence-seconds", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-pydub", action="store_true")
    ap.add_argument("--breakdown", action="store_true")
    ap.add_argument("--root", type=Path, help="build the book in this folder and keep it (its cache is reused)")
    ap.add_argument("--pydub-worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pydub_worker:
        pydub_worker(args.pydub_worker)
        return
    if args.root:
        args.root.mkdir(parents=True, exist_ok=True)
        run(args, args.root.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="narrate-book-bench-") as tmp:
            run(args, Path(tmp))


def run(args: argparse.Namespace, root: Path) -> None:
    # Each sentence is followed by a pause (150 ms, or 500 ms at a paragraph's end): about 3.3 s per unit.
    sentences = int(args.hours * 3600 / (args.sentence_seconds + 0.3))
    per_chapter = max(1, sentences // args.chapters)
    shutil.rmtree(root / "ch", ignore_errors=True)
    (root / "ch").mkdir()
    n = 0
    for c in range(args.chapters):
        lines = [f"# Chapter {c + 1}", ""]
        for s in range(per_chapter):
            words = " ".join(WORDS[(n * 7 + k) % len(WORDS)] for k in range(9))
            lines.append(f"Sentence {n} says {words}." + ("\n" if s % 5 == 4 else ""))
            n += 1
        (root / "ch" / f"{c + 1:03d}.md").write_text("\n".join(lines) + "\n")
    (root / "book.yaml").write_text(
        "version: 1\nbooks:\n  long:\n    title: A Long Book\n    author: Bench\n    sources: ch/*.md\n"
        "    formats: [chapters, mp3, m4b]\n    output: out\n")
    job = plan(root)
    t0 = time.perf_counter()
    fill(root / ".narrate-cache", job.segments, args.sentence_seconds)
    print(f"book: {args.chapters} chapters, {len(job.segments)} cached segments "
          f"(~{len(job.segments) * (args.sentence_seconds + 0.3) / 3600:.1f} h), cache filled in "
          f"{time.perf_counter() - t0:.0f} s; profile {job.book.profile.name}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    build = [sys.executable, "-m", "narrate.cli", "-q", "build", str(root / "book.yaml")]
    runs: dict[str, list[tuple[float, float, float]]] = {"cold": [], "pydub": [], "edit": []}
    for r in range(args.rounds):
        order = ["cold", "pydub"] if r % 2 == 0 else ["pydub", "cold"]
        for what in order:
            if what == "pydub" and args.no_pydub:
                continue
            if what == "cold":
                clean(root)
                runs["cold"].append(measured(build))
            else:
                runs["pydub"].append(measured([sys.executable, __file__, "--pydub-worker", str(root)]))
            print(f"  round {r + 1}: {what} {runs[what][-1][0]:.1f} s, {runs[what][-1][1]:.0f} MB", flush=True)
        if not (root / "narrate.lock").exists():
            runs["cold"].append(measured(build))
        chapter = root / "ch" / f"{(args.chapters // 2 + r) % args.chapters + 1:03d}.md"
        text = chapter.read_text()
        first = text.index("Sentence ")
        chapter.write_text(text[:first] + f"An edited sentence number {r}. " + text[first:])
        fill(root / ".narrate-cache", plan(root).segments, args.sentence_seconds)
        before = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in (root / "out").iterdir()}
        runs["edit"].append(measured(build))
        written = sorted(p.name for p in (root / "out").iterdir()
                         if before.get(p.name) != (p.stat().st_mtime_ns, p.stat().st_ino))
        print(f"  round {r + 1}: one-sentence edit {runs['edit'][-1][0]:.1f} s, {runs['edit'][-1][1]:.0f} MB "
              f"(rewrote {', '.join(written)})", flush=True)
    lock = json.loads((root / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["long"]
    hours = sum(lock["samples"]) / lock["rate"] / 3600
    if args.breakdown:
        busy = breakdown(root)
    med = {k: (statistics.median(x[0] for x in v), max(x[1] for x in v), max(x[2] for x in v))
           for k, v in runs.items() if v}
    print(f"\n{hours:.2f} h of audio, medians of {args.rounds} interleaved round(s):")
    print(f"{'':28s}{'wall s':>9s}{'tree MB':>9s}{'one proc MB':>13s}")
    for k, label in (("cold", "narrate cold (ch+mp3+m4b)"), ("pydub", "pydub join + 1 MP3 export"),
                     ("edit", "narrate one-sentence edit")):
        if k in med:
            print(f"{label:28s}{med[k][0]:9.1f}{med[k][1]:9.0f}{med[k][2]:13.0f}")
    print(f"one-edit / cold: {med['edit'][0] / med['cold'][0]:.1%} (target <= 5%)")
    if "pydub" in med:
        print(f"narrate cold / pydub: {med['cold'][0] / med['pydub'][0]:.2f} (target <= 1.00); "
              f"narrate peak {med['cold'][1]:.0f} MB (target <= 100) vs pydub {med['pydub'][1]:.0f} MB")
    if args.breakdown:
        print("where a cold assembly's time goes (busy seconds, threads summed):")
        for name, seconds in sorted(busy.items(), key=lambda kv: -kv[1]):
            print(f"  {name:34s}{seconds:8.1f}")


if __name__ == "__main__":
    main()
