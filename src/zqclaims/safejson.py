"""Strict, bounded JSON for files from an untrusted package.

Python's ``json`` accepts what the JSON standard does not (``NaN``,
``Infinity``, duplicate keys, lone surrogates) and recurses without a bound.
:func:`loads` refuses all of that with a :class:`JSONProblem` that says what and
where, so a hostile ``datapackage.json``, Table Schema or suite is a finding,
never a crash, a silently dropped key or a value that cannot be written back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

#: The largest JSON file read from a package (descriptor, schema, suite).
MAX_JSON_BYTES = 16 * 1024 * 1024
#: The deepest nesting of arrays and objects accepted.
MAX_JSON_DEPTH = 64
#: The most digits of a JSON number.
MAX_INT_DIGITS = 100

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


class JSONProblem(ValueError):
    """A JSON file that is not strict, bounded JSON."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _no_constant(name: str) -> Any:
    raise JSONProblem(f"{name} is not JSON (write a number or null)")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JSONProblem(f"integer of {len(text):,} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _finite(text: str) -> float:
    if len(text) > MAX_INT_DIGITS:
        raise JSONProblem(f"number of {len(text):,} characters (at most {MAX_INT_DIGITS})")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JSONProblem(f"number {text[:40]} is too large for a 64-bit float")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise JSONProblem(f"duplicate key {key!r} in one object (JSON readers would keep only one)")
        out[key] = value
    return out


def _depth(text: str) -> int:
    brackets = _STRING.sub("", text)
    depth = deepest = 0
    for ch in brackets:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def walk(doc: Any) -> Iterator[Any]:
    """Every node of a parsed JSON document (objects, arrays, keys, values), without recursion."""
    stack = [doc]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _check_strings(obj: Any) -> None:
    """Refuse lone surrogates (``"\\ud800"``), which cannot be written as UTF-8."""
    for item in walk(obj):
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise JSONProblem(f"string {item.encode('utf-8', 'backslashreplace').decode()[:60]!r} "
                                  "has a lone surrogate escape (\\ud800-\\udfff)") from None


#: The most nodes (keys and values) of a rule document; the largest shipped one has under 200.
MAX_RULE_NODES = 500
#: Keywords that make a JSON Schema refer to other schemas (and so grow its work beyond its size).
REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


def rule_problem(doc: Any) -> str | None:
    """Why a JSON Schema rule document could run unbounded, or None: more than
    :data:`MAX_RULE_NODES` nodes, or a reference keyword (a ``$ref`` chain can make
    the work exponential in the size of the document)."""
    for nodes, item in enumerate(walk(doc), start=1):
        if nodes > MAX_RULE_NODES:
            return f"more than {MAX_RULE_NODES:,} values (rules must stay small enough to run on every row)"
        if isinstance(item, dict):
            for key in REF_KEYWORDS:
                if key in item:
                    return f"'{key}' is not supported in rule files (a reference can make the work unbounded)"
    return None


def loads(data: bytes) -> Any:
    """Parse strict JSON from bytes, or raise :class:`JSONProblem`."""
    if len(data) > MAX_JSON_BYTES:
        raise JSONProblem(f"{len(data):,} bytes is over the limit of {MAX_JSON_BYTES:,} bytes for a JSON file")
    if data.startswith(b"\xef\xbb\xbf"):
        raise JSONProblem("starts with a byte-order mark; save it as UTF-8 without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONProblem(f"not UTF-8 (byte {exc.start})") from None
    if _depth(text) > MAX_JSON_DEPTH:
        raise JSONProblem(f"nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        obj = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant, parse_float=_finite,
                         parse_int=_int)
    except json.JSONDecodeError as exc:
        raise JSONProblem(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise JSONProblem(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except JSONProblem:
        raise
    except ValueError as exc:  # a number Python refuses to convert
        raise JSONProblem(f"a value cannot be read: {str(exc)[:120]}") from None
    _check_strings(obj)
    return obj
