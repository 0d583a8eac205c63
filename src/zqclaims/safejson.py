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
from typing import Any

#: The largest JSON file read from a package (descriptor, schema, suite).
MAX_JSON_BYTES = 4 * 1024 * 1024
#: The deepest nesting of arrays and objects accepted.
MAX_JSON_DEPTH = 64

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


class JSONProblem(ValueError):
    """A JSON file that is not strict, bounded JSON."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _no_constant(name: str) -> Any:
    raise JSONProblem(f"{name} is not JSON (write a number or null)")


def _finite(text: str) -> float:
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


def _check_strings(obj: Any) -> None:
    """Refuse lone surrogates (``"\\ud800"``), which cannot be written as UTF-8."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise JSONProblem(f"string {item.encode('utf-8', 'backslashreplace').decode()[:60]!r} "
                                  "has a lone surrogate escape (\\ud800-\\udfff)") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


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
        obj = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise JSONProblem(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise JSONProblem(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    _check_strings(obj)
    return obj
