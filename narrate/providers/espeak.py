"""The embedded, offline engine: eSpeak NG from the espeakng-loader wheel, through ctypes.

Traps (DESIGN.md section 4): initialise with espeakINITIALIZE_DONT_EXIT or a bad data path
exits the process; the data path must be shorter than 160 characters; the library is a global,
non-thread-safe singleton (one lock around every call); SetVoiceByName does not take every
language tag, so tags are resolved here to voice identifiers first. Output: 22050 Hz, 16-bit, mono.
The library's output depends on what it synthesized before (C statics no call resets): every
segment is therefore spoken by a worker process whose engine is put back into its pristine state
first (espeak_worker.py, espeak_reset.py), so one key gives one audio, in any worker and order.
"""

from __future__ import annotations

import ctypes
import os
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.riff import WAVE_FORMAT_PCM, wav_file
from ..errors import ProviderError, VoiceError
from .base import AudioFormat, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo
from .espeak_voices import LANGUAGE_ALIASES, resolve_voice, voice_languages

__all__ = ["LANGUAGE_ALIASES", "EspeakProvider", "clean_text", "create", "resolve_voice", "voice_languages"]

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 1  # never espeakPHONEMES (0x100); espeakSSML only for bodies compiled by narrate.text.markup
SSML = 0x10  # espeakSSML: the text is an SSML document
POS_CHARACTER = 1
PARAM_RATE, PARAM_PITCH = 1, 3
EE_OK = 0
SAMPLE_RATE = 22050
BASE_WPM = 175  # espeak's default speaking rate: speed 1.0
MIN_WPM, MAX_WPM = 80, 450  # espeakRATE_MINIMUM / espeakRATE_MAXIMUM
DEFAULT_PITCH = 50
MAX_DATA_PATH = 159  # espeak copies the path into a 160-byte buffer
BUFFER_MS = 500  # callback granularity; fewer Python round-trips than the 200 ms default

class _espeak_VOICE(ctypes.Structure):
    # `languages` is a packed list, so it is read by hand from a raw pointer.
    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_void_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


@dataclass(frozen=True)
class _VoiceIndex:
    """Lower-cased lookups built once from the voice list: everything resolve_voice needs."""

    by_id: dict[str, str]  # "gmw/en-us" and "en-us" -> "gmw/en-US"
    by_description: dict[str, str]  # "english (america)" -> "gmw/en-US"
    by_language: dict[str, str]  # "en-us" -> the voice listing it with the best priority
    variants: dict[str, str]  # "f3" -> "f3", "mr serious" -> "Mr serious" (file names are case-sensitive)
    descriptions: dict[str, str]  # identifier -> description, for hints

    @classmethod
    def build(cls, voices: list[tuple[VoiceInfo, tuple[int, ...]]], variants: list[str]) -> _VoiceIndex:
        by_id: dict[str, str] = {}
        by_description: dict[str, str] = {}
        best: dict[str, tuple[int, str]] = {}
        for info, priorities in voices:
            by_id[info.name.lower()] = info.name
            by_id.setdefault(info.name.split("/")[-1].lower(), info.name)
            by_description.setdefault(info.description.lower(), info.name)
            for tag, priority in zip(info.languages, priorities, strict=False):
                if tag.lower() not in best or priority < best[tag.lower()][0]:
                    best[tag.lower()] = (priority, info.name)
        return cls(by_id, by_description, {tag: name for tag, (_, name) in best.items()},
                   {v.lower(): v for v in variants}, {info.name: info.description for info, _ in voices})

    def find(self, key: str) -> str | None:
        return self.by_id.get(key) or self.by_description.get(key) or self.by_language.get(key)


class _Engine:
    """The process-wide eSpeak NG library. Every call into it holds `lock`."""

    lock = threading.Lock()
    _instance: _Engine | None = None

    def __init__(self, data_path: Path | None = None) -> None:
        import espeakng_loader

        data = _short_data_path(_data_dir(Path(data_path or espeakng_loader.get_data_path())))
        try:
            self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError as exc:
            raise ProviderError(f"eSpeak NG library could not be loaded: {exc}", provider="espeak",
                                hint="reinstall the espeakng-loader wheel") from None
        self._declare()
        # DONT_EXIT: without it a bad data folder calls exit(1) inside the library.
        rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS, str(data).encode(),
                                          INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise ProviderError(f"eSpeak NG could not load its data from {data}", provider="espeak",
                                hint="reinstall the espeakng-loader wheel")
        self.sample_rate = rate
        self._chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._collect)  # keep a reference: ctypes must not free it
        self.lib.espeak_SetSynthCallback(self._callback)
        self.version = (self.lib.espeak_Info(None) or b"unknown").decode(errors="replace")
        self.voices = self._list_voices(None)
        if not self.voices:
            raise ProviderError(f"eSpeak NG found no voices in {data}", provider="espeak")
        variants = [v.name.split("/", 1)[1] for v, _ in self._list_voices(b"variant")]
        self.index = _VoiceIndex.build(self.voices, variants)

    @classmethod
    def get(cls) -> _Engine:
        engine = cls._instance  # no lock once initialised: callers would queue behind a synthesis
        if engine is not None:
            return engine
        with cls.lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _declare(self) -> None:
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetVoiceByProperties.argtypes = [ctypes.POINTER(_espeak_VOICE)]
        lib.espeak_SetVoiceByProperties.restype = ctypes.c_int
        lib.espeak_ListVoices.argtypes = [ctypes.POINTER(_espeak_VOICE)]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_espeak_VOICE))
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: int) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = continue

    def _list_voices(self, language: bytes | None) -> list[tuple[VoiceInfo, tuple[int, ...]]]:
        """espeak_ListVoices(NULL) (all voices) or filtered by a language ("variant" lists variants)."""
        spec = None
        if language is not None:
            buf = ctypes.create_string_buffer(language)
            spec = ctypes.byref(_espeak_VOICE(languages=ctypes.cast(buf, ctypes.c_void_p).value))
        out = []
        voices = self.lib.espeak_ListVoices(spec)
        i = 0
        while voices[i]:
            v = voices[i].contents
            pairs = _languages(v.languages)
            info = VoiceInfo(name=v.identifier.decode(errors="replace"), languages=tuple(t for _, t in pairs),
                             gender={1: "male", 2: "female"}.get(v.gender),
                             description=(v.name or b"").decode(errors="replace"))
            out.append((info, tuple(p for p, _ in pairs)))
            i += 1
        return out

    def synthesize(self, text: str, voice: str, wpm: int, pitch: int, ssml: bool = False,
                   then: tuple[Callable[..., Any], tuple[Any, ...]] | None = None
                   ) -> tuple[bytes, tuple[bool, Any] | None]:
        """PCM for one segment, spoken by a worker process whose engine starts every segment from its
        pristine state (espeak_worker.py says how): the same arguments give the same bytes whatever
        any process synthesized before. Workers run in parallel, one engine each (espeak_pool.py).
        then = (function, args): function(pcm, *args) run in that worker too, its outcome second
        (`WorkerPool.speak_then`); None without."""
        from .espeak_pool import WorkerError, shared_pool

        try:
            if then is None:
                return shared_pool().speak(text, voice, wpm, pitch, ssml), None
            return shared_pool().speak_then(text, voice, wpm, pitch, ssml, *then)
        except WorkerError as exc:
            raise ProviderError(str(exc), provider="espeak") from None

    def synthesize_here(self, text: str, voice: str, wpm: int, pitch: int, ssml: bool = False) -> bytes:
        """PCM from this process's library as it is now: only for a pristine engine (a fresh fork, or
        one reset by espeak_reset), since its output depends on earlier calls."""
        data = text.encode("utf-8") + b"\0"
        with self.lock:
            self.select_voice(voice)
            self.lib.espeak_SetParameter(PARAM_RATE, wpm, 0)
            self.lib.espeak_SetParameter(PARAM_PITCH, pitch, 0)
            self._chunks = []
            try:
                err = self.lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, CHARS_UTF8 | (SSML if ssml else 0),
                                            None, None)
                pcm = b"".join(self._chunks)
            finally:
                self._chunks = []
        if err != EE_OK:
            raise ProviderError(f"eSpeak NG failed to synthesize (error {err})", provider="espeak")
        return pcm

    def select_voice(self, voice: str) -> None:
        """`voice` is an identifier from resolve_voice; SetVoiceByProperties is the fallback for a bare tag."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) == EE_OK:
            return
        lang = ctypes.create_string_buffer(voice.partition("+")[0].split("/")[-1].lower().encode())
        spec = _espeak_VOICE(languages=ctypes.cast(lang, ctypes.c_void_p).value)
        if self.lib.espeak_SetVoiceByProperties(ctypes.byref(spec)) != EE_OK:
            raise ProviderError(f"eSpeak NG could not load voice {voice!r}", provider="espeak")


_version: str | None = None


def library_version() -> str:
    """The library's version (espeak_Info), as the engine reports it, without initialising the engine:
    every segment key holds it, and an all-cached build needs no phoneme data or voice list (~1.2 MB
    resident beside a book's ffmpeg children, issue 12). espeak_Info returns a static string."""
    global _version
    if _Engine._instance is not None:
        return _Engine._instance.version
    if _version is None:
        import espeakng_loader

        try:
            lib = ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError as exc:
            raise ProviderError(f"eSpeak NG library could not be loaded: {exc}", provider="espeak",
                                hint="reinstall the espeakng-loader wheel") from None
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        _version = (lib.espeak_Info(None) or b"unknown").decode(errors="replace")
    return _version


def _languages(address: int | None) -> list[tuple[int, str]]:
    """espeak_VOICE.languages: (priority byte, NUL-terminated tag) repeated, ended by a zero priority byte."""
    out: list[tuple[int, str]] = []
    while address:
        priority = ctypes.string_at(address, 1)[0]
        if priority == 0:
            break
        tag = ctypes.string_at(address + 1)
        out.append((priority, tag.decode(errors="replace")))
        address += 1 + len(tag) + 1
    return out


def _data_dir(path: Path) -> Path:
    """The espeak-ng-data folder (given itself or its parent), checked before the library sees it."""
    for candidate in (path, path / "espeak-ng-data"):
        if (candidate / "phontab").is_file():
            return candidate
    raise ProviderError(f"eSpeak NG data folder not found at {path} (no phontab)", provider="espeak",
                        hint="reinstall the espeakng-loader wheel")


def _short_data_path(data: Path, alias_dir: Path | None = None) -> Path:
    """eSpeak NG truncates data paths of 160 characters or more: point a short symlink at long ones."""
    if len(str(data)) <= MAX_DATA_PATH:
        return data
    base = alias_dir or Path("/tmp" if os.name == "posix" else tempfile.gettempdir())
    alias = base / f"narrate-espeak-data-{getattr(os, 'getuid', lambda: 'user')()}"
    target = data.resolve()
    try:
        # Missing, dangling, or left pointing at an old venv: re-point it atomically (other processes may race).
        if alias.resolve() != target:
            tmp = base / f".{alias.name}.{os.getpid()}.{threading.get_ident()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(target, target_is_directory=True)
            os.replace(tmp, alias)
    except OSError as exc:
        raise ProviderError(f"eSpeak NG data path {data} is too long and no short alias could be made at {alias}: "
                            f"{exc.strerror or exc}", provider="espeak",
                            hint=f"remove {alias} or install into a shorter path") from None
    if len(str(alias)) > MAX_DATA_PATH:
        raise ProviderError(f"eSpeak NG data path {alias} is too long", provider="espeak",
                            hint="set TMPDIR to a short folder")
    return alias


def _wav(pcm: bytes, rate: int) -> bytes:
    """Mono 16-bit PCM in the canonical 44-byte RIFF header."""
    return wav_file(WAVE_FORMAT_PCM, rate, pcm, bits=16)


def _on_wav(pcm: bytes, rate: int, function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """function(wav, format, *args) on the segment as `EspeakProvider.synthesize` returns it (in a worker)."""
    return function(_wav(pcm, rate), AudioFormat("wav", "pcm_s16le", rate), *args)


def clean_text(text: str) -> str:
    """Control characters become spaces (they can stall the engine); lone surrogates cannot be UTF-8."""
    if text.isprintable():  # neither (nor any other Cc or Cs character) is printable: the common case, in C
        return text.strip()
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text).strip()


def _pitch(options: tuple[tuple[str, str], ...]) -> int | None:
    """The `pitch` option (0-99, espeak's scale; 50 is the voice's normal pitch), or None."""
    raw = dict(options).get("pitch")
    if raw is None:
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = -1
    if not 0 <= value <= 99:
        raise ProviderError(f"espeak option pitch must be a whole number from 0 to 99, not {raw!r}",
                            provider="espeak")
    return value


class EspeakProvider:
    name = "espeak"
    # eSpeak NG's SSML reader (ssml.c) spells say-as characters; the other say-as values, sub and
    # phoneme ph are not obeyed, so narrate lowers them.
    accepts_ssml, ssml_say_as = True, ("characters",)
    local = True  # speaks on this machine's cores: a build renders each segment as it is spoken
    # One worker process per core (espeak_pool.py); `-j` caps it.
    limits = ProviderLimits(max_chars=5000, default_concurrency=os.cpu_count() or 1)

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    @property
    def contract_version(self) -> str:
        # The library version: a new eSpeak NG release may pronounce the same text differently.
        return f"espeak-ng-{library_version()}/1"

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        # No telephony: espeak always makes 22050 Hz PCM, whatever the outputs need.
        params: dict[str, object] = {"rate": SAMPLE_RATE, "encoding": "pcm_s16le", "speed": request.speed}
        pitch = _pitch(request.options)
        if pitch is not None:
            params["pitch"] = pitch
        if request.ssml:
            params["markup"] = "ssml"
        return params

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        return self.synthesize_then(request, None)[0]

    def synthesize_then(self, request: SynthesisRequest, then: tuple[Callable[..., Any], tuple[Any, ...]] | None
                        ) -> tuple[SynthesisResult, tuple[bool, Any] | None]:
        """`synthesize`, and with then = (function, args), function(wav, format, *args) run on the result's
        audio in the worker process that spoke it (a module-level function of narrate's: a segment
        rendered where it was spoken, its audio never sent back to a worker). Its outcome comes second:
        (True, value), (False, None) if it raised, None without `then`."""
        engine = _Engine.get()
        try:
            voice = resolve_voice(request.voice)
        except VoiceError as exc:
            raise ProviderError(exc.message, provider="espeak", hint=exc.hint) from None
        text = clean_text(request.text)
        if not text:
            raise ProviderError("nothing to speak (the text is empty)", provider="espeak")
        pitch = _pitch(request.options)
        wpm = max(MIN_WPM, min(MAX_WPM, round(BASE_WPM * request.speed)))
        if request.ssml:
            text = f"<speak>{text}</speak>"
        rate = engine.sample_rate
        pcm, done = engine.synthesize(text, voice, wpm, DEFAULT_PITCH if pitch is None else pitch, request.ssml,
                                      None if then is None else (_on_wav, (rate, *then)))
        if not pcm:
            raise ProviderError(f"eSpeak NG produced no audio for voice {voice!r}", provider="espeak")
        return SynthesisResult(_wav(pcm, rate), AudioFormat("wav", "pcm_s16le", rate)), done

    def voices(self) -> list[VoiceInfo]:
        return [info for info, _ in _Engine.get().voices]

    def check_voice(self, voice: str, language: str) -> str | None:
        """A reason when eSpeak NG has no such voice, or when the voice speaks another language
        than `language` (an English voice reads Cyrillic letter by letter); see `languages`."""
        from .languages import same_language

        try:
            found = resolve_voice(voice).partition("+")[0]
        except VoiceError as exc:
            return str(exc)
        spoken = voice_languages(found)
        if language.lower() in spoken:  # the voice lists the tag itself: no need for langcodes' data
            return None
        if not spoken or any(same_language(tag, language) for tag in spoken):
            return None
        return f"eSpeak NG voice {found} speaks {spoken[0]}, not {language}"

    def close(self) -> None:
        pass


def create(config: ProviderConfig, *, transport: object = None) -> EspeakProvider:
    """The registry hook. `transport` is ignored: the engine is in-process."""
    return EspeakProvider(config)
