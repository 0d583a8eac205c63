"""The scale generator and the set-based shortcuts that make large corpora fast.

Speed itself is measured in benchmarks/bench.py, never asserted here; these tests
prove that the shortcuts decide exactly what the slow paths decide."""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

import pandas as pd
import pytest

from zqclaims import package
from zqclaims.regex import schema_validator
from zqclaims.rowrules import cast, passing_rows
from zqclaims.stages.records import _types
from zqclaims.validate import validate

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import scale  # noqa: E402


def test_an_n_fold_corpus_validates_clean_and_a_broken_offset_is_reported(tmp_path: Path) -> None:
    out = tmp_path / "n3"
    scale.build(3, ROOT, out)
    report = validate(out)
    assert report.findings == []
    claims = out / "resources/claims.csv"
    rows = list(csv.reader(io.StringIO(claims.read_text(encoding="utf-8"), newline="")))
    col = rows[0].index("article_id")
    victim = next(i for i, r in enumerate(rows) if r[col].endswith("-k3"))
    rows[victim][col + 1] = str(int(rows[victim][col + 1]) + 1)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    claims.write_text(buf.getvalue(), encoding="utf-8")
    found = {(f.check_id, f.key) for f in validate(out).findings}
    assert ("quote-mismatch", f"claim_id {rows[victim][0]}") in found


def test_copy_one_of_a_one_fold_corpus_is_the_shipped_package(tmp_path: Path) -> None:
    out = tmp_path / "n1"
    scale.build(1, ROOT, out)
    for path in sorted((ROOT / "resources").rglob("*")):
        if path.is_file():
            assert (out / path.relative_to(ROOT)).read_bytes() == path.read_bytes(), path


def test_row_rules_never_pass_a_row_the_validator_rejects() -> None:
    """Differential: rows mutated at random; wherever the set-based evaluation says a row
    passes, the full JSON Schema validator finds no error in it."""
    pkg = package.load(ROOT)
    rng = random.Random(20261122)
    pool = ["", "true", "false", "0", "1", "-1", "2.5", "x", "more_than", "at_least", "exact", "approx", "plan",
            "actual", "target", "count", "CNY", "1/3", "2022-01-01", "2022", "day", "year", "month"]
    checked = rejected = 0
    for name in pkg.tabular():
        if not pkg.rule_exists(f"schemas/records/{name}.json"):
            continue  # no row rules for this resource
        rule = pkg.rule_json(f"schemas/records/{name}.json")
        df = pkg.frame(name)
        types = _types(pkg, name)
        rows = [df.iloc[rng.randrange(len(df))].copy() for _ in range(300)]
        for r in rows:
            for col in rng.sample(list(df.columns), k=min(4, len(df.columns))):
                r[col] = rng.choice(pool)
        mutated = pd.DataFrame(rows, columns=df.columns).astype(str)
        passing = passing_rows(rule, mutated, types)
        assert passing is not None, name
        validator = schema_validator(rule)
        for ok, record in zip(passing, mutated.to_dict("records")):
            doc = {k: cast(v, types.get(k, "string")) for k, v in record.items() if v != ""}
            errors = list(validator.iter_errors(doc))
            if ok:
                assert not errors, (name, record)
            rejected += bool(errors)
            checked += 1
    assert checked == 2700 and rejected > 100  # the mutations really do break rules


def test_a_rule_with_keywords_the_shortcut_does_not_model_is_validated_row_by_row() -> None:
    df = pd.DataFrame({"a": ["1", ""]}, dtype=str)
    assert passing_rows({"dependentRequired": {"a": ["b"]}}, df, {}) is None
    assert passing_rows({"additionalProperties": False}, df, {}) is None
    assert list(passing_rows({"required": ["a"]}, df, {})) == [True, False]


def test_key_and_vocabulary_columns_keep_one_object_per_value_across_chunks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pooling saves memory on large tables; it must never change a cell, nor pool free text."""
    out = tmp_path / "n3"
    scale.build(3, ROOT, out)
    monkeypatch.setattr(package, "CHUNK", 200)  # two chunks of a small table
    claims = package.load(out).frame("claims")
    raw = list(csv.reader(io.StringIO((out / "resources/claims.csv").read_text(encoding="utf-8"), newline="")))
    assert claims.columns.tolist() == raw[0]
    assert claims.to_numpy().tolist() == raw[1:]  # not one cell changed
    chunks = [claims.iloc[i:i + package.CHUNK] for i in range(0, len(claims), package.CHUNK)]
    for column in ("article_id", "indicator_id"):  # foreign keys: one object per value in the whole table
        ids = {v: {id(x) for c in chunks for x in c[column].to_numpy() if x == v} for v in claims[column]}
        assert all(len(objects) == 1 for objects in ids.values()), column
    notes = [x for x in claims["statement_en"].to_numpy()]  # free text: one object per cell, as csv made it
    assert len({id(x) for x in notes}) == len(notes)


def test_a_run_leaves_the_garbage_collector_as_it_found_it() -> None:
    """The run freezes what each stage leaves (fewer full collections); nothing stays frozen after."""
    import gc

    assert gc.get_freeze_count() == 0
    assert validate(ROOT).valid
    assert gc.get_freeze_count() == 0
    keep = [object() for _ in range(10)]
    gc.freeze()  # a caller that manages the collector itself keeps its own setting
    try:
        frozen = gc.get_freeze_count()
        assert validate(ROOT).valid
        assert gc.get_freeze_count() <= frozen  # objects freed may leave; none was added
    finally:
        gc.unfreeze()
    del keep


def test_great_expectations_lets_go_of_the_frames_it_validated() -> None:
    """GX's data source keeps every batch it has seen; at 1000x those copies cost a table's worth."""
    import gc

    from great_expectations.execution_engine.pandas_batch_data import PandasBatchData

    from zqclaims.stages import expectations

    pkg = package.load(ROOT)
    assert list(expectations.run(pkg)) == []
    gc.collect()
    assert [o for o in gc.get_objects() if isinstance(o, PandasBatchData)] == []


def test_the_fast_id_order_is_the_order_of_python_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """facts.id_order sorts short ids as a numpy array; it must rank exactly as (len, str) does."""
    from zqclaims import facts

    rng = random.Random(7)
    alphabet = ["C", "0", "1", "9", "\x00", "\x01", "é", "中", "\U0001f600", " ", "-"]
    for _ in range(200):
        ids = pd.Series(["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
                         for _ in range(rng.randint(1, 40))])
        want = sorted(range(len(ids)), key=lambda i: (len(ids[i]), ids[i], i))  # stable among equal ids
        got = facts.id_order(ids)
        assert sorted(range(len(ids)), key=lambda i: got[i]) == want, ids.tolist()
    monkeypatch.setattr(facts, "FAST_ID_BYTES", 16)  # over the budget: the string sort, same order
    assert facts.id_order(pd.Series(["C00", "C1", "C0"])).tolist() == [2, 1, 0]


def test_a_failed_expectation_still_names_its_line(tmp_path: Path) -> None:
    """Suites run pass-or-fail first; a suite with a failure runs again for the rows, so the
    finding points at the record as before."""
    from .conftest import copy_package

    pkg = copy_package(tmp_path / "pkg")
    claims = pkg / "resources/claims.csv"
    text = claims.read_text(encoding="utf-8")
    old = 'in reaching production capacity of more than 150,000 vehicles."'
    assert text.count(old) == 1
    claims.write_text(text.replace(old, old[:-2] + '"'), encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1  # no cell before it spans lines in this file
    failed = [f for f in validate(pkg).findings if f.check_id == "expectation-failed"]
    assert [(f.resource, f.line, f.field) for f in failed] == [("resources/claims.csv", line, "statement_en")]


def test_parsing_pauses_the_collector_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    seen = []
    real = package.Package._parse_csv

    def spy(self, name):
        seen.append(gc.isenabled())
        return real(self, name)

    monkeypatch.setattr(package.Package, "_parse_csv", spy)
    pkg = package.load(ROOT)
    assert gc.isenabled()
    pkg.frame("claims")
    assert seen == [False] and gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        pkg.frame("units")
        assert seen == [False, False] and not gc.isenabled()
    finally:
        gc.enable()
