"""Release archives through the CLI: contents, transcripts, checksums, reproducibility, platform limits."""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import SHARED, narrate_in
from narrate.audio.encode import encode
from narrate.audio.formats import OUTPUT_FORMATS
from narrate.audio.pcm import Pcm
from narrate.manifest import load_manifest
from narrate.package.platforms import check_library

MANIFEST = """\
version: 1
package: {output: dist}
libraries:
  shop:
    output: out/shop
    layout: asterisk
    formats: [ulaw, wav]
    version: "2.1"
    license: LICENSE.txt
    languages:
      en-US: {voice: en-us, path: en}
      es-US: {voice: es-419, path: es}
    prompts:
      welcome: {en-US: Welcome to the shop., es-US: Bienvenido a la tienda.}
      digits/1: {en-US: one, es-US: uno}
"""


def make_project(root: Path, manifest: str = MANIFEST) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "m.yaml").write_text(manifest)
    (root / "LICENSE.txt").write_text("CC BY-SA 4.0\n")
    return root


def test_archives_contents_transcripts_and_checksums(tmp_path):
    root = make_project(tmp_path / "p")
    assert narrate_in("build", "m.yaml", cwd=root).returncode == 0
    done = narrate_in("package", "m.yaml", "--format", "tar.gz", "--format", "zip", cwd=root)
    assert done.returncode == 0, done.stderr
    dist = root / "dist"
    names = sorted(p.name for p in dist.iterdir())
    assert names == ["SHA256SUMS"] + sorted(f"shop-{lang}-{fmt}-2.1.{kind}" for lang in ("en-US", "es-US")
                                            for fmt in ("ulaw", "wav") for kind in ("tar.gz", "zip"))
    with tarfile.open(dist / "shop-es-US-ulaw-2.1.tar.gz") as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == ["LICENSE.txt", "es", "es/digits", "es/digits/1.ulaw", "es/welcome.ulaw",
                                   "index.json", "shop-es-US.txt"]
        assert all(m.uid == 0 and m.gid == 0 and m.uname == "" for m in members.values())
        transcript = tar.extractfile("shop-es-US.txt").read().decode()
        index = json.loads(tar.extractfile("index.json").read())
        audio = tar.extractfile("es/welcome.ulaw").read()
    assert transcript == "digits/1: uno\nwelcome: Bienvenido a la tienda.\n"
    assert {r["name"] for r in index["prompts"]} == {"welcome", "digits/1"}
    assert audio == (root / "out" / "shop" / "es" / "welcome.ulaw").read_bytes()
    with zipfile.ZipFile(dist / "shop-en-US-wav-2.1.zip") as zf:
        assert sorted(zf.namelist()) == ["LICENSE.txt", "en/digits/1.wav", "en/welcome.wav", "index.json", "shop-en-US.txt"]
    for line in (dist / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest
    assert len((dist / "SHA256SUMS").read_text().splitlines()) == 8


def test_reproducible_across_directories_and_times(tmp_path):
    cache = tmp_path / "shared-cache"  # same audio: a shared cache, as CI runners have
    outputs = []
    for i, umask in enumerate((0o022, 0o077)):
        root = make_project(tmp_path / f"checkout{i}")
        old = os.umask(umask)
        try:
            assert narrate_in("build", "m.yaml", cwd=root, env={"NARRATE_CACHE": str(cache)}).returncode == 0
            assert narrate_in("package", "m.yaml", cwd=root, env={"NARRATE_CACHE": str(cache)}).returncode == 0
        finally:
            os.umask(old)
        outputs.append({p.name: p.read_bytes() for p in (root / "dist").iterdir()})
        if i == 0:
            time.sleep(1.1)  # the second checkout's files are made at least a second later
    assert outputs[0] == outputs[1]
    raw = next(v for k, v in outputs[0].items() if k.endswith(".tar.gz"))
    assert raw[4:8] == b"\0\0\0\0"  # gzip MTIME field is zero
    # SOURCE_DATE_EPOCH sets every entry's mtime.
    root = tmp_path / "checkout0"
    assert narrate_in("package", "m.yaml", cwd=root, env={"SOURCE_DATE_EPOCH": "1700000000"}).returncode == 0
    with tarfile.open(root / "dist" / "shop-en-US-ulaw-2.1.tar.gz") as tar:
        assert {m.mtime for m in tar.getmembers()} == {1700000000}


def test_unchanged_library_keeps_its_archives(tmp_path):
    root = make_project(tmp_path / "p")
    narrate_in("build", "m.yaml", cwd=root)
    narrate_in("package", "m.yaml", cwd=root)
    before = {p: p.stat().st_mtime_ns for p in (root / "dist").iterdir()}
    time.sleep(0.05)
    done = narrate_in("package", "m.yaml", cwd=root)
    assert done.stdout.count("(unchanged)") == 4
    assert {p: p.stat().st_mtime_ns for p in (root / "dist").iterdir()} == before


def test_package_on_build_and_before_build(tmp_path):
    root = make_project(tmp_path / "p", MANIFEST.replace("package: {output: dist}", "package: {output: dist, on_build: true}"))
    done = narrate_in("package", "m.yaml", cwd=root)
    assert done.returncode == 1 and "run `narrate build` first" in done.stderr
    assert narrate_in("build", "m.yaml", cwd=root).returncode == 0
    assert (root / "dist" / "SHA256SUMS").is_file() and len(list((root / "dist").glob("*.tar.gz"))) == 4
    (root / "dist" / "shop-en-US-wav-2.1.tar.gz").unlink()
    assert narrate_in("build", "m.yaml", cwd=root).returncode == 0  # the fast path notices a missing archive
    assert (root / "dist" / "shop-en-US-wav-2.1.tar.gz").is_file()


def test_platform_names_checked_at_validate(tmp_path):
    """A name the platform refuses is known from the manifest: `validate` and `build` refuse it before
    any synthesis (it used to be found by `package`, after the build had paid for every prompt)."""
    text = MANIFEST.replace("    layout: asterisk\n    formats: [ulaw, wav]", "    layout: flat\n    platform: genesys\n    formats: [mulaw-wav]")  # noqa: E501
    root = make_project(tmp_path / "p", text + "      main-menu: {en-US: Main menu., es-US: Menú principal.}\n")
    for command in ("validate", "build"):
        done = narrate_in(command, "m.yaml", cwd=root)
        assert done.returncode == 2, done.stderr
        assert "m.yaml:17: libraries.shop.prompts.main-menu: Genesys Cloud file names allow letters, digits and " \
               "underscores, starting with a letter (platform: genesys)" in done.stderr
        assert "welcome" not in done.stderr and "synthesiz" not in done.stderr
    assert not (root / "out").exists() and not (root / "dist").exists()


@pytest.mark.parametrize("platform,label", [("connect", "Amazon Connect"), ("cisco", "Cisco")])
def test_a_wav_only_platform_refuses_headerless_and_compressed_formats_at_validate(tmp_path, platform, label):
    """Amazon Connect and Cisco play .wav files only: a headerless .ulaw (or .gsm, .mp3) used to pass
    the platform check because only .wav headers were read, and then was found only by `package`,
    after the build had paid for it. The formats are in the manifest: `validate` refuses them."""
    text = MANIFEST.replace("    layout: asterisk\n    formats: [ulaw, wav]",
                            f"    layout: flat\n    platform: {platform}\n    formats: [mulaw-wav, ulaw, gsm, wav]")
    root = make_project(tmp_path / "p", text)
    done = narrate_in("validate", "m.yaml", cwd=root)
    assert done.returncode == 2, done.stderr
    takes = {"connect": "mu-law mono 8000 Hz WAV (format mulaw-wav)",
             "cisco": "mu-law or A-law mono 8000 Hz WAV (format mulaw-wav or alaw-wav)"}[platform]
    needs = {"connect": "mu-law", "cisco": "mu-law or A-law"}[platform]
    assert done.stderr.splitlines() == [
        f"error: m.yaml:8: libraries.shop.formats: {label} takes only {takes}, not ulaw files (platform: {platform})",
        f"error: m.yaml:8: libraries.shop.formats: {label} takes only {takes}, not gsm files (platform: {platform})",
        f"error: m.yaml:8: libraries.shop.formats: {label} needs {needs} mono 8000 Hz, format wav is 16-bit PCM mono "
        f"8000 Hz (platform: {platform})"]
    assert narrate_in("build", "m.yaml", cwd=root).returncode == 2 and not (root / "out").exists()


@pytest.mark.parametrize("layout,formats,message", [
    ('{pattern: "{lang}/{rate}/{name}.{ext}"}', "[wav, wav16]",
     "FreeSWITCH plays only .wav files; the pattern layout writes wav16 as .wav16 (platform: freeswitch)"),
    ("flat", "[wav, mulaw-wav]", "FreeSWITCH needs 16-bit PCM mono 8000 Hz or 16000 Hz or 32000 Hz or 48000 Hz, "
                                 "format mulaw-wav is mu-law mono 8000 Hz (platform: freeswitch)"),
])
def test_freeswitch_platform_refuses_files_mod_sndfile_cannot_play(tmp_path, layout, formats, message):
    """mod_sndfile picks its reader by extension and plays 16-bit PCM WAV: a `.wav16` file (what flat and
    pattern layouts name wav16) or a mu-law WAV used to pass FreeSWITCH's platform check."""
    text = MANIFEST.replace("    layout: asterisk\n    formats: [ulaw, wav]",
                            f"    layout: {layout}\n    platform: freeswitch\n    formats: {formats}")
    done = narrate_in("validate", "m.yaml", cwd=make_project(tmp_path / "p", text))
    assert done.returncode == 2 and done.stderr == f"error: m.yaml:8: libraries.shop.formats: {message}\n"
    text = MANIFEST.replace("    layout: asterisk\n    formats: [ulaw, wav]",
                            "    layout: freeswitch\n    platform: freeswitch\n    formats: [wav, wav16, wav32, wav48]")
    assert narrate_in("validate", "m.yaml", cwd=make_project(tmp_path / "q", text)).returncode == 0


def test_package_still_reads_the_files_headers(tmp_path):
    """The platform check on the built files stays: a .ulaw in a Connect library's index is refused."""
    manifest = make_project(tmp_path / "p", MANIFEST.replace("    layout: asterisk\n    formats: [ulaw, wav]",
                                                            "    layout: flat\n    platform: connect\n    formats: [mulaw-wav]"))
    lib = load_manifest(manifest / "m.yaml").libraries[0]
    rows = [_wav(lib.output, "welcome.ulaw", 1, "ulaw")]
    assert [str(v) for v in check_library(lib, {"prompts": rows})] == [
        "shop/en-US/welcome (welcome.ulaw): Amazon Connect takes only mu-law mono 8000 Hz WAV (format mulaw-wav), "
        "not ulaw files"]


def _wav(tmp: Path, rel: str, seconds: float, fmt: str) -> dict:
    pcm = Pcm(np.zeros(int(seconds * 8000), dtype=np.int16), 8000)
    path = tmp / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode(pcm, OUTPUT_FORMATS[fmt]))
    return {"name": Path(rel).stem, "language": "en-US", "text": "x", "file": rel, "format": fmt,
            "duration": seconds, "sha256": ""}


def test_platform_limits_name_the_prompt_and_the_limit(tmp_path):
    manifest = make_project(tmp_path / "p", MANIFEST.replace("    layout: asterisk\n    formats: [ulaw, wav]",
                                                            "    layout: flat\n    platform: connect\n    formats: [mulaw-wav]"))
    lib = load_manifest(manifest / "m.yaml").libraries[0]
    rows = [_wav(lib.output, "long.wav", 301, "mulaw-wav"), _wav(lib.output, "pcm.wav", 1, "wav")]
    found = [str(v) for v in check_library(lib, {"prompts": rows})]
    assert any("shop/en-US/long" in v and "over Amazon Connect's 5-minute limit" in v for v in found)
    assert any("shop/en-US/pcm" in v and "needs mu-law mono 8000 Hz, this is 16-bit PCM" in v for v in found)
    lib.platform = "asterisk"
    rows = [_wav(lib.output, "mulaw.wav", 1, "mulaw-wav")]
    assert [str(v) for v in check_library(lib, {"prompts": rows})] == [
        "shop/en-US/mulaw (mulaw.wav): Asterisk needs 16-bit PCM mono 8000 Hz, this is mu-law mono 8000 Hz"]
    lib.platform = "genesys"
    rows = [_wav(lib.output, "main menu.wav", 1, "wav")]
    assert any("Genesys Cloud file names allow letters, digits and underscores" in str(v)
               for v in check_library(lib, {"prompts": rows}))


def test_cisco_takes_a_law_wav_as_well_as_mu_law(tmp_path):
    """Cisco UCCX plays G.711 WAV, mu-law or A-law (reference/telephony.md): an alaw-wav prompt set
    used to be refused as "Cisco needs mu-law", and Cisco's own A-law regions could not package."""
    manifest = make_project(tmp_path / "p", MANIFEST.replace("    layout: asterisk\n    formats: [ulaw, wav]",
                                                            "    layout: flat\n    platform: cisco\n    formats: [alaw-wav]"))
    lib = load_manifest(manifest / "m.yaml").libraries[0]
    rows = [_wav(lib.output, "alaw.wav", 1, "alaw-wav"), _wav(lib.output, "mulaw.wav", 1, "mulaw-wav")]
    assert check_library(lib, {"prompts": rows}) == []
    rows = [_wav(lib.output, "pcm.wav", 1, "wav")]
    assert [str(v) for v in check_library(lib, {"prompts": rows})] == [
        "shop/en-US/pcm (pcm.wav): Cisco needs mu-law or A-law mono 8000 Hz, this is 16-bit PCM mono 8000 Hz"]


@pytest.mark.shared
def test_freeswitch_corpus_subset_packages(tmp_path):
    imported = narrate_in("import", "freeswitch", str(SHARED / "corpora" / "freeswitch-phrase" / "phrase_en.xml"),
                       "--output", "out", cwd=tmp_path)
    data = yaml.safe_load(imported.stdout)
    lib = data["libraries"]["freeswitch-sounds"]
    lib["prompts"] = dict(list(lib["prompts"].items())[:30])
    (tmp_path / "fs.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    assert narrate_in("build", "fs.yaml", cwd=tmp_path).returncode == 0
    done = narrate_in("package", "fs.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    archives = sorted((tmp_path / "packages").glob("*.tar.gz"))
    assert [a.name for a in archives] == ["freeswitch-sounds-en-US-wav-1.0.tar.gz", "freeswitch-sounds-en-US-wav16-1.0.tar.gz"]
    with tarfile.open(archives[1]) as tar:
        names = tar.getnames()
        transcript = tar.extractfile("freeswitch-sounds-en-US.txt").read().decode().splitlines()
    assert "en/ascii/16000/32.wav" in names and len([n for n in names if n.endswith(".wav")]) == 30
    assert "ascii/32: Space" in transcript and transcript == sorted(transcript) and len(transcript) == 30
