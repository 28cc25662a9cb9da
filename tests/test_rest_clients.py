"""A REST provider sends from each thread through a client of its own (providers/clients.py): httpx's
shared connection pool looked at every idle connection (a poll(2) each, under one lock, letting go of
the GIL each time) at the start and end of every request. Each thread keeps its one connection alive
between its requests; the TLS context is loaded once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from narrate.providers.http import RestClient, RetryPolicy


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []  # (the path, the client's port: one per connection)
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                with server.lock:
                    server.seen.append((self.path, self.client_address[1]))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        server = self
        super().__init__(("127.0.0.1", 0), Handler)


def test_each_sending_thread_keeps_a_connection_of_its_own():
    server = _Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rc = RestClient("p", base_url=f"http://127.0.0.1:{server.server_address[1]}", policy=RetryPolicy(max_attempts=1),
                    timeout_s=5, concurrency=4)
    barrier = threading.Barrier(4)

    def three(worker: int) -> httpx.Client:
        barrier.wait(5)  # all four at once: a shared pool would hand their connections around
        for i in range(3):
            assert rc.call("GET", f"/{worker}/{i}", handle=lambda r: r.content) == b"ok"
        return rc.client

    try:
        with ThreadPoolExecutor(4) as pool:
            clients = list(pool.map(three, range(4)))
    finally:
        rc.close()
        server.shutdown()
        server.server_close()
    assert len({id(c) for c in clients}) == 4  # a client per thread
    ports = {w: {port for path, port in server.seen if path.startswith(f"/{w}/")} for w in range(4)}
    assert all(len(p) == 1 for p in ports.values()), ports  # each thread's three requests: one connection
    assert len(set().union(*ports.values())) == 4, ports  # and no two threads share one
    assert all(c.is_closed for c in clients)  # close() closed every thread's client


def test_the_tls_context_is_loaded_once_for_every_thread(monkeypatch):
    from narrate.providers import clients

    made = []
    real = httpx.create_ssl_context

    def counted(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(clients.httpx, "create_ssl_context", counted)
    rc = RestClient("p", base_url="https://127.0.0.1:9", policy=RetryPolicy(), timeout_s=5, concurrency=4)
    try:
        with ThreadPoolExecutor(4) as pool:
            verified = list(pool.map(lambda _: rc.client._transport._pool._ssl_context, range(8)))
    finally:
        rc.close()
    assert len(made) == 1 and len({id(v) for v in verified}) == 1
