"""Stage ``values``: each claim's numbers agree with its quote and with each other.

- the number in ``value`` is written in the quote (Arabic digits, Chinese
  numerals, 万/亿 multipliers, N分之M, 成, 半);
- ``value`` x the unit's multiplier (resources/units.csv) = ``value_base``, and
  ``unit_base`` is the unit's base;
- ``lower``/``upper`` and their inclusivity follow the interval rule
  (:func:`zqclaims.numbers.interval`, docs/methods.md "The interval rule").
"""

from __future__ import annotations

from collections.abc import Iterator
import math
from fractions import Fraction

import numpy as np
import pandas as pd

from ..findings import Finding
from ..claimvalues import claim_numbers
from ..numbers import cell_fraction, fmt_decimal, numbers_in
from ..package import Package

ID = "values"
CHECKS = {
    "value-not-in-quote": "the claim's value is not a number written in its quote",
    "value-unparseable": "value is not a decimal or ratio, or its unit is not in units.csv",
    "value-base": "value x unit multiplier differs from value_base, or unit_base differs from the unit's",
    "value-interval": "lower/upper or their inclusivity differ from the interval rule",
}
REL_TOL = Fraction(1, 10**9)
COLUMNS = {"claims": ["value", "unit", "quote", "value_base", "unit_base", "qualifier", "indicator_id", "lower",
                      "upper", "lower_inclusive", "upper_inclusive"],
           "units": ["unit", "unit_base", "multiplier"], "indicators": ["indicator_id", "kind"]}


#: A number cell that cell_fraction reads exactly and a float holds to 1e-16: the fast path of _close.
PLAIN = r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?"


def _close(cell: str, want: Fraction | None, approx: float = math.nan) -> bool:
    """Whether ``cell`` is within REL_TOL of ``want``. ``approx`` is the cell as a float when it
    is a plain decimal: a difference under half or over twice the tolerance decides in floats
    (their error is some 1e-16 of the values, far inside that margin); otherwise exactly."""
    if want is None:
        return cell == ""
    if approx == approx:  # not NaN
        w = float(want)
        tol = max(abs(w) * 1e-9, 1e-9)
        diff = abs(approx - w)
        if diff <= tol / 2:
            return True
        if diff >= tol * 2:
            return False
    try:
        got = cell_fraction(cell)
    except (ValueError, ZeroDivisionError):
        return False
    return abs(got - want) <= max(abs(want) * REL_TOL, Fraction(1, 10**9))


def _exact_where_finite(cell: str, want: Fraction) -> bool:
    """A value x multiplier with at most 10 decimal places can be written exactly, and must be:
    the relative tolerance of :func:`_close` is for products like 100 x 1/3, not for 62430000001
    in place of 62430000000."""
    if (want * 10**10).denominator != 1:
        return True
    try:
        return cell_fraction(cell) == want
    except (ValueError, ZeroDivisionError):
        return False


def _floats(cells: pd.Series) -> np.ndarray:
    """Plain decimal cells as floats, NaN elsewhere (those are compared exactly)."""
    plain = cells.str.fullmatch(PLAIN).to_numpy(dtype=bool)
    out = np.full(len(cells), np.nan)
    out[plain] = pd.to_numeric(cells[plain]).to_numpy(dtype=float)
    return out


def run(pkg: Package) -> Iterator[Finding]:
    if pkg.lacks(COLUMNS):
        return  # the tables stage reports missing resources and damaged headers
    claims, path = pkg.frame("claims"), pkg.path_of("claims")
    nums = claim_numbers(pkg)  # exact numbers, computed once per run and shared with relations
    cols = [claims[c].to_numpy() for c in ("value", "unit", "quote", "value_base", "unit_base", "qualifier", "lower",
                                           "upper", "lower_inclusive", "upper_inclusive")]
    approx = {c: _floats(claims[c]) for c in ("value_base", "lower", "upper")}
    derived = [nums[c].to_numpy() for c in ("u_base", "u_mult", "value_f", "mult_f", "lo", "lo_inc", "hi", "hi_inc",
                                            "readable", "qualified")]
    for row, (value, unit, quote, value_base, unit_base, qualifier, lower, upper, lower_inc, upper_inc), \
            (u_base, u_mult, v, mult, lo, lo_inc, hi, hi_inc, readable, qualified), (f_base, f_lower, f_upper) in \
            zip(claims.index, zip(*cols), zip(*derived), zip(*approx.values())):
        row = int(row)
        if not readable:
            yield Finding(path, row, "value", "value-unparseable",
                          f"value {value!r} with unit {unit!r} cannot be read",
                          "write value as a decimal (24.5) or ratio (1/3), and use a unit from resources/units.csv")
            continue
        if v not in numbers_in(quote):
            yield Finding(path, row, "value", "value-not-in-quote",
                          f"value {value} is not written in the quote {quote!r}",
                          "value is the number as stated; correct it or the quote")
        base = v * mult
        if not _close(value_base, base, f_base) or not _exact_where_finite(value_base, base):
            yield Finding(path, row, "value_base", "value-base",
                          f"{value} x {u_mult} ({unit}) = {fmt_decimal(base)}, "
                          f"not {value_base}", "value_base is derived: value x the unit's multiplier")
        if unit_base != u_base:
            yield Finding(path, row, "unit_base", "value-base",
                          f"unit {unit!r} has base {u_base!r}, not {unit_base!r}",
                          "unit_base must match resources/units.csv")
        if not qualified:
            continue  # unknown qualifier: the tables stage reports the enum violation
        for side, bound, inc, cell, inc_cell, approx_cell in (("lower", lo, lo_inc, lower, lower_inc, f_lower),
                                                              ("upper", hi, hi_inc, upper, upper_inc, f_upper)):
            if not _close(cell, bound, approx_cell):
                yield Finding(path, row, side, "value-interval",
                              f"{qualifier} {value} {unit} gives {side} "
                              f"{fmt_decimal(bound) or '(unbounded)'}, not {cell or '(unbounded)'}",
                              "see docs/methods.md 'The interval rule'")
            elif bound is not None and inc_cell != ("true" if inc else "false"):
                yield Finding(path, row, f"{side}_inclusive", "value-interval",
                              f"{side} bound {fmt_decimal(bound)} should be "
                              f"{'inclusive' if inc else 'exclusive'}", "see docs/methods.md 'The interval rule'")
