"""Issue 16.2: `narrate init` writes a starter project that builds, never overwrites; `build`,
`plan` and `validate` without arguments use narrate.yaml in the current folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import assert_clean_failure, narrate_in, snapshot

ROOT = Path(__file__).resolve().parent.parent
STARTER = ["narrate.yaml", "lexicon.yaml", "content/guide/01-welcome.md", "content/guide/02-next-steps.md",
           ".github/workflows/narrate.yml", "narrate.schema.json", ".gitignore"]


@pytest.mark.slow
def test_init_then_zero_argument_validate_plan_build(tmp_path):
    done = narrate_in("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:-1] == [f"wrote {tmp_path / name}" for name in STARTER]
    assert narrate_in("validate", cwd=tmp_path).stdout == "narrate.yaml: ok (1 library, 4 prompts, 1 book)\n"
    plan = narrate_in("plan", cwd=tmp_path)
    assert plan.returncode == 0 and "15 of 15 segments to synthesize" in plan.stdout, plan.stdout
    built = narrate_in("-q", "build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "output" / "asterisk" / "en" / "welcome.ulaw").is_file()
    assert (tmp_path / "output" / "books" / "guide" / "guide.m4b").is_file()
    again = narrate_in("-q", "build", "--check", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr


def test_the_manifest_points_editors_at_a_schema_init_wrote(tmp_path):
    """The yaml-language-server line names a file that exists (not a placeholder URL), holding the
    schema `narrate schema` prints, and the starter manifest validates against it."""
    import json

    import jsonschema

    assert narrate_in("init", cwd=tmp_path).returncode == 0
    first = (tmp_path / "narrate.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=narrate.schema.json"
    written = json.loads((tmp_path / "narrate.schema.json").read_text())
    assert written == json.loads(narrate_in("schema", cwd=tmp_path).stdout)
    jsonschema.validate(yaml.safe_load((tmp_path / "narrate.yaml").read_text()), written)


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "lexicon.yaml").write_text("mine: keep\n")
    before = snapshot(tmp_path)
    assert_clean_failure(narrate_in("init", cwd=tmp_path), 2, "already has lexicon.yaml", "never overwrites")
    assert snapshot(tmp_path) == before


def test_init_appends_to_an_existing_gitignore_once(tmp_path):
    (tmp_path / ".gitignore").write_text("node_modules/")
    assert narrate_in("init", cwd=tmp_path).returncode == 0
    text = (tmp_path / ".gitignore").read_text()
    assert text.startswith("node_modules/\n\n# narrate:") and text.endswith(".narrate-cache/\n/output/\n")
    from narrate.starter import _gitignore

    assert _gitignore(tmp_path) is None  # the lines are there: nothing appended twice


def test_init_into_a_named_folder(tmp_path):
    done = narrate_in("init", "proj", cwd=tmp_path)
    assert done.returncode == 0 and (tmp_path / "proj" / "narrate.yaml").is_file()
    assert done.stdout.endswith("next: narrate plan, then narrate build (in proj)\n")


@pytest.mark.parametrize("command", ["build", "plan", "validate"])
def test_no_manifest_and_no_narrate_yaml_is_a_usage_error(tmp_path, command):
    done = narrate_in(command, cwd=tmp_path)
    assert done.returncode == 2 and "no narrate.yaml in this folder" in done.stderr


def test_narrate_yml_is_found_too(tmp_path):
    (tmp_path / "narrate.yml").write_text("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n"
                                          "    languages:\n      en-US: {voice: en-us}\n    prompts:\n      hi: Hi.\n")
    assert narrate_in("validate", cwd=tmp_path).stdout == "narrate.yml: ok (1 library, 1 prompt, 0 books)\n"


def test_the_starter_workflow_is_the_documented_one():
    starter = (ROOT / "narrate" / "templates" / "init" / "github-workflow.yml").read_text()
    assert starter == (ROOT / "docs" / "github-actions.yml").read_text()
    assert yaml.safe_load(starter)["jobs"]["audio"]["env"]["MANIFEST"] == "narrate.yaml"


ONE_PROMPT = ("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n"
              "    languages:\n      en-US: {voice: en-us}\n    prompts:\n      hi: Hi.\n")


def test_report_and_cache_commands_use_narrate_yaml_too(tmp_path):
    """A new user's `narrate report` and `narrate cache stats` in an init'd project: the README says the
    manifest commands find narrate.yaml; `report` demanded an argument and `cache` asked which cache."""
    (tmp_path / "narrate.yaml").write_text(ONE_PROMPT)
    assert narrate_in("-q", "build", cwd=tmp_path).returncode == 0
    page = narrate_in("report", cwd=tmp_path)
    assert page.returncode == 0, page.stderr
    assert page.stdout == f"{tmp_path / 'review' / 'review.html'}: 1 recording\n"
    stats = narrate_in("cache", "stats", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    assert stats.stdout.startswith(f"{tmp_path / '.narrate-cache'}: 1 entry, ")


def test_report_and_cache_stats_without_narrate_yaml_are_usage_errors(tmp_path):
    done = narrate_in("report", cwd=tmp_path)
    assert done.returncode == 2 and "no narrate.yaml in this folder" in done.stderr
    done = narrate_in("cache", "stats", cwd=tmp_path)
    assert_clean_failure(done, 2, "which cache? pass --cache-dir DIR or -m MANIFEST", "or run it beside narrate.yaml")
