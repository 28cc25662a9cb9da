"""How large a provider's answer may be, and how long its audio: the bounds `validate` checks against,
without numpy, so that a REST build sends its first requests before numpy is imported (the HTTP
layer reads every body under `max_body_bytes`; validation, which decodes, comes with the answers).

Size cap (`max_body_bytes`): a response is read as a stream and abandoned past
HEADER_SLACK_BYTES + byte rate x (3 s x len(text) + 5 s) / speed, with the byte rate of the requested
encoding (16-bit PCM: 2 x rate; G.711: rate; MP3: 320 kbit/s, the highest MPEG-1 Layer III bitrate;
Opus/Ogg: 510 kbit/s, Opus's maximum), times 4/3 for base64 bodies. That is validate's "too long"
bound over every character, so the cap never cuts a body the duration check would accept. Whatever
the text, no body may pass HARD_MAX_BODY_BYTES (64 MiB: 10 minutes, Azure's longest output, of 48 kHz
16-bit mono is 57.6 MB; no provider is asked for more than 24 kHz).
"""

from __future__ import annotations

from .formats import AudioFormat

MAX_S_PER_CHAR = 3.0
MAX_EXTRA_S = 5.0
HEADER_SLACK_BYTES = 64 * 1024
HARD_MAX_BODY_BYTES = 64 * 1024 * 1024
# Highest byte rates of compressed encodings (bytes/s): MP3 320 kbit/s, Opus 510 kbit/s; others as 16-bit PCM.
COMPRESSED_BYTE_RATES = {"mp3": 40_000, "opus": 63_750, "ogg": 63_750, "aac": 64_000}


def max_body_bytes(text: str, fmt: AudioFormat, *, speed: float = 1.0, base64: bool = False) -> int:
    """The most bytes a response for `text` in `fmt` may have (see the module doc for the assumption)."""
    speed = speed if speed > 0 else 1.0
    rate = fmt.sample_rate or 48000
    if fmt.encoding in ("mulaw", "alaw"):
        byte_rate = rate
    elif fmt.encoding in COMPRESSED_BYTE_RATES or fmt.container in COMPRESSED_BYTE_RATES:
        byte_rate = COMPRESSED_BYTE_RATES.get(fmt.encoding) or COMPRESSED_BYTE_RATES[fmt.container]
    else:
        byte_rate = 2 * rate
    seconds = (MAX_S_PER_CHAR * len(text) + MAX_EXTRA_S) / speed
    cap = HEADER_SLACK_BYTES + int(byte_rate * seconds)
    if base64:
        cap = cap * 4 // 3 + 4
    return min(cap, HARD_MAX_BODY_BYTES)
