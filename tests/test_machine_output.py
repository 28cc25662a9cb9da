"""Issue 16.3: `--json` has one shape whatever the number of manifests (docs/cli-output.schema.json),
errors are objects, bad input still gives a JSON object; JUnit has one case per output, the same
cases in green and red runs, --check failures as failures, and a report even for a bad manifest."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import narrate_in

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "docs" / "cli-output.schema.json").read_text())
LIBRARY = ("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw, wav]\n"
           "    languages:\n      en-US: {voice: en-us}\n    prompts:\n      hello: Hello.\n      bye: Goodbye.\n")
DOWN = ("providers:\n  down:\n    kind: openai\n    base_url: http://127.0.0.1:9/v1\n    max_attempts: 1\n"
        "    api_key_env: NARRATE_TEST_KEY\n")


def _json(*args: str, cwd: Path, code: int = 0) -> dict:
    done = narrate_in(*args, "--json", cwd=cwd, env={"NARRATE_TEST_KEY": "k"})
    assert done.returncode == code, done.stderr
    data = json.loads(done.stdout)
    jsonschema.validate(data, SCHEMA)
    return data


@pytest.fixture
def project(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY)
    (tmp_path / "n.yaml").write_text(LIBRARY.replace("output: out", "output: out2").replace("ivr:", "ivr2:"))
    return tmp_path


def test_one_shape_for_one_and_for_two_manifests(project):
    one = _json("build", "m.yaml", cwd=project)
    assert (one["schema_version"], one["command"], one["ok"], len(one["manifests"])) == (1, "build", True, 1)
    assert one["synthesized"] == 2 and sorted(one["synthesized_segments"]) == [
        s for s in sorted(one["synthesized_segments"]) if s.startswith("ivr/en-US/")] and len(one["synthesized_segments"]) == 2
    assert "missing_segments" not in json.dumps(one)
    two = _json("build", "m.yaml", "n.yaml", cwd=project)
    assert set(two) == set(one) and len(two["manifests"]) == 2
    assert two["segments"] == sum(m["segments"] for m in two["manifests"]) == 4
    assert two["cached"] == 4 and two["synthesized"] == 0  # one cache beside both: the same texts are cached
    plan = _json("plan", "m.yaml", "n.yaml", cwd=project)
    assert plan["command"] == "plan" and plan["segments"] == 4 and plan["to_synthesize"] == 0


def test_check_lists_segments_to_synthesize_not_as_synthesized(project):
    data = _json("build", "--check", "m.yaml", cwd=project, code=1)
    assert data["synthesized_segments"] == [] and len(data["segments_to_synthesize"]) == 2
    assert data["ok"] is True  # nothing failed; the exit code says it is out of date


def test_failures_are_error_objects(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY.replace("version: 1\n", "version: 1\n" + DOWN).replace(
        "    formats: [ulaw, wav]\n", "    formats: [ulaw, wav]\n    provider: down\n    voice: alloy\n"))
    data = _json("build", "m.yaml", cwd=tmp_path, code=1)
    assert data["ok"] is False and data["synthesized_segments"] == []
    assert sorted((e["code"], e["key"], e["line"]) for e in data["errors"]) == [
        ("synthesis_failed", "ivr/en-US/bye", None), ("synthesis_failed", "ivr/en-US/hello", None)]
    assert all(e["file"].endswith("m.yaml") and "Connection refused" in e["message"] for e in data["errors"])


@pytest.mark.parametrize("command", ["build", "plan"])
def test_bad_input_still_prints_one_json_object(project, command):
    (project / "bad.yaml").write_text("version: 1\nlibraries:\n  ivr:\n    outptu: out\n")
    done = narrate_in(command, "--json", "bad.yaml", "m.yaml", cwd=project)
    assert done.returncode == 2 and "bad.yaml:4" in done.stderr
    data = json.loads(done.stdout)
    jsonschema.validate(data, SCHEMA)
    assert data["ok"] is False and len(data["manifests"]) == 1  # m.yaml was still built / planned
    keys = {(p["code"], p["line"], p["key"]) for p in data["problems"]}
    assert ("invalid_input", 4, "libraries.ivr.outptu") in keys
    assert data["errors"] == data["problems"]


def _cases(path: Path) -> dict[tuple[str, str], str | None]:
    root = ET.parse(path).getroot()
    return {(c.get("classname"), c.get("name")): (c.find("failure").get("message") if c.find("failure") is not None
                                                  else None) for c in root.iter("testcase")}


def test_junit_one_case_per_output_same_cases_green_and_red(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY.replace("version: 1\n", "version: 1\n" + DOWN))
    green = narrate_in("-q", "build", "--report", "green.xml", "m.yaml", cwd=tmp_path)
    assert green.returncode == 0, green.stderr
    cases = _cases(tmp_path / "green.xml")
    assert sorted(cases) == [("ivr/en-US/bye", "out/en_US/bye.ulaw"), ("ivr/en-US/bye", "out/en_US/bye.wav"),
                             ("ivr/en-US/hello", "out/en_US/hello.ulaw"), ("ivr/en-US/hello", "out/en_US/hello.wav")]
    assert set(cases.values()) == {None}
    suite = ET.parse(tmp_path / "green.xml").getroot().find("testsuite")
    assert all(float(c.get("time")) >= 0 for c in suite.iter("testcase")) and suite.get("time") is not None
    # Red: the same prompts through a provider that is down (hello's text changed, so it must synthesize).
    (tmp_path / "m.yaml").write_text(LIBRARY.replace("version: 1\n", "version: 1\n" + DOWN).replace(
        "hello: Hello.", "hello: {en-US: {text: Hello there., provider: down, voice: alloy}}"))
    red = narrate_in("-q", "build", "--report", "red.xml", "m.yaml", cwd=tmp_path, env={"NARRATE_TEST_KEY": "k"})
    assert red.returncode == 1
    failed = _cases(tmp_path / "red.xml")
    assert sorted(failed) == sorted(cases)  # stable: the same cases, now two of them failing
    assert {k for k, v in failed.items() if v} == {("ivr/en-US/hello", "out/en_US/hello.ulaw"),
                                                    ("ivr/en-US/hello", "out/en_US/hello.wav")}


def test_junit_check_failures_and_a_bad_manifest(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY)
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    (tmp_path / "m.yaml").write_text(LIBRARY.replace("Goodbye.", "Bye now."))
    check = narrate_in("-q", "build", "--check", "--report", "check.xml", "m.yaml", cwd=tmp_path)
    assert check.returncode == 1
    out_of_date = {k for k, v in _cases(tmp_path / "check.xml").items() if v}
    assert out_of_date == {("ivr/en-US/bye", "out/en_US/bye.ulaw"), ("ivr/en-US/bye", "out/en_US/bye.wav")}
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  ivr:\n    outptu: out\n")
    bad = narrate_in("-q", "build", "--report", "bad.xml", "m.yaml", cwd=tmp_path)
    assert bad.returncode == 2
    root = ET.parse(tmp_path / "bad.xml").getroot()
    (suite,) = [s for s in root.iter("testsuite") if s.get("name") == "narrate.input"]
    assert suite.get("failures") == str(len(list(suite.iter("testcase")))) != "0"
    assert any("outptu" in c.find("failure").get("message") for c in suite.iter("testcase"))
