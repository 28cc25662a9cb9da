"""A two-language manifest head and a translators' sheet beside it, for the `import csv --into` tests."""

from __future__ import annotations

from pathlib import Path

HEAD = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages:
      en-US: {voice: en-us}
      es-US: {voice: es-419}
    prompts:
"""


def sheet_files(tmp_path: Path, manifest: str, sheet: str | bytes) -> tuple[Path, Path]:
    """m.yaml holding `manifest` and edit.csv holding `sheet` (text as UTF-8, bytes as given)."""
    path = tmp_path / "m.yaml"
    path.write_bytes(manifest.encode("utf-8"))
    sheet_path = tmp_path / "edit.csv"
    sheet_path.write_bytes(sheet if isinstance(sheet, bytes) else sheet.encode("utf-8"))
    return path, sheet_path
