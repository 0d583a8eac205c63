"""The Excel workbook reads back with the right sheets, types and counts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

from zqclaims.build import dataset, workbook  # noqa: E402

from .conftest import ROOT  # noqa: E402


@pytest.fixture(scope="module")
def ds() -> dataset.Dataset:
    return dataset.load(ROOT)


@pytest.fixture(scope="module")
def book(ds, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "book.xlsx"
    workbook.write(path, ds)
    return path


def sheet_rows(ws) -> tuple[list[str], list[list]]:
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), [list(r) for r in rows[1:]]


def test_sheets_and_counts(ds, book) -> None:
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["About", "Data dictionary", *ds.tables]
    for name, frame in ds.tables.items():
        header, rows = sheet_rows(wb[name])
        assert header == list(frame.columns), name
        assert len(rows) == len(frame), name
        assert wb[name].freeze_panes == "A2" and wb[name].auto_filter.ref, name
    about = {r[0]: r[1] for r in wb["About"].iter_rows(values_only=True) if r[0]}
    assert about["Version"] == ds.version and about["How to cite"] == ds.citation
    assert "resources/articles/" in about["Source texts"]
    assert about["claims"] == len(ds.tables["claims"])


def test_data_dictionary_has_every_field(ds, book) -> None:
    _, rows = sheet_rows(openpyxl.load_workbook(book)["Data dictionary"])
    expected = [(t, f["name"], f.get("type", "string")) for t, s in ds.schemas.items() for f in s["fields"]]
    assert [(r[0], r[1], r[2]) for r in rows] == expected
    assert all(r[4] for r in rows)


def test_cells_are_typed_by_the_schema(ds, book) -> None:
    wb = openpyxl.load_workbook(book)
    for name, frame in ds.tables.items():
        ws = wb[name]
        header, rows = sheet_rows(ws)
        for field in ds.schemas[name]["fields"]:
            col = header.index(field["name"])
            kind = field.get("type", "string")
            for raw, cell in zip(frame[field["name"]], (r[col] for r in rows)):
                where = (name, field["name"], raw)
                if raw == "":
                    assert cell is None, where
                elif kind == "integer":
                    assert isinstance(cell, int) and cell == int(raw), where
                elif kind == "number":
                    assert isinstance(cell, (int, float)) and not isinstance(cell, bool), where
                    assert float(cell) == float(raw), where
                elif kind == "boolean":
                    assert cell is (raw == "true"), where
                elif kind == "date":
                    assert cell == dt.datetime.strptime(raw, "%Y-%m-%d"), where
                elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) and name == "events":
                    assert cell == dt.datetime.strptime(raw, "%Y-%m-%d"), where
                else:
                    assert cell == raw, where  # text as written: 1/3 stays 1/3


def test_values_stay_text_and_numbers_show_in_full(ds, book) -> None:
    ws = openpyxl.load_workbook(book)["claims"]
    header = [c.value for c in ws[1]]
    value, base = header.index("value") + 1, header.index("value_base") + 1
    fractions = 0
    for r in range(2, ws.max_row + 1):
        cell = ws.cell(row=r, column=value)
        assert cell.data_type == "s" and isinstance(cell.value, str)
        fractions += "/" in cell.value
        number = ws.cell(row=r, column=base)
        assert "E" not in number.number_format.upper(), number.number_format
        if float(number.value).is_integer():
            assert number.number_format == "0"
    assert fractions > 0  # 1/3 and 1/2 are in the data, and are text
    largest = max(ws.cell(row=r, column=base).value for r in range(2, ws.max_row + 1))
    assert largest == max(float(v) for v in ds.tables["claims"]["value_base"])


def test_partial_dates_stay_text(ds, book) -> None:
    ws = openpyxl.load_workbook(book)["events"]
    header, rows = sheet_rows(ws)
    col = header.index("date")
    partial = [r[col] for r, raw in zip(rows, ds.tables["events"]["date"]) if len(raw) < 10]
    assert partial and all(isinstance(v, str) for v in partial)


def test_a_cell_starting_with_equals_is_text_not_a_formula(ds, tmp_path: Path) -> None:
    hostile = dataset.Dataset(descriptor=ds.descriptor, tables=dict(ds.tables), schemas=ds.schemas, texts={})
    claims = ds.tables["claims"].copy()
    claims.loc[claims.index[0], "note"] = '=HYPERLINK("http://example.invalid","x")'
    hostile.tables["claims"] = claims
    path = tmp_path / "hostile.xlsx"
    workbook.write(path, hostile)
    ws = openpyxl.load_workbook(path)["claims"]
    col = [c.value for c in ws[1]].index("note") + 1
    cell = ws.cell(row=2, column=col)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_writing_twice_gives_identical_bytes(ds, book, tmp_path: Path) -> None:
    again = tmp_path / "again.xlsx"
    workbook.write(again, ds)
    assert again.read_bytes() == book.read_bytes()
