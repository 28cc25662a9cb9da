"""A bad `jobs:` in a manifest (issue 14 item 1): a located one-line error, exit 2, nothing built."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot

MANIFEST = """version: 1
jobs: {jobs}
libraries:
  ivr:
    output: out
    formats: [ulaw]
    languages:
      en-US: {{voice: en-us, path: en}}
    prompts:
      hello: Hello.
"""


@pytest.mark.parametrize("jobs,message", [
    ("0", "m.yaml:2: jobs: 0 is out of range 1 to 256"),
    ("257", "m.yaml:2: jobs: 257 is out of range 1 to 256"),
    ("-4", "m.yaml:2: jobs: -4 is out of range 1 to 256"),
    ("many", "m.yaml:2: jobs: expected a whole number, got text ('many')"),
    ("1.5", "m.yaml:2: jobs: expected a whole number, got a number (1.5)"),
    ("true", "m.yaml:2: jobs: expected a whole number, got true/false"),
    ("[2]", "m.yaml:2: jobs: expected a whole number"),
])
@pytest.mark.parametrize("command", ["build", "validate"])
def test_bad_jobs_is_a_located_error(tmp_path, jobs, message, command):
    (tmp_path / "m.yaml").write_text(MANIFEST.format(jobs=jobs))
    before = snapshot(tmp_path)
    args = ("--cache-dir", str(tmp_path / "cache")) if command == "build" else ()
    done = narrate_in(command, *args, "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, message)
    assert not (tmp_path / "out").exists()
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("cache")} == before


def test_dash_j_does_not_excuse_a_bad_jobs_key(tmp_path):
    """-j overrides a valid value; a bad one is still bad input."""
    (tmp_path / "m.yaml").write_text(MANIFEST.format(jobs="0"))
    done = narrate_in("build", "-j", "2", "--cache-dir", str(tmp_path / "cache"), "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "m.yaml:2: jobs: 0 is out of range 1 to 256")
