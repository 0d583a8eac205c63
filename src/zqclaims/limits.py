"""The bounds on what the validator reads from a package (docs/validation.md "Limits").

A package over a bound is not read further: the bound is a finding
(``limit-*``), and the stages that would read the oversized file are skipped,
so a hostile copy ends fast with a clear message instead of a hang or a crash.
The bounds leave room for a corpus well over 1,000 times the shipped one (133,000 claims
in a 77 MB claims.csv; benchmarks/scale.py builds it); a package at the bounds is read
in bounded memory and validated set-based, so its time grows linearly with its size.
"""

from __future__ import annotations

from .safejson import MAX_JSON_BYTES, MAX_JSON_DEPTH

#: The largest CSV resource, in bytes.
MAX_CSV_BYTES = 128 * 1024 * 1024
#: The largest archived text, in bytes.
MAX_TEXT_BYTES = 2 * 1024 * 1024
#: Data rows in one CSV resource.
MAX_ROWS = 1_000_000
#: Cells (data rows x columns) in one CSV resource: bounds the memory of a table of tiny cells.
MAX_CELLS = 8_000_000
#: Columns in one CSV resource.
MAX_COLUMNS = 64
#: Characters in one CSV cell.
MAX_CELL_CHARS = 16_384
#: Files under the package's resources/, schemas/ and checks/ folders.
MAX_FILES = 100_000
#: Expectation suites run (files in checks/).
MAX_SUITES = 30
#: Expectations run across all suites (each costs GX about 14 ms).
MAX_EXPECTATIONS = 300
#: Findings shown per check id (the rest are counted).
MAX_FINDINGS_PER_CHECK = 50

ALL = {
    "csv_bytes": MAX_CSV_BYTES,
    "text_bytes": MAX_TEXT_BYTES,
    "json_bytes": MAX_JSON_BYTES,
    "json_depth": MAX_JSON_DEPTH,
    "rows": MAX_ROWS,
    "cells": MAX_CELLS,
    "columns": MAX_COLUMNS,
    "cell_chars": MAX_CELL_CHARS,
    "files": MAX_FILES,
    "suites": MAX_SUITES,
    "expectations": MAX_EXPECTATIONS,
    "findings_per_check": MAX_FINDINGS_PER_CHECK,
}
