"""Is a provider's 2xx body plausible audio for its text, in the encoding that was asked for?
(DESIGN.md invariants 4 and 9: check before caching.) Also the size cap every response is read under.

Every rejection is an InvalidAudioError with retryable=True: a truncated download or a proxy's
error page usually goes away on retry, and the retry budget bounds the rest.

Thresholds:
- **Empty body**: rejected.
- **Text instead of audio**: rejected when the content type is text/*, */json, */xml or */html and
  the body does not start with an audio signature (RIFF, ID3, MPEG sync, OggS, fLaC); or when the
  body itself is text (see sniff.py).
- **Not the requested encoding** (sniff.format_problem): another container or codec (MP3 or WAV where
  raw PCM was asked, raw bytes or MP3 where WAV was asked), a WAV whose format tag, sample width or
  rate is not the one requested, or raw bytes that are not plausible samples of the requested encoding.
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

Size cap: `max_body_bytes`, in limits.py (no numpy: the HTTP layer reads every body under it).
"""

from __future__ import annotations

import re

from ..errors import AudioError, InvalidAudioError
from .decode import decode
from .formats import AudioFormat
from .limits import (  # noqa: F401 - re-exported: the bounds checked here
    COMPRESSED_BYTE_RATES,
    HARD_MAX_BODY_BYTES,
    HEADER_SLACK_BYTES,
    MAX_EXTRA_S,
    MAX_S_PER_CHAR,
    max_body_bytes,
)
from .pcm import Pcm
from .riff import is_riff, parse_wav
from .sniff import format_problem, snippet

TRUNCATION_TOLERANCE_BYTES = 64
TRUNCATION_TOLERANCE_S = 0.010
PLACEHOLDER_SIZE = 0x7FFF0000
MAX_CHARS_PER_S = 40.0
MIN_DURATION_S = 0.05
SILENT_PEAK = 16

_TEXT_TYPES = re.compile(r"^\s*(text/[\w.+-]+|[\w.+-]+/([\w.+-]+\+)?(json|xml|html))\s*(;|$)", re.I)
_AUDIO_MAGIC = (b"RIFF", b"RF64", b"ID3", b"OggS", b"fLaC")


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
        raise invalid(f"content type {ctype.split(';')[0]} instead of audio ({len(data)} bytes: {snippet(head)})")
    problem = format_problem(data, fmt)
    if problem:
        raise invalid(problem)

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

    try:
        pcm = decode(data, fmt)
    except AudioError as exc:
        raise invalid(f"undecodable {fmt.container}/{fmt.encoding}: {exc}") from exc

    chars = sum(map(str.isalnum, text))  # letters and digits; map: no Python frame per character
    speed = speed if speed > 0 else 1.0
    shortest = max(MIN_DURATION_S, chars / MAX_CHARS_PER_S / speed)
    longest = (MAX_S_PER_CHAR * chars + MAX_EXTRA_S) / speed
    if pcm.duration < shortest:
        raise invalid(f"{pcm.duration:.3f} s of audio is too short for {chars} characters of text "
                      f"(minimum {shortest:.2f} s)")
    if pcm.duration > longest:
        raise invalid(f"{pcm.duration:.1f} s of audio is too long for {chars} characters of text "
                      f"(maximum {longest:.1f} s)")
    if chars and len(pcm.samples) and max(int(pcm.samples.max()), -int(pcm.samples.min())) <= SILENT_PEAK:
        raise invalid(f"{pcm.duration:.2f} s of silence for {chars} characters of text")
    return pcm


def _audio_magic(head: bytes) -> bool:
    return head.startswith(_AUDIO_MAGIC) or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
