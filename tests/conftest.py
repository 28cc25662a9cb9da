"""Shared fixtures. Tests never touch the network: REST tests use httpx.MockTransport or a local server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    # A developer's NARRATE_CACHE or real API keys must never leak into tests.
    for var in list(os.environ):
        if var == "NARRATE_CACHE" or var.endswith("_API_KEY") or var.startswith("AZURE_SPEECH"):
            monkeypatch.delenv(var, raising=False)


@pytest.fixture
def write(tmp_path):
    """Write a file under tmp_path and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
