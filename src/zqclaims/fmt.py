"""Canonical form: rewrite CSVs (UTF-8, LF, sorted by primary key, minimal
quoting), derive quote_zh_hans, claims.fact_id and resources/facts.csv, fill
empty sha256/char_count cells of new articles, and refresh hashes and byte
counts in the descriptor.

Safety rules (the package directory is untrusted input):

* archived texts (the ``text_path`` column of articles.csv) are never written;
  a descriptor that declares one, or any non-``.csv`` file, as a table is refused;
* every JSON file is read strictly (:mod:`zqclaims.safejson`), every CSV with a
  bounded cell size, and every rewritten CSV is read back and compared cell by
  cell before anything is written;
* all files of one run are replaced together (:mod:`zqclaims.transaction`),
  keeping their permission bits;
* fmt refuses to refresh hashes over damage: unless ``force``, any validation
  finding that fmt does not repair stops it before it writes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import safejson, transaction
from .csvcanon import Table, in_key_order, read_table, sort_by_key, write_rows
from .findings import CouldNotRun, Finding
from .package import DESCRIPTOR, Package, UnsafePath, locate, read_bytes, safe_path
from .limits import MAX_TEXT_BYTES
from .transaction import interrupted

__all__ = ["REPAIRED", "Refused", "canonical_csv", "canonical_problem", "format_package", "interrupted", "load"]

ARTICLES_CSV = "resources/articles.csv"
#: Check ids whose findings fmt repairs (so they never stop it).
REPAIRED = frozenset({"table-hash-count", "table-byte-count", "table-not-canonical", "quote-zh-hans",
                      "provenance-descriptor-hash", "fact-id", "facts-derived"})
#: The derived resource fmt writes whole (it may not exist yet).
FACTS = "facts"
#: Findings about a cell that fmt fills (an empty sha256/char_count of a new article) or derives
#: (quote_zh_hans); they do not stop fmt when they name exactly such a cell.
_FILLABLE = frozenset({"provenance-hash", "provenance-char-count", "table-constraint-error", "table-type-error"})
_HASH_FIELD = re.compile(r"^resources\.\d+\.(hash|bytes)$")
_HASH_REQUIRED = re.compile(r"^'(hash|bytes)' is a required property$")
MAX_LISTED = 20
HINT_FORCE = "fix these first, or pass --force if you have checked that the changes are intended"


class Refused(Exception):
    """fmt would refresh hashes over findings it does not repair (exit code 1)."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        lines = [f"fmt refused: {len(findings)} finding(s) that fmt does not repair; refreshing hashes now "
                 "would hide them"]
        for f in findings[:MAX_LISTED]:
            where = f.resource + (f":{f.line}" if f.line is not None else "") + (f" ({f.key})" if f.key else "")
            lines.append(f"  {where} [{f.check_id}] {f.message}")
        if len(findings) > MAX_LISTED:
            lines.append(f"  and {len(findings) - MAX_LISTED} more")
        self.message = "\n".join(lines)
        self.hint = HINT_FORCE
        super().__init__(self.message)


# -- strict reading --------------------------------------------------------

def _json_file(root: Path, relpath: str) -> Any:
    try:
        return safejson.loads(read_bytes(root, relpath))
    except safejson.JSONProblem as exc:
        raise CouldNotRun(f"{relpath}: {exc.message}", "fix the JSON file; fmt reads only strict JSON") from None
    except UnsafePath as exc:
        raise CouldNotRun(f"{relpath}: {exc}", "use a relative path inside the package directory") from None


def _descriptor(root: Path) -> dict:
    if not (root / DESCRIPTOR).is_file():
        raise CouldNotRun(f"{DESCRIPTOR}: not found", "pass the directory that contains datapackage.json")
    desc = _json_file(root, DESCRIPTOR)
    if not isinstance(desc, dict):
        raise CouldNotRun(f"{DESCRIPTOR}: top level must be a JSON object", "restore the descriptor")
    return desc


def load(path: str | Path) -> Package:
    """Load a package directory (or its datapackage.json) with a strictly parsed descriptor
    and the package's own rules (fmt works on the maintainer's checkout)."""
    root = locate(path).resolve()
    return Package(root=root, descriptor=_descriptor(root), rules_source="package")


def _schema(pkg: Package, res: dict) -> dict:
    ref = res.get("schema")
    if ref is None:
        return {}
    schema = ref if isinstance(ref, dict) else _json_file(pkg.root, ref) if isinstance(ref, str) else None
    if not isinstance(schema, dict):
        where = ref if isinstance(ref, str) else f"{DESCRIPTOR}: schema of resource '{res.get('name')}'"
        raise CouldNotRun(f"{where}: a Table Schema must be a JSON object",
                          "restore the schema; it is an object with 'fields' and 'primaryKey'")
    return schema


def _read_csv(pkg: Package, relpath: str) -> tuple[bytes, Table]:
    raw = pkg.read(relpath)  # cached: the tables stage's canonical check reuses the validator's read
    return raw, read_table(raw, relpath)


def _read_derived(pkg: Package, relpath: str) -> tuple[bytes, Table]:
    """A derived table that fmt writes whole: read if present, else empty (fmt creates it)."""
    if not (pkg.root / relpath).exists() and not (pkg.root / relpath).is_symlink():
        from . import facts

        return b"", Table(list(facts.COLUMNS), [], [])
    return _read_csv(pkg, relpath)


# -- what is a text, what is a table ---------------------------------------

def _text_paths(root: Path, desc: dict) -> set[Path]:
    """Every archived text: the text_path cells of articles.csv (and of the
    descriptor's 'articles' resource, if it names another file)."""
    sources = {ARTICLES_CSV}
    listed = desc.get("resources")
    for res in listed if isinstance(listed, list) else []:
        if isinstance(res, dict) and res.get("name") == "articles" and isinstance(res.get("path"), str):
            sources.add(res["path"])
    texts: set[Path] = set()
    for relpath in sorted(sources):
        try:
            path = safe_path(root, relpath)
        except UnsafePath:
            continue
        if not path.is_file():
            continue
        table = read_table(read_bytes(root, relpath), relpath)
        if "text_path" not in table.header:
            continue
        col = table.header.index("text_path")
        for row in table.body:
            try:
                texts.add(safe_path(root, row[col]))
            except UnsafePath:
                continue
    return texts


@dataclass
class _Resource:
    index: int
    res: dict
    relpath: str
    path: Path

    @property
    def label(self) -> str:
        name = self.res.get("name")
        return f"resource '{name}'" if isinstance(name, str) else f"resources[{self.index}]"

    @property
    def is_table(self) -> bool:
        return self.res.get("type") == "table"


def _resources(pkg: Package, texts: set[Path]) -> list[_Resource]:
    """Every resource of the descriptor, refusing tables that are texts or not CSV."""
    listed = pkg.descriptor.get("resources", [])
    if not isinstance(listed, list):
        raise CouldNotRun(f"{DESCRIPTOR}: 'resources' must be a list", "restore the descriptor")
    out: list[_Resource] = []
    names: set[str] = set()
    tables: dict[Path, str] = {}
    for i, res in enumerate(listed):
        if not isinstance(res, dict):
            raise CouldNotRun(f"{DESCRIPTOR}: resources[{i}] is not an object", "restore the descriptor")
        try:
            item = _Resource(i, res, res.get("path"), safe_path(pkg.root, res.get("path")))
        except UnsafePath as exc:
            raise CouldNotRun(f"{DESCRIPTOR}: resources[{i}]: {exc}",
                              "use a relative path inside the package directory") from None
        name = res.get("name")
        if isinstance(name, str):
            if name in names:
                raise CouldNotRun(f"{DESCRIPTOR}: two resources are named '{name}'", "give each resource its own name")
            names.add(name)
        if item.is_table:
            if item.path in texts:
                raise CouldNotRun(f"{DESCRIPTOR}: {item.label} declares the archived article text '{item.relpath}' "
                                  "as a table", "archived texts are evidence and fmt never rewrites them; "
                                  "declare the resource with type 'text'")
            if not item.relpath.endswith(".csv") or item.path.suffix != ".csv":
                raise CouldNotRun(f"{DESCRIPTOR}: {item.label} declares '{item.relpath}', which is not a .csv file, "
                                  "as a table", "fmt rewrites only CSV tables; correct the path or the type")
            if item.path in tables:
                raise CouldNotRun(f"{DESCRIPTOR}: {item.label} and {tables[item.path]} name the same file "
                                  f"'{item.relpath}'", "give each resource its own file")
            tables[item.path] = item.label
        out.append(item)
    return out


# -- canonical form of one table -------------------------------------------

def _table_resource(pkg: Package, name: str) -> _Resource:
    cache = pkg.__dict__.setdefault("_derived", {})
    if "fmt_resources" not in cache:  # resolved once per run, not once per table
        cache["fmt_resources"] = _resources(pkg, _text_paths(pkg.root, pkg.descriptor))
    found = [r for r in cache["fmt_resources"] if r.res.get("name") == name and r.is_table]
    if not found:
        raise CouldNotRun(f"{DESCRIPTOR}: no table resource named '{name}'", "restore the descriptor")
    return found[0]


def _canonical(pkg: Package, item: _Resource, table: Table) -> bytes:
    return write_rows(table.header, sort_by_key(table, _schema(pkg, item.res)), item.relpath)


def canonical_csv(pkg: Package, name: str) -> bytes:
    """The canonical bytes of a tabular resource (raises CouldNotRun when there are none)."""
    item = _table_resource(pkg, name)
    return _canonical(pkg, item, _read_csv(pkg, item.relpath)[1])


def canonical_problem(pkg: Package, name: str) -> str:
    """Why a CSV is not canonical, or '' when it is."""
    try:
        item = _table_resource(pkg, name)
        parsed = pkg.table(name)
        if not parsed.problems and parsed.canonical_bytes and in_key_order(parsed.frame, _schema(pkg, item.res)):
            return ""  # proven while the validator parsed the file; otherwise diagnosed below
        raw, table = _read_csv(pkg, item.relpath)
        want = _canonical(pkg, item, table)
    except CouldNotRun as exc:
        return exc.message
    if raw == want:
        return ""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "file starts with a byte-order mark"
    if raw.split(b"\n", 1)[0].endswith(b"\r"):
        return "file uses CRLF line endings"
    got_lines, want_lines = raw.split(b"\n"), want.split(b"\n")
    if sorted(got_lines) == sorted(want_lines):
        return "rows are not sorted by the primary key"
    for i, (a, b) in enumerate(zip(got_lines, want_lines), start=1):
        if a != b:
            return f"line {i} differs from its canonical form (quoting or trailing content)"
    return "trailing content differs from canonical form (final newline?)"


# -- derived cells ---------------------------------------------------------

def _fill_article_hashes(pkg: Package, relpath: str, table: Table) -> set[tuple[str, int, str]]:
    """Fill empty sha256/char_count cells; never overwrite one. Returns the
    (file, line, column) of each cell it filled (the line on which its record starts)."""
    if not {"text_path", "sha256", "char_count"} <= set(table.header):
        return set()
    tp, sh, cc = (table.header.index(c) for c in ("text_path", "sha256", "char_count"))
    filled: set[tuple[str, int, str]] = set()
    for row, line in zip(table.body, table.lines):
        if not row[tp] or (row[sh] and row[cc]):
            continue
        try:
            data = pkg.read(row[tp], MAX_TEXT_BYTES)
            chars = len(data.decode("utf-8"))
        except UnsafePath as exc:
            raise CouldNotRun(f"{relpath}: line {line}: text_path: {exc}", "correct text_path") from None
        except UnicodeDecodeError as exc:
            raise CouldNotRun(f"{relpath}: line {line}: {row[tp]} is not UTF-8 (byte {exc.start})",
                              "archive the text as UTF-8") from None
        if not row[sh]:
            row[sh] = hashlib.sha256(data).hexdigest()
            filled.add((relpath, line, "sha256"))
        if not row[cc]:
            row[cc] = str(chars)
            filled.add((relpath, line, "char_count"))
    return filled


def _derive_simplified(relpath: str, table: Table, col: str) -> set[tuple[str, int, str]]:
    """Set quote_zh_hans from the quote (derived text, never typed by hand).
    Returns the (file, line, column) of each cell it changed."""
    from .textnorm import to_simplified

    if "quote_zh_hans" not in table.header or col not in table.header:
        return set()
    q, z = table.header.index(col), table.header.index("quote_zh_hans")
    changed = set()
    for row, line in zip(table.body, table.lines):
        want = to_simplified(row[q])
        if row[z] != want:
            row[z] = want
            changed.add((relpath, line, "quote_zh_hans"))
    return changed


def _frame(table: Table):
    import pandas as pd

    return pd.DataFrame(table.body, columns=table.header, dtype=object).fillna("") if table.body else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in table.header})


def _derive_facts(tables: dict[str, _Resource], parsed: dict[str, tuple[bytes, Table]]) -> set[tuple[str, int, str]]:
    """Set claims.fact_id and rebuild facts.csv from claims and same_fact relations
    (:mod:`zqclaims.facts`). Returns the (file, line, column) of each claims cell changed."""
    from . import facts

    need = {"claims": facts.CLAIM_COLUMNS, "relations": ["relation_id", "relation_type"],
            "relation_members": ["relation_id", "claim_id"]}
    if any(name not in parsed or not set(cols) <= set(parsed[name][1].header) for name, cols in need.items()):
        return set()
    claims = parsed["claims"][1]
    frame = _frame(claims)
    first = facts.first_claims(frame, _frame(parsed["relations"][1]), _frame(parsed["relation_members"][1]))
    changed: set[tuple[str, int, str]] = set()
    if "fact_id" in claims.header:
        col = claims.header.index("fact_id")
        for row, line, want in zip(claims.body, claims.lines, facts.fact_of(first)):
            if row[col] != want:
                row[col] = want
                changed.add((tables["claims"].relpath, line, "fact_id"))
    if FACTS in parsed:
        table = facts.facts_table(frame, first)
        parsed[FACTS] = (parsed[FACTS][0], Table(list(facts.COLUMNS), table.to_numpy().tolist(), []))
    return changed


# -- the plan --------------------------------------------------------------

@dataclass
class _Plan:
    writes: dict[Path, bytes]
    texts: set[Path]
    #: (file, line, column) of every cell fmt fills or derives
    derived: set[tuple[str, int, str]]


def _plan(pkg: Package) -> _Plan:
    """Compute every new file in memory; nothing is written here."""
    from .spans import SPAN_RESOURCES

    texts = _text_paths(pkg.root, pkg.descriptor)
    items = _resources(pkg, texts)
    tables = {r.res["name"] if isinstance(r.res.get("name"), str) else f"#{r.index}": r
              for r in items if r.is_table}
    parsed = {name: (_read_derived if name == FACTS else _read_csv)(pkg, item.relpath) for name, item in tables.items()}
    derived: set[tuple[str, int, str]] = set()
    if "articles" in tables:
        derived |= _fill_article_hashes(pkg, tables["articles"].relpath, parsed["articles"][1])
    for name, col in SPAN_RESOURCES.items():
        if name in parsed:
            derived |= _derive_simplified(tables[name].relpath, parsed[name][1], col)
    derived |= _derive_facts(tables, parsed)
    new: dict[Path, bytes] = {}
    for name, item in tables.items():
        raw, table = parsed[name]
        want = _canonical(pkg, item, table)
        if want != raw:
            new[item.path] = want
    desc = copy.deepcopy(pkg.descriptor)
    for item in items:
        data = new[item.path] if item.path in new else pkg.read(item.relpath)
        res = desc["resources"][item.index]
        res["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        res["bytes"] = len(data)
    text = json.dumps(desc, ensure_ascii=False, indent=2) + "\n"
    try:
        lossless = safejson.loads(text.encode("utf-8")) == desc  # strict input round-trips; never write if not
    except safejson.JSONProblem:
        lossless = False
    if not lossless:
        raise CouldNotRun(f"{DESCRIPTOR}: cannot be written back losslessly", "report this with the file attached")
    if text.encode("utf-8") != pkg.read(DESCRIPTOR):
        new[pkg.root / DESCRIPTOR] = text.encode("utf-8")
    for path in sorted(texts & set(new)):  # only the descriptor can get here; the last guard before writing
        raise CouldNotRun(f"{path.relative_to(pkg.root).as_posix()}: articles.csv lists it as an archived text, "
                          "and fmt never rewrites one", "correct text_path in articles.csv")
    return _Plan(new, texts, derived)


# -- refusing to hide damage -----------------------------------------------

def _repaired_by_fmt(f: Finding, plan: _Plan) -> bool:
    if f.check_id in REPAIRED:
        return True
    if f.check_id == "descriptor-extension":
        return bool(_HASH_FIELD.match(f.field) or _HASH_REQUIRED.match(f.message))
    return f.check_id in _FILLABLE and f.line is not None and (f.resource, f.line, f.field) in plan.derived


def _unrepaired(root: Path, plan: _Plan) -> list[Finding]:
    from .validate import validate

    try:
        report = validate(root)
    except CouldNotRun:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input must not become a traceback
        raise CouldNotRun(f"validation before fmt stopped on unreadable input: {type(exc).__name__}: {exc}",
                          "run 'zqclaims validate' to find the damaged file") from None
    return [f for f in report.sorted() if not _repaired_by_fmt(f, plan)]


def _relpath(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def format_package(pkg: Package, *, force: bool = False, check: bool = False) -> list[str]:
    """Rewrite the package in canonical form; return the paths changed (sorted).

    ``check``: write nothing, return the paths that would change (and any files
    an interrupted run left). ``force``: do not refuse because of findings.
    Raises :class:`CouldNotRun` on input fmt cannot handle losslessly and
    :class:`Refused` when validation finds damage fmt would hide."""
    root = pkg.root.resolve()
    try:
        if check:
            pending = interrupted(root)
        else:
            pending = []
            _recover(root)
        pkg = Package(root=root, descriptor=_descriptor(root))
        plan = _plan(pkg)
        changed = sorted({_relpath(root, p) for p in plan.writes} | set(pending))
        if check or not plan.writes:
            return changed
        if not force:
            findings = _unrepaired(root, plan)
            if findings:
                raise Refused(findings)
        transaction.commit(root, plan.writes)
    except OSError as exc:
        name = Path(exc.filename).name if exc.filename else "a file"
        raise CouldNotRun(f"fmt stopped: {name}: {exc.strerror}",
                          "check permissions and free space, then run 'zqclaims fmt' again "
                          "(an interrupted run is completed or undone then)") from None
    return changed


def _recover(root: Path) -> None:
    if not interrupted(root):
        return
    try:
        desc = _descriptor(root)
    except CouldNotRun:
        desc = {}
    texts = _text_paths(root, desc)
    transaction.recover(root, is_text=lambda p: p in texts)
