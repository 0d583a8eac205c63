"""The release this validator carries, and how a copy compares with it.

An installed zqclaims carries the package files of its own release (the
descriptor, resources, Table Schemas, row rules and expectation suites) under
``zqclaims/release/`` (see ``pyproject.toml``). A copy from anywhere is validated
with those released rules, not with its own, and :func:`compare` lists the files
that are added, removed or modified against the release's sha256 manifest.
Run from a source checkout (an editable install), the checkout is the release:
maintainers edit the rules in ``schemas/`` and ``checks/`` and validate with them.
"""

from __future__ import annotations

import hashlib
import os
import stat
from functools import lru_cache
from pathlib import Path

from . import limits, safejson
from .findings import CouldNotRun

#: What a release consists of (relative to the package root).
PARTS = ("datapackage.json", "resources", "schemas", "checks")
#: Folders whose files are rules.
RULE_FOLDERS = ("schemas/", "checks/")
#: Keys of a tabular resource that decide how it is read and checked.
RULE_KEYS = ("type", "path", "format", "mediatype", "encoding", "schema", "dialect", "profile", "$schema",
             "scheme", "compression", "innerpath", "extrapaths", "data")
#: Keys of the descriptor itself that are rules.
TOP_RULE_KEYS = ("$schema", "profile")
LIMIT_BY_SUFFIX = {".json": safejson.MAX_JSON_BYTES, ".txt": limits.MAX_TEXT_BYTES}


def limit_for(relpath: str) -> int:
    """The read bound of a package file by its kind (JSON, archived text, else CSV)."""
    return LIMIT_BY_SUFFIX.get(Path(relpath).suffix, limits.MAX_CSV_BYTES)


@lru_cache(maxsize=1)
def root() -> Path:
    """Where the released package files are: bundled in the installed package,
    or the source checkout this module runs from."""
    here = Path(__file__).resolve().parent
    bundled = here / "release"
    if (bundled / "datapackage.json").is_file():
        return bundled
    checkout = here.parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "datapackage.json").is_file():
        return checkout
    raise CouldNotRun("this zqclaims installation carries no released rules",
                      "reinstall zqclaims from a trusted source (docs/validation.md 'Checking a copy')")


@lru_cache(maxsize=1)
def version() -> str:
    desc = safejson.loads((root() / "datapackage.json").read_bytes())
    return str(desc.get("version", "")) if isinstance(desc, dict) else ""


def walk(base: Path) -> tuple[list[str], list[str], bool]:
    """Regular files under the release parts of ``base`` (relative, sorted), the
    paths that are links or not regular files (never followed), and whether the
    walk stopped at :data:`limits.MAX_FILES`."""
    files, odd = [], []
    for part in PARTS:
        top = base / part
        try:
            mode = os.lstat(top).st_mode
        except OSError:
            continue
        if not stat.S_ISDIR(mode):
            (files if stat.S_ISREG(mode) else odd).append(part)
            continue
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            rel = Path(dirpath).relative_to(base).as_posix()
            for name in sorted(dirnames):
                if os.path.islink(os.path.join(dirpath, name)):
                    odd.append(f"{rel}/{name}")
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in filenames:
                mode = os.lstat(os.path.join(dirpath, name)).st_mode
                (files if stat.S_ISREG(mode) else odd).append(f"{rel}/{name}")
            if len(files) + len(odd) > limits.MAX_FILES:
                return sorted(files), sorted(odd), True
    return sorted(files), sorted(odd), False


@lru_cache(maxsize=1)
def manifest() -> dict[str, str]:
    """sha256 of every file of the release, by relative path."""
    base = root()
    files, _, _ = walk(base)
    return {f: hashlib.sha256((base / f).read_bytes()).hexdigest() for f in files}
