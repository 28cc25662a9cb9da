"""Benchmark: assembling a long book from cached segments (wall time and peak RSS).

    .venv/bin/python bench/book.py [--hours 10] [--chapters 40]

Generates Markdown chapters, pre-fills a cache with speech-like audio for every sentence segment
(so nothing is synthesized: this measures assembly, i.e. decode, level, streaming WAV, MP3 and
M4B encoding, ID3 and MP4 chapters), then runs `narrate build` in a subprocess. Peak RSS is the
largest resident set of that process or any child it waited for (ffmpeg). Target: <= 300 MB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from narrate.audio.encode import wav_bytes
from narrate.audio.pcm import Pcm
from narrate.build import load_lexicon, make_providers
from narrate.books import plan_books
from narrate.cache import SegmentCache
from narrate.manifest import load_manifest
from narrate.providers.base import AudioFormat, SynthesisResult

RATE = 22050
WORDS = ("the quick brown fox jumps over a lazy dog while patient readers listen to every chapter of "
         "this long synthetic book about ownership borrowing lifetimes and careful memory").split()


def speechlike(seconds: float, seed: int) -> Pcm:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    tone = np.sin(2 * np.pi * (120 + seed % 80) * t) + 0.3 * rng.standard_normal(len(t))
    return Pcm((0.2 * syllables * tone * 32767).clip(-32768, 32767).astype(np.int16), RATE)


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
        manifest = load_manifest(root / "book.yaml")
        providers, _ = make_providers(manifest)
        (job,) = plan_books(manifest, providers, load_lexicon(manifest))
        cache = SegmentCache(root / ".narrate-cache")
        t0 = time.perf_counter()
        for i, key in enumerate(job.segments):
            audio = wav_bytes(speechlike(args.sentence_seconds, i))
            cache.put(key, SynthesisResult(audio, AudioFormat("wav", "pcm_s16le", RATE)), {"text": "bench"})
        cache.close()
        fill = time.perf_counter() - t0
        print(f"book: {args.chapters} chapters, {len(job.segments)} cached segments "
              f"(~{len(job.segments) * (args.sentence_seconds + 0.3) / 3600:.1f} h), cache filled in {fill:.0f} s")
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "narrate.cli", "-q", "build", "--json", str(root / "book.yaml")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if status != 0:
            sys.exit(f"build failed: {proc.stderr.read().decode()[-2000:]}")
        sizes = {p.name: p.stat().st_size for p in (root / "out").iterdir() if p.suffix in (".mp3", ".m4b")}
    print(f"assembly wall time: {wall:.1f} s ({args.hours * 3600 / wall:.0f}x real time)")
    print(f"peak RSS (narrate or any ffmpeg it ran): {usage.ru_maxrss / 1024:.0f} MB (target <= 300 MB)")
    print(f"outputs: {len(sizes)} files, book m4b {sizes.get('long.m4b', 0) / 1e6:.0f} MB, "
          f"book mp3 {sizes.get('long.mp3', 0) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
