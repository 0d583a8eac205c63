"""Regular expressions from rule files run in linear time (RE2).

Python's ``re`` backtracks: a pattern such as ``(a+)+$`` takes exponential
time on a 34-character cell. Every pattern that comes from a rule file (a Table
Schema ``pattern``, a row rule ``pattern``, an expectation ``regex``) is
compiled with RE2 (``google-re2``), which matches in time linear in the input
and refuses what it cannot do in linear time (back-references, look-around).

- :func:`compile_rule` compiles one pattern or says why it cannot.
- :func:`unsafe_patterns` lists the patterns of a rule document RE2 refuses.
- :func:`schema_validator` is a JSON Schema 2020-12 validator whose ``pattern``
  and ``patternProperties`` use RE2 and whose ``$ref`` resolves nothing remote.
- :func:`linear_frictionless` makes Frictionless compile Table Schema patterns with RE2.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import jsonschema
import re2
from jsonschema import ValidationError
from referencing import Registry
from referencing.exceptions import NoSuchResource

_OPTIONS = re2.Options()
_OPTIONS.max_mem = 8 << 20
_OPTIONS.log_errors = False


class PatternError(ValueError):
    """A pattern RE2 cannot run."""


@lru_cache(maxsize=4096)
def compile_rule(pattern: str):
    """The RE2 program for ``pattern``, or :class:`PatternError`."""
    if not isinstance(pattern, str):
        raise PatternError(f"pattern must be a string, got {type(pattern).__name__}")
    if len(pattern) > 2000:
        raise PatternError("pattern is longer than 2,000 characters")
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except Exception as exc:  # noqa: BLE001 - RE2 raises its own error type for any pattern it refuses
        raise PatternError(f"RE2 cannot run {pattern[:80]!r} in linear time ({exc})") from None


def unsafe_patterns(doc: object, keys: tuple[str, ...] = ("pattern", "regex")) -> Iterator[tuple[str, str]]:
    """(where, reason) for every pattern in a JSON document that RE2 refuses.
    Looks at the values of ``keys`` and the keys of ``patternProperties``."""
    stack: list[tuple[str, object]] = [("", doc)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                here = f"{where}.{k}" if where else str(k)
                if k in keys and isinstance(v, str):
                    try:
                        compile_rule(v)
                    except PatternError as exc:
                        yield here, str(exc)
                elif k == "regex_list" and isinstance(v, list):
                    for i, p in enumerate(v):
                        try:
                            compile_rule(p)
                        except PatternError as exc:
                            yield f"{here}[{i}]", str(exc)
                if k == "patternProperties" and isinstance(v, dict):
                    for p in v:
                        try:
                            compile_rule(p)
                        except PatternError as exc:
                            yield f"{here}.{p}", str(exc)
                stack.append((here, v))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(item))


def _pattern(validator, patrn, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    try:
        program = compile_rule(patrn)
    except PatternError as exc:
        yield ValidationError(str(exc))
        return
    if program.search(instance) is None:
        yield ValidationError(f"{instance[:80]!r} does not match {patrn!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in pattern_properties.items():
        try:
            program = compile_rule(patrn)
        except PatternError as exc:
            yield ValidationError(str(exc))
            continue
        for k, v in instance.items():
            if program.search(k) is not None:
                yield from validator.descend(v, subschema, path=k, schema_path=patrn)


def _no_retrieval(uri: str):
    raise NoSuchResource(ref=uri)


LinearValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    validators={"pattern": _pattern, "patternProperties": _pattern_properties},
)


def schema_validator(schema: dict):
    """A draft 2020-12 validator for a rule file: RE2 patterns; a ``$ref`` that
    is not inside the document resolves to nothing (never fetched, never read)."""
    return LinearValidator(schema, registry=Registry(retrieve=_no_retrieval))


class _Re2Module:
    """What Frictionless' field module uses of ``re``, compiled with RE2."""

    def __init__(self, std):
        self._std = std

    def compile(self, pattern, flags=0):  # noqa: A003 - mirrors re.compile
        return compile_rule(pattern)

    def __getattr__(self, name):
        return getattr(self._std, name)


def linear_frictionless() -> None:
    """Make Frictionless compile Table Schema ``pattern`` constraints with RE2.
    Patterns RE2 refuses are reported and removed before Frictionless sees them
    (see the ``tables`` stage)."""
    from frictionless.schema import field as fl_field

    if not isinstance(fl_field.re, _Re2Module):
        fl_field.re = _Re2Module(fl_field.re)
