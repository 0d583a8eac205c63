"""Stage ``descriptor``: the Data Package profile, our extension schema, safe paths."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
from frictionless import Package as FlPackage

from ..findings import CouldNotRun, Finding
from ..package import DESCRIPTOR, Package, UnsafePath, read_bytes, safe_path

ID = "descriptor"
CHECKS = {
    "descriptor-profile": "datapackage.json breaks the Data Package v2 profile",
    "descriptor-extension": "datapackage.json breaks schemas/datapackage.extension.json (our own rules)",
    "descriptor-unsafe-path": "a resource or schema path is a URL, absolute, climbs with '..' or leaves the package",
}
EXTENSION_SCHEMA = "schemas/datapackage.extension.json"


def _unsafe_paths(pkg: Package) -> Iterator[Finding]:
    for i, res in enumerate(pkg.descriptor.get("resources", []) or []):
        if not isinstance(res, dict):
            continue
        name = res.get("name", f"resources[{i}]")
        for key in ("path", "schema"):
            value = res.get(key)
            if key == "schema" and not isinstance(value, str):
                continue
            values = value if isinstance(value, list) else [value]
            for v in values:
                try:
                    safe_path(pkg.root, v)
                except UnsafePath as exc:
                    yield Finding(DESCRIPTOR, None, f"resources[{i}].{key}", "descriptor-unsafe-path",
                                  f"resource '{name}': {exc}",
                                  "use a relative path inside the package directory, e.g. 'resources/claims.csv'")


def unsafe(pkg: Package) -> bool:
    return any(True for _ in _unsafe_paths(pkg))


def run(pkg: Package) -> Iterator[Finding]:
    yield from _unsafe_paths(pkg)
    for err in FlPackage.metadata_validate(pkg.descriptor) or []:
        yield Finding(DESCRIPTOR, None, "", "descriptor-profile", err.note,
                      "fix datapackage.json to follow the Data Package v2 profile (datapackage.org)")
    try:
        schema = json.loads(read_bytes(pkg.root, EXTENSION_SCHEMA).decode("utf-8"))
    except CouldNotRun:
        yield Finding(DESCRIPTOR, None, "", "descriptor-extension",
                      f"{EXTENSION_SCHEMA} is missing", "restore the extension schema from the repository")
        return
    validator = jsonschema.Draft202012Validator(schema)
    for err in sorted(validator.iter_errors(pkg.descriptor), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        yield Finding(DESCRIPTOR, None, where, "descriptor-extension", err.message,
                      "see schemas/datapackage.extension.json; run 'zqclaims fmt' to refresh hashes and sizes")
