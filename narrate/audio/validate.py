"""Is a provider's 2xx body plausible audio for its text? (DESIGN.md invariant 4: check before caching.)

Every rejection is an InvalidAudioError with retryable=True: a truncated download or a proxy's
error page usually goes away on retry, and the retry budget bounds the rest.

Thresholds:
- **Empty body**: rejected.
- **Text instead of audio**: rejected when the content type is text/*, */json, */xml or */html and
  the body does not start with an audio signature (RIFF, ID3, MPEG sync, OggS, fLaC); or when the
  body itself is printable text (its first 512 bytes decode as UTF-8 with no control characters)
  starting with `<`, `{` or `[`, or at least 16 bytes long. Audio samples are never 16 printable
  characters in a row in practice (silence is 0x00 in PCM and 0xFF/0x7F in G.711).
- **Truncated WAV**: the data chunk declares more bytes than arrived, by more than
  max(64 bytes, 10 ms of audio). Declared sizes of 0x7FFF0000 and above are streaming
  placeholders (0xFFFFFFFF, 0x7FFFFFFF, ...), never real: nobody sends a 2 GB prompt.
- **Odd-length raw 16-bit PCM**: half a sample means the stream was cut.
- **Undecodable**: anything decode() refuses.
- **Too short**: under max(0.05, n / 40 * speed) seconds, with n = letters and digits in the text
  (str.isalnum). Natural speech runs at about 12-15 such characters per second; 40 leaves room
  for fast voices and abbreviations, and `speed` scales it for requests that asked for fast speech.
- **Too long**: over (3 * n + 5) / speed seconds: a provider reading out its own error, or a stuck stream.
- **Silent**: text with letters or digits but no sample louder than 16 (-66 dBFS).
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import AudioError, InvalidAudioError
from .decode import decode
from .formats import AudioFormat
from .pcm import Pcm
from .riff import is_riff, parse_wav

TRUNCATION_TOLERANCE_BYTES = 64
TRUNCATION_TOLERANCE_S = 0.010
PLACEHOLDER_SIZE = 0x7FFF0000
MAX_CHARS_PER_S = 40.0
MIN_DURATION_S = 0.05
MAX_S_PER_CHAR = 3.0
MAX_EXTRA_S = 5.0
SILENT_PEAK = 16

_TEXT_TYPES = re.compile(r"^\s*(text/[\w.+-]+|[\w.+-]+/([\w.+-]+\+)?(json|xml|html))\s*(;|$)", re.I)
_AUDIO_MAGIC = (b"RIFF", b"RF64", b"ID3", b"OggS", b"fLaC")
_SECRETISH = re.compile(r"[A-Za-z0-9_\-]{24,}")


def check_audio(data: bytes, fmt: AudioFormat, text: str, *, provider: str, content_type: str | None = None,
                request_id: str | None = None, speed: float = 1.0) -> Pcm:
    """The decoded audio, or InvalidAudioError (retryable) naming provider and request id. See module doc."""

    def invalid(why: str) -> InvalidAudioError:
        rid = f" (request id {request_id})" if request_id else ""
        return InvalidAudioError(f"{provider} returned invalid audio{rid}: {why}", provider=provider,
                                 request_id=request_id, retryable=True)

    if not data:
        raise invalid("empty body")
    head = data[:512]
    ctype = (content_type or "").strip()
    if ctype and _TEXT_TYPES.match(ctype) and not _audio_magic(head):
        raise invalid(f"content type {ctype.split(';')[0]} instead of audio ({len(data)} bytes: {_snippet(head)})")
    body_text = _as_text(head)
    if body_text is not None and (body_text.lstrip("\ufeff \t\r\n")[:1] in ("<", "{", "[") or len(head) >= 16):
        kind = _text_kind(body_text)
        raise invalid(f"{kind} body instead of audio ({len(data)} bytes: {_snippet(head)})")

    if is_riff(data):
        try:
            info = parse_wav(data)
        except AudioError as exc:
            raise invalid(f"undecodable WAV: {exc}") from exc
        missing = info.missing_bytes if (info.declared_size or 0) < PLACEHOLDER_SIZE else 0
        tolerance = max(TRUNCATION_TOLERANCE_BYTES, int(TRUNCATION_TOLERANCE_S * info.rate) * info.block_align)
        if missing > tolerance:
            raise invalid(f"truncated WAV: data chunk declares {info.declared_size} bytes, "
                          f"{info.data_end - info.data_offset} arrived")
    elif fmt.container == "raw" and fmt.encoding == "pcm_s16le" and len(data) % 2:
        raise invalid(f"truncated 16-bit PCM: odd length {len(data)} bytes")

    try:
        pcm = decode(data, fmt)
    except AudioError as exc:
        raise invalid(f"undecodable {fmt.container}/{fmt.encoding}: {exc}") from exc

    chars = sum(1 for ch in text if ch.isalnum())
    speed = speed if speed > 0 else 1.0
    shortest = max(MIN_DURATION_S, chars / MAX_CHARS_PER_S / speed)
    longest = (MAX_S_PER_CHAR * chars + MAX_EXTRA_S) / speed
    if pcm.duration < shortest:
        raise invalid(f"{pcm.duration:.3f} s of audio is too short for {chars} characters of text "
                      f"(minimum {shortest:.2f} s)")
    if pcm.duration > longest:
        raise invalid(f"{pcm.duration:.1f} s of audio is too long for {chars} characters of text "
                      f"(maximum {longest:.1f} s)")
    if chars and int(np.max(np.abs(pcm.samples.astype(np.int32)))) <= SILENT_PEAK:
        raise invalid(f"{pcm.duration:.2f} s of silence for {chars} characters of text")
    return pcm


def _audio_magic(head: bytes) -> bool:
    return head.startswith(_AUDIO_MAGIC) or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _as_text(head: bytes) -> str | None:
    """The head as text if it is printable UTF-8 (a multi-byte character cut at the end is fine)."""
    try:
        s = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3 or exc.reason != "unexpected end of data":
            return None
        s = head[:exc.start].decode("utf-8")
    return s if s and all(ch.isprintable() or ch in "\t\r\n" for ch in s.lstrip("\ufeff")) else None


def _text_kind(s: str) -> str:
    start = s.lstrip("\ufeff \t\r\n")[:15].lower()
    if start.startswith(("<!doctype html", "<html")) or "<body" in s.lower():
        return "HTML"
    if start.startswith(("{", "[")):
        return "JSON"
    if start.startswith("<"):
        return "XML/HTML"
    return "text"


def _snippet(head: bytes, limit: int = 100) -> str:
    """A short look at an error body, with long token-like runs (possible keys) redacted."""
    text = " ".join(head.decode("utf-8", "replace").split())
    text = _SECRETISH.sub("[redacted]", text)
    return repr(text[:limit] + ("..." if len(text) > limit else ""))
