"""Each broken fixture carries one defect and must produce exactly the check ids it lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zqclaims import fmt, package
from zqclaims.validate import validate

from .conftest import copy_package
from .consistent_edit import apply_consistent_edit

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.json"))


def apply(fixture: dict, root: Path) -> None:
    for edit in fixture.get("consistent_edits", []):
        apply_consistent_edit(root, edit)
    for relpath in fixture.get("deletions", []):
        (root / relpath).unlink()
    for edit in fixture.get("edits", []):
        path = root / edit["file"]
        data = path.read_bytes()
        old, new = edit["old"].encode("utf-8"), edit["new"].encode("utf-8")
        assert data.count(old) >= 1, f"fixture edit does not apply to {edit['file']}: {edit['old']!r}"
        path.write_bytes(data.replace(old, new, 1))
    if fixture["fmt_after_edit"]:
        fmt.format_package(package.load(root), force=True)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_produces_exactly_its_check_ids(path: Path, tmp_path: Path) -> None:
    fixture = json.loads(path.read_text(encoding="utf-8"))
    root = copy_package(tmp_path / "pkg")
    apply(fixture, root)
    report = validate(root, rules=fixture.get("rules", "released"))
    assert sorted(report.check_ids()) == sorted(fixture["expect"]), [f.message for f in report.sorted()]
    assert fixture["expect"], "a fixture must expect at least one check id"
