"""Masking of configured secrets in messages and logs (DESIGN.md invariant 5).

Every key narrate is given (api_key_env / api_key_file / a provider's variables, the password and
secret query values of a `base_url`, every auth header value) is `register`ed when it is looked up.
`mask(text)` then replaces each registered value, whatever its length, and its URL-encoded and
base64 forms, with `REDACTED`. It is applied at two boundaries:

- error messages: the HTTP layer masks every ProviderError it raises (and the cause it chains);
- logs: `register` installs (once) a log-record factory that masks each record's formatted message,
  so no logger (narrate's, httpx's, httpcore's at -vv) can print a key, whatever its handler.

Base64: a key embedded in a longer encoded string (Basic auth's `user:key`) appears at one of three
alignments; for each, the characters that depend on the key alone are masked (when there are at
least 8 of them). URL-encoded forms are `quote` and `quote_plus`.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "REDACTED"
MIN_ENCODED_FORM = 8

_lock = threading.Lock()
_forms: set[str] = set()
_pattern: re.Pattern[str] | None = None
_factory_installed = False


def forms(value: str) -> set[str]:
    """The strings that reveal `value`: itself, URL-encoded, and its base64 forms at every alignment."""
    found = {value, quote(value, safe=""), quote_plus(value)}
    raw = value.encode("utf-8")
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            enc = encode(b"\0" * pad + raw).decode("ascii").rstrip("=")
            start = 4 if pad else 0  # the first group mixes in bytes that are not the key
            rest = (pad + len(raw)) % 3
            middle = enc[start:len(enc) - (rest + 1 if rest else 0)]  # so does a last, partial group
            if len(middle) >= MIN_ENCODED_FORM:
                found.add(middle)
    return {f for f in found if f and (f == value or len(f) >= MIN_ENCODED_FORM)}


def register(*values: str | None) -> None:
    """Remember secrets to mask from now on (empty values are ignored)."""
    global _pattern
    new = set()
    for value in values:
        if value:
            new |= forms(value)
    with _lock:
        if new <= _forms:
            return
        _forms.update(new)
        _pattern = re.compile("|".join(re.escape(f) for f in sorted(_forms, key=len, reverse=True)))
    _install_log_factory()


def mask(text: str) -> str:
    """`text` with every registered secret (and its encoded forms) replaced by REDACTED."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def registered() -> bool:
    return _pattern is not None


def clear() -> None:
    """Forget every secret (tests)."""
    global _pattern
    with _lock:
        _forms.clear()
        _pattern = None


def _install_log_factory() -> None:
    global _factory_installed
    with _lock:
        if _factory_installed:
            return
        _factory_installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _pattern is not None:
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: leave it to logging's own error path
                return record
            masked = mask(message)
            if masked != message:
                record.msg, record.args = masked, None
        return record

    logging.setLogRecordFactory(factory)
