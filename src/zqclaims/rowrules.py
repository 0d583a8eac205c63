"""Row rules (JSON Schema, draft 2020-12) over a whole table at once.

Evaluating a JSON Schema row by row costs about half a millisecond a row. The
rules in ``schemas/records/`` are conditional requirements between columns, so
most of a schema is structure (``allOf``, ``anyOf``, ``oneOf``, ``not``,
``if``/``then``/``else``, ``required``, ``properties``) over a few per-cell
tests. :func:`passing_rows` evaluates the structure as boolean column
operations and each per-cell test once per distinct cell value, with the same
validator (:func:`zqclaims.regex.schema_validator`) that checks whole rows.

The result only *selects*: rows it proves valid are skipped, and every other
row is validated by the full JSON Schema validator, which writes the messages.
A schema that uses anything outside this structure (``additionalProperties``,
``dependentRequired``, ``$ref``, ``const`` on the row…) is not selected on: every
row is then validated whole, as before, so a rule file can never make a row
pass that the validator would reject.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .regex import schema_validator

#: Keywords that do not constrain a row (annotations).
ANNOTATIONS = frozenset({"$schema", "$comment", "title", "description", "examples", "default", "deprecated",
                         "readOnly", "writeOnly"})
#: Keywords evaluated on the row as column operations.
STRUCTURE = frozenset({"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "required", "properties", "type"})


class Unsupported(Exception):
    """The schema uses something the set-based evaluation does not model."""


def cast(value: str, ftype: str):
    """A cell as the row document holds it: numbers and booleans typed by the
    Table Schema, anything that does not parse kept as text."""
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


def passing_rows(schema: dict, df: pd.DataFrame, types: dict[str, str]) -> np.ndarray | None:
    """A boolean array: True where the row certainly satisfies ``schema``. None when the
    schema cannot be evaluated set-based (then every row must be validated whole)."""
    try:
        return _Evaluator(df, types).row(schema)
    except Unsupported:
        return None


class _Evaluator:
    def __init__(self, df: pd.DataFrame, types: dict[str, str]) -> None:
        self.df = df
        self.types = types
        self.n = len(df)
        self._present: dict[str, np.ndarray] = {}

    def present(self, col: object) -> np.ndarray:
        if not isinstance(col, str):
            raise Unsupported("a property name that is not a string")
        if col not in self._present:
            self._present[col] = ((self.df[col] != "").to_numpy(dtype=bool) if col in self.df.columns
                                  else np.zeros(self.n, dtype=bool))
        return self._present[col]

    def row(self, schema: object) -> np.ndarray:
        if schema is True:
            return np.ones(self.n, dtype=bool)
        if schema is False:
            return np.zeros(self.n, dtype=bool)
        if not isinstance(schema, dict):
            raise Unsupported("a subschema that is not an object or a boolean")
        extra = set(schema) - ANNOTATIONS - STRUCTURE
        if extra:
            raise Unsupported(f"keywords {sorted(extra)}")
        ok = np.ones(self.n, dtype=bool)
        if "type" in schema:
            wanted = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not all(isinstance(t, str) for t in wanted):
                raise Unsupported("type")
            if "object" not in wanted:
                ok[:] = False  # a row is always an object
        if "required" in schema:
            req = schema["required"]
            if not isinstance(req, list):
                raise Unsupported("required")
            for col in req:
                ok &= self.present(col)
        if "properties" in schema:
            props = schema["properties"]
            if not isinstance(props, dict):
                raise Unsupported("properties")
            for col, sub in props.items():
                ok &= ~self.present(col) | self.cells(col, sub)
        for key in ("allOf", "anyOf", "oneOf"):
            if key in schema:
                subs = schema[key]
                if not isinstance(subs, list) or not subs:
                    raise Unsupported(key)
                masks = np.array([self.row(s) for s in subs])
                if key == "allOf":
                    ok &= masks.all(axis=0)
                elif key == "anyOf":
                    ok &= masks.any(axis=0)
                else:
                    ok &= masks.sum(axis=0) == 1
        if "not" in schema:
            ok &= ~self.row(schema["not"])
        if "if" in schema and ("then" in schema or "else" in schema):
            cond = self.row(schema["if"])
            if "then" in schema:
                ok &= ~cond | self.row(schema["then"])
            if "else" in schema:
                ok &= cond | self.row(schema["else"])
        return ok

    def cells(self, col: str, sub: object) -> np.ndarray:
        """Whether each present cell of ``col`` satisfies ``sub``: the validator runs once per
        distinct value (absent cells give True; ``properties`` only constrains what is there)."""
        if col not in self.df.columns:
            return np.ones(self.n, dtype=bool)
        if not isinstance(sub, (dict, bool)):
            raise Unsupported("a property schema that is not an object or a boolean")
        validator = schema_validator(sub)
        ftype = self.types.get(col, "string")
        values = self.df[col]
        verdict = {v: bool(validator.is_valid(cast(v, ftype))) for v in pd.unique(values[values != ""])}
        return values.map(verdict).ne(False).to_numpy(dtype=bool)  # an empty cell is not checked: True
