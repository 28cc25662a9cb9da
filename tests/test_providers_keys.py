"""Segment key material never holds a credential (issue 9 item 11), one test per provider.

Key material (the canonical header hashed with the text) is stored in every cache entry, exported and
uploaded to the remote cache: a base_url's user:password, ?token= and #fragment must not reach it,
and two base URLs that differ only in credentials must give the same key."""

from __future__ import annotations

import pytest

from narrate.plan import KeyMaker
from narrate.providers.base import ProviderConfig, SynthesisRequest
from narrate.providers.registry import create_provider

SECRETS = ("s3cr3t-pass", "tok-0123456789", "frag-secret", "alice")


def with_credentials(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://alice:s3cr3t-pass@{rest}?token=tok-0123456789&api_key=tok-0123456789#frag-secret"


def key_material(kind: str, base_url: str | None, voice: str, telephony: bool = False) -> tuple[str, str]:
    provider = create_provider(ProviderConfig(f"my-{kind}", kind, base_url=base_url))
    try:
        key, head = KeyMaker().key_and_head(provider, SynthesisRequest("Hello there.", voice, "en-US",
                                                                       telephony=telephony))
    finally:
        provider.close()
    return key, head.decode()


def assert_clean_and_equal(kind: str, url: str, voice: str, *, official: bool) -> None:
    for telephony in (False, True):
        dirty_key, dirty_head = key_material(kind, with_credentials(url), voice, telephony)
        clean_key, clean_head = key_material(kind, url, voice, telephony)
        for secret in SECRETS:
            assert secret not in dirty_head and secret not in dirty_key, (secret, dirty_head)
        assert "?" not in dirty_head and "#" not in dirty_head and "@" not in dirty_head
        assert (dirty_key, dirty_head) == (clean_key, clean_head)
        if official:  # the provider's own endpoint, with or without credentials, is no base_url at all
            assert (dirty_key, dirty_head) == key_material(kind, None, voice, telephony)
        else:
            assert url.rstrip("/") in clean_head


@pytest.mark.parametrize("url,official", [("https://api.deepgram.com", True), ("http://127.0.0.1:8000", False)])
def test_deepgram_key_material_holds_no_credentials(url, official):
    assert_clean_and_equal("deepgram", url, "aura-2-thalia-en", official=official)


@pytest.mark.parametrize("url,official", [("https://api.openai.com/v1", True), ("http://127.0.0.1:8000/v1", False)])
def test_openai_key_material_holds_no_credentials(url, official):
    assert_clean_and_equal("openai", url, "alloy", official=official)


@pytest.mark.parametrize("url,official", [("https://api.elevenlabs.io", True), ("https://eu.proxy.test/el", False)])
def test_elevenlabs_key_material_holds_no_credentials(url, official):
    assert_clean_and_equal("elevenlabs", url, "21m00Tcm4TlvDq8ikWAM", official=official)


@pytest.mark.parametrize("url,official", [("https://texttospeech.googleapis.com", True),
                                          ("https://tts.proxy.test", False)])
def test_google_key_material_holds_no_credentials(url, official):
    assert_clean_and_equal("google", url, "en-US-Neural2-F", official=official)


def test_azure_key_material_holds_no_credentials():
    # Azure has no fixed endpoint (a region or a custom domain): a base_url always enters the key, cleaned.
    assert_clean_and_equal("azure", "https://contoso.cognitiveservices.azure.com", "en-US-AvaNeural", official=False)


def test_espeak_key_material_holds_no_credentials():
    pytest.importorskip("espeakng_loader")
    # The embedded engine has no endpoint: a base_url (credentials and all) never reaches its key.
    dirty = key_material("espeak", with_credentials("http://127.0.0.1:1"), "en-us")
    assert dirty == key_material("espeak", None, "en-us")
    for secret in SECRETS:
        assert secret not in dirty[1]
