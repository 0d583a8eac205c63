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


class _Appender:
    """A file-like object for csv.writer that collects lines (faster than StringIO for CJK)."""

    def __init__(self, parts: list[str]) -> None:
        self.write = parts.append


class CanonicalBytes:
    """Whether CSV bytes are exactly what the C csv writer writes for the records they parse
    to, worked out as the records are read (so the file is compared once, in chunks, while it
    is parsed). The writer quotes as :func:`_line` does for cells without a carriage return;
    a file with a carriage return, a byte-order mark, an empty header or a record with a
    different number of cells than the header is never proven canonical."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0
        self.holds = not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data

    def rows(self, rows: list[list[str]], width: int) -> None:
        """Compare the next ``rows`` (the header first) with the bytes that follow."""
        if not self.holds:
            return
        if not width or any(len(r) != width for r in rows):
            self.holds = False
            return
        parts: list[str] = []
        csv.writer(_Appender(parts), lineterminator="\n").writerows(rows)
        out = "".join(parts).encode("utf-8")
        if self._data[self._pos:self._pos + len(out)] != out:
            self.holds = False
        self._pos += len(out)

    def finished(self) -> bool:
        """True when every byte was matched."""
        return self.holds and self._pos == len(self._data)


def in_key_order(frame: pd.DataFrame, schema: dict) -> bool:
    """True when the parsed ``frame`` (cells as strings, columns in file order) is strictly
    increasing in its primary key, checked as a column operation. False means "not proven"
    (a repeated key whose order depends on the whole row, a key that is not a whole number):
    the caller then reads, sorts and rewrites the file to diagnose."""
    header = [str(c) for c in frame.columns]
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
