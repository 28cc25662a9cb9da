"""Piper inside a worker process: one voice model loaded per process, one fork per segment.

Runs where `piper.py` sends it, in a worker of its own pool (`python -m narrate.providers.espeak_worker`,
which serves `call` requests and never starts eSpeak NG unless asked to speak), never in a threaded
parent. Imports piper-tts and onnxruntime (the `piper` extra) on first use.

One key, one audio (DESIGN.md invariant 10). A Piper model draws random noise in its graph
(onnxruntime's RandomNormalLike; the voice config's noise_scale and noise_w scale it), from a
generator each kernel seeds when the session is made and advances on every run. Measured with
piper-tts 1.8.0 and onnxruntime 1.32: the same text twice in one session gave different bytes, with
or without `onnxruntime.set_seed` before each run. So the seed is fixed (SEED) before the session is
made, the session is never run in the worker itself, and each segment is spoken by a child forked from
it: every segment starts from the same generator state, in any worker and any order (tested). Across
machines the wheels are named in the contract version, but onnxruntime picks its float kernels by
the CPU's instruction set, so two kinds of CPU may differ in the last bits; a shared cache keeps the
audio of whichever synthesized the segment first (pay once). Where `os.fork` does not exist the worker
speaks in place and is retired after the segment (espeak_fork.FreshProcessNeeded), as eSpeak's do.

Sessions use one thread (intra- and inter-op): the pool already runs one worker per core, and a
thread count is part of what decides the float sums, hence the bytes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import unicodedata
from pathlib import Path
from typing import Any

from ..errors import ProviderError

SEED = 1  # onnxruntime.set_seed before each session: part of the contract version (piper.py)
SENTENCE_SILENCE_S = 0.2  # between the sentences of one segment (Piper speaks each alone, unpadded)
_loaded: tuple[tuple[str, str], Any] | None = None  # ((model sha256, config sha256), piper.PiperVoice)


def _session_voice(model: str, config: str, digests: tuple[str, str]) -> Any:
    """The PiperVoice for these files, loaded once per process (a different model replaces it).
    Raises ProviderError if the files changed since they were hashed into the keys, or do not load."""
    global _loaded
    if _loaded is not None and _loaded[0] == digests:
        return _loaded[1]
    _loaded = None  # free the old model before loading the next
    model_bytes = Path(model).read_bytes()
    config_bytes = Path(config).read_bytes()
    if (hashlib.sha256(model_bytes).hexdigest(), hashlib.sha256(config_bytes).hexdigest()) != digests:
        raise ProviderError(f"Piper model {Path(model).name} changed during the build (its digest is in the keys)",
                            provider="piper", hint="run the build again")
    import json

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: warnings would go to the worker's stderr
    onnxruntime.set_seed(SEED)
    try:
        session = onnxruntime.InferenceSession(model_bytes, sess_options=options, providers=["CPUExecutionProvider"])
        voice = PiperVoice(session=session, config=PiperConfig.from_dict(json.loads(config_bytes)))
    except Exception as exc:  # onnxruntime raises its own exception types for a bad graph
        raise ProviderError(f"Piper could not load {Path(model).name}: {type(exc).__name__}: {str(exc)[:200]}",
                            provider="piper") from None
    _loaded = (digests, voice)
    return voice


def phoneme_text(text: str, lexicon: tuple[tuple[str, str, str], ...], phoneme_map: dict[str, Any],
                 reads_phonemes: bool) -> str:
    """The text Piper reads: "[[" in the text defused (Piper would read what follows as phonemes),
    then each lexicon term (as written in `text`, whole words) replaced by its IPA form as a Piper
    phoneme block `[[ form ]]`, for voices that read eSpeak phonemes (`reads_phonemes`); other voices
    say the term as written. Raises ProviderError for a symbol the voice has no phoneme for (Piper
    would drop it silently)."""
    text = text.replace("[[", "[ [").replace("]]", "] ]")
    entries = [(term, form) for term, alphabet, form in lexicon if alphabet == "ipa"]
    if not entries or not reads_phonemes:
        return text
    forms = {term: _phonemes(term, form, phoneme_map) for term, form in entries}
    body = "|".join(re.escape(t) for t in sorted(forms, key=len, reverse=True))
    # Whole words as narrate.text.lexicon matches them: no word character (or dot-joined word) around.
    pattern = re.compile(r"(?<![\w.])(?:" + body + r")(?![\w]|\.\w)")
    return pattern.sub(lambda m: f"[[ {forms[m.group(0)]} ]]", text)


def _phonemes(term: str, form: str, phoneme_map: dict[str, Any]) -> str:
    """`form` as symbols of the voice's phoneme map: a symbol it lacks is tried decomposed (NFD)."""
    out = []
    for ch in form.strip():
        if ch in phoneme_map or ch.isspace():
            out.append(" " if ch.isspace() else ch)
            continue
        parts = unicodedata.normalize("NFD", ch)
        if len(parts) > 1 and all(p in phoneme_map for p in parts):
            out.append(parts)
            continue
        raise ProviderError(f"the Piper voice has no phoneme {ch!r} (U+{ord(ch):04X}) in the IPA form {form!r} "
                            f"of the lexicon term {term!r}", provider="piper",
                            hint="write the form with the symbols eSpeak NG uses (its phoneme_id_map lists them)")
    return "".join(out)


def _pcm(voice: Any, text: str, speaker: int | None, length_scale: float | None) -> bytes:
    """16-bit mono PCM at the voice's rate; sentences joined with SENTENCE_SILENCE_S of silence."""
    import numpy as np
    from piper.config import SynthesisConfig

    # normalize_audio=False: Piper would scale each sentence to full scale on its own; narrate levels the prompt.
    syn = SynthesisConfig(speaker_id=speaker, length_scale=length_scale, normalize_audio=False)
    gap = np.zeros(int(voice.config.sample_rate * SENTENCE_SILENCE_S), dtype=np.int16)
    parts: list[Any] = []
    for chunk in voice.synthesize(text, syn):
        if parts:
            parts.append(gap)
        parts.append(chunk.audio_int16_array)
    return b"".join(p.tobytes() for p in parts)


def _in_child(voice: Any, args: tuple[str, int | None, float | None], out: int) -> None:
    """In the forked child: speak once, write a 0 byte and the PCM (or a 1 byte and an error message) to
    `out`, never return."""
    code = 0
    try:
        try:
            reply = b"\0" + _pcm(voice, *args)
        except Exception as exc:  # piper or onnxruntime refused this text: say why, in one line
            reply = b"\1" + f"{type(exc).__name__}: {exc}"[:300].encode(errors="replace")
        view = memoryview(reply)
        while view:
            view = view[os.write(out, view):]
    except BaseException:  # anything at all (a closed pipe): the exit code says it, never return
        code = 1
    finally:
        os._exit(code)


def speak(model: str, config: str, digests: tuple[str, str], text: str, speaker: int | None,
          length_scale: float | None, lexicon: tuple[tuple[str, str, str], ...]) -> tuple[int, bytes]:
    """(sample rate in Hz, 16-bit mono PCM) for one segment, spoken by a child forked from this
    process's pristine session. Raises ProviderError; FreshProcessNeeded where there is no fork."""
    voice = _session_voice(model, config, digests)
    said = phoneme_text(text, lexicon, voice.config.phoneme_id_map, _reads_phonemes(voice))
    rate = int(voice.config.sample_rate)
    if not hasattr(os, "fork"):
        from .espeak_fork import FreshProcessNeeded

        global _loaded
        pcm = _pcm(voice, said, speaker, length_scale)
        _loaded = None  # used: this process may not speak again (the pool retires it)
        raise FreshProcessNeeded(pickle.dumps((rate, pcm), protocol=pickle.HIGHEST_PROTOCOL))
    from .espeak_fork import in_fork

    status, reply = in_fork(lambda out: _in_child(voice, (said, speaker, length_scale), out))
    if status != 0 or not reply:
        raise ProviderError(f"Piper's synthesis process ended without an answer (status {status})", provider="piper")
    if reply[:1] != b"\0":
        raise ProviderError(f"Piper failed to synthesize: {reply[1:].decode(errors='replace')}", provider="piper")
    return rate, reply[1:]


def _reads_phonemes(voice: Any) -> bool:
    """Whether the voice reads `[[ phonemes ]]` blocks: those phonemized by eSpeak NG (nearly all)."""
    return str(getattr(voice.config.phoneme_type, "value", voice.config.phoneme_type)) == "espeak"
