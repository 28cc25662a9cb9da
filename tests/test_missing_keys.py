"""Issue 15 item 5: a missing API key is found once, early, by validate, plan and build.

Before: `validate` and `plan` said nothing and `build` printed one identical "no API key" error per
segment after trying each. Now every command checks, before any request, that each provider it
needs has its key, names the variable, and stops once with exit 2."""

from __future__ import annotations

import httpx
import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from narrate.build import build
from narrate.cache import SegmentCache
from narrate.errors import MissingKeyError
from narrate.manifest import load_manifest
from narrate.prepare import check_keys
from narrate.providers.base import ProviderConfig
from narrate.providers.registry import create_provider

MANIFEST = """\
version: 1
providers:
  dg: {kind: deepgram}
  el: {kind: elevenlabs}
libraries:
  shop:
    output: out/shop
    formats: [wav]
    languages:
      en-US: {voice: aura-2-thalia-en, provider: dg}
      de-DE: {voice: 21m00Tcm4TlvDq8ikWAM, provider: el}
    prompts:
      welcome: {en-US: Welcome to the shop., de-DE: Willkommen.}
      one: {en-US: one, de-DE: eins}
      two: {en-US: two, de-DE: zwei}
      bye: {en-US: Goodbye., de-DE: Auf Wiedersehen.}
"""
DG = "provider dg: no API key: set DEEPGRAM_API_KEY"
EL = "provider el: no API key: set ELEVENLABS_API_KEY"


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "proj" / "m.yaml"
    path.parent.mkdir()
    path.write_text(MANIFEST)
    return path


def lines_with(text: str, fragment: str) -> int:
    return sum(fragment in line for line in text.splitlines())


def test_check_keys_names_each_provider_once():
    providers = {"dg": create_provider(ProviderConfig("dg", "deepgram")),
                 "el": create_provider(ProviderConfig("el", "elevenlabs"))}
    with pytest.raises(MissingKeyError) as info:
        check_keys(providers, waiting={"dg": 4, "el": 1}, names=["dg", "el"])
    assert info.value.exit_code == 2
    assert info.value.problems[0].startswith(DG)
    assert info.value.problems[0].endswith("(4 segments to synthesize; nothing was sent)")
    assert info.value.problems[1].startswith(EL)
    assert info.value.problems[1].endswith("(1 segment to synthesize; nothing was sent)")


def test_check_keys_passes_with_keys_and_for_keyless_providers(monkeypatch):
    monkeypatch.setenv("DEEPGRAM_API_KEY", "dg-key-123456")
    providers = {"dg": create_provider(ProviderConfig("dg", "deepgram")),
                 "local": create_provider(ProviderConfig("local", "openai", base_url="http://127.0.0.1:9/v1"))}
    check_keys(providers)  # a key in the environment; a local OpenAI-compatible server needs none


def test_named_variable_missing_is_named(monkeypatch):
    provider = create_provider(ProviderConfig("dg", "deepgram", api_key_env="MY_DG_KEY"))
    with pytest.raises(MissingKeyError, match="provider dg: environment variable MY_DG_KEY is not set"):
        check_keys({"dg": provider})
    monkeypatch.setenv("MY_DG_KEY", "x" * 12)
    check_keys({"dg": provider})


def test_azure_needs_its_region_too(monkeypatch):
    monkeypatch.setenv("AZURE_SPEECH_KEY", "az-key-123456")
    provider = create_provider(ProviderConfig("az", "azure"))
    with pytest.raises(MissingKeyError, match="provider az: no Azure region: set AZURE_SPEECH_REGION"):
        check_keys({"az": provider})
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")
    check_keys({"az": provider})


def test_build_stops_before_any_request(project):
    sent = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(500))
    cache = SegmentCache(project.parent / ".narrate-cache")
    try:
        with pytest.raises(MissingKeyError) as info:
            build(load_manifest(project), cache, transport=transport)
    finally:
        cache.close()
    assert sent == []
    assert [p.split(" (")[0] for p in info.value.problems] == [DG, EL]
    assert not (project.parent / "out").exists()


@pytest.mark.parametrize("command", ["validate", "plan", "build"])
def test_cli_stops_once_naming_the_variables(project, command):
    before = snapshot(project.parent)
    done = narrate_in(command, str(project))
    assert_clean_failure(done, 2, DG)
    assert_clean_failure(done, 2, EL)
    # One line per provider, not one per segment (4 prompts each).
    assert lines_with(done.stderr, "DEEPGRAM_API_KEY") == 1
    assert lines_with(done.stderr, "ELEVENLABS_API_KEY") == 1
    after = snapshot(project.parent)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert not {k for k in changed if not k.startswith((".narrate-cache", "out"))}
    assert not (project.parent / "out").exists()
    if command != "validate":
        assert "(4 segments to synthesize; nothing was sent)" in done.stderr


@pytest.mark.parametrize("key,position", [("sk-ключ-SECRET", 4), ("dg-abc SECRET", 7), ("dg-abc\u00a0SECRET", 7),
                                          ("dg-\"abc\u201d-SECRET", 8), ("dg-abc\nSECRET", 7)])
def test_a_key_that_cannot_go_in_a_header_is_refused_once_by_position(project, monkeypatch, key, position):
    """A pasted key with a non-ASCII character failed every segment with a UnicodeEncodeError."""
    monkeypatch.setenv("DEEPGRAM_API_KEY", key)
    monkeypatch.setenv("ELEVENLABS_API_KEY", "el-fine-0123456789")
    done = narrate_in("build", str(project))
    assert_clean_failure(done, 2, "provider dg: the key in DEEPGRAM_API_KEY has a character that cannot go in an "
                         f"HTTP header at position {position} of {len(key)}")
    assert lines_with(done.stderr, "DEEPGRAM_API_KEY") == 1 and "SECRET" not in done.stdout + done.stderr
    assert not (project.parent / "out").exists()


def test_cli_validate_names_the_manifest(project):
    done = narrate_in("validate", str(project))
    assert_clean_failure(done, 2, f"{project}: {DG}")


def test_offline_and_cached_builds_need_no_key(project):
    # --offline never calls a provider: it reports the missing segments, not the keys.
    done = narrate_in("build", "--offline", str(project))
    assert done.returncode == 1, done.stderr
    assert "API_KEY" not in done.stderr
    assert "not in the cache (offline)" in done.stderr


def test_polly_without_aws_credentials_is_named_once(tmp_path, monkeypatch):
    pytest.importorskip("botocore")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    env = {"AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST.replace("dg: {kind: deepgram}", "dg: {kind: polly}").replace("aura-2-thalia-en", "Joanna")
                    .replace("de-DE: {voice: 21m00Tcm4TlvDq8ikWAM, provider: el}", "")
                    .replace(", de-DE: Willkommen.", "").replace(", de-DE: eins", "").replace(", de-DE: zwei", "")
                    .replace(", de-DE: Auf Wiedersehen.", ""))
    for command in ("validate", "build"):
        done = narrate_in(command, str(path), env=env)
        assert_clean_failure(done, 2, "provider dg: no AWS credentials: set AWS_ACCESS_KEY_ID and "
                                      "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE")
        assert lines_with(done.stderr, "no AWS credentials") == 1
    assert not (tmp_path / "out").exists()
