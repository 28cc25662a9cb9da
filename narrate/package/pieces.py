"""Per-chapter encodes of a book, kept so that an edit re-encodes only the chapter it changed.

Each chapter's speech is encoded once to an MP3 piece (joined, by frame copy, into its chapter file
and into the whole-book MP3: narrate.package.mp3join, with the facts its sidecar keeps) and once to
an AAC part (joined into the M4B); head, pauses and tails are small MP3 pieces of silence. See
narrate.package.grid for the lengths that make the joins gapless. Pieces live in the cache folder,
under `book-pieces/`, named by a digest of everything that makes their bytes
(`narrate.package.assemble` builds the keys), each with a JSON sidecar
holding its size and SHA-256: a piece is used only if its file still matches (DESIGN.md invariant 9,
verify on read), else it is encoded again. The sidecar also holds the piece's stat signature (size,
mtime, ctime, inode) once stored: while the file keeps it, it is the file narrate hashed, so the next
build trusts it without reading it again (the rule of the build's stat cache, narrate.cache.state: no
user call can set a ctime back; a 10-hour book's pieces are ~1.3 GB to hash on every edit). Both files are written to a
temp file, fsynced and renamed (invariant 3): a killed build leaves whole pieces or none.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.ffmpeg import run_ffmpeg, stderr_tail
from ..errors import AudioError
from ..fsutil import commit, make_temp, remove_stale_temps, sha256_file
from .grid import Layout, adts_frame_count, mp3_frame_count
from .mp3join import PieceFacts, facts_from, piece_facts
from .mp4 import adts_to_raw

STORE_DIR = "book-pieces"
_PIECE = re.compile(r"[0-9a-f]{64}\.(mp3|aac)")
# 2: AAC parts as raw access units, sizes in the sidecar; 3: MP3 facts and CRC; 4: AAC leads, sealed sidecars
PIECES_VERSION = "4"


class PieceStore:
    """Encoded pieces by key: `<cache>/book-pieces/<key[:2]>/<key>.<ext>` and `<key>.<ext>.json`.
    `encoded` counts the encodes this store's user ran (for tests and the bench)."""

    def __init__(self, cache_dir: Path) -> None:
        self.root = Path(cache_dir) / STORE_DIR
        self.encoded: list[str] = []
        # Pieces this store (one build) has verified, with their (size, mtime, inode) then: a join reads
        # each piece again, and rehashing a 10-hour book's pieces twice was seconds of an edit's time.
        self._verified: dict[Path, tuple[int, int, int]] = {}

    def path(self, key: str, ext: str) -> Path:
        return self.root / key[:2] / f"{key}.{ext}"

    def get(self, key: str, ext: str) -> Path | None:
        """The piece's file if it is there and matches its sidecar, else None. Hashed only when its stat
        signature is not the one its sidecar records, and then once per store: asked again, a piece whose
        size, mtime and inode have not moved since is not read again."""
        path = self.path(key, ext)
        try:
            st = path.stat()
            seen = (st.st_size, st.st_mtime_ns, st.st_ino)
            if self._verified.get(path) == seen:
                return path
            meta = json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or st.st_size != meta.get("bytes") or _FACTS[ext](meta) is None \
                    or meta.get("seal") != _seal(path.name, meta):
                # A sidecar without the facts a join needs (an older narrate's), or whose facts were
                # altered or belong to another piece (its seal): the piece is encoded again.
                raise ValueError
            if meta.get("stat") == _signature(st):
                self._verified[path] = seen
                return path
            if sha256_file(path) == meta.get("sha256"):
                # The right bytes under another signature (a copied cache, a sidecar from before
                # signatures): recorded, so that the next build need not hash it again.
                self._write_meta(path, meta)
                return path
        except (OSError, ValueError, RecursionError):  # RecursionError: a sidecar of nested brackets
            pass
        self._verified.pop(path, None)
        return None

    def put(self, tmp: Path, key: str, ext: str, extra: Mapping[str, object] | None = None) -> Path:
        """Move a finished temp file (anywhere on the same filesystem, else copied) into the store;
        `extra`: more facts for its sidecar (an AAC part's unit sizes)."""
        path = self.path(key, ext)
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path.parent, recursive=False)
        meta = {**(extra or {}), "bytes": tmp.stat().st_size, "sha256": sha256_file(tmp)}
        _move(tmp, path)
        self._write_meta(path, meta)
        return path

    def _write_meta(self, path: Path, meta: dict[str, object]) -> None:
        # The signature is taken after the rename (which may change the ctime), before the sidecar exists.
        st = path.stat()
        meta = {**meta, "seal": _seal(path.name, meta), "stat": _signature(st)}
        self._verified[path] = (st.st_size, st.st_mtime_ns, st.st_ino)
        fd, side = make_temp(path.parent, suffix=".json")
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(meta).encode())
            fh.flush()
            os.fsync(fh.fileno())
        commit(side, path.with_name(path.name + ".json"))

    def put_mp3(self, tmp: Path, key: str) -> Path:
        """Store an MP3 piece with what a join needs of it in its sidecar (narrate.package.mp3join): its
        Info frame's length, frames, encoder delay and padding, and the CRC-16 of its audio, so that the
        whole book's music CRC is combined from the pieces' without reading them again."""
        return self.put(tmp, key, "mp3", {"mp3": asdict(piece_facts(tmp))})

    def mp3_piece(self, key: str) -> tuple[Path, PieceFacts]:
        """A stored MP3 piece and its facts, verified as `get` does."""
        return self._with_facts(key, "mp3")

    def put_aac(self, adts: Path, key: str) -> Path:
        """Store an AAC part that ffmpeg wrote as ADTS (`adts`, left in place) as raw access units, the
        M4B's media data as it is (narrate.package.mp4): the sidecar holds their sizes, the
        AudioSpecificConfig and the channel count."""
        raw = self.temp(key, "aac")
        try:
            with open(adts, "rb") as src, open(raw, "wb") as dst:
                sizes, asc, channels = adts_to_raw(src, dst)
            units = base64.b64encode(sizes.astype("<u2").tobytes()).decode()
            return self.put(raw, key, "aac", {"units": units, "asc": asc.hex(), "channels": channels})
        finally:
            raw.unlink(missing_ok=True)

    def aac_part(self, key: str) -> tuple[Path, AacUnits]:
        """A stored AAC part and its units (sizes, AudioSpecificConfig, channels), verified as `get` does."""
        return self._with_facts(key, "aac")

    def _with_facts(self, key: str, ext: str) -> Any:
        path = self.get(key, ext)
        facts = _FACTS[ext](json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8"))) \
            if path is not None else None
        if path is None or facts is None:
            raise AudioError(f"book piece {key[:12]}.{ext} vanished from the cache during the build")
        return path, facts

    def forget(self, name: str) -> None:
        """Remove the piece `name` ("<key>.<ext>", as a lock lists it) and its sidecar; anything else
        (a path, another name: a hand-edited lock) is ignored."""
        if _PIECE.fullmatch(name):
            key, ext = name.split(".")
            path = self.path(key, ext)
            self._verified.pop(path, None)
            path.with_name(path.name + ".json").unlink(missing_ok=True)  # first: the piece stops being valid
            path.unlink(missing_ok=True)

    def temp(self, key: str, ext: str) -> Path:
        """A new temp file beside where `key` will live (so storing it is a rename)."""
        folder = self.path(key, ext).parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = make_temp(folder, suffix=f".{ext}")
        os.close(fd)
        return tmp


AacUnits = tuple[np.ndarray, bytes, int]


def aac_units(meta: Mapping[str, Any]) -> AacUnits | None:
    """An AAC part's (unit sizes as uint16, AudioSpecificConfig, channels) from its sidecar, or None if
    they are missing or do not add up to the part's bytes."""
    try:
        sizes = np.frombuffer(base64.b64decode(meta["units"], validate=True), dtype="<u2")
        asc, channels = bytes.fromhex(meta["asc"]), meta["channels"]
    except (KeyError, TypeError, ValueError):
        return None
    if int(sizes.sum(dtype=np.int64)) != meta.get("bytes") or len(asc) != 2 or channels not in range(1, 8):
        return None
    return sizes, asc, channels


# What a join needs of a piece, read from its sidecar (None if missing or inconsistent).
_FACTS: dict[str, Callable[[Mapping[str, Any]], object]] = {"mp3": facts_from, "aac": aac_units}


def _seal(name: str, meta: Mapping[str, Any]) -> str:
    """A digest of a sidecar's facts (all but its seal and stat signature) and the piece's file name:
    a sidecar edited by hand, damaged in a way that still parses, or moved with another piece no
    longer matches it (the piece's SHA-256 covers its bytes, not what the joins read about them)."""
    facts = {k: v for k, v in meta.items() if k not in ("seal", "stat")}
    return hashlib.sha256(f"{name}\0{json.dumps(facts, sort_keys=True)}".encode()).hexdigest()


def _signature(st: os.stat_result) -> list[int]:
    """What the sidecar records of a stored piece's file: [size, mtime_ns, ctime_ns, inode]."""
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _move(tmp: Path, path: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    commit(tmp, path)


def _run(args: list[str], what: str) -> None:
    proc = run_ffmpeg(args)
    if proc.returncode != 0:
        raise AudioError(f"ffmpeg failed ({proc.returncode}) {what}: {stderr_tail(proc.stderr)}")


MP3_PIECE = ["-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0", "-fflags", "+bitexact", "-f", "mp3"]
ADTS = ["-fflags", "+bitexact", "-f", "adts"]


def aac_codec(args: Sequence[str]) -> list[str]:
    """The profile's AAC options without the MP4 muxer's (parts are ADTS)."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "-movflags":
            skip = True
        else:
            out.append(a)
    return out


def encode_speech(wav: Path, layout: Layout, *, mp3: tuple[Path, list[str], str] | None,
                  aac: tuple[Path, list[str], str, int, int, bool] | None) -> None:
    """One ffmpeg run over a chapter's speech WAV (`layout.speech` samples; see grid) writing
    its MP3 piece, `mp3` = (temp file, codec options, filter chain), and its AAC part,
    `aac` = (temp file, codec options, filter chain, head samples before the speech, the part's
    length, last part?). The frame counts are checked against the grid (AudioError if not)."""
    speech = _wav_frames(wav)
    graph, maps = [], []
    outs = [o for o in (mp3, aac) if o is not None]
    labels = [f"[s{i}]" for i in range(len(outs))]
    graph.append(f"[0:a]asplit={len(outs)}{''.join(labels)}" if len(outs) > 1 else "[0:a]anull[s0]")
    i = 0
    if mp3 is not None:
        out, codec, chain = mp3
        n = layout.mp3_samples(speech, last=False)
        graph.append(f"[s{i}]{chain + ',' if chain else ''}atrim=end_sample={n}[m]")
        maps += ["-map", "[m]", *codec, *MP3_PIECE, os.fspath(out)]
        i += 1
    if aac is not None:
        out, codec, chain, head, length, last = aac
        n = layout.aac_samples(length, last)
        delay = f"adelay=delays={head}S:all=1," if head else ""
        graph.append(f"[s{i}]{chain + ',' if chain else ''}{delay}apad=whole_len={length},atrim=end_sample={n}[a]")
        maps += ["-map", "[a]", *aac_codec(codec), *ADTS, os.fspath(out)]
    _run(["-y", "-i", os.fspath(wav), "-filter_complex", ";".join(graph), *maps], f"encoding {wav.name}")
    if mp3 is not None:
        _check(mp3_frame_count(mp3[0]), layout.mp3_frames(speech, last=False), mp3[0])
    if aac is not None:
        _check(adts_frame_count(aac[0]), layout.aac_frames(aac[4], aac[5]), aac[0])


def encode_silence(out: Path, layout: Layout, length: int, last: bool, codec: list[str]) -> None:
    """An MP3 piece of `length` samples of silence (head, pause or tail; see grid)."""
    n = layout.mp3_samples(length, last)
    _run(["-y", "-f", "lavfi", "-i", f"anullsrc=r={layout.rate}:cl=mono", "-af", f"atrim=end_sample={n}",
          *codec, *MP3_PIECE, os.fspath(out)], "encoding silence")
    _check(mp3_frame_count(out), layout.mp3_frames(length, last), out)


def _check(found: int, expected: int, path: Path) -> None:
    if found != expected:
        raise AudioError(f"{path.name}: {found} frames where the gapless grid needs {expected}")


def _wav_frames(wav: Path) -> int:
    """Samples in a 16-bit mono WAV written by narrate's WavStreamWriter (data chunk last)."""
    with open(wav, "rb") as fh:
        head = fh.read(256)
    at = head.find(b"data")
    if at < 0:
        raise AudioError(f"{wav}: no data chunk")
    return (wav.stat().st_size - (at + 8)) // 2

