"""Two manifests beside one another share narrate.lock (a section each) and must not write the same
file: each build overwrote the other's files and its index.json, with exit 0."""

from __future__ import annotations

from conftest import assert_clean_failure, narrate_in, snapshot

A = "version: 1\nlibraries:\n  s:\n    output: out\n    formats: [ulaw]\n    languages: {en-US: en-us}\n" \
    "    prompts:\n      welcome: Hello from A.\n"
B = "version: 1\nlibraries:\n  t:\n    output: {out}\n    formats: [ulaw]\n    languages: {{en-US: en-us}}\n" \
    "    prompts:\n      welcome: Hello from B.\n      other: Other.\n"


def outputs(root):
    return {rel: seen for rel, seen in snapshot(root).items() if not rel.startswith(".narrate-cache")}


def test_a_second_manifest_writing_the_same_files_is_refused_before_anything_is_paid(tmp_path):
    (tmp_path / "a.yaml").write_text(A)
    (tmp_path / "b.yaml").write_text(B.format(out="out"))
    assert narrate_in("-q", "build", "a.yaml", cwd=tmp_path).returncode == 0
    before = outputs(tmp_path)
    done = narrate_in("-q", "build", "b.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "b.yaml: libraries.t.output: a.yaml, beside this manifest (one narrate.lock), "
                                  "writes the same files: out/en_US/welcome.ulaw; give each manifest its own output folders")
    assert outputs(tmp_path) == before  # a's file, index and lock as they were
    assert narrate_in("-q", "plan", "b.yaml", cwd=tmp_path).returncode == 2


def test_manifests_with_their_own_folders_share_the_lock(tmp_path):
    (tmp_path / "a.yaml").write_text(A)
    (tmp_path / "b.yaml").write_text(B.format(out="out-b"))
    for name in ("a.yaml", "b.yaml", "a.yaml"):
        assert narrate_in("-q", "build", name, cwd=tmp_path).returncode == 0
    said_a, said_b = (tmp_path / "out" / "en_US" / "welcome.ulaw"), (tmp_path / "out-b" / "en_US" / "welcome.ulaw")
    assert said_a.read_bytes() != said_b.read_bytes()


def test_the_section_of_a_manifest_that_is_gone_claims_nothing(tmp_path):
    (tmp_path / "a.yaml").write_text(A)
    assert narrate_in("-q", "build", "a.yaml", cwd=tmp_path).returncode == 0
    (tmp_path / "a.yaml").rename(tmp_path / "a-renamed.txt")
    (tmp_path / "b.yaml").write_text(B.format(out="out"))
    assert narrate_in("-q", "build", "b.yaml", cwd=tmp_path).returncode == 0
