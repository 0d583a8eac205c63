"""zqclaims fmt on untrusted packages: lossless, never touches archived texts,
atomic for the whole package, refuses to refresh hashes over damage, and turns
hostile input into an error instead of a traceback."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from zqclaims import fmt, package
from zqclaims.validate import validate

from .conftest import run

TEXT = "resources/articles/2022-01-11-nanfangplus-capital-increase.txt"
TEXT_RESOURCE = "text-2022-01-11-nanfangplus-capital-increase"


# -- helpers ---------------------------------------------------------------

def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode)
            for p in sorted(root.rglob("*")) if p.is_file()}


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    """Minimal quoting written by hand (csv.writer leaves a lone CR unquoted)."""
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v
    path.write_bytes("".join(",".join(cell(v) for v in r) + "\n" for r in rows).encode("utf-8"))


def set_cell(root: Path, relpath: str, key: str, column: str, value: str) -> None:
    path = root / relpath
    rows = read_rows(path)
    col = rows[0].index(column)
    row = next(r for r in rows[1:] if r[0] == key)
    row[col] = value
    write_rows(path, rows)


def descriptor(root: Path) -> dict:
    return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))


def reverse_units(root: Path) -> bytes:
    """Change a note (so the hash changes) and reverse the rows; returns the canonical bytes."""
    set_cell(root, "resources/units.csv", "%", "note", "per cent")
    path = root / "resources/units.csv"
    original = path.read_bytes()
    lines = original.split(b"\n")
    path.write_bytes(b"\n".join([lines[0]] + list(reversed(lines[1:-1]))) + b"\n")
    return original


def assert_clean_error(result, *needles: str) -> None:
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Error:" in result.stderr and "Hint:" in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


# -- lossless --------------------------------------------------------------

@pytest.mark.parametrize("inside", ["\r", "\r\n"], ids=["bare-cr", "crlf"])
def test_line_breaks_inside_a_cell_survive_byte_for_byte(inside: str, pkg: Path) -> None:
    set_cell(pkg, "resources/claims.csv", "C0003", "note", f"first line{inside}second line")
    written = (pkg / "resources/claims.csv").read_bytes()
    set_cell(pkg, "resources/claims.csv", "C0003", "quote_zh_hans", "")  # fmt derives it again
    first = run("fmt", str(pkg))
    assert first.exit_code == 0, first.output
    assert (pkg / "resources/claims.csv").read_bytes() == written
    rows = read_rows(pkg / "resources/claims.csv")
    note = rows[0].index("note")
    assert next(r for r in rows if r[0] == "C0003")[note] == f"first line{inside}second line"
    before = snapshot(pkg)
    second = run("fmt", str(pkg))
    assert second.exit_code == 0 and second.stdout.strip() == "already canonical"
    assert snapshot(pkg) == before
    assert validate(pkg).valid


# -- archived texts --------------------------------------------------------

def test_an_article_text_declared_as_a_table_is_refused(pkg: Path) -> None:
    desc = descriptor(pkg)
    res = next(r for r in desc["resources"] if r["name"] == TEXT_RESOURCE)
    res.update(type="table", format="csv", mediatype="text/csv", schema={"fields": []})
    (pkg / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    before = snapshot(pkg)
    for args in (["fmt", str(pkg)], ["fmt", "--force", str(pkg)], ["fmt", "--check", str(pkg)]):
        assert_clean_error(run(*args), f"resource '{TEXT_RESOURCE}'", "archived article text")
    assert snapshot(pkg) == before


def test_a_non_csv_path_declared_as_a_table_is_refused(pkg: Path) -> None:
    desc = descriptor(pkg)
    desc["resources"][1]["path"] = "resources/claims.tsv"
    (pkg / "resources/claims.csv").rename(pkg / "resources/claims.tsv")
    (pkg / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    before = snapshot(pkg)
    assert_clean_error(run("fmt", "--force", str(pkg)), "resource 'claims'", "not a .csv file")
    assert snapshot(pkg) == before


# -- refusing to hide damage -----------------------------------------------

def test_a_damaged_copy_is_refused_and_force_proceeds(pkg: Path) -> None:
    set_cell(pkg, "resources/claims.csv", "C0003", "value", "76")
    path = pkg / "resources/claims.csv"
    path.write_bytes(path.read_bytes().replace(b"\nC0002,", b"\nC0001,", 1))
    before = snapshot(pkg)
    refused = run("fmt", str(pkg))
    assert refused.exit_code == 1, refused.output
    assert "Traceback" not in refused.output
    assert "fmt refused: 8 finding(s)" in refused.stderr
    assert "resources/claims.csv:3 (claim_id C0001) [table-primary-key]" in refused.stderr
    assert "resources/claims.csv:4 (claim_id C0003) [value-base]" in refused.stderr
    assert "fix these first, or pass --force if you have checked that the changes are intended" in refused.stderr
    assert snapshot(pkg) == before
    assert {"table-hash-count"} <= validate(pkg).check_ids()
    forced = run("fmt", "--force", str(pkg))
    assert forced.exit_code == 0, forced.output
    assert "rewrote datapackage.json" in forced.stdout
    assert "table-hash-count" not in validate(pkg).check_ids()


def test_refusal_lists_twenty_findings_then_a_count(pkg: Path) -> None:
    path = pkg / "resources/claims.csv"
    rows = read_rows(path)
    col = rows[0].index("value")
    for r in rows[1:31]:
        r[col] = "9999"
    write_rows(path, rows)
    result = run("fmt", str(pkg))
    assert result.exit_code == 1
    listed = [line for line in result.stderr.splitlines() if line.startswith("  ") and "[" in line]
    assert len(listed) == 20
    tail = [line.strip() for line in result.stderr.splitlines()]
    assert any(line.startswith("and ") and line.endswith(" more") for line in tail)


def test_a_new_article_gets_its_empty_hash_cells_filled(pkg: Path) -> None:
    article = "2022-01-11-nanfangplus-capital-increase"
    set_cell(pkg, "resources/articles.csv", article, "sha256", "")
    set_cell(pkg, "resources/articles.csv", article, "char_count", "")
    result = run("fmt", str(pkg))
    assert result.exit_code == 0, result.output
    assert validate(pkg).valid


def test_a_changed_hash_cell_is_never_overwritten(pkg: Path) -> None:
    set_cell(pkg, "resources/articles.csv", "2022-01-11-nanfangplus-capital-increase", "sha256", "0" * 64)
    before = snapshot(pkg)
    result = run("fmt", str(pkg))
    assert result.exit_code == 1 and "provenance-hash" in result.stderr
    assert snapshot(pkg) == before
    assert run("fmt", "--force", str(pkg)).exit_code == 0
    assert "0" * 64 in (pkg / "resources/articles.csv").read_text(encoding="utf-8")


# -- hostile input: an error, never a traceback, nothing written -----------

def _big_cell(root: Path) -> None:
    set_cell(root, "resources/claims.csv", "C0003", "note", "x" * (200 * 1024))


def _list_schema(root: Path) -> None:
    (root / "schemas/units.schema.json").write_text("[]\n", encoding="utf-8")


def _deep_json(root: Path) -> None:
    raw = (root / "datapackage.json").read_text(encoding="utf-8")
    (root / "datapackage.json").write_text(raw.replace("{", '{"deep": ' + "[" * 10_000 + "]" * 10_000 + ",", 1),
                                           encoding="utf-8")


def _duplicate_key(root: Path) -> None:
    raw = (root / "datapackage.json").read_text(encoding="utf-8")
    (root / "datapackage.json").write_text(raw.replace("{", '{"name": "other",', 1), encoding="utf-8")


def _huge_number(root: Path) -> None:
    raw = (root / "datapackage.json").read_text(encoding="utf-8")
    (root / "datapackage.json").write_text(raw.replace("{", '{"x-size": 1e400,', 1), encoding="utf-8")


HOSTILE = {
    "cell-over-limit": (_big_cell, "resources/claims.csv: line 4"),
    "schema-is-a-list": (_list_schema, "schemas/units.schema.json: a Table Schema must be a JSON object"),
    "deep-json": (_deep_json, "datapackage.json: nested deeper than"),
    "duplicate-key": (_duplicate_key, "datapackage.json: duplicate key 'name'"),
    "number-overflow": (_huge_number, "datapackage.json: number 1e400"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_is_a_clean_error_and_nothing_is_written(case: str, pkg: Path) -> None:
    damage, message = HOSTILE[case]
    damage(pkg)
    before = snapshot(pkg)
    for args in (["fmt", str(pkg)], ["fmt", "--force", str(pkg)], ["fmt", "--check", str(pkg)]):
        assert_clean_error(run(*args), message)
    assert snapshot(pkg) == before


def test_nan_in_a_numeric_key_sorts_after_the_numbers(pkg: Path) -> None:
    set_cell(pkg, "resources/relation_members.csv", "R0001", "position", "NaN")  # the first R0001 row
    before = snapshot(pkg)
    check = run("fmt", "--check", str(pkg))
    assert check.exit_code == 1 and "would rewrite resources/relation_members.csv" in check.stdout
    refused = run("fmt", str(pkg))  # the validator reports a type error, which fmt does not repair
    assert refused.exit_code == 1 and "Traceback" not in refused.output and "table-type-error" in refused.stderr
    assert snapshot(pkg) == before
    assert run("fmt", "--force", str(pkg)).exit_code == 0
    r0001 = [r[1] for r in read_rows(pkg / "resources/relation_members.csv") if r[0] == "R0001"]
    assert r0001 == ["2", "3", "NaN"]


def test_an_internal_error_exits_4_without_a_traceback(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(fmt, "_plan", boom)
    result = run("fmt", str(pkg))
    assert result.exit_code == 4
    assert "Error: internal error in zqclaims fmt" in result.stderr and "RuntimeError: simulated bug" in result.stderr
    assert "report" in result.stderr and "Traceback" not in result.output


# -- file modes and atomicity ----------------------------------------------

@pytest.mark.parametrize("mode", [0o644, 0o664])
def test_rewritten_files_keep_their_mode(mode: int, pkg: Path) -> None:
    reverse_units(pkg)
    for rel in ("resources/units.csv", "datapackage.json"):
        os.chmod(pkg / rel, mode)
    assert run("fmt", str(pkg)).exit_code == 0
    for rel in ("resources/units.csv", "datapackage.json"):
        assert (pkg / rel).stat().st_mode & 0o7777 == mode


def test_a_killed_run_is_completed_by_the_next(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = reverse_units(pkg)
    real_replace, calls = os.replace, []

    def dies_after_first(src: object, dst: object) -> None:
        if calls:
            raise KeyboardInterrupt
        calls.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dies_after_first)
    with pytest.raises(KeyboardInterrupt):
        fmt.format_package(package.load(pkg))
    monkeypatch.setattr(os, "replace", real_replace)
    assert len(calls) == 1
    left = fmt.interrupted(pkg)
    assert ".zqclaims-fmt-journal.json" in left and "resources/.units.csv.zqclaims-tmp" in left
    assert run("fmt", "--check", str(pkg)).exit_code == 1  # --check reports, never repairs
    assert fmt.interrupted(pkg) == left
    result = run("fmt", str(pkg))
    assert result.exit_code == 0, result.output
    assert fmt.interrupted(pkg) == []
    assert not [p for p in pkg.rglob("*") if "zqclaims-tmp" in p.name or "journal" in p.name]
    assert (pkg / "resources/units.csv").read_bytes() == original
    assert validate(pkg).valid


def test_stray_temp_files_are_reported_and_removed(pkg: Path) -> None:
    stray = pkg / "resources/.claims.csv.zqclaims-tmp"
    stray.write_bytes(b"half a file")
    assert fmt.interrupted(pkg) == ["resources/.claims.csv.zqclaims-tmp"]
    assert run("fmt", str(pkg)).exit_code == 0
    assert not stray.exists() and fmt.interrupted(pkg) == []


def test_a_planted_journal_cannot_overwrite_an_archived_text(pkg: Path) -> None:
    text = pkg / TEXT
    tmp = text.with_name(f".{text.name}.zqclaims-tmp")
    tmp.write_bytes(b"forged evidence")
    (pkg / ".zqclaims-fmt-journal.json").write_text(json.dumps(
        {"renames": [{"temp": tmp.relative_to(pkg).as_posix(), "target": TEXT}]}), encoding="utf-8")
    before = text.read_bytes()
    assert_clean_error(run("fmt", str(pkg)), "not a file fmt writes")
    assert text.read_bytes() == before


# -- --check ---------------------------------------------------------------

def test_check_lists_changes_and_writes_nothing(pkg: Path) -> None:
    clean = run("fmt", "--check", str(pkg))
    assert clean.exit_code == 0 and clean.stdout.strip() == "already canonical"
    reverse_units(pkg)
    before = snapshot(pkg)
    dirty = run("fmt", "--check", str(pkg))
    assert dirty.exit_code == 1
    assert dirty.stdout.splitlines() == ["would rewrite datapackage.json", "would rewrite resources/units.csv"]
    assert str(pkg) not in dirty.output
    assert snapshot(pkg) == before


def test_check_does_not_refuse_on_findings(pkg: Path) -> None:
    set_cell(pkg, "resources/claims.csv", "C0003", "value", "76")
    before = snapshot(pkg)
    result = run("fmt", "--check", str(pkg))
    assert result.exit_code == 1 and result.stdout.splitlines() == ["would rewrite datapackage.json"]
    assert snapshot(pkg) == before


def test_signals_during_the_rename_phase_wait_until_it_ends() -> None:
    import signal

    from zqclaims.transaction import deferred_signals

    done = []
    with pytest.raises(KeyboardInterrupt):
        with deferred_signals():
            signal.raise_signal(signal.SIGINT)
            done.append("renamed")  # not interrupted half-way
    assert done == ["renamed"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# -- the canonical writer itself -------------------------------------------

def test_the_writer_refuses_what_would_not_read_back() -> None:
    from zqclaims.csvcanon import read_table, write_rows as canonical_rows
    from zqclaims.findings import CouldNotRun

    with pytest.raises(CouldNotRun, match="would not survive"):
        canonical_rows(["\ufeffid", "note"], [["1", "x"]], "t.csv")  # a second BOM is stripped on reading
    data = canonical_rows(["id"], [[""], ["a\rb"], ['say "hi", then\r\nleave']], "t.csv")
    assert data == b'id\n""\n"a\rb"\n"say ""hi"", then\r\nleave"\n'
    assert read_table(data, "t.csv").body == [[""], ["a\rb"], ['say "hi", then\r\nleave']]


# -- the fast proof of canonical bytes (read while the validator parses) -----

CANONICAL = b'claim_id,note\nC0001,"a, b"\nC0002,"said ""yes"""\nC0003,"two\nlines"\nC0004,\n'


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf" + CANONICAL,                                  # byte-order mark
    CANONICAL.replace(b"\n", b"\r\n"),                            # CRLF
    CANONICAL.replace(b"C0004,\n", b"C0004,\r\n"),                # one CR
    CANONICAL.replace(b"C0001,", b'"C0001",'),                    # quotes not needed
    CANONICAL.replace(b"C0004,\n", b"C0004\n"),                   # a short record
    CANONICAL.replace(b"C0004,\n", b"C0004,,\n"),                 # a long record
    CANONICAL + b"\n",                                            # a blank line
    CANONICAL[:-1],                                               # no final newline
    CANONICAL.replace(b"claim_id,note", b"claim_id,claim_id"),    # a repeated label
    b"",                                                          # nothing
], ids=["bom", "crlf", "cr", "quoted", "short", "long", "blank", "no-newline", "label", "empty"])
def test_the_fast_canonical_proof_refuses_every_deviation(data: bytes, tmp_path: Path) -> None:
    assert not _parsed(tmp_path, data).canonical_bytes
    assert _parsed(tmp_path, CANONICAL).canonical_bytes  # and holds on the canonical bytes


def _parsed(root: Path, data: bytes) -> package.Table:
    (root / "t.csv").write_bytes(data)
    pkg = package.Package(root, {"resources": [{"name": "t", "path": "t.csv", "type": "table"}]})
    return pkg.table("t")
