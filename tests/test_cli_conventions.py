"""Issue 16: options where people type them, colour by the usual environment variables, and
progress lines in CI logs."""

from __future__ import annotations

import click
import pytest

from conftest import narrate_in
from narrate.cli.app import ProgressLines, color_from_env

LIBRARY = ("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n"
           "    languages:\n      en-US: {voice: en-us}\n    prompts:\n")


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(LIBRARY + "".join(f"      p{i:02d}: Prompt number {i}.\n" for i in range(12)))
    return path


@pytest.mark.parametrize("args", [["-q", "build", "{m}"], ["build", "{m}", "-q"], ["build", "-q", "{m}"],
                                  ["build", "{m}", "--quiet"]])
def test_quiet_is_accepted_before_and_after_the_command(manifest, args):
    done = narrate_in(*[a.format(m=manifest) for a in args])
    assert done.returncode == 0, done.stderr
    assert [line.split(" ")[1] for line in done.stderr.splitlines()] == ["12"]  # the summary line alone


def test_verbose_after_the_command_logs_and_shows_tracebacks(manifest):
    done = narrate_in("validate", str(manifest), "-v")
    assert done.returncode == 0, done.stderr
    nested = narrate_in("cache", "stats", "--manifest", str(manifest), "-q")  # -q taken; nothing built yet
    assert nested.returncode == 2 and "error: no cache at" in nested.stderr, nested.stderr
    missing = narrate_in("build", str(manifest.with_name("nope.yaml")), "-v")
    assert missing.returncode == 2 and "Traceback" in missing.stderr


def test_ci_log_gets_one_progress_line_per_phase_of_a_short_build(manifest):
    done = narrate_in("build", str(manifest))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[:2] == ["m.yaml: synthesizing: 12/12 (100%)", "m.yaml: rendering ivr: 12/12 (100%)"]


def test_progress_lines_at_most_every_ten_percent_and_ten_seconds(capsys):
    now = [0.0]
    lines = ProgressLines("m.yaml", clock=lambda: now[0])
    lines.start("synth", 100, "synthesize")
    for _ in range(100):  # 3 s per item: a tenth takes 30 s, so each tenth gets its line
        now[0] += 3
        lines.advance("synth")
    lines.finish("synth")
    assert capsys.readouterr().err.splitlines() == [f"m.yaml: synthesize: {n}/100 ({n}%)" for n in range(10, 101, 10)]
    fast = ProgressLines("m.yaml", clock=lambda: now[0])
    fast.start("synth", 1000)
    for _ in range(1000):  # 0.05 s per item: a tenth takes 5 s, so a line every other tenth
        now[0] += 0.05
        fast.advance("synth")
    fast.finish("synth")
    assert capsys.readouterr().err.splitlines() == [f"m.yaml: synth: {n}/1000 ({n // 10}%)" for n in (200, 400, 600, 800, 1000)]


@pytest.mark.parametrize("env,expected", [({}, None), ({"NO_COLOR": "1"}, False), ({"FORCE_COLOR": "1"}, True),
                                          ({"TERM": "dumb"}, False), ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
                                          ({"NO_COLOR": ""}, None), ({"TERM": "dumb", "FORCE_COLOR": "1"}, True)])
def test_colour_follows_no_color_force_color_and_term(env, expected):
    assert color_from_env(env) is expected


def test_force_color_colours_plan_output_in_a_pipe_and_no_color_wins(manifest):
    forced = narrate_in("plan", str(manifest), env={"FORCE_COLOR": "1"})
    assert "\x1b[32m" in forced.stdout, forced.stdout
    plain = narrate_in("plan", str(manifest), env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout
    assert click.unstyle(forced.stdout) == plain.stdout


def test_serve_port_zero_prints_the_port_it_bound(tmp_path):
    import re
    import subprocess
    import sys
    import time

    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "narrate.cli", "serve", "--port", "0"], stderr=subprocess.PIPE,
                            text=True)
    try:
        banner = proc.stderr.readline()  # printed once the socket is bound
        match = re.match(r"narrate serve: http://127\.0\.0\.1:(\d+) ", banner)
        assert match and int(match.group(1)) > 0, banner
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{match.group(1)}/health", timeout=1).status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_checksums_cover_archives_of_every_run(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY + "      hello: Hello.\n")
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    assert narrate_in("package", "m.yaml", "--format", "zip", cwd=tmp_path).returncode == 0
    assert narrate_in("package", "m.yaml", "--format", "tar.gz", cwd=tmp_path).returncode == 0
    sums = (tmp_path / "packages" / "SHA256SUMS").read_text().splitlines()
    assert [line.split("  ")[1] for line in sums] == ["ivr-en-US-wav-1.0.tar.gz", "ivr-en-US-wav-1.0.zip"]


def test_counts_are_singular_for_one(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY + "      hello: Hi.\n")
    validated = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert validated.stdout == "m.yaml: ok (1 library, 1 prompt, 0 books)\n"
    built = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert built.stderr.startswith("m.yaml: 1 segment (0 cached, 1 synthesized, 3 chars)"), built.stderr
    stats = narrate_in("cache", "stats", "m.yaml", cwd=tmp_path)  # the manifest as `cache prune` takes it
    assert stats.returncode == 0 and ": 1 entry, " in stats.stdout, stats.stdout
    assert "espeak: 1 segment, 3 characters" in stats.stdout


def test_counted_nouns():
    from narrate.counts import counted

    assert [counted(n, "library") for n in (0, 1, 2)] == ["0 libraries", "1 library", "2 libraries"]
    assert counted(1, "entry") == "1 entry" and counted(1200, "character", thousands=True) == "1,200 characters"
    assert counted(2, "key") == "2 keys" and counted(3, "box") == "3 boxes"


def test_validate_counts_prompts_by_name_and_their_texts_apart(tmp_path):
    """Two prompts in two languages are 2 prompts (it said "4 prompts", counting each translation)."""
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  ivr:\n    output: out\n    formats: [wav]\n"
                                     "    languages:\n      en-US: {voice: en-us}\n      es-US: {voice: es-419}\n"
                                     "    prompts:\n      a: {en-US: Hello there., es-US: Hola a todos.}\n"
                                     "      b: {en-US: Goodbye now., es-US: Adios a todos.}\n", encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.stdout == "m.yaml: ok (1 library, 2 prompts (4 texts in their languages), 0 books)\n", done.stderr


def test_build_jobs_help_says_what_the_readme_says():
    text = " ".join(narrate_in("build", "--help").stdout.split())
    assert "Cap on parallel requests and worker processes (default: jobs: in the manifest, else one per core;" in text
