"""A copy of the package is untrusted input (issue: untrusted copies).

One test per attack that the 0.2.0 validator let through: each builds a hostile
copy in code and checks that nothing runs, nothing is fetched or read outside
the package, the run is fast and bounded, and the defect is an exit-1 finding
(or exit 2 for a path that is not a package) with no traceback. A test audit
hook records every process, network and file event during the run, so "no
attempt" is measured, not assumed (the validator's own sandbox would also
refuse them).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from zqclaims import guard, limits

from .conftest import ROOT, run

EVENTS: list[tuple[str, str]] = []
_RECORDING = {"on": False}


def _audit(event: str, args: tuple) -> None:
    if not _RECORDING["on"]:
        return
    if event.startswith(("os.system", "subprocess", "os.exec", "os.posix_spawn", "socket.connect",
                         "socket.getaddrinfo", "urllib.Request")):
        EVENTS.append((event, repr(args)[:200]))
    elif event == "open" and isinstance(args[0], (str, bytes)):
        EVENTS.append((event, os.fsdecode(args[0])))


sys.addaudithook(_audit)


def invoke(*args: str):
    """Run the CLI with the audit recorder on; return (result, events, seconds)."""
    EVENTS.clear()
    _RECORDING["on"] = True
    start = time.perf_counter()
    try:
        result = run(*args)
    finally:
        _RECORDING["on"] = False
    return result, list(EVENTS), time.perf_counter() - start


def outside_reads(events: list[tuple[str, str]], root: Path) -> list[str]:
    """Files opened that are neither in the package nor part of the installation."""
    allowed = [str(root.resolve()), str(ROOT), sys.prefix, sys.base_prefix, "/tmp", "/dev/", "/proc/self",
               "/usr/share/zoneinfo", "/etc/localtime", *[p for p in sys.path if p and p != os.getcwd()]]
    out = []
    for event, path in events:
        if event != "open":
            continue
        full = os.path.realpath(path)
        if not any(full.startswith(a) for a in allowed):
            out.append(path)
    return out


def assert_clean(result, events, root: Path, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not [e for e in events if e[0] != "open"], events
    assert not outside_reads(events, root)


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def check_ids(result) -> set[str]:
    return set(json.loads(result.stdout)["counts"])


# -- 1. code execution from a rule file ------------------------------------------------------

EXPLOIT = "claim_id == claim_id and @pd.io.common.os.system('touch {marker}') == 0"


@pytest.mark.parametrize("rules", ["released", "package"])
def test_row_condition_never_runs(pkg: Path, tmp_path: Path, rules: str) -> None:
    marker = tmp_path / "pwned"

    def add(doc):
        doc["expectations"].append({"type": "expect_column_values_to_not_be_null",
                                    "kwargs": {"column": "claim_id", "condition_parser": "pandas",
                                               "row_condition": EXPLOIT.format(marker=marker)}})
    edit_json(pkg / "checks/claims.json", add)
    result, events, _ = invoke("validate", str(pkg), "--format", "json", "--rules", rules)
    assert_clean(result, events, pkg)
    assert not marker.exists()
    assert ("rules-modified" if rules == "released" else "expectation-unsafe") in check_ids(result)


def test_shipped_suites_use_no_row_condition() -> None:
    for path in (ROOT / "checks").glob("*.json"):
        assert "row_condition" not in path.read_text(encoding="utf-8"), path


def test_sandbox_refuses_processes_and_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import subprocess

    scratch = tmp_path / "scratch"  # the only place writes are allowed (GX's temporary directory)
    scratch.mkdir()
    monkeypatch.setattr(guard.tempfile, "gettempdir", lambda: str(scratch))
    package = tmp_path / "pkg"
    package.mkdir()
    with guard.sandbox(package) as blocked:
        with pytest.raises(guard.Blocked):
            os.system("true")
        with pytest.raises(guard.Blocked):
            subprocess.run(["true"], check=False)
        with pytest.raises(guard.Blocked):
            socket.getaddrinfo("example.org", 80)
        with pytest.raises(guard.Blocked):
            open("/etc/hostname", "rb")  # noqa: SIM115 - the open must be refused
        with pytest.raises(guard.Blocked):
            open(package / "written-by-a-package", "w")  # noqa: SIM115
    assert len(blocked) == 5 and not (package / "written-by-a-package").exists()
    os.system("true")  # inert outside the sandbox


# -- 2. network and 3. reads outside the package ------------------------------------------

@pytest.mark.parametrize("where", ["top-profile", "top-schema", "resource-profile", "resource-schema-key",
                                   "dialect-url", "dialect-outside"])
def test_descriptor_references_are_refused(pkg: Path, where: str) -> None:
    def change(doc):
        res = next(r for r in doc["resources"] if r["name"] == "units")
        if where == "top-profile":
            doc["profile"] = "http://127.0.0.1:9/profile.json"
        elif where == "top-schema":
            doc["$schema"] = "x.json"
        elif where == "resource-profile":
            res["profile"] = "https://127.0.0.1:9/resource.json"
        elif where == "resource-schema-key":
            res["$schema"] = "file:///etc/passwd"
        elif where == "dialect-url":
            res["dialect"] = "http://127.0.0.1:9/dialect.json"
        else:
            res["dialect"] = "/etc/passwd"
    edit_json(pkg / "datapackage.json", change)
    (pkg / "x.json").write_text("{}", encoding="utf-8")
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert check_ids(result) & {"descriptor-remote-reference", "descriptor-unsafe-path"}


@pytest.mark.parametrize("ref", ["http://127.0.0.1:9/rule.json", "file:///etc/passwd", "/etc/passwd",
                                 "../../outside.json"])
def test_remote_refs_in_rule_files_resolve_to_nothing(pkg: Path, ref: str) -> None:
    (pkg.parent / "outside.json").write_text("{}", encoding="utf-8")
    edit_json(pkg / "schemas/records/units.json", lambda doc: doc.update({"$ref": ref}))
    edit_json(pkg / "schemas/datapackage.extension.json", lambda doc: doc.update({"$ref": ref}))
    for rules in ("released", "package"):
        result, events, _ = invoke("validate", str(pkg), "--format", "json", "--rules", rules)
        assert_clean(result, events, pkg)
        assert check_ids(result) & {"rules-modified", "rules-invalid", "descriptor-extension"}, result.stdout


def _link(pkg: Path, relpath: str, target: Path) -> None:
    (pkg / relpath).unlink()
    (pkg / relpath).symlink_to(target)


@pytest.mark.parametrize("relpath", ["datapackage.json", "resources/units.csv", "schemas/units.schema.json",
                                     "resources/articles/2022-xijiang-daily-cluster-zone.txt"])
def test_symbolic_links_are_never_followed(pkg: Path, tmp_path: Path, relpath: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / Path(relpath).name
    target.write_bytes((pkg / relpath).read_bytes())  # an identical file: only the link is wrong
    _link(pkg, relpath, target)
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert not [p for _, p in events if p.startswith(str(outside))]
    assert check_ids(result) & {"descriptor-invalid", "descriptor-unsafe-path", "package-symlink"}


def test_symlinked_dialect_is_refused(pkg: Path, tmp_path: Path) -> None:
    (tmp_path / "dialect.json").write_text('{"delimiter": ";"}', encoding="utf-8")
    (pkg / "resources/dialect.json").symlink_to(tmp_path / "dialect.json")
    edit_json(pkg / "datapackage.json",
              lambda d: next(r for r in d["resources"] if r["name"] == "units").update(dialect="resources/dialect.json"))
    for rules in ("released", "package"):
        result, events, _ = invoke("validate", str(pkg), "--format", "json", "--rules", rules)
        assert_clean(result, events, pkg)
        assert "descriptor-unsafe-path" in check_ids(result)


# -- 4. hangs and memory ---------------------------------------------------------------------

def _set_cell(pkg: Path, old: str, new: str, relpath: str = "resources/claims.csv") -> None:
    path = pkg / relpath
    data = path.read_text(encoding="utf-8")
    assert old in data
    path.write_text(data.replace(old, new, 1), encoding="utf-8")


QUOTE_C0047 = "新能源汽车及汽车零部件项目36个"


@pytest.mark.parametrize("cell", ["一" * 100_000, "一" * 1_000_000, "万" * 20_000, "一" * 16_000, "万" * 16_000,
                                  "1" * 16_000])
def test_pathological_quotes_end_fast(pkg: Path, cell: str) -> None:
    _set_cell(pkg, QUOTE_C0047, cell)
    result, events, seconds = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert seconds < 30, seconds
    assert check_ids(result) & {"limit-cell-length", "quote-mismatch", "value-not-in-quote"}


def test_a_million_columns_is_a_finding(pkg: Path) -> None:
    path = pkg / "resources/units.csv"
    lines = path.read_bytes().split(b"\n")
    lines[0] += b"," * 1_000_000
    path.write_bytes(b"\n".join(lines))
    result, events, seconds = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert "limit-columns" in check_ids(result) and seconds < 30


def test_oversized_csv_is_refused_before_reading(pkg: Path) -> None:
    path = pkg / "resources/claims.csv"
    with path.open("ab") as fh:
        fh.truncate(limits.MAX_CSV_BYTES + 1)  # over the bound by one byte (the file is never read)
    result, events, seconds = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert "limit-file-size" in check_ids(result) and seconds < 30


EVIL = "(a+)+$"


@pytest.mark.parametrize("where", ["table-schema", "expectation", "row-rule"])
def test_backtracking_patterns_run_in_linear_time(pkg: Path, where: str) -> None:
    _set_cell(pkg, "Phone number for submissions.", "a" * 34 + "!", "resources/exclusions.csv")
    if where == "table-schema":
        def change(doc):
            next(f for f in doc["fields"] if f["name"] == "reason")["constraints"]["pattern"] = EVIL
        edit_json(pkg / "schemas/exclusions.schema.json", change)
    elif where == "expectation":
        edit_json(pkg / "checks/exclusions.json", lambda d: d["expectations"].append(
            {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "reason", "regex": EVIL}}))
        edit_json(pkg / "checks/claims.json", lambda d: d["expectations"].append(
            {"type": "expect_column_values_to_match_linear_regex", "kwargs": {"column": "note", "regex": EVIL}}))
    else:
        edit_json(pkg / "schemas/records/exclusions.json",
                  lambda d: d.update(properties={"reason": {"pattern": EVIL}}))
    result, events, seconds = invoke("validate", str(pkg), "--format", "json", "--rules", "package")
    assert result.exit_code == 1 and seconds < 30, (result.output, seconds)
    assert_clean(result, events, pkg)


def test_findings_are_capped_per_check(pkg: Path) -> None:
    path = pkg / "resources/claims.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join([lines[0]] + [line.replace(",", ",x", 1) for line in lines[1:-1]] + [""]),
                    encoding="utf-8")
    result, events, _ = invoke("validate", str(pkg), "--max-findings", "3")
    assert_clean(result, events, pkg)
    assert "more [table-" in result.output


# -- 5. weakened rules -------------------------------------------------------------------------

@pytest.mark.parametrize("weaken", ["drop-foreign-key", "drop-row-rule", "drop-expectation", "inline-schema",
                                    "drop-table"])
def test_weakened_rules_do_not_pass(pkg: Path, weaken: str) -> None:
    if weaken == "drop-foreign-key":
        edit_json(pkg / "schemas/claims.schema.json", lambda d: d.pop("foreignKeys"))
    elif weaken == "drop-row-rule":
        (pkg / "schemas/records/events.json").unlink()
    elif weaken == "drop-expectation":
        edit_json(pkg / "checks/claims.json", lambda d: d["expectations"].pop())
    elif weaken == "inline-schema":
        edit_json(pkg / "datapackage.json", lambda d: next(r for r in d["resources"] if r["name"] == "claims")
                  .update(schema={"fields": [{"name": "claim_id", "type": "string"}]}))
    else:
        edit_json(pkg / "datapackage.json", lambda d: d.update(
            resources=[r for r in d["resources"] if r["name"] != "relations"]))
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert "rules-modified" in check_ids(result)


def test_modified_data_is_checked_with_the_released_rules(pkg: Path) -> None:
    edit_json(pkg / "schemas/claims.schema.json", lambda d: d.pop("foreignKeys"))
    _set_cell(pkg, "C0047,F0047,2023-hitech-zone-2022-review,605,621,", "C0047,no-such-article,605,621,")
    result, _, _ = invoke("validate", str(pkg), "--format", "json")
    assert {"rules-modified", "table-foreign-key"} <= check_ids(result)
    doc = json.loads(result.stdout)
    assert doc["rules"] == "released" and "schemas/claims.schema.json" in doc["release"]["modified"]
    packaged = json.loads(invoke("validate", str(pkg), "--format", "json", "--rules", "package")[0].stdout)
    assert packaged["rules"] == "package" and "rules-modified" not in packaged["counts"]


def test_report_names_the_release(pkg: Path) -> None:
    result, _, _ = invoke("validate", str(pkg))
    assert "copy: identical to release" in result.output
    _set_cell(pkg, "Phone number for submissions.", "Phone number for complaints.", "resources/exclusions.csv")
    result, _, _ = invoke("validate", str(pkg))
    assert "differs from release" in result.output and "modified: resources/exclusions.csv" in result.output


# -- 6. formula injection --------------------------------------------------------------------

@pytest.mark.parametrize("prefix", [" =", "\t=", "\u200b=", "＝", "\u3000+", "\ufeff@", " -", "\u034f=", "\u2800=",
                                    "\u115f=", "\u180b=", "\U000e0020=", "\u17b4=", "\r\n="])
def test_formula_injection_cannot_hide(pkg: Path, prefix: str) -> None:
    _set_cell(pkg, "Phone number for submissions.", f"{prefix}HYPERLINK(1)", "resources/exclusions.csv")
    result, events, _ = invoke("validate", str(pkg), "--format", "json", "--stage", "records")
    assert_clean(result, events, pkg)
    assert "record-formula-injection" in check_ids(result)


# -- 7. tracebacks and exit codes ------------------------------------------------------------

@pytest.mark.parametrize("raw", ['"description": "\\ud800"', '"description": NaN', '"bytes": 1e400',
                                 '"name": "a", "name": "b"'])
def test_non_standard_json_is_a_finding(pkg: Path, raw: str) -> None:
    path = pkg / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"description"', raw + ', "x_description"', 1),
                    encoding="utf-8")
    for fmt in ("text", "json"):
        result, events, _ = invoke("validate", str(pkg), "--format", fmt)
        assert_clean(result, events, pkg)
        assert "descriptor-invalid" in result.output


def test_deeply_nested_json_is_a_finding(pkg: Path) -> None:
    path = pkg / "checks/claims.json"
    path.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    result, events, _ = invoke("validate", str(pkg), "--rules", "package")
    assert_clean(result, events, pkg)
    assert "expectation-suite-invalid" in result.output


def test_relations_json_survives_huge_values(pkg: Path) -> None:
    path = pkg / "resources/claims.csv"
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.split("\n") if x.startswith("C0001,"))
    cells = line.split(",")
    path.write_text(text.replace(line, ",".join(cells[:5] + ["1000000000000"] + cells[6:]), 1), encoding="utf-8")
    for fmt in ("text", "json"):
        result, events, _ = invoke("relations", str(pkg), "--format", fmt)
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("defect", ["bom-articles", "damaged-articles-header", "duplicate-units-row",
                                    "inf-char-end", "nan-char-end", "bad-kwargs", "records-not-object",
                                    "records-bad-keyword", "schema-is-list", "suite-is-list", "duplicate-label",
                                    "header-only-units", "value-5000-digits", "value-base-exponent",
                                    "multiplier-exponent", "tolerance-exponent", "claims-is-a-folder"])
def test_data_defects_are_findings_not_crashes(pkg: Path, defect: str) -> None:
    rules = "released"
    if defect == "bom-articles":
        path = pkg / "resources/articles.csv"
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    elif defect == "header-only-units":
        path = pkg / "resources/units.csv"
        path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")
    elif defect == "value-5000-digits":
        _set_claim_cell(pkg, "C0001", "value", "9" * 5000)
    elif defect == "value-base-exponent":
        _set_claim_cell(pkg, "C0001", "value_base", "1e999999999")
    elif defect == "multiplier-exponent":
        path = pkg / "resources/units.csv"
        lines = path.read_text(encoding="utf-8").split("\n")
        cells = lines[1].split(",")
        cells[2] = "1e999999999"
        lines[1] = ",".join(cells)
        path.write_text("\n".join(lines), encoding="utf-8")
    elif defect == "tolerance-exponent":
        _set_cell(pkg, ",0.1,", ",1e999999999,", "resources/relations.csv")
    elif defect == "claims-is-a-folder":
        (pkg / "resources/claims.csv").unlink()
        (pkg / "resources/claims.csv").mkdir()
    elif defect == "duplicate-label":
        _set_cell(pkg, "label_zh,", "label_en,", "resources/indicators.csv")
    elif defect == "damaged-articles-header":
        _set_cell(pkg, "article_id,", "articel_id,", "resources/articles.csv")
    elif defect == "duplicate-units-row":
        path = pkg / "resources/units.csv"
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(lines[:2] + lines[1:]), encoding="utf-8")
    elif defect in ("inf-char-end", "nan-char-end"):
        _set_cell(pkg, "C0047,F0047,2023-hitech-zone-2022-review,605,621,",
                  f"C0047,F0047,2023-hitech-zone-2022-review,605,{'inf' if defect == 'inf-char-end' else 'NaN'},")
    elif defect == "bad-kwargs":
        rules = "package"
        edit_json(pkg / "checks/claims.json", lambda d: d["expectations"].append(
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": ["x"], "min_value": "a"}}))
    elif defect == "records-not-object":
        rules = "package"
        (pkg / "schemas/records/claims.json").write_text("[1, 2]", encoding="utf-8")
    elif defect == "records-bad-keyword":
        rules = "package"
        edit_json(pkg / "schemas/records/claims.json", lambda d: d.update(minProperties="many"))
    elif defect == "schema-is-list":
        rules = "package"
        (pkg / "schemas/units.schema.json").write_text("[]", encoding="utf-8")
    else:
        rules = "package"
        (pkg / "checks/units.json").write_text("[]", encoding="utf-8")
    result, events, _ = invoke("validate", str(pkg), "--format", "json", "--rules", rules)
    assert_clean(result, events, pkg)
    assert json.loads(result.stdout)["findings"]


def _set_claim_cell(pkg: Path, claim_id: str, column: str, value: str) -> None:
    import csv
    import io

    path = pkg / "resources/claims.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    col = rows[0].index(column)
    next(r for r in rows if r[0] == claim_id)[col] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_huge_values_in_relations_output(pkg: Path) -> None:
    _set_claim_cell(pkg, "C0001", "value", "9" * 5000)
    for fmt in ("text", "json"):
        result, events, seconds = invoke("relations", str(pkg), "--format", fmt)
        assert result.exit_code in (0, 1) and "Traceback" not in result.output and seconds < 30, result.output


def test_suite_parameters_are_refused(pkg: Path) -> None:
    edit_json(pkg / "checks/claims.json", lambda d: d["expectations"].append(
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "char_start", "min_value": {"$PARAMETER": "9^9^9^9"}}}))
    result, events, seconds = invoke("validate", str(pkg), "--format", "json", "--rules", "package")
    assert_clean(result, events, pkg)
    assert "expectation-unsafe" in check_ids(result) and seconds < 30


@pytest.mark.parametrize("relpath", ["resources/units.csv", "resources/articles/2022-xijiang-daily-cluster-zone.txt"])
def test_a_fifo_is_never_opened(pkg: Path, relpath: str) -> None:
    (pkg / relpath).unlink()
    os.mkfifo(pkg / relpath)
    result, events, seconds = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert "descriptor-unsafe-path" in check_ids(result) and seconds < 30


def test_huge_json_integer_is_a_finding(pkg: Path) -> None:
    path = pkg / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"bytes": ', '"bytes": ' + "9" * 100_000 + ', "x": ', 1),
                    encoding="utf-8")
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert "descriptor-invalid" in check_ids(result)


def test_wide_data_rows_are_a_finding(pkg: Path) -> None:
    with (pkg / "resources/claims.csv").open("a", encoding="utf-8") as fh:
        fh.write(",".join(["1"] * 1_000_000) + "\n")
    result, events, seconds = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert "limit-columns" in check_ids(result) and seconds < 30


@pytest.mark.parametrize("target", ["schemas/records/units.json", "schemas/datapackage.extension.json"])
def test_exponential_schemas_are_refused(pkg: Path, target: str) -> None:
    defs = {f"a{i}": {"anyOf": [{"$ref": f"#/$defs/a{i + 1}"}, {"$ref": f"#/$defs/a{i + 1}"}]} for i in range(30)}
    defs["a30"] = {"not": {}}
    edit_json(pkg / target, lambda d: d.update({"$defs": defs, "allOf": [{"$ref": "#/$defs/a0"}]}))
    result, events, seconds = invoke("validate", str(pkg), "--format", "json", "--rules", "package")
    assert_clean(result, events, pkg)
    assert check_ids(result) & {"rules-invalid", "descriptor-extension"} and seconds < 30


def test_retyping_a_column_does_not_hide_a_formula(pkg: Path) -> None:
    def retype(doc):
        next(f for f in doc["fields"] if f["name"] == "note")["type"] = "any"
    edit_json(pkg / "schemas/claims.schema.json", retype)
    _set_claim_cell(pkg, "C0001", "note", '=HYPERLINK("http://127.0.0.1:9/x","click")')
    result, events, _ = invoke("validate", str(pkg), "--format", "json", "--rules", "package", "--stage", "records")
    assert_clean(result, events, pkg)
    assert "record-formula-injection" in check_ids(result)


@pytest.mark.parametrize("path", [["resources/units.csv"], {"a": 1}])
def test_a_path_that_is_not_a_string_is_a_finding(pkg: Path, path) -> None:
    edit_json(pkg / "datapackage.json",
              lambda d: next(r for r in d["resources"] if r["name"] == "units").update(path=path))
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert "descriptor-unsafe-path" in check_ids(result)


def test_many_long_spans_over_a_large_text_stay_fast(pkg: Path) -> None:
    import csv
    import hashlib
    import io

    text_path = pkg / "resources/articles/2023-hitech-zone-2022-review.txt"
    text_path.write_bytes(b"a" * (2 * 1024 * 1024 - 10))
    path = pkg / "resources/claims.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    h = rows[0]
    template = next(r for r in rows if r[0] == "C0047")
    extra = []
    for i in range(5000):
        r = list(template)
        r[0], r[h.index("char_start")], r[h.index("char_end")], r[h.index("quote")] = f"C9{i:04d}", "0", "2097142", "a"
        extra.append(r)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows + extra)
    path.write_text(out.getvalue(), encoding="utf-8")
    _ = hashlib  # the hashes stay stale on purpose: the run must still be fast
    result, events, seconds = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert seconds < 40, seconds


def test_internal_error_has_its_own_exit_code(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zqclaims.stages import coverage

    def broken(_pkg):
        raise ZeroDivisionError("simulated bug")
    monkeypatch.setattr(coverage, "run", broken)
    result = run("validate", str(pkg))
    assert result.exit_code == 4
    assert "internal error" in result.stderr and "report it" in result.stderr
    assert "Traceback" not in result.output + result.stderr


# -- 9. paths ------------------------------------------------------------------------------

@pytest.mark.parametrize("arg", ["README.md", "", "nowhere", "src"])
@pytest.mark.parametrize("command", ["validate", "relations", "fmt"])
def test_a_path_that_is_not_a_package_is_a_usage_error(command: str, arg: str) -> None:
    result = run(command, str(ROOT / arg) if arg else "")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_datapackage_json_itself_is_accepted() -> None:
    assert run("validate", str(ROOT / "datapackage.json")).exit_code == 0


# -- 10. findings name the editor line and the record key ---------------------------------

def test_line_numbers_follow_multiline_cells(pkg: Path) -> None:
    path = pkg / "resources/claims.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    i = next(n for n, x in enumerate(lines) if x.startswith("C0003,"))
    cells = lines[i].split(",")
    lines[i] = lines[i].replace(cells[-1], '"first line\nsecond line"', 1) if cells[-1] else lines[i]
    path.write_text("\n".join(lines), encoding="utf-8")
    _set_cell(pkg, "C0047,F0047,2023-hitech-zone-2022-review,605,621,", "C0047,F0047,2023-hitech-zone-2022-review,606,622,")
    doc = json.loads(run("validate", str(pkg), "--format", "json", "--stage", "quotes").stdout)
    mismatch = next(f for f in doc["findings"] if f["check_id"] == "quote-mismatch")
    editor_line = path.read_text(encoding="utf-8").split("\n").index(
        next(x for x in path.read_text(encoding="utf-8").split("\n") if x.startswith("C0047,"))) + 1
    assert mismatch["line"] == editor_line and mismatch["key"] == "claim_id C0047"


def test_a_partial_run_never_says_valid(pkg: Path) -> None:
    _set_claim_cell(pkg, "C0001", "char_start", "not-a-number")
    result = run("validate", str(pkg), "--stage", "release")
    assert "partial: no findings in the stages run" in result.output and "valid: all checks passed" not in result.output
    assert json.loads(run("validate", str(pkg), "--stage", "release", "--format", "json").stdout)["complete"] is False


def test_a_table_declared_as_text_is_a_finding(pkg: Path) -> None:
    edit_json(pkg / "datapackage.json", lambda d: next(r for r in d["resources"] if r["name"] == "claims")
              .update(type="text"))
    for rules in ("released", "package"):
        result, events, _ = invoke("validate", str(pkg), "--format", "json", "--rules", rules)
        assert_clean(result, events, pkg)


def test_fmt_on_an_oversized_csv_is_a_clean_error(pkg: Path) -> None:
    _set_claim_cell(pkg, "C0001", "statement_en", "x" * 9_000_000)
    result = run("fmt", str(pkg))
    assert result.exit_code == 3 and "Traceback" not in result.output, result.output


def test_many_suites_and_shared_texts_stay_bounded(pkg: Path) -> None:
    suite = (pkg / "checks/claims.json").read_text(encoding="utf-8")
    for i in range(200):
        (pkg / f"checks/s{i:03d}.json").write_text(suite, encoding="utf-8")
    path = pkg / "resources/articles.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    extra = [lines[1].replace(lines[1].split(",")[0], f"copy-{i}", 1) for i in range(2000)]
    path.write_text("\n".join(lines[:-1] + extra + [""]), encoding="utf-8")
    result, events, seconds = invoke("validate", str(pkg), "--format", "json", "--rules", "package")
    assert_clean(result, events, pkg)
    assert "expectation-suite-invalid" in check_ids(result) and seconds < 45, seconds


# -- every new check id is produced by its defect ----------------------------------------

def test_an_interrupted_fmt_is_reported(pkg: Path) -> None:
    (pkg / ".zqclaims-fmt-journal.json").write_text('{"renames": []}', encoding="utf-8")
    (pkg / "resources/.units.csv.zqclaims-tmp").write_bytes(b"x")
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert json.loads(result.stdout)["counts"].get("fmt-interrupted") == 2


def test_too_many_rows_is_a_finding(pkg: Path) -> None:
    path = pkg / "resources/units.csv"
    head = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(head + b"\n" + b"".join(b"u%d,count,1,x\n" % i for i in range(limits.MAX_ROWS + 1)))
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert {"limit-rows", "run-stopped"} <= check_ids(result)


def test_too_many_cells_is_a_finding(pkg: Path) -> None:
    """A table of tiny cells: fewer rows than the row limit, but rows x columns over the cell limit."""
    path = pkg / "resources/units.csv"
    width = limits.MAX_COLUMNS
    rows = limits.MAX_CELLS // width + 1
    assert rows <= limits.MAX_ROWS
    header = b",".join(b"c%d" % i for i in range(width))
    path.write_bytes(header + b"\n" + (b"," * (width - 1) + b"\n") * rows)
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert {"limit-rows", "run-stopped"} <= check_ids(result)
    assert any("cells" in f["message"] for f in json.loads(result.output)["findings"])


def test_too_many_files_is_a_finding(pkg: Path) -> None:
    extra = pkg / "resources/extra"
    extra.mkdir()
    for i in range(limits.MAX_FILES + 1):
        (extra / f"{i}.txt").touch()
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert "limit-files" in check_ids(result)


def test_a_missing_archived_text_is_a_finding(pkg: Path) -> None:
    (pkg / "resources/articles/2022-xijiang-daily-cluster-zone.txt").unlink()
    result, events, _ = invoke("validate", str(pkg), "--format", "json")
    assert_clean(result, events, pkg)
    assert check_ids(result) == {"provenance-missing-text", "quote-unknown-article", "table-scheme-error"}


def test_a_pattern_re2_refuses_is_a_finding(pkg: Path) -> None:
    def change(doc):
        next(f for f in doc["fields"] if f["name"] == "reason")["constraints"]["pattern"] = "(a)\\1"
    edit_json(pkg / "schemas/exclusions.schema.json", change)
    result, events, _ = invoke("validate", str(pkg), "--format", "json", "--rules", "package")
    assert_clean(result, events, pkg)
    assert "rules-unsafe-pattern" in check_ids(result)


def test_a_blocked_operation_is_a_finding(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zqclaims.stages import coverage

    def hostile(_pkg):
        os.system("true")
        yield from ()
    monkeypatch.setattr(coverage, "run", hostile)
    result = run("validate", str(pkg), "--format", "json")
    assert result.exit_code == 1, result.output
    assert "unsafe-operation-blocked" in check_ids(result)
