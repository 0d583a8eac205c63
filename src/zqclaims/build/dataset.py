"""What every artifact of a build is made from: the validated package, read once.

:func:`load` reads the package through :mod:`zqclaims.package` (bounded reads,
no symbolic link followed, nothing outside the package) inside the validator's
sandbox, so the writers below never touch the package directory again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import guard, limits, release
from .. import relations as relations_mod
from .. import package as package_mod
from ..spans import article_texts

#: Files besides the package parts that a release archive carries, when present.
DOCUMENTS = ("README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md")


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
        licenses = self.descriptor.get("licenses") or [{}]
        first = licenses[0] if isinstance(licenses, list) and isinstance(licenses[0], dict) else {}
        return {"name": str(first.get("name", "")), "path": str(first.get("path", "")),
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


def load(path: str | Path) -> Dataset:
    """Read the package at ``path`` (validate it first: this reads, it does not check)."""
    pkg = package_mod.load(path)
    with guard.sandbox(pkg.root, extra_reads=(release.root(),)):
        tables = {name: pkg.frame(name) for name in _in_order(pkg)}
        schemas = {name: pkg.schema(name) for name in tables}
        texts = article_texts(pkg)
        files = {rel: pkg.read(rel, _limit(rel)) for rel in _release_files(pkg)}
        evaluated = relations_mod.as_records(relations_mod.evaluate(pkg)) if "relations" in tables else []
    return Dataset(descriptor=pkg.descriptor, tables=tables, schemas=schemas, texts=texts, files=files,
                   relations=evaluated)


def _in_order(pkg: package_mod.Package) -> list[str]:
    return [r["name"] for r in pkg.descriptor.get("resources", []) if r.get("type") == "table"]


def _release_files(pkg: package_mod.Package) -> list[str]:
    files, _odd, _stopped = release.walk(pkg.root)  # links and odd files are never followed
    return sorted(set(files) | {d for d in DOCUMENTS if _regular(pkg.root / d)})


def _regular(p: Path) -> bool:
    return p.is_file() and not p.is_symlink()


def _limit(rel: str) -> int:
    return release.LIMIT_BY_SUFFIX.get(Path(rel).suffix, limits.MAX_CSV_BYTES)
