"""The no-op fast path answers 'nothing to do' from the last clean build's record. Besides the
manifest's input files and what its globs match (tests/test_noop_globs.py), that record must cover
what the keys and the spoken text depend on outside them: an upgraded front-end library (num2words,
sentencex, icu4py) or local engine (eSpeak NG's loader, Piper, onnxruntime), and a Piper voice's model
or config replaced in place."""

from __future__ import annotations

import os

import narrate.cache.stamps as stamps
from conftest import narrate_in
from narrate.cache.state import BuildState

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages: {en-US: en-us}
    prompts:
      hello: Hello there.
"""


def built(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return BuildState(tmp_path / ".narrate-cache", tmp_path / "m.yaml")


def test_an_unchanged_project_is_a_no_op(tmp_path):
    assert built(tmp_path).unchanged_summary(tmp_path) is not None


def test_an_upgraded_library_is_not_a_no_op(tmp_path, monkeypatch):
    stats = built(tmp_path)
    assert set(stamps.FRONT_END_LIBRARIES + stamps.ENGINE_LIBRARIES) >= {"num2words", "espeakng_loader", "piper"}
    monkeypatch.setattr(stamps, "environment_stamp", lambda code, libraries: "after an upgrade")
    assert stats.unchanged_summary(tmp_path) is None


def test_a_model_file_replaced_in_place_is_not_a_no_op(tmp_path):
    stats = built(tmp_path)
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"model one")
    stats.remember_clean_build([tmp_path / "m.yaml"], {"segments": 1, "outputs": 1, "warnings": []}, models=[model],
                               seen=stamps.input_digests([str(tmp_path / "m.yaml")]))
    assert stats.unchanged_summary(tmp_path) is not None
    model.write_bytes(b"model two")  # the same size: mtime and inode tell
    os.utime(model, ns=(1, 1))
    assert stats.unchanged_summary(tmp_path) is None
    model.unlink()
    assert stats.unchanged_summary(tmp_path) is None
