"""Other tools read the package as declared: the frictionless API and the legacy
`datapackage` reader read every table with its declared types, the v2 self-reference
is enforced, and CITATION.cff is valid for cffconvert, which also writes the README's
citation.

cffconvert 2.0.0 needs jsonschema<4 and cannot share our environment, so these tools
run in their own virtual environment, installed from tests/tools-requirements.txt
(exact versions) once per session; ZQCLAIMS_TOOLS_PYTHON names a Python that already
has them.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, copy_package, run

TOOLS_REQUIREMENTS = Path(__file__).with_name("tools-requirements.txt")
README = (ROOT / "README.md").read_text(encoding="utf-8")
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
TABLES = [r for r in DESCRIPTOR["resources"] if r["type"] == "table"]

#: Python type names each reader gives for a Table Schema type.
TYPES = {"string": {"str"}, "integer": {"int"}, "number": {"Decimal"}, "boolean": {"bool"},
         "date": {"date"}, "year": {"int"}}

# Run by the legacy reader's Python: every table of the package, read with types.
LEGACY_READ = """
import json, sys, warnings
warnings.simplefilter("ignore")
import datapackage
pkg = datapackage.Package(sys.argv[1])
out = {"valid": pkg.valid, "errors": [str(e) for e in pkg.errors], "tables": {}}
for res in pkg.resources:
    if not res.tabular:
        continue
    try:
        res.read(relations=True)  # every foreign key resolves, or this raises
        rows = res.read(keyed=True)
    except Exception as exc:
        out["tables"][res.name] = {"error": type(exc).__name__ + ": " + str(exc)[:300]}
        continue
    types = {}
    for row in rows:
        for k, v in row.items():
            if v is not None:
                types.setdefault(k, set()).add(type(v).__name__)
    out["tables"][res.name] = {"rows": len(rows), "types": {k: sorted(v) for k, v in types.items()}}
print(json.dumps(out))
"""


def _bin(python: str, name: str) -> str:
    return str(Path(python).parent / (f"{name}.exe" if os.name == "nt" else name))


@pytest.fixture(scope="session")
def tools_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    given = os.environ.get("ZQCLAIMS_TOOLS_PYTHON")
    if given:
        return given
    venv = tmp_path_factory.mktemp("tools") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    proc = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
                           str(TOOLS_REQUIREMENTS)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"could not install {TOOLS_REQUIREMENTS.name}:\n{proc.stderr[-3000:]}"
    return python


def _csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def _legacy(tools_python: str, package: Path) -> dict:
    proc = subprocess.run([tools_python, "-c", LEGACY_READ, str(package / "datapackage.json")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def _expected_types(resource: dict) -> dict[str, set[str]]:
    schema = json.loads((ROOT / resource["schema"]).read_text(encoding="utf-8"))
    return {f["name"]: TYPES[f["type"]] for f in schema["fields"]}


# -- the descriptor as other tools need it --------------------------------------

def test_every_table_declares_its_dialect_and_the_texts_a_recognised_licence() -> None:
    for res in TABLES:
        assert res["dialect"] == {"header": True, "delimiter": ",", "lineTerminator": "\n", "quoteChar": '"',
                                  "doubleQuote": True, "skipInitialSpace": False}, res["name"]
    texts = [r for r in DESCRIPTOR["resources"] if r["type"] == "text"]
    assert texts
    for res in texts:
        # Open Definition id "other-closed" (Other (Not Open)): the copyright is stated in the description
        assert [lic["name"] for lic in res["licenses"]] == ["other-closed"], res["name"]
        assert "Copyright remains with the original publisher" in res["description"]
    assert [lic["name"] for lic in DESCRIPTOR["licenses"]] == ["CC-BY-4.0"]


def test_the_self_reference_is_written_as_data_package_v2_specifies() -> None:
    schema = json.loads((ROOT / "schemas/entities.schema.json").read_text(encoding="utf-8"))
    assert schema["foreignKeys"] == [{"fields": ["parent_id"], "reference": {"fields": ["entity_id"]}}]


def test_a_broken_self_reference_is_caught_by_both_validators(pkg: Path) -> None:
    from frictionless import Package

    path = pkg / "resources/entities.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    col = rows[0].index("parent_id")
    row = next(r for r in rows[1:] if r[col])
    row[col] = "nowhere"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    report = Package(str(pkg / "datapackage.json")).validate()
    assert "foreign-key" in {e.type for task in report.tasks for e in task.errors}
    result = run("validate", str(pkg), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert any(f["check_id"] == "table-foreign-key" and f["resource"] == "resources/entities.csv" for f in findings)


# -- readers ---------------------------------------------------------------------

def test_the_frictionless_api_reads_every_table_with_its_declared_types() -> None:
    from frictionless import Package

    pkg = Package(str(ROOT / "datapackage.json"))
    for res in TABLES:
        rows = pkg.get_resource(res["name"]).read_rows()
        assert len(rows) == _csv_rows(ROOT / res["path"]), res["name"]
        names = {"Decimal": decimal.Decimal, "date": datetime.date}
        for field, expected in _expected_types(res).items():
            seen = {type(r[field]).__name__ for r in rows if r[field] is not None}
            assert seen <= expected, (res["name"], field, seen)
            assert all(isinstance(r[field], tuple(names.get(t, object) for t in expected))
                       for r in rows if r[field] is not None)


def test_the_legacy_datapackage_reader_reads_every_table_with_its_declared_types(tools_python: str) -> None:
    out = _legacy(tools_python, ROOT)
    assert out["valid"], out["errors"]
    assert sorted(out["tables"]) == sorted(r["name"] for r in TABLES)
    for res in TABLES:
        got = out["tables"][res["name"]]
        assert "error" not in got, (res["name"], got)
        assert got["rows"] == _csv_rows(ROOT / res["path"]), res["name"]
        for field, seen in got["types"].items():
            assert set(seen) <= _expected_types(res)[field], (res["name"], field, seen)


def test_without_the_dialect_the_legacy_reader_guesses_wrong(tools_python: str, tmp_path: Path) -> None:
    """The defect the dialect fixes: the legacy reader sniffs "'" as the quote character."""
    pkg = copy_package(tmp_path / "pkg")
    desc = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    for res in desc["resources"]:
        res.pop("dialect", None)
    (pkg / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False, indent=2), encoding="utf-8")
    assert "error" in _legacy(tools_python, pkg)["tables"]["articles"]


# -- citation --------------------------------------------------------------------

def _cffconvert(tools_python: str, *args: str, cff: Path = ROOT / "CITATION.cff") -> subprocess.CompletedProcess:
    return subprocess.run([_bin(tools_python, "cffconvert"), "-i", str(cff), *args],
                          capture_output=True, text=True, timeout=120)


def test_citation_cff_is_valid(tools_python: str) -> None:
    proc = _cffconvert(tools_python, "--validate")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cffconvert_refuses_a_broken_citation(tools_python: str, tmp_path: Path) -> None:
    broken = tmp_path / "CITATION.cff"
    broken.write_text((ROOT / "CITATION.cff").read_text(encoding="utf-8").replace("type: dataset", "type: datasett"),
                      encoding="utf-8")
    assert _cffconvert(tools_python, "--validate", cff=broken).returncode != 0


def test_readme_citations_are_what_cffconvert_writes(tools_python: str) -> None:
    cite = README.split("\n## Cite\n")[1].split("\n## ")[0]
    bibtex = cite.split("```bibtex\n")[1].split("```")[0]
    proc = _cffconvert(tools_python, "-f", "bibtex")
    assert proc.returncode == 0, proc.stderr
    assert bibtex.strip() == proc.stdout.strip()
    proc = _cffconvert(tools_python, "-f", "apalike")
    assert proc.returncode == 0, proc.stderr
    assert f"> {proc.stdout.strip()}" in cite


def test_citation_agrees_with_the_descriptor_and_changelog() -> None:
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    version = DESCRIPTOR["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = changelog.split(f"## [{version}] - ")[1][:10]
    assert cff.count(f"version: {version}\n") == 2  # the dataset and its preferred citation
    assert f'date-released: "{released}"' in cff
    assert f'value: "{DESCRIPTOR["id"]}"' in cff
    assert DESCRIPTOR["created"].startswith(released)


# -- the light path: the tables checked with frictionless alone -------------------

@pytest.fixture(scope="session")
def frictionless_only(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A virtual environment with frictionless (the version CI tested) and nothing of ours."""
    venv = tmp_path_factory.mktemp("light") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    proc = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "frictionless", "-c",
                           str(ROOT / "constraints.txt")], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return python


def test_the_tables_can_be_checked_with_frictionless_alone(frictionless_only: str, tmp_path: Path) -> None:
    """README "Check it": `pip install frictionless && frictionless validate datapackage.json`."""
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # a test run from a clone may set it
    has_ours = subprocess.run([frictionless_only, "-c", "import zqclaims"], capture_output=True, env=clean)
    assert has_ours.returncode != 0, "the light path must not need zqclaims"
    pkg = copy_package(tmp_path / "pkg")
    exe = _bin(frictionless_only, "frictionless")
    ok = subprocess.run([exe, "validate", "datapackage.json"], cwd=pkg, capture_output=True, text=True, timeout=600)
    assert ok.returncode == 0, ok.stdout[-3000:]
    facts = pkg / "resources/facts.csv"
    facts.write_bytes(facts.read_bytes().replace(b",actual,", b",actuall,", 1))
    bad = subprocess.run([exe, "validate", "datapackage.json"], cwd=pkg, capture_output=True, text=True, timeout=600)
    assert bad.returncode != 0 and "constraint" in bad.stdout, bad.stdout[-3000:]
