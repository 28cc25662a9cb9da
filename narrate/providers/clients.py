"""A REST provider's httpx clients: one per thread that sends, all sharing one TLS context.

httpx's connection pool (httpcore's) is shared by every thread of a client, and at the start and the
end of every request it looks at each of its idle connections under its one lock: a poll(2) each,
which lets go of the GIL and takes it back. At 16 requests in flight that was about 20 polls a
request (strace of bench/rest_build.py's requests), and in a build's busy process each one waits for
another thread to hand the GIL back while every other request waits on the pool's lock. A client per
thread has one connection of its own, kept alive between that thread's requests, and looks at that
one alone. What each client does (limits, timeouts, proxies from the environment, redirects) is what
the one client did: `make` builds them all alike; only the CA bundle, tens of ms to load, is loaded
once (`prepare`) and shared.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable

import httpx


class ThreadClients:
    """`get()`: the calling thread's client, made on its first request (`make(tls_context)`)."""

    def __init__(self, make: Callable[[ssl.SSLContext | bool], httpx.Client]) -> None:
        self._make = make
        self._tls: ssl.SSLContext | bool = True
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[httpx.Client] = []
        self._spare: httpx.Client | None = None  # made ahead by `prepare`: the first thread to ask takes it

    def prepare(self) -> httpx.Client:
        """Load the TLS context and make the first client (in a thread of its own, while the build plans)."""
        self._tls = httpx.create_ssl_context()
        self._spare = self._add(self._make(self._tls))
        return self._spare

    def get(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            with self._lock:
                client, self._spare = self._spare, None
            if client is None:
                client = self._add(self._make(self._tls))
            self._local.client = client
        return client

    def _add(self, client: httpx.Client) -> httpx.Client:
        with self._lock:
            self._all.append(client)
        return client

    def close(self) -> None:
        """Close every thread's client (their connections); a thread that sends after this gets httpx's
        error for a closed client, as with one client."""
        with self._lock:
            clients, self._all, self._spare = self._all, [], None
        for client in clients:
            client.close()
