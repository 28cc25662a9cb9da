"""Running `narrate serve`'s app (narrate.serve): `run` until interrupted (the command), or
`BackgroundServer` on a free port in a thread (tests and benchmarks)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .errors import NarrateError
from .providers.base import Provider
from .serve import DEFAULT_FAULTS, ServeOptions, create_app

SHUTDOWN_GRACE_S = 2


def _server(app: Any, log_level: str) -> Any:
    import uvicorn

    # A client that never finishes its request (or reads an `endless` body) must not keep the server
    # from stopping: after this many seconds of shutdown, what still runs is cancelled.
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off", http="h11",
                            timeout_keep_alive=30, timeout_graceful_shutdown=SHUTDOWN_GRACE_S)
    return uvicorn.Server(config)


def run(host: str = "127.0.0.1", port: int = 8000, *, latency_ms: float = 0.0, fault_rate: float = 0.0,
        faults: tuple[str, ...] | list[str] = DEFAULT_FAULTS, slow_ms: float = 1000.0, retry_after_s: float = 1.0,
        seed: int | None = None, log_level: str = "info", engine: Provider | None = None,
        drip_ms: float = 2000.0, on_listening: Callable[[str, int], None] | None = None) -> None:
    """Serve until interrupted (what `narrate serve` calls). `engine` defaults to the embedded espeak.
    `on_listening(host, port)` is called once the socket is bound: with port 0 it gets the port the
    system chose."""
    opts = ServeOptions(latency_ms=latency_ms, fault_rate=fault_rate, faults=tuple(faults), slow_ms=slow_ms,
                        retry_after_s=retry_after_s, seed=seed, drip_ms=drip_ms)
    server = _server(create_app(opts, engine=engine), log_level)
    sock = _bind(host, port)
    if on_listening is not None:
        on_listening(*sock.getsockname()[:2])
    server.run(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this on Linux. Without it, Nagle + delayed ACK hold the last segment of
    # a response written in two parts (headers, body) for ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        shown_host = f"[{host}]" if ":" in host else host
        raise NarrateError(f"narrate serve cannot listen on {shown_host}:{port}: {exc.strerror or exc}") from None
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


class BackgroundServer:
    """`with BackgroundServer(ServeOptions(...)) as srv:` serves on 127.0.0.1:<free port> in a thread.

    `srv.url` is the root URL, `srv.stats()` the counters; leaving the block stops the server.
    """

    def __init__(self, options: ServeOptions | None = None, *, engine: Provider | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = create_app(options, engine=engine)
        self._sock = _bind(host, port)
        self.host, self.port = self._sock.getsockname()[:2]
        self._server = _server(self.app, "critical")
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="narrate-serve", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stats(self) -> dict[str, Any]:
        return self.app.state.stats.snapshot()

    def reset_stats(self) -> None:
        self.app.state.stats.reset()

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise NarrateError("narrate serve did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
