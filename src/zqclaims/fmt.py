"""Canonical form: rewrite CSVs (UTF-8, LF, sorted by primary key, minimal
quoting) and refresh hashes and byte counts in the descriptor.

Rewrites are lossless (every cell survives byte for byte) and atomic (a
temporary file in the same directory replaces the original), and running
``fmt`` twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .findings import CouldNotRun
from .package import DESCRIPTOR, Package, read_bytes, safe_path


def _sort_key(value: str, ftype: str) -> tuple:
    if ftype in ("integer", "number"):
        try:
            return (0, Decimal(value), "")
        except InvalidOperation:
            return (1, Decimal(0), value)
    return (0, Decimal(0), value)


def canonical_csv(pkg: Package, name: str) -> bytes:
    """The canonical bytes of a tabular resource."""
    raw = read_bytes(pkg.root, pkg.path_of(name))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CouldNotRun(f"{pkg.path_of(name)}: not UTF-8 (byte {exc.start})",
                          "re-save the file as UTF-8") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise CouldNotRun(f"{pkg.path_of(name)}: empty file", "restore the header row")
    header, body = rows[0], [r for r in rows[1:] if r]
    ragged = [i + 2 for i, r in enumerate(body) if len(r) != len(header)]
    if ragged:
        raise CouldNotRun(f"{pkg.path_of(name)}: row {ragged[0]} has a different number of cells than the header",
                          "fix the row by hand; fmt never guesses where a cell belongs")
    schema = pkg.schema(name)
    types = {f.get("name"): f.get("type", "string") for f in schema.get("fields", [])}
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else pk
    idx = [header.index(k) for k in pk if k in header]
    if idx:
        body.sort(key=lambda r: tuple(_sort_key(r[i], types.get(header[i], "string")) for i in idx))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode("utf-8")


def canonical_problem(pkg: Package, name: str) -> str:
    """Why a CSV is not canonical, or '' when it is."""
    try:
        raw = read_bytes(pkg.root, pkg.path_of(name))
        want = canonical_csv(pkg, name)
    except CouldNotRun as exc:
        return exc.message
    if raw == want:
        return ""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "file starts with a byte-order mark"
    if b"\r\n" in raw:
        return "file uses CRLF line endings"
    got_lines, want_lines = raw.split(b"\n"), want.split(b"\n")
    if sorted(got_lines) == sorted(want_lines):
        return "rows are not sorted by the primary key"
    for i, (a, b) in enumerate(zip(got_lines, want_lines), start=1):
        if a != b:
            return f"line {i} differs from its canonical form (quoting or trailing content)"
    return "trailing content differs from canonical form (final newline?)"


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _edit_rows(path: Path, edit) -> bool:
    """Read a CSV, let ``edit(header, body)`` change cells in place (it returns
    whether it did), and write the file back atomically only if it changed."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    if not rows or not edit(rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]):
        return False
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    _atomic_write(path, out.getvalue().encode("utf-8"))
    return True


def _fill_article_hashes(pkg: Package) -> bool:
    """Fill empty sha256/char_count cells of articles.csv; never overwrite one."""
    if "articles" not in pkg.resources:
        return False

    def fill(header: list[str], body: list[list[str]]) -> bool:
        if not {"text_path", "sha256", "char_count"} <= set(header):
            return False
        tp, sh, cc = (header.index(c) for c in ("text_path", "sha256", "char_count"))
        changed = False
        for r in body:
            if r[tp] and (not r[sh] or not r[cc]):
                data = read_bytes(pkg.root, r[tp])
                if not r[sh]:
                    r[sh], changed = hashlib.sha256(data).hexdigest(), True
                if not r[cc]:
                    r[cc], changed = str(len(data.decode("utf-8"))), True
        return changed

    return _edit_rows(safe_path(pkg.root, pkg.path_of("articles")), fill)


def _derive_simplified(pkg: Package) -> list[str]:
    """Set quote_zh_hans from the quote (derived text, never typed by hand)."""
    from .spans import SPAN_RESOURCES
    from .textnorm import to_simplified

    changed = []
    for name, col in SPAN_RESOURCES.items():
        if name not in pkg.resources:
            continue

        def derive(header: list[str], body: list[list[str]], col: str = col) -> bool:
            if "quote_zh_hans" not in header or col not in header:
                return False
            q, z = header.index(col), header.index("quote_zh_hans")
            dirty = False
            for r in body:
                if r[z] != to_simplified(r[q]):
                    r[z], dirty = to_simplified(r[q]), True
            return dirty

        if _edit_rows(safe_path(pkg.root, pkg.path_of(name)), derive):
            changed.append(pkg.path_of(name))
    return changed


def format_package(pkg: Package) -> list[str]:
    """Rewrite the package in canonical form. Returns the paths it changed."""
    changed: list[str] = []
    if _fill_article_hashes(pkg):
        changed.append(pkg.path_of("articles"))
    changed += _derive_simplified(pkg)
    for name in pkg.tabular():
        path = safe_path(pkg.root, pkg.path_of(name))
        want = canonical_csv(pkg, name)
        if path.read_bytes() != want:
            _atomic_write(path, want)
            changed.append(pkg.path_of(name))
    for res in pkg.descriptor.get("resources", []):
        data = read_bytes(pkg.root, res["path"])
        res["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        res["bytes"] = len(data)
    desc_path = pkg.root / DESCRIPTOR
    new = (json.dumps(pkg.descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if desc_path.read_bytes() != new:
        _atomic_write(desc_path, new)
        changed.append(DESCRIPTOR)
    return sorted(set(changed))
