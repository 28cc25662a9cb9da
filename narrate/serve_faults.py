"""The misbehaving answers `narrate serve` can give, as raw ASGI responders (uvicorn + h11).

- `Truncated`: headers promising the whole body, half of it, then the connection drops.
- `Endless`: status 200 and a chunked body that never ends (the good body, repeated) until the client
  goes away; the server stops on its own after ENDLESS_MAX_S or ENDLESS_MAX_BYTES.
- `Drip`: status 200 with the true Content-Length, then one byte every `interval_s` until the client
  goes away (or, for a patient client, the body is complete: then it counts as a good answer); the
  server stops after DRIP_MAX_S.
- `wrong_body`: bytes of another encoding than the one requested, sent under the requested content
  type: MP3 or WAV where raw PCM/G.711 was asked, raw 16-bit PCM where raw G.711 was asked, G.711
  where 16-bit PCM was asked, headerless samples or MP3 where WAV was asked, WAV where MP3 was asked.

`abort` drops a client connection (uvicorn: the transport behind the server's own `send`, which the
app's outermost layer stores in the scope as "narrate.send").
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable, MutableMapping
from typing import Any

ENDLESS_MAX_S = 120.0
ENDLESS_MAX_BYTES = 4 * 1024**3
DRIP_MAX_S = 600.0
ENDLESS_CHUNK = 64 * 1024


def _owner(scope: MutableMapping[str, Any]) -> Any:
    return getattr(scope.get("narrate.send"), "__self__", None)


def abort(scope: MutableMapping[str, Any], *, reset: bool) -> bool:
    """Drop the client connection now. True if it worked."""
    transport = getattr(_owner(scope), "transport", None)
    if transport is None:
        return False
    if reset:  # linger 0: the peer sees a TCP reset, not a clean close
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    transport.abort()
    return True


def client_gone(scope: MutableMapping[str, Any]) -> bool:
    """True once the client has closed the connection (uvicorn's cycle flag, or a closing transport)."""
    owner = _owner(scope)
    if owner is None:
        return False
    transport = getattr(owner, "transport", None)
    return bool(getattr(owner, "disconnected", False) or (transport is not None and transport.is_closing()))


def _start(status: int, headers: dict[str, str], content_type: str) -> dict[str, Any]:
    raw = [(k.encode(), v.encode()) for k, v in {**headers, "content-type": content_type}.items()]
    return {"type": "http.response.start", "status": status, "headers": raw}


class Truncated:
    """Headers promising the whole body, half of it, then the connection drops."""

    def __init__(self, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.body, self.content_type, self.headers = body, content_type, headers

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(_start(200, self.headers, self.content_type))
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True})
        await asyncio.sleep(0.01)  # let the partial body leave before the socket closes
        abort(scope, reset=False)


class Endless:
    """Status 200, no Content-Length, and the body repeated until the client leaves (or the bounds)."""

    def __init__(self, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.content_type = content_type
        self.headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        self.chunk = (body * (ENDLESS_CHUNK // max(1, len(body)) + 1))[:ENDLESS_CHUNK] if body else b"\0" * 1024

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(_start(200, self.headers, self.content_type))
        started, sent = time.monotonic(), 0
        while not client_gone(scope) and sent < ENDLESS_MAX_BYTES and time.monotonic() - started < ENDLESS_MAX_S:
            await send({"type": "http.response.body", "body": self.chunk, "more_body": True})
            sent += len(self.chunk)
            await asyncio.sleep(0)  # uvicorn's send waits only when its buffer is full
        abort(scope, reset=False)


class Drip:
    """The true Content-Length, then one byte every `interval_s`. `on_complete` runs if all of it was sent."""

    def __init__(self, body: bytes, content_type: str, headers: dict[str, str], interval_s: float,
                 on_complete: Callable[[], None]) -> None:
        self.body, self.content_type, self.headers = body, content_type, headers
        self.interval_s, self.on_complete = interval_s, on_complete

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(_start(200, {**self.headers, "content-length": str(len(self.body))}, self.content_type))
        started = time.monotonic()
        for i in range(len(self.body)):
            if client_gone(scope) or time.monotonic() - started > DRIP_MAX_S:
                abort(scope, reset=False)
                return
            last = i == len(self.body) - 1
            await send({"type": "http.response.body", "body": self.body[i:i + 1], "more_body": not last})
            if not last:
                await asyncio.sleep(self.interval_s)
        self.on_complete()


def wrong_choices(kind: str, encoding: str) -> list[str]:
    """What may be sent instead of `kind` ("raw", "wav" or "compressed") in `encoding` (see the module doc):
    "mp3", "wav" (16-bit PCM WAV), "pcm" (raw 16-bit) or "mulaw" (raw G.711 mu-law)."""
    if kind == "raw":
        return ["mp3", "wav", "mulaw" if encoding == "pcm_s16le" else "pcm"]
    if kind == "wav":
        return ["pcm", "mp3"]
    return ["wav"]
