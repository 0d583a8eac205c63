"""Stage ``expectations``: Great Expectations (GX Core 1.x) suites stored as
JSON in ``checks/`` (of the rule set in use), run on each resource.

A suite file is ``{"name": ..., "meta": {"resource": <name>}, "expectations":
[{"type": ..., "kwargs": {...}, "meta": {"hint": ...}}]}``. Suites are data:
:mod:`zqclaims.gx` refuses expectations that could evaluate code or backtrack,
and reports every expectation GX would drop silently.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import limits
from ..findings import Finding
from ..gx import CHECKS, gx_context, load_suite, validate_frame
from ..package import Package, RuleError, typed_frame

ID = "expectations"
__all__ = ["CHECKS", "ID", "run", "suites"]


def suites(pkg: Package) -> list[str]:
    return pkg.rule_files("checks")


def run(pkg: Package) -> Iterator[Finding]:
    files = suites(pkg)
    if not files:
        return
    if len(files) > limits.MAX_SUITES:
        yield Finding("checks", None, "", "expectation-suite-invalid",
                      f"{len(files):,} suites, over the limit of {limits.MAX_SUITES}; only the first "
                      f"{limits.MAX_SUITES} (in name order) were run", "remove the extra suites")
        files = files[:limits.MAX_SUITES]
    gx, ctx = gx_context()
    source = ctx.data_sources.add_pandas("zqclaims")
    budget = limits.MAX_EXPECTATIONS
    for path in files:
        spec, problems = load_suite(pkg, path)
        yield from problems
        if spec is None or spec["meta"].get("view"):
            continue  # a suite on a derived view (e.g. relation evaluation) runs in its own stage
        budget -= len(spec["expectations"])
        if budget < 0:
            yield Finding(path, None, "expectations", "expectation-suite-invalid",
                          f"the suites hold more than {limits.MAX_EXPECTATIONS} expectations; this suite and "
                          "the ones after it were not run", "keep the suites small")
            break
        resource = spec["meta"]["resource"]
        if pkg.resources[resource].get("type") != "table":
            yield Finding(path, None, "meta.resource", "expectation-suite-invalid",
                          f"suite names resource '{resource}', which is not a table", "set meta.resource to a table")
            continue
        try:
            df = typed_frame(pkg, resource).reset_index(names="__line__")
        except RuleError:
            continue  # the tables stage reports the Table Schema
        failed, problems = validate_frame(gx, source, path, spec, df)
        yield from problems
        for res, exp in failed:
            yield from _failures(pkg, resource, path, res, exp, df)


def _failures(pkg, resource, path, res, exp, df) -> Iterator[Finding]:
    kwargs = exp.get("kwargs", {})
    field = kwargs.get("column") or ",".join(
        str(kwargs.get(k)) for k in ("column_A", "column_B") if kwargs.get(k)) or ",".join(
        str(c) for c in kwargs.get("column_list", []) or [])
    meta = exp.get("meta", {})
    hint = str(meta.get("hint", f"see {path}"))
    what = str(meta.get("description", exp["type"]))
    idx = res.result.get("unexpected_index_list") or []
    target = pkg.path_of(resource)
    if idx:
        lines = sorted({int(df.loc[i, "__line__"]) if not isinstance(i, dict) else int(i.get("__line__", 0))
                        for i in idx})
        for line in lines:
            yield Finding(target, line, field, "expectation-failed", f"{what} ({exp['type']})", hint)
    else:
        observed = res.result.get("observed_value", res.result.get("unexpected_list", ""))
        if res.exception_info and res.exception_info.get("raised_exception"):
            observed = f"could not be evaluated: {str(res.exception_info.get('exception_message'))[:200]}"
        yield Finding(target, None, field, "expectation-failed",
                      f"{what} ({exp['type']}); observed {str(observed)[:200]!r}", hint)
