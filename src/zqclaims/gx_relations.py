"""A custom GX 1.x expectation for relations: each relation's verdict, computed
with exact interval arithmetic, must agree with the verdict its row records.

Importing this module registers ``expect_relation_verdict_to_match_record``
with GX. The condition is :func:`zqclaims.relations.verdict_matches`, applied to
the whole batch at once (set-based), so the ``zqclaims relations`` command and
the validator can never disagree.
"""

from __future__ import annotations

from typing import ClassVar

from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import MulticolumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    MulticolumnMapMetricProvider,
    multicolumn_condition_partial,
)

from .relations import verdict_matches

#: The columns of the evaluation batch the expectation reads.
COLUMNS = ["expected", "d_lo", "d_lo_inc", "d_hi", "d_hi_inc", "a_lo", "a_lo_inc", "a_hi", "a_hi_inc", "integer"]


class MulticolumnValuesRelationVerdictMatches(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.relation_verdict_matches"
    condition_domain_keys = ("batch_id", "table", "column_list", "row_condition", "condition_parser",
                             "ignore_row_if")
    condition_value_keys = ()

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        return verdict_matches(column_list).astype(bool)


class ExpectRelationVerdictToMatchRecord(MulticolumnMapExpectation):
    """Each relation's evaluated verdict matches its ``expected`` cell: a relation
    recorded as holding holds, and one recorded as violated is violated."""

    map_metric: ClassVar[str] = "multicolumn_values.relation_verdict_matches"
    success_keys: ClassVar[tuple[str, ...]] = ("column_list", "mostly")
