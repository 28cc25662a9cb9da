"""The embedded, offline engine: eSpeak NG from the espeakng-loader wheel, through ctypes.

Traps (DESIGN.md section 4): initialise with espeakINITIALIZE_DONT_EXIT or a bad data path
exits the process; the data path must be shorter than 160 characters; the library is a global,
non-thread-safe singleton (one lock around every call); SetVoiceByName does not take every
language tag, SetVoiceByProperties does. Output: 22050 Hz, 16-bit, mono.
"""

from __future__ import annotations

import ctypes
import difflib
import os
import re
import struct
import tempfile
import threading
import unicodedata
from pathlib import Path

from ..errors import ProviderError
from .base import AudioFormat, ProviderConfig, ProviderLimits, SynthesisRequest, SynthesisResult, VoiceInfo

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 1
POS_CHARACTER = 1
PARAM_RATE, PARAM_PITCH = 1, 3
EE_OK = 0
SAMPLE_RATE = 22050
BASE_WPM = 175  # espeak's default speaking rate: speed 1.0
MAX_DATA_PATH = 159

# BCP-47 tags whose espeak voice is not simply the lower-cased tag.
LANGUAGE_ALIASES = {
    "es-us": "es-419", "es-mx": "es-419", "es-419": "es-419", "es-ar": "es-419", "es-co": "es-419",
    "es-es": "es", "en-au": "en-gb", "en-nz": "en-gb", "en-ie": "en-gb", "en-ca": "en-us",
    "fr-ca": "fr", "fr-fr": "fr", "fr-be": "fr-be", "fr-ch": "fr-ch", "de-de": "de", "it-it": "it",
    "pt-pt": "pt", "pt-br": "pt-br", "nl-nl": "nl", "sv-se": "sv", "ja-jp": "ja", "ru-ru": "ru",
    "zh-cn": "cmn", "zh": "cmn", "zh-tw": "cmn", "zh-hk": "yue",
}


class _espeak_VOICE(ctypes.Structure):
    # `languages` is a packed list, so it is read by hand from a raw pointer.
    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_void_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Engine:
    """The process-wide eSpeak NG library. Every call holds `lock`."""

    lock = threading.Lock()
    _instance: "_Engine | None" = None

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._declare()
        data = _short_data_path(Path(espeakng_loader.get_data_path()))
        rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data).encode(), INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise ProviderError(f"eSpeak NG could not start (data folder {data})", provider="espeak")
        self.sample_rate = rate
        self._chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._collect)  # keep a reference: ctypes must not free it
        self.lib.espeak_SetSynthCallback(self._callback)
        self.version = self.lib.espeak_Info(None).decode(errors="replace")
        self.voices = self._list_voices()

    @classmethod
    def get(cls) -> "_Engine":
        with cls.lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _declare(self) -> None:
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByProperties.argtypes = [ctypes.POINTER(_espeak_VOICE)]
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_espeak_VOICE))
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p

    def _collect(self, wav: ctypes.POINTER(ctypes.c_short), count: int, events: int) -> int:  # type: ignore[valid-type]
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = continue

    def _list_voices(self) -> list[VoiceInfo]:
        out = []
        voices = self.lib.espeak_ListVoices(None)
        i = 0
        while voices[i]:
            v = voices[i].contents
            out.append(VoiceInfo(name=v.identifier.decode(), languages=_languages(v.languages),
                                 gender={1: "male", 2: "female"}.get(v.gender), description=v.name.decode()))
            i += 1
        return out

    def synthesize(self, text: str, voice: str, wpm: int, pitch: int | None) -> bytes:
        data = text.encode("utf-8") + b"\0"
        with self.lock:
            self._select_voice(voice)
            self.lib.espeak_SetParameter(PARAM_RATE, wpm, 0)
            self.lib.espeak_SetParameter(PARAM_PITCH, 50 if pitch is None else pitch, 0)
            self._chunks = []
            err = self.lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
            pcm, self._chunks = b"".join(self._chunks), []
        if err != EE_OK:
            raise ProviderError(f"eSpeak NG failed to synthesize (error {err})", provider="espeak")
        return pcm

    def _select_voice(self, voice: str) -> None:
        base, _, variant = voice.partition("+")
        if self.lib.espeak_SetVoiceByName(voice.encode()) == EE_OK:
            return
        lang = ctypes.create_string_buffer(base.encode())
        spec = _espeak_VOICE(languages=ctypes.cast(lang, ctypes.c_void_p).value)
        if self.lib.espeak_SetVoiceByProperties(ctypes.byref(spec)) != EE_OK:
            raise ProviderError(f"eSpeak NG has no voice {voice!r}", provider="espeak")


def _languages(address: int | None) -> tuple[str, ...]:
    """espeak_VOICE.languages: (priority byte, NUL-terminated tag) repeated, ending with a zero byte."""
    out: list[str] = []
    while address and ctypes.string_at(address, 1) != b"\0":
        tag = ctypes.string_at(address + 1)
        out.append(tag.decode(errors="replace"))
        address += 1 + len(tag) + 1
    return tuple(out)


def _short_data_path(data: Path) -> Path:
    """eSpeak NG rejects data paths of 160 characters or more: link a short alias if needed."""
    if len(str(data)) <= MAX_DATA_PATH:
        return data
    alias = Path(tempfile.gettempdir()) / f"narrate-espeak-data-{os.getuid()}"
    if not alias.exists():
        alias.symlink_to(data, target_is_directory=True)
    return alias


def _wav(pcm: bytes, rate: int) -> bytes:
    return (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE" + b"fmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(pcm)) + pcm)


def _clean(text: str) -> str:
    """Drop control characters (they can stall the engine); keep everything speakable."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in text).strip()


class EspeakProvider:
    name = "espeak"
    limits = ProviderLimits(max_chars=5000, default_concurrency=1)

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    @property
    def contract_version(self) -> str:
        return f"espeak-ng-{_Engine.get().version}/1"

    def key_params(self, request: SynthesisRequest) -> dict[str, object]:
        params: dict[str, object] = {"rate": SAMPLE_RATE, "encoding": "pcm_s16le", "speed": request.speed}
        pitch = dict(request.options).get("pitch")
        if pitch is not None:
            params["pitch"] = pitch
        return params

    def synthesize(self, request: SynthesisRequest) -> SynthesisResult:
        engine = _Engine.get()
        voice = resolve_voice(request.voice)
        pitch = dict(request.options).get("pitch")
        wpm = max(80, min(450, round(BASE_WPM * request.speed)))
        pcm = engine.synthesize(_clean(request.text), voice, wpm, int(pitch) if pitch is not None else None)
        if not pcm:
            raise ProviderError(f"eSpeak NG produced no audio for voice {voice!r}", provider="espeak")
        return SynthesisResult(_wav(pcm, engine.sample_rate), AudioFormat("wav", "pcm_s16le", engine.sample_rate))

    def voices(self) -> list[VoiceInfo]:
        return list(_Engine.get().voices)

    def check_voice(self, voice: str, language: str) -> str | None:
        try:
            resolve_voice(voice)
        except ProviderError as exc:
            return exc.message
        return None

    def close(self) -> None:
        pass


def resolve_voice(voice: str) -> str:
    """An espeak voice identifier for a voice name, identifier or BCP-47 tag (with an optional +variant)."""
    base, plus, variant = voice.strip().partition("+")
    engine = _Engine.get()
    key = base.lower().replace("_", "-")
    ids = {v.name.lower(): v.name for v in engine.voices}
    by_desc = {v.description.lower(): v.name for v in engine.voices}
    by_lang: dict[str, str] = {}
    for v in engine.voices:
        for lang in v.languages:
            by_lang.setdefault(lang.lower(), v.name)
    # A region we have no voice for (es-CL) falls back to its language (es); other unknown subtags do not.
    region_only = re.fullmatch(r"([a-z]{2,3})-(?:[a-z]{2}|\d{3})", key)
    for candidate in (key, LANGUAGE_ALIASES.get(key), region_only and region_only.group(1)):
        if not candidate:
            continue
        found = ids.get(candidate) or next(
            (vid for vid in ids.values() if vid.split("/")[-1].lower() == candidate), None
        ) or by_desc.get(candidate) or by_lang.get(candidate)
        if found:
            return found + (plus + variant if variant else "")
    names = sorted(set(by_lang) | {n.split("/")[-1] for n in ids})
    close = difflib.get_close_matches(key, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `narrate voices` lists them"
    raise ProviderError(f"eSpeak NG has no voice or language {voice!r}{hint}", provider="espeak")


def create(config: ProviderConfig, *, transport: object = None) -> EspeakProvider:
    return EspeakProvider(config)
