"""Audio format descriptors: `AudioFormat` (what a provider's bytes are) and the output formats
narrate can write, by the name a manifest uses in `formats:`.

Why each exists (see ../shared/reference/telephony.md):
- `ulaw`/`alaw`: headerless G.711 at 8 kHz, what Asterisk plays cheapest.
- `wav`: 16-bit PCM 8 kHz RIFF, the only WAV Asterisk's format_wav accepts; also FreeSWITCH's 8000/ folder.
- `wav16`: 16-bit PCM 16 kHz RIFF under Asterisk's `.wav16` extension (the bytes are an ordinary WAV).
- `mulaw-wav`/`alaw-wav`: G.711 in RIFF (format tags 7 and 6), what Amazon Connect, Cisco and Twilio want.
- `sln16`: headerless 16-bit 16 kHz signed linear, Asterisk's wideband raw format.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AudioFormat:
    """What a provider's bytes are. `container` is "wav" (RIFF), "raw" (headerless) or "mp3"."""

    container: str
    encoding: str  # "pcm_s16le", "mulaw", "alaw", "mp3"
    sample_rate: int  # Hz


@dataclass(frozen=True)
class OutputFormat:
    name: str
    ext: str  # file extension without the dot
    rate: int
    encoding: str  # "pcm_s16le" | "mulaw" | "alaw"
    container: str  # "raw" | "wav"


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
    )
}

# ffmpeg encoder arguments for book audio (mono speech). Part of each book output's recipe, so a
# change here re-encodes the books, and only them.
MP3_ARGS = ["-c:a", "libmp3lame", "-b:a", "64k", "-ac", "1"]
AAC_ARGS = ["-c:a", "aac", "-b:a", "64k", "-ac", "1", "-movflags", "+faststart"]
