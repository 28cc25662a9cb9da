"""Reading one response body within a size cap and before a deadline (DESIGN.md invariant 11).

httpx's timeouts apply to each network operation, so a body drip-fed one byte at a time never times
out, and nothing limits how much a body may hold. `read_body` reads the (decoded) stream chunk by
chunk and stops:

- past `max_bytes` (a declared Content-Length over it is refused before reading anything);
- at `deadline` (time.monotonic): checked after every chunk, and a watchdog timer shuts the
  connection's socket at the deadline so that a read blocked on a silent server returns at once.
  Without a socket (httpx.MockTransport) the check between chunks is what bounds it.

Both are retryable errors: the next attempt may get a well-behaved answer. A body shorter than its
Content-Length is a truncated download (real servers make h11 raise earlier; mocks do not).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import httpx

from ..errors import InvalidAudioError, ProviderError
from .responses import REQUEST_ID_HEADERS, header_value


class Watchdog:
    """Shuts down the socket behind `response` at `deadline` unless cancelled first."""

    def __init__(self, response: httpx.Response, deadline: float) -> None:
        self.fired = False
        self._timer: threading.Timer | None = None
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire, args=(sock,))
            self._timer.daemon = True
            self._timer.start()

    def _fire(self, sock: socket.socket) -> None:
        self.fired = True
        # socket.socket's own shutdown, also for an SSLSocket: end the blocked recv, not the TLS state.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def read_body(response: httpx.Response, *, provider: str, max_bytes: int, deadline: float, budget_s: float,
              strict: bool = True) -> bytes:
    """The whole (decoded) body, or a retryable ProviderError. `strict=False` (error bodies) stops
    quietly at `max_bytes` and keeps what arrived; the deadline still applies."""
    status, rid = response.status_code, header_value(response.headers, REQUEST_ID_HEADERS)

    def fail(message: str, cls: type[ProviderError] = ProviderError) -> ProviderError:
        return cls(message, provider=provider, status=status, request_id=rid, retryable=True)

    declared = _declared_length(response)
    if strict and declared is not None and declared > max_bytes:
        raise fail(f"body of {declared} bytes (Content-Length) is over the {max_bytes}-byte limit for this text",
                   InvalidAudioError)
    buf = bytearray()
    watchdog = Watchdog(response, deadline)
    try:
        for chunk in response.iter_bytes():
            buf += chunk
            if len(buf) > max_bytes:
                if not strict:
                    del buf[max_bytes:]
                    break
                raise fail(f"body passed the {max_bytes}-byte limit for this text (stopped reading)",
                           InvalidAudioError)
            if time.monotonic() > deadline:
                raise fail(_late(budget_s, len(buf)))
    except httpx.TransportError as exc:
        if watchdog.fired or time.monotonic() > deadline:
            raise fail(_late(budget_s, len(buf))) from None
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection error"
        raise fail(f"{kind} while reading the body ({type(exc).__name__}) after {len(buf)} bytes") from None
    finally:
        watchdog.cancel()
    if watchdog.fired:
        raise fail(_late(budget_s, len(buf)))
    if strict and declared is not None and "content-encoding" not in response.headers and len(buf) != declared:
        raise fail(f"truncated body: {len(buf)} of {declared} bytes", InvalidAudioError)
    return bytes(buf)


def with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A complete httpx.Response holding `body` (already decoded: Content-Encoding is dropped)."""
    headers = [(k, v) for k, v in response.headers.multi_items()
               if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
    extensions = {k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")}
    return httpx.Response(response.status_code, headers=headers, content=body, request=response.request,
                          extensions=extensions)


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _late(budget_s: float, received: int) -> str:
    return f"attempt deadline of {budget_s:.1f}s passed with {received} body bytes received"
