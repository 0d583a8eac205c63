"""Render a Report as text or JSON, deterministically (sorted, no timestamps,
no absolute paths)."""

from __future__ import annotations

import json

from .findings import Report


def as_json(report: Report) -> str:
    findings = [f.to_dict() for f in report.sorted()]
    doc = {"valid": report.valid, "stages": report.stages, "counts": _counts(findings, "check_id"),
           "findings": findings}
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)


def as_text(report: Report) -> str:
    lines = []
    for f in report.sorted():
        where = f.resource + (f", row {f.row}" if f.row is not None else "") + (f", {f.field}" if f.field else "")
        lines.append(f"{where}: [{f.check_id}] {f.message}")
        if f.hint:
            lines.append(f"    hint: {f.hint}")
    n = len(report.sorted())
    stages = ", ".join(report.stages)
    lines.append(f"valid: all checks passed ({stages})" if report.valid
                 else f"invalid: {n} finding{'s' if n != 1 else ''} ({stages})")
    return "\n".join(lines)


def _counts(rows: list[dict], key: str) -> dict[str, int]:
    """How many rows have each value of ``key``, in sorted order."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[key]] = counts.get(r[key], 0) + 1
    return dict(sorted(counts.items()))


def relations_json(records: list[dict]) -> str:
    doc = {"counts": _counts(records, "verdict"), "relations": records}
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)


def relations_text(rows: list[dict]) -> str:
    """One block per relation: id, type, verdict, then the numbers."""
    lines = []
    for r in rows:
        lines.append(f"{r['relation_id']}  {r['relation_type']:<16} {r['verdict']}")
        lines.append(f"    {r['detail']}")
    noun = "relation" if len(rows) == 1 else "relations"
    lines.append(f"{len(rows)} {noun}: " + ", ".join(f"{n} {v}" for v, n in _counts(rows, "verdict").items()))
    return "\n".join(lines)
