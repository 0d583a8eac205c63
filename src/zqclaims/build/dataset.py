"""What every artifact of a build is made from: the validated package, in memory.

:func:`from_package` takes the :class:`~zqclaims.package.Package` that validation
has just read (its tables are parsed and its files cached, so nothing is read
twice) and completes it inside the validator's sandbox: bounded reads, no
symbolic link followed, nothing outside the package. The writers never touch
the package directory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import guard, release
from .. import package as package_mod
from .. import relations as relations_mod
from ..spans import article_texts

#: Files besides the package parts that a release archive carries, when present.
DOCUMENTS = ("README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md", "CONTRIBUTING.md")
#: The documentation the README links to: the Markdown files directly in this folder.
DOCS = "docs"
WEB_URL = re.compile(r"^https?://[^\s<>\"']+$")


def web_url(url: object) -> str:
    """``url`` when it is an http(s) address, else '' (never a ``javascript:`` link from a cell)."""
    text = str(url or "")
    return text if WEB_URL.match(text) else ""


@dataclass
class Dataset:
    """A validated package in memory.

    ``tables`` are the tabular resources in descriptor order as DataFrames of
    strings (an empty cell is ``''``), ``schemas`` their Table Schemas, ``texts``
    maps article_id to the archived text, ``files`` maps every file the release
    archive carries (relative path, sorted) to its bytes.
    """

    descriptor: dict
    tables: dict[str, pd.DataFrame]
    schemas: dict[str, dict]
    texts: dict[str, str]
    files: dict[str, bytes] = field(default_factory=dict)
    #: every relation evaluated (:func:`zqclaims.relations.as_records`), in relation_id order
    relations: list[dict] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.descriptor.get("name") or "zhaoqing-investment-claims")

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version") or "0.0.0")

    @property
    def title(self) -> str:
        return str(self.descriptor.get("title") or self.name)

    @property
    def license(self) -> dict:
        """The first licence; ``path`` only when it is an http(s) address (it becomes a link)."""
        licenses = self.descriptor.get("licenses") or [{}]
        first = licenses[0] if isinstance(licenses, list) and isinstance(licenses[0], dict) else {}
        return {"name": str(first.get("name", "")), "path": web_url(first.get("path")),
                "title": str(first.get("title", ""))}

    @property
    def citation(self) -> str:
        """How to cite, in one line (CITATION.cff carries the same)."""
        authors = "; ".join(str(c.get("title", "")) for c in self.descriptor.get("contributors", [])
                            if isinstance(c, dict)) or "zhaoqing-investment-claims contributors"
        year = str(self.descriptor.get("created", ""))[:4]
        return f"{authors} ({year}). {self.title}. Version {self.version}. {self.license['name']}."

    def description(self, table: str) -> str:
        res = next((r for r in self.descriptor.get("resources", []) if r.get("name") == table), {})
        return str(res.get("description") or self.schemas.get(table, {}).get("description") or "")

    def columns(self, table: str) -> dict[str, list]:
        """The table's columns as Python values typed by its Table Schema (int, float, bool,
        datetime.date, str), ``None`` for an empty cell: what the SQLite and Excel writers store."""
        schema = self.schemas[table]
        frame = package_mod.typed(self.tables[table], schema)
        out = {}
        for f in schema.get("fields", []):
            col = f["name"]
            s = frame[col] if col in frame.columns else pd.Series([""] * len(frame), index=frame.index)
            kind = f.get("type", "string")
            if kind == "date":
                values = s.dt.date.astype(object)
            elif kind in ("integer", "number", "boolean"):
                values = s.astype(object)
            else:
                values = s.astype(object).where(s != "")
            out[col] = values.where(s.notna() & values.notna(), None).tolist()
        return out


def from_package(pkg: package_mod.Package) -> Dataset:
    """The package that validation read, completed with what the artifacts need."""
    with guard.sandbox(pkg.root, extra_reads=(release.root(),)):
        names = [r["name"] for r in pkg.descriptor.get("resources", []) if r.get("type") == "table"]
        tables = {name: pkg.frame(name) for name in names}
        schemas = {name: pkg.schema(name) for name in tables}
        texts = article_texts(pkg)
        files = {rel: pkg.read(rel, release.limit_for(rel)) for rel in _release_files(pkg)}
        evaluated = relations_mod.as_records(relations_mod.evaluate(pkg)) if "relations" in tables else []
    return Dataset(descriptor=pkg.descriptor, tables=tables, schemas=schemas, texts=texts, files=files,
                   relations=evaluated)


def load(path: str | Path) -> Dataset:
    """Read the package at ``path`` (it is not validated here: :func:`zqclaims.build.build` does that)."""
    return from_package(package_mod.load(path))


def _release_files(pkg: package_mod.Package) -> list[str]:
    files, _odd, _stopped = release.walk(pkg.root)  # links and odd files are never followed
    docs = pkg.root / DOCS
    pages = [f"{DOCS}/{p.name}" for p in docs.glob("*.md")] if docs.is_dir() and not docs.is_symlink() else []
    return sorted(set(files) | {d for d in (*DOCUMENTS, *pages) if _regular(pkg.root / d)})


def _regular(p: Path) -> bool:
    return p.is_file() and not p.is_symlink()
