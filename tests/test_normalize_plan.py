"""Normalisation and segmentation in planning: what is hashed, per provider, and what `narrate plan` shows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fakes import FakeProvider
from narrate.manifest import load_manifest
from narrate.plan import plan_manifest
from narrate.providers.base import ProviderConfig
from narrate.text import frontend
from narrate.text.frontend import key_material, normalization_applies
from narrate.text.normalize import NORMALIZER_VERSION
from narrate.text.sentences import SPLITTER_VERSION

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out/shop
    layout: asterisk
    formats: [wav]
    languages:
      en-US: {voice: en-us, path: en}
      es-US: {voice: es-419, path: es}
    prompts:
      price: {en-US: "Your balance is $123.45.", es-US: "Su saldo es de $123.45."}
      part: {en-US: "Part III begins at 8 AM.", es-US: "La Dra. Pérez llega a las 8 AM. Vive en EE. UU. desde hace años."}
"""


class SelfNormalizing(FakeProvider):
    """Stands for a REST provider: it reads numbers itself."""

    normalizes_text = True


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    return load_manifest(path)


def texts(plan) -> dict[str, str]:
    return {job.id: job.text for job in plan.jobs}


def test_embedded_engine_gets_spoken_numbers(manifest):
    plan = plan_manifest(manifest, {"espeak": FakeProvider()})
    assert texts(plan) == {
        "shop/en-US/price": "Your balance is one hundred twenty-three dollars and forty-five cents.",
        "shop/es-US/price": "Su saldo es de ciento veintitrés dólares con cuarenta y cinco centavos.",
        "shop/en-US/part": "Part three begins at eight AM.",
        "shop/es-US/part": "La doctora Pérez llega a las ocho de la mañana. Vive en EE. UU. desde hace años.",
    }
    heads = {json.loads(seg.key_head)["text"]["normalizer"] for seg in plan.segments.values()}
    assert heads == {NORMALIZER_VERSION}


def test_a_provider_that_normalises_itself_gets_the_written_text(manifest):
    plan = plan_manifest(manifest, {"espeak": SelfNormalizing()})
    assert texts(plan)["shop/en-US/price"] == "Your balance is $123.45."
    assert {json.loads(s.key_head)["text"]["normalizer"] for s in plan.segments.values()} == {"off"}


def test_each_prompt_is_split_with_its_own_language(manifest):
    plan = plan_manifest(manifest, {"espeak": FakeProvider(max_chars=50)})
    chunks = [s.request.text for s in plan.segments.values() if s.request.language == "es-US"]
    assert "La doctora Pérez llega a las ocho de la mañana." in chunks  # "Dra." said whole: no sentence end
    assert "Vive en EE. UU. desde hace años." in chunks
    assert all(len(c) <= 50 for c in chunks)


def test_changing_the_normaliser_or_splitter_version_changes_every_key(manifest, monkeypatch):
    before = set(plan_manifest(manifest, {"espeak": FakeProvider()}).segments)
    monkeypatch.setattr(frontend, "NORMALIZER_VERSION", "spoken-test")
    after_normaliser = set(plan_manifest(manifest, {"espeak": FakeProvider()}).segments)
    monkeypatch.setattr(frontend, "SPLITTER_VERSION", "sentencex-test")
    after_splitter = set(plan_manifest(manifest, {"espeak": FakeProvider()}).segments)
    assert len(before) == len(after_normaliser) == len(after_splitter) == 4
    assert not before & after_normaliser and not after_normaliser & after_splitter


def test_key_material_names_both_versions():
    assert key_material(True) == {"normalizer": NORMALIZER_VERSION, "splitter": SPLITTER_VERSION}
    assert key_material(False) == {"normalizer": "off", "splitter": SPLITTER_VERSION}


def test_normalize_setting_auto_on_off():
    embedded, rest = FakeProvider(), SelfNormalizing()
    assert normalization_applies(embedded) is True and normalization_applies(rest) is False
    assert normalization_applies(rest, "on") is True and normalization_applies(embedded, "off") is False
    rest.config = ProviderConfig(name="openai", kind="openai")
    rest.config.normalize = "on"  # where the manifest's per-provider `normalize:` will be read from
    assert normalization_applies(rest) is True
    with pytest.raises(ValueError, match="normalize must be one of auto, on, off"):
        normalization_applies(embedded, "sometimes")


def test_real_rest_providers_say_they_normalise():
    from narrate.providers.rest_provider import RestProvider

    assert RestProvider.normalizes_text is True


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "narrate.cli", "-q", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_plan_counts_the_spoken_text_and_shows_the_written_one(tmp_path, manifest):
    spoken = sum(len(s.request.text) for s in plan_manifest(manifest, {"espeak": FakeProvider()}).segments.values())
    assert spoken == 251  # "Dra." is said "doctora"
    (tmp_path / "m.yaml").write_text(MANIFEST)
    done = _cli("plan", "--json", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["chars"] == spoken  # what is billed is what is said
    done = _cli("plan", "m.yaml", cwd=tmp_path)
    assert "+ shop/en-US/price  'Your balance is $123.45.'" in done.stdout  # the record is the written text


def test_the_lock_and_index_keep_the_written_text(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    done = _cli("build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lock = json.loads((tmp_path / "narrate.lock").read_text())
    assert lock["manifests"]["m.yaml"]["prompts"]["shop/en-US/price"]["text"] == "Your balance is $123.45."
    index = json.loads((tmp_path / "out" / "shop" / "index.json").read_text())
    assert {r["text"] for r in index["prompts"] if r["name"] == "part"} == {
        "Part III begins at 8 AM.", "La Dra. Pérez llega a las 8 AM. Vive en EE. UU. desde hace años."}
    again = _cli("plan", "--json", "m.yaml", cwd=tmp_path)
    assert json.loads(again.stdout)["to_synthesize"] == 0 and json.loads(again.stdout)["changed"] == []
