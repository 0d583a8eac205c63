"""``zqclaims build``: what users download, made from a package that validates.

:func:`build` validates the package (and refuses when there is any finding),
reads it once (:mod:`.dataset`), and writes into ``out``, deterministically:

- ``<name>-<version>.zip``: the data package as released (:mod:`.archive`);
- ``<name>.sqlite`` and ``metadata.json`` for Datasette (:mod:`.sqlite`);
- ``<name>.xlsx`` (:mod:`.workbook`);
- ``SHA256SUMS`` for those files, and ``validation-report.json``;
- ``site/``: the static site (:mod:`.site`), with copies of the downloads.

The same package gives byte-identical files: archive entries carry the
package's ``created`` date, and nothing records the time or place of the build.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .. import package, render
from ..findings import CouldNotRun, Report
from ..stages import STAGES
from ..validate import CHECKS as RUN_CHECKS
from ..validate import check
from . import archive, dataset, site, sqlite, workbook

REPORT = "validation-report.json"


class Refused(Exception):
    """The package has findings: nothing was built."""

    def __init__(self, report: Report) -> None:
        super().__init__("the package has findings")
        self.report = report


@dataclass
class Built:
    out: Path
    artifacts: dict[str, str] = field(default_factory=dict)  # name -> sha256
    pages: list[str] = field(default_factory=list)
    report: Report | None = None


def names(ds: dataset.Dataset) -> dict[str, str]:
    return {"zip": f"{ds.name}-{ds.version}.zip", "sqlite": f"{ds.name}.sqlite", "metadata": "metadata.json",
            "xlsx": f"{ds.name}.xlsx"}


def build(package_dir: str | Path, out: str | Path) -> Built:
    """Validate ``package_dir`` and write every artifact into ``out``. Raises
    :class:`Refused` when validation finds anything."""
    pkg = package.load(package_dir)
    report = check(pkg)
    if not report.valid:
        raise Refused(report)
    out = Path(out)
    _prepare(out, Path(package_dir))
    ds = dataset.from_package(pkg)  # what validation read, not read again
    n = names(ds)
    when = archive.timestamp(ds.descriptor)
    archive.write_zip(out / n["zip"], ds.files, when, prefix=f"{ds.name}-{ds.version}/")
    sqlite.write(out / n["sqlite"], ds)
    sqlite.write_metadata(out / n["metadata"], ds, db_name=Path(n["sqlite"]).stem)
    workbook.write(out / n["xlsx"], ds)
    (out / REPORT).write_text(render.as_json(report) + "\n", encoding="utf-8")
    sums = archive.write_sums(out, [n["zip"], n["sqlite"], n["metadata"], n["xlsx"], REPORT])
    pages = site.write(out / "site", ds, _downloads(out, n, sums), _checked(report))
    downloads = out / "site" / "downloads"
    downloads.mkdir()
    for name in [*sums, "SHA256SUMS"]:
        shutil.copyfile(out / name, downloads / name)
    return Built(out=out, artifacts=sums, pages=pages, report=report)


def _prepare(out: Path, package_dir: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise CouldNotRun(f"{out}: not a directory", "pass --out a directory to write into")
    resolved = out.resolve()
    for part in ("resources", "schemas", "checks"):
        inside = (package_dir / part).resolve()
        if resolved == inside or inside in resolved.parents:
            raise CouldNotRun(f"{out}: inside the package's {part}/ folder",
                              "build into a folder outside resources/, schemas/ and checks/ (default: dist)")
    out.mkdir(parents=True, exist_ok=True)


WHAT = {"zip": "the data package: descriptor, CSVs, archived texts, schemas, checks and documents",
        "sqlite": "SQLite database with typed columns, keys and full-text search (for Datasette)",
        "metadata": "Datasette metadata: titles, licence and every column described",
        "xlsx": "Excel workbook: one sheet per table, a data dictionary and an About sheet"}


def _downloads(out: Path, n: dict[str, str], sums: dict[str, str]) -> list[dict]:
    items = [{"name": n[k], "what": WHAT[k]} for k in ("zip", "xlsx", "sqlite", "metadata")]
    items.append({"name": REPORT, "what": "the validation report of this build (zqclaims validate --format json)"})
    for item in items:
        item["bytes"] = (out / item["name"]).stat().st_size
        item["sha256"] = sums[item["name"]]
    items.append({"name": "SHA256SUMS", "what": "checksums of the files above",
                  "bytes": (out / "SHA256SUMS").stat().st_size,
                  "sha256": archive.sha256(out / "SHA256SUMS")})
    return items


def _checked(report: Report) -> dict:
    stages = []
    for stage in STAGES:
        if stage.ID in report.stages:
            stages.append({"id": stage.ID, "checks": sorted(stage.CHECKS.items())})
    stage_count = len(stages)
    stages.append({"id": "(the run itself)", "checks": sorted(RUN_CHECKS.items())})
    summary = render.release_summary(report) or "no release to compare with"
    return {"findings": report.total(), "stages": stages, "stage_count": stage_count,
            "total_checks": len({cid for stage in stages for cid, _ in stage["checks"]}), "summary": f"copy {summary}",
            "rules": "the rules released with zqclaims" if report.rules == "released" else "the package's own"}
