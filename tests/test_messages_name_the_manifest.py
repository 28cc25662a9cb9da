"""Every located message names the manifest as the user wrote it (`m.yaml:12: ...`), whichever
stage found the problem: the model's checks, the voice check, or the planner."""

from __future__ import annotations

from conftest import assert_clean_failure, narrate_in

HEAD = "version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw]\n    layout: {pattern: '{base}.{ext}'}\n"


def test_a_voice_problem_names_the_manifest_as_given_not_its_absolute_path(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.yaml").write_text(
        HEAD + "    languages:\n      en-US: {voice: en-uss}\n    prompts:\n      hello: Hello.\n", encoding="utf-8"
    )
    for command in ("validate", "plan", "build"):
        done = narrate_in(command, "sub/m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, "sub/m.yaml:8: libraries.ivr.languages.en-US.voice: voice 'en-uss'",
                             "(used by libraries.ivr.prompts.hello.en-US, line 10)")
        assert str(tmp_path) not in done.stderr, done.stderr


def test_a_shared_output_problem_names_the_manifest_as_given(tmp_path):
    """Two manifests beside one lock writing one file: found after planning, against the lock."""
    (tmp_path / "sub").mkdir()
    text = HEAD + "    languages:\n      en-US: {voice: en-us}\n    prompts:\n      hello: Hello.\n"
    for name in ("m1.yaml", "m2.yaml"):
        (tmp_path / "sub" / name).write_text(text, encoding="utf-8")
    assert narrate_in("-q", "build", "sub/m1.yaml", cwd=tmp_path).returncode == 0
    done = narrate_in("build", "sub/m2.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "error: sub/m2.yaml: libraries.ivr.output: m1.yaml, beside this manifest")
    assert str(tmp_path) not in done.stderr, done.stderr
