"""Stage ``records``: JSON Schema (draft 2020-12) rules per row, for what a
Table Schema cannot say (conditional requirements between columns). Rules live
in ``schemas/records/<resource>.json``; their patterns run with RE2 and their
``$ref``s resolve to nothing outside the document (:mod:`zqclaims.regex`).

Formula injection is a built-in check, not a rule file, so no edit of a rule
file can switch it off: a text cell whose first visible character is
``=``, ``+``, ``-`` or ``@`` (also after spaces, tabs, line breaks, zero-width
or other invisible characters, and in full-width form such as ``＝``) would run
as a formula when the CSV is opened in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from ..findings import Finding
from ..package import Package, RuleError
from ..regex import schema_validator

ID = "records"
CHECKS = {
    "record-rule": "a row breaks a rule in schemas/records/<resource>.json",
    "record-formula-injection": "a text cell starts with =, +, - or @ (after invisible characters, or full-width), "
                                "which a spreadsheet would run as a formula",
    "rules-invalid": "a rule file (Table Schema, row rule, suite) is missing, not strict JSON, not an object, "
                     "or has a $ref or pattern that cannot be used",
}
#: Characters a spreadsheet skips before deciding that a cell is a formula.
INVISIBLE = (" \t\r\n\x0b\x0c\u00a0\u00ad\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
             "\u2009\u200a\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u202f"
             "\u205f\u2060\u2061\u2062\u2063\u2064\u3000\ufeff")
FORMULA_START = ("=", "+", "-", "@")


def _cast(value: str, ftype: str):
    try:
        if ftype == "integer":
            return int(value)
        if ftype == "number":
            number = float(value)
            return number if abs(number) != float("inf") else value
    except ValueError:
        return value
    if ftype == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def formula_cells(df: pd.DataFrame, text_columns: list[str]) -> Iterator[tuple[int, str]]:
    """(line, column) of every text cell a spreadsheet would read as a formula, set-based per column."""
    for col in text_columns:
        first = df[col].str.lstrip(INVISIBLE).str.slice(0, 2).str.normalize("NFKC").str.slice(0, 1)
        for line in df.index[first.isin(FORMULA_START)]:
            yield int(line), col


def _types(pkg: Package, name: str) -> dict[str, str]:
    fields = pkg.schema(name).get("fields", [])
    return {f["name"]: f.get("type", "string") for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)}


def run(pkg: Package) -> Iterator[Finding]:
    for name in pkg.tabular():
        path = pkg.path_of(name)
        df = pkg.frame(name)
        try:
            types = _types(pkg, name)
        except RuleError:
            types = {}  # the tables stage reports the schema
        text_columns = [c for c in df.columns if types.get(c, "string") == "string"]
        for line, col in formula_cells(df, text_columns):
            yield Finding(path, line, col, "record-formula-injection",
                          f"{col} starts with a character a spreadsheet reads as a formula",
                          "reword the cell so that it starts with a letter, digit or quote mark")
        rule_path = f"schemas/records/{name}.json"
        if not pkg.rule_exists(rule_path):
            continue
        try:
            schema = pkg.rule_json(rule_path)
            if not isinstance(schema, dict):
                raise RuleError(f"{rule_path}: not a JSON object")
        except RuleError as exc:
            yield Finding(rule_path, None, "", "rules-invalid", str(exc), "restore the row rules from the release")
            continue
        validator = schema_validator(schema)
        try:
            for row_number, record in zip(df.index, df.to_dict("records")):
                doc = {k: _cast(v, types.get(k, "string")) for k, v in record.items() if v != ""}
                for err in validator.iter_errors(doc):
                    field = ".".join(str(p) for p in err.absolute_path) or _required_field(err)
                    rule = err.schema.get("description") if isinstance(err.schema, dict) else None
                    yield Finding(path, int(row_number), field, "record-rule",
                                  rule if isinstance(rule, str) else err.message, f"see {rule_path}")
        except Exception as exc:  # noqa: BLE001 - a hostile rule ($ref to nowhere, bad keyword value) is a finding
            yield Finding(rule_path, None, "", "rules-invalid", f"{rule_path} cannot be applied: "
                          f"{type(exc).__name__}: {str(exc)[:200]}", "restore the row rules from the release")


def _required_field(err) -> str:
    if err.validator == "required" and isinstance(err.instance, dict) and isinstance(err.validator_value, list):
        missing = [str(k) for k in err.validator_value if k not in err.instance]
        return ",".join(missing)
    return ""
