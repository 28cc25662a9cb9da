"""One exception tree for narrate. The CLI maps these to messages and exit codes.

Messages never contain secrets: provider errors carry status, request id and segment,
never headers or keys.
"""

from __future__ import annotations

from dataclasses import dataclass


class NarrateError(Exception):
    """Base of every error narrate raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"


@dataclass(frozen=True)
class Problem:
    """One located problem in a user's input file."""

    file: str
    line: int | None
    key_path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key_path}:" if self.key_path else ""
        hint = f" (did you mean {self.hint}?)" if self.hint else ""
        return f"{where}:{key} {self.message}{hint}"


class ManifestError(NarrateError):
    """A manifest (or a file it names) is invalid. Carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(NarrateError):
    """The command line asked for something impossible."""

    exit_code = 2


class StarterError(UsageError):
    """`narrate init` found files it would overwrite."""


class MissingKeyError(UsageError):
    """Providers a command needs have no credentials. Raised once, before any request, naming for
    each provider the environment variable (or file) to set; never a value."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class ProviderError(NarrateError):
    """A provider request failed. `retryable` drives the retry policy. `account`: the refusal is about
    the credentials or the account (401, 402, 403, out of quota), not this text. `halt` (implied by
    `account`, or a Retry-After past the cap): no other request to this provider can succeed now
    either, so a build stops sending to it."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        hint: str | None = None,
        account: bool = False,
        halt: bool = False,
    ) -> None:
        super().__init__(message, hint=hint)
        self.account = account
        self._halt = halt
        self.provider = provider
        self.status = status
        self.request_id = request_id
        self.retryable = retryable
        self.retry_after = retry_after

    @property
    def halt(self) -> bool:
        """Whether a build stops sending to this provider: a refused account always (a classifier may
        clear `account` after construction: an ElevenLabs 403 about one voice)."""
        return self._halt or self.account

    @halt.setter
    def halt(self, value: bool) -> None:
        self._halt = value


class InvalidAudioError(ProviderError):
    """A provider answered 2xx but the body is not plausible audio for the text (HTML, JSON, truncated...)."""


class VoiceError(NarrateError):
    """An unknown voice or language for a provider."""

    exit_code = 2


class AudioError(NarrateError):
    """Audio could not be decoded, processed or encoded."""


class CacheError(NarrateError):
    """The segment cache is unreadable or inconsistent."""


class RemoteCacheError(CacheError):
    """The shared remote cache at `url` cannot be opened, or refused a write a shard needed (its
    segments must reach the assembling job). `reason` says what failed, never with a credential."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"remote cache {url}: {reason}")
        self.url, self.reason = url, reason


class PlatformLimitError(NarrateError):
    """An output violates a telephony platform's documented limit."""

    exit_code = 2


class LockError(NarrateError):
    """narrate.lock is not valid JSON or not the shape narrate writes. The message names the file,
    where it is wrong, and how to recover (delete or restore it; the next build rebuilds it)."""

    exit_code = 2


class PackageInputError(NarrateError):
    """A library's index.json, or a file it names, is not what the last build wrote: damaged, or
    naming a file outside the library's output folder, not a regular file, or not recorded in the
    lock with those bytes. The message names index.json, the entry and the way to recover."""

    exit_code = 2


class OutputPathError(NarrateError):
    """An output path would leave its output folder (through `..` or a symlink), or a link or folder
    stands where an output file should be. Nothing was written there."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM reached narrate: its child processes are stopped, what is cached stays.

    A KeyboardInterrupt, so that every `except Exception` lets it through and every cleanup that
    handles Ctrl-C handles SIGTERM the same way. Exit code 128 + the signal's number (130, 143).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

class LeaseError(NarrateError):
    """Another build held a claim (a segment lease or a project's publish lock) past the bound."""


class MarkupError(NarrateError):
    """Prompt markup (the SSML subset in narrate.text.markup) that cannot be parsed or is not allowed.
    The message is the reason only; manifest validation adds file, line and key path."""

    exit_code = 2


def shown(text: object, limit: int | None = None) -> str:
    """`text` safe to print on one terminal line: every character Python does not call printable
    (C0 and C1 controls, bidi overrides and isolates, zero-width characters...) becomes an escape
    such as \\x1b or \\u202e, so no name or provider text can rewrite the user's terminal. A byte of
    a file name that is not UTF-8 (os.fsdecode's lone surrogate \\udce9) is shown as the byte, \\xe9.
    With `limit`, longer results are cut to that many characters, ending in "…"."""
    s = str(text)
    if not s.isprintable():
        s = "".join(ch if ch.isprintable() else _escaped(ch) for ch in s)
    return s if limit is None or len(s) <= limit else s[: limit - 1] + "…"


def _escaped(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte a file name held
        return f"\\x{code - 0xDC00:02x}"
    return ascii(ch)[1:-1]


def utf8_problem(path: object) -> str | None:
    """Why a path cannot be recorded (the lock, the cache's records, --json are UTF-8), or None:
    a name whose bytes are not UTF-8, as on a disk written in Latin-1 (b"caf\\xe9.md")."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"the file name is not UTF-8 (byte {shown(text[exc.start])}): rename it in UTF-8 "
                "(convmv -f latin1 -t utf8 --notest does it)")
    return None
