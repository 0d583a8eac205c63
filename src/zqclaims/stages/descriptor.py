"""Stage ``descriptor``: a descriptor that can be read safely, the Data Package
v2 profile, and our extension schema.

Every reference in the descriptor is checked before any library sees it: paths
(``path``, ``schema``, ``dialect``) must be relative, inside the package and
free of links; ``$schema`` and ``profile`` must name the standard profiles
(a custom profile is a URL or file a library would fetch or open). Frictionless
then gets :func:`frictionless_descriptor`: every Table Schema and dialect inline
(from the rule set in use), every profile standard, so it has nothing to resolve.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

from frictionless import Package as FlPackage

from ..findings import Finding
from ..package import DESCRIPTOR, Package, RuleError, TooLarge, UnsafePath, parse_json, safe_path
from ..regex import schema_validator
from ..safejson import rule_problem

ID = "descriptor"
CHECKS = {
    "descriptor-invalid": "datapackage.json is not a regular file of strict JSON (no NaN, duplicate keys, lone surrogates, deep nesting) with an object at the top",
    "descriptor-profile": "datapackage.json breaks the Data Package v2 profile",
    "descriptor-extension": "datapackage.json breaks schemas/datapackage.extension.json (our own rules)",
    "descriptor-unsafe-path": "a resource, schema or dialect path is a URL, absolute, climbs with '..', is a symbolic link or leaves the package",
    "descriptor-remote-reference": "a $schema or profile is not a standard Data Package profile (it would be fetched or opened)",
}
#: Check ids after which nothing else is read: the package cannot be read safely.
GATING = {"descriptor-invalid", "descriptor-unsafe-path", "descriptor-remote-reference"}
EXTENSION_SCHEMA = "schemas/datapackage.extension.json"
PROFILE_V2 = "https://datapackage.org/profiles/2.0/datapackage.json"
TOP_PROFILES = {"data-package", "tabular-data-package"}
RESOURCE_PROFILES = {"data-resource", "tabular-data-resource"}
RESOURCE_SCHEMAS = {"https://datapackage.org/profiles/2.0/dataresource.json"}
HINT_PATH = "use a relative path inside the package directory, e.g. 'resources/claims.csv'"


def _references(pkg: Package) -> Iterator[Finding]:
    desc = pkg.descriptor
    if "$schema" in desc and desc["$schema"] != PROFILE_V2:
        yield Finding(DESCRIPTOR, None, "$schema", "descriptor-remote-reference",
                      f"$schema {_show(desc['$schema'])} is not {PROFILE_V2}",
                      f"set \"$schema\": \"{PROFILE_V2}\"; custom profiles are never fetched")
    if "profile" in desc and desc["profile"] not in TOP_PROFILES:
        yield Finding(DESCRIPTOR, None, "profile", "descriptor-remote-reference",
                      f"profile {_show(desc['profile'])} is not a standard profile",
                      "remove 'profile' (Data Package v2 uses $schema)")
    resources = desc.get("resources", [])
    for i, res in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(res, dict):
            continue
        name = res.get("name", f"resources[{i}]")
        if "profile" in res and res["profile"] not in RESOURCE_PROFILES:
            yield Finding(DESCRIPTOR, None, f"resources[{i}].profile", "descriptor-remote-reference",
                          f"resource {_show(name)}: profile {_show(res['profile'])} is not a standard profile",
                          "remove 'profile' from the resource")
        if "$schema" in res and res["$schema"] not in RESOURCE_SCHEMAS:
            yield Finding(DESCRIPTOR, None, f"resources[{i}].$schema", "descriptor-remote-reference",
                          f"resource {_show(name)}: $schema {_show(res['$schema'])} is not a standard profile",
                          "remove '$schema' from the resource")
        if not isinstance(res.get("path"), str):
            yield Finding(DESCRIPTOR, None, f"resources[{i}].path", "descriptor-unsafe-path",
                          f"resource {_show(name)}: path must be one relative path (a string), got "
                          f"{_show(res.get('path'))}", HINT_PATH)
            continue
        for key in ("path", "schema", "dialect"):
            value = res.get(key)
            if not isinstance(value, str):
                continue
            for v in [value]:
                try:
                    safe_path(pkg.root, v)
                except UnsafePath as exc:
                    yield Finding(DESCRIPTOR, None, f"resources[{i}].{key}", "descriptor-unsafe-path",
                                  f"resource {_show(name)}: {exc}", HINT_PATH)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"


def gating(pkg: Package) -> list[Finding]:
    """The findings that stop the run: the descriptor cannot be read safely."""
    if "_gating" not in pkg.__dict__:
        pkg.__dict__["_gating"] = [f for f in pkg.problems if f.check_id in GATING] + list(_references(pkg))
    return pkg.__dict__["_gating"]


def frictionless_descriptor(pkg: Package) -> tuple[dict, list[Finding]]:
    """A copy of the descriptor Frictionless can validate without resolving
    anything: Table Schemas and dialects inline from the rule set in use,
    profiles removed, resources without released rules left out."""
    desc = copy.deepcopy(pkg.descriptor)
    desc["$schema"] = PROFILE_V2
    desc.pop("profile", None)
    findings: list[Finding] = []
    kept = []
    for res in desc.get("resources", []) if isinstance(desc.get("resources"), list) else []:
        if not isinstance(res, dict):
            kept.append(res)
            continue
        res.pop("profile", None)
        res.pop("$schema", None)
        name = res.get("name")
        released = pkg.release_resources.get(name) if pkg.release_resources is not None and isinstance(name, str) \
            else None
        if released is not None and released.get("type") == "table":
            for key in ("type", "format", "mediatype", "encoding"):  # read as the release reads it
                res[key] = released.get(key)
        if res.get("type") == "table" and isinstance(name, str) and name in pkg.resources:
            try:
                res["schema"] = _v1_self_references(pkg.schema(name))
            except RuleError as exc:
                findings.append(Finding(DESCRIPTOR, None, f"resources[{name}].schema", "rules-invalid", str(exc),
                                        "restore the Table Schema from a trusted release"))
                continue
            dialect = _dialect(pkg, name, res)
            if isinstance(dialect, Finding):
                findings.append(dialect)
                res.pop("dialect", None)
            elif dialect is None:
                res.pop("dialect", None)
            else:
                res["dialect"] = dialect
        elif res.get("type") != "table":
            for key in ("schema", "dialect"):
                res.pop(key, None)
        kept.append(res)
    desc["resources"] = kept
    return desc, findings


def _v1_self_references(schema: dict) -> dict:
    """``schema`` with each Data Package v2 self-reference (a foreign key whose
    ``reference`` has no ``resource``) written as Frictionless 5 holds it
    internally (``"resource": ""``): its profile still requires the key, and
    it adds the key itself only when it loads a schema, not when it validates
    a descriptor."""
    keys = schema.get("foreignKeys")
    if not isinstance(keys, list) or not any(isinstance(k, dict) and isinstance(k.get("reference"), dict)
                                             and "resource" not in k["reference"] for k in keys):
        return schema
    schema = copy.deepcopy(schema)
    for key in schema["foreignKeys"]:
        if isinstance(key, dict) and isinstance(key.get("reference"), dict):
            key["reference"].setdefault("resource", "")
    return schema


def _dialect(pkg: Package, name: str, res: dict):
    """The dialect Frictionless should use for table ``name``: the release's
    (none) with the released rules, else the package's, read safely and inline."""
    if pkg.rules_source == "released" and pkg.release_resources is not None:
        return (pkg.release_resources.get(name) or {}).get("dialect")
    value = res.get("dialect")
    if value is None or isinstance(value, dict):
        return value
    try:
        obj = parse_json(pkg.read(value, 1 << 20), value) if isinstance(value, str) else None
    except (RuleError, TooLarge, UnsafePath) as exc:
        return Finding(DESCRIPTOR, None, f"resources[{name}].dialect", "rules-invalid", str(exc),
                       "inline the dialect as a JSON object, or remove it")
    if not isinstance(obj, dict):
        return Finding(DESCRIPTOR, None, f"resources[{name}].dialect", "rules-invalid",
                       "the dialect is not a JSON object", "inline the dialect as a JSON object, or remove it")
    return obj


def run(pkg: Package) -> Iterator[Finding]:
    yield from gating(pkg)
    if gating(pkg):
        return
    desc, _ = frictionless_descriptor(pkg)
    profile_errors = list(FlPackage.metadata_validate(desc) or [])
    pkg.__dict__["_profile_errors"] = len(profile_errors)  # zqclaims.tableproof models a clean descriptor only
    for err in profile_errors:
        yield Finding(DESCRIPTOR, None, "", "descriptor-profile", err.note,
                      "fix datapackage.json to follow the Data Package v2 profile (datapackage.org)")
    try:
        schema = pkg.rule_json(EXTENSION_SCHEMA)
        if not isinstance(schema, dict):
            raise RuleError(f"{EXTENSION_SCHEMA}: not a JSON object")
    except RuleError as exc:
        yield Finding(EXTENSION_SCHEMA, None, "", "descriptor-extension", f"the extension schema cannot be used: {exc}",
                      "restore the extension schema from the release")
        return
    problem = rule_problem(schema)
    if problem:
        yield Finding(EXTENSION_SCHEMA, None, "", "descriptor-extension", f"the extension schema cannot be used: "
                      f"{problem}", "restore the extension schema from the release")
        return
    validator = schema_validator(schema)
    try:
        errors = sorted(validator.iter_errors(pkg.descriptor), key=lambda e: list(map(str, e.absolute_path)))
    except Exception as exc:  # noqa: BLE001 - a hostile schema ($ref to nowhere, bad keyword value) is a finding
        yield Finding(EXTENSION_SCHEMA, None, "", "descriptor-extension", f"the extension schema cannot be applied: "
                      f"{type(exc).__name__}: {str(exc)[:200]}", "restore the extension schema from the release")
        return
    for err in errors:
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        hint = ("check what changed (compare with the release or 'git diff') before refreshing hashes and sizes "
                "with 'zqclaims fmt'" if where.endswith((".hash", ".bytes")) else
                f"see {EXTENSION_SCHEMA}")
        yield Finding(DESCRIPTOR, None, where, "descriptor-extension", err.message, hint)
