"""The Excel workbook, made with openpyxl.

Sheets: About (what this is, version, licence, how to cite, where the texts
are), Data dictionary (every field of every table), then one sheet per table.
Cells are typed by the Table Schema: integers and numbers are numbers shown in
full (never ``1E+12``), booleans are booleans, dates are dates; string cells are
always text (``1/3`` never becomes a date, ``=…`` never a formula), and a string
column of ISO dates (``events.date``) has dates where the day is known and text
where only the year or month is. Header row frozen, filters on, widths fitted.
The file is byte-identical for the same package (:func:`.archive.normalize_zip`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from . import archive
from .dataset import Dataset

FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}){0,2}$")
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
INTEGRAL, DECIMAL, DATE, TEXT = "0", "0.0##############", "yyyy-mm-dd", "@"
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def write(path: Path, ds: Dataset) -> None:
    wb = Workbook()
    when = archive.timestamp(ds.descriptor)
    wb.properties.created = wb.properties.modified = dt.datetime(*when)
    wb.properties.creator = "zqclaims build"
    wb.properties.title = ds.title
    about = wb.active
    about.title = "About"
    _about(about, ds)
    _dictionary(wb.create_sheet("Data dictionary"), ds)
    for name in ds.tables:
        _table(wb.create_sheet(name[:31]), ds, name)
    wb.save(path)
    # openpyxl stamps the time of saving as the modification time; the created day stands in for it
    stamp = f"{dt.datetime(*when):%Y-%m-%dT%H:%M:%SZ}".encode()
    archive.normalize_zip(path, when, edits={"docProps/core.xml": lambda xml: MODIFIED.sub(
        rb"\g<1>" + stamp + rb"\g<2>", xml)})


def _about(ws, ds: Dataset) -> None:
    lic = ds.license
    rows = [
        ("Title", ds.title),
        ("Version", ds.version),
        ("Description", str(ds.descriptor.get("description", ""))),
        ("Licence", f"{lic['name']} ({lic['path']})".strip(" ()")),
        ("How to cite", ds.citation),
        ("Source texts", "The archived article texts are in resources/articles/ of the release zip "
                         f"({ds.name}-{ds.version}.zip), byte for byte as collected; the articles sheet gives each "
                         "text's path, sha256 and, where known, its source URL."),
        ("Values", "value is the figure as written (text: 1/3 stays 1/3); value_base, lower, upper are numbers in "
                   "unit_base; dates are dates where the day is known and text where only the year or month is; "
                   "an empty cell is unknown or not applicable."),
        ("Facts and claims", "Start from the facts sheet for sums and filters: claims has one row per mention, "
                             "so a figure stated twice is two claims of one fact."),
        ("Made by", "zqclaims build, from a package that passed zqclaims validate."),
        ("", ""),
        ("Sheet", "Rows"),
    ]
    rows += [(name, len(frame)) for name, frame in ds.tables.items()]
    for row in rows:
        ws.append(row)
    for cell in ws["A"]:
        cell.font = BOLD
    for cell in ws["B"]:
        cell.alignment = WRAP
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100


def _dictionary(ws, ds: Dataset) -> None:
    ws.append(["table", "field", "type", "required", "description"])
    for name, schema in ds.schemas.items():
        for f in schema.get("fields", []):
            ws.append([name, f["name"], f.get("type", "string"),
                       bool(f.get("constraints", {}).get("required", False)), str(f.get("description", ""))])
    _finish(ws, widths=[18, 24, 10, 10, 100])
    for cell in ws["E"]:
        cell.alignment = WRAP


def _table(ws, ds: Dataset, name: str) -> None:
    frame, schema = ds.tables[name], ds.schemas[name]
    fields = [f for f in schema.get("fields", []) if f["name"] in frame.columns]
    typed = ds.columns(name)
    ws.append([f["name"] for f in fields])
    columns = [_formats(typed[f["name"]], f.get("type", "string")) for f in fields]
    for r, values in enumerate(zip(*columns), start=2):
        for c, (value, fmt) in enumerate(values, start=1):
            if value is None:
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if fmt == TEXT:
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.number_format = fmt
    _finish(ws, widths=[_width([f["name"], *frame[f["name"]].tolist()]) for f in fields])


def _formats(values: list, kind: str) -> list[tuple[object, str]]:
    """(value, number format) per cell of one typed column (:meth:`Dataset.columns`)."""
    if kind == "integer":
        return [(v, INTEGRAL) for v in values]
    if kind == "number":
        return [(int(v), INTEGRAL) if v is not None and v.is_integer() and abs(v) < 2**53 else (v, DECIMAL)
                for v in values]
    if kind == "boolean":
        return [(v, "General") for v in values]
    if kind == "date":
        return [(v, DATE) for v in values]
    if any(values) and all(PARTIAL_DATE.match(v) for v in values if v is not None):
        # a string column of ISO dates, some partial (events.date): dates where the day is known
        return [(dt.date.fromisoformat(v), DATE) if v is not None and FULL_DATE.match(v) else (v, TEXT)
                for v in values]
    return [(v, TEXT) for v in values]


def _width(values: list[str]) -> float:
    """Column width in characters: East Asian wide characters count two; between 8 and 60."""
    longest = max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(v)) for v in values),
                  default=8)
    return float(min(max(longest + 2, 8), 60))


def _finish(ws, widths: list[float]) -> None:
    for cell in ws[1]:
        cell.font = BOLD
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
