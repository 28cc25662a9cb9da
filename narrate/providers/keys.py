"""API key lookup: the environment or a file the user names, never the manifest.

Lookup order: `api_key_file` (if configured), then `api_key_env` (if configured), then the
provider's documented variables in order. Keys are looked up when the first request goes out,
not when the provider is created, so a build whose segments are all cached needs no key.
Messages name the variable or file, never the value; every value found is registered with
secrets.py so that it is masked wherever it might show up (messages, logs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from . import secrets
from .base import ProviderConfig


@dataclass(frozen=True)
class Credential:
    value: str
    source: str  # the env var or file it came from (for messages; never the value)


# Where each provider config's key came from (config name -> variable or file), for the message of
# a refused key: "check OPENAI_API_KEY". Names only, never values.
_SOURCES: dict[str, str] = {}


def find_key(config: ProviderConfig, default_envs: tuple[str, ...], *,
             environ: Mapping[str, str] | None = None) -> Credential | None:
    """The key for `config`, or None (see _lookup); a key found is registered for masking."""
    found = _lookup(config, default_envs, environ=environ)
    if found is not None:
        secrets.register(found.value)
        _SOURCES[config.name] = found.source
        _check_header_safe(config.name, found)
    return found


def _check_header_safe(provider: str, cred: Credential) -> None:
    """A key goes in an HTTP header: one that is not printable ASCII (a pasted quote, a non-breaking
    space, a newline) would fail every request, or be sent mangled. Say so once, by position only."""
    bad = next((i for i, ch in enumerate(cred.value) if not "!" <= ch <= "~"), None)
    if bad is not None:
        raise UsageError(f"provider {provider}: the key in {cred.source} has a character that cannot go in an "
                         f"HTTP header at position {bad + 1} of {len(cred.value)}",
                         hint="API keys are printable ASCII without spaces: copy it again")


def source_of(name: str) -> str | None:
    """The variable or file the key of provider config `name` was last read from (None: none read)."""
    return _SOURCES.get(name)


def _lookup(config: ProviderConfig, default_envs: tuple[str, ...], *,
            environ: Mapping[str, str] | None = None) -> Credential | None:
    """The key for `config`, or None when none of the places it may come from has one.

    A configured `api_key_file` or `api_key_env` that is missing or empty is an error (the user asked
    for it explicitly); the provider's default variables are only tried when neither is configured.
    """
    env = os.environ if environ is None else environ
    if config.api_key_file:
        path = Path(config.api_key_file).expanduser()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"provider {config.name}: cannot read api_key_file {str(path)!r}: {exc.strerror}") from None
        if not value:
            raise UsageError(f"provider {config.name}: api_key_file {str(path)!r} is empty")
        return Credential(value, f"file {path}")
    if config.api_key_env:
        value = env.get(config.api_key_env, "").strip()
        if not value:
            raise UsageError(f"provider {config.name}: environment variable {config.api_key_env} is not set",
                             hint=f"export {config.api_key_env}=...")
        return Credential(value, config.api_key_env)
    for name in default_envs:
        value = env.get(name, "").strip()
        if value:
            return Credential(value, name)
    return None


def require_key(config: ProviderConfig, default_envs: tuple[str, ...], *,
                environ: Mapping[str, str] | None = None) -> Credential:
    """Like `find_key`, but a missing key is a UsageError naming the variable(s) to set."""
    found = find_key(config, default_envs, environ=environ)
    if found is None:
        names = " or ".join(default_envs)
        raise UsageError(f"provider {config.name}: no API key: set {names}",
                         hint=f"or name another variable with api_key_env / a file with api_key_file in providers.{config.name}")
    return found
