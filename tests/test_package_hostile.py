"""`narrate package` against hostile or damaged inputs, through the CLI: an index.json that names
files outside the library, a FIFO where an output goes, zip dates, versions that are paths, archive
members that collide, writes that fail, and outputs older than the manifest."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from test_package import MANIFEST, make_project


def test_zip_epoch_in_the_manifest_refused_at_validate(tmp_path):
    root = make_project(tmp_path / "p", MANIFEST.replace("package: {output: dist}",
                                                         "package: {output: dist, epoch: 5000000000, formats: [zip]}"))
    done = narrate_in("validate", "m.yaml", cwd=root)
    assert done.returncode == 2 and "m.yaml:2: package.epoch:" in done.stderr and "2107" in done.stderr, done.stderr
    tar_only = MANIFEST.replace("package: {output: dist}", "package: {output: dist, epoch: 5000000000}")
    (root / "m.yaml").write_text(tar_only)
    assert narrate_in("validate", "m.yaml", cwd=root).returncode == 0


@pytest.mark.parametrize("version", ["../../x", "1.0/../../../evil", "1.0\\x", "..", "1.0\x1b[2J"])
def test_version_that_is_a_path_is_refused_at_validate(tmp_path, version):
    root = make_project(tmp_path / "p", MANIFEST.replace('version: "2.1"', f"version: {json.dumps(version)}"))
    done = narrate_in("validate", "m.yaml", cwd=root)
    assert done.returncode == 2, done.stderr
    assert "m.yaml:8: libraries.shop.version:" in done.stderr and "\x1b" not in done.stderr


def test_license_named_like_the_index_is_refused(tmp_path):
    root = make_project(tmp_path / "p", MANIFEST.replace("license: LICENSE.txt", "license: legal/index.json"))
    (root / "legal").mkdir()
    (root / "legal" / "index.json").write_text("{}\n")
    done = narrate_in("validate", "m.yaml", cwd=root)
    assert done.returncode == 2 and "libraries.shop.license:" in done.stderr and "index.json" in done.stderr, done.stderr


def test_prompt_file_named_like_the_transcript_is_refused(tmp_path):
    text = """\
version: 1
libraries:
  shop:
    output: out/shop
    layout: {pattern: "{name}"}
    formats: [ulaw]
    languages:
      en-US: en-us
    prompts:
      shop-en-US.txt: one
"""
    root = make_project(tmp_path / "p", text)
    done = narrate_in("validate", "m.yaml", cwd=root)
    assert done.returncode == 2, done.stderr
    assert "m.yaml:10: libraries.shop.prompts.shop-en-US.txt:" in done.stderr and "transcript" in done.stderr


def test_language_folder_named_like_the_license_is_refused(tmp_path):
    root = make_project(tmp_path / "p", MANIFEST.replace("path: es}", "path: LICENSE.txt}"))
    done = narrate_in("validate", "m.yaml", cwd=root)
    assert done.returncode == 2 and "LICENSE.txt" in done.stderr, done.stderr
