"""One cache entry: its byte layout, its key, and the checks that decide whether to trust it.

An entry is one bytes value: a JSON header line, then the provider's audio bytes. The header
carries the audio's format, sha256 and length, and the key material the key was hashed from
(`key_head`, the canonical provider/voice/params JSON, and `text`, the spoken text). So any
entry, wherever it came from (a provider, `cache import`, the remote tier, an old disk), can be
re-derived and checked without trusting its name (DESIGN.md invariant 9).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from ..errors import CacheError
from ..providers.base import AudioFormat, SynthesisResult

ENTRY_VERSION = 1
KEY_RE = re.compile(r"^[0-9a-f]{64}$")
# Magic numbers of containers narrate's providers may return (RIFF/RF64 WAV, ID3-tagged MP3,
# Ogg, FLAC). A "raw" entry that starts with one of them holds a file, not headerless samples.
_CONTAINER_MAGIC = (b"RIFF", b"RF64", b"ID3", b"OggS", b"fLaC")
# The sample rates an entry may record: telephony's 8 kHz down to 4 kHz, studio's 192 kHz at most.
MIN_RATE, MAX_RATE = 4_000, 192_000


@dataclass(frozen=True)
class CachedSegment:
    key: str
    audio: bytes
    format: AudioFormat
    meta: dict[str, Any]


def key_from(head: bytes, text: str) -> str:
    """A segment key: sha256 hex of the canonical header JSON, a newline and the UTF-8 text.

    JSON escapes newlines, so the header can never run into the text. `narrate.plan` makes every
    key with this function; the cache re-derives keys with it.
    """
    return hashlib.sha256(head + b"\n" + text.encode("utf-8")).hexdigest()


def encode_entry(result: SynthesisResult, meta: dict[str, Any]) -> bytes:
    """The stored bytes of one entry: a sorted JSON header line (format, checksum, `meta`), then the audio."""
    fmt = result.format
    header = {"v": ENTRY_VERSION, "format": [fmt.container, fmt.encoding, fmt.sample_rate],
              "sha256": hashlib.sha256(result.audio).hexdigest(), "bytes": len(result.audio),
              "created": round(time.time(), 3), **meta}
    if result.words:
        header["words"] = [[w, round(a, 3), round(b, 3)] for w, a, b in result.words]
    return b"\n".join((json.dumps(header, sort_keys=True, ensure_ascii=False).encode(), result.audio))  # one copy


def level_record(level: tuple[float, float]) -> list[float | None]:
    """(active dBov, peak dBFS) as kept in an entry's "levels": rounded to 1e-4 dB, -inf (silence) as null."""
    return [round(v, 4) if math.isfinite(v) else None for v in level]


def with_level(blob: bytes, name: str, level: tuple[float, float]) -> bytes:
    """`blob` with `level` kept under `name` in its header's "levels"; the audio, its checksum and the
    key material are untouched, so the entry verifies as before. Entries without "levels" (written
    before narrate kept them) stay valid: the render measures them. Raises CacheError if unreadable."""
    head, sep, audio = blob.partition(b"\n")
    try:
        meta = json.loads(head) if sep else None
    except ValueError:
        meta = None
    if not isinstance(meta, dict):
        raise CacheError("cache entry has an unreadable header")
    levels = meta.get("levels")
    meta["levels"] = {**(levels if isinstance(levels, dict) else {}), name: level_record(level)}
    return json.dumps(meta, sort_keys=True, ensure_ascii=False).encode() + b"\n" + audio


def without_levels(blob: bytes) -> bytes:
    """`blob` with no kept "levels": for an entry from elsewhere (the remote tier, `cache import`).
    Levels are not covered by the key or the checksum, so a lying one would gain the audio wrong;
    without them the render measures the audio itself (and keeps what it measured)."""
    head, sep, audio = blob.partition(b"\n")
    if b'"levels"' not in head:
        return blob
    try:
        meta = json.loads(head) if sep else None
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or meta.pop("levels", None) is None:
        return blob
    return json.dumps(meta, sort_keys=True, ensure_ascii=False).encode() + b"\n" + audio


def decode_entry(key: str, blob: bytes) -> CachedSegment:
    """Parse one entry and check its audio against its checksum. Raises CacheError if it is corrupt."""
    head, sep, audio = blob.partition(b"\n")
    if not sep:
        raise CacheError(f"cache entry {key[:12]} has no header")
    try:
        meta = json.loads(head)
        container, encoding, rate = meta["format"]
        fmt = AudioFormat(str(container), str(encoding), int(rate))
    except (ValueError, KeyError, TypeError):
        raise CacheError(f"cache entry {key[:12]} has an unreadable header") from None
    if not isinstance(meta, dict):
        raise CacheError(f"cache entry {key[:12]} has an unreadable header")
    if len(audio) != meta.get("bytes") or hashlib.sha256(audio).hexdigest() != meta.get("sha256"):
        raise CacheError(f"cache entry {key[:12]} is corrupt (checksum mismatch)")
    return CachedSegment(key, audio, fmt, meta)


def check_entry(key: str, blob: bytes) -> CachedSegment:
    """The entry if everything about it re-derives, else CacheError saying what does not:

    - the key is 64 lowercase hex digits;
    - the header parses and the audio matches its sha256 and length (`decode_entry`);
    - the key material is there (`key_head` and `text`, both strings, `key_head` a JSON object)
      and `key_from(key_head, text)` is the key: an entry stripped of it, or carrying another
      text's, is refused, whatever name it was filed under;
    - the recorded sample rate is plausible and the one the request asked for (`rate_problem`);
    - the audio looks like its recorded format (`format_problem`; a structural check, no decoding).
    """
    if not KEY_RE.match(key):
        raise CacheError(f"{key[:70]!r} is not a segment key")
    entry = decode_entry(key, blob)
    head, text = entry.meta.get("key_head"), entry.meta.get("text")
    if not isinstance(head, str) or not isinstance(text, str) or not head.startswith("{"):
        raise CacheError(f"cache entry {key[:12]} has no key material (key_head and text): it cannot be verified")
    if key_from(head.encode("utf-8"), text) != key:
        raise CacheError(f"cache entry {key[:12]} does not match its key (mislabelled or tampered)")
    problem = rate_problem(entry.format.sample_rate, head)
    if problem:
        raise CacheError(f"cache entry {key[:12]} {problem}")
    problem = format_problem(entry.audio, entry.format)
    if problem:
        raise CacheError(f"cache entry {key[:12]} is not {entry.format.container}/{entry.format.encoding}: {problem}")
    return entry


def rate_problem(rate: int, key_head: str) -> str | None:
    """Why an entry's recorded sample rate cannot be right, or None: outside MIN_RATE..MAX_RATE (a
    rate of 0 or 10**12 would fail deep in a render, or allocate without bound), or not the rate its
    request asked for (the key's params "rate" or "sample_rate", where the provider records one).
    The rate is not covered by the checksum or the key, so it is checked here."""
    if not MIN_RATE <= rate <= MAX_RATE:
        return f"records a sample rate of {rate} Hz, outside {MIN_RATE:,}-{MAX_RATE:,} Hz"
    try:
        params = json.loads(key_head).get("params")
    except (ValueError, AttributeError, RecursionError):
        return None  # the key re-derived from it: its shape is the provider's business
    if not isinstance(params, dict):
        return None
    for name in ("rate", "sample_rate"):
        asked = params.get(name)
        if isinstance(asked, str) and asked.isdigit():
            asked = int(asked)
        if type(asked) is int and asked != rate:
            return f"records a sample rate of {rate} Hz, but its request asked for {asked} Hz"
    return None


def format_problem(audio: bytes, fmt: AudioFormat) -> str | None:
    """Why `audio` cannot be `fmt`, or None. Header checks only, so verifying 10,000 entries stays cheap:

    - wav: a RIFF/WAVE header with `fmt ` and `data` chunks (`audio.riff.parse_wav`);
    - raw: no container magic (RIFF, ID3, OggS, fLaC), and an even length for 16-bit PCM;
    - mp3: an ID3 tag or an MPEG audio frame sync (11 set bits) at the start.
    """
    from ..audio.riff import parse_wav
    from ..errors import AudioError

    if not audio:
        return "no audio"
    if fmt.container == "wav":
        try:
            parse_wav(audio)
        except AudioError as exc:
            return str(exc)
        return None
    if fmt.container == "raw":
        if audio.startswith(_CONTAINER_MAGIC):
            return f"a {audio[:4].decode('latin-1')!r} file, not headerless samples"
        if fmt.encoding == "pcm_s16le" and len(audio) % 2:
            return f"odd length {len(audio)} for 16-bit samples"
        return None
    if fmt.container == "mp3":
        if audio.startswith(b"ID3") or (len(audio) >= 2 and audio[0] == 0xFF and audio[1] & 0xE0 == 0xE0):
            return None
        return "no ID3 tag or MPEG frame sync"
    return None  # a container narrate does not record: the checksum is all there is to check
