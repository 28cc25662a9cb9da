"""Time load + validation of a generated 10,000-prompt manifest in two languages.

Usage: python bench/manifest_load.py [prompts]. Prints the best of 7 runs (seconds, wall and CPU) of
`load_manifest` (read, parse, validate, resolve), the part of every no-op rebuild that reads input.
Run it with PYTHONPATH pointing at another checkout's narrate/ to compare versions.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from narrate.manifest import load_manifest


def write_manifest(folder: Path, prompts: int) -> Path:
    lines = ["version: 1", "libraries:", "  ivr:", "    output: out/ivr", "    formats: [ulaw, wav]",
             "    languages:", "      en-US: {voice: en-us, path: en}", "      es-US: {voice: es-419, path: es}",
             "    prompts:"]
    for i in range(prompts):
        if i % 10 == 0:  # a tenth of the prompts carry their own settings
            lines += [f"      menu/item-{i}:", "        speed: 1.1",
                      f"        en-US: Press {i % 10} for option number {i}.",
                      f"        es-US: {{text: Oprima {i % 10} para la opción {i}., speed: 0.9}}"]
        else:
            lines += [f"      menu/item-{i}:", f"        en-US: Press {i % 10} for option number {i}.",
                      f"        es-US: Oprima {i % 10} para la opción número {i}."]
    path = folder / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    prompts = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        path = write_manifest(Path(tmp), prompts)
        times, cpu = [], []
        for _ in range(7):
            start, start_cpu = time.perf_counter(), time.process_time()
            manifest = load_manifest(path)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        count = sum(len(lib.prompts) for lib in manifest.libraries)
        print(f"{prompts:,} prompts x 2 languages ({path.stat().st_size / 1e6:.2f} MB, {count:,} texts): "
              f"load_manifest best {min(times):.3f} s wall, {min(cpu):.3f} s CPU (median {sorted(times)[3]:.3f} s wall)")


if __name__ == "__main__":
    main()
