"""Piper, the local neural engine (`kind: piper`): piper-tts on onnxruntime, offline, the `piper` extra.

    providers:
      local: {kind: piper, options: {voices_dir: voices}}   # voices_dir: relative to the manifest
    defaults: {provider: local, voice: en_US-joe-medium}    # a name, or a path to NAME.onnx

Voices (piper_voices.py): a model path, a name found in `voices_dir`, or a name an installed voice
package ships. Options: `voices_dir` (provider-wide), `speaker` (a speaker name or id of a
multi-speaker voice; per prompt too). Speed 1.0 is the voice's own length_scale, 2.0 halves it.

Keys: the contract version names piper-tts, onnxruntime and the noise seed (a new release may speak
the same text differently); `key_params` adds the sha256 of the model and of its config, so a
changed or replaced voice file re-renders its segments and nothing else. Paths never enter keys.

Synthesis runs in worker processes (piper_engine.py: one model per process, a fork per segment for
one key, one audio), from a pool of its own so that small builds, which the eSpeak pool serves in
the parent, never fork a threaded process. Output: 16-bit mono PCM at the voice's rate (22050 Hz
for medium and high voices, 16000 Hz for low and x_low), in a WAV.

Lexicon (narrate.text.lexicon_compile, mode `phoneme-input`): a rule's IPA form reaches Piper as a
phoneme block `[[ ... ]]` in place of the term, for every voice phonemized by eSpeak NG (nearly all
published voices); rules without one are respelled. X-SAMPA forms are not converted.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import threading
from pathlib import Path
from typing import Any

from ..audio.riff import WAVE_FORMAT_PCM, wav_file
from ..errors import ProviderError, UsageError, VoiceError
from .base import AudioFormat, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo
from .espeak_pool import WorkerError, WorkerPool

EXTRA_HINT = "pip install 'narrate-build[piper]'"
MIN_SPEED, MAX_SPEED = 0.25, 4.0  # the manifest's range; length_scale = the voice's / speed
# Plausible audio per character of text: en_US-joe-medium speaks 15-22 characters a second at speed 1
# (bench/piper_segment.py, tests/test_piper_build.py); these bounds leave 10x either way for slow voices.
MIN_S_PER_CHAR, MAX_S_PER_CHAR = 0.005, 0.5


def missing_extra() -> str | None:
    """The module of the `piper` extra that is not installed, or None when both are."""
    for module in ("piper", "onnxruntime"):
        try:
            if importlib.util.find_spec(module) is None:
                return module
        except (ImportError, ValueError):
            return module
    return None


class PiperProvider:
    name = "piper"
    # Lexicon IPA forms as Piper phoneme blocks, passed beside the text (SynthesisRequest.lexicon).
    lexicon_mode = "phoneme-input"
    local = True  # speaks on this machine's cores: a build renders each segment as it is spoken
    # Piper speaks a text sentence by sentence; 2,000 characters (about two minutes of audio) bound one
    # segment's time and memory in a worker. One worker per core (the pool's size, `-j` caps it).
    limits = ProviderLimits(max_chars=2000, default_concurrency=os.cpu_count() or 1)

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.root = Path(config.root) if config.root else None  # the manifest's folder
        self._voices: dict[str, Any] = {}  # voice as written -> VoiceFiles or the VoiceError it raised
        self._lock = threading.Lock()
        self._contract: str | None = None

    @property
    def voices_dir(self) -> Path | None:
        raw = self.config.options.get("voices_dir")
        if raw is None or not str(raw).strip():
            return None
        path = Path(str(raw).strip()).expanduser()
        return path if path.is_absolute() else (self.root or Path.cwd()) / path

    @property
    def contract_version(self) -> str:
        if self._contract is None:
            from importlib.metadata import version

            from .piper_engine import SEED

            self._contract = f"piper-tts-{version('piper-tts')}+onnxruntime-{version('onnxruntime')}/seed-{SEED}/1"
        return self._contract

    def voice(self, voice: str) -> Any:
        """The VoiceFiles of a manifest's voice, resolved once per provider. Raises VoiceError."""
        from .piper_voices import resolve

        with self._lock:
            found = self._voices.get(voice)
        if found is None:
            try:
                found = resolve(voice, root=self.root, voices_dir=self._checked_voices_dir())
            except VoiceError as exc:
                found = exc
            with self._lock:
                self._voices[voice] = found
        if isinstance(found, VoiceError):
            raise found
        return found

    def model_files(self) -> list[Path]:
        """The model and config files of the voices this provider resolved: their bytes are in the
        segment keys (key_params), so a replaced voice is a change the no-op fast path must see."""
        with self._lock:
            found = [f for f in self._voices.values() if not isinstance(f, VoiceError)]
        return [path for files in found for path in (files.model, files.config)]

    def _checked_voices_dir(self) -> Path | None:
        folder = self.voices_dir
        if folder is not None and not folder.is_dir():
            raise VoiceError(f"providers.{self.config.name}.options.voices_dir {str(folder)!r} is not a folder")
        return folder

    def _speaker(self, files: Any, options: tuple[tuple[str, str], ...]) -> int | None:
        """The `speaker` option as a speaker id of a multi-speaker voice (name or number), else None."""
        raw = dict(options).get("speaker", dict(self.config.options).get("speaker"))
        if raw is None or str(raw).strip() == "":
            return None
        raw = str(raw).strip()
        names = dict(files.speakers)
        if raw in names:
            return int(names[raw])
        if raw.isdigit() and int(raw) < files.num_speakers:
            return int(raw)
        some = ", ".join(list(names)[:5]) or f"0-{files.num_speakers - 1}"
        raise VoiceError(f"Piper voice {files.name} has no speaker {raw!r}", hint=f"speakers: {some}")

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        try:
            files = self.voice(request.voice)
            speaker = self._speaker(files, request.options)
        except VoiceError as exc:
            # Planning goes on so that check_voices (which runs before any synthesis) reports it at the
            # prompt's line; synthesize() refuses the voice too. Such a key can never be cached.
            return {"encoding": "pcm_s16le", "speed": request.speed, "unresolved_voice": exc.message}
        model_sha, config_sha = files.digests()
        params: dict[str, object] = {"rate": files.sample_rate, "encoding": "pcm_s16le", "speed": request.speed,
                                     "model_sha256": model_sha, "config_sha256": config_sha}
        if speaker is not None:
            params["speaker"] = speaker
        return params

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        try:
            files = self.voice(request.voice)
            speaker = self._speaker(files, request.options)
        except VoiceError as exc:
            raise ProviderError(exc.message, provider=self.name, hint=exc.hint) from None
        from .espeak import clean_text
        from .piper_engine import speak

        text = clean_text(request.text)
        if not text:
            raise ProviderError("nothing to speak (the text is empty)", provider=self.name)
        speed = min(MAX_SPEED, max(MIN_SPEED, request.speed))
        args = (str(files.model), str(files.config), files.digests(), text, speaker, files.length_scale / speed,
                tuple(request.lexicon))
        try:
            rate, pcm = _pool().run(speak, args, files.digests()[0])
        except ProviderError as exc:  # rebuilt by the pool, which names the wrong engine
            raise ProviderError(exc.message, provider=self.name, hint=exc.hint) from None
        except WorkerError as exc:
            raise ProviderError(str(exc).replace("eSpeak NG worker", "Piper worker"), provider=self.name) from None
        seconds = len(pcm) / 2 / rate
        if not pcm or not MIN_S_PER_CHAR * len(text) <= seconds <= max(2.0, MAX_S_PER_CHAR * len(text)):
            raise ProviderError(f"Piper produced {seconds:.2f} s of audio for {len(text)} characters",
                                provider=self.name)
        return SynthesisResult(wav_file(WAVE_FORMAT_PCM, rate, pcm, bits=16), AudioFormat("wav", "pcm_s16le", rate))

    def voices(self) -> list[VoiceInfo]:
        from .piper_voices import list_voices

        return [VoiceInfo(name=v.name, languages=(v.language,) if v.language else (), description=v.description)
                for v in list_voices(self._checked_voices_dir())]

    def check_voice(self, voice: str, language: str) -> str | None:
        """A reason when the voice cannot be found or loaded, or speaks another language than `language`."""
        from .languages import mismatch, same_language
        from .piper_voices import is_path, list_voices

        try:
            folder = self._checked_voices_dir()
        except VoiceError as exc:
            return str(exc)
        try:
            files = self.voice(voice)
        except VoiceError as exc:
            if is_path(voice):
                return str(exc)
            # A typo, or no `voice:` at all (the language tag stands in): name the voices that would do.
            fits = [v.name for v in list_voices(folder) if v.language and same_language(v.language, language)]
            close = [exc.hint] if exc.hint and exc.hint.startswith("did you mean") else []
            return "; ".join([exc.message, *close, f"voices for {language}: {', '.join(fits[:5])}" if fits else
                              f"no voice for {language} is installed (the README says how to fetch one)"])
        return mismatch(files.name, files.language, language) if files.language else None

    def close(self) -> None:
        pass


class _PiperPool(WorkerPool):
    """Engine workers for Piper: `call` requests only, with an idle worker that holds the model preferred."""

    def run(self, function: Any, args: tuple[Any, ...], model: str) -> Any:
        payload = self._request(pickle.dumps(("call", function, args), protocol=pickle.HIGHEST_PROTOCOL),
                                f"piper:{model}")
        return pickle.loads(payload)


_shared: _PiperPool | None = None
_shared_lock = threading.Lock()


def _pool() -> _PiperPool:
    """The process-wide Piper pool, sized like the engine pool (`-j`), created on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            import atexit

            from .. import procs
            from .espeak_pool import shared_pool

            _shared = _PiperPool(shared_pool().size)
            procs.on_stop(_shared.stop)
            atexit.register(_shared.shutdown)
        return _shared


def create(config: ProviderConfig, *, transport: object = None) -> PiperProvider:
    """The registry hook. Raises UsageError when the `piper` extra is not installed."""
    absent = missing_extra()
    if absent is not None:
        raise UsageError(f"provider {config.name}: Piper needs the `piper` extra ({absent} is not installed)",
                         hint=EXTRA_HINT)
    return PiperProvider(config)
