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

import re
import unicodedata
from collections.abc import Iterator

import pandas as pd

from ..findings import Finding
from ..package import Package, RuleError
from ..regex import schema_validator
from ..rowrules import cast, passing_rows
from ..safejson import rule_problem

ID = "records"
CHECKS = {
    "record-rule": "a row breaks a rule in schemas/records/<resource>.json",
    "record-formula-injection": "a text cell starts with =, +, - or @ (after invisible characters, or full-width), "
                                "which a spreadsheet would run as a formula",
    "rules-invalid": "a rule file (Table Schema, row rule, suite) is missing, not strict JSON, not an object, "
                     "or has a $ref or pattern that cannot be used",
}
#: A run of characters that show nothing before a cell's first visible character: white space,
#: control characters and Unicode's default-ignorable and blank code points (fillers, joiners,
#: variation selectors, tags, braille blank).
INVISIBLE = re.compile("^[\\s\\x00-\\x1f\\x7f-\\x9f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f"
                       "\\u200b-\\u200f\\u2028-\\u202e\\u205f-\\u206f\\u2800\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0"
                       "\\ufff0-\\ufff8\\U0001bca0-\\U0001bca3\\U0001d173-\\U0001d17a\\U000e0000-\\U000e0fff]+")
FORMULA_START = ("=", "+", "-", "@")
#: A plain number, which a spreadsheet reads as a number even with a sign.
PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$")


def formula_cells(df: pd.DataFrame) -> Iterator[tuple[int, str]]:
    """(line, column) of every cell a spreadsheet would read as a formula, set-based per column.
    Every column counts, whatever its declared type (a rule edit cannot exempt one); a plain
    number such as -1 is not a formula."""
    for col in df.columns:
        cells = df[col].to_numpy(dtype=object)
        # A cell's verdict depends on its first two characters unless it starts invisibly: decide
        # each distinct two-character head once, and strip the invisible run only where there is one.
        heads = [str(c)[:2] for c in cells]
        verdict = {h: _head_verdict(h) for h in set(heads)}
        if not any(v is not False for v in verdict.values()):
            continue
        for i in (i for i, h in enumerate(heads) if verdict[h] is not False):
            cell = str(cells[i])
            if verdict[heads[i]] is None and _first_visible(cell) not in FORMULA_START:
                continue
            if not PLAIN_NUMBER.match(cell.strip()):
                yield int(df.index[i]), col


def _head_verdict(head: str) -> bool | None:
    """Whether a cell starting with ``head`` starts like a formula; None when it starts with
    an invisible character (the whole invisible run must be stripped first)."""
    if head and INVISIBLE.match(head[0]):
        return None
    return unicodedata.normalize("NFKC", head)[:1] in FORMULA_START


def _first_visible(cell: str) -> str:
    return unicodedata.normalize("NFKC", INVISIBLE.sub("", cell)[:2])[:1]


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
        for line, col in formula_cells(df):
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
        problem = rule_problem(schema)
        if problem:
            yield Finding(rule_path, None, "", "rules-invalid", f"{rule_path}: {problem}",
                          "restore the row rules from the release")
            continue
        validator = schema_validator(schema)
        try:
            passing = passing_rows(schema, df, types)  # rows proven valid set-based; the rest are validated whole
            rest = df if passing is None else df[~passing]
            for row_number, record in zip(rest.index, rest.to_dict("records")):
                doc = {k: cast(v, types.get(k, "string")) for k, v in record.items() if v != ""}
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
