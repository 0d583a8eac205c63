"""The library entry point: run every stage on a package directory.

The run is guarded (:mod:`zqclaims.guard`): no process, no network, no file
outside the package. The ``descriptor`` and ``limits`` stages gate the rest:
when the descriptor cannot be read safely or a file is over a bound, the data
stages are skipped and the report says why. With two cores, a forked, still
sandboxed worker (:mod:`zqclaims.background`) starts at the ``tables`` stage
while this process goes on with the others. The worker first works out whether
column operations prove that Frictionless would find nothing
(:mod:`zqclaims.tableproof`) and says so at once: if they do, it runs the
:data:`OFFLOAD` stages, which this process then skips; if not, it runs
Frictionless (the row-by-row part of the ``tables`` stage) and this process
runs every stage itself. Findings are merged at the end, and they are the same
as in one process.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import background, guard, release
from . import package as package_mod
from .findings import Finding, Report
from .package import DESCRIPTOR
from .stages import STAGES, descriptor, tables

RULES = ("released", "package")
#: Stages the second process takes when Frictionless need not run there: none has a side
#: effect that another stage or the report reads.
OFFLOAD = ("quotes", "values", "terms")
#: Stages that run whatever the gates say.
UNGATED = {"descriptor", "release"}
CHECKS = {
    "unsafe-operation-blocked": "something tried to start a process, use the network or open a file outside the "
                                "package while the package was validated; it was refused",
    "run-stopped": "the data stages did not run because the descriptor cannot be read safely or a file is over a limit",
}


def validate(path: str | Path, only: list[str] | None = None, rules: str = "released") -> Report:
    """Validate the package at ``path`` with the released rules (default) or the
    package's own (``rules="package"``). Raises :class:`CouldNotRun` when it cannot
    run and :class:`UsageProblem` when ``path`` is not a package directory."""
    if rules not in RULES:
        raise ValueError(f"rules must be one of {RULES}")
    return check(package_mod.load(path, rules=rules), only)


def check(pkg: package_mod.Package, only: list[str] | None = None) -> Report:
    """Validate a loaded package (:func:`zqclaims.package.load`) with the rules it was loaded
    with. The package keeps what the stages read, so a caller (``zqclaims build``) can go on
    from it without reading any file again."""
    report = Report(rules=pkg.rules_source, complete=not only)
    with guard.sandbox(pkg.root, extra_reads=(release.root(),)) as blocked, _collector_spared():
        runs = [s for s in STAGES if not only or s.ID in only or s.ID in ("descriptor", "limits")]
        # With two cores the worker (proof, then Frictionless or the OFFLOAD stages) starts as soon
        # as the gates pass, and runs beside the other stages (zqclaims.background).
        parallel = background.parallel() and tables in runs
        pkg.__dict__["_defer_frictionless"] = parallel
        worker: background.Pending | None = None
        moved: list = []
        offloaded: set[str] = set()
        here: set[str] = set()  # OFFLOAD stages this process ran (a worker redone here skips them)
        redo = False  # the worker was stopped: its work is done here after the other stages
        began = time.perf_counter()
        gated = False
        try:
            for stage in runs:
                if gated and stage.ID not in UNGATED:
                    continue  # after the descriptor gate, not even the limits stage reads a file it names
                if stage is tables and parallel:
                    moved = [s for s in runs if s.ID in OFFLOAD]
                    worker = background.Pending(lambda: _tables_worker(pkg, moved, here, report.keep))
                    offloaded = {s.ID for s in moved}
                report.stages.append(stage.ID)
                if stage.ID in offloaded:
                    waiting = time.perf_counter()
                    said = worker.announcement(timeout=max(60.0, 3 * (waiting - began))) if worker else None
                    report.timings["waiting for the proof"] = report.timings.get("waiting for the proof", 0.0) \
                        + time.perf_counter() - waiting
                    if said is True:
                        continue  # the worker runs it
                    offloaded = set()  # Frictionless runs there (or the worker failed): every stage runs here
                    if said is None and worker is not None:
                        worker.cancel()  # silent: not trusted; its work is done here at the end
                        worker, redo = None, True
                if stage.ID in OFFLOAD:
                    here.add(stage.ID)
                before = report.total()
                _run(stage, pkg, report)
                if stage.ID == "descriptor" and (descriptor.gating(pkg) or not pkg.descriptor):
                    gated = True
                if stage.ID == "limits" and report.total() > before:
                    gated = True
        except BaseException:
            if worker is not None:
                worker.cancel()  # never leave a worker running after the run ends
            raise
        if worker is not None or redo:
            started = time.perf_counter()
            try:
                # Frictionless takes about as long as the other stages: a worker still silent after
                # three times their time (at least a minute) is stopped and its work done here.
                done = worker.result(timeout=max(60.0, 3 * (time.perf_counter() - began))) if worker \
                    else _tables_worker(pkg, moved, here, report.keep)
            except guard.Blocked:  # the work was redone here and refused: recorded in ``blocked``
                done = Report()
            report.extend(done.findings)
            for check_id, n in done.dropped.items():
                report.dropped[check_id] = report.dropped.get(check_id, 0) + n
            suffix = " (worker)" if worker else ""
            report.timings.update({f"{k}{suffix}": v for k, v in done.timings.items()})
            report.timings["waiting for the worker"] = time.perf_counter() - started
        if gated:
            report.findings.append(Finding("datapackage.json", None, "", "run-stopped",
                                           "the data stages did not run: fix the findings above first", ""))
        report.release = pkg.__dict__.get("release_diff", {})
        report.package = _package_meta(pkg)
        report.checked = {} if gated else _checked(pkg)
        report.rules_digest = _rules_digest(pkg)
        report.blocked = list(blocked)
    for what in report.blocked:
        report.findings.append(Finding(".", None, "", "unsafe-operation-blocked", f"refused {what}",
                                       "the package tried to make the validator do this: do not trust it"))
    report.findings = [_keyed(pkg, f) for f in report.findings]
    return report


#: Whether :func:`_run` freezes what each stage leaves (set by :func:`_collector_spared`).
_freezing = False


@contextmanager
def _collector_spared() -> Iterator[None]:
    """Keep the cyclic garbage collector off what the run has already built.

    Great Expectations brings about 240,000 objects the collector would otherwise walk on every
    full collection (0.12 s each, 0.5 s of a run on the shipped package). Each stage's survivors
    (modules, parsed tables) are frozen as the stage ends (:func:`_run`) and everything is
    unfrozen when the run ends, so nothing stays out of the collector's reach after it. A caller
    that froze objects itself keeps the collector as it set it."""
    if gc.get_freeze_count():
        yield
        return
    global _freezing
    _freezing = True
    try:
        yield
    finally:
        _freezing = False
        gc.unfreeze()


def _run(stage, pkg: package_mod.Package, sink: Report) -> None:
    """Run one stage into ``sink`` (bounded per check id), timing it."""
    started = time.perf_counter()
    try:
        sink.extend(stage.run(pkg))
    except guard.Blocked:
        pass  # recorded in ``blocked`` and reported below; the stage's other findings stand
    except package_mod.RuleError as exc:  # a rule file the stage needs cannot be used
        sink.extend([Finding(DESCRIPTOR, None, "", "rules-invalid", f"stage {stage.ID}: {exc}",
                             "restore the rule file from the release")])
    if _freezing:
        gc.freeze()  # what the stage leaves (modules it imported, tables it parsed) lives to the end
    sink.timings[stage.ID] = time.perf_counter() - started


def _tables_worker(pkg: package_mod.Package, moved: list, here: set[str], keep: int) -> Report:
    """What the second process does: the proof, announced at once; then the :data:`OFFLOAD`
    stages when it holds (but those already run in this process, when the work is redone here
    after a failed worker), or Frictionless on every resource when it does not."""
    sink = Report(keep=keep)
    started = time.perf_counter()
    proven = tables.proven_clean(pkg)
    sink.timings["tables: proof"] = time.perf_counter() - started
    background.announce(proven)
    if proven:
        for stage in moved:
            if stage.ID not in here:
                _run(stage, pkg, sink)
        return sink
    started = time.perf_counter()
    try:
        sink.extend(tables.frictionless(pkg))
    except guard.Blocked:
        pass  # recorded by the worker's sandbox and sent back
    sink.timings["tables: frictionless"] = time.perf_counter() - started
    return sink


def _package_meta(pkg: package_mod.Package) -> dict:
    """Name and version as the copy's descriptor states them (strings only, bounded)."""
    out = {}
    for key in ("name", "version"):
        value = pkg.descriptor.get(key)
        if isinstance(value, str):
            out[key] = value[:200]
    return out


def _checked(pkg: package_mod.Package) -> dict:
    """Rows of every table as read, and the texts and numbers the coverage stage scanned."""
    out: dict = {"rows": pkg.tables_read()}
    out.update(pkg.__dict__.get("coverage_counts", {}))
    return out


def _rules_digest(pkg: package_mod.Package) -> str:
    """sha256 over 'path<TAB>sha256' lines of the rule files in use, sorted: the released rules,
    or the copy's own with ``--rules package``."""
    if pkg.rules_source == "released":
        digests = {p: d for p, d in release.manifest().items() if p.startswith(release.RULE_FOLDERS)}
    else:
        digests = pkg.__dict__.get("rule_digests") or {}
    lines = "".join(f"{p}\t{d}\n" for p, d in sorted(digests.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest() if digests else ""


def _keyed(pkg: package_mod.Package, f: Finding) -> Finding:
    if f.line is None or f.key:
        return f
    key = pkg.key_of(f.resource, f.line)
    return Finding(f.resource, f.line, f.field, f.check_id, f.message, f.hint, key) if key else f
