"""A set-based proof that Frictionless would find nothing in a package.

Frictionless checks every row in Python: types, constraints, unique and primary
keys, foreign keys, hashes and sizes. On a clean package (the common case, and the
one a large corpus makes slow) the same checks are column operations. :func:`proves_clean`
answers True only when it can show, for the descriptor Frictionless would get, that
Frictionless reports no error; anything it does not model (a key, a type, a
constraint, a number form, a partly empty foreign key) makes it answer False, and
the caller then runs Frictionless itself, whose findings (and messages) stand.
So it can make a run faster, never more lenient: a differential test
(``tests/test_tableproof.py``) checks that it never proves a table Frictionless faults.

What Frictionless 5 does, as modelled here (``frictionless/resources/table.py``,
``schema/field.py``, ``fields/*.py``): a cell in ``missingValues`` is null; a
non-null cell is cast (integer ``int``, number ``Decimal``, boolean by the true and
false values, date ``%Y-%m-%d``) and then checked against each constraint
(``pattern`` as ``^pattern$`` with ``match``, with RE2 as in the ``tables`` stage);
``unique`` and the primary key compare cast values; a foreign key skips a row whose
cells are all null and otherwise needs its tuple among the referenced resource's
non-null tuples; a row of only empty cells is a blank row; the hash and byte count are
those of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pandas as pd

from .findings import CouldNotRun
from .package import Package, TooLarge, UnsafePath
from .regex import PatternError, compile_rule
from .release import limit_for

#: Resource keys that do not change what Frictionless checks (anything else: not proven).
RESOURCE_KEYS = {"name", "type", "path", "format", "mediatype", "encoding", "description", "title", "schema",
                 "dialect", "licenses", "hash", "bytes", "sources"}
SCHEMA_KEYS = {"fields", "primaryKey", "foreignKeys", "missingValues", "description", "title", "name", "$schema"}
FIELD_KEYS = {"name", "type", "format", "description", "title", "constraints", "trueValues", "falseValues"}
CONSTRAINTS = {"required", "unique", "enum", "pattern", "minimum", "maximum", "minLength", "maxLength"}
DIALECT = {"header": True, "delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True,
           "skipInitialSpace": False}
TRUE, FALSE = ["true", "True", "TRUE", "1"], ["false", "False", "FALSE", "0"]
#: Cell forms proven to cast (a subset of what Frictionless accepts: others are not proven).
FORMS = {"integer": r"-?(?:0|[1-9][0-9]{0,17})", "number": r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?",
         "date": r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"}


#: Pattern syntax on which Python's re and RE2 may disagree (Unicode classes, inline flags,
#: lookaround, "{,n}", POSIX classes, escapes other than of punctuation): such patterns are matched with
#: RE2, value by value.
_RE2_ONLY = re.compile(r"\\[^.\-\[\]\\/()|*+?{}^$]|\(\?(?!:)|\{,|\[:")


class _NotProven(Exception):
    """Raised inside the proof: Frictionless must decide."""


def _matches(pattern: str, values: pd.Series, trusted: bool) -> bool:
    """Whether every value matches ``^pattern$`` at its start, as Frictionless checks it (RE2).
    The released rules are trusted: where their pattern uses only syntax on which Python's re
    and RE2 agree, the values without a line break (where ``$`` would differ) are matched as a
    column operation with the same pattern string; everything else goes through RE2."""
    anchored = f"^{pattern}$"
    rule = compile_rule(anchored)
    rest = values
    if trusted and not _RE2_ONLY.search(pattern):
        try:
            plain = ~values.str.contains("\n", regex=False)
            if not bool(values[plain].str.match(anchored).all()):
                return False
            rest = values[~plain]
        except re.error:
            rest = values
    return all(rule.match(v) for v in rest)


def proves_clean(pkg: Package, desc: dict, canonical: Callable[[str], str]) -> bool:
    """True when Frictionless, given ``desc``, would report no error for the package.
    ``canonical(name)`` is the ``table-not-canonical`` problem of a table ('' when none)."""
    try:
        resources = desc.get("resources")
        if not isinstance(resources, list) or not resources or pkg.__dict__.get("_profile_errors", 1):
            return False  # Frictionless would also judge the descriptor: only a clean one is modelled
        names = [r.get("name") if isinstance(r, dict) else None for r in resources]
        _need(len(set(names)) == len(names))
        tables: dict[str, tuple[dict, pd.DataFrame]] = {}
        trusted = pkg.rules_source == "released"
        for res in resources:
            _resource(pkg, res, tables, canonical, trusted)
        for name, (schema, frame) in tables.items():
            _foreign_keys(name, schema, frame, tables)
        return True
    except (_NotProven, CouldNotRun, UnsafePath, TooLarge, PatternError, KeyError, TypeError, ValueError):
        return False


def _need(condition: bool) -> None:
    if not condition:
        raise _NotProven


def _resource(pkg: Package, res: object, tables: dict, canonical: Callable[[str], str], trusted: bool) -> None:
    _need(isinstance(res, dict) and set(res) <= RESOURCE_KEYS)
    name, path = res.get("name"), res.get("path")
    _need(isinstance(name, str) and name in pkg.resources and path == pkg.path_of(name))
    digest = res.get("hash")
    if digest is not None:
        _need(isinstance(digest, str) and digest.startswith("sha256:") and digest[7:] == pkg.digest(path, limit_for(path)))
    if res.get("bytes") is not None:
        _need(res["bytes"] == pkg.size(path, limit_for(path)))
    if res.get("type") != "table":
        _need(res.get("type") == "text" and res.get("format") == "txt")
        return
    _need(res.get("format") == "csv" and str(res.get("encoding", "utf-8")).lower() == "utf-8")
    _need(res.get("dialect") in (None, DIALECT))
    schema = res.get("schema")
    _need(isinstance(schema, dict) and set(schema) <= SCHEMA_KEYS)
    _need(schema.get("missingValues", [""]) == [""])
    table = pkg.table(name)
    _need(not table.problems and not table.over_limit and canonical(name) == "")
    frame = table.frame
    fields = schema.get("fields")
    _need(isinstance(fields, list) and [f.get("name") if isinstance(f, dict) else None for f in fields]
          == [str(c) for c in frame.columns])
    if len(frame):
        first = frame.iloc[:, 0] == ""
        _need(not bool(first.any()) or not bool((frame[first] == "").all(axis=1).any()))  # a blank row
    keys = schema.get("primaryKey") or []
    keys = [keys] if isinstance(keys, str) else keys
    _need(isinstance(keys, list) and set(keys) <= set(frame.columns))
    for f in fields:
        _field(f, frame[f["name"]], required=f["name"] in keys, trusted=trusted)
    if keys:
        cells = frame[keys]
        _need(not (cells == "").any(axis=None))
        _need(not _comparable(cells, fields).duplicated().any())
    tables[name] = (schema, frame)


def _field(f: dict, col: pd.Series, required: bool, trusted: bool) -> None:
    _need(set(f) <= FIELD_KEYS and f.get("format", "default") == "default")
    ftype = f.get("type", "string")
    cons = f.get("constraints") or {}
    _need(isinstance(cons, dict) and set(cons) <= CONSTRAINTS)
    if ftype == "string" and not set(cons) - {"required"}:  # free text: nothing to cast or match
        _need(not (cons.get("required") or required) or not bool((col == "").any()))
        return
    present = col[col != ""]
    if cons.get("required") or required:
        _need(len(present) == len(col))
    values = pd.Series(pd.unique(present), dtype=object)
    if ftype == "string":
        _need("minimum" not in cons and "maximum" not in cons)
        lengths = values.str.len()
        if "minLength" in cons:
            _need(isinstance(cons["minLength"], int) and bool((lengths >= cons["minLength"]).all()))
        if "maxLength" in cons:
            _need(isinstance(cons["maxLength"], int) and bool((lengths <= cons["maxLength"]).all()))
        if "pattern" in cons:
            _need(isinstance(cons["pattern"], str))
            _need(_matches(cons["pattern"], values, trusted))
        if "enum" in cons:
            _need(isinstance(cons["enum"], list) and all(isinstance(e, str) for e in cons["enum"]))
            _need(bool(values.isin(cons["enum"]).all()))
    elif ftype in ("integer", "number"):
        _need(not {"pattern", "enum", "minLength", "maxLength"} & set(cons))
        _need(bool(values.str.fullmatch(FORMS[ftype]).all()))
        nums = pd.to_numeric(values, errors="raise").astype(float)
        for key, sign in (("minimum", 1), ("maximum", -1)):
            if key in cons:
                bound = cons[key]
                _need(isinstance(bound, (int, float)) and not isinstance(bound, bool))
                margin = 1e-9 * max(1.0, abs(float(bound)))
                near = (nums - float(bound)).abs() <= margin  # floats cannot decide these: exact Decimals do
                _need(bool((sign * (nums[~near] - float(bound)) > 0).all()))
                _need(all(sign * (Decimal(v) - Decimal(str(bound))) >= 0 for v in values[near]))
    elif ftype == "boolean":
        _need(not {"pattern", "enum", "minLength", "maxLength", "minimum", "maximum"} & set(cons))
        trues, falses = f.get("trueValues", TRUE), f.get("falseValues", FALSE)
        _need(isinstance(trues, list) and isinstance(falses, list))
        _need(bool(values.isin(list(trues) + list(falses)).all()))
        _need(not cons.get("unique"))
    elif ftype == "date":
        _need(not set(cons) - {"required", "unique"})
        _need(bool(values.str.fullmatch(FORMS["date"]).all()))
        _need(bool(pd.to_datetime(values, format="%Y-%m-%d", errors="coerce").notna().all()))
    else:
        raise _NotProven
    if cons.get("unique"):
        as_cast = values if ftype in ("string", "date") else pd.to_numeric(values).astype(float)
        _need(len(present) == len(values) and not as_cast.duplicated().any())


def _comparable(cells: pd.DataFrame, fields: list[dict]) -> pd.DataFrame:
    """Key cells as Frictionless compares them (cast values): numbers as floats, so two
    spellings of one number are never taken for two keys."""
    types = {f["name"]: f.get("type", "string") for f in fields}
    return pd.DataFrame({c: (pd.to_numeric(cells[c]).astype(float) if types[c] in ("integer", "number")
                             else cells[c]) for c in cells.columns})


def _foreign_keys(name: str, schema: dict, frame: pd.DataFrame, tables: dict) -> None:
    fkeys = schema.get("foreignKeys") or []
    _need(isinstance(fkeys, list))
    types = {f["name"]: f.get("type", "string") for f in schema["fields"]}
    for fk in fkeys:
        _need(isinstance(fk, dict) and isinstance(fk.get("reference"), dict))
        local, ref = fk.get("fields"), fk["reference"]
        target_name = ref.get("resource") or name
        target = ref.get("fields")
        local = [local] if isinstance(local, str) else local
        target = [target] if isinstance(target, str) else target
        _need(isinstance(local, list) and isinstance(target, list) and len(local) == len(target) > 0)
        _need(target_name in tables)
        tschema, tframe = tables[target_name]
        ttypes = {f["name"]: f.get("type", "string") for f in tschema["fields"]}
        _need(all(types.get(c) == "string" for c in local) and all(ttypes.get(c) == "string" for c in target))
        cells = frame[local]
        empty = cells == ""
        _need(not (empty.any(axis=1) & ~empty.all(axis=1)).any())  # partly empty: not modelled
        rows = cells[~empty.all(axis=1)]
        ref_cells = tframe[target]
        ref_cells = ref_cells[~(ref_cells == "").all(axis=1)]
        _need(not (ref_cells == "").any(axis=None))
        if len(local) == 1:
            _need(bool(rows[local[0]].isin(ref_cells[target[0]]).all()))
        else:
            have = pd.MultiIndex.from_frame(ref_cells.set_axis(local, axis=1))
            _need(bool(pd.MultiIndex.from_frame(rows).isin(have).all()))
