"""Load a data package from a directory, reading only regular files inside it.

Everything in a package directory is untrusted. Every path goes through
:func:`safe_path`, which refuses URLs, absolute paths, ``..`` and any symbolic
link on the way (links are never followed, wherever they point); every read goes
through :meth:`Package.read`, which refuses what is not a regular file and stops
at the size bounds of :mod:`zqclaims.limits`. Nothing here touches the network.

Rule files (Table Schemas, row rules, expectation suites, the descriptor
extension) come from the rule set the run uses: the one released with this
validator (default) or, when the user opts in, the package's own
(:mod:`zqclaims.release`).
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from . import limits, release, safejson
from .csvcanon import CanonicalBytes
from .findings import CouldNotRun, Finding, UsageProblem

DESCRIPTOR = "datapackage.json"
HINT_DIR = "pass the package directory (the one that contains datapackage.json), e.g. '.'"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
csv.field_size_limit(limits.MAX_CELL_CHARS + 1)


class UnsafePath(ValueError):
    """A path that would leave the package directory or follow a link."""


class TooLarge(ValueError):
    """A file over its size bound."""


class RuleError(ValueError):
    """A rule file that cannot be used (missing, not strict JSON, not an object)."""


def safe_path(root: Path, relpath: object) -> Path:
    """``relpath`` inside ``root``, refusing URLs, absolute paths, '..' and links."""
    if not isinstance(relpath, str) or not relpath:
        raise UnsafePath(f"path must be a non-empty string, got {_short(relpath)}")
    if _URL.match(relpath) or relpath.startswith("//"):
        raise UnsafePath(f"'{_short(relpath)}' is a URL; validation is offline and reads only local files")
    if "\\" in relpath or "\x00" in relpath:
        raise UnsafePath(f"'{_short(relpath)}' contains a backslash or NUL; use '/'-separated relative paths")
    pure = PurePosixPath(relpath)
    if pure.is_absolute():
        raise UnsafePath(f"'{_short(relpath)}' is absolute; paths must be relative to the package directory")
    if ".." in pure.parts:
        raise UnsafePath(f"'{_short(relpath)}' climbs with '..'; paths must stay inside the package directory")
    current = root
    for part in pure.parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            break  # a missing file is reported by the reader
        except OSError as exc:
            raise UnsafePath(f"'{_short(relpath)}' cannot be inspected ({exc.strerror})") from None
        if stat.S_ISLNK(mode):
            raise UnsafePath(f"'{_short(relpath)}' is or passes through a symbolic link; links are never followed")
    return root / pure


def _short(value: object, width: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= width else text[:width] + "…"


def read_file(path: Path, limit: int, name: str) -> bytes:
    """Read a regular file without following a final link, at most ``limit`` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise CouldNotRun(f"{name}: file not found", "restore the file or correct its path in datapackage.json") from None
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafePath(f"'{name}' is a symbolic link; links are never followed") from None
        raise CouldNotRun(f"{name}: cannot read file ({exc.strerror})", "check the file's permissions") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(f"'{name}' is not a regular file")
        if st.st_size > limit:
            raise TooLarge(f"{name} has {st.st_size:,} bytes, over the limit of {limit:,}")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"{name} has more than {limit:,} bytes, over the limit")
        return data
    except OSError as exc:
        raise CouldNotRun(f"{name}: cannot read file ({exc.strerror})", "check the file's permissions") from None
    finally:
        os.close(fd)


def read_bytes(root: Path, relpath: str, limit: int = limits.MAX_CSV_BYTES) -> bytes:
    """Read a file named by the descriptor (safe path, regular file, bounded)."""
    return read_file(safe_path(root, relpath), limit, relpath)


def parse_json(data: bytes, name: str) -> object:
    try:
        return safejson.loads(data)
    except safejson.JSONProblem as exc:
        raise RuleError(f"{name}: {exc.message}") from None


@dataclass
class Table:
    """A CSV resource as strings: ``frame`` is indexed by the editor line on which
    each record starts (header = line 1), ``problems`` are findings from reading."""

    frame: pd.DataFrame
    problems: list[Finding]
    over_limit: bool = False
    #: The bytes are exactly what the csv writer writes for these records (no carriage return,
    #: no byte-order mark, every record as wide as the header): canonical form but for the order.
    canonical_bytes: bool = False


@dataclass
class Package:
    """A data package directory, its parsed descriptor and the rule set in use."""

    root: Path
    descriptor: dict
    rules_root: Path | None = None
    rules_source: str = "released"
    problems: list[Finding] = field(default_factory=list)
    _tables: dict[str, Table] = field(default_factory=dict, repr=False)
    _bytes: dict[str, bytes] = field(default_factory=dict, repr=False)
    _rules: dict[str, object] = field(default_factory=dict, repr=False)

    # -- files --------------------------------------------------------------
    def read(self, relpath: str, limit: int = limits.MAX_CSV_BYTES) -> bytes:
        """A package file's bytes, read once (cached), safely and bounded."""
        if relpath not in self._bytes:
            self._bytes[relpath] = read_bytes(self.root, relpath, limit)
        return self._bytes[relpath]

    def digest(self, relpath: str, limit: int = limits.MAX_CSV_BYTES) -> str:
        """The sha256 of a package file (cached, so it outlives :meth:`forget`)."""
        digests = self.__dict__.setdefault("_digests", {})
        if relpath not in digests:
            digests[relpath] = hashlib.sha256(self.read(relpath, limit)).hexdigest()
        return digests[relpath]

    def size(self, relpath: str, limit: int = limits.MAX_CSV_BYTES) -> int:
        """The byte count of a package file as read (cached, so it outlives :meth:`forget`)."""
        sizes = self.__dict__.setdefault("_sizes", {})
        if relpath not in sizes:
            sizes[relpath] = len(self.read(relpath, limit))
        return sizes[relpath]

    def forget(self, relpath: str) -> None:
        """Drop a file's cached bytes once nothing needs them (its digest and size are kept)."""
        if relpath in self._bytes:
            self.digest(relpath)
            self.size(relpath)
        self._bytes.pop(relpath, None)

    # -- resources ---------------------------------------------------------
    @cached_property
    def resources(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        res_list = self.descriptor.get("resources", [])
        for res in res_list if isinstance(res_list, list) else []:
            if isinstance(res, dict) and isinstance(res.get("name"), str):
                out.setdefault(res["name"], res)
        return out

    def tabular(self) -> list[str]:
        return sorted(n for n, r in self.resources.items() if r.get("type") == "table")

    def texts(self) -> list[str]:
        return sorted(n for n, r in self.resources.items() if r.get("type") == "text")

    def path_of(self, name: str) -> str:
        path = self.resources[name].get("path")
        return path if isinstance(path, str) else name

    # -- rules -------------------------------------------------------------
    def rule_json(self, relpath: str) -> object:
        """A rule file (schema, row rule, suite) from the rule set in use, parsed
        strictly. Raises :class:`RuleError` when it is missing or not strict JSON."""
        if relpath not in self._rules:
            try:
                if self.rules_source == "released" and self.rules_root is not None:
                    data = read_file(safe_path(self.rules_root, relpath), safejson.MAX_JSON_BYTES, relpath)
                else:
                    data = self.read(relpath, safejson.MAX_JSON_BYTES)
            except CouldNotRun:
                raise RuleError(f"{relpath}: file not found") from None
            except (UnsafePath, TooLarge) as exc:
                raise RuleError(str(exc)) from None
            self._rules[relpath] = parse_json(data, relpath)
        return self._rules[relpath]

    def rule_exists(self, relpath: str) -> bool:
        base = self.rules_root if self.rules_source == "released" and self.rules_root is not None else self.root
        try:
            return safe_path(base, relpath).is_file()
        except UnsafePath:
            return True  # reading it reports the problem

    def rule_files(self, folder: str, suffix: str = ".json") -> list[str]:
        """Rule files directly in ``folder`` of the rule set in use (symbolic links included, so
        that reading them reports them)."""
        base = self.rules_root if self.rules_source == "released" and self.rules_root is not None else self.root
        d = base / folder
        if not d.is_dir() or d.is_symlink():
            return []
        return sorted(f"{folder}/{p.name}" for p in d.iterdir() if p.name.endswith(suffix))

    def schema(self, name: str) -> dict:
        """The Table Schema of a tabular resource from the rule set in use."""
        ref = self.schema_ref(name)
        schema = ref if isinstance(ref, dict) else self.rule_json(ref)
        if not isinstance(schema, dict):
            raise RuleError(f"the Table Schema of '{name}' is not a JSON object")
        return schema

    def schema_ref(self, name: str) -> object:
        """Where the Table Schema of ``name`` is: a path or an inline object."""
        if self.rules_source == "released" and self.release_resources is not None:
            if name not in self.release_resources:
                raise RuleError(f"resource '{name}' is not in the released package, so it has no released rules")
            return self.release_resources[name].get("schema")
        ref = self.resources[name].get("schema")
        if isinstance(ref, (dict, str)):
            return ref
        raise RuleError(f"resource '{name}' has no Table Schema")

    @cached_property
    def release_resources(self) -> dict[str, dict] | None:
        if self.rules_source != "released" or self.rules_root is None:
            return None
        desc = self.rule_json(DESCRIPTOR)
        out = {}
        for res in desc.get("resources", []) if isinstance(desc, dict) else []:
            out[res["name"]] = res
        return out

    # -- tables ------------------------------------------------------------
    def table(self, name: str) -> Table:
        """Read and parse a CSV resource once, bounded (see :mod:`zqclaims.limits`)."""
        if name not in self._tables:
            self._tables[name] = self._parse(name)
        return self._tables[name]

    def frame(self, name: str) -> pd.DataFrame:
        """The resource as a DataFrame of strings (empty cells are ''), indexed by
        the line on which each record starts, as an editor shows it."""
        return self.table(name).frame

    def _parse(self, name: str) -> Table:
        """:meth:`_parse_csv` with the cyclic garbage collector paused: parsing makes lists of
        strings and frames, never a cycle, yet at 1,000 times the corpus the collector's passes
        over each chunk's rows cost about a second."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._parse_csv(name)
        finally:
            if enabled:
                gc.enable()

    def _parse_csv(self, name: str) -> Table:
        path = self.path_of(name)

        def over(check: str, message: str, hint: str, line: int | None = None) -> Table:
            return Table(pd.DataFrame(dtype=str), [Finding(path, line, "", check, message, hint)], over_limit=True)

        try:
            raw = self.read(path, limits.MAX_CSV_BYTES)
        except TooLarge as exc:
            return over("limit-file-size", str(exc), "a CSV resource this large is not validated; split or restore it")
        except UnsafePath as exc:  # a link, a FIFO, a folder: never read
            return Table(pd.DataFrame(dtype=str), [Finding(path, None, "", "descriptor-unsafe-path", str(exc),
                                                           "replace it with a regular file from the release")],
                         over_limit=True)
        reader = csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace", newline=""))
        chunks: list[pd.DataFrame] = []  # rows become columns every CHUNK rows, so memory stays near the frame's
        rows: list[list[str]] = []
        starts: list[int] = []
        count = 0
        line = 0
        try:
            header = next(reader, [])
            line = reader.line_num
            if len(header) > limits.MAX_COLUMNS:
                return over("limit-columns", f"the header has {len(header):,} columns, over the limit of "
                            f"{limits.MAX_COLUMNS}", "restore the header row; extra columns are not read", 1)
            width = len(header)
            labels = _unique_labels(header)
            pools = self._pools(name, labels)
            canon = CanonicalBytes(raw)
            canon.rows([header], width if len(set(header)) == len(header) else 0)
            for row in reader:
                starts.append(line + 1)
                line = reader.line_num
                if len(row) > limits.MAX_COLUMNS:
                    return over("limit-columns", f"line {starts[-1]} has {len(row):,} cells, over the limit of "
                                f"{limits.MAX_COLUMNS}", "fix the row; extra cells are not read", starts[-1])
                rows.append(row)
                count += 1
                if count > limits.MAX_ROWS:
                    return over("limit-rows", f"more than {limits.MAX_ROWS:,} data rows, over the limit",
                                "a resource this large is not validated; split it or raise the limit in a release")
                if count * width > limits.MAX_CELLS:
                    return over("limit-rows", f"more than {limits.MAX_CELLS:,} cells ({count:,} rows of {width} "
                                "columns), over the limit", "a resource this large is not validated; split it")
                if len(rows) == CHUNK:
                    canon.rows(rows, width)
                    chunks.append(_chunk(rows, labels, width, starts, pools))
                    rows, starts = [], []
            canon.rows(rows, width)
            chunks.append(_chunk(rows, labels, width, starts, pools))
        except csv.Error as exc:
            return over("limit-cell-length", f"line {reader.line_num}: {exc}",
                        f"a cell is over {limits.MAX_CELL_CHARS:,} characters or the quoting is broken; fix the row",
                        reader.line_num)
        except _LongCell as exc:
            return over("limit-cell-length", f"a cell on line {exc.line} has over {limits.MAX_CELL_CHARS:,} "
                        "characters", "shorten the cell; long text belongs in a note of reasonable length", exc.line)
        df = pd.concat(chunks) if len(chunks) > 1 else chunks[0]
        table = Table(df, [], canonical_bytes=canon.finished())
        del raw, reader
        self.forget(path)  # parsed, hashed and measured: the frame is all later stages need
        return table

    def _pools(self, name: str, labels: list[str]) -> dict[int, dict[str, str]]:
        """For each column that refers to a key or a vocabulary (a foreign-key field or one with
        an enum in the Table Schema), an empty pool in which :func:`_chunk` keeps one object per
        distinct value across all chunks. Free text is never pooled: its repeats are rare in real
        data, and a replicated corpus must not look smaller than a real one."""
        try:
            schema = self.schema(name)
        except (RuleError, CouldNotRun):
            return {}
        names: set[object] = set()
        keys, fields = schema.get("foreignKeys"), schema.get("fields")
        for fk in keys if isinstance(keys, list) else []:
            local = fk.get("fields") if isinstance(fk, dict) else None
            names.update([local] if isinstance(local, str) else local if isinstance(local, list) else [])
        for fdef in fields if isinstance(fields, list) else []:
            if isinstance(fdef, dict) and isinstance(fdef.get("constraints"), dict) and "enum" in fdef["constraints"]:
                names.add(fdef.get("name"))
        return {j: {} for j, label in enumerate(labels) if label in names}

    @cached_property
    def over_limit(self) -> bool:
        return any(self.table(n).over_limit for n in self.tabular())

    def lacks(self, columns: dict[str, list[str]]) -> list[str]:
        """The 'resource.column' pairs of ``columns`` that the package does not have.

        Set-based stages need their columns; when a header is damaged they skip
        and leave the report to the ``tables`` stage (table-incorrect-label)."""
        out = []
        for name, cols in columns.items():
            if name not in self.resources:
                out.append(f"{name} (resource)")
                continue
            have = set(self.frame(name).columns)
            out += [f"{name}.{c}" for c in cols if c not in have]
        return out

    def text_of(self, name: str) -> str:
        return self.read(self.path_of(name), limits.MAX_TEXT_BYTES).decode("utf-8", errors="replace")

    def key_of(self, resource_path: str, line: int) -> str:
        """The primary key of the record starting on ``line`` of a CSV, e.g. 'claim_id C0002'."""
        cols = self._key_columns(resource_path)
        if not cols:
            return ""
        df = self.frame(cols[0])
        if line not in df.index:
            return ""
        rec = df.loc[line]
        if isinstance(rec, pd.DataFrame):
            rec = rec.iloc[0]
        return ", ".join(f"{c} {_short(str(rec[c]), 40)}" for c in cols[1:])

    def _key_columns(self, resource_path: str) -> list[str]:
        """[resource name, key columns...] of the table at ``resource_path``, or []."""
        cache = self.__dict__.setdefault("_key_cache", {})
        if resource_path not in cache:
            cache[resource_path] = []
            for name in self.tabular():
                if self.path_of(name) != resource_path or name not in self._tables:
                    continue
                try:
                    cols = self.key_columns(name)
                except (RuleError, CouldNotRun):
                    break
                cache[resource_path] = [name, *cols] if cols else []
                break
        return cache[resource_path]

    def key_columns(self, name: str) -> list[str]:
        """The primary-key columns of a table that its header has (raises :class:`RuleError`
        when the schema cannot be read)."""
        pk = self.schema(name).get("primaryKey") or []
        pk = [pk] if isinstance(pk, str) else [k for k in pk if isinstance(k, str)] if isinstance(pk, list) else []
        return [k for k in pk if k in self.frame(name).columns]

    def tables_read(self) -> dict[str, int]:
        """Rows of every table a stage has parsed within the limits (nothing is read here)."""
        return {name: len(t.frame) for name, t in sorted(self._tables.items()) if not t.over_limit}

    def line_of(self, name: str, row_number: int) -> int:
        """The editor line of the record Frictionless numbers ``row_number`` (header = 1)."""
        index = self.frame(name).index
        i = row_number - 2
        return int(index[i]) if 0 <= i < len(index) else row_number


#: Rows parsed before they are turned into columns (bounds the parser's extra memory).
CHUNK = 20_000


#: In a column whose cells all have at most this many characters (ids of the vocabularies,
#: enums, flags, numbers), each distinct value is one string object per chunk: csv makes a new
#: object for every cell, and on a large table the repeats cost more memory than the data.
SHARED_CELL_CHARS = 16


class _LongCell(Exception):
    """A cell over the limit, on the line its record starts."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _chunk(rows: list[list[str]], labels: list[str], width: int, starts: list[int],
           pools: dict[int, dict[str, str]] | None = None) -> pd.DataFrame:
    """Rows as a frame of strings indexed by start line, short rows padded and long ones cut
    to the header (the tables stage reports both). A column with a pool (:meth:`Package._pools`)
    whose values repeat (at most one distinct value in two cells) keeps one object per value
    across chunks; a column of short cells, one per value in the chunk. Raises
    :class:`_LongCell`."""
    pools = pools or {}
    body = [r if len(r) == width else (r + [""] * width)[:width] for r in rows]
    if not width:
        df = pd.DataFrame(index=range(len(body)))
    else:
        columns = {}
        for j, cells in enumerate(zip(*body) if body else [()] * width):
            longest = max(map(len, cells), default=0)
            if longest > limits.MAX_CELL_CHARS:
                raise _LongCell(starts[next(i for i, c in enumerate(cells) if len(c) > limits.MAX_CELL_CHARS)])
            column = np.array(cells, dtype=object)
            if (longest <= SHARED_CELL_CHARS or j in pools) and len(column):
                codes, uniques = pd.factorize(column)  # one object per distinct value in the chunk
                if j in pools and 2 * len(uniques) <= len(column):
                    pool = pools[j]  # ... and in the whole table
                    column = np.asarray([pool.setdefault(u, u) for u in uniques], dtype=object)[codes]
                elif longest <= SHARED_CELL_CHARS:
                    column = np.asarray(uniques, dtype=object)[codes]
            columns[j] = pd.array(column, dtype=str)
        df = pd.DataFrame(columns)
        df.columns = labels
    df.index = pd.Index(starts, dtype="int64")
    return df


def _unique_labels(header: list[str]) -> list[str]:
    """Header labels made unique: a repeated label keeps its first column; later ones
    get a suffix no schema uses (the tables stage reports duplicate labels)."""
    seen: dict[str, int] = {}
    out = []
    for label in header:
        n = seen.get(label, 0)
        seen[label] = n + 1
        out.append(label if n == 0 else f"{label}\u0000{n}")
    return out


def locate(path: str | Path) -> Path:
    """The package root for a command-line argument, or :class:`UsageProblem`."""
    text = str(path)
    if not text:
        raise UsageProblem("the package path is empty", HINT_DIR)
    p = Path(text)
    if p.name == DESCRIPTOR and not p.is_dir():
        return p.parent
    if not p.exists():
        raise UsageProblem(f"{text}: no such directory", HINT_DIR)
    if not p.is_dir():
        raise UsageProblem(f"{text}: not a package directory (a file)",
                           "pass the directory that contains datapackage.json, or datapackage.json itself")
    if not os.path.lexists(p / DESCRIPTOR):
        raise UsageProblem(f"{text}: not a package directory (no {DESCRIPTOR})",
                           "pass the directory that contains datapackage.json")
    return p


def load(path: str | Path, rules: str = "released", rules_root: Path | None = None) -> Package:
    """Load the package at ``path``. A descriptor that cannot be used gives a
    package with no resources and a finding in ``problems``."""
    root = locate(path).resolve()
    if rules == "released" and rules_root is None:
        rules_root = release.root()
    pkg = Package(root=root, descriptor={}, rules_root=rules_root, rules_source=rules)
    try:
        raw = read_file(safe_path(root, DESCRIPTOR), safejson.MAX_JSON_BYTES, DESCRIPTOR)
    except (UnsafePath, TooLarge) as exc:
        pkg.problems.append(Finding(DESCRIPTOR, None, "", "descriptor-invalid", str(exc),
                                    "replace datapackage.json with a regular file from a trusted release"))
        return pkg
    try:
        descriptor = safejson.loads(raw)
    except safejson.JSONProblem as exc:
        pkg.problems.append(Finding(DESCRIPTOR, None, "", "descriptor-invalid", exc.message,
                                    "fix the JSON (strict JSON: no NaN, no duplicate keys); "
                                    "'python -m json.tool datapackage.json' shows syntax errors"))
        return pkg
    if not isinstance(descriptor, dict):
        pkg.problems.append(Finding(DESCRIPTOR, None, "", "descriptor-invalid", "the top level is not a JSON object",
                                    "restore the descriptor from a trusted release"))
        return pkg
    pkg.descriptor = descriptor
    return pkg


def typed_frame(pkg: Package, name: str) -> pd.DataFrame:
    """The resource with columns cast by their Table Schema types.

    Cells that do not parse become missing (the ``tables`` stage reports them);
    this view is for set-based checks that compare numbers and dates. Not cached:
    a typed copy of a large table costs as much memory as the table.
    """
    return typed(pkg.frame(name), pkg.schema(name))


def typed(frame: pd.DataFrame, schema: dict) -> pd.DataFrame:
    """A copy of ``frame`` (strings) with its columns cast by the Table Schema ``schema``:
    integer -> Int64, number -> Float64, boolean -> boolean, date -> datetime64; string
    columns stay strings ('' when empty). Cells that do not parse become missing."""
    df = frame.copy()
    fields = schema.get("fields", [])
    for fdef in fields if isinstance(fields, list) else []:
        if not isinstance(fdef, dict):
            continue
        col, ftype = fdef.get("name"), fdef.get("type", "string")
        if not isinstance(col, str) or col not in df.columns:
            continue
        raw = df[col].replace("", pd.NA)
        if ftype == "integer":
            num = pd.to_numeric(raw, errors="coerce").astype("Float64")
            num = num.where(num.abs() < 2**53)
            df[col] = num.round().astype("Int64")
        elif ftype == "number":
            num = pd.to_numeric(raw, errors="coerce").astype("Float64")
            df[col] = num.where(num.abs() < float("inf"))
        elif ftype == "boolean":
            df[col] = raw.map({"true": True, "false": False}).astype("boolean")
        elif ftype == "date":
            df[col] = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
    return df
