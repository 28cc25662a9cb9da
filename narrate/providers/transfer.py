"""Reading one response body within a size cap and before a deadline (DESIGN.md invariant 11).

httpx's timeouts apply to each network operation, so a body drip-fed one byte at a time never times
out, and nothing limits how much a body may hold. `read_body` reads the (decoded) stream chunk by
chunk and stops:

- past `max_bytes` (a declared Content-Length over it is refused before reading anything);
- at `deadline` (time.monotonic): checked after every chunk, and a watchdog shuts the connection's
  socket at the deadline so that a read blocked on a silent server returns at once (one thread
  watches every pending deadline: `_Alarms`). Ctrl-C or SIGTERM (procs.stop_all) fires them all.
  Without a socket (httpx.MockTransport) the check between chunks is what bounds it.

Both are retryable errors: the next attempt may get a well-behaved answer, as is a compressed body
that does not inflate (a proxy that mangled it). A body shorter than its Content-Length is a
truncated download (real servers make h11 raise earlier; mocks do not).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import httpx

from .. import procs
from ..errors import InvalidAudioError, ProviderError
from .responses import REQUEST_ID_HEADERS, header_value


class _Alarms:
    """One daemon thread that fires every pending Watchdog at its deadline (a heap of deadlines).

    A threading.Timer per request cost a thread start and exit for every request, on the GIL, at
    every concurrency. The thread ends when nothing is pending and starts again with the next watchdog.
    Cancelled watchdogs leave the heap lazily; the heap is rebuilt once they are most of it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Watchdog]] = []
        self._order = itertools.count()
        self._cancelled = 0
        self._running = False

    def add(self, deadline: float, dog: Watchdog) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline, next(self._order), dog))
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="narrate-watchdog", daemon=True).start()
            elif self._heap[0][2] is dog:  # a new earliest deadline: the thread sleeps less
                self._cond.notify()

    def cancel(self, dog: Watchdog) -> None:
        """After this returns the watchdog never fires (firing happens under the same lock).

        The thread is woken only when nothing is left pending, so that it ends: requests mostly end in
        the order they began, so the one cancelled is usually the earliest, and waking the thread for
        each (it would find the next deadline as far off) cost a thread switch per request."""
        with self._cond:
            if dog.pending:
                dog.pending = False
                self._cancelled += 1
                if self._cancelled == len(self._heap):  # nothing pending: let the thread end
                    self._cond.notify()
                if self._cancelled > 64 and self._cancelled * 2 > len(self._heap):
                    self._heap = [item for item in self._heap if item[2].pending]
                    heapq.heapify(self._heap)
                    self._cancelled = 0

    def fire_all(self) -> None:
        """Fire every pending watchdog now: narrate is stopping (procs.stop_all), and a body that
        drips in for another minute must not keep Ctrl-C waiting. The reads end; the retry loop
        then sees the stop and starts no other attempt."""
        with self._cond:
            dogs = [item[2] for item in self._heap if item[2].pending]
            for dog in dogs:
                dog.pending = False
                dog.fire()
            self._cancelled = 0
            self._heap.clear()
            self._cond.notify()

    def pending(self) -> int:
        """Watchdogs waiting to fire (for tests)."""
        with self._cond:
            return sum(1 for item in self._heap if item[2].pending)

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and not self._heap[0][2].pending:
                    heapq.heappop(self._heap)
                    self._cancelled = max(0, self._cancelled - 1)
                if not self._heap:
                    self._running = False
                    return
                deadline, _, dog = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                dog.pending = False
                dog.fire()


ALARMS = _Alarms()
procs.on_stop(ALARMS.fire_all)


class Watchdog:
    """Shuts down the socket behind `response` at `deadline` unless cancelled first."""

    def __init__(self, response: httpx.Response, deadline: float) -> None:
        self.fired = False
        self.pending = False
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        self._sock = sock if isinstance(sock, socket.socket) else None
        if self._sock is not None:
            self.pending = True
            ALARMS.add(deadline, self)

    def fire(self) -> None:
        self.fired = True
        if self._sock is None:
            return
        # socket.socket's own shutdown, also for an SSLSocket: end the blocked recv, not the TLS state.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        ALARMS.cancel(self)


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
        for chunk in _decoded(response, max_bytes + 1):
            buf += chunk
            if len(buf) > max_bytes:
                if not strict:
                    del buf[max_bytes:]
                    break
                raise fail(f"body passed the {max_bytes}-byte limit for this text (stopped reading)",
                           InvalidAudioError)
            if time.monotonic() > deadline:
                raise fail(_late(budget_s, len(buf)))
    except httpx.DecodingError as exc:  # a mangled compressed body: as transient as a dropped connection
        encoding = response.headers.get("content-encoding", "").strip().lower() or "encoded"
        raise fail(f"body is not valid {encoding} ({exc}) after {len(buf)} decoded bytes") from None
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


def _decoded(response: httpx.Response, most: int) -> Iterator[bytes]:
    """The body's decoded bytes, chunk by chunk. httpx inflates each raw read whole (a 64 KiB read of a
    gzip bomb is 64 MB before anyone can count it), so gzip and deflate are inflated here, at most
    `most` bytes per step; other encodings (br, zstd) go through httpx."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if response.is_stream_consumed or encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        yield from response.iter_bytes()  # already read and decoded (a mock's content), or br / zstd
        return
    if encoding in ("", "identity"):
        yield from response.iter_raw()
        return
    # 47: a gzip or zlib header, detected; a raw deflate stream (some servers' "deflate") needs -15.
    inflater: Any = None
    for raw in response.iter_raw():
        if inflater is None:
            inflater = zlib.decompressobj(47 if encoding != "deflate" or raw[:1] == b"\x78" else -15)
        data = raw
        while data:
            try:
                out = inflater.decompress(data, most)
            except zlib.error as exc:
                raise httpx.DecodingError(str(exc)) from None
            yield out
            data = inflater.unconsumed_tail
            if not out:
                break
    if inflater is not None:
        yield inflater.flush()


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
