"""CLI behaviour: exit codes, deterministic JSON, no tracebacks on garbage."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, copy_package, run


def test_shipped_package_is_valid() -> None:
    result = run("validate", str(ROOT))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        "valid: all checks passed (descriptor, limits, tables, records, expectations, provenance, quotes, values, "
        "coverage, relations, facts, terms, release)")


def test_json_output_is_deterministic_and_has_no_absolute_paths(pkg: Path) -> None:
    path = pkg / "resources/claims.csv"
    path.write_bytes(path.read_bytes().replace(b"review,605,621,", b"review,606,622,", 1))
    first, second = run("validate", str(pkg), "--format", "json"), run("validate", str(pkg), "--format", "json")
    assert first.exit_code == 1
    assert first.stdout == second.stdout
    doc = json.loads(first.stdout)
    assert doc["valid"] is False and doc["findings"]
    assert str(pkg) not in first.stdout
    assert list(doc["findings"][0]) == sorted(doc["findings"][0])


def test_findings_name_file_row_column_and_hint(pkg: Path) -> None:
    path = pkg / "resources/claims.csv"
    path.write_bytes(path.read_bytes().replace(b"C0047,F0047,2023-hitech-zone-2022-review,605,621,",
                                               b"C0047,F0047,2023-hitech-zone-2022-review,606,622,"))
    doc = json.loads(run("validate", str(pkg), "--format", "json", "--stage", "quotes").stdout)
    assert doc["findings"] == [{
        "check_id": "quote-mismatch", "field": "quote", "resource": "resources/claims.csv", "line": 48,
        "key": "claim_id C0047",
        "hint": "the quote occurs at char_start=605, char_end=621",
        "message": "text[606:622] is '能源汽车及汽车零部件项目36个,', not '新能源汽车及汽车零部件项目36个'"}]


def test_usage_error_exits_2() -> None:
    assert run("validate", "--format", "xml").exit_code == 2


def test_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "Error:" in result.stderr and "Traceback" not in result.output


def test_missing_resource_file_exits_3(pkg: Path) -> None:
    (pkg / "resources/units.csv").unlink()
    result = run("validate", str(pkg))
    assert result.exit_code == 3
    assert "resources/units.csv: file not found" in result.stderr


def test_checks_lists_every_stage_check() -> None:
    result = run("checks", "--format", "json")
    ids = json.loads(result.stdout)
    assert {"quote-mismatch", "coverage-uncovered", "value-interval", "descriptor-unsafe-path"} <= set(ids)


def test_fmt_is_idempotent_on_shipped_package(pkg: Path) -> None:
    before = {p: p.read_bytes() for p in pkg.rglob("*") if p.is_file()}
    assert run("fmt", str(pkg)).stdout.strip() == "already canonical"
    assert before == {p: p.read_bytes() for p in pkg.rglob("*") if p.is_file()}


def test_fmt_restores_canonical_order_losslessly(pkg: Path) -> None:
    path = pkg / "resources/units.csv"
    original = path.read_bytes()
    lines = original.split(b"\n")
    path.write_bytes(b"\n".join([lines[0]] + list(reversed(lines[1:-1]))) + b"\n")
    assert "rewrote resources/units.csv" in run("fmt", str(pkg)).stdout
    assert path.read_bytes() == original


TARGETS = ["datapackage.json", "resources/claims.csv", "resources/articles.csv", "resources/events.csv",
           "resources/exclusions.csv", "resources/entities.csv", "resources/indicators.csv", "resources/units.csv",
           "schemas/claims.schema.json", "checks/claims.json", "schemas/records/claims.json",
           "resources/relations.csv", "resources/relation_members.csv", "checks/relation_verdicts.json",
           "schemas/relations.schema.json"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("damage", ["random-bytes", "truncate"])
def test_garbage_never_gives_a_traceback(target: str, damage: str, tmp_path: Path) -> None:
    root = copy_package(tmp_path / "pkg")
    path = root / target
    data = path.read_bytes()
    rng = random.Random(f"{target}-{damage}")
    if damage == "random-bytes":
        pos = rng.randrange(len(data) // 4, len(data) - 1)
        data = data[:pos] + bytes(rng.randrange(256) for _ in range(64)) + data[pos:]
    else:
        data = data[: len(data) // 2]
    path.write_bytes(data)
    # validate must fail; relations only reports verdicts, which damage elsewhere may leave intact
    for command, codes in (("validate", (1, 3)), ("relations", (0, 1, 3))):
        result = run(command, str(root))
        assert result.exit_code in codes, result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_report_names_the_package_the_validator_the_rules_and_what_was_checked(pkg: Path) -> None:
    import csv
    import hashlib

    from zqclaims import __version__, release

    doc = json.loads(run("validate", str(pkg), "--format", "json").stdout)
    desc = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    assert doc["package"] == {"name": desc["name"], "version": desc["version"]}
    assert doc["validator"]["version"] == __version__
    rule_files = sorted(p for p in release.manifest() if p.startswith(("schemas/", "checks/")))
    expected = hashlib.sha256("".join(
        f"{p}\t{hashlib.sha256((pkg / p).read_bytes()).hexdigest()}\n" for p in rule_files).encode()).hexdigest()
    assert doc["rules_digest"] == expected
    for res in desc["resources"]:
        if res["type"] == "table":
            with open(pkg / res["path"], encoding="utf-8", newline="") as fh:
                assert doc["checked"]["rows"][res["name"]] == sum(1 for _ in csv.DictReader(fh))
    assert doc["checked"]["texts"] == sum(r["type"] == "text" for r in desc["resources"])
    assert doc["checked"]["numbers"] > doc["checked"]["rows"]["claims"]
    text = run("validate", str(pkg)).output
    assert f"checked: {desc['name']} {desc['version']} with zqclaims {__version__}, released rules " \
           f"sha256:{expected[:12]}" in text
    assert f"{doc['checked']['rows']['claims']} claims" in text


def test_rules_digest_follows_the_rules_in_use(pkg: Path) -> None:
    released = json.loads(run("validate", str(pkg), "--format", "json").stdout)["rules_digest"]
    schema = pkg / "schemas/units.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace('"description": "', '"description": "Edited. ', 1),
                      encoding="utf-8")
    same = json.loads(run("validate", str(pkg), "--format", "json").stdout)
    assert same["rules_digest"] == released  # the released rules were used, whatever the copy says
    own = json.loads(run("validate", str(pkg), "--format", "json", "--rules", "package").stdout)
    assert own["rules"] == "package" and own["rules_digest"] not in ("", released)


def test_a_stopped_run_reports_nothing_as_checked(pkg: Path) -> None:
    (pkg / "datapackage.json").write_text("[]", encoding="utf-8")
    doc = json.loads(run("validate", str(pkg), "--format", "json").stdout)
    assert doc["checked"] == {} and doc["valid"] is False


def test_quiet_prints_nothing_when_valid_and_only_findings_otherwise(pkg: Path) -> None:
    result = run("validate", str(pkg), "--quiet")
    assert result.exit_code == 0 and result.output == ""
    path = pkg / "resources/claims.csv"
    path.write_bytes(path.read_bytes().replace(b"review,605,621,", b"review,606,622,", 1))
    result = run("validate", str(pkg), "-q")
    assert result.exit_code == 1 and "[" in result.output
    assert "invalid:" not in result.output and "checked:" not in result.output and "copy:" not in result.output
    assert result.output.splitlines()[0].startswith("resources/claims.csv")


def test_github_format_annotates_each_finding_at_its_file_and_line(pkg: Path) -> None:
    path = pkg / "resources/claims.csv"
    path.write_bytes(path.read_bytes().replace(b"review,605,621,", b"review,606,622,", 1))
    doc = json.loads(run("validate", str(pkg), "--format", "json", "--max-findings", "0").stdout)
    result = run("validate", str(pkg), "--format", "github", "--max-findings", "0")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("::error ")]
    assert len(errors) == len(doc["findings"])
    for f, line in zip(doc["findings"], errors):
        props, _, message = line[len("::error "):].partition("::")
        assert f"file={f['resource']}" in props and f"title={f['check_id']}" in props
        if f["line"] is not None:
            assert f"line={f['line']}" in props.split(",")
        assert "\n" not in message and "\r" not in message
    assert result.output.splitlines()[-1].startswith("::notice::invalid:")


def test_github_format_escapes_what_would_break_a_workflow_command() -> None:
    from zqclaims import render
    from zqclaims.findings import Finding, Report

    report = Report(findings=[Finding("a,b:c.csv", 3, "f", "x-check", "100%\nnext line", "h")], stages=["tables"])
    out = render.as_github(report)
    first = out.splitlines()[0]
    assert first.startswith("::error file=a%2Cb%3Ac.csv,line=3,title=x-check::")
    assert "100%25%0Anext line" in first


def _console(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The console script as a user runs it (python -m zqclaims is the same entry point)."""
    env = {k: v for k, v in os.environ.items() if k != "ZQCLAIMS_DEBUG"}
    return subprocess.run([sys.executable, "-m", "zqclaims", *args], capture_output=True, cwd=cwd, env=env,
                          timeout=300)


def test_the_console_script_ends_fast_yet_writes_every_byte_and_keeps_the_exit_code(pkg: Path) -> None:
    """validate ends with os._exit (no interpreter teardown): the report must still be whole."""
    claims = pkg / "resources/claims.csv"
    claims.write_bytes(claims.read_bytes().replace(b",exact,", b",exactly,"))  # a finding on every exact claim
    done = _console("validate", str(pkg), "--format", "json", "--max-findings", "0")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)  # complete: parses, and as long as the in-process report
    assert doc == json.loads(run("validate", str(pkg), "--format", "json", "--max-findings", "0").stdout)
    assert len(done.stdout) > 64 * 1024  # more than one pipe buffer
    assert _console("validate", str(ROOT)).returncode == 0
    assert _console("--version").returncode == 0  # other commands exit as click makes them


@pytest.mark.parametrize("closed", [">&-", "2>&-"])
def test_a_closed_stdout_or_stderr_keeps_the_exit_code(closed: str) -> None:
    """Started with a descriptor closed (cron, daemons), Python has no stream for it: the fast
    exit must not fail on it (it made a valid package exit 1, with a traceback)."""
    if not Path("/bin/sh").exists():
        pytest.skip("needs a POSIX shell to close a descriptor")
    done = subprocess.run(["/bin/sh", "-c", f'"$0" -m zqclaims validate -q "$1" {closed}', sys.executable, str(ROOT)],
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
