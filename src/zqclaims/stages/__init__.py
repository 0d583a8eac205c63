"""Validation stages. Each stage is a module with ``ID`` (stable kebab-case),
``CHECKS`` (the check ids it can produce, each with a one-line description) and
``run(pkg) -> Iterable[Finding]``. Stages never print and never exit."""

from __future__ import annotations

from types import ModuleType

from . import (coverage, descriptor, expectations, facts, limits, provenance, quotes, records,
               relations, release, tables, terms, values)

#: Stages in the order they run. ``descriptor`` and ``limits`` gate the rest:
#: when the descriptor is unsafe or a file is over a bound, the data stages are
#: skipped; ``release`` (the comparison with the release) always runs.
STAGES: list[ModuleType] = [descriptor, limits, tables, records, expectations, provenance,
                            quotes, values, coverage, relations, facts, terms, release]


def all_checks() -> dict[str, str]:
    """Every check id any stage can produce, with its description."""
    from ..validate import CHECKS as RUN_CHECKS

    out: dict[str, str] = dict(RUN_CHECKS)
    for stage in STAGES:
        out.update(stage.CHECKS)
    return dict(sorted(out.items()))
