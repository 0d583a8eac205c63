"""zqclaims build: the release zip, SHA256SUMS, SQLite + Datasette metadata, determinism, refusal."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, copy_package, run

DESC = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
NAME, VERSION = DESC["name"], DESC["version"]
ZIP, DB, XLSX = f"{NAME}-{VERSION}.zip", f"{NAME}.sqlite", f"{NAME}.xlsx"


def csv_rows(table: str) -> list[dict]:
    with open(ROOT / "resources" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build(out: Path, package: Path = ROOT):
    result = run("build", str(package), "--out", str(out))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build(out)
    return out


def tree(base: Path) -> dict[str, bytes]:
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def test_build_writes_every_artifact(dist: Path) -> None:
    for name in (ZIP, DB, XLSX, "metadata.json", "SHA256SUMS", "validation-report.json", "site/index.html"):
        assert (dist / name).is_file(), name
    assert json.loads((dist / "validation-report.json").read_text(encoding="utf-8"))["valid"] is True


def test_sha256sums_verify_with_sha256sum(dist: Path) -> None:
    exe = shutil.which("sha256sum")
    if exe is None:
        pytest.skip("sha256sum is not installed")
    proc = subprocess.run([exe, "-c", "SHA256SUMS"], cwd=dist, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listed = sorted(line.split("  ", 1)[1] for line in (dist / "SHA256SUMS").read_text().splitlines())
    assert listed == sorted([ZIP, DB, XLSX, "metadata.json", "validation-report.json"])
    # the site's copies are the same files
    for name in listed + ["SHA256SUMS"]:
        assert (dist / "site" / "downloads" / name).read_bytes() == (dist / name).read_bytes()


def test_sha256sums_fail_on_a_changed_artifact(dist: Path, tmp_path: Path) -> None:
    exe = shutil.which("sha256sum")
    if exe is None:
        pytest.skip("sha256sum is not installed")
    copy = tmp_path / "d"
    shutil.copytree(dist, copy, ignore=shutil.ignore_patterns("site"))
    with open(copy / "metadata.json", "ab") as fh:
        fh.write(b" ")
    assert subprocess.run([exe, "-c", "SHA256SUMS"], cwd=copy, capture_output=True).returncode == 1


def test_zip_is_the_package_and_validates_with_both_validators(dist: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(dist / ZIP) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {tuple(int(x) for x in DESC["created"][:10].split("-"))
                                                        + (0, 0, 0)}
        zf.extractall(tmp_path)
    top = tmp_path / f"{NAME}-{VERSION}"
    for name in ("datapackage.json", "README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md", "CONTRIBUTING.md",
                 "docs/methods.md", "docs/data.md", "resources/claims.csv", "schemas/claims.schema.json",
                 "checks/claims.json"):
        assert (top / name).is_file(), name
    for rel, data in tree(top).items():
        assert data == (ROOT / rel).read_bytes(), rel
    result = run("validate", str(top))
    assert result.exit_code == 0, result.output
    assert f"identical to release {VERSION}" in result.output
    proc = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json"], cwd=top,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_building_twice_gives_identical_bytes(dist: Path, tmp_path: Path) -> None:
    build(tmp_path / "again")
    first, second = tree(dist), tree(tmp_path / "again")
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert differ == []


def test_build_refuses_a_package_with_findings(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    claims = pkg / "resources/claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8").replace(",62430000000,", ",62430000001,", 1),
                      encoding="utf-8")
    result = run("build", str(pkg), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "nothing was built" in result.output
    assert not (tmp_path / "out").exists()


def test_build_refuses_to_write_into_the_package_resources(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    result = run("build", str(pkg), "--out", str(pkg / "resources" / "dist"))
    assert result.exit_code == 3
    assert "inside the package's resources/" in result.output
    assert not (pkg / "resources" / "dist").exists()


# -- SQLite ---------------------------------------------------------------

@pytest.fixture(scope="module")
def db(dist: Path):
    conn = sqlite3.connect(f"file:{dist / DB}?mode=ro", uri=True)
    yield conn
    conn.close()


def test_sqlite_tables_match_the_csvs(db) -> None:
    for res in DESC["resources"]:
        if res["type"] == "table":
            n = db.execute(f'select count(*) from "{res["name"]}"').fetchone()[0]
            assert n == len(csv_rows(res["name"])), res["name"]


def test_sqlite_passes_foreign_key_check_and_declares_the_keys(db) -> None:
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = {(r[2], r[3]) for r in db.execute("PRAGMA foreign_key_list(claims)")}
    assert {("facts", "fact_id"), ("entities", "subject_id"), ("indicators", "indicator_id")} <= fks
    pk = [r[1] for r in db.execute("PRAGMA table_info(relation_members)") if r[5]]
    assert pk == ["relation_id", "position"]
    indexed = {r[1] for r in db.execute("PRAGMA index_list(claims)")}
    assert "idx_claims_subject_id" in indexed


def test_sqlite_columns_are_typed(db) -> None:
    row = db.execute("select typeof(value_base), typeof(char_start), typeof(lower_inclusive), typeof(value), "
                     "typeof(period_start) from claims where claim_id = 'C0094'").fetchone()
    assert row == ("real", "integer", "integer", "text", "text")
    assert db.execute("select sql from sqlite_master where name = 'claims'").fetchone()[0].endswith("STRICT")
    # numeric order, not text order
    top = db.execute("select value_base from claims order by value_base desc limit 1").fetchone()[0]
    assert top == max(float(r["value_base"]) for r in csv_rows("claims"))
    # an empty cell is NULL
    empty = sum(1 for r in csv_rows("claims") if r["scope"] == "")
    assert db.execute("select count(*) from claims where scope is null").fetchone()[0] == empty


def test_sqlite_answers_a_join_of_claims_entities_and_indicators(db) -> None:
    rows = db.execute("""
        select c.claim_id, e.name_en, i.label_en, c.value_base, c.unit_base
        from claims c join entities e on e.entity_id = c.subject_id
        join indicators i on i.indicator_id = c.indicator_id
        where c.indicator_id = 'planned_investment' and c.period_start = '2023-01-01'
          and c.period_end = '2023-06-30' and c.scope is null""").fetchall()
    assert rows and {r[3] for r in rows} == {62430000000.0}
    assert db.execute("select count(*) from claims c join entities e on e.entity_id = c.subject_id "
                      "join indicators i on i.indicator_id = c.indicator_id").fetchone()[0] == len(csv_rows("claims"))


def test_sqlite_full_text_search_finds_chinese_and_english(db) -> None:
    zh = db.execute("select count(*) from claims_fts where claims_fts match '储能产业'").fetchone()[0]
    expected = sum(1 for r in csv_rows("claims") if "储能产业" in r["quote_zh_hans"] + r["quote"] + r["statement_en"])
    assert zh == expected > 0
    en = db.execute("select count(*) from claims_fts where claims_fts match 'investment'").fetchone()[0]
    assert en == sum(1 for r in csv_rows("claims") if "investment" in (r["statement_en"] + r["quote"]).lower())
    texts = db.execute("select count(*) from article_texts").fetchone()[0]
    assert texts == len(csv_rows("articles"))


def test_datasette_metadata_describes_every_table_and_column(dist: Path) -> None:
    meta = json.loads((dist / "metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] == DESC["title"] and meta["license"] == DESC["licenses"][0]["name"]
    tables = meta["databases"][NAME]["tables"]
    for res in DESC["resources"]:
        if res["type"] == "table":
            schema = json.loads((ROOT / res["schema"]).read_text(encoding="utf-8"))
            assert set(tables[res["name"]]["columns"]) == {f["name"] for f in schema["fields"]}
            assert all(tables[res["name"]]["columns"].values()), res["name"]
            assert tables[res["name"]]["description"], res["name"]


def test_datasette_serves_the_database_with_its_metadata(dist: Path) -> None:
    datasette_app = pytest.importorskip("datasette.app")
    meta = json.loads((dist / "metadata.json").read_text(encoding="utf-8"))

    async def fetch():
        ds = datasette_app.Datasette([str(dist / DB)], metadata=meta, immutables=[])
        home = await ds.client.get("/")
        rows = await ds.client.get(f"/{NAME}/claims.json?_shape=array&_size=max&indicator_id=planned_investment")
        search = await ds.client.get(f"/{NAME}/claims.json?_shape=array&_search=储能产业")
        table = await ds.client.get(f"/{NAME}/claims")
        return home, rows, search, table

    home, rows, search, table = asyncio.run(fetch())
    assert home.status_code == 200 and DESC["title"] in home.text
    assert rows.status_code == 200
    expected = [r["claim_id"] for r in csv_rows("claims") if r["indicator_id"] == "planned_investment"]
    assert sorted(r["claim_id"] for r in rows.json()) == sorted(expected)
    assert search.status_code == 200 and len(search.json()) > 0
    assert table.status_code == 200 and "Every quantified claim" in table.text


# -- the README's "Use it in" snippets, run as written -----------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")
USE = README.split("## Use it in …")[1].split("\n## ")[0]


def block(lang: str) -> str:
    return USE.split(f"```{lang}\n")[1].split("```")[0]


def test_readme_sqlite_snippet(dist: Path, db) -> None:
    rows = db.execute(block("sql")).fetchall()
    expected = {r["claim_id"] for r in csv_rows("claims")
                if "储能产业" in r["quote"] + r["quote_zh_hans"] + r["statement_en"]}
    assert {r[0] for r in rows} == expected and rows
    assert [r[3] for r in rows] == sorted((r[3] for r in rows), reverse=True)


def test_readme_pandas_snippet(dist: Path, monkeypatch) -> None:
    monkeypatch.chdir(dist)
    scope: dict = {}
    exec(block("python"), scope)  # noqa: S102 - our own README, the snippet under test
    facts = scope["facts"]
    assert len(facts) == sum(1 for r in csv_rows("facts") if r["scope"] == "" and r["modality"] == "actual")
    assert facts["value_base"].dtype.kind == "f" and facts["mentions"].dtype.kind == "i"


def test_readme_datasette_command(dist: Path) -> None:
    exe = shutil.which("datasette") or shutil.which("datasette", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("datasette is not installed")
    command = USE.split("```\n")[1].split("```")[0].strip()
    assert command == f"datasette {DB} -m metadata.json"
    proc = subprocess.run([exe, *command.split()[1:], "--get", f"/{NAME}/facts.json?_shape=array&_size=max"],
                          cwd=dist, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(json.loads(proc.stdout)) == len(csv_rows("facts"))


def test_readme_r_snippet(dist: Path, tmp_path: Path) -> None:
    exe = shutil.which("Rscript")
    if exe is None:
        pytest.skip("R is not installed here (Rscript not found)")
    with zipfile.ZipFile(dist / ZIP) as zf:
        zf.extractall(tmp_path)
    script = block("r") + '\ncat(nrow(facts), "\\n")\n'
    proc = subprocess.run([exe, "-e", script], cwd=tmp_path / f"{NAME}-{VERSION}", capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].strip() == str(len(csv_rows("facts")))


def test_sqlite_accepts_children_before_their_parents_and_reports_dangling_keys(tmp_path: Path) -> None:
    from zqclaims.build import dataset, sqlite

    ds = dataset.load(ROOT)
    entities = ds.tables["entities"]
    assert (entities["parent_id"] != "").any()
    ds.tables["entities"] = entities.iloc[::-1]  # every child before its parent
    sqlite.write(tmp_path / "a.sqlite", ds)
    with sqlite3.connect(tmp_path / "a.sqlite") as conn:
        assert conn.execute("select count(*) from entities").fetchone()[0] == len(entities)
    broken = entities.copy()
    broken.loc[broken["parent_id"] != "", "parent_id"] = "no-such-entity"
    ds.tables["entities"] = broken
    with pytest.raises(ValueError, match="dangling"):
        sqlite.write(tmp_path / "b.sqlite", ds)
