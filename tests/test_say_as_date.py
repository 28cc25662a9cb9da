"""A say-as date is declined by the word before it, as the same date in running text is: German
`am <say-as interpret-as="date">2025-03-01</say-as>` is "am ersten März" (dative), not "am erster März"."""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from narrate.text.markup import lower, parse


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("de-DE", 'Fällig am <say-as interpret-as="date">2025-03-01</say-as>.', "ersten März"),
    ("de-DE", 'Der <say-as interpret-as="date">2025-03-01</say-as> ist ein Samstag.', "Der erste März"),
    ("de-DE", '<say-as interpret-as="date">2025-03-01</say-as>', "erster März"),
    ("en-US", 'Due <say-as interpret-as="date">2025-03-01</say-as>.', "Due March first, twenty twenty-five."),
])
def test_a_say_as_date_reads_as_the_date_in_running_text(language, written, spoken):
    assert spoken in " ".join(lower(parse(written), language).split())


def test_a_german_prompt_through_the_cli(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [ulaw]\n    languages: {de-DE: de}\n"
        "    prompts:\n      due: 'Fällig am <say-as interpret-as=\"date\">2025-03-01</say-as>.'\n")
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]
    assert "am ersten März" in row["spoken"]
