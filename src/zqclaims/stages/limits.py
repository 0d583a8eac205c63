"""Stage ``limits``: every file the later stages read is within the bounds of
:mod:`zqclaims.limits` (size, rows, columns, cell length). A file over a bound
stops the run here with a finding, before any slow or memory-hungry work."""

from __future__ import annotations

from collections.abc import Iterator

from .. import limits
from ..findings import CouldNotRun, Finding
from ..package import Package, TooLarge, UnsafePath

ID = "limits"
CHECKS = {
    "limit-file-size": f"a CSV is over {limits.MAX_CSV_BYTES:,} bytes or a text over {limits.MAX_TEXT_BYTES:,} bytes",
    "limit-rows": f"a CSV has more than {limits.MAX_ROWS:,} data rows or {limits.MAX_CELLS:,} cells (rows x columns)",
    "limit-columns": f"a CSV header has more than {limits.MAX_COLUMNS} columns",
    "limit-cell-length": f"a CSV cell has more than {limits.MAX_CELL_CHARS:,} characters (or its quoting is broken)",
    "limit-files": f"the package has more than {limits.MAX_FILES:,} files",
}


def run(pkg: Package) -> Iterator[Finding]:
    for name in pkg.tabular():
        yield from pkg.table(name).problems
    texts = {pkg.path_of(n) for n in pkg.texts()}
    if "articles" in pkg.resources and "text_path" in pkg.frame("articles").columns:
        texts |= {p for p in pkg.frame("articles")["text_path"] if p}
    for path in sorted(texts):
        try:
            pkg.read(path, limits.MAX_TEXT_BYTES)
        except TooLarge as exc:
            yield Finding(path, None, "", "limit-file-size", str(exc),
                          "an archived text this large is not validated; restore it from the source")
        except UnsafePath as exc:  # a link, a FIFO, a folder: never read
            yield Finding(path, None, "", "descriptor-unsafe-path", str(exc),
                          "replace it with a regular file from the release")
        except CouldNotRun:
            continue  # the provenance stage reports a missing text
