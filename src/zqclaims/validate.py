"""The library entry point: run every stage on a package directory."""

from __future__ import annotations

from pathlib import Path

from . import package as package_mod
from .findings import Report
from .stages import STAGES


def validate(path: str | Path, only: list[str] | None = None) -> Report:
    """Validate the package at ``path``. Raises :class:`CouldNotRun` when it cannot."""
    pkg = package_mod.load(path)
    report = Report()
    for stage in STAGES:
        if only and stage.ID not in only:
            continue
        report.stages.append(stage.ID)
        report.extend(stage.run(pkg))
    return report
