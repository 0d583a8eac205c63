"""Stage ``records``: JSON Schema (draft 2020-12) rules per row, for what a
Table Schema cannot say (conditional requirements between columns, formula
injection). Rules live in ``schemas/records/<resource>.json``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema

from ..findings import Finding
from ..package import Package, read_bytes
from . import descriptor

ID = "records"
CHECKS = {"record-rule": "a row breaks a rule in schemas/records/<resource>.json"}


def _cast(value: str, ftype: str):
    try:
        if ftype == "integer":
            return int(value)
        if ftype == "number":
            return float(value)
    except ValueError:
        return value
    if ftype == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def run(pkg: Package) -> Iterator[Finding]:
    if descriptor.unsafe(pkg):
        return
    for name in pkg.tabular():
        rule_path = f"schemas/records/{name}.json"
        if not (pkg.root / rule_path).is_file():
            continue
        schema = json.loads(read_bytes(pkg.root, rule_path).decode("utf-8"))
        validator = jsonschema.Draft202012Validator(schema)
        types = {f["name"]: f.get("type", "string") for f in pkg.schema(name).get("fields", [])}
        df = pkg.frame(name)
        for row_number, record in zip(df.index, df.to_dict("records")):
            doc = {k: _cast(v, types.get(k, "string")) for k, v in record.items() if v != ""}
            for err in validator.iter_errors(doc):
                field = ".".join(str(p) for p in err.absolute_path) or _required_field(err)
                rule = err.schema.get("description") if isinstance(err.schema, dict) else None
                yield Finding(pkg.path_of(name), int(row_number), field, "record-rule",
                              rule or err.message, f"see {rule_path}")


def _required_field(err: jsonschema.ValidationError) -> str:
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [k for k in err.validator_value if k not in err.instance]
        return ",".join(missing)
    return ""
