"""Load a data package from a directory, reading only files inside it.

Every path that comes from the descriptor goes through :func:`safe_path`, which
refuses URLs, absolute paths and paths that climb out of the package directory
(also through symbolic links). Nothing here touches the network.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

import pandas as pd

from .findings import CouldNotRun

DESCRIPTOR = "datapackage.json"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


class UnsafePath(ValueError):
    """A descriptor path that would leave the package directory."""


def safe_path(root: Path, relpath: object) -> Path:
    """Resolve ``relpath`` inside ``root`` or raise :class:`UnsafePath`."""
    if not isinstance(relpath, str) or not relpath:
        raise UnsafePath(f"path must be a non-empty string, got {relpath!r}")
    if _URL.match(relpath) or relpath.startswith("//"):
        raise UnsafePath(f"'{relpath}' is a URL; validation is offline and reads only local files")
    if "\\" in relpath or "\x00" in relpath:
        raise UnsafePath(f"'{relpath}' contains a backslash or NUL; use '/'-separated relative paths")
    pure = PurePosixPath(relpath)
    if pure.is_absolute():
        raise UnsafePath(f"'{relpath}' is absolute; paths must be relative to the package directory")
    if ".." in pure.parts:
        raise UnsafePath(f"'{relpath}' climbs with '..'; paths must stay inside the package directory")
    resolved = (root / pure).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise UnsafePath(f"'{relpath}' resolves outside the package directory (symbolic link?)")
    return resolved


def read_bytes(root: Path, relpath: str) -> bytes:
    """Read a file named by the descriptor; missing or unreadable files stop the run."""
    path = safe_path(root, relpath)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CouldNotRun(f"{relpath}: file not found",
                          "restore the file or correct its path in datapackage.json") from None
    except OSError as exc:
        raise CouldNotRun(f"{relpath}: cannot read file ({exc.strerror})",
                          "check the file's permissions") from None


@dataclass
class Package:
    """A data package directory and its parsed descriptor."""

    root: Path
    descriptor: dict
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    # -- resources ---------------------------------------------------------
    @cached_property
    def resources(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for res in self.descriptor.get("resources", []) or []:
            if isinstance(res, dict) and isinstance(res.get("name"), str):
                out.setdefault(res["name"], res)
        return out

    def tabular(self) -> list[str]:
        return sorted(n for n, r in self.resources.items() if r.get("type") == "table")

    def texts(self) -> list[str]:
        return sorted(n for n, r in self.resources.items() if r.get("type") == "text")

    def path_of(self, name: str) -> str:
        return self.resources[name]["path"]

    def schema(self, name: str) -> dict:
        """The Table Schema of a resource (inline or by a relative path)."""
        ref = self.resources[name].get("schema")
        if isinstance(ref, dict):
            return ref
        raw = read_bytes(self.root, ref)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CouldNotRun(f"{ref}: not valid UTF-8 JSON ({exc})",
                              "fix the schema file; it must be a JSON object") from None

    def frame(self, name: str) -> pd.DataFrame:
        """The resource as a DataFrame of strings (empty cells are '').

        The index is the CSV line number (header = line 1), so findings can
        name rows exactly as a user sees them in an editor.
        """
        if name not in self._frames:
            raw = read_bytes(self.root, self.path_of(name))
            text = raw.decode("utf-8", errors="replace")
            rows = list(csv.reader(io.StringIO(text, newline="")))
            header, body = (rows[0], rows[1:]) if rows else ([], [])
            width = len(header)
            body = [(r + [""] * width)[:width] for r in body]
            df = pd.DataFrame(body, columns=header, dtype=str)
            df.index = range(2, len(df) + 2)
            self._frames[name] = df
        return self._frames[name]

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
        return read_bytes(self.root, self.path_of(name)).decode("utf-8", errors="replace")


def load(path: str | Path) -> Package:
    """Load ``path`` (a package directory or its datapackage.json)."""
    p = Path(path)
    root = p.parent if p.name == DESCRIPTOR or p.is_file() else p
    desc_path = root / DESCRIPTOR
    if not root.exists():
        raise CouldNotRun(f"{path}: no such directory", "pass the package directory, e.g. 'zqclaims validate .'")
    if not desc_path.is_file():
        raise CouldNotRun(f"{DESCRIPTOR}: not found in {path}",
                          "pass the directory that contains datapackage.json")
    try:
        raw = desc_path.read_bytes()
    except OSError as exc:
        raise CouldNotRun(f"{DESCRIPTOR}: cannot read ({exc.strerror})", "check the file's permissions") from None
    try:
        descriptor = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CouldNotRun(f"{DESCRIPTOR}: not UTF-8 (byte {exc.start})",
                          "restore the descriptor from version control") from None
    except json.JSONDecodeError as exc:
        raise CouldNotRun(f"{DESCRIPTOR}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                          "fix the JSON syntax (a validator such as 'python -m json.tool' shows where)") from None
    if not isinstance(descriptor, dict):
        raise CouldNotRun(f"{DESCRIPTOR}: top level must be a JSON object", "restore the descriptor")
    return Package(root=root.resolve(), descriptor=descriptor)


def typed_frame(pkg: Package, name: str) -> pd.DataFrame:
    """The resource with columns cast by their Table Schema types.

    Cells that do not parse become missing (the ``tables`` stage reports them);
    this view is for set-based checks that compare numbers and dates.
    """
    df = pkg.frame(name).copy()
    for fdef in pkg.schema(name).get("fields", []):
        col, ftype = fdef.get("name"), fdef.get("type", "string")
        if col not in df.columns:
            continue
        raw = df[col].replace("", pd.NA)
        if ftype == "integer":
            df[col] = pd.to_numeric(raw, errors="coerce").astype("Float64").round().astype("Int64")
        elif ftype == "number":
            df[col] = pd.to_numeric(raw, errors="coerce").astype("Float64")
        elif ftype == "boolean":
            df[col] = raw.map({"true": True, "false": False}).astype("boolean")
        elif ftype == "date":
            df[col] = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
    return df
