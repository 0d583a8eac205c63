"""Stage ``expectations``: Great Expectations (GX Core 1.x) suites stored as
JSON in ``checks/``, loaded at run time and run on each resource.

A suite file is ``{"name": ..., "meta": {"resource": <name>}, "expectations":
[{"type": ..., "kwargs": {...}, "meta": {"hint": ...}}]}``. GX drops unknown
expectation types with only a log line when it builds a suite; this stage
compares counts and reports every dropped expectation instead.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator

from ..findings import Finding
from ..package import Package, read_bytes, typed_frame
from . import descriptor

ID = "expectations"
CHECKS = {
    "expectation-failed": "rows of a resource fail an expectation in checks/<suite>.json",
    "expectation-unknown-type": "a suite names an expectation type GX does not know (GX would drop it silently)",
    "expectation-suite-invalid": "a suite file is not valid JSON or names no resource",
}


def gx_context():
    """Import GX offline and quietly (no analytics, no progress bars)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.CRITICAL)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return gx, ctx


def suites(pkg: Package) -> list[str]:
    d = pkg.root / "checks"
    return sorted(f"checks/{p.name}" for p in d.glob("*.json")) if d.is_dir() else []


def _known(gx, etype: str) -> bool:
    from great_expectations.expectations.registry import get_expectation_impl
    try:
        get_expectation_impl(etype)
        return True
    except Exception:  # GX raises ExpectationNotFoundError; any failure means unusable
        return False


def load_suite(pkg: Package, path: str) -> tuple[dict | None, list[Finding]]:
    """Read a suite file; returns (spec, findings). spec is None when unusable."""
    try:
        spec = json.loads(read_bytes(pkg.root, path).decode("utf-8"))
        resource = spec["meta"]["resource"]
        list(spec["expectations"])
    except (ValueError, KeyError, TypeError) as exc:
        return None, [Finding(path, None, "", "expectation-suite-invalid", f"cannot read suite: {exc!r}",
                              "a suite needs 'name', 'meta.resource' and a list 'expectations'")]
    if resource not in pkg.resources:
        return None, [Finding(path, None, "meta.resource", "expectation-suite-invalid",
                              f"suite names resource '{resource}', which is not in datapackage.json",
                              "set meta.resource to a resource name")]
    return spec, []


def validate_frame(gx, source, path: str, spec: dict, df) -> tuple[list, list[Finding]]:
    """Run a suite on a DataFrame. Returns (failed (result, expectation) pairs, findings
    about expectations GX does not know)."""
    findings, usable = [], []
    for i, exp in enumerate(spec["expectations"]):
        etype = exp.get("type") if isinstance(exp, dict) else None
        if not etype or not _known(gx, etype):
            findings.append(Finding(path, None, f"expectations[{i}]", "expectation-unknown-type",
                                    f"unknown expectation type {etype!r}; GX would drop it silently",
                                    "use a GX 1.x expectation type (snake_case, e.g. expect_column_values_to_be_unique)"))
        else:
            usable.append(exp)
    suite = gx.ExpectationSuite(name=spec.get("name", path), expectations=usable)
    if len(suite.expectations) != len(usable):
        findings.append(Finding(path, None, "", "expectation-unknown-type",
                                f"GX built {len(suite.expectations)} of {len(usable)} expectations",
                                "check the kwargs of each expectation against the GX 1.x reference"))
    asset = source.add_dataframe_asset(name=path)
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": df})
    result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    failed = []
    for res in result.results:
        if not res.success:
            cfg = res.expectation_config
            failed.append((res, {"type": cfg.type, "kwargs": dict(cfg.kwargs), "meta": dict(cfg.meta or {})}))
    return failed, findings


def run(pkg: Package) -> Iterator[Finding]:
    if descriptor.unsafe(pkg):
        return
    files = suites(pkg)
    if not files:
        return
    gx, ctx = gx_context()
    source = ctx.data_sources.add_pandas("zqclaims")
    for path in files:
        spec, problems = load_suite(pkg, path)
        yield from problems
        if spec is None or spec["meta"].get("view"):
            continue  # a suite on a derived view (e.g. relation evaluation) runs in its own stage
        resource = spec["meta"]["resource"]
        df = typed_frame(pkg, resource).reset_index(names="__row__")
        failed, problems = validate_frame(gx, source, path, spec, df)
        yield from problems
        for res, exp in failed:
            yield from _failures(pkg, resource, path, res, exp, df)


def _failures(pkg, resource, path, res, exp, df) -> Iterator[Finding]:
    kwargs = exp.get("kwargs", {})
    field = kwargs.get("column") or ",".join(
        str(kwargs.get(k)) for k in ("column_A", "column_B") if kwargs.get(k)) or ",".join(
        kwargs.get("column_list", []))
    hint = exp.get("meta", {}).get("hint", f"see {path}")
    what = exp.get("meta", {}).get("description", exp["type"])
    idx = res.result.get("unexpected_index_list") or []
    target = pkg.path_of(resource)
    if idx:
        rows = sorted({int(df.loc[i, "__row__"]) if not isinstance(i, dict) else int(i.get("__row__", 0))
                       for i in idx})
        for row in rows:
            yield Finding(target, row, field, "expectation-failed", f"{what} ({exp['type']})", hint)
    else:
        observed = res.result.get("observed_value", res.result.get("unexpected_list", ""))
        yield Finding(target, None, field, "expectation-failed",
                      f"{what} ({exp['type']}); observed {observed!r}", hint)
