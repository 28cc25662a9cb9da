"""Audio format descriptors: `AudioFormat` (what a provider's bytes are) and the output formats
narrate can write, by the name a manifest uses in `formats:`.

Why each exists (see ../shared/reference/telephony.md):
- `ulaw`/`alaw`: headerless G.711 at 8 kHz, what Asterisk plays cheapest.
- `wav`: 16-bit PCM 8 kHz RIFF, the only WAV Asterisk's format_wav accepts; also FreeSWITCH's 8000/ folder.
- `wav16`: 16-bit PCM 16 kHz RIFF under Asterisk's `.wav16` extension (the bytes are an ordinary WAV).
- `mulaw-wav`/`alaw-wav`: G.711 in RIFF (format tags 7 and 6), what Amazon Connect, Cisco and Twilio want.
- `sln16`: headerless 16-bit 16 kHz signed linear, Asterisk's wideband raw format.
- `sln32`/`sln48`: the same at 32 and 48 kHz (Asterisk's `.sln32`, `.sln48`).
- `wav32`/`wav48`: 16-bit PCM RIFF at 32 and 48 kHz, FreeSWITCH's 32000/ and 48000/ folders.
- `g722`: headerless G.722 at 64 kbit/s (16 kHz audio), Asterisk's `.g722`.
- `gsm`: headerless GSM 06.10 (33-byte frames, 8 kHz), Asterisk's `.gsm` and many PBXs.
- `opus`/`ogg`: Opus in Ogg (RFC 7845) at 48 kHz, for WebRTC and web players; the same bytes
  under `.opus` or `.ogg`.
- `mp3`: MPEG-2 Layer III, 24 kHz mono at 48 kbit/s constant, for platforms that take MP3 (Twilio
  `<Play>`, Bandwidth, Genesys uploads).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AudioFormat:
    """What a provider's bytes are. `container` is "wav" (RIFF), "raw" (headerless), "ogg" or "mp3"."""

    container: str
    encoding: str  # "pcm_s16le", "mulaw", "alaw", "mp3"
    sample_rate: int  # Hz


@dataclass(frozen=True)
class OutputFormat:
    name: str
    ext: str  # file extension without the dot
    rate: int
    encoding: str  # "pcm_s16le" | "mulaw" | "alaw" | "g722" | "gsm" | "opus" | "mp3"
    container: str  # "raw" | "wav" | "ogg" | "mp3"


OUTPUT_FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("ulaw", "ulaw", 8000, "mulaw", "raw"),
        OutputFormat("alaw", "alaw", 8000, "alaw", "raw"),
        OutputFormat("wav", "wav", 8000, "pcm_s16le", "wav"),
        OutputFormat("wav16", "wav16", 16000, "pcm_s16le", "wav"),
        OutputFormat("mulaw-wav", "wav", 8000, "mulaw", "wav"),
        OutputFormat("alaw-wav", "wav", 8000, "alaw", "wav"),
        OutputFormat("sln16", "sln16", 16000, "pcm_s16le", "raw"),
        OutputFormat("sln32", "sln32", 32000, "pcm_s16le", "raw"),
        OutputFormat("sln48", "sln48", 48000, "pcm_s16le", "raw"),
        OutputFormat("wav32", "wav", 32000, "pcm_s16le", "wav"),
        OutputFormat("wav48", "wav", 48000, "pcm_s16le", "wav"),
        OutputFormat("g722", "g722", 16000, "g722", "raw"),
        OutputFormat("gsm", "gsm", 8000, "gsm", "raw"),
        OutputFormat("opus", "opus", 48000, "opus", "ogg"),
        OutputFormat("ogg", "ogg", 48000, "opus", "ogg"),
        OutputFormat("mp3", "mp3", 24000, "mp3", "mp3"),
    )
}

# ffmpeg encoder arguments for book audio (mono speech). Part of each book output's recipe, so a
# change here re-encodes the books, and only them.
MP3_ARGS = ["-c:a", "libmp3lame", "-b:a", "64k", "-ac", "1"]
AAC_ARGS = ["-c:a", "aac", "-b:a", "64k", "-ac", "1", "-movflags", "+faststart"]
