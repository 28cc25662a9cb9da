"""Benchmark: in-process audio work per 3-second prompt (22050 Hz source, as espeak produces).

    .venv/bin/python bench/encode.py [--runs 200]

Prints the median milliseconds for the headline figure (mu-law WAV: soxr 22050 -> 8000 + G.711 +
RIFF header) and for the other steps a prompt goes through, plus one ffmpeg process for contrast.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from narrate.audio.decode import decode  # noqa: E402
from narrate.audio.encode import encode, wav_bytes  # noqa: E402
from narrate.audio.formats import OUTPUT_FORMATS  # noqa: E402
from narrate.audio.level import active_level_dbov, normalize, trim_silence  # noqa: E402
from narrate.audio.pcm import Pcm  # noqa: E402
from narrate.providers.base import AudioFormat  # noqa: E402


def prompt(rate: int = 22050, seconds: float = 3.0) -> Pcm:
    t = np.arange(int(rate * seconds)) / rate
    phase = 2 * np.pi * np.cumsum(140 + 25 * np.sin(2 * np.pi * 0.5 * t)) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 20))
    noise = np.random.default_rng(0).normal(0, 0.2, len(t))
    env = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None)
    return Pcm(np.round(4000 * (voice + noise) * env).astype(np.int16), rate)


def median_ms(fn, runs: int) -> float:
    fn()  # warm up (imports, soxr plans)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    pcm = prompt()
    wav = wav_bytes(pcm)
    rows = [
        ("mu-law WAV encode (resample 22050->8000 + G.711 + header)", lambda: encode(pcm, OUTPUT_FORMATS["mulaw-wav"])),
        ("raw .ulaw encode", lambda: encode(pcm, OUTPUT_FORMATS["ulaw"])),
        ("16 kHz .wav16 encode", lambda: encode(pcm, OUTPUT_FORMATS["wav16"])),
        ("48 kHz wav48 encode", lambda: encode(pcm, OUTPUT_FORMATS["wav48"])),
        ("G.722 encode (resample 22050->16000 + libg722)", lambda: encode(pcm, OUTPUT_FORMATS["g722"])),
        ("GSM 06.10 encode (resample ->8000 + libsndfile)", lambda: encode(pcm, OUTPUT_FORMATS["gsm"])),
        ("MP3 encode (resample ->24000 + LAME 48 kbit/s)", lambda: encode(pcm, OUTPUT_FORMATS["mp3"])),
        ("Opus/Ogg encode (resample ->48000 + libopus)", lambda: encode(pcm, OUTPUT_FORMATS["opus"])),
        ("decode 22050 Hz WAV", lambda: decode(wav, AudioFormat("wav", "pcm_s16le", 22050))),
        ("active level (P.56)", lambda: active_level_dbov(pcm)),
        ("normalize to -26 dBov", lambda: normalize(pcm)),
        ("trim silence", lambda: trim_silence(pcm)),
    ]
    print(f"3-second prompt at 22050 Hz, median of {args.runs} runs")
    for label, fn in rows:
        print(f"  {median_ms(fn, args.runs):8.3f} ms  {label}")
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "wav", "-i", "pipe:0", "-ar", "8000",
           "-ac", "1", "-c:a", "pcm_mulaw", "-f", "wav", "pipe:1"]
    ff = median_ms(lambda: subprocess.run(cmd, input=wav, capture_output=True, check=True), min(args.runs, 20))
    print(f"  {ff:8.3f} ms  for contrast: one ffmpeg process doing the mu-law WAV encode")


if __name__ == "__main__":
    main()
