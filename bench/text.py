"""Benchmark: speakable-text throughput of the Markdown front-end on the real corpus.

    .venv/bin/python bench/text.py [--corpus DIR] [--rounds 5] [--root PATH]

Reads every `*.md` under the corpus (default: ../shared/corpora/articles-rust-book/src beside the
project), then times `markdown_to_speakable` + `speakable_text` over all of them, `rounds` times
after one warm-up round (parsers are built once and cached). Prints source characters per CPU
second of this process (best and median round) and spoken characters produced. `--root` imports `narrate` from another
checkout, to compare before and after a change with the same script.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "articles-rust-book" / "src")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--root", type=Path, default=ROOT, help="folder holding the narrate package to measure")
    args = ap.parse_args()
    sys.path.insert(0, str(args.root))
    from narrate.text.markdown import markdown_to_speakable, speakable_text

    sources = [p.read_text(encoding="utf-8") for p in sorted(args.corpus.glob("*.md"))]
    if not sources:
        sys.exit(f"no *.md files in {args.corpus}")
    chars = sum(map(len, sources))

    def one_round() -> int:
        return sum(len(speakable_text(markdown_to_speakable(s))) for s in sources)

    spoken = one_round()  # warm-up: imports and parser construction
    times = []
    for _ in range(args.rounds):
        start = time.process_time()  # CPU time: the machine may be shared, wall time then says little
        one_round()
        times.append(time.process_time() - start)
    import narrate

    print(f"narrate from {Path(narrate.__file__).parent}")
    print(f"{len(sources)} files, {chars:,} source characters -> {spoken:,} spoken characters")
    print(f"best   {chars / min(times):,.0f} chars/s ({min(times) * 1000:.0f} ms per corpus)")
    print(f"median {chars / statistics.median(times):,.0f} chars/s ({statistics.median(times) * 1000:.0f} ms per corpus)")


if __name__ == "__main__":
    main()
