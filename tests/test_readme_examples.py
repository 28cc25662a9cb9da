"""The README's examples work as written: every ```yaml block validates, the example workflow grants
what its steps need, and the pre-commit hook validates manifests only.

A block with `version:` is a whole manifest; a block of other top-level manifest sections
(`providers:`, `books:`, ...) is validated merged into the first whole manifest; any other block
is a lexicon, written where the manifest's `lexicon:` points. Each failure names the block's line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import assert_clean_failure, narrate_in

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MANIFEST_SECTIONS = {"version", "defaults", "lexicon", "libraries", "books", "providers", "package", "budget",
                     "cache", "prices"}


def yaml_blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    return [(text[:m.start()].count("\n") + 2, m.group(1)) for m in re.finditer(r"```ya?ml\n(.*?)```", text, re.S)]


def _kind(body: str) -> str:
    data = yaml.safe_load(body)
    if isinstance(data, dict) and "version" in data:
        return "manifest"
    if isinstance(data, dict) and set(data) <= MANIFEST_SECTIONS:
        return "fragment"
    return "lexicon"


BLOCKS = yaml_blocks()
BASE = next(body for _, body in BLOCKS if _kind(body) == "manifest")
LIBRARY = ("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n"
           "    languages:\n      en-US: {voice: en-us}\n    prompts:\n")
LEXICON = next((body for _, body in BLOCKS if _kind(body) == "lexicon"), "{}\n")


def test_the_readme_has_yaml_examples_of_each_kind():
    assert {_kind(body) for _, body in BLOCKS} == {"manifest", "fragment", "lexicon"}


@pytest.mark.parametrize("line,body", BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_yaml_example_validates(line, body, tmp_path):
    (tmp_path / ".git").mkdir()  # the repository's layout: manifests/ reads ../content/ inside one git work tree
    (tmp_path / "content").mkdir()
    shutil.copytree(ROOT / "content" / "patient-guide", tmp_path / "content" / "patient-guide")
    folder = tmp_path / "manifests"
    folder.mkdir()
    manifest = yaml.safe_load(BASE)
    if _kind(body) == "fragment":
        manifest.update(yaml.safe_load(body))
    elif _kind(body) == "manifest":
        manifest = yaml.safe_load(body)
    for book in (manifest.get("books") or {}).values():  # an example's own article folder: one article
        sources = book.get("sources")
        if isinstance(sources, str) and not list(folder.glob(sources)):
            for name in ["01-first", *(Path(c).stem for c in book.get("chapters") or {})]:  # and those it configures
                article = folder / sources.replace("*", name)
                article.parent.mkdir(parents=True, exist_ok=True)
                article.write_text("---\ntitle: First\ndate: 2024-05-01\n---\n\nA first article.\n")
    lexicon = body if _kind(body) == "lexicon" else LEXICON
    if isinstance(manifest.get("lexicon"), str):
        (folder / manifest["lexicon"]).write_text(lexicon, encoding="utf-8")
    path = folder / "example.yaml"
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    done = narrate_in("validate", str(path), env={"OPENAI_API_KEY": "sk-example"})
    assert done.returncode == 0, f"README.md:{line}: the example does not validate:\n{done.stderr}"


def test_a_flow_mapping_with_an_unquoted_comma_is_caught(tmp_path):
    """The mistake the README once made: `{text: For sales, press 1., ...}` splits the text."""
    path = tmp_path / "m.yaml"
    path.write_text(LIBRARY + "      menu:\n        en-US: {text: For sales, press 1., voice: en-us}\n")
    assert_clean_failure(narrate_in("validate", str(path)), 2, "m.yaml:10", "press 1.")


def test_example_workflow_grants_the_junit_reporter_checks_write():
    workflow = yaml.safe_load((ROOT / "docs" / "github-actions.yml").read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert any("action-junit-report" in step.get("uses", "") for step in steps)
    assert workflow["permissions"] == {"contents": "read", "checks": "write"}


def test_pre_commit_hook_validates_manifests_and_skips_other_yaml(tmp_path):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "narrate-validate"]
    entry = hook["entry"].split()
    assert entry[:2] == ["narrate", "validate"] and hook["types"] == ["yaml"]
    good = tmp_path / "ivr.yaml"
    good.write_text(LIBRARY + "      hello: Hello.\n")
    other = tmp_path / "mkdocs.yml"
    other.write_text("site_name: Docs\nnav: [index.md]\n")
    done = narrate_in(*entry[1:], str(good), str(other))
    assert done.returncode == 0, done.stderr
    assert f"{good}: ok" in done.stdout and "mkdocs.yml" not in done.stdout + done.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nlibraries:\n  ivr:\n    outptu: out\n")
    assert_clean_failure(narrate_in(*entry[1:], str(broken), str(other)), 2, "broken.yaml:4", "outptu")
