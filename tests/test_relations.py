"""Relations: evaluation, verdicts, the `zqclaims relations` command."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from zqclaims import fmt, package
from zqclaims.relations import INF, ROLE_RULES, verdicts
from zqclaims.validate import validate

from .conftest import ROOT, run
from .consistent_edit import apply_consistent_edit

FIXTURES = ROOT / "tests" / "fixtures"


def _relations(root: Path, *args: str) -> dict:
    result = run("relations", str(root), "--format", "json", *args)
    return {"exit": result.exit_code, **json.loads(result.stdout)}


def test_shipped_relations_agree_with_their_records() -> None:
    result = run("relations", str(ROOT))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("56 relations: 50 holds, 6 informational")


def test_json_is_deterministic_and_exact() -> None:
    first, second = run("relations", str(ROOT), "--format", "json"), run("relations", str(ROOT), "--format", "json")
    assert first.stdout == second.stdout
    growth = {r["relation_id"]: r for r in json.loads(first.stdout)["relations"]}["R0033"]
    # 12 / (1 + 71.5/100) and 12 / (1 + 70.5/100), exactly
    assert growth["derived"]["lower_exact"] == "2400/343" and growth["derived"]["upper_exact"] == "2400/341"
    assert growth["whole_number_required"] is True and growth["verdict"] == "holds"


def test_type_filter() -> None:
    doc = _relations(ROOT, "--type", "enumeration", "--type", "sum")
    assert {r["relation_type"] for r in doc["relations"]} == {"enumeration", "sum"}
    assert doc["counts"] == {"holds": 16}


def test_a_recorded_violation_is_not_a_failure(pkg: Path) -> None:
    apply_consistent_edit(pkg, {"claim": "C0107", "old": "59个", "new": "58个", "value": "58"})
    rel = pkg / "resources/relations.csv"
    rel.write_bytes(rel.read_bytes().replace(b"R0002,sum,holds,", b"R0002,sum,violated,", 1))
    fmt.format_package(package.load(pkg))
    assert validate(pkg).valid
    doc = _relations(pkg, "--type", "sum")
    assert doc["exit"] == 0
    assert doc["relations"][0]["verdict"] == "violated (as recorded)"
    assert doc["relations"][0]["derived"]["lower"] == 188


def test_a_new_violation_fails_the_command_too(pkg: Path) -> None:
    apply_consistent_edit(pkg, {"claim": "C0107", "old": "59个", "new": "58个", "value": "58"})
    fmt.format_package(package.load(pkg), force=True)  # the new violation is the point: refresh hashes anyway
    result = run("relations", str(pkg))
    assert result.exit_code == 1
    assert "R0002  sum              newly violated" in result.stdout


def test_target_vs_actual_is_evaluated_but_never_fails(pkg: Path) -> None:
    """A plan is not a logical constraint on a later figure: changing the target moves
    the attainment shown, and validation still passes."""
    apply_consistent_edit(pkg, {"claim": "C0012", "old": "25个", "new": "20个", "value": "20"})
    fmt.format_package(package.load(pkg))
    assert validate(pkg).valid
    tva = {r["relation_id"]: r for r in _relations(pkg, "--type", "target_vs_actual")["relations"]}
    assert tva["R0054"]["derived"]["lower"] == 60 and tva["R0054"]["verdict"] == "informational"


def test_every_checkable_type_has_a_breaking_fixture() -> None:
    for rtype in ROLE_RULES:
        if rtype == "target_vs_actual":
            continue  # informational by definition: see the test above
        path = FIXTURES / f"relation-{rtype.replace('_', '-')}.json"
        fixture = json.loads(path.read_text(encoding="utf-8"))
        assert fixture["consistent_edits"] and fixture["expect"] == ["relation-violated"], path.name


def _frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["d_lo", "d_lo_inc", "d_hi", "d_hi_inc", "a_lo", "a_lo_inc", "a_hi", "a_hi_inc", "integer", "expected"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], dtype=object)


F = Fraction


@pytest.mark.parametrize("row, verdict", [
    ((F(5), True, F(5), True, F(5), False, INF, True, False, "holds"), "newly violated"),    # touching, one open
    ((F(5), True, F(5), True, F(5), True, INF, True, False, "holds"), "holds"),              # touching, both closed
    ((F(6997, 1000), True, F(7038, 1000), True, -INF, True, INF, True, True, "holds"), "holds"),  # admits 7
    ((F(7), False, F(8), False, -INF, True, INF, True, True, "holds"), "newly violated"),   # (7, 8) has no integer
    ((F(7), True, F(8), False, -INF, True, INF, True, True, "holds"), "holds"),             # [7, 8) has 7
    ((F(188), True, F(188), True, F(189), True, F(189), True, False, "violated"), "violated (as recorded)"),
    ((F(189), True, F(189), True, F(189), True, F(189), True, False, "violated"), "no longer violated"),
    ((F(0), True, F(12), True, -INF, True, INF, True, False, "informational"), "informational"),
    ((float("nan"), False, F(1), True, F(0), True, F(1), True, False, "holds"), "not evaluable"),
])
def test_verdict_rules(row: tuple, verdict: str) -> None:
    assert verdicts(_frame([row])).tolist() == [verdict]


def test_relations_command_needs_the_relation_resources(pkg: Path) -> None:
    desc = pkg / "datapackage.json"
    doc = json.loads(desc.read_text(encoding="utf-8"))
    doc["resources"] = [r for r in doc["resources"] if r["name"] != "relation_members"]
    desc.write_text(json.dumps(doc), encoding="utf-8")
    result = run("relations", str(pkg))
    assert result.exit_code == 3 and "relation_members" in result.stderr and "Traceback" not in result.output


def test_relations_command_on_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = run("relations", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_not_evaluable_says_why(pkg: Path) -> None:
    import csv
    import io

    from .conftest import run

    members = list(csv.DictReader(io.StringIO((pkg / "resources/relation_members.csv").read_text(encoding="utf-8"))))
    target = next(m for m in members if m["relation_id"] == "R0001" and m["claim_id"])
    path = pkg / "resources/claims.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("claim_id")] == target["claim_id"]:
            row[header.index("value")] = "many"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    text = run("relations", str(pkg), "--type", "share")
    assert text.exit_code == 1
    assert f"not evaluable: {target['role']} {target['claim_id']} has a value that cannot be read" in text.output
    doc = json.loads(run("relations", str(pkg), "--type", "share", "--format", "json").stdout)
    rel = doc["relations"][0]
    assert rel["verdict"] == "not evaluable" and target["claim_id"] in rel["why"]
    assert rel["derived"]["lower"] is None


def test_json_bounds_are_numbers_with_exact_fractions() -> None:
    from .conftest import ROOT, run

    doc = json.loads(run("relations", str(ROOT), "--format", "json").stdout)
    for rel in doc["relations"]:
        for side in ("derived", "admissible"):
            for b in ("lower", "upper"):
                value, exact = rel[side][b], rel[side][f"{b}_exact"]
                assert value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
                if value is not None:
                    num, _, den = exact.partition("/")
                    assert abs(value - int(num) / int(den or 1)) <= 1e-10 * max(1, abs(value))
