"""Stage ``tables``: Frictionless validation of every resource (types,
constraints, primary and foreign keys, hashes, sizes), plus canonical form.
When column operations prove that Frictionless would find nothing
(:mod:`zqclaims.tableproof`), Frictionless does not run; otherwise its
findings are reported as they are.

Frictionless gets :func:`descriptor.frictionless_descriptor`: Table Schemas
inline from the rule set in use, no profile or dialect to resolve; its pattern
constraints run with RE2 (:func:`zqclaims.regex.linear_frictionless`), and a
pattern RE2 refuses is reported and removed first."""

from __future__ import annotations

from collections.abc import Iterator

from frictionless import FrictionlessException
from frictionless import Package as FlPackage

from .. import fmt
from ..findings import CouldNotRun, Finding
from ..package import DESCRIPTOR, Package, TooLarge, UnsafePath
from ..regex import linear_frictionless, unsafe_patterns
from ..tableproof import proves_clean
from . import descriptor

ID = "tables"
CHECKS = {
    "table-<frictionless-error-type>": "a Frictionless error, e.g. table-type-error, table-constraint-error, "
                                       "table-primary-key, table-foreign-key, table-hash-count, table-byte-count",
    "table-not-canonical": "a CSV is not in canonical form (UTF-8, LF, sorted by primary key, minimal quoting)",
    "rules-unsafe-pattern": "a pattern in a rule file cannot run in linear time (RE2 refuses it); it is not applied",
}
HINT_CHANGED = ("check what changed (compare with the release, or 'git diff') before refreshing with 'zqclaims fmt'; "
                "fmt refuses while other findings remain")
HINTS = {
    "type-error": "write the value in the type the schema declares (see schemas/<resource>.schema.json)",
    "constraint-error": "the value breaks a constraint (required, enum, pattern, minimum) in the schema",
    "primary-key": "each row needs a unique primary key; never reuse an id",
    "foreign-key": "the referenced id must exist in the referenced resource",
    "hash-count": HINT_CHANGED,
    "byte-count": HINT_CHANGED,
}


def _strip_unsafe_patterns(desc: dict) -> Iterator[Finding]:
    for res in desc.get("resources", []):
        schema = res.get("schema") if isinstance(res, dict) else None
        fields = schema.get("fields") if isinstance(schema, dict) else None
        for f in fields if isinstance(fields, list) else []:
            cons = f.get("constraints") if isinstance(f, dict) else None
            if isinstance(cons, dict) and "pattern" in cons:
                problems = list(unsafe_patterns({"pattern": cons["pattern"]}))
                if problems:
                    cons.pop("pattern")
                    yield Finding(DESCRIPTOR, None, f"resources[{res.get('name')}].schema.{f.get('name')}",
                                  "rules-unsafe-pattern", problems[0][1],
                                  "write the pattern in RE2 syntax (no back-references or look-around)")


def prepare(pkg: Package) -> list[Finding]:
    """The descriptor Frictionless gets (kept on the package), and the findings of making it."""
    if "_frictionless_descriptor" not in pkg.__dict__:
        desc, problems = descriptor.frictionless_descriptor(pkg)
        problems += list(_strip_unsafe_patterns(desc))
        pkg.__dict__["_frictionless_descriptor"] = desc
        pkg.__dict__["_frictionless_problems"] = problems
    return pkg.__dict__["_frictionless_problems"]


def canonical(pkg: Package, name: str) -> str:
    """The ``table-not-canonical`` problem of a table ('' when none), worked out once."""
    done = pkg.__dict__.setdefault("_canonical", {})
    if name not in done:
        try:
            done[name] = fmt.canonical_problem(pkg, name)
        except CouldNotRun as exc:
            done[name] = exc.message
    return done[name]


def proven_clean(pkg: Package) -> bool:
    """Whether column operations prove that Frictionless would find nothing
    (:mod:`zqclaims.tableproof`); then it need not run. Worked out once."""
    if "_proven_clean" not in pkg.__dict__:
        prepare(pkg)
        pkg.__dict__["_proven_clean"] = proves_clean(pkg, pkg.__dict__["_frictionless_descriptor"],
                                                     lambda name: canonical(pkg, name))
    return pkg.__dict__["_proven_clean"]


def run(pkg: Package) -> Iterator[Finding]:
    yield from prepare(pkg)
    # validate() runs Frictionless in a worker (zqclaims.background) unless the proof makes it unnecessary
    if not pkg.__dict__.get("_defer_frictionless") and not proven_clean(pkg):
        yield from frictionless(pkg)
    for name in pkg.tabular():
        problem = canonical(pkg, name)
        if problem:
            yield Finding(pkg.path_of(name), None, "", "table-not-canonical", problem,
                          "run 'zqclaims fmt' to rewrite the file in canonical form")
        try:  # from here on the parsed frame is all that is needed (the digest is kept)
            pkg.forget(pkg.path_of(name))
        except (CouldNotRun, UnsafePath, TooLarge):
            pass  # reported by the stages that read it


def frictionless(pkg: Package) -> Iterator[Finding]:
    """Frictionless' findings on every resource, with the descriptor :func:`run` prepared."""
    desc = pkg.__dict__["_frictionless_descriptor"]
    linear_frictionless()
    try:
        fl = FlPackage(desc, basepath=str(pkg.root))
        report = fl.validate()
    except FrictionlessException as exc:
        yield Finding(DESCRIPTOR, None, "", "table-package-error", exc.error.note,
                      "fix the descriptor so Frictionless can open the package")
        return
    except Exception as exc:  # noqa: BLE001 - a descriptor Frictionless cannot handle is the package's defect
        yield Finding(DESCRIPTOR, None, "", "table-package-error",
                      f"Frictionless could not validate the package: {type(exc).__name__}: {str(exc)[:200]}",
                      "restore the descriptor's resources from the release")
        return
    names = {n: pkg.path_of(n) for n in pkg.resources}
    tabular = set(pkg.tabular())
    for task in report.tasks:
        path = names.get(task.name, task.name)
        for err in task.errors:
            row = getattr(err, "row_number", None)
            line = pkg.line_of(task.name, row) if (row is not None and task.name in tabular) else row
            field = getattr(err, "field_name", "") or ""
            yield Finding(path if isinstance(path, str) else task.name, line, field, f"table-{err.type}",
                          err.message, HINTS.get(err.type, "see the Frictionless error reference"))
    for err in report.errors:
        yield Finding(DESCRIPTOR, None, "", f"table-{err.type}", err.message,
                      "fix the descriptor so Frictionless can open the package")
