"""Importers and exporters: existing prompt lists and translators' spreadsheets <-> manifests.

One module per format: `asterisk` (core-sounds transcripts), `freeswitch` (phrase XML),
`spreadsheet` (CSV in and out, its rows read by `sheetrows`, its cells judged by `cells`),
`merge` (an edited sheet back into a manifest, comments kept,
with `yamledit`'s round-trip document);
`common` holds what they share. Importing this package loads no parser or YAML library: each
function imports what it needs when called, so `narrate import` stays quick to start.

XLIFF is not offered: XLIFF 2.0 is not supported by translate-toolkit (its issue #3369 has been
open since 2015) and no other maintained Python library reads and writes it; a hand-written
XLIFF dialect would be a format nobody's tools have tested.
"""

from .asterisk import import_asterisk, language_from_name
from .common import Change, ImportResult, default_voice, dump_manifest, read_source, spoken
from .freeswitch import import_freeswitch
from .merge import MergeResult, merge_sheet
from .spreadsheet import Sheet, export_csv, import_csv, known_names, read_sheet

__all__ = ["Change", "ImportResult", "MergeResult", "Sheet", "default_voice", "dump_manifest", "export_csv",
           "import_asterisk", "import_csv", "import_freeswitch", "known_names", "language_from_name", "merge_sheet", "read_sheet",
           "read_source", "spoken"]
