"""A shared remote cache tier on object storage: S3 (and MinIO, R2, Ceph...), Google Cloud Storage,
Azure Blob, or a shared folder, through obstore (`objstore.py` turns the URL into a store).

`cache: {remote: s3://bucket/prefix}` in the manifest (or `--remote`/`NARRATE_REMOTE_CACHE`)
puts a read-through, write-through tier (`tiered.TieredCache`) behind the local cache: a segment any runner or teammate
has paid for is downloaded, verified, and never synthesized again. Objects hold exactly the local
entry's bytes at `<prefix>/<key[:2]>/<key>`. An entry read from the remote is checked against its
key (re-derived from the entry's own key material) and its checksum before it reaches the local
tier (`entry.check_entry`). Messages carry HTTP statuses and S3 error codes, never a credential,
and never the store's own message (an S3 error body may echo the access key id).

A remote that fails costs seconds, not minutes (issue 9 item 16): each attempt has a connect
timeout of CONNECT_TIMEOUT_S and a read timeout of DEFAULT_TIMEOUT_S (`NARRATE_REMOTE_TIMEOUT_S`
sets it); obstore's own retries are off, and failed attempts (transport errors, timeouts, 408,
429, 5xx) are retried under the providers' backoff (`providers.http.next_wait`) with a smaller
budget (REMOTE_POLICY; obstore does not expose a Retry-After header, so none is honoured), and a
circuit breaker (`breaker.py`) skips the remote for the rest of the
run after a few consecutive failures. The build then carries on with the local cache alone and
says so in one warning.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..errors import CacheError, RemoteCacheError, UsageError
from ..providers.http import RETRYABLE_STATUSES, RetryPolicy, is_testing, next_wait
from .breaker import CircuitBreaker
from .objstore import open_store, os_reason, shown_url
from .store import MAX_ENTRY_BYTES

__all__ = ["EntryRejected", "RemoteStore", "classify", "timeout_from_env"]

log = logging.getLogger("narrate.remote")
T = TypeVar("T")
TIMEOUT_VAR = "NARRATE_REMOTE_TIMEOUT_S"
WORKERS = 16
# Above this many keys, listing the key shards (1,000 names per request) beats one HEAD per key.
LIST_THRESHOLD = 512
_KEY_RE = re.compile(r"^[0-9a-f]{64}$")
# S3 answers a GET or HEAD in well under a second (first byte); 5 s of silence means it will not.
DEFAULT_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 3.0
# The providers' policy with a cache's budget: a remote hit must cost less than the synthesis it saves.
REMOTE_POLICY = RetryPolicy(max_attempts=3, max_retry_time_s=10.0, initial_wait_s=0.25, max_wait_s=2.0,
                            max_retry_after_s=5.0)
CHUNK_BYTES = 1 << 20  # an entry is read in pieces of this size, so a lying object stops at the limit
_STATUS_RE = re.compile(r"status(?: code)?:? (\d{3})\b")
_CODE_RE = re.compile(r"<Code>([A-Za-z0-9.]{1,64})</Code>")


class EntryRejected(CacheError):
    """A remote object over the local cache's MAX_ENTRY_BYTES (or longer than its metadata says), or
    in a file:// remote no regular file (a FIFO would block the read for ever): rejected like a
    corrupt entry, and its body never read whole."""


def timeout_from_env() -> float:
    """`NARRATE_REMOTE_TIMEOUT_S` (seconds, > 0), else DEFAULT_TIMEOUT_S."""
    value = os.environ.get(TIMEOUT_VAR)
    if not value:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 600:
        raise UsageError(f"{TIMEOUT_VAR} must be a number of seconds between 0 and 600, not {value!r}")
    return seconds


def classify(exc: BaseException) -> tuple[str, bool]:
    """(reason, retryable) for an obstore failure. The reason holds the HTTP status and the S3/Azure
    error code only: the store's message may quote an error body that echoes the access key id."""
    text = str(exc)
    # The end of the AWS chain: the instance metadata service (IMDSv2 token, role credentials) or the
    # container credential endpoint did not answer.
    if any(m in text for m in ("/latest/api/token", "/latest/meta-data/", "169.254.170.2")):
        return "no AWS credentials (none in the environment, no AWS_PROFILE, no web identity, and no instance " \
               "or container role answered)", False
    status = _STATUS_RE.search(text)
    if status:
        code = int(status.group(1))
        name = _CODE_RE.search(text)
        return f"HTTP {code}{' ' + name.group(1) if name else ''}", code in RETRYABLE_STATUSES or code >= 500
    # object_store's debug text names reqwest's error kind ("kind: Timeout", "kind: Connect"); every
    # message also holds "retry_timeout", so a bare "timeout" says nothing.
    if "kind: Timeout" in text or "TimedOut" in text or "timed out" in text.lower():
        return f"timed out ({type(exc).__name__})", True
    if "kind: Connect" in text or "error sending request" in text or "dns error" in text.lower():
        return f"connection error ({type(exc).__name__})", True
    local = os_reason(exc)  # a file:// remote: the OS's words (object_store quotes the path, never a secret)
    return (f"{local} ({type(exc).__name__})" if local else f"{type(exc).__name__}"), False


class RemoteStore:
    """GET/PUT/HEAD/list of cache entries in one bucket (or container, or folder) and prefix, with
    bounded, retried attempts.

    `timeout` is the read timeout of each attempt in seconds (connect: at most CONNECT_TIMEOUT_S);
    `policy` bounds attempts and time per request; `breaker_threshold` consecutive failed attempts
    open the circuit breaker. `endpoint`, `region` and `config` (obstore settings, e.g. keys) are
    for S3; `store` replaces the URL's store (tests pass obstore's MemoryStore). Every failure is a
    CacheError naming the operation and object (`unavailable`, naming the URL, for a store that could
    not be opened). Raises UsageError for a bad URL or setting.
    """

    def __init__(self, url: str, *, endpoint: str | None = None, region: str | None = None,
                 config: dict[str, str] | None = None, store: Any = None, timeout: float | None = None,
                 policy: RetryPolicy = REMOTE_POLICY, breaker_threshold: int = 3) -> None:
        self.url = shown_url(url)  # what messages, warnings and reports name: never a credential
        read = timeout if timeout is not None else timeout_from_env()
        # A store that cannot be opened (a file:// folder that is missing) is reported by every
        # request, as an unreachable server is: the build warns and carries on, a shard fails.
        self.unavailable: RemoteCacheError | None = None
        try:
            opened, self.prefix, self.where = open_store(url, read_timeout_s=read, connect_timeout_s=CONNECT_TIMEOUT_S,
                                                         endpoint=endpoint, region=region, config=config)
        except RemoteCacheError as exc:
            if store is None:
                self.unavailable = exc
            opened, self.prefix, self.where = None, "", self.url
        self.store = store if store is not None else opened
        self.policy = policy
        self.breaker = CircuitBreaker(breaker_threshold)
        self.requests = 0  # attempts sent, for tests and logs

    def name_for(self, key: str) -> str:
        return f"{self.prefix}/{key[:2]}/{key}" if self.prefix else f"{key[:2]}/{key}"

    def _request(self, op: str, what: str, call: Callable[[], T], absent_ok: bool = False) -> T:
        """Run `call` until it succeeds; retry transport errors, timeouts, 408, 429 and 5xx under
        `policy` while the breaker stays closed. With `absent_ok` (GET, HEAD, LIST), FileNotFoundError
        (no such object) passes through as an answer; for a PUT it is a failure (no such bucket).
        Raises CacheError `remote cache OP WHAT: reason`."""
        if self.unavailable is not None:
            raise self.unavailable
        started, skipped, attempt = time.monotonic(), 0.0, 0
        while True:
            self.breaker.check()
            attempt += 1
            self.requests += 1
            try:
                result = call()
            except FileNotFoundError as exc:
                if not absent_ok:
                    reason, retryable = classify(exc)
                else:
                    self.breaker.success()  # absent is an answer, not a failure
                    raise
            except EntryRejected:
                self.breaker.success()  # the store answered; the object is what is wrong (like a corrupt one)
                raise
            except Exception as exc:  # obstore's errors, and ValueError/OSError for some
                reason, retryable = classify(exc)
            else:
                self.breaker.success()
                return result
            opened = self.breaker.failure(reason)
            elapsed = time.monotonic() - started + skipped
            wait = next_wait(self.policy, attempt, None)
            if (opened or not retryable or attempt >= self.policy.max_attempts
                    or elapsed + wait > self.policy.max_retry_time_s):
                tried = f" (gave up after {attempt} attempts in {elapsed:.1f}s)" if attempt > 1 else ""
                raise CacheError(f"remote cache {op} {what}: {reason}{tried}")
            log.debug("remote cache %s %s: retry %d in %.2fs after %s", op, what, attempt, wait, reason)
            if is_testing():
                skipped += wait
            else:
                time.sleep(wait)

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None if there is none. Raises EntryRejected, before reading the
        body, if the object's size (from its metadata) is over MAX_ENTRY_BYTES, and while reading it
        if the body runs past that size: no segment is that large, and memory stays bounded."""
        import obstore

        what = key[:12]

        def fetch() -> bytes:
            local = self._local_path(key)
            if local is not None and not stat.S_ISREG(os.lstat(local).st_mode):  # absent: FileNotFoundError
                raise EntryRejected("not a regular file")
            result = obstore.get(self.store, self.name_for(key))
            size = int(result.meta["size"])
            if size > MAX_ENTRY_BYTES:
                raise EntryRejected(f"too large: {size:,} bytes, over the limit of {MAX_ENTRY_BYTES:,}")
            chunks, got = [], 0
            for chunk in result.stream(min_chunk_size=CHUNK_BYTES):
                got += len(chunk)
                if got > size:
                    raise EntryRejected(f"too large: longer than the {size:,} bytes its metadata gives")
                chunks.append(chunk)
            return b"".join(chunks)

        try:
            return self._request("GET", what, fetch, absent_ok=True)
        except FileNotFoundError:
            return None

    def _local_path(self, key: str) -> Path | None:
        """The file of `key` in a file:// remote, checked before obstore opens it (a FIFO would block
        it for ever, beyond any timeout); None for other stores."""
        if self.store is None or not self.where.startswith("file://"):
            return None
        return Path(self.where.removeprefix("file://")) / self.name_for(key)

    def exists(self, key: str) -> bool:
        import obstore

        local = self._local_path(key)
        if local is not None:
            try:
                return stat.S_ISREG(os.lstat(local).st_mode)
            except FileNotFoundError:
                return False

        try:
            self._request("HEAD", key[:12], lambda: obstore.head(self.store, self.name_for(key)), absent_ok=True)
        except FileNotFoundError:
            return False
        return True

    def put(self, key: str, blob: bytes) -> None:
        import obstore

        self._request("PUT", key[:12], lambda: obstore.put(self.store, self.name_for(key), blob))

    def list_keys(self, shard: str = "", page_size: int = 1000) -> Iterator[str]:
        """Every entry key under the prefix (or one two-hex-digit shard of it). The listing is read
        whole per call (a shard holds at most a few thousand names), so a retry restarts it."""
        import obstore

        root = f"{self.prefix}/" if self.prefix else ""
        where = root + (f"{shard}/" if shard else "")

        def listing() -> list[str]:
            return [str(meta["path"]) for batch in obstore.list(self.store, where or None, chunk_size=page_size)
                    for meta in batch]

        for name in self._request("LIST", where or "/", listing):
            key = name.rsplit("/", 1)[-1]
            if _KEY_RE.match(key) and name == self.name_for(key):
                yield key

    def missing_keys(self, keys: Iterable[str], workers: int = WORKERS) -> set[str]:
        """The keys with no object in the store: HEAD each, concurrently, or list their shards
        when there are many (a few hundred names cost fewer requests as listings)."""
        wanted = set(keys)
        if not wanted:
            return set()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            if len(wanted) < LIST_THRESHOLD:
                ordered = sorted(wanted)
                return {k for k, there in zip(ordered, pool.map(self.exists, ordered), strict=True) if not there}
            shards = sorted({k[:2] for k in wanted})
            present: set[str] = set()
            for names in pool.map(lambda s: set(self.list_keys(s)), shards):
                present |= names
        return wanted - present

    def close(self) -> None:
        """Nothing to release: obstore's connection pool goes with the store."""
