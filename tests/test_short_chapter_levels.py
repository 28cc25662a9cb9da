"""A build's files pass its own profile check, short ones too: a title-only chapter and one-line credits
need far more gain than a chapter of prose, the limiter takes more of it, and BS.1770's blocks fall on
a short chapter's speech by where it starts. Before, such files left the build with exit 0 and then
failed `narrate check` (-23.98 dB RMS for ACX's -23..-18; -12.10 LUFS for a podcast's -20..-18)."""

from __future__ import annotations

import pytest

from conftest import narrate_in

BOOK = """\
version: 1
books:
  bk: {{title: Bk, author: T, sources: ch/*.md, language: en-US, voice: en-us, profile: {profile},
       formats: [chapters], output: out/bk, credits: {{opening: "Bk, by T.", closing: "The end."}}}}
"""


@pytest.mark.parametrize("profile", ["audiobook", "podcast"])
def test_short_chapters_and_credits_meet_the_profile(tmp_path, profile):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01.md").write_text("# One\n\nThis is the first chapter of the book, with a sentence or two.\n")
    (tmp_path / "ch" / "02.md").write_text("# Two\n\nThe end.\n")
    (tmp_path / "ch" / "03.md").write_text("# Three\n")
    (tmp_path / "narrate.yaml").write_text(BOOK.format(profile=profile))
    done = narrate_in("-q", "build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = narrate_in("check", "narrate.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"bk: 5 files meet the {profile} profile" in done.stdout + done.stderr
