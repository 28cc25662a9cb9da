"""The CI example in docs/ is valid YAML and uses commands and options narrate really has."""

from __future__ import annotations

import re
import subprocess
import sys

import yaml

from conftest import ROOT


def test_github_actions_example():
    workflow = yaml.safe_load((ROOT / "docs" / "github-actions.yml").read_text())
    steps = workflow["jobs"]["audio"]["steps"]
    names = [s.get("name", s.get("uses", "")) for s in steps]
    assert any("cache" in n.lower() for n in names) and any(s.get("uses", "").startswith("actions/cache") for s in steps)
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps)
    runs = "\n".join(s.get("run", "") for s in steps)
    for command in re.findall(r"narrate ([a-z]+)", runs):
        done = subprocess.run([sys.executable, "-m", "narrate.cli", command, "--help"], capture_output=True, text=True)
        assert done.returncode == 0, command
    for option in re.findall(r"(--[a-z-]+)", runs):
        helps = subprocess.run([sys.executable, "-m", "narrate.cli", "build", "--help"], capture_output=True, text=True).stdout
        helps += subprocess.run([sys.executable, "-m", "narrate.cli", "plan", "--help"], capture_output=True, text=True).stdout
        helps += subprocess.run([sys.executable, "-m", "narrate.cli", "report", "--help"], capture_output=True, text=True).stdout
        assert option in helps, option
