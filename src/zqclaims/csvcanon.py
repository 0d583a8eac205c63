"""Canonical CSV: strict, bounded reading; primary-key order; minimal quoting;
a check that the canonical bytes read back as exactly the same cells; and a
fast proof that an already parsed table is in canonical form.

Nothing here touches the file system: callers pass bytes and a path used only
in error messages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from .findings import CouldNotRun

#: The longest cell fmt reads (characters). Python's csv default; the
#: validator reads the same files, so fmt never writes what it cannot read.
MAX_CELL_CHARS = 128 * 1024
#: Cells containing one of these are quoted (and their quotes doubled).
_NEEDS_QUOTES = frozenset(',"\r\n')


@dataclass
class Table:
    """A parsed CSV: its header, its data records, and the line each record starts on."""

    header: list[str]
    body: list[list[str]]
    lines: list[int]


@contextmanager
def _bounded_cells() -> Iterator[None]:
    """csv.field_size_limit is global (Frictionless raises it to 2 GiB); bound
    it while fmt reads, and restore it afterwards."""
    old = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def read_table(data: bytes, relpath: str) -> Table:
    """Parse CSV bytes strictly, or raise :class:`CouldNotRun` naming the file and line.

    Blank lines are dropped (canonical form has none); a record with a
    different number of cells than the header is refused, never repaired."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CouldNotRun(f"{relpath}: not UTF-8 (byte {exc.start})", "re-save the file as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    with _bounded_cells():
        start = 1
        try:
            for row in reader:
                if row:
                    rows.append(row)
                    lines.append(start)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise CouldNotRun(f"{relpath}: line {reader.line_num}: {exc}",
                              f"cells may hold at most {MAX_CELL_CHARS:,} characters and quotes must be "
                              "balanced; fix the file by hand") from None
    if not rows:
        raise CouldNotRun(f"{relpath}: empty file", "restore the header row")
    header, body = rows[0], rows[1:]
    for row, line in zip(body, lines[1:]):
        if len(row) != len(header):
            raise CouldNotRun(f"{relpath}: line {line}: the record has {len(row)} cells, the header {len(header)}",
                              "fix the row by hand; fmt never guesses where a cell belongs")
    return Table(header, body, lines[1:])


def _number(value: str) -> Decimal | None:
    """The value as a finite Decimal, or None (text, NaN, Infinity: sorted as text)."""
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _cell_key(value: str, ftype: str) -> tuple:
    if ftype in ("integer", "number"):
        number = _number(value)
        return (0, number, value) if number is not None else (1, Decimal(0), value)
    return (0, Decimal(0), value)


def _key_spec(header: list[str], schema: dict) -> list[tuple[int, str]]:
    """(column index, type) of each primary-key column present in ``header``."""
    fields = schema.get("fields")
    types = {}
    for fdef in fields if isinstance(fields, list) else []:
        if isinstance(fdef, dict) and isinstance(fdef.get("name"), str):
            types.setdefault(fdef["name"], fdef.get("type", "string"))
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else pk if isinstance(pk, list) else []
    return [(header.index(k), types.get(k, "string")) for k in pk if isinstance(k, str) and k in header]


def frame_is_canonical(data: bytes, frame: pd.DataFrame, schema: dict) -> bool:
    """True when ``data`` is exactly what :func:`write_rows` writes for the already parsed
    ``frame`` (cells as strings, columns in file order) in primary-key order: the frame is
    written back in chunks by the C csv writer (which quotes as :func:`_line` does for
    cells without a carriage return) and compared with the bytes, and the key is checked
    to be strictly increasing as a column operation. False means "not proven" (a carriage
    return, a repeated key whose order depends on the whole row, a key that is not a whole
    number): the caller then reads, sorts and rewrites the file to diagnose."""
    header = [str(c) for c in frame.columns]
    if data.startswith(b"\xef\xbb\xbf") or b"\r" in data or not header:
        return False
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(header)
    head = buf.getvalue().encode("utf-8")
    if not data.startswith(head):
        return False  # also a repeated label, which the parsed frame carries with a suffix
    pos = len(head)
    for start in range(0, len(frame), 5000):
        buf = io.StringIO()
        part = frame.iloc[start:start + 5000].to_numpy(dtype=object).tolist()
        csv.writer(buf, lineterminator="\n").writerows(part)
        out = buf.getvalue().encode("utf-8")
        if data[pos:pos + len(out)] != out:
            return False
        pos += len(out)
    if pos != len(data):
        return False
    spec = _key_spec(header, schema)
    if not spec or len(frame) < 2:
        return True
    keys = {}
    for i, ftype in spec:
        col = frame.iloc[:, i]
        if ftype in ("integer", "number"):
            num = pd.to_numeric(col, errors="coerce")
            if num.isna().any() or (num.abs() >= 2**53).any() or not (num == num.round()).all():
                return False  # text, fractions and huge numbers sort by exact Decimal: the full path decides
            keys[f"k{i}"] = num.to_numpy()
        else:
            keys[f"k{i}"] = col.to_numpy(dtype=object)
    kf = pd.DataFrame(keys)
    if kf.duplicated().any():
        return False
    order = kf.sort_values(list(kf.columns), kind="mergesort").index.to_numpy()
    return bool((order == np.arange(len(kf))).all())


def sort_by_key(table: Table, schema: dict) -> list[list[str]]:
    """The body sorted by the schema's primary key (numbers numerically, then
    anything that is not a finite number as text), ties broken by the whole row
    so the order never depends on the input order."""
    spec = _key_spec(table.header, schema)
    if not spec:
        return list(table.body)
    return sorted(table.body, key=lambda r: (tuple(_cell_key(r[i], t) for i, t in spec), r))


def _cell(value: str) -> str:
    if _NEEDS_QUOTES.intersection(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _line(row: list[str]) -> str:
    if row == [""]:
        return '""'  # a lone empty cell would otherwise be a blank line, which readers skip
    return ",".join(_cell(v) for v in row)


def write_rows(header: list[str], body: list[list[str]], relpath: str) -> bytes:
    """UTF-8, LF, minimal quoting; refuses (CouldNotRun) unless the bytes read
    back as exactly these cells."""
    data = "".join(_line(r) + "\n" for r in [header, *body]).encode("utf-8")
    back = read_table(data, relpath)
    if back.header != header:
        raise CouldNotRun(f"{relpath}: the header would not survive rewriting byte for byte",
                          "fmt never writes a lossy file; report this with the file attached")
    if len(back.body) != len(body):
        raise CouldNotRun(f"{relpath}: rewriting would change the number of records",
                          "fmt never writes a lossy file; report this with the file attached")
    for i, (got, want) in enumerate(zip(back.body, body)):
        if got != want:
            raise CouldNotRun(f"{relpath}: record {i + 1} (canonical order) would not survive rewriting byte for byte",
                              "fmt never writes a lossy file; report this with the file attached")
    return data
