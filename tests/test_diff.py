"""zqclaims diff: exactly the changed records, between directories and release zips, and hostile zips refused."""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile
from pathlib import Path

from zqclaims.build import archive

from .conftest import ROOT, copy_package, run


def edit_csv(path: Path, change) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = list(rows[0])
    rows = change(rows)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def release_zip(pkg: Path, dest: Path) -> Path:
    files = {p.relative_to(pkg).as_posix(): p.read_bytes() for p in sorted(pkg.rglob("*")) if p.is_file()}
    archive.write_zip(dest, files, archive.EPOCH, prefix="zhaoqing-investment-claims-x/")
    return dest


def test_a_copy_has_no_differences(pkg: Path) -> None:
    result = run("diff", str(ROOT), str(pkg))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("no differences in the data")


def test_diff_lists_exactly_the_changed_records(pkg: Path) -> None:
    old = copy_package(pkg.parent / "old")

    def claims(rows):
        rows[0]["statement_en"] = "Edited statement."
        rows[1]["note"] = rows[1]["note"] + " More."
        return rows
    edit_csv(pkg / "resources/claims.csv", claims)
    edit_csv(pkg / "resources/exclusions.csv", lambda rows: rows[:-1])
    edit_csv(pkg / "resources/scopes.csv", lambda rows: rows + [dict(rows[0], scope_id="zz_new_scope")])
    with open(pkg / "resources/articles" / next((pkg / "resources/articles").iterdir()).name, "ab") as fh:
        fh.write(b"\n")
    result = run("diff", str(old), str(pkg), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    old_claims = list(csv.DictReader(io.StringIO((old / "resources/claims.csv").read_text(encoding="utf-8"))))
    old_excl = list(csv.DictReader(io.StringIO((old / "resources/exclusions.csv").read_text(encoding="utf-8"))))
    assert set(doc["tables"]) == {"claims", "exclusions", "scopes"}
    assert doc["tables"]["claims"]["changed"] == [
        {"key": old_claims[0]["claim_id"], "field": "statement_en", "old": old_claims[0]["statement_en"],
         "new": "Edited statement."},
        {"key": old_claims[1]["claim_id"], "field": "note", "old": old_claims[1]["note"],
         "new": old_claims[1]["note"] + " More."}]
    assert doc["tables"]["claims"]["added"] == doc["tables"]["claims"]["removed"] == []
    assert doc["tables"]["exclusions"]["removed"] == [old_excl[-1]["exclusion_id"]]
    assert doc["tables"]["scopes"]["added"] == ["zz_new_scope"]
    assert len(doc["texts"]["changed"]) == 1
    text = run("diff", str(old), str(pkg)).output
    assert f"  ~ {old_claims[0]['claim_id']} statement_en:" in text and f"  - {old_excl[-1]['exclusion_id']}" in text


def test_composite_keys_and_column_changes(pkg: Path) -> None:
    old = copy_package(pkg.parent / "old")

    def members(rows):
        rows[0]["role"] = "whole" if rows[0]["role"] != "whole" else "part"
        return rows
    edit_csv(pkg / "resources/relation_members.csv", members)
    doc = json.loads(run("diff", str(old), str(pkg), "--format", "json").stdout)
    change = doc["tables"]["relation_members"]["changed"]
    assert len(change) == 1 and change[0]["field"] == "role" and change[0]["key"].count(" | ") == 1


def test_a_release_zip_compares_like_its_directory(pkg: Path, tmp_path: Path) -> None:
    zipped = release_zip(pkg, tmp_path / "release.zip")
    result = run("diff", str(zipped), str(ROOT))
    assert result.exit_code == 0, result.output


def test_hostile_zips_are_refused(tmp_path: Path) -> None:
    escape = tmp_path / "escape.zip"
    with zipfile.ZipFile(escape, "w") as zf:
        zf.writestr("datapackage.json", "{}")
        zf.writestr("../outside.txt", "x")
    result = run("diff", str(escape), str(ROOT))
    assert result.exit_code == 3 and "outside the archive" in result.output
    assert not (tmp_path.parent / "outside.txt").exists()
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("datapackage.json")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    result = run("diff", str(link), str(ROOT))
    assert result.exit_code == 3 and "symbolic link" in result.output
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"PK not really")
    assert run("diff", str(not_zip), str(ROOT)).exit_code == 3


def test_a_path_that_is_not_a_package_is_a_usage_error(tmp_path: Path) -> None:
    result = run("diff", str(tmp_path), str(ROOT))
    assert result.exit_code == 2
