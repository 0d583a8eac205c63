"""Stage ``tables``: Frictionless validation of every resource (types,
constraints, primary and foreign keys, hashes, sizes), plus canonical form."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from frictionless import FrictionlessException
from frictionless import Package as FlPackage

from .. import fmt
from ..findings import Finding
from ..package import Package
from . import descriptor

ID = "tables"
CHECKS = {
    "table-<frictionless-error-type>": "a Frictionless error, e.g. table-type-error, table-constraint-error, "
                                       "table-primary-key, table-foreign-key, table-hash-count, table-byte-count",
    "table-not-canonical": "a CSV is not in canonical form (UTF-8, LF, sorted by primary key, minimal quoting)",
}

HINTS = {
    "type-error": "write the value in the type the schema declares (see schemas/<resource>.schema.json)",
    "constraint-error": "the value breaks a constraint (required, enum, pattern, minimum) in the schema",
    "primary-key": "each row needs a unique primary key; never reuse an id",
    "foreign-key": "the referenced id must exist in the referenced resource",
    "hash-count": "run 'zqclaims fmt' to refresh hashes after an intended change",
    "byte-count": "run 'zqclaims fmt' to refresh byte counts after an intended change",
}


def run(pkg: Package) -> Iterator[Finding]:
    if descriptor.unsafe(pkg):
        return
    desc = copy.deepcopy(pkg.descriptor)
    try:
        fl = FlPackage(desc, basepath=str(pkg.root))
        report = fl.validate()
    except FrictionlessException as exc:
        yield Finding("datapackage.json", None, "", "table-package-error", exc.error.note,
                      "fix the descriptor so Frictionless can open the package")
        return
    for task in report.tasks:
        path = pkg.resources.get(task.name, {}).get("path", task.name)
        for err in task.errors:
            row = getattr(err, "row_number", None)
            field = getattr(err, "field_name", "") or ""
            yield Finding(path if isinstance(path, str) else task.name, row, field, f"table-{err.type}",
                          err.message, HINTS.get(err.type, "see the Frictionless error reference"))
    for err in report.errors:
        yield Finding("datapackage.json", None, "", f"table-{err.type}", err.message,
                      "fix the descriptor so Frictionless can open the package")
    for name in pkg.tabular():
        problem = fmt.canonical_problem(pkg, name)
        if problem:
            yield Finding(pkg.path_of(name), None, "", "table-not-canonical", problem,
                          "run 'zqclaims fmt' to rewrite the file in canonical form")
