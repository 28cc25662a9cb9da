"""`narrate serve`: a local server speaking the OpenAI and Deepgram TTS request/response shapes on the
embedded engine, with latency and fault injection, for integration tests, benchmarks and offline demos.

    POST /v1/audio/speech   OpenAI: {"model", "input", "voice", "response_format", "speed"} -> audio bytes
    POST /v1/speak          Deepgram: ?model=&encoding=&container=&sample_rate=&speed=, {"text"} -> audio bytes
    GET  /stats             {"requests", "by_status", "faults", "syntheses": {sha256(text)[:16]: n}, ...}
    POST /stats/reset       zero the counters
    GET  /health

Faults (`fault_rate` per request, chosen uniformly from `faults`): 429 (with Retry-After and
retry-after-ms), 500, 503, reset (the connection is aborted before any response), truncated (headers
and half the body, then the connection drops), html200 (an HTML page with status 200), slow (an extra
`slow_ms` before an otherwise good answer), wrongformat (status 200 and the requested content type,
but another encoding: MP3 or WAV for raw PCM, raw PCM for G.711, raw samples for WAV...), endless
(status 200 and a body that never ends), drip (the true Content-Length, then one byte every `drip_ms`).
The last three are in serve_faults.py, the API shapes in serve_formats.py, running it (`run`, and
`BackgroundServer` for tests) in serve_run.py. `DEFAULT_FAULTS` (what
`--faults` defaults to) leaves them out, so a plain `--fault-rate` run keeps its old meaning.
`syntheses` counts only complete, good answers: what a real provider would bill. The engine is not
thread-safe, so synthesis runs in worker threads behind its lock, and an LRU of decoded audio keeps
repeated texts (benchmarks) from measuring the engine.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import serve_faults
from .audio.decode import decode
from .audio.pcm import Pcm
from .errors import NarrateError
from .providers.base import Provider, ProviderConfig, SynthesisRequest

# Re-exported: tests and benchmarks import these from narrate.serve.
from .serve_formats import (
    CONTENT_TYPES,
    OPENAI_FORMATS,
    OPENAI_PCM_RATE,
    OPENAI_VOICES,
    ApiError,
    check_speed,
    check_text,
    deepgram_format,
    engine_voice,
    ffmpeg_encode,
    render_deepgram,
    render_openai,
    render_wrong,
)

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = ["CONTENT_TYPES", "DEFAULT_FAULTS", "FAULTS", "OPENAI_FORMATS", "OPENAI_PCM_RATE", "OPENAI_VOICES",
           "ApiError", "ServeOptions", "Stats", "create_app", "deepgram_format", "engine_voice",
           "ffmpeg_encode", "render_deepgram", "render_openai", "render_wrong", "text_hash"]

DEFAULT_FAULTS = ("429", "500", "503", "reset", "truncated", "html200", "slow")
FAULTS = (*DEFAULT_FAULTS, "wrongformat", "endless", "drip")
log = logging.getLogger("narrate.serve")
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>maintenance</body></html>"


def text_hash(text: str) -> str:
    """The key of `syntheses` in /stats."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class ServeOptions:
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    faults: tuple[str, ...] = DEFAULT_FAULTS
    slow_ms: float = 1000.0
    drip_ms: float = 2000.0  # one byte per this many ms (the `drip` fault)
    retry_after_s: float = 1.0
    seed: int | None = None
    cache_size: int = 1024
    cache_bytes: int = 256 * 1024 * 1024  # of decoded samples: 1,024 texts of 4,096 characters would be ~11 GB

    def __post_init__(self) -> None:
        unknown = [f for f in self.faults if f not in FAULTS]
        if unknown:
            raise NarrateError(f"unknown fault(s) {', '.join(unknown)}; choose from {', '.join(FAULTS)}")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise NarrateError(f"fault rate must be between 0 and 1, not {self.fault_rate}")


@dataclass
class Stats:
    requests: int = 0
    by_status: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    syntheses: Counter = field(default_factory=Counter)
    engine_calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, counter: str, key: str) -> None:
        with self.lock:
            getattr(self, counter)[key] += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": self.requests, "by_status": dict(self.by_status), "faults": dict(self.faults),
                    "syntheses": dict(self.syntheses), "engine_calls": self.engine_calls}

    def reset(self) -> None:
        with self.lock:
            self.requests, self.engine_calls = 0, 0
            self.by_status.clear()
            self.faults.clear()
            self.syntheses.clear()


# ------------------------------------------------------------------------------------- engine

class SpeechCache:
    """Synthesizes through the engine (in a worker thread) with an LRU of decoded audio."""

    def __init__(self, engine: Provider, stats: Stats, size: int, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.engine, self.stats, self.size, self.max_bytes = engine, stats, size, max_bytes
        self.held_bytes = 0
        self._items: OrderedDict[tuple, Pcm] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, voice: str, language: str, speed: float) -> Pcm:
        key = (text, voice, language, round(speed, 3))
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        result = self.engine.synthesize(SynthesisRequest(text=text, voice=voice, language=language, speed=speed))
        pcm = decode(result.audio, result.format)
        with self.stats.lock:
            self.stats.engine_calls += 1
        with self._lock:
            if key not in self._items:
                self._items[key] = pcm
                self.held_bytes += pcm.samples.nbytes
            while self._items and (len(self._items) > self.size or self.held_bytes > self.max_bytes):
                self.held_bytes -= self._items.popitem(last=False)[1].samples.nbytes
        return pcm


# ------------------------------------------------------------------------------------------ app

def create_app(options: ServeOptions | None = None, *, engine: Provider | None = None,
               stats: Stats | None = None) -> Any:
    """The Starlette app. `engine` defaults to the embedded espeak provider."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.requests import ClientDisconnect
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route
    from starlette.types import ASGIApp  # the fault responses (serve_faults) are raw ASGI apps

    opts = options or ServeOptions()
    stats = stats or Stats()
    if engine is None:
        from .providers.espeak import create as create_espeak
        engine = create_espeak(ProviderConfig(name="espeak", kind="espeak"))
    speech = SpeechCache(engine, stats, opts.cache_size, opts.cache_bytes)
    rng = random.Random(opts.seed)
    # Its own generator, so the order in which requests finish synthesizing cannot shift the fault sequence.
    variant_rng = random.Random(None if opts.seed is None else opts.seed + 1)

    def pick_fault() -> str | None:
        if opts.faults and rng.random() < opts.fault_rate:
            return rng.choice(opts.faults)
        return None

    async def serve(request: Request, api: str, parse: Callable[[Request, dict], tuple],
                    error_body: Callable[[ApiError, str], dict]) -> Response | ASGIApp:
        with stats.lock:
            stats.requests += 1
        request_id = str(uuid.uuid4())
        if opts.latency_ms:
            await asyncio.sleep(opts.latency_ms / 1000)
        try:
            try:
                payload = json.loads(await _bounded_body(request) or b"{}")
            except ClientDisconnect:  # the client hung up mid-body: nobody is left to answer
                return Response(status_code=499)
            except ValueError:
                raise ApiError(400, "the body is not JSON") from None
            except RecursionError:  # json's decoder recurses once per [ or {
                raise ApiError(400, "the body is JSON nested too deeply") from None
            if not isinstance(payload, dict):
                raise ApiError(400, "the body must be a JSON object")
            text, voice, language, speed, render, (kind, codec, rate) = parse(request, payload)
        except ApiError as err:
            stats.count("by_status", str(err.status))
            return JSONResponse(error_body(err, request_id), status_code=err.status, headers=_ids(api, request_id))
        fault = pick_fault()
        if fault:
            stats.count("faults", fault)
        if fault in ("429", "500", "503"):
            status = int(fault)
            stats.count("by_status", fault)
            headers = _ids(api, request_id)
            if status == 429:
                headers.update({"retry-after": f"{opts.retry_after_s:g}",
                                "retry-after-ms": str(int(opts.retry_after_s * 1000))})
            message = {429: "Too many requests (narrate serve fault)", 500: "Internal error (narrate serve fault)",
                       503: "Service unavailable (narrate serve fault)"}[status]
            return JSONResponse(error_body(ApiError(status, message), request_id), status_code=status, headers=headers)
        if fault == "reset":
            stats.count("by_status", "reset")
            serve_faults.abort(request.scope, reset=True)
            await asyncio.sleep(0)  # let the server see the connection go, so it drops what follows
            return Response(b"", status_code=500)  # never reaches the client
        if fault == "html200":
            stats.count("by_status", "200")
            return Response(HTML_PAGE, media_type="text/html")
        if fault == "slow":
            await asyncio.sleep(opts.slow_ms / 1000)
        try:
            pcm = await run_in_threadpool(speech.get, text, voice, language, speed)
            body, content_type = await run_in_threadpool(render, pcm)
        except ApiError as err:
            stats.count("by_status", str(err.status))
            return JSONResponse(error_body(err, request_id), status_code=err.status)
        except NarrateError as err:  # e.g. an unknown voice
            stats.count("by_status", "400")
            return JSONResponse(error_body(ApiError(400, err.message, "voice"), request_id), status_code=400)
        headers = {**_ids(api, request_id), "content-length": str(len(body))}
        if api == "deepgram":
            headers.update({"dg-char-count": str(len(text)), "dg-model-name": voice})
        if fault == "truncated":
            stats.count("by_status", "truncated")
            return serve_faults.Truncated(body, content_type, headers)
        if fault == "wrongformat":
            stats.count("by_status", "200")
            variant = variant_rng.choice(serve_faults.wrong_choices(kind, codec))
            wrong = await run_in_threadpool(render_wrong, pcm, variant, rate)
            return Response(wrong, media_type=content_type, headers={**headers, "content-length": str(len(wrong))})
        if fault == "endless":
            stats.count("by_status", "endless")
            return serve_faults.Endless(body, content_type, headers)
        if fault == "drip":
            stats.count("by_status", "drip")
            return serve_faults.Drip(body, content_type, headers, opts.drip_ms / 1000,
                                     lambda: stats.count("syntheses", text_hash(text)))
        stats.count("by_status", "200")
        stats.count("syntheses", text_hash(text))
        return Response(body, media_type=content_type, headers=headers)

    def parse_openai(request: Request, p: dict) -> tuple:
        text = check_text(p, "input", 4096)
        voice = p.get("voice")
        if isinstance(voice, dict):
            voice = voice.get("id")
        if not isinstance(voice, str) or not voice:
            raise ApiError(400, "'voice' is required", "voice")
        fmt = p.get("response_format", "mp3")
        if fmt not in OPENAI_FORMATS:
            raise ApiError(400, f"response_format must be one of {', '.join(OPENAI_FORMATS)}", "response_format")
        extra = set(p) - {"model", "input", "voice", "response_format", "speed", "instructions", "stream_format"}
        if extra:
            raise ApiError(400, f"unrecognized request argument(s): {', '.join(sorted(extra))}")
        engine_name, language = engine_voice(voice)
        kind = {"pcm": "raw", "wav": "wav"}.get(fmt, "compressed")
        return text, engine_name, language, check_speed(p.get("speed", 1.0)), \
            lambda pcm: (render_openai(pcm, fmt), CONTENT_TYPES[fmt]), (kind, "pcm_s16le", OPENAI_PCM_RATE)

    def parse_deepgram(request: Request, p: dict) -> tuple:
        text = check_text(p, "text", 2000)
        query = dict(request.query_params)
        encoding, container, rate = deepgram_format(query)
        engine_name, language = engine_voice(query.get("model", "aura-asteria-en"))
        kind = "compressed" if encoding in ("mp3", "flac") else ("wav" if container == "wav" else "raw")
        codec = {"linear16": "pcm_s16le"}.get(encoding, encoding)
        return text, engine_name, language, check_speed(query.get("speed", 1.0)), \
            lambda pcm: render_deepgram(pcm, encoding, container, rate), (kind, codec, rate)

    def openai_error(err: ApiError, request_id: str) -> dict:
        kind = {429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}.get(err.status,
                                                                                        "invalid_request_error")
        return {"error": {"message": err.message, "type": kind, "param": err.param, "code": None}}

    def deepgram_error(err: ApiError, request_id: str) -> dict:
        code = {429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE"}.get(
            err.status, "INVALID_QUERY_PARAMETER" if err.param else "Bad Request")
        return {"err_code": code, "err_msg": err.message, "request_id": request_id}

    def error_response(request: Request, err: ApiError, headers: Mapping[str, str] | None = None) -> Response:
        """An error outside the handlers (unknown path or method, a bug) in the shape of the API asked."""
        request_id = str(uuid.uuid4())
        api = "deepgram" if request.url.path.startswith("/v1/speak") else "openai"
        body = (deepgram_error if api == "deepgram" else openai_error)(err, request_id)
        stats.count("by_status", str(err.status))
        return JSONResponse(body, status_code=err.status, headers={**(headers or {}), **_ids(api, request_id)})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            message = f"no such endpoint: {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return error_response(request, ApiError(exc.status_code, message), exc.headers)

    async def internal_error(request: Request, exc: Exception) -> Response:
        return error_response(request, ApiError(500, f"internal error in narrate serve: {_said(exc)}"))

    async def openai_speech(request: Request) -> Response | ASGIApp:
        return await serve(request, "openai", parse_openai, openai_error)

    async def deepgram_speak(request: Request) -> Response | ASGIApp:
        return await serve(request, "deepgram", parse_deepgram, deepgram_error)

    async def get_stats(request: Request) -> Response:
        return JSONResponse(stats.snapshot())

    async def reset_stats(request: Request) -> Response:
        stats.reset()
        return JSONResponse(stats.snapshot())

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    app = Starlette(exception_handlers={HTTPException: http_error, Exception: internal_error}, routes=[
        Route("/v1/audio/speech", openai_speech, methods=["POST"]),
        Route("/v1/speak", deepgram_speak, methods=["POST"]),
        Route("/stats", get_stats, methods=["GET"]),
        Route("/stats/reset", reset_stats, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ])
    app.state.stats = stats
    return _KeepSend(app)


MAX_REQUEST_BYTES = 1024 * 1024  # a request is JSON around at most 4,096 characters of text (OpenAI's limit)


async def _bounded_body(request: Request) -> bytes:
    """The request body, refused with 413 past MAX_REQUEST_BYTES (declared or received) before it is all
    read, so a client cannot make the server buffer what it likes. Raises ClientDisconnect if it hangs up."""
    declared = request.headers.get("content-length", "")
    too_big = ApiError(413, f"the body is over {MAX_REQUEST_BYTES} bytes")
    if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            raise too_big
    return bytes(body)


def _ids(api: str, request_id: str) -> dict[str, str]:
    return {"dg-request-id": request_id} if api == "deepgram" else {"x-request-id": request_id}


def _said(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _KeepSend:
    """Outermost ASGI layer: remembers the server's own `send`, whose owner holds the connection's transport.
    Starlette answers an unexpected exception (`internal_error`: JSON 500) and raises it again for the
    server to log with its traceback; here it becomes one log line instead."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope["narrate.send"] = send
        try:
            await self.app(scope, receive, send)
        except asyncio.CancelledError:  # stopping with a request unfinished (serve_run.SHUTDOWN_GRACE_S)
            if scope["type"] != "http":
                raise
            log.warning("narrate serve: %s %s: stopped before the request finished", scope.get("method"),
                        scope.get("path"))
        except Exception as exc:
            if scope["type"] != "http":
                raise
            log.error("narrate serve: %s %s: internal error: %s", scope.get("method"), scope.get("path"), _said(exc))
