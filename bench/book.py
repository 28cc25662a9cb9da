"""Benchmark: assembling a long book from cached segments (wall time and peak RSS).

    .venv/bin/python bench/book.py [--hours 10] [--chapters 40]

Generates Markdown chapters, pre-fills a cache with speech-like audio for every sentence segment
(so nothing is synthesized: this measures assembly, i.e. decode, level, streaming WAV, MP3 and
M4B encoding, ID3 and MP4 chapters), then runs `narrate build` in a subprocess. Two memory
figures: the largest resident set of that process or any single child it waited for (ffmpeg),
from wait4's rusage; and, since encodes run side by side, the largest sum over the whole process
tree, sampled from /proc every 50 ms. Target: <= 300 MB.

Then one sentence of one chapter is edited (its segment pre-cached too) and the book is rebuilt
in this process with the last build's lock entry, as `narrate build` does: the figure is the cost
of an edit (one chapter MP3, the book MP3 and the M4B re-encoded; the other chapters kept).
"""

from __future__ import annotations

import argparse
import json
import os
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
from narrate.package.assemble import build_book
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
    """Resident set of a process and all its descendants, in kB (Linux /proc)."""
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
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def plan(root: Path):
    manifest = load_manifest(root / "book.yaml")
    providers, _ = make_providers(manifest)
    (job,) = plan_books(manifest, providers, load_lexicon(manifest))
    return job


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=10.0)
    ap.add_argument("--chapters", type=int, default=40)
    ap.add_argument("--sentence-seconds", type=float, default=3.0)
    args = ap.parse_args()
    # Each sentence is followed by a pause (150 ms, or 500 ms at a paragraph's end): about 3.3 s per unit.
    sentences = int(args.hours * 3600 / (args.sentence_seconds + 0.3))
    per_chapter = max(1, sentences // args.chapters)
    with tempfile.TemporaryDirectory(prefix="narrate-book-bench-") as tmp:
        root = Path(tmp)
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
        fill_s = time.perf_counter() - t0
        print(f"book: {args.chapters} chapters, {len(job.segments)} cached segments "
              f"(~{len(job.segments) * (args.sentence_seconds + 0.3) / 3600:.1f} h), cache filled in {fill_s:.0f} s")
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "narrate.cli", "-q", "build", "--json", str(root / "book.yaml")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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
            sys.exit(f"build failed: {proc.stderr.read().decode()[-2000:]}")
        sizes = {p.name: p.stat().st_size for p in (root / "out").iterdir() if p.suffix in (".mp3", ".m4b")}
        print(f"assembly wall time: {wall:.1f} s ({args.hours * 3600 / wall:.0f}x real time)")
        print(f"peak RSS (narrate or any one ffmpeg it ran): {usage.ru_maxrss / 1024:.0f} MB; "
              f"whole process tree at once: {peak_tree / 1024:.0f} MB (target <= 300 MB)")
        print(f"outputs: {len(sizes)} files, book m4b {sizes.get('long.m4b', 0) / 1e6:.0f} MB, "
              f"book mp3 {sizes.get('long.mp3', 0) / 1e6:.0f} MB")

        # One sentence edited in the middle chapter: only its segment is new.
        previous = json.loads((root / "narrate.lock").read_text())["manifests"]["book.yaml"]["books"]["long"]
        chapter = root / "ch" / f"{args.chapters // 2 + 1:03d}.md"
        text = chapter.read_text()
        first = text.index("Sentence ")
        chapter.write_text(text[:first] + "An edited sentence. " + text[first:])
        job = plan(root)
        fill(root / ".narrate-cache", job.segments, args.sentence_seconds)
        cache = SegmentCache(root / ".narrate-cache")
        t0 = time.perf_counter()
        _, written = build_book(job, cache, root, previous=previous)
        edit = time.perf_counter() - t0
        cache.close()
    print(f"one-sentence edit rebuild: {edit:.1f} s, {len(written)} files written "
          f"({', '.join(sorted(Path(w).name for w in written))})")


if __name__ == "__main__":
    main()
