"""`narrate package` against hostile or damaged inputs, through the CLI: an index.json that names
files outside the library, a FIFO where an output goes, zip dates, versions that are paths, archive
members that collide, writes that fail, and outputs older than the manifest."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import narrate, narrate_in
from test_package import MANIFEST, make_project


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A built project (in a git repository, as the attacker's was), copied by each test."""
    root = make_project(tmp_path_factory.mktemp("built") / "p")
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=30)
    done = narrate_in("build", "m.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def _copy(built: Path, tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "p"  # without the cache: its SQLite files come and go while another test runs
    shutil.copytree(built, root, symlinks=True, ignore=shutil.ignore_patterns(".narrate-cache"))
    return root


def _add_row(root: Path, row: dict) -> None:
    index = root / "out" / "shop" / "index.json"
    data = json.loads(index.read_text())
    data["prompts"].append(row)
    index.write_text(json.dumps(data))


def _row(file: str, sha: str, name: str = "zz") -> dict:
    return {"name": name, "language": "en-US", "text": "x", "file": file, "format": "ulaw", "duration": 1,
            "sha256": sha}


def _members(root: Path) -> list[str]:
    return [n for a in sorted((root / "dist").glob("*.tar.gz")) for n in tarfile.open(a).getnames()]


@pytest.mark.parametrize("where", ["relative", "absolute", "symlink", "unrecorded"])
def test_index_cannot_name_files_outside_the_library(built, tmp_path, where):
    root = _copy(built, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret\n")
    sha = hashlib.sha256(secret.read_bytes()).hexdigest()
    if where == "relative":
        _add_row(root, _row("../../../secret.txt", sha))
    elif where == "absolute":
        _add_row(root, _row(str(secret), sha))
    elif where == "symlink":  # a link inside the folder that leads out, and a row for it
        (root / "out" / "shop" / "en" / "zz.ulaw").symlink_to(secret)
        _add_row(root, _row("en/zz.ulaw", sha))
    else:  # a regular file inside the folder, but no build wrote it
        (root / "out" / "shop" / "en" / "zz.ulaw").write_bytes(secret.read_bytes())
        _add_row(root, _row("en/zz.ulaw", sha))
    done = narrate_in("package", "m.yaml", cwd=root)
    assert done.returncode == 2, done.stderr
    assert "index.json" in done.stderr and "zz" in done.stderr and "internal error" not in done.stderr
    assert not (root / "dist").exists() or "secret" not in " ".join(_members(root))


def test_index_row_pointing_at_another_output_is_refused(built, tmp_path):
    """The bytes of a real output under another prompt's name: the lock records otherwise."""
    root = _copy(built, tmp_path)
    index = root / "out" / "shop" / "index.json"
    data = json.loads(index.read_text())
    other = next(r for r in data["prompts"] if r["file"] == "es/welcome.ulaw")
    target = next(r for r in data["prompts"] if r["file"] == "en/welcome.ulaw")
    target["file"], target["sha256"] = other["file"], other["sha256"]
    index.write_text(json.dumps(data))
    done = narrate_in("package", "m.yaml", cwd=root)
    assert done.returncode == 2 and "index.json" in done.stderr and "welcome" in done.stderr, done.stderr


@pytest.mark.parametrize("text, expected", [
    ("[]", "expected an object"),
    ('{"prompts": [{}]}', "prompts[0]"),
    ("not json", "not valid JSON"),
    ('{"prompts": [{"name": "welcome", "language": "en-US", "text": "x", "file": 5, "format": "ulaw", '
     '"duration": 1, "sha256": "00"}]}', "prompts[0].file"),
])
def test_damaged_index_is_a_located_error(built, tmp_path, text, expected):
    root = _copy(built, tmp_path)
    (root / "out" / "shop" / "index.json").write_text(text)
    done = narrate_in("package", "m.yaml", cwd=root)
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr
    assert f"{Path('out/shop/index.json')}" in done.stderr and expected in done.stderr


def test_fifo_where_an_output_goes_is_refused_not_waited_on(built, tmp_path):
    root = _copy(built, tmp_path)
    victim = root / "out" / "shop" / "en" / "welcome.wav"
    victim.unlink()
    os.mkfifo(victim)
    done = narrate("package", "m.yaml", cwd=root, timeout=60)  # a real process: a hang fails by the timeout
    assert done.returncode == 2, done.stderr
    assert "en/welcome.wav" in done.stderr and "not a regular file" in done.stderr


def test_zip_epoch_past_2107_refused_by_package(built, tmp_path):
    root = _copy(built, tmp_path)
    done = narrate_in("package", "m.yaml", "--epoch", "5000000000", "--format", "zip", cwd=root)
    assert done.returncode == 2 and "--epoch" in done.stderr and "2107" in done.stderr, done.stderr
    done = narrate_in("package", "m.yaml", "--format", "zip", cwd=root, env={"SOURCE_DATE_EPOCH": "5000000000"})
    assert done.returncode == 2 and "SOURCE_DATE_EPOCH" in done.stderr, done.stderr
    assert not (root / "dist").exists()
    done = narrate_in("package", "m.yaml", "--epoch", "5000000000", cwd=root)  # a tar.gz holds such a date
    assert done.returncode == 0, done.stderr
    with tarfile.open(root / "dist" / "shop-en-US-ulaw-2.1.tar.gz") as tar:
        assert {m.mtime for m in tar.getmembers()} == {5000000000}


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


def test_archive_too_large_names_the_archive(built, tmp_path):
    root = _copy(built, tmp_path)
    (root / "dist").mkdir()

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000))

    done = subprocess.run([sys.executable, "-m", "narrate.cli", "package", "m.yaml"], cwd=root, capture_output=True,
                          text=True, timeout=120, preexec_fn=small_files)
    assert done.returncode == 1, done.stderr
    assert "File too large" in done.stderr and "dist" in done.stderr and ".tar.gz" in done.stderr


def test_package_after_an_edit_without_a_build_says_out_of_date(built, tmp_path):
    root = _copy(built, tmp_path)
    assert narrate_in("package", "m.yaml", cwd=root).returncode == 0
    (root / "m.yaml").write_text(MANIFEST.replace("Welcome to the shop.", "Welcome to our shop."))
    done = narrate_in("package", "m.yaml", cwd=root)
    assert done.returncode == 1 and "out of date" in done.stderr and "narrate build" in done.stderr, done.stderr
    assert "(unchanged)" not in done.stdout
    assert narrate_in("build", "m.yaml", cwd=root).returncode == 0
    done = narrate_in("package", "m.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    with tarfile.open(root / "dist" / "shop-en-US-ulaw-2.1.tar.gz") as tar:
        assert "welcome: Welcome to our shop." in tar.extractfile("shop-en-US.txt").read().decode()


def test_fifo_as_the_lock_is_refused_not_waited_on(built, tmp_path):
    root = _copy(built, tmp_path)
    (root / "narrate.lock").unlink()
    os.mkfifo(root / "narrate.lock")
    for command in ("package", "build"):
        done = narrate(command, "m.yaml", cwd=root, timeout=60)
        assert done.returncode == 2, done.stderr
        assert "narrate.lock: not a regular file" in done.stderr
