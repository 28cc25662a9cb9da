"""The CI example in docs/ is valid YAML and uses commands and options narrate really has."""

from __future__ import annotations

import re

import yaml

from conftest import ROOT, narrate_in


def test_github_actions_example():
    workflow = yaml.safe_load((ROOT / "docs" / "github-actions.yml").read_text())
    steps = workflow["jobs"]["audio"]["steps"]
    names = [s.get("name", s.get("uses", "")) for s in steps]
    assert any("cache" in n.lower() for n in names) and any(s.get("uses", "").startswith("actions/cache") for s in steps)
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps)
    runs = "\n".join(s.get("run", "") for s in steps)
    for command in sorted(set(re.findall(r"narrate ([a-z]+)", runs))):
        done = narrate_in(command, "--help")
        assert done.returncode == 0, command
    helps = "".join(narrate_in(command, "--help").stdout for command in ("build", "plan", "report"))
    for option in re.findall(r"(--[a-z-]+)", runs):
        assert option in helps, option
