"""Lexicon matching cost as the lexicon grows: load, first use per language, and applying it to
2,000 prompt-sized texts, for 100 to 10,000 rules.

    .venv/bin/python bench/lexicon.py

Measured on the 2-core dev machine (load ~8): one alternation regex of every term took 4.3 s for
2,000 texts at 10,000 rules (2 ms a text, growing with the rules); the per-word dict lookup
(narrate/text/lexicon_match.py) takes about 0.1 s at any size.
"""

from __future__ import annotations

import random
import string
import time

from narrate.text import Lexicon


def main() -> None:
    rng = random.Random(1)
    for size in (100, 1_000, 10_000):
        terms = {"".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10))): "x y" for _ in range(size)}
        words = [*list(terms)[:50], *["hello", "world", "the", "account", "balance"] * 20]
        texts = [" ".join(rng.choices(words, k=15)) + f" {i}." for i in range(2_000)]
        start = time.perf_counter()
        lexicon = Lexicon.from_mapping(terms, source="bench")
        loaded = time.perf_counter()
        lexicon.apply(texts[0], "en-US")
        first = time.perf_counter()
        for text in texts:
            lexicon.apply(text, "en-US")
        done = time.perf_counter()
        print(f"{size:>6} rules: load {loaded - start:.3f} s, first use {first - loaded:.3f} s, "
              f"2,000 texts {done - first:.3f} s")


if __name__ == "__main__":
    main()
