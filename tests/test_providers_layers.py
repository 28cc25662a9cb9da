"""Layering: the audio package sits below providers and imports nothing from it (issue 10 item 3)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

AUDIO = Path(__file__).resolve().parent.parent / "narrate" / "audio"


def test_audio_modules_import_nothing_from_providers():
    offenders = []
    for path in sorted(AUDIO.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                target = ("." * node.level) + (node.module or "")
                if "providers" in target:
                    offenders.append(f"{path.name}: {target}")
            elif isinstance(node, ast.Import):
                offenders += [f"{path.name}: {a.name}" for a in node.names if "providers" in a.name]
    assert offenders == []


def test_importing_audio_does_not_load_providers_and_audioformat_is_one_class():
    code = ("import sys, narrate.audio.validate, narrate.audio.decode, narrate.audio.formats as f;"
            "assert not any(m.startswith('narrate.providers') for m in sys.modules), sorted(sys.modules);"
            "import narrate.providers.base as b; assert b.AudioFormat is f.AudioFormat; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
