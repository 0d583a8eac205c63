"""Validation stages. Each stage is a module with ``ID`` (stable kebab-case),
``CHECKS`` (the check ids it can produce, each with a one-line description) and
``run(pkg) -> Iterable[Finding]``. Stages never print and never exit."""

from __future__ import annotations

from types import ModuleType

from . import (coverage, descriptor, expectations, provenance, quotes, records,
               relations, tables, values)

#: Stages in the order they run. ``descriptor`` gates the rest: when the
#: descriptor is unsafe or broken, later stages are skipped.
STAGES: list[ModuleType] = [descriptor, tables, records, expectations, provenance,
                            quotes, values, coverage, relations]


def all_checks() -> dict[str, str]:
    """Every check id any stage can produce, with its description."""
    out: dict[str, str] = {}
    for stage in STAGES:
        out.update(stage.CHECKS)
    return dict(sorted(out.items()))
