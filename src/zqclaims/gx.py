"""Great Expectations (GX Core 1.x) plumbing shared by the stages: an offline,
quiet, in-memory context; reading a suite file as data; running a suite on a
DataFrame.

A suite is untrusted data. Only the expectation types in :data:`ALLOWED` run:
set and null checks, comparisons, uniqueness, row counts and the project's
own expectations. Anything that would evaluate a string is refused before GX
sees it: a ``row_condition`` or ``condition_parser`` (GX hands pandas row
conditions to ``DataFrame.query``, which evaluates Python), and GX's regex,
JSON-schema and strftime expectations (backtracking ``re``, remote ``$ref``).
Regular expressions run through ``expect_column_values_to_match_linear_regex``
(RE2, :mod:`zqclaims.gx_regex`).
"""

from __future__ import annotations

import logging
import os

from .findings import Finding
from .package import Package, RuleError
from .regex import unsafe_patterns
from .safejson import walk

#: Expectation types a suite may use.
ALLOWED = frozenset({
    "expect_column_to_exist",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_unique",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_between",
    "expect_column_value_lengths_to_be_between",
    "expect_column_value_lengths_to_equal",
    "expect_column_distinct_values_to_be_in_set",
    "expect_column_distinct_values_to_contain_set",
    "expect_column_distinct_values_to_equal_set",
    "expect_column_min_to_be_between",
    "expect_column_max_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal",
    "expect_column_pair_values_to_be_in_set",
    "expect_compound_columns_to_be_unique",
    "expect_select_column_values_to_be_unique_within_record",
    "expect_multicolumn_sum_to_equal",
    "expect_table_row_count_to_be_between",
    "expect_table_row_count_to_equal",
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_column_values_to_match_linear_regex",
    "expect_relation_verdict_to_match_record",
})
#: Expectations in one suite (each costs GX about 14 ms on the shipped package).
MAX_EXPECTATIONS = 200
#: kwargs that would make GX evaluate a string.
FORBIDDEN_KWARGS = ("row_condition", "condition_parser")
CHECKS = {
    "expectation-failed": "rows of a resource fail an expectation in checks/<suite>.json",
    "expectation-unknown-type": "a suite names an expectation type GX does not know (GX would drop it silently)",
    "expectation-suite-invalid": "a suite file is not strict JSON, names no resource, or an expectation's kwargs are invalid",
    "expectation-unsafe": "a suite asks for something that could run code or backtrack (a row_condition, "
                          "condition_parser, a type outside the allowed list, a pattern RE2 refuses); it is never run",
}


def gx_context():
    """Import GX offline and quietly (no analytics, no progress bars)."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    logging.getLogger("great_expectations").setLevel(logging.CRITICAL)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from . import gx_regex, gx_relations  # noqa: F401 - register the custom expectations

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return gx, ctx


def load_suite(pkg: Package, path: str) -> tuple[dict | None, list[Finding]]:
    """Read a suite file as data; returns (spec, findings). spec is None when unusable."""
    def invalid(field: str, message: str) -> tuple[None, list[Finding]]:
        return None, [Finding(path, None, field, "expectation-suite-invalid", message,
                              "a suite is a JSON object with 'name', 'meta.resource' and a list 'expectations'")]
    try:
        spec = pkg.rule_json(path)
    except RuleError as exc:
        return invalid("", str(exc))
    if not isinstance(spec, dict) or not isinstance(spec.get("meta"), dict):
        return invalid("meta", "the suite is not an object with a 'meta' object")
    resource = spec["meta"].get("resource")
    if not isinstance(spec.get("expectations"), list):
        return invalid("expectations", "'expectations' is not a list")
    if len(spec["expectations"]) > MAX_EXPECTATIONS:
        return invalid("expectations", f"{len(spec['expectations']):,} expectations, over the limit of "
                       f"{MAX_EXPECTATIONS}")
    if not isinstance(resource, str) or resource not in pkg.resources:
        return None, [Finding(path, None, "meta.resource", "expectation-suite-invalid",
                              f"suite names resource {resource!r}, which is not in datapackage.json",
                              "set meta.resource to a resource name")]
    return spec, []


def _screen(path: str, i: int, exp: object) -> Finding | None:
    """A finding if expectation ``i`` may not run, else None."""
    def unsafe(field: str, message: str, hint: str) -> Finding:
        return Finding(path, None, f"expectations[{i}]{field}", "expectation-unsafe", message, hint)
    if not isinstance(exp, dict) or not isinstance(exp.get("type"), str):
        return Finding(path, None, f"expectations[{i}]", "expectation-unknown-type",
                       "an expectation without a 'type' string", "give every expectation a GX 1.x type")
    kwargs = exp.get("kwargs", {})
    if not isinstance(kwargs, dict):
        return Finding(path, None, f"expectations[{i}].kwargs", "expectation-suite-invalid",
                       "'kwargs' is not an object", "write kwargs as a JSON object")
    if _has_parameter(kwargs):
        return unsafe(".kwargs", "a '$PARAMETER' value is refused: GX evaluates suite parameters as expressions",
                      "write the value itself in kwargs")
    for key in FORBIDDEN_KWARGS:
        if kwargs.get(key) not in (None, ""):
            return unsafe(f".kwargs.{key}", f"'{key}' is refused: GX evaluates row conditions as Python code",
                          "express the condition as a column of the checked data, or split the suite")
    if exp["type"] not in ALLOWED and _known(exp["type"]):
        return unsafe(".type", f"expectation type {exp['type']!r} is not in the allowed list",
                      "use an allowed type (docs/validation.md 'Threat model'); for regular expressions "
                      "use expect_column_values_to_match_linear_regex")
    for where, reason in unsafe_patterns(kwargs, keys=("regex",)):
        return unsafe(f".kwargs.{where}", reason, "write the pattern in RE2 syntax (no back-references or look-around)")
    return None


def _has_parameter(obj: object) -> bool:
    """Whether a kwargs document holds a GX suite parameter ({"$PARAMETER": ...}) anywhere."""
    return any(isinstance(item, dict) and any(isinstance(k, str) and k.startswith("$") for k in item)
               for item in walk(obj))


def _known(etype: str) -> bool:
    """Whether GX (with the project's custom expectations registered) knows ``etype``."""
    from great_expectations.expectations.registry import get_expectation_impl

    try:
        get_expectation_impl(etype)
        return True
    except Exception:  # noqa: BLE001 - GX raises ExpectationNotFoundError; any failure means unusable
        return False


def validate_frame(gx, source, path: str, spec: dict, df) -> tuple[list, list[Finding]]:
    """Run a suite on a DataFrame. Returns (failed (result, expectation) pairs,
    findings about expectations that may not or cannot run)."""
    findings, usable = [], []
    for i, exp in enumerate(spec["expectations"]):
        problem = _screen(path, i, exp)
        if problem is None and not _known(exp["type"]):
            problem = Finding(path, None, f"expectations[{i}]", "expectation-unknown-type",
                                  f"unknown expectation type {exp['type']!r}; GX would drop it silently",
                                  "use a GX 1.x expectation type (snake_case)")
        if problem is None:
            try:
                gx.ExpectationSuite(name="probe", expectations=[exp])
            except Exception as exc:  # noqa: BLE001 - GX/pydantic reject bad kwargs with many error types
                problem = Finding(path, None, f"expectations[{i}].kwargs", "expectation-suite-invalid",
                                  f"{exp['type']}: invalid kwargs ({type(exc).__name__}: {str(exc)[:200]})",
                                  "check the kwargs against the GX 1.x reference")
        if problem is None:
            usable.append(exp)
        else:
            findings.append(problem)
    suite = gx.ExpectationSuite(name=str(spec.get("name", path))[:200], expectations=usable)
    if len(suite.expectations) != len(usable):
        findings.append(Finding(path, None, "", "expectation-unknown-type",
                                f"GX built {len(suite.expectations)} of {len(usable)} expectations",
                                "check the kwargs of each expectation against the GX 1.x reference"))
    asset = source.add_dataframe_asset(name=path)
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": df})
    # Pass or fail first, which costs GX half as much; only a suite with a failure is run again for
    # the rows that fail it (the usual clean run never pays for GX's index lists).
    result = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
    if not all(res.success for res in result.results):
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    # The data source's engine keeps every batch it has seen, and with it the frame: let it go.
    cache = source.get_execution_engine().batch_manager
    cache.batch_data_cache.clear()
    cache.reset_batch_cache()
    failed = []
    for res in result.results:
        if not res.success:
            cfg = res.expectation_config
            failed.append((res, {"type": cfg.type, "kwargs": dict(cfg.kwargs), "meta": dict(cfg.meta or {})}))
    return failed, findings
