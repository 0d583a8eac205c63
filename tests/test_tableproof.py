"""The set-based proof (zqclaims.tableproof) never calls a table clean that Frictionless faults.

Each case edits one cell of a copy (kept in canonical form, with hash and size refreshed
so that only the cell differs), then compares the proof with Frictionless on the same
descriptor: a proof of a package Frictionless faults would hide findings."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from zqclaims import package
from zqclaims.stages import descriptor, tables

from .conftest import ROOT, copy_package

# (resource, column, value): each value written into the first data row
CASES = [
    ("claims", "char_start", v) for v in ["-1", "01", " 5", "5.0", "1e2", "", "99999999999999999999", "+5", "٥"]
] + [
    ("claims", "value_base", v) for v in ["1e3", "NaN", "-0", "1.50", ".5", "1,000", "Infinity", "12", "x", " 12"]
] + [
    ("claims", "lower_inclusive", v) for v in ["True", "1", "TRUE", "yes", "", "false", "0"]
] + [
    ("claims", "article_id", v) for v in ["nowhere", "", "2022-xijiang-daily-cluster-zone"]
] + [
    ("claims", "claim_id", v) for v in ["C01", "c0001", "C0001x", "C0001\n"]
] + [
    ("articles", "url", v) for v in ["http://example.org/a\n", "ftp://x", "https://example.org/a"]
] + [
    ("claims", "modality", v) for v in ["Actual", "actual ", "target", ""]
] + [
    ("articles", "published", v) for v in ["2022-02-30", "2022-1-11", "2022-01-11T00:00", "2022/01/11", "", "2022-01-12"]
] + [
    ("units", "multiplier", v) for v in ["0", "-1", "1.0", "100000000"]
] + [
    ("entities", "parent_id", v) for v in ["nowhere", "", "zhaoqing", "ZHAOQING"]
] + [
    ("relation_members", "position", v) for v in ["1", "2", "0", "-3", "1.5"]
] + [
    ("facts", "mentions", v) for v in ["0", "2", "1.0"]
]


def _edit(pkg: Path, resource: str, column: str, value: str) -> None:
    desc = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in desc["resources"] if r["name"] == resource)
    path = pkg / res["path"]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    data = buf.getvalue().encode("utf-8")
    path.write_bytes(data)
    res["hash"], res["bytes"] = "sha256:" + hashlib.sha256(data).hexdigest(), len(data)
    (pkg / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _judge(path: Path) -> tuple[bool, list[str]]:
    pkg = package.load(path, rules="package")
    list(descriptor.run(pkg))
    proved = tables.proven_clean(pkg)
    return proved, sorted({f.check_id for f in tables.frictionless(pkg)})


def test_the_shipped_package_is_proven_clean_and_is_clean() -> None:
    proved, findings = _judge(ROOT)
    assert proved and findings == []


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[tuple, bool, list[str]]]:
    out = []
    for i, case in enumerate(CASES):
        pkg = copy_package(tmp_path_factory.mktemp(f"case{i}") / "pkg")
        _edit(pkg, *case)
        out.append((case, *_judge(pkg)))
    return out


def test_the_proof_never_passes_what_frictionless_faults(verdicts) -> None:
    wrong = [(case, found) for case, proved, found in verdicts if proved and found]
    assert wrong == []


def test_the_proof_decides_both_ways(verdicts) -> None:
    """The cases exercise the proof: some edits are proven clean, and every edit Frictionless
    faults is left to Frictionless (whose findings then stand)."""
    proved = [case for case, ok, _ in verdicts if ok]
    faulted = [case for case, _, found in verdicts if found]
    assert ("units", "multiplier", "100000000") in proved and ("claims", "value_base", "12") in proved
    assert len(faulted) >= 20
    assert ("claims", "char_start", "-1") in faulted and ("entities", "parent_id", "nowhere") in faulted
