"""Hostile and malformed Piper voices through the CLI: located one-line errors, exit codes, nothing touched.

Needs the `piper` extra (without it every command stops earlier, naming the extra: test_piper_voices.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot

pytest.importorskip("piper", reason="the `piper` extra is not installed (pip install 'narrate-build[piper]')")

CONFIG = {"audio": {"sample_rate": 22050, "quality": "medium"}, "espeak": {"voice": "en-us"},
          "phoneme_type": "espeak", "phoneme_id_map": {"_": [0], "a": [14]}, "num_speakers": 1,
          "language": {"code": "en_US"}}


def manifest(tmp_path: Path, voice: str, options: dict | None = None) -> Path:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    path = project / "ivr.yaml"
    provider = {"kind": "piper", **({"options": options} if options else {})}
    path.write_text("version: 1\n"
                    f"providers:\n  local: {json.dumps(provider)}\n"
                    "libraries:\n  main:\n    output: out\n    formats: [ulaw]\n    provider: local\n"
                    f"    languages:\n      en-US: {{voice: {json.dumps(voice)}}}\n"
                    "    prompts:\n      hello: Hello there.\n", encoding="utf-8")
    return path


def fake(folder: Path, name: str, model: bytes = b"\x08\x07" + bytes(300), config: dict | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.onnx").write_bytes(model)
    (folder / f"{name}.onnx.json").write_text(json.dumps(config or CONFIG), encoding="utf-8")


def untouched(tmp_path: Path) -> dict:
    """The snapshot minus what narrate owns: the output folder, the cache and the lock."""
    owned = ("project/out", "project/.narrate-cache", "project/narrate.lock")
    return {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(owned)}


@pytest.mark.parametrize("voice,setup,message", [
    ("../elsewhere/en_US-x-medium.onnx", lambda t: fake(t / "elsewhere", "en_US-x-medium"),
     "Piper model '../elsewhere/en_US-x-medium.onnx' is outside the manifest's folder and the voices_dir"),
    ("/etc/passwd.onnx", lambda t: None, "Piper model '/etc/passwd.onnx' is outside the manifest's folder"),
    ("voices/missing.onnx", lambda t: None, "Piper model 'voices/missing.onnx' not found"),
    ("en_US-nobody-medium", lambda t: None,
     "no Piper voice 'en_US-nobody-medium' in a voices_dir (none is set) or an installed voice package"),
    ("voices/notes.onnx", lambda t: fake(t / "project" / "voices", "notes", model=b"just some text, really\n" * 9),
     "notes.onnx is not a Piper model (not an ONNX file)"),
    ("voices/lonely.onnx", lambda t: (t / "project" / "voices").mkdir(parents=True)
     or (t / "project" / "voices" / "lonely.onnx").write_bytes(b"\x08\x07" + bytes(300)),
     "Piper model lonely.onnx has no config beside it (lonely.onnx.json)"),
    ("voices/a\x00b.onnx", lambda t: None, "Piper voice 'voices/a\\x00b.onnx' cannot be read: embedded null byte"),
    ("a/" * 3000 + "x.onnx", lambda t: None, "cannot be read: File name too long"),
    ("voices/es_ES-x-medium.onnx",
     lambda t: fake(t / "project" / "voices", "es_ES-x-medium", config={**CONFIG, "language": {"code": "es_ES"}}),
     "es_ES-x-medium is a es-ES voice, not en-US"),
])
def test_validate_refuses_a_bad_voice_at_its_line(tmp_path, voice, setup, message):
    setup(tmp_path)
    path = manifest(tmp_path, voice)
    before = untouched(tmp_path)
    for command in ("validate", "build"):
        done = narrate_in(command, str(path))
        assert_clean_failure(done, 2, f"{path}:10: libraries.main.languages.en-US.voice: voice {voice!r} for local:",
                             message, "(used by libraries.main.prompts.hello.en-US, line 12)")
    assert untouched(tmp_path) == before


def test_voices_dir_that_is_not_a_folder(tmp_path):
    path = manifest(tmp_path, "en_US-x-medium", {"voices_dir": "ivr.yaml"})
    before = untouched(tmp_path)
    assert_clean_failure(narrate_in("validate", str(path)), 2, "ivr.yaml:10",
                         f"providers.local.options.voices_dir '{path}' is not a folder")
    assert untouched(tmp_path) == before


def test_a_link_out_of_the_voices_dir_is_refused(tmp_path):
    fake(tmp_path / "elsewhere", "en_US-x-medium")
    (tmp_path / "project" / "voices").mkdir(parents=True)
    (tmp_path / "project" / "voices" / "en_US-x-medium.onnx").symlink_to(tmp_path / "elsewhere" / "en_US-x-medium.onnx")
    (tmp_path / "project" / "voices" / "en_US-x-medium.onnx.json").symlink_to(
        tmp_path / "elsewhere" / "en_US-x-medium.onnx.json")
    path = manifest(tmp_path, "voices/en_US-x-medium.onnx")
    before = untouched(tmp_path)
    assert_clean_failure(narrate_in("validate", str(path)), 2, "ivr.yaml:10", "is outside the manifest's folder")
    assert untouched(tmp_path) == before


def test_a_file_that_looks_like_a_model_but_does_not_load_fails_its_segment(tmp_path):
    """Validation reads only the first bytes; onnxruntime finds out at synthesis: exit 1, the segment named."""
    fake(tmp_path / "project" / "voices", "en_US-broken-medium")
    path = manifest(tmp_path, "en_US-broken-medium", {"voices_dir": "voices"})
    before = untouched(tmp_path)
    done = narrate_in("build", str(path))
    assert_clean_failure(done, 1, "main/en-US/hello", "Piper could not load en_US-broken-medium.onnx")
    assert untouched(tmp_path) == before
    assert not (tmp_path / "project" / "out").exists() or not list((tmp_path / "project" / "out").rglob("*.ulaw"))
