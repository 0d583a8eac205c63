"""A custom GX 1.x expectation that matches a column against a regular
expression in linear time (RE2, :mod:`zqclaims.regex`).

GX's own ``expect_column_values_to_match_regex`` runs Python's backtracking
``re`` on every cell, so a hostile pattern such as ``(a+)+$`` hangs the run;
suites use ``expect_column_values_to_match_linear_regex`` instead, and the
built-in regex expectations are refused (:data:`zqclaims.gx.ALLOWED`).
Importing this module registers the expectation with GX.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from .regex import compile_rule


class ColumnValuesMatchLinearRegex(ColumnMapMetricProvider):
    condition_metric_name = "column_values.match_linear_regex"
    condition_value_keys = ("regex",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, regex, **kwargs):
        program = compile_rule(regex)
        cells = [str(v) for v in column]
        verdict = {v: program.search(v) is not None for v in set(cells)}  # once per distinct value
        return pd.Series([verdict[v] for v in cells], index=column.index, dtype=bool)


class ExpectColumnValuesToMatchLinearRegex(ColumnMapExpectation):
    """Each value of the column matches ``regex`` (RE2 syntax, searched anywhere in the value)."""

    regex: str
    map_metric: ClassVar[str] = "column_values.match_linear_regex"
    success_keys: ClassVar[tuple[str, ...]] = ("regex", "mostly")
