"""YAML 1.1 reads `010` as 8, `12:30` as 750 (base 60), `1.10` as 1.1 and `0x1F` as 31. A prompt's name
is a file name and its text is what is said: both are kept as written (the IVR convention of
`001`, `010` prompt names), while a number where a number is meant (`speed: 1.10`) is still one."""

from __future__ import annotations

import json
import tarfile

from conftest import narrate_in
from narrate.manifest.fields import _number_text
from narrate.manifest.loader import load_yaml_text

MANIFEST = """\
version: 1
libraries:
  ivr:
    output: out
    layout: asterisk
    formats: [ulaw]
    version: 1.10
    languages: {en-US: {voice: en-us, path: en, speed: 1.10}}
    prompts:
      010: ten
      007: seven
      1.10: x
      "0x1F": z
      hours: 9:30
      code: 007
      big: 1_000
"""


def test_names_texts_and_versions_are_as_written_through_the_cli(tmp_path):
    (tmp_path / "narrate.yaml").write_text(MANIFEST)
    done = narrate_in("-q", "build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "out" / "en").iterdir())
    assert names == ["007.ulaw", "010.ulaw", "0x1F.ulaw", "1.10.ulaw", "big.ulaw", "code.ulaw", "hours.ulaw"]
    rows = {r["name"]: r for r in json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]}
    assert (rows["hours"]["text"], rows["hours"]["spoken"]) == ("9:30", "nine thirty")
    assert (rows["code"]["text"], rows["code"]["spoken"]) == ("007", "zero zero seven")
    assert rows["big"]["text"] == "1_000"
    done = narrate_in("-q", "package", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (archive,) = (tmp_path / "packages").glob("*.tar.gz")
    assert archive.name == "ivr-en-US-ulaw-1.10.tar.gz"
    with tarfile.open(archive) as tar:
        assert any(n.endswith("010.ulaw") for n in tar.getnames())


def test_the_loader_keeps_keys_as_written_and_numbers_as_numbers():
    doc = load_yaml_text("a:\n  010: x\n  12:30: y\n  yes: z\n  7: w\nspeed: 1.10\nn: 010\n", "m.yaml")
    data = doc.data
    assert list(data["a"]) == ["010", "12:30", "yes", "7"]
    assert data["speed"] == 1.1 and data["n"] == 8  # numbers where numbers are meant
    assert _number_text(data["speed"]) == "1.10" and _number_text(data["n"]) == "010"
    assert _number_text(7) == "7" and _number_text(True) is True
