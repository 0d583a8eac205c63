"""What changed in the data between two copies of the package: ``zqclaims diff OLD NEW``.

Each side is a package directory or a release zip. A zip is unpacked into a
temporary folder first, refusing what an archive could use to escape or exhaust
(absolute or ``..`` paths, links, more files or bytes than the limits), and then
read like a directory: every file through :mod:`zqclaims.package`, bounded,
without following links. Rows are matched by the table's primary key (from the
new side's Table Schema, else the first column) with one merge per table:
added and removed keys, and for matched rows each changed field with its old
and new value. Archived texts are compared by content.
"""

from __future__ import annotations

import stat
import tempfile
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import guard, limits, release
from . import package as package_mod
from .findings import CouldNotRun, UsageProblem

#: Key separator when a primary key has several fields.
SEP = " | "


@dataclass
class Side:
    label: str
    name: str
    version: str
    tables: dict[str, pd.DataFrame]
    keys: dict[str, list[str]]
    texts: dict[str, bytes] = field(default_factory=dict)


def unzip(path: Path, into: Path) -> Path:
    """Unpack a release zip safely; returns the folder that holds its datapackage.json."""
    total = 0
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CouldNotRun(f"{path.name}: not a readable zip ({exc})", "pass a release zip or a package directory")
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.MAX_FILES:
            raise CouldNotRun(f"{path.name}: more than {limits.MAX_FILES:,} entries", "this is not a release zip")
        for info in infos:
            name = info.filename
            parts = Path(name).parts
            mode = info.external_attr >> 16
            if name.startswith(("/", "\\")) or ".." in parts or ":" in name or "\\" in name:
                raise CouldNotRun(f"{path.name}: entry {name!r} points outside the archive",
                                  "do not use this zip: a release zip has only relative paths")
            if stat.S_ISLNK(mode):
                raise CouldNotRun(f"{path.name}: entry {name!r} is a symbolic link",
                                  "do not use this zip: a release zip has only regular files")
            total += info.file_size
            if info.file_size > limits.MAX_CSV_BYTES or total > 4 * limits.MAX_CSV_BYTES:
                raise CouldNotRun(f"{path.name}: too large to unpack ({total:,} bytes so far)",
                                  "a release zip is far smaller; do not use this one")
        for info in infos:
            target = into / info.filename
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                copied = 0
                while block := src.read(1 << 20):
                    copied += len(block)
                    if copied > info.file_size:  # the header lied about the size
                        raise CouldNotRun(f"{path.name}: entry {info.filename!r} is larger than it says",
                                          "do not use this zip")
                    dst.write(block)
    found = sorted(p.parent for p in into.rglob(package_mod.DESCRIPTOR) if p.is_file())
    if not found:
        raise UsageProblem(f"{path.name}: no {package_mod.DESCRIPTOR} in the zip", "pass a release zip")
    return min(found, key=lambda p: len(p.parts))


def load_side(path: str, stack: ExitStack) -> Side:
    p = Path(path)
    root: str | Path = path
    if p.is_file() and p.suffix == ".zip":
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zqclaims-diff-")))
        root = unzip(p, tmp)
    pkg = package_mod.load(root, rules="package")
    with guard.sandbox(pkg.root, extra_reads=(release.root(),)):
        return _read(pkg, path, p)


def _read(pkg: package_mod.Package, path: str, p: Path) -> Side:
    if not pkg.descriptor:
        problem = pkg.problems[0].message if pkg.problems else "unreadable"
        raise CouldNotRun(f"{path}: the descriptor cannot be read ({problem})", "run 'zqclaims validate' on it")
    tables, keys = {}, {}
    for name in pkg.tabular():
        table = pkg.table(name)
        if table.over_limit:
            raise CouldNotRun(f"{path}: {name} is over the limits ({table.problems[0].message})",
                              "run 'zqclaims validate' on it")
        tables[name] = table.frame
        keys[name] = _key_of(pkg, name, table.frame)
    texts = {}
    for name in pkg.texts():
        try:
            texts[pkg.path_of(name)] = pkg.read(pkg.path_of(name), limits.MAX_TEXT_BYTES)
        except (CouldNotRun, package_mod.UnsafePath, package_mod.TooLarge):
            texts[pkg.path_of(name)] = b""
    desc = pkg.descriptor
    return Side(label=p.name or path, name=str(desc.get("name", "")), version=str(desc.get("version", "")),
                tables=tables, keys=keys, texts=texts)


def _key_of(pkg: package_mod.Package, name: str, frame: pd.DataFrame) -> list[str]:
    """The table's primary key, or its first column when the schema names none it has."""
    try:
        pk = pkg.key_columns(name)
    except (package_mod.RuleError, CouldNotRun):
        pk = []
    return pk or list(frame.columns[:1])


def compare(old: Side, new: Side) -> dict:
    """The differences, JSON-ready and sorted: per table added and removed keys, changed
    fields (key, field, old, new), columns added and removed; texts added, removed, changed."""
    tables = {}
    for name in sorted(set(old.tables) | set(new.tables)):
        if name not in old.tables or name not in new.tables:
            side = new if name in new.tables else old
            keys = sorted(_keys(side.tables[name], side.keys[name]))
            tables[name] = {"table_added" if side is new else "table_removed": True,
                            "added" if side is new else "removed": keys}
            continue
        tables[name] = _table_diff(old.tables[name], new.tables[name], new.keys[name])
    tables = {k: v for k, v in tables.items() if any(v.values())}
    texts = {
        "added": sorted(set(new.texts) - set(old.texts)),
        "removed": sorted(set(old.texts) - set(new.texts)),
        "changed": sorted(p for p in set(old.texts) & set(new.texts) if old.texts[p] != new.texts[p]),
    }
    return {"old": {"source": old.label, "name": old.name, "version": old.version},
            "new": {"source": new.label, "name": new.name, "version": new.version},
            "tables": tables, "texts": {k: v for k, v in texts.items() if v},
            "identical": not tables and not any(texts.values())}


def _keys(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    if not key:
        return pd.Series([], dtype=str)
    out = frame[key[0]].astype(str)
    for col in key[1:]:
        out = out + SEP + frame[col].astype(str)
    return out


def _table_diff(old: pd.DataFrame, new: pd.DataFrame, key: list[str]) -> dict:
    if any(k not in old.columns for k in key):
        return {"key_changed": True, "added": sorted(_keys(new, key)), "removed": []}
    a = old.assign(_key=_keys(old, key).to_numpy()).drop_duplicates("_key").set_index("_key")
    b = new.assign(_key=_keys(new, key).to_numpy()).drop_duplicates("_key").set_index("_key")
    added = sorted(b.index.difference(a.index))
    removed = sorted(a.index.difference(b.index))
    both = a.index.intersection(b.index)
    shared = [c for c in b.columns if c in a.columns and c not in key]
    changed: list[dict] = []
    if len(both) and shared:
        left = a.loc[both, shared].astype(str)
        right = b.loc[both, shared].astype(str)
        mask = left.ne(right)
        if mask.to_numpy().any():
            long = mask.stack()
            long = long[long]
            keys = long.index.get_level_values(0)
            fields = long.index.get_level_values(1)
            olds = left.stack()[long.index]
            news = right.stack()[long.index]
            changed = [{"key": k, "field": f, "old": o, "new": n}
                       for k, f, o, n in sorted(zip(keys, fields, olds, news))]
    return {"added": added, "removed": removed, "changed": changed,
            "columns_added": [c for c in b.columns if c not in a.columns],
            "columns_removed": [c for c in a.columns if c not in b.columns]}


def diff(old_path: str, new_path: str) -> dict:
    with ExitStack() as stack:
        return compare(load_side(old_path, stack), load_side(new_path, stack))
