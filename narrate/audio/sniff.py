"""What a body really is, from its bytes, and whether that is the encoding a request asked for.

`sniff(data)` names the container or codec from signatures and frame structure; `format_problem(data,
fmt)` is the one check every provider path runs (through validate.check_audio) before anything is
cached: a body that is not the requested encoding is rejected, whatever its Content-Type says.

Signatures (first bytes): RIFF/RF64 + WAVE (its `fmt ` chunk gives format tag, bits and rate),
ID3v2 (`ID3`, version < 0xFF, four syncsafe size bytes), MPEG audio frames (11-bit sync, valid
version/layer/bitrate/rate fields, and the next frame's sync exactly where the header says it
starts: ISO/IEC 11172-3 and 13818-3 frame lengths), ADTS AAC (12-bit sync, layer 0, 13-bit frame
length, chained the same way), `OggS`, `fLaC`, `FORM....AIFF`, `....ftyp` (MP4/M4A), EBML (WebM),
`caff`, `#!AMR`. Text: the first 512 bytes decode as printable UTF-8 and start with `<`, `{` or `[`
or run for 16 bytes or more (audio samples are never 16 printable characters in a row in practice).

Raw (headerless) bodies have no signature, so plausibility is measured on the decoded samples.
Figures: eSpeak NG speech, 4 voices x 6 texts (some all sibilants), at 8, 16 and 24 kHz.
- **Adjacent-sample correlation** r (energy-weighted lag-1 autocorrelation, mean removed): speech is
  low-pass, so neighbouring samples agree: r was 0.54-0.96 for every rate and encoding decoded
  rightly; MP3 bytes read as samples gave 0.03-0.21, 16-bit PCM read as mu-law -0.19-0.25 and as
  A-law -0.02-0.04. Under 0.3 (G.711) or 0.25 (16-bit) is rejected as "uncorrelated".
- **The other reading**: where 16-bit PCM was asked, the bytes are also decoded as mu-law and A-law;
  r >= 0.45 there means G.711 speech (real G.711 gave 0.30-0.82, 16-bit PCM at most 0.26). Where
  G.711 was asked, bytes that read as s16le with r >= 0.5 and under 0.5% of samples at full scale,
  and as G.711 with r < 0.45, are 16-bit PCM (real G.711 read so always had 3.4% or more at full
  scale; a steady synthetic tone in G.711 reads well both ways, and the G.711 reading wins).
- **Full-scale share** (16-bit asked): G.711 bytes read as s16le put quiet negative samples near
  +32767 (3.4-19% of samples at |x| >= 29000); real speech had 0%. Over 4% is rejected.
Mu-law and A-law are not told apart (no provider is asked for A-law). Only the middle 64 KiB are judged;
bodies under 800 samples or with no energy are not (the duration and silence checks are).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import AudioError
from . import g711
from .formats import AudioFormat
from .riff import WAVE_FORMAT_ALAW, WAVE_FORMAT_MULAW, WAVE_FORMAT_PCM, WavInfo, is_riff, parse_wav

AUDIO_KINDS = frozenset({"wav", "mp3", "aac", "ogg", "flac", "aiff", "mp4", "webm", "caf", "amr"})
TEXT_KINDS = frozenset({"json", "html", "xml", "text"})
MIN_JUDGED_SAMPLES = 800
JUDGED_BYTES = 1 << 16  # 64 KiB from the middle say enough (1.4 s of 24 kHz 16-bit, 8 s of 8 kHz G.711)
MIN_CORRELATION = {"pcm_s16le": 0.25, "mulaw": 0.3, "alaw": 0.3}
G711_LIKE = 0.45  # decoded as G.711, 16-bit PCM never passed 0.26; G.711 never fell under 0.54 (mu) / 0.30 (A)
PCM_LIKE = 0.5  # read as s16le, 16-bit speech never fell under 0.54
FULL_SCALE = 29000
MAX_FULL_SCALE_SHARE = 0.04
PCM_MAX_FULL_SCALE_SHARE = 0.005
TEXT_PROBE_BYTES = 512

# The format tag and sample width each requested encoding has in a WAV `fmt ` chunk.
WAV_TAGS = {"pcm_s16le": (WAVE_FORMAT_PCM, 16), "mulaw": (WAVE_FORMAT_MULAW, 8), "alaw": (WAVE_FORMAT_ALAW, 8)}
_TAG_NAMES = {WAVE_FORMAT_PCM: "PCM", 3: "IEEE float", WAVE_FORMAT_ALAW: "A-law", WAVE_FORMAT_MULAW: "mu-law"}
_LABELS = {"mp3": "MP3 audio", "aac": "AAC (ADTS) audio", "ogg": "an Ogg stream", "flac": "FLAC audio",
           "aiff": "an AIFF file", "mp4": "an MP4/M4A file", "webm": "a WebM/Matroska file", "caf": "a CAF file",
           "amr": "AMR audio"}
_TEXT_NAMES = {"json": "JSON", "html": "HTML", "xml": "XML/HTML", "text": "text"}
_SECRETISH = re.compile(r"[A-Za-z0-9_\-]{24,}")

# MPEG audio bitrates in kbit/s by [version is MPEG-1][layer 1..3][index 1..14] (ISO/IEC 11172-3, 13818-3).
_BITRATES = {
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}  # by version bits
_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)


@dataclass(frozen=True)
class Sniffed:
    """`kind`: "empty", "binary" (nothing recognised), one of AUDIO_KINDS or TEXT_KINDS. `label`: for messages."""

    kind: str
    label: str
    wav: WavInfo | None = None
    wav_error: str | None = None  # a RIFF/WAVE signature whose header does not parse


def sniff(data: bytes) -> Sniffed:
    """Name what `data` is from its first bytes (and, for MPEG/ADTS, its first frames)."""
    if not data:
        return Sniffed("empty", "an empty body")
    if is_riff(data):
        try:
            info = parse_wav(data)
        except AudioError as exc:
            return Sniffed("wav", "a WAV file with a broken header", wav_error=exc.message)
        return Sniffed("wav", f"a WAV file ({describe_wav(info)})", wav=info)
    head = data[:16]
    kind = _signature(head)
    if kind is None and _mpeg_frames(data) not in (0, 1):
        kind = "mp3"
    if kind is None and _adts_frames(data) not in (0, 1):
        kind = "aac"
    if kind is not None:
        return Sniffed(kind, _LABELS[kind])
    text = _as_text(data[:TEXT_PROBE_BYTES])
    if text is not None and (text.lstrip("\ufeff \t\r\n")[:1] in ("<", "{", "[") or len(data) >= 16):
        kind = _text_kind(text)
        return Sniffed(kind, f"{_TEXT_NAMES[kind]} body")
    return Sniffed("binary", "unrecognised bytes")


def describe_wav(info: WavInfo) -> str:
    tag = _TAG_NAMES.get(info.tag, f"format tag {info.tag}")
    return f"{tag}, {info.bits}-bit, {info.rate} Hz, {info.channels} channel{'s' if info.channels != 1 else ''}"


def describe_format(fmt: AudioFormat) -> str:
    """"raw mulaw at 8000 Hz", "WAV pcm_s16le at 24000 Hz", "mp3"."""
    rate = f" at {fmt.sample_rate} Hz" if fmt.sample_rate else ""
    if fmt.container == "raw":
        return f"raw {fmt.encoding}{rate}"
    if fmt.container == "wav":
        return f"WAV {fmt.encoding}{rate}"
    return fmt.container


def format_problem(data: bytes, fmt: AudioFormat) -> str | None:
    """Why `data` is not audio in `fmt` (one line, for a retryable error), or None if it may be.

    None does not mean decodable: bytes nothing here recognises, where a WAV or compressed format was
    asked, are left to the decoder, whose message says what is wrong.
    """
    found = sniff(data)
    if found.kind == "empty":
        return "empty body"
    if found.kind in TEXT_KINDS:
        return f"{found.label} instead of audio ({len(data)} bytes: {snippet(data[:TEXT_PROBE_BYTES])})"
    wanted = describe_format(fmt)
    if fmt.container == "wav":
        if found.kind == "wav":
            return _wav_problem(found, fmt)
        if found.kind in AUDIO_KINDS:
            return f"{found.label} where {wanted} was requested"
        return None
    if fmt.container == "raw":
        if found.kind in AUDIO_KINDS:
            return f"{found.label} where {wanted} was requested"
        return raw_problem(data, fmt)
    if found.kind in AUDIO_KINDS and found.kind != fmt.container:
        return f"{found.label} where {wanted} was requested"
    return None


def _wav_problem(found: Sniffed, fmt: AudioFormat) -> str | None:
    info = found.wav
    if info is None:
        return None  # the validator reports the header error itself
    wanted = describe_format(fmt)
    tag, bits = WAV_TAGS.get(fmt.encoding, (None, None))
    if tag is not None and (info.tag, info.bits) != (tag, bits):
        return f"{found.label} where {wanted} was requested"
    if fmt.sample_rate and info.rate != fmt.sample_rate:
        return f"{found.label} where {wanted} was requested (wrong sample rate)"
    return None


def raw_problem(data: bytes, fmt: AudioFormat) -> str | None:
    """Plausibility of headerless PCM/G.711 (see the module doc for the thresholds and their source)."""
    wanted = describe_format(fmt)
    if fmt.encoding == "pcm_s16le" and len(data) % 2:
        return f"truncated 16-bit PCM: odd length {len(data)} bytes"
    if fmt.encoding not in MIN_CORRELATION:
        return None
    start = max(0, (len(data) - JUDGED_BYTES) // 4 * 2)  # the middle: leading and trailing silence say nothing
    probe = data[start:start + JUDGED_BYTES]
    as16 = np.frombuffer(probe[:len(probe) // 2 * 2], dtype="<i2")
    if len(as16) < MIN_JUDGED_SAMPLES:
        return None
    share = float(np.count_nonzero(np.abs(as16.astype(np.int32)) >= FULL_SCALE)) / len(as16)
    r16 = lag1_correlation(as16)
    if fmt.encoding == "pcm_s16le":
        if share > MAX_FULL_SCALE_SHARE:
            return (f"bytes are not plausible {wanted}: {share:.0%} of samples at full scale "
                    f"(8-bit G.711 read as 16-bit PCM looks like this)")
        r711 = max(lag1_correlation(g711.ulaw_decode(probe)) or 0.0, lag1_correlation(g711.alaw_decode(probe)) or 0.0)
        if r711 >= G711_LIKE:
            return (f"bytes are not plausible {wanted}: they read as 8-bit G.711 speech "
                    f"(adjacent-sample correlation {r711:.2f} decoded as G.711)")
        r = r16
    else:
        decoded = g711.ulaw_decode(probe) if fmt.encoding == "mulaw" else g711.alaw_decode(probe)
        r = lag1_correlation(decoded)
        if len(data) % 2 == 0 and share < PCM_MAX_FULL_SCALE_SHARE and (r16 or 0.0) >= PCM_LIKE \
                and (r or 0.0) < G711_LIKE:  # a steady tone in G.711 reads well both ways: the G.711 reading wins
            return (f"bytes are not plausible {wanted}: they read as 16-bit PCM speech "
                    f"(adjacent-sample correlation {r16:.2f} as s16le, no sample at full scale)")
    if r is not None and r < MIN_CORRELATION[fmt.encoding]:
        return (f"bytes are not plausible {wanted}: adjacent samples are uncorrelated (r={r:.2f}; speech is "
                f"above {MIN_CORRELATION[fmt.encoding]}), like compressed or differently encoded bytes")
    return None


def lag1_correlation(samples: np.ndarray) -> float | None:
    """Energy-weighted lag-1 autocorrelation with the mean removed, or None for a signal with no energy."""
    x = samples.astype(np.float32)  # float32 is ample for a correlation and halves the memory traffic
    x -= x.mean()
    # np.sum of products, not np.dot: BLAS's threads cost 100x more than the work on a busy machine.
    energy = float(np.sum(x * x))
    if energy < len(x) * 4.0:  # RMS under 2 LSB: silence, left to the silence check
        return None
    return float(np.sum(x[:-1] * x[1:])) / energy


def _signature(head: bytes) -> str | None:
    if head.startswith(b"ID3") and len(head) >= 10 and head[3] < 0xFF and head[4] < 0xFF \
            and all(b < 0x80 for b in head[6:10]):
        return "mp3"
    if head.startswith(b"OggS") and len(head) > 4 and head[4] == 0:
        return "ogg"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "webm"
    if head.startswith(b"caff"):
        return "caf"
    if head.startswith(b"#!AMR"):
        return "amr"
    return None


def _mpeg_frame_length(data: bytes, off: int) -> int | None:
    """The length of the MPEG audio frame whose header is at `off`, or None if no valid header is there."""
    if off + 4 > len(data):
        return None
    h = int.from_bytes(data[off:off + 4], "big")
    if h >> 21 != 0x7FF:
        return None
    version, layer_bits = (h >> 19) & 3, (h >> 17) & 3
    bitrate_index, rate_index, padding = (h >> 12) & 15, (h >> 10) & 3, (h >> 9) & 1
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index - 1] * 1000
    rate = _MPEG_RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    slots = 144 if (layer == 2 or mpeg1) else 72
    return slots * bitrate // rate + padding


def _mpeg_frames(data: bytes, limit: int = 3) -> int:
    """Consecutive MPEG frames chained from offset 0 (at most `limit`); -1 if one frame is the whole body."""
    return _chain(data, _mpeg_frame_length, limit)


def _adts_frame_length(data: bytes, off: int) -> int | None:
    if off + 7 > len(data):
        return None
    b = data[off:off + 7]
    if b[0] != 0xFF or b[1] & 0xF6 != 0xF0 or (b[2] >> 2) & 15 >= len(_ADTS_RATES):
        return None
    length = ((b[3] & 3) << 11) | (b[4] << 3) | (b[5] >> 5)
    return length if length >= 7 else None


def _adts_frames(data: bytes, limit: int = 3) -> int:
    return _chain(data, _adts_frame_length, limit)


def _chain(data: bytes, frame_length: Callable[[bytes, int], int | None], limit: int) -> int:
    off, count = 0, 0
    while count < limit:
        length = frame_length(data, off)
        if length is None:
            break
        count += 1
        off += length
        if off == len(data):
            return -1 if count == 1 else count
        if off > len(data):
            break
    return count


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
        return "html"
    if start.startswith(("{", "[")):
        return "json"
    if start.startswith("<"):
        return "xml"
    return "text"


def snippet(head: bytes, limit: int = 100) -> str:
    """A short look at an error body, with long token-like runs (possible keys) redacted."""
    text = " ".join(head.decode("utf-8", "replace").split())
    text = _SECRETISH.sub("[redacted]", text)
    return repr(text[:limit] + ("..." if len(text) > limit else ""))
