"""A regression corpus of IVR prompts as contact-centre teams write them (1,269 prompts in en-US, en-GB,
es-ES, es-MX, es-US, de-DE, de-AT, de-CH, fr-FR, fr-CA: menus, hours, amounts, dates, references, phone numbers, addresses,
abbreviations), each with what narrate says for it (`<lang>.spoken.txt`; some readings are still
wrong, and fixing one shows as its line changing). Any change in a reading shows here as a diff to
review: regenerate the golden files with `NARRATE_REGOLD=1 pytest tests/test_ivr_corpus.py` and read
the diff before committing it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from narrate.text.normalize import normalize

DATA = Path(__file__).parent / "data" / "ivr"
LANGUAGES = ["en-US", "en-GB", "es-ES", "es-MX", "es-US", "de-DE", "de-AT", "de-CH", "fr-FR", "fr-CA"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_prompt_reads_as_reviewed(language):
    prompts = [line for line in (DATA / f"{language}.txt").read_text().splitlines() if line.strip()]
    said = "".join(f"{normalize(p, language)}\n" for p in prompts)
    golden = DATA / f"{language}.spoken.txt"
    if os.environ.get("NARRATE_REGOLD"):
        golden.write_text(said)
    expected = golden.read_text().splitlines()
    for prompt, got, want in zip(prompts, said.splitlines(), expected, strict=True):
        assert got == want, f"{language}: {prompt!r}"
